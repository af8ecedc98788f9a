"""Crawl every registered portal in scope and update the dataset: the nightly job.

`ogi-scrape crawl --years 2019-2025` prints its plan, then visits every source in the registry
(bundled, plus your own with --registry) concurrently across hosts — each host within its
politeness limits — lists the report columns, fetches new and changed report pages
(conditional requests for pages seen before), parses them and upserts them into the Parquet
dataset under --out. State (frontier, per-URL history, validators, hashes) lives in
OUT/crawl-state.sqlite; a killed run continues with --resume. Each run ends with a summary,
also written to OUT/crawl-runs/<run>.json. See docs/crawl.md.

Exit status: 0 done, 8 failures above --max-failure-rate, 2 bad input or state in use.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sys
from pathlib import Path

from ogi_scrape.errors import UsageError

COMMAND = "crawl"
HELP = "crawl every registered portal in scope (new and changed reports) into the dataset"


def configure(parser) -> None:
    from ogi_scrape.sources.registry import add_registry_argument

    parser.add_argument("--province", help="only sources in this province (name or code, e.g. 四川)")
    parser.add_argument("--county", help="only sources in this division (name, code or path)")
    parser.add_argument("--years", help="report years: 2019-2025, 2021,2023 or 2024 "
                                        "(default: the last three report years)")
    parser.add_argument("--since", type=int, metavar="YEAR", help="report years from YEAR to last year")
    parser.add_argument("--only", nargs="+", metavar="SOURCE", default=[],
                        help="only these sources (registry id, portal name or division code)")
    parser.add_argument("--mirror", type=Path, metavar="DIR",
                        help="serve portals from replica sites in DIR (e.g. fixtures/portals)")
    parser.add_argument("--out", type=Path, default=Path("data"), metavar="DIR",
                        help="dataset folder (default: data/); state and run manifests go beside it")
    parser.add_argument("--state", type=Path, metavar="FILE",
                        help="crawl state file (default: OUT/crawl-state.sqlite)")
    parser.add_argument("--resume", action="store_true",
                        help="continue the last interrupted run (same scope) instead of starting anew")
    parser.add_argument("--dry-run", action="store_true",
                        help="print the plan and what each portal lists; fetch no report, write nothing")
    parser.add_argument("--workers", type=int, default=64,
                        help="portals visited at once (default: %(default)s)")
    parser.add_argument("--connections", type=int, default=16,
                        help="requests in flight across all hosts (default: %(default)s)")
    parser.add_argument("--parse-processes", type=int, default=None, metavar="N",
                        help="parser worker processes (default: one per core beyond the first, "
                             "at most 4; 0 parses in a thread)")
    parser.add_argument("--batch-size", type=int, default=200,
                        help="reports per dataset publish (default: %(default)s)")
    parser.add_argument("--max-failure-rate", type=float, default=0.25, metavar="SHARE",
                        help="exit with status 8 when more than this share of sources and reports "
                             "failed or were blocked (default: %(default)s)")
    add_registry_argument(parser)


def _validate(args) -> None:
    for name in ("workers", "connections", "batch_size"):
        if getattr(args, name) < 1:
            raise UsageError(f"--{name.replace('_', '-')} {getattr(args, name)}: must be at least 1")
    if args.parse_processes is not None and args.parse_processes < 0:
        raise UsageError(f"--parse-processes {args.parse_processes}: must be 0 or more")
    if not 0 <= args.max_failure_rate <= 1:
        raise UsageError(f"--max-failure-rate {args.max_failure_rate}: not a share between 0 and 1",
                         hint="e.g. 0.25 means: fail the run when more than a quarter failed")
    if args.out.exists() and not args.out.is_dir():
        raise UsageError(f"--out {args.out}: exists and is not a folder")


def run(args) -> int:
    from ogi_scrape.crawl.scope import Scope, parse_years
    from ogi_scrape.sources.registry import registry_from_args

    _validate(args)
    years = parse_years(args.years, args.since)
    registry = registry_from_args(args)
    scope = Scope(years=years, province=args.province, county=args.county, only=list(args.only),
                  registry=[str(p) for p in args.registry], mirror=str(args.mirror) if args.mirror else None)
    sources = registry.sources_in(province=args.province, county=args.county, only=args.only or None)
    if args.dry_run:
        _print_plan(args, scope, sources, None)
        return asyncio.run(_dry_run(args, registry, scope, sources))

    from ogi_scrape.crawl.runner import start_or_resume
    from ogi_scrape.crawl.state import STATE_FILE, StateStore

    state_path = args.state or args.out / STATE_FILE
    with StateStore(state_path) as state:
        run_id, scope, resumed, ids = start_or_resume(state, scope, [s.id for s in sources], args.resume)
        if resumed:
            registry = registry_from_args(argparse_namespace(registry=[Path(p) for p in scope.registry]))
            sources = [registry.get(i) for i in ids]
            if scope.mirror and not args.mirror:
                args.mirror = Path(scope.mirror)
        elif args.resume:
            print("note: no interrupted run to resume; starting a new run", file=sys.stderr)
        if not sources and not resumed:
            raise UsageError(f"no registered source in scope ({scope.describe()})",
                             hint="check --province/--county/--only, or add portals with --registry "
                                  "(docs/registry.md); `ogi-scrape regions --sources` lists them")
        _print_plan(args, scope, sources, (run_id, resumed, state_path))
        from ogi_scrape.crawl.parsing import default_processes, parse_pool

        n = default_processes() if args.parse_processes is None else args.parse_processes
        with parse_pool(n) as pool:          # forked before the replica server's threads exist
            return asyncio.run(_crawl(args, registry, state, run_id, scope, ids, resumed, pool))


def argparse_namespace(**kw):
    import argparse
    return argparse.Namespace(**kw)


def _settings(args):
    from ogi_scrape.fetch import FetchSettings
    return dataclasses.replace(FetchSettings(), max_concurrency=args.connections)


async def _crawl(args, registry, state, run_id, scope, ids, resumed, pool) -> int:
    from ogi_scrape.crawl.report import print_summary
    from ogi_scrape.crawl.runner import RunOptions, execute
    from ogi_scrape.pipeline import open_session

    options = RunOptions(workers=args.workers, batch_size=args.batch_size,
                         max_failure_rate=args.max_failure_rate, parse_pool=pool)
    async with open_session(out=args.out, mirror=args.mirror, registry=registry,
                            settings=_settings(args)) as session:
        result = await execute(session, state, run_id, scope, ids, resumed=resumed, options=options)
    print_summary(result.summary, result.manifest, threshold=args.max_failure_rate)
    return result.exit_code


def _print_plan(args, scope, sources, run) -> None:
    print("plan")
    print(f"  scope:    {scope.describe()}")
    print(f"  sources:  {len(sources)} portal(s) on {len({s.host for s in sources})} host(s)")
    for s in sources[:20]:
        pol = s.politeness
        print(f"    {s.id:<24} {s.base_url}  [{s.family}]  "
              f"{'%.2gs' % pol.delay if pol.delay is not None else '2s'}/request")
    if len(sources) > 20:
        print(f"    … and {len(sources) - 20} more")
    if args.mirror:
        print(f"  network:  replica portals in {args.mirror} on 127.0.0.1 (real URLs kept in every record)")
    else:
        print("  network:  live portals, politely (per-host delay from the registry, default 1 request / 2 s)")
    print(f"  workers:  {args.workers} portals at once, {args.connections} requests in flight at most")
    if run is None:
        print("  output:   [dry run: nothing fetched beyond the report lists, nothing written]")
    else:
        run_id, resumed, state_path = run
        print(f"  output:   {args.out}/ (Parquet dataset), raw responses in {args.out}/archive/")
        print(f"  state:    {state_path}")
        print(f"  run:      {run_id}" + ("  (resuming: sources already done are skipped)" if resumed else ""))
    sys.stdout.flush()


class _NoState:
    """Dry runs remember nothing: every page is new to them."""

    def url_state(self, url):
        return None


async def _dry_run(args, registry, scope, sources) -> int:
    from ogi_scrape.crawl.conditional import SourceFetcher
    from ogi_scrape.crawl.engine import list_candidates, select
    from ogi_scrape.errors import OgiError
    from ogi_scrape.pipeline import open_session

    async with open_session(out=args.out, mirror=args.mirror, registry=registry,
                            settings=_settings(args), archive=False) as session:
        async def one(source):
            fetcher = SourceFetcher(session.fetcher, _NoState(), session.out, session.relative_ref)
            try:
                cands, misses = await list_candidates(source, fetcher, scope.years)
            except OgiError as exc:
                return source, None, exc.message
            if not cands:
                return source, None, "; ".join(misses) or "the report columns list no report"
            chosen, _ = select(cands, scope.years, source.division.name)
            return source, chosen, None

        results = await asyncio.gather(*(one(s) for s in sources))
    print("would fetch")
    for source, chosen, error in results:
        if error:
            print(f"  {source.id}: cannot list: {error}")
            continue
        print(f"  {source.id}: {len(chosen)} report(s)")
        for c in chosen:
            print(f"    {c.year or '?'}  {c.org or '?'}  {c.url}")
    return 0
