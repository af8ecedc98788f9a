"""CSV and Excel copies of the dataset for people who do not use Python.

Why hand-written cell formatting instead of ``DataFrame.to_csv``: pandas turns integer columns
with gaps into floats ("12.0") and prints decimals in scientific notation; a researcher opening
the file in Excel would see numbers the report never printed. Here a count stays an integer,
money stays its exact decimal, an empty cell stays empty, and lists (flags, reasons) are joined
with "|". CSV files are UTF-8 with a BOM so Excel opens Chinese text correctly.
"""

from __future__ import annotations

import csv
import os
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path


from ogi_scrape.dataset.dataset import open_dataset
from ogi_scrape.dataset.records import DatasetError
from ogi_scrape.dataset.store import Snapshot

EXCEL_MAX_ROWS = 1_048_576 - 1   # one row for the header
LIST_SEP = "|"


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, Decimal):
        return format(v.normalize(), "f")
    if isinstance(v, (list, tuple)):
        return LIST_SEP.join(_text(x) for x in v)
    if isinstance(v, (datetime, date)):
        return v.isoformat()
    return str(v)


def _excel(v):
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, Decimal):
        return v.normalize() if v == v.to_integral_value() else v
    if isinstance(v, datetime):
        return v.isoformat()                 # Excel has no time zones: keep the exact UTC text
    if isinstance(v, date):
        return v
    return _text(v)


class _Source:
    """One table of one pinned snapshot, filtered, streamed in batches (never all in memory);
    the hive key columns are dropped because the files repeat them as report_year/province_id."""

    def __init__(self, root: Path, table: str, snap: Snapshot, years, provinces):
        import pyarrow.compute as pc
        self.ds = open_dataset(root, table, snapshot=snap)
        expr = None
        if years:
            expr = pc.field("year").isin([int(y) for y in years])
        if provinces:
            term = pc.field("province").isin([str(p) for p in provinces])
            expr = term if expr is None else expr & term
        self.filter = expr
        self.columns = [n for n in self.ds.schema.names if n not in ("year", "province")]

    def count(self) -> int:
        return self.ds.count_rows(filter=self.filter)

    def rows(self):
        for batch in self.ds.to_batches(columns=self.columns, filter=self.filter, batch_size=50_000):
            cols = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
            yield from zip(*cols)


def export(root: Path, out: Path, fmt: str, tables: list[str], *,
           years=None, provinces=None) -> list[tuple[str, Path, int]]:
    """Write the tables from one pinned snapshot; return (table, file, rows) per table."""
    from ogi_scrape.dataset.store import Store
    snap = Store(root).current()
    if snap is None:
        raise DatasetError(f"no dataset at {root}: it has no published snapshot (no {root}/current)",
                           hint="run a scrape first, or point --data at a dataset root")
    data = {t: _Source(root, t, snap, years, provinces) for t in tables}
    if fmt == "csv":
        return _write_csv(out, data)
    return _write_xlsx(out, data)


def _atomic_target(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def _write_csv(out: Path, data: dict[str, _Source]) -> list[tuple[str, Path, int]]:
    if out.exists() and not out.is_dir():
        raise DatasetError(f"--out {out} is a file, but csv export writes one file per table into a directory",
                           hint="pass a directory (it is created if missing)")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for table, t in data.items():
        path = out / f"{table}.csv"
        tmp = _atomic_target(path)
        try:
            with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
                w = csv.writer(fh)
                w.writerow(t.columns)
                n = 0
                for row in t.rows():
                    w.writerow([_text(v) for v in row])
                    n += 1
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        finally:
            if tmp.exists():
                tmp.unlink()
        written.append((table, path, n))
    return written


def _write_xlsx(out: Path, data: dict[str, _Source]) -> list[tuple[str, Path, int]]:
    from openpyxl import Workbook

    if out.is_dir():
        raise DatasetError(f"--out {out} is a directory, but xlsx export writes one workbook file",
                           hint="pass a file name such as ogi-dataset.xlsx")
    counts = {table: t.count() for table, t in data.items()}
    for table, n in counts.items():
        if n > EXCEL_MAX_ROWS:
            raise DatasetError(
                f"table {table} has {n:,} rows; an Excel sheet holds at most {EXCEL_MAX_ROWS:,}",
                hint="filter with --year/--province, or use --format csv")
    out.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook(write_only=True)
    for table, t in data.items():
        ws = wb.create_sheet(title=table)
        ws.append(t.columns)
        for row in t.rows():
            ws.append([_excel(v) for v in row])
    tmp = _atomic_target(out)
    try:
        wb.save(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()
    return [(table, out, counts[table]) for table in data]
