"""Fetching portal pages politely and robustly; the only package that imports httpx.

Public API (see docs/fetching.md)::

    async with Fetcher(FetchSettings(), archive=Archive(dir), mirror=Mirror(...)) as f:
        r = await f.get(url, validators={"etag": ...})
"""

from ogi_scrape.fetch.archive import Archive, ArchiveRef, RecordHeaders, read_record
from ogi_scrape.fetch.client import Fetcher, parse_retry_after
from ogi_scrape.fetch.errors import (
    BlockedByAntiBot,
    FetchError,
    HTTPStatusError,
    PageNotFound,
    RedirectError,
    RetriesExhausted,
    RobotsDisallowed,
    TLSError,
    TooLarge,
    Unreachable,
)
from ogi_scrape.fetch.limiter import Clock
from ogi_scrape.fetch.mirror import Mirror
from ogi_scrape.fetch.response import Response
from ogi_scrape.fetch.settings import USER_AGENT, FetchSettings, HostPolicy

__all__ = [
    "Fetcher", "FetchSettings", "HostPolicy", "Response", "Mirror", "Archive", "ArchiveRef",
    "RecordHeaders", "read_record", "Clock", "USER_AGENT", "parse_retry_after",
    "BlockedByAntiBot", "FetchError", "HTTPStatusError", "PageNotFound", "RedirectError",
    "RetriesExhausted", "RobotsDisallowed", "TLSError", "TooLarge", "Unreachable",
]
