"""Snapshot the parser's complete output over a large page set, to prove a speed change
changes nothing.

Speed work on the parser (issue #2) must not move a single value, flag, provenance field or
reason. ``record`` parses every page of the set and writes one JSON line per page (the full
``ParseResult.to_dict()``, provenance included); ``compare`` parses the same set again and
lists every page whose output differs from the recording, with the first differing field.

The set: the shared corpus read in place (when ``../shared/corpus`` exists), our fixtures
(``fixtures/reports``, the replica portals' pages), and seeded synthetic reports from
``tests/reportgen.py`` in every rendering (HTML with random Word-paste styles, four text
conventions), structurally damaged, and cut at random offsets.

    .venv/bin/python benchmarks/parse_snapshot.py record  /tmp/before.jsonl
    .venv/bin/python benchmarks/parse_snapshot.py compare /tmp/before.jsonl
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import reportgen as G

from ogi_scrape.parse import parse_bytes

CORPUS = ROOT.parent / "shared" / "corpus"
SUFFIXES = {".html", ".htm", ".shtml", ".txt"}


def pages(synthetic: int, seed: int = 7):
    """(name, bytes) for every page of the set, in a fixed order."""
    for base in (CORPUS, ROOT / "fixtures" / "reports", ROOT / "fixtures" / "portals"):
        if base.is_dir():
            for p in sorted(base.rglob("*")):
                if p.is_file() and p.suffix.lower() in SUFFIXES:
                    yield str(p.relative_to(base.parent)), p.read_bytes()
    rnd = random.Random(seed)
    for i in range(synthetic):
        report = G.make_report(rnd)
        html = G.render_html(report, rnd).encode("utf-8")
        yield f"synthetic/{i}.html", html
        for convention in ("row", "cell", "sep", "bare"):
            if rnd.random() < 0.3:
                yield f"synthetic/{i}.{convention}.txt", G.render_text(report, rnd, convention).encode()
        kind = rnd.choice(G.STRUCTURAL_DAMAGE)
        tables = copy.deepcopy(G.table_rows(report))
        G.damage(tables, rnd, kind)
        yield f"synthetic/{i}.{kind}.html", G.render_html(report, rnd, tables=tables).encode()
        cut = rnd.randrange(len(html))
        yield f"synthetic/{i}.cut{cut}.html", html[:cut]


def snapshot(name: str, data: bytes) -> dict:
    out = parse_bytes(data, name=name).to_dict()
    return json.loads(json.dumps(out, ensure_ascii=False, sort_keys=True, default=str))


def first_difference(a, b, path="") -> str:
    if type(a) is not type(b):
        return f"{path}: {a!r} != {b!r}"
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if a.get(k) != b.get(k):
                return first_difference(a.get(k), b.get(k), f"{path}.{k}")
    elif isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return first_difference(x, y, f"{path}[{i}]")
    return f"{path}: {str(a)[:200]!r} != {str(b)[:200]!r}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=("record", "compare"))
    ap.add_argument("file", type=Path)
    ap.add_argument("--synthetic", type=int, default=300)
    args = ap.parse_args(argv)
    if args.mode == "record":
        n = 0
        with args.file.open("w", encoding="utf-8") as fh:
            for name, data in pages(args.synthetic):
                fh.write(json.dumps({"name": name, "out": snapshot(name, data)}, ensure_ascii=False) + "\n")
                n += 1
        print(f"recorded {n} pages to {args.file}")
        return 0
    recorded = {}
    for line in args.file.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        recorded[row["name"]] = row["out"]
    n = bad = 0
    for name, data in pages(args.synthetic):
        n += 1
        now = snapshot(name, data)
        before = recorded.get(name)
        if before is None:
            print(f"NEW  {name}")
            bad += 1
        elif before != now:
            bad += 1
            print(f"DIFF {name}: {first_difference(before, now)}")
    cells = sum(len(v["values"]) for v in recorded.values())
    print(f"{n} pages, {cells} values recorded; {bad} differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
