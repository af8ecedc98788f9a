"""Fetch one page for `ogi-scrape parse URL`, through the same polite fetcher as a scrape."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path


def fetch_report_page(url: str, *, mirror: str | None = None) -> tuple[bytes, str | None, str]:
    from ogi_scrape.pipeline import open_session

    async def go():
        with tempfile.TemporaryDirectory(prefix="ogi-parse-") as tmp:
            async with open_session(out=Path(tmp), mirror=Path(mirror) if mirror else None,
                                    archive=False) as session:
                r = await session.fetcher.get(url)
                return r.content, r.headers.get("content-type"), r.final_url

    return asyncio.run(go())
