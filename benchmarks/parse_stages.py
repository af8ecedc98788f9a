"""Where a parse spends its time: CPU time per page of each stage of ``parse_bytes``.

Wraps the stage functions the parser calls (parse, body finding, the flattening transform,
table reading, mapping, checks, result …) with timers, runs the bench pages through
``parse_bytes`` interleaved with the lxml floor, and prints each stage's time per page and
as a multiple of the floor. Wrapped stages overlap (``read_html`` holds the front-end ones),
and the wrappers add a little, so the figures say where to look, not what to claim; the
claims come from ``parse_bench.py``.

    .venv/bin/python benchmarks/parse_stages.py [--set all|corpus|synthetic] [--reps 5]
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import parse_bench as B
from lxml import html as lxml_html

import ogi_scrape.parse as P
from ogi_scrape.parse import htmldoc, mapping

STAGES = [(htmldoc, "_parse_tree"), (htmldoc, "_meta"), (htmldoc, "find_body"),
          (htmldoc, "HiddenLines"), (htmldoc, "lines_from_body"), (htmldoc, "flatten"),
          (htmldoc, "table_lines"), (htmldoc, "paragraphs"), (htmldoc, "ends_inside_a_table"),
          (P, "read_html"), (P, "parse_title"), (P, "map_document"), (P, "run_checks"),
          (P, "build_result"), (mapping, "group_lines")]


def instrument(times: collections.Counter) -> None:
    for module, name in STAGES:
        fn = getattr(module, name)

        def timed(*args, _fn=fn, _name=name, **kw):
            start = time.process_time()
            try:
                return _fn(*args, **kw)
            finally:
                times[_name] += time.process_time() - start
        setattr(module, name, timed)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", choices=("all", "corpus", "synthetic"), default="all")
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args(argv)
    pages = ((B.corpus_pages() if args.set != "synthetic" else []) +
             (B.synthetic_pages(40) if args.set != "corpus" else []))
    times: collections.Counter = collections.Counter()
    instrument(times)
    for name, data in pages[:2]:
        P.parse_bytes(data, name=name)
    times.clear()
    for _ in range(args.reps):
        for name, data in pages:
            start = time.process_time()
            lxml_html.fromstring(data)
            times["lxml floor"] += time.process_time() - start
            start = time.process_time()
            P.parse_bytes(data, name=name)
            times["parse_bytes (total)"] += time.process_time() - start
    n = args.reps * len(pages)
    floor = times["lxml floor"]
    print(f"{len(pages)} pages ({args.set}), {args.reps} reps, CPU time per page")
    for stage, t in times.most_common():
        print(f"  {stage:22s} {t / n * 1000:7.3f} ms   {t / floor:5.2f}x floor")
    return 0


if __name__ == "__main__":
    sys.exit(main())
