"""Parsing report pages off the event loop: in worker processes when the machine has cores
to spare, else in a thread.

Why processes: parsing a report costs ~30 ms of pure-Python CPU, as much as everything else
the crawl does per report together. In one interpreter it competes with the event loop for the
GIL, so at national scale (every host in flight at once) the crawl becomes bound by its own
CPU instead of by politeness. Worker processes take the parse to other cores; only the page
bytes go in and the parse dict (plus page evidence when needed) comes back.

Workers are forked before the crawl starts any thread and die with their parent
(``PR_SET_PDEATHSIG``), so a ``kill -9`` of the crawl leaves no orphan parser behind.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
from concurrent.futures import ProcessPoolExecutor


def default_processes() -> int:
    """One parser process per core beyond the first (the first runs the event loop)."""
    return max(0, min(4, (os.cpu_count() or 1) - 1))


def _die_with_parent() -> None:
    with contextlib.suppress(Exception):
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
    signal.signal(signal.SIGINT, signal.SIG_IGN)       # Ctrl-C is the parent's to handle
    import ogi_scrape.parse  # noqa: F401  (import once, before the first page arrives)
    import ogi_scrape.sources.candidates  # noqa: F401


def _ready() -> bool:
    return True


@contextlib.contextmanager
def parse_pool(processes: int):
    """A started pool of ``processes`` parser processes, or None for ``processes`` = 0."""
    if processes <= 0:
        yield None
        return
    ctx = multiprocessing.get_context("fork") if hasattr(os, "fork") else None
    pool = ProcessPoolExecutor(max_workers=processes, mp_context=ctx, initializer=_die_with_parent)
    try:
        for f in [pool.submit(_ready) for _ in range(processes)]:
            f.result()                     # forked now, before any server or client thread
        yield pool
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def parse_page(content: bytes, url: str, content_type: str | None, body_selector: str | None,
               want_evidence: bool, family: str | None = None):
    """``(parse dict, page evidence or None)``. Evidence (attachments, 发布机构) is read only
    when asked and the parse found no table: it is as costly as the parse itself. It is read
    by the portal family's own page reader where there is one, which knows where that
    platform puts its attachments (TRS: a 附件下载 box outside the body)."""
    from ogi_scrape.parse import parse_bytes

    result = parse_bytes(content, name=url, url=url, content_type=content_type)
    evidence = None
    if want_evidence and result.status == "failed" and content:
        try:
            evidence = _page_evidence(content, url, content_type, body_selector, family)
        except Exception:          # evidence only; the failed parse stands either way
            evidence = None
    return result.to_dict(), evidence


def _page_evidence(content: bytes, url: str, content_type: str | None, body_selector: str | None,
                   family: str | None):
    from ogi_scrape.encoding import decode
    from ogi_scrape.sources import candidates
    from ogi_scrape.sources.families import ADAPTERS, adapter_for

    text = decode(content, content_type or "").text
    read_page = getattr(adapter_for(family), "read_page", None) if family in ADAPTERS else None
    if read_page is not None:
        options = {"body_selector": body_selector} if body_selector else {}
        return read_page(text, url, {"options": options})
    return candidates.read_page(text, url, body_selector=body_selector)


class ParsedView:
    """What the pipeline reads from a ParseResult, over its dict (as it comes back from a worker)."""

    def __init__(self, data: dict):
        self.data = data

    status = property(lambda self: self.data.get("status"))
    year = property(lambda self: self.data.get("year"))
    org = property(lambda self: self.data.get("org"))
    title = property(lambda self: self.data.get("title"))
    reasons = property(lambda self: self.data.setdefault("reasons", []))
