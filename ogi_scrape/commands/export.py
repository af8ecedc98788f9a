"""Export the dataset as CSV files (one per table) or one Excel workbook (one sheet per table).

For people who do not read Parquet: counts stay integers, money stays exact, empty cells stay
empty, lists are joined with "|". CSV is UTF-8 with a BOM so Excel shows Chinese text.
The dataset itself is described in docs/dataset.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ogi_scrape.dataset.schema import TABLES
from ogi_scrape.errors import NotFound, UsageError

COMMAND = "export"
HELP = "write the dataset's tables as CSV files or an Excel workbook"
DEFAULT_TABLES = ["reports", "values", "checks", "wide_s2", "wide_s3", "wide_s4"]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, default=Path("data"), metavar="DIR",
                        help="dataset root to read (default: data)")
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv",
                        help="csv: one UTF-8 (BOM) file per table in --out DIR; xlsx: one workbook")
    parser.add_argument("--out", type=Path, metavar="PATH",
                        help="output directory (csv, default: export/) or file (xlsx, default: ogi-dataset.xlsx)")
    parser.add_argument("--table", action="append", choices=list(TABLES), metavar="TABLE",
                        help=f"table to export (repeatable; default: {', '.join(DEFAULT_TABLES)}); "
                             f"choices: {', '.join(TABLES)}")
    parser.add_argument("--year", action="append", type=int, metavar="YEAR",
                        help="only these report years (repeatable)")
    parser.add_argument("--province", action="append", metavar="CODE",
                        help="only these provinces, by 2-digit code, e.g. 51 (repeatable)")


def run(args: argparse.Namespace) -> int:
    from ogi_scrape.dataset.records import DatasetError
    from ogi_scrape.dataset.tabular import export

    root: Path = args.data
    if not root.is_dir():
        raise NotFound(f"dataset root {root} does not exist",
                       hint="pass --data DIR pointing at the directory a scrape wrote (default: data)")
    for p in args.province or []:
        if not (len(p) == 2 and p.isdigit()):
            raise UsageError(f"--province {p!r} is not a 2-digit province code",
                             hint="use the first two digits of the division code, e.g. 51 for 四川")
    out = args.out or (Path("export") if args.format == "csv" else Path("ogi-dataset.xlsx"))
    try:
        written = export(root, out, args.format, args.table or DEFAULT_TABLES,
                         years=args.year, provinces=args.province)
    except DatasetError as exc:
        if "no published snapshot" in exc.message:
            raise NotFound(exc.message, hint=exc.hint) from None
        raise UsageError(exc.message, hint=exc.hint) from None
    for table, path, rows in written:
        print(f"{table}\t{rows}\t{path}", file=sys.stdout)
    return 0
