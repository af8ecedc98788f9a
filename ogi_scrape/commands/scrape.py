"""Find, fetch, parse and store one report: `ogi-scrape scrape --county 泸定 --year 2024`.

Prints its plan, discovers the report on the county's registered portal(s), fetches it
politely (every response archived as WARC under OUT/archive), parses and checks it, writes
it into the Parquet dataset under OUT, and ends with a summary. `--url` scrapes a report
page you already know; `--mirror DIR` serves the portals from replica sites in DIR (no
network needed) while keeping the real URLs in every record.

Exit status: 0 ok, 3 not found, 4 blocked by an anti-bot wall, 5 fetch failure,
6 parsed with problems (partial), 7 no table could be read (failed), 2 bad input.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import date
from pathlib import Path

from ogi_scrape.errors import UsageError

COMMAND = "scrape"
HELP = "scrape one county's report for one year into the dataset"
FIRST_YEAR = 2008          # the 条例 took effect in 2008; national table formats from 2019
TABLE_FORMATS_FROM = 2019
KINDS = ("government", "department", "township")


def configure(parser) -> None:
    from ogi_scrape.sources.registry import add_registry_argument

    parser.add_argument("--county", required=True,
                        help="county (or any division): name (泸定), code (513322) or path (四川/甘孜/泸定)")
    parser.add_argument("--year", required=True, type=int, help="report year, e.g. 2024")
    parser.add_argument("--kind", choices=KINDS, default="government",
                        help="whose report: the government's own (default), a department's or a township's")
    parser.add_argument("--org", help="body name for department/township reports, e.g. 教育局 or 兴隆镇")
    parser.add_argument("--url", help="scrape this report page instead of discovering it")
    parser.add_argument("--mirror", type=Path, metavar="DIR",
                        help="serve portals from replica sites in DIR (e.g. fixtures/portals)")
    parser.add_argument("--out", type=Path, default=Path("data"), metavar="DIR",
                        help="dataset folder (default: data/)")
    parser.add_argument("--dry-run", action="store_true",
                        help="discover and pick the report, fetch and write nothing else")
    add_registry_argument(parser)


def _check_year(year: int) -> None:
    this_year = date.today().year
    if not FIRST_YEAR <= year <= this_year:
        raise UsageError(f"--year {year}: no annual reports exist for that year",
                         hint=f"give a year between {FIRST_YEAR} and {this_year} (reports with the "
                              f"national tables exist from {TABLE_FORMATS_FROM} on)")
    if year >= this_year:
        print(f"note: reports for {year} are published by 31 March {year + 1}; "
              "it may not exist yet", file=sys.stderr)


def run(args) -> int:
    from ogi_scrape.regions import resolve
    from ogi_scrape.sources.registry import registry_from_args

    _check_year(args.year)
    if args.url and not args.url.startswith(("http://", "https://")):
        raise UsageError(f"--url {args.url}: not an http(s) URL",
                         hint="give the full address of the report page, or use `ogi-scrape parse FILE` for a saved file")
    division = resolve(args.county)
    registry = registry_from_args(args)
    _print_plan(args, division, registry)
    return asyncio.run(_scrape(args, division, registry))


def _print_plan(args, division, registry) -> None:
    sources = registry.sources_for(division.code)
    print("plan")
    print(f"  division: {division.label}")
    what = f"{args.kind} report" + (f" of {args.org}" if args.org else "")
    print(f"  year:     {args.year} ({what})")
    if args.url:
        print(f"  page:     {args.url}")
    elif sources:
        for s in sources:
            print(f"  source:   {s.id}  {s.base_url}  [{s.family}]")
    else:
        print("  source:   (none registered: discovery will fail; see docs/registry.md or use --url)")
    if args.mirror:
        print(f"  network:  replica portals in {args.mirror} on 127.0.0.1 (real URLs kept in every record)")
    else:
        print("  network:  live portals, politely (1 request / 2 s per host unless the registry says otherwise)")
    print(f"  output:   {args.out}/ (Parquet dataset), raw responses in {args.out}/archive/"
          + ("  [dry run: nothing written]" if args.dry_run else ""))
    sys.stdout.flush()


async def _scrape(args, division, registry) -> int:
    from ogi_scrape.pipeline import discover_and_pick, open_session, scrape_one, write_outcomes

    def log(msg: str) -> None:
        print(f"  … {msg}", flush=True)

    async with open_session(out=args.out, mirror=args.mirror, registry=registry,
                            archive=not args.dry_run) as session:
        if args.dry_run and not args.url:
            source, chosen = await discover_and_pick(session, division, args.year, args.kind, args.org)
            c = chosen.candidate
            print("would fetch")
            print(f"  {c.title}\n  {c.url}\n  from {source.id}; why: {'; '.join(chosen.reasons)}")
            for a in c.attachments:
                print(f"  attachment: {a}")
            return 0
        outcome = await scrape_one(session, division, args.year, kind=args.kind, org=args.org,
                                   url=args.url, log=log)
    summary = None
    if not args.dry_run and outcome.meta is not None:
        summary = write_outcomes(args.out, [outcome])
    _print_summary(outcome, summary, args.out)
    return outcome.exit_code


def _print_summary(outcome, summary, out: Path) -> None:
    print("result")
    if outcome.error:
        print(f"  status:   {outcome.status}")
        print(f"  error:    {outcome.error}")
        if outcome.hint:
            print(f"  hint:     {outcome.hint}")
        return
    r = outcome.result
    print(f"  found:    {outcome.title or '(untitled)'}")
    print(f"  url:      {outcome.url}")
    numbers = sum(1 for v in r.values if v.value is not None)
    print(f"  format:   {r.template}   year: {r.year}   body: {r.org or '?'}")
    print(f"  status:   {r.status}   values: {len(r.values)} cells ({numbers} numbers)")
    passed = sum(1 for c in r.checks if c["outcome"] == "pass")
    failed = [c for c in r.checks if c["outcome"] == "fail"]
    na = sum(1 for c in r.checks if c["outcome"] == "not_assessable")
    print(f"  checks:   {passed} pass, {len(failed)} fail, {na} not assessable")
    for c in failed[:10]:
        inst = f"[{c['instance']}]" if c.get("instance") else ""
        print(f"    ✗ {c['rule']}{inst}: {c['detail']}")
    for reason in r.reasons[:10]:
        print(f"  ! {reason}")
    for a in outcome.attachments:
        print(f"  attachment: {a['url']} " + (f"archived ({a['bytes']} bytes)" if "bytes" in a else f"failed: {a['error']}"))
    if outcome.meta is not None:
        print(f"  archive:  {out}/{outcome.meta.archive_ref}")
    if summary is not None:
        d = summary.as_dict()
        what = ", ".join(f"{d[k]} {k}" for k in ("new", "changed", "updated", "unchanged"))
        snap = f"snapshot {d['snapshot']}" if d["published"] else "nothing to publish"
        print(f"  written:  {out}/ — reports: {what} ({snap})")
