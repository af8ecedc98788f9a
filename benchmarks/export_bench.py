"""Benchmark: write and read ~1 M values through the dataset vs a naive ``DataFrame.to_parquet``.

    .venv/bin/python benchmarks/export_bench.py                # 1 M values (~5 000 reports)
    .venv/bin/python benchmarks/export_bench.py --values 200000 --batches 50

Both sides start from the same synthetic parse results (ogi_scrape.dataset.synthetic) in the
same run. "ours" is ``Dataset.upsert`` — it writes all seven tables (values, reports, checks,
report_versions, three wide views), typed, partitioned and published atomically; "naive" turns
the same value rows into one DataFrame (numbers as float, as a quick script would) and calls
``to_parquet``. Printed: rows/s for write and read, bytes on disk, and ours/naive ratios.
With ``--batches N`` it also upserts N small batches of 10 reports into the full dataset, the
crawl's pattern, and prints the time per batch.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import pandas as pd

from ogi_scrape.dataset import Dataset, report_key
from ogi_scrape.dataset.synthetic import synthetic_report


def du(path: Path) -> int:
    seen, total = set(), 0
    for dirpath, _, files in os.walk(path, followlinks=True):
        for f in files:
            st = os.stat(os.path.join(dirpath, f))
            if st.st_ino not in seen:
                seen.add(st.st_ino)
                total += st.st_size
    return total


def make_items(n_values: int):
    divisions = ["513322", "513323", "510104", "110101", "330424", "141023"]
    items, count, i = [], 0, 0
    while count < n_values:
        year = (2020, 2022, 2023, 2024)[i % 4]
        item = synthetic_report(i, year=year, division_code=divisions[(i // 4) % len(divisions)])
        items.append(item)
        count += len(item[1]["values"])
        i += 1
    return items, count


def naive_rows(items):
    rows = []
    for meta, parsed in items:
        key = report_key(meta)
        for v in parsed["values"]:
            prov = v["provenance"]
            rows.append({"report_key": key, "year": meta.year, "province": meta.division_code[:2],
                         "code": v["code"], "section": v["section"], "row": v["row"],
                         "column": v["column"],
                         "value": None if v["value"] is None else float(v["value"]),
                         "unit": v["unit"], "raw": v["raw"], "flags": v["flags"],
                         "prov_source": prov["source"], "prov_table": prov["table"],
                         "prov_row": prov["row"], "prov_col": prov["col"], "prov_line": prov["line"]})
    return rows


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--values", type=int, default=1_000_000)
    ap.add_argument("--batches", type=int, default=20)
    args = ap.parse_args()

    items, n = make_items(args.values)
    print(f"{len(items):,} synthetic reports, {n:,} values")
    tmp = Path(tempfile.mkdtemp(prefix="ogi-bench-"))
    try:
        ours_root, naive_file = tmp / "data", tmp / "naive.parquet"

        t_ours_w, _ = timed(lambda: Dataset(ours_root).upsert(items))
        t_naive_w, _ = timed(lambda: pd.DataFrame(naive_rows(items)).to_parquet(naive_file))
        t_ours_r, df_ours = timed(lambda: pd.read_parquet(ours_root / "values"))
        t_naive_r, df_naive = timed(lambda: pd.read_parquet(naive_file))
        assert len(df_ours) == len(df_naive) == n

        b_values, b_all, b_naive = du(ours_root / "values"), du(ours_root / "current"), naive_file.stat().st_size
        print(f"{'':28}{'ours':>14}{'naive':>14}{'ours/naive':>12}")
        print(f"{'write values rows/s':28}{n / t_ours_w:>14,.0f}{n / t_naive_w:>14,.0f}"
              f"{(n / t_ours_w) / (n / t_naive_w):>12.2f}")
        print(f"{'  (write seconds)':28}{t_ours_w:>14.2f}{t_naive_w:>14.2f}")
        print(f"{'read values rows/s':28}{n / t_ours_r:>14,.0f}{n / t_naive_r:>14,.0f}"
              f"{(n / t_ours_r) / (n / t_naive_r):>12.2f}")
        print(f"{'bytes on disk (values)':28}{b_values:>14,}{b_naive:>14,}{b_values / b_naive:>12.2f}")
        print(f"{'bytes on disk (all tables)':28}{b_all:>14,}")
        print("ours writes 7 typed tables with an atomic publish; naive writes one untyped values file")

        if args.batches:
            ds = Dataset(ours_root)
            extra = [synthetic_report(10_000_000 + i, year=2024) for i in range(args.batches * 10)]
            t, _ = timed(lambda: [ds.upsert(extra[b * 10:(b + 1) * 10]) for b in range(args.batches)])
            t_noop, s = timed(lambda: ds.upsert(items[:10]))
            assert s.unchanged == 10 and not s.published
            print(f"small batches: {args.batches} upserts of 10 reports into the full dataset: "
                  f"{t / args.batches * 1000:,.0f} ms per batch; an unchanged batch: {t_noop * 1000:,.0f} ms")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
