"""Re-parse every stored report from the raw archive after a parser upgrade: no network.

`ogi-scrape reparse --out data` reads each report's archived bytes (OUT/archive, WARC),
checks them against the stored SHA-256, parses them with the installed parser and upserts the
result: reports that read the same stay untouched, the others are updated in place (same
version, since the page itself did not change). See docs/crawl.md.

Exit status: 0 done, 3 no dataset under --out, 5 some archive records are missing or altered.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ogi_scrape.errors import EXIT_FETCH_FAILED, NotFound, UsageError

COMMAND = "reparse"
HELP = "re-parse every stored report from the raw archive (after a parser upgrade; offline)"


def configure(parser) -> None:
    parser.add_argument("--out", type=Path, default=Path("data"), metavar="DIR",
                        help="dataset folder holding archive/ (default: data/)")
    parser.add_argument("--years", help="only these report years: 2019-2025, 2021,2023 or 2024")
    parser.add_argument("--province", help="only this province (name or 2-digit code)")
    parser.add_argument("--batch-size", type=int, default=200, help="reports per dataset publish")


def run(args) -> int:
    from ogi_scrape.crawl.reparse import reparse
    from ogi_scrape.crawl.scope import parse_years
    from ogi_scrape.dataset import Dataset

    if args.batch_size < 1:
        raise UsageError(f"--batch-size {args.batch_size}: must be at least 1")
    if not args.out.is_dir() or Dataset(args.out).snapshot() is None:
        raise NotFound(f"--out {args.out}: no dataset there",
                       hint="run `ogi-scrape crawl` or `ogi-scrape scrape` first, or point --out at the dataset folder")
    years = parse_years(args.years, None) if args.years else None
    province = None
    if args.province:
        from ogi_scrape.regions import resolve
        province = resolve(args.province, level="province").code[:2]
    print(f"reparse {args.out}/ from {args.out}/archive/ (no network)", flush=True)
    s = reparse(args.out, years=years, province=province, batch_size=args.batch_size)
    print("summary")
    print(f"  reports:   {s.reports} read back, {s.updated} updated, {s.unchanged} unchanged")
    before = ", ".join(f"{v} {k}" for k, v in sorted(s.before.items()))
    after = ", ".join(f"{v} {k}" for k, v in sorted(s.status.items()))
    print(f"  status:    before: {before or '-'}; after: {after or '-'}")
    if s.snapshot:
        print(f"  dataset:   snapshot {s.snapshot}")
    for m in s.missing[:20]:
        print(f"  missing:   {m}")
    if s.missing:
        print(f"  ! {len(s.missing)} report(s) could not be re-read from the archive; "
              "re-crawl them (their rows were left as they were)", file=sys.stderr)
        return EXIT_FETCH_FAILED
    return 0
