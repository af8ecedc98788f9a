"""Farm benchmark for the nightly crawl: N replica portals on loopback, crawled politely.

What it answers: is the crawl bound by politeness (the only bound a polite crawler should
hit) or by its own machinery? It generates N sites (default 2,000) from the TRS replica
(daixian.gov.cn: a static report column and its report pages), each answering every request
after a random 50–300 ms (the replica's ``slow:`` fault plans), writes a registry with one
source per site (a real county code each) and a per-host delay ``d``, serves the farm from a
separate process (so the server's CPU does not share our interpreter), and runs the very
crawl code of ``ogi-scrape crawl`` against it. It prints

* wall time against the politeness lower bound — the largest per-host request count × d,
  the time the busiest host alone needs when nobody waits for anything else — and the ratio;
* peak RSS of the crawl process (the farm server separately);
* per-report and per-request costs, and what they mean for a national night.

Target on the 2-core build machine: ratio ≤ 1.3 and peak RSS < 500 MB.

    .venv/bin/python benchmarks/crawl_bench.py                 # N=2000, d=60 s
    .venv/bin/python benchmarks/crawl_bench.py -n 200 -d 5     # a quick look
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TEMPLATE = ROOT / "fixtures" / "portals" / "daixian.gov.cn"
COLUMN = "dxzw/zwgk/xxgknb"
# The reports each farm site lists (year 2024: the county government's and a bureau's).
ARTICLES = ["202503/t20250328_4061873.html", "202501/t20250121_4056262.html"]


def county_codes(n: int) -> list[str]:
    from ogi_scrape.regions import divisions
    codes = sorted(d.code for d in divisions(level="county"))
    if len(codes) < n:
        raise SystemExit(f"only {len(codes)} county codes; ask for at most that many sites")
    return codes[:n]


def make_farm(root: Path, n: int, delay: float, reports: int, seed: int) -> tuple[Path, Path, list[str]]:
    """``root/sites/<host>/`` (hard links to the template's pages) and ``root/registry/``."""
    rng = random.Random(seed)
    sites, registry = root / "sites", root / "registry"
    sites.mkdir(parents=True)
    registry.mkdir()
    index = (TEMPLATE / COLUMN / "index.html").read_text("utf-8")
    keep = ARTICLES[:reports]
    lines = [l for l in index.splitlines()
             if "<li><a href=\"./20" not in l or any(a in l for a in keep)]
    index = re.sub(r"createPageHTML\(\s*\d+", "createPageHTML(1", "\n".join(lines))
    hosts = []
    for i, code in enumerate(county_codes(n)):
        host = f"xxgk{i:05d}.farm.gov.cn"
        hosts.append(host)
        site = sites / host / COLUMN
        site.mkdir(parents=True)
        (site / "index.html").write_text(index, "utf-8")
        paths = [f"/{COLUMN}/index.html", "/robots.txt"]
        for art in keep:
            (site / art).parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(TEMPLATE / COLUMN / art, site / art)
            except OSError:
                shutil.copy(TEMPLATE / COLUMN / art, site / art)
            paths.append(f"/{COLUMN}/{art}")
        faults = "".join(f'[[faults]]\npath = "{p}"\nplan = ["slow:{rng.uniform(0.05, 0.30):.3f}"]\n\n'
                         for p in paths)
        (sites / host / "site.toml").write_text(faults, "utf-8")
        (registry / f"{code}-farm{i:05d}.toml").write_text(
            f'code = "{code}"\nname = "farm portal {i}"\nbase_url = "http://{host}/"\nfamily = "trs"\n'
            f'[politeness]\ndelay = {delay}\nconcurrency = 1\n'
            f'[options]\nbody_selector = ".TRS_Editor"\n'
            f'[[columns]]\nkind = "mixed"\nname = "公开年报"\nurl = "http://{host}/{COLUMN}/index.html"\n',
            "utf-8")
    return sites, registry, hosts


def serve(sites: Path) -> tuple[subprocess.Popen, int]:
    """The farm in its own process: ``ogi-scrape replica --root sites --quiet``."""
    proc = subprocess.Popen([sys.executable, "-m", "ogi_scrape", "replica", "--root", str(sites),
                             "--port", "0", "--quiet"], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    line = proc.stdout.readline()
    m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    if not m:
        proc.kill()
        raise SystemExit(f"the replica server did not start: {line!r}")
    threading_drain(proc)
    return proc, int(m.group(1))


def threading_drain(proc) -> None:
    import threading

    def drain():
        for _ in proc.stdout:
            pass
    threading.Thread(target=drain, daemon=True).start()


async def crawl(out: Path, registry_dir: Path, hosts: list[str], port: int, *, years: list[int],
                connections: int, workers: int, pool) -> dict:
    from ogi_scrape.crawl.runner import RunOptions, execute
    from ogi_scrape.crawl.scope import Scope
    from ogi_scrape.crawl.state import STATE_FILE, StateStore
    from ogi_scrape.fetch import Archive, FetchSettings, Fetcher, Mirror
    from ogi_scrape.pipeline import Session
    from ogi_scrape.sources.registry import load_registry

    registry = load_registry([registry_dir], bundled=False)
    settings = dataclasses.replace(FetchSettings(), max_concurrency=connections,
                                   pool_timeout=600.0, total_budget=3600.0)
    archive = Archive(out / "archive")
    fetcher = Fetcher(settings, archive=archive, mirror=Mirror.all_to("127.0.0.1", port, hosts))
    for source in registry:
        fetcher.configure_host(source.host, delay=source.politeness.delay,
                               concurrency=source.politeness.concurrency)
    scope = Scope(years=years)
    ids = [s.id for s in registry]
    with StateStore(out / STATE_FILE) as state, open(os.devnull, "w") as quiet:
        run_id = state.start_run(scope.as_dict(), ids)
        async with fetcher:
            session = Session(fetcher=fetcher, registry=registry, out=out, archive=archive)
            result = await execute(session, state, run_id, scope, ids, resumed=False,
                                   options=RunOptions(workers=workers, tty=False, stream=quiet,
                                                      parse_pool=pool))
    archive.close()
    return result.summary.as_dict()


def per_host_requests(out: Path) -> Counter:
    from urllib.parse import urlsplit
    counts: Counter = Counter()
    with open(out / "archive" / "index.jsonl", encoding="utf-8") as fh:
        for line in fh:
            counts[urlsplit(json.loads(line)["uri"]).hostname] += 1
    return counts


def rss_mb(pid: int) -> float:
    import psutil
    return psutil.Process(pid).memory_info().rss / 2**20


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", "--sites", type=int, default=2000, help="replica portals (default 2000)")
    ap.add_argument("-d", "--delay", type=float, default=60.0,
                    help="per-host delay in seconds (default 60; see docs/crawl.md for why)")
    ap.add_argument("--reports", type=int, default=2, choices=(1, 2), help="reports listed per site")
    ap.add_argument("--connections", type=int, default=256, help="requests in flight, all hosts")
    ap.add_argument("--workers", type=int, default=None, help="portals at once (default: all)")
    ap.add_argument("--parse-processes", type=int, default=None,
                    help="parser processes (default: as `ogi-scrape crawl`: cores − 1)")
    ap.add_argument("--second-night", action="store_true",
                    help="crawl the unchanged farm a second time and report that run too")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", action="store_true", help="keep the farm and the dataset (prints where)")
    args = ap.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="crawl-farm-", dir=ROOT / "benchmarks"
                                 if os.access(ROOT / "benchmarks", os.W_OK) else None))
    try:
        t0 = time.perf_counter()
        sites, registry, hosts = make_farm(work, args.sites, args.delay, args.reports, args.seed)
        from ogi_scrape.crawl.parsing import default_processes, parse_pool
        n_parse = default_processes() if args.parse_processes is None else args.parse_processes
        pool_cm = parse_pool(n_parse)
        pool = pool_cm.__enter__()           # fork the parsers before any thread starts
        server, port = serve(sites)
        print(f"farm: {args.sites} sites × {args.reports} report(s), latency 50–300 ms, "
              f"per-host delay d = {args.delay:g} s; generated in {time.perf_counter() - t0:.1f} s in {work}",
              flush=True)
        try:
            out = work / "data"
            cpu0 = time.process_time()
            t1 = time.perf_counter()
            summary = asyncio.run(crawl(out, registry, hosts, port, years=[2024],
                                        connections=args.connections,
                                        workers=args.workers or args.sites, pool=pool))
            wall = time.perf_counter() - t1
            cpu = time.process_time() - cpu0
            second = None
            if args.second_night:          # the same farm again: everything unchanged
                first_counts = per_host_requests(out)
                n_before = sum(first_counts.values())
                c2, t2 = time.process_time(), time.perf_counter()
                s2 = asyncio.run(crawl(out, registry, hosts, port, years=[2024],
                                       connections=args.connections,
                                       workers=args.workers or args.sites, pool=pool))
                second = (time.perf_counter() - t2, time.process_time() - c2, s2,
                          sum(per_host_requests(out).values()) - n_before)
            server_rss = rss_mb(server.pid)
            parser_rss = sum(rss_mb(p.pid) for p in (pool._processes or {}).values()) if pool else 0.0
        finally:
            pool_cm.__exit__(None, None, None)
            server.terminate()
            server.wait(timeout=30)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # KiB → MiB on Linux
        counts = per_host_requests(out) if second is None else first_counts
        busiest = max(counts.values())
        bound = busiest * args.delay
        reports = summary["reports"]
        stored = reports["new"] + reports["changed"] + reports["updated"] + reports["unchanged"]
        requests = sum(counts.values())
        print(f"crawl: {summary['sources']} sources; reports {reports}")
        print(f"requests: {requests} ({requests / len(counts):.1f} per host, busiest host {busiest})")
        print(f"wall time:           {wall:8.1f} s")
        print(f"politeness bound:    {bound:8.1f} s  (busiest host {busiest} requests × d {args.delay:g} s)")
        print(f"ratio wall / bound:  {wall / bound:8.2f}   (target ≤ 1.3)")
        print(f"crawl CPU:           {cpu:8.1f} s  ({1000 * cpu / max(1, stored):.0f} ms per stored report, "
              f"{1000 * cpu / max(1, requests):.1f} ms per request, all included)")
        print(f"peak RSS (crawl):    {peak:8.0f} MB   (target < 500 MB); {n_parse} parser process(es) "
              f"{parser_rss:.0f} MB now; farm server {server_rss:.0f} MB")
        def size_mb(path: Path) -> float:
            return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20
        print(f"disk:                {size_mb(out / 'archive'):8.1f} MB WARC archive, "
              f"{size_mb((out / 'current').resolve()):.1f} MB dataset (current snapshot), "
              f"{(out / 'crawl-state.sqlite').stat().st_size / 2**20:.1f} MB state")
        if second is not None:
            w2, c2, s2, n2 = second
            print(f"second night:        {w2:8.1f} s wall, {c2:.1f} s CPU, {n2} requests "
                  f"({s2['requests'].get('not_modified', 0)} answered 304), reports {s2['reports']['unchanged']} "
                  f"unchanged, {sum(s2['parse'].values())} parsed; ratio to the same bound {w2 / bound:.2f}")
        if stored != args.sites * args.reports:
            print(f"! stored {stored} reports, expected {args.sites * args.reports}")
            return 1
        per_report = cpu / stored
        night = 1e5
        print(f"national night (10^5 reports, one process): ≥ {night * per_report / 3600:.1f} h of crawl CPU; "
              f"politeness: ~{night / 2900:.0f} reports per county portal × ~1.5 requests × d")
        if args.keep:
            print(f"kept: {work}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
