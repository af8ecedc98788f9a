"""Peak memory of reading a gzip bomb: our capped decoder vs httpx's own decoding.

ogi_scrape decompresses response bodies itself (``ogi_scrape.fetch.body.BodyDecoder``)
instead of letting httpx do it, because httpx inflates each network chunk in one call: a
64 KiB chunk of a gzip bomb becomes ~64 MB in memory before any size check can run. This
script serves a gzip bomb from the replica server and measures, in the same run, the peak
traced memory of (a) the Fetcher with a 10 MB cap and (b) a plain httpx client counting
``aiter_bytes()`` and stopping at the same cap (the usual "stream and count" baseline).

    .venv/bin/python benchmarks/bench_fetch_bomb.py [MEGABYTES]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import tracemalloc
from pathlib import Path

import httpx

from ogi_scrape.fetch import Fetcher, Mirror, TooLarge
from ogi_scrape.replica import ReplicaServer
from ogi_scrape.replica.testing import fast_settings, make_site

HOST = "www.bomb.gov.cn"
CAP = 10 * 1024 * 1024


async def ours(server) -> None:
    async with Fetcher(fast_settings(obey_robots=False, max_html_bytes=CAP),
                       mirror=Mirror.from_replica(server)) as f:
        try:
            await f.get(f"http://{HOST}/bomb.html")
        except TooLarge:
            pass


async def baseline(server) -> None:
    async with httpx.AsyncClient(trust_env=False) as client:
        async with client.stream("GET", f"{server.base_url()}/bomb.html",
                                 headers={"Host": HOST}) as r:
            size, parts = 0, []
            async for chunk in r.aiter_bytes():
                size += len(chunk)
                if size > CAP:
                    break
                parts.append(chunk)


def peak(fn, server) -> int:
    tracemalloc.start()
    try:
        asyncio.run(fn(server))
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> None:
    megabytes = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    with tempfile.TemporaryDirectory() as tmp:
        make_site(Path(tmp), HOST, {"index.html": "x"})
        with ReplicaServer(tmp) as server:
            server.inject(HOST, "/bomb.html", [f"gzip-bomb:{megabytes}"])
            peak(ours, server)                      # warm up (builds the bomb once)
            a = peak(ours, server)
            b = peak(baseline, server)
    print(f"gzip bomb inflating to {megabytes} MB, cap {CAP // 2**20} MB")
    print(f"  ogi_scrape Fetcher      peak {a / 2**20:8.1f} MiB")
    print(f"  httpx aiter_bytes+count peak {b / 2**20:8.1f} MiB")
    print(f"  ratio baseline/ours: {b / a:.1f}x")


if __name__ == "__main__":
    main()
