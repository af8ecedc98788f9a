"""The crawl itself: visit every source in scope, concurrently across hosts.

memorious-style stages per source (a spatula-like page object per list/detail page lives in
the discovery adapters; this module only sequences them):

1. **list**: ask the family adapter for everything the portal's report columns list, once per
   kind of column the registry names (the adapters filter columns by kind; a ``mixed`` column
   answers for every kind), through a per-source ``SourceFetcher`` so repeated list pages cost
   one request and known pages are asked conditionally;
2. **select**: keep reports of the years in scope, one per (division, body, year) — the text
   version before an image/graphic one, a page with a body before an attachment-only one;
3. **fetch**: each report page, conditionally; a 304 or the same bytes as last time means
   *unchanged*: nothing is parsed and nothing is written;
4. **parse** (in a worker thread, so fetching goes on) and hand the rows to the dataset writer;
5. **settle**: when the writer has published the source's reports, record the listing (for
   drift warnings) and mark the source done in the frontier.

Politeness is the fetcher's job (one limiter per host, a global connection cap); this module
just runs up to ``workers`` source visits at once so that every host can be busy.
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from ogi_scrape.attachments import in_reading_order, only_attachments_reason, read_from_note
from ogi_scrape.crawl.conditional import SourceFetcher
from ogi_scrape.crawl.parsing import ParsedView, parse_page
from ogi_scrape.crawl.report import short_error
from ogi_scrape.crawl.writer import DatasetWriter, WriteItem
from ogi_scrape.errors import Blocked, FetchFailed, NotFound, OgiError
from ogi_scrape.pipeline import host_of, report_meta
from ogi_scrape.sources.families import field_of

KINDS = ("government", "department", "township")


@dataclass
class SourceOutcome:
    """What one source visit did; stored in the frontier so a resumed run can report it."""

    source: str
    status: str = "ok"                      # ok | not_found | blocked | failed
    reports: Counter = field(default_factory=Counter)
    parse: Counter = field(default_factory=Counter)
    requests: Counter = field(default_factory=Counter)
    errors: dict[str, Counter] = field(default_factory=dict)
    drift: list[str] = field(default_factory=list)
    message: str | None = None

    def error(self, url_or_host: str, message: str) -> None:
        host = host_of(url_or_host) if "://" in url_or_host else url_or_host
        self.errors.setdefault(host, Counter())[short_error(message)] += 1

    def as_dict(self) -> dict:
        return {"source": self.source, "status": self.status, "reports": dict(self.reports),
                "parse": dict(self.parse), "requests": dict(self.requests),
                "errors": {h: dict(c) for h, c in self.errors.items()}, "drift": self.drift,
                "message": self.message}


def body_label(name: str | None) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name or ""))


def kinds_to_ask(source) -> list[str]:
    """One discovery call per kind of column the entry names; ``mixed`` columns (and entries
    without columns, found via the portal's hub) answer for every kind in one call."""
    kinds = []
    for column in source.columns:
        kind = column.kind if column.kind in KINDS else "government"
        if kind not in kinds:
            kinds.append(kind)
    return kinds or ["government"]


async def list_candidates(source, fetcher, years: list[int]) -> tuple[list, list[str]]:
    """Every candidate the portal lists, deduplicated by URL, and the adapters' "not found"
    messages. ``year`` only steers which article pages an adapter reads as evidence."""
    from ogi_scrape.sources.families import discover

    found: dict[str, object] = {}
    misses: list[str] = []
    for kind in kinds_to_ask(source):
        try:
            cands = await discover(source, fetcher, year=max(years), kind=kind)
        except NotFound as exc:
            misses.append(exc.message)
            continue
        for cand in cands:
            found.setdefault(cand.url, cand)
    return list(found.values()), misses


def select(candidates, years: list[int], division_name: str) -> tuple[list, list]:
    """(chosen, skipped): one candidate per (body, year) for the years asked. Candidates whose
    year is unknown are kept: the parser reads the year from the report itself."""
    wanted = set(years)
    groups: dict[tuple, list] = {}
    skipped = []
    for cand in candidates:
        if cand.year is not None and cand.year not in wanted:
            skipped.append(cand)
            continue
        key = (body_label(cand.org or division_name), cand.year)
        groups.setdefault(key, []).append(cand)
    chosen = []
    for key in sorted(groups, key=lambda k: (k[0], k[1] or 0)):
        group = groups[key]
        if key[1] is None:          # unknown year: each may be a different report
            chosen.extend(sorted(group, key=lambda c: c.url))
            continue
        group.sort(key=lambda c: (c.alternate, c.has_body is False, _neg_date(c.published), c.url))
        chosen.append(group[0])
        skipped.extend(group[1:])
    return chosen, skipped


def _neg_date(published: str | None) -> str:
    # newest first within a group, deterministic: invert the digits of the ISO date
    digits = re.sub(r"\D", "", published or "")[:14].ljust(14, "0")
    return "".join(str(9 - int(ch)) for ch in digits)


class Crawl:
    def __init__(self, session, state, run_id: str, years: list[int], events, *,
                 workers: int = 64, batch_size: int = 200, parse_pool=None):
        self.session = session
        self.state = state
        self.run_id = run_id
        self.years = sorted(years)
        self.events = events
        self.workers = max(1, workers)
        self.writer = DatasetWriter(session.out, state, run_id, batch_size=batch_size)
        self.parse_pool = parse_pool         # ProcessPoolExecutor, or None: a thread
        # Pages waiting for a parser stay with their visit, not in the executor's queue, where
        # a CPU-bound night would pile up every fetched page (and its pickled copy).
        workers_ = getattr(parse_pool, "_max_workers", 1) if parse_pool is not None else 1
        self._parse_slots = asyncio.Semaphore(2 * workers_ + 1)

    async def run(self, source_ids: list[str], on_done) -> None:
        """Visit ``source_ids``; ``on_done(SourceOutcome)`` after each has settled."""
        queue: asyncio.Queue = asyncio.Queue()
        for sid in source_ids:
            queue.put_nowait(sid)
        by_id = {s.id: s for s in self.session.registry}
        self.writer.start()

        async def worker():
            while True:
                try:
                    sid = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                source = by_id.get(sid) or self.session.registry.get(sid)   # get() names the unknown
                outcome = await self.visit(source)
                self.state.source_done(self.run_id, sid, outcome.as_dict(), outcome.message)
                self.events.emit("source_done", source=sid, status=outcome.status,
                                 reports=dict(outcome.reports))
                on_done(outcome)

        tasks = {asyncio.create_task(worker())
                 for _ in range(min(self.workers, max(1, len(source_ids))))}
        writer = self.writer.task
        try:
            # Wait for the visits, but stop at once if anything fails for real (the writer
            # cannot write, a bug): a dead writer would otherwise leave visits waiting forever.
            pending = tasks | {writer}
            while pending - {writer}:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    if task.exception() is not None:
                        raise task.exception()
                if writer in done:
                    raise RuntimeError("the dataset writer stopped before the visits ended")
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if not writer.done():
                await self.writer.close()
            elif not writer.cancelled():
                writer.exception()      # seen (raised above, or via a visit's future)

    # ------------------------------------------------------------------ one source
    async def visit(self, source) -> SourceOutcome:
        out = SourceOutcome(source=source.id)
        fetcher = SourceFetcher(self.session.fetcher, self.state, self.session.out,
                                self.session.relative_ref)
        self.events.emit("source_start", source=source.id, host=source.host)
        try:
            candidates, misses = await list_candidates(source, fetcher, self.years)
        except Blocked as exc:
            out.status, out.message = "blocked", exc.message
            out.error(source.host, exc.message)
            self.events.emit("source_error", source=source.id, status="blocked",
                             message=f"{source.id}: blocked: {exc.message}")
            return self._finish(out, fetcher)
        except (FetchFailed, OgiError) as exc:
            out.status, out.message = "failed", exc.message
            out.error(source.host, exc.message)
            self.events.emit("source_error", source=source.id, status="failed",
                             message=f"{source.id}: {exc.message}")
            return self._finish(out, fetcher)
        if not candidates:
            out.status = "not_found"
            out.message = "; ".join(misses) or "the report columns list no report"
            return self._finish(out, fetcher)

        division = source.division
        self._drift(source, candidates, out)
        chosen, _ = select(candidates, self.years, division.name)
        if not chosen:
            out.status = "not_found"
            out.message = f"no report for {self._years_text()} listed"
        fetcher.keep_only({c.url for c in chosen})
        # Every report of the source at once: the host limiter orders the requests, and one
        # report is parsed while the next is on the wire.
        async def one(cand):
            item = await self._report(source, division, cand, fetcher, out)
            if isinstance(item, WriteItem):          # straight to the writer: bounded memory
                return item, await self.writer.put(item)
            return None

        futures = [f for f in await asyncio.gather(*(one(c) for c in chosen)) if f is not None]
        for item, future in futures:
            try:
                kind = await future
                out.reports[kind] += 1
            except OgiError as exc:
                out.reports["failed"] += 1
                out.error(item.meta.url or source.host, exc.message)
        recorded = {c.url for c in chosen} | {a for c in chosen for a in c.attachments}
        self.state.record_fetches([
            {"url": url, "source_id": source.id, "role": "listing", **row}
            for url, row in fetcher.fetched.items() if url not in recorded], self.run_id)
        self.state.record_listing(source.id, self.run_id, [
            (c.url, c.year, body_label(c.org or division.name), c.title) for c in candidates])
        return self._finish(out, fetcher)

    def _finish(self, out: SourceOutcome, fetcher: SourceFetcher) -> SourceOutcome:
        out.requests.update(fetcher.stats)
        return out

    def _years_text(self) -> str:
        y = self.years
        return f"{y[0]}–{y[-1]}" if len(y) > 1 else str(y[0])

    def _drift(self, source, candidates, out: SourceOutcome) -> None:
        """Warn about reports (body, year in scope) the portal listed before and lists no more."""
        division = source.division
        now = {(body_label(c.org or division.name), c.year) for c in candidates}
        now_urls = {c.url for c in candidates}
        for row in self.state.previous_listing(source.id):
            if row["year"] not in self.years or row["url"] in now_urls:
                continue
            if (row["body"], row["year"]) in now:
                continue
            message = (f"{source.id}: the portal no longer lists the {row['year']} report of "
                       f"{row['body']} it listed before ({row['title']}, {row['url']})")
            if message not in out.drift:
                out.drift.append(message)
                self.events.emit("drift", source=source.id, message=message)

    async def _report(self, source, division, cand, fetcher, out: SourceOutcome):
        """Fetch one report page; parse it if it changed. A WriteItem, or None when handled."""
        known = self.state.url_state(cand.url)
        try:
            response = fetcher.take(cand.url) or await fetcher.get(cand.url)
        except Blocked as exc:
            out.reports["blocked"] += 1
            out.error(cand.url, exc.message)
            return None
        except NotFound as exc:
            out.reports["not_found"] += 1
            out.error(cand.url, exc.message)
            return None
        except OgiError as exc:
            out.reports["failed"] += 1
            out.error(cand.url, exc.message)
            self.state.record_fetches([{"url": cand.url, "source_id": source.id, "role": "report",
                                        "error": exc.message}], self.run_id)
            return None
        row = _fetch_row(cand.url, source.id, "report", response, self.session)
        if known is not None and known.report_key and known.sha256 == response.sha256:
            out.reports["unchanged"] += 1
            self.state.record_fetches([row], self.run_id)
            return None
        body_selector = (source.options or {}).get("body_selector")

        response.__dict__.pop("_decoded", None)     # text decoded for redirect sniffing: not needed
        args = (response.content, response.final_url, response.headers.get("content-type"),
                body_selector, cand.has_body is None, field_of(source, "family", None))
        try:
            parsed, evidence = await self._parse(*args)
        except Exception as exc:     # a parser bug on one page must not end the night
            message = f"the parser crashed on this page ({type(exc).__name__}: {exc}); " \
                      "nothing stored — please report it with the archived page"
            out.reports["failed"] += 1
            out.error(cand.url, message)
            self.events.emit("report_error", source=source.id, url=cand.url, message=message)
            self.state.record_fetches([{"url": cand.url, "source_id": source.id,
                                        "role": "report", "error": message}], self.run_id)
            return None
        if evidence is not None:            # no table: the page may hold only attachments
            cand.add_page(evidence)
        result = ParsedView(parsed)
        year = cand.year or result.year
        if year not in self.years:
            out.reports["out_of_scope"] += 1
            return None
        out.parse[result.status] += 1
        extra_rows, fetched = [], []
        for url in cand.attachments:
            try:
                att = await fetcher.get(url)
                extra_rows.append(_fetch_row(url, source.id, "attachment", att, self.session))
                fetched.append(att)
            except OgiError as exc:
                out.error(url, exc.message)
        if cand.has_body is False and cand.attachments and result.status == "failed":
            found, tried = await self._read_attachment(fetched)
            if found is not None:       # the row points at the attachment the values came from
                parsed, response = found
                result = ParsedView(parsed)
                out.parse["failed"] -= 1
                out.parse[result.status] += 1
            else:
                result.reasons.insert(0, only_attachments_reason(cand.attachments, tried=tried))
        kind = {"government-office": "department"}.get(cand.body_kind, cand.body_kind)
        kind = kind if kind in KINDS else "other"
        meta = report_meta(division, kind, year, result, response, cand, self.session)
        row["parse_status"] = result.status
        return WriteItem(meta=meta, parsed=parsed, fetch_row=row, extra_rows=extra_rows)

    async def _parse(self, content: bytes, url: str, content_type: str | None,
                     body_selector: str | None, want_evidence: bool, family: str | None = None):
        """``parse_page`` off the event loop: in a worker process, or a thread."""
        args = (content, url, content_type, body_selector, want_evidence, family)
        async with self._parse_slots:
            if self.parse_pool is not None:
                return await asyncio.get_running_loop().run_in_executor(
                    self.parse_pool, parse_page, *args)
            return await asyncio.to_thread(parse_page, *args)

    async def _read_attachment(self, fetched: list):
        """((parse dict, response) of the first attachment holding a report, Word files
        before PDF files, or None; the kinds tried), as ``pipeline.read_attachment`` says."""
        tried: list[str] = []
        for kind, att in in_reading_order(fetched):
            tried.append(kind)
            try:
                parsed, _ = await self._parse(att.content, att.final_url,
                                              att.headers.get("content-type"), None, False)
            except Exception:       # a parser bug on an attachment: the page's failure stands
                continue
            if parsed.get("status") != "failed":
                parsed.setdefault("notes", []).insert(0, read_from_note(att.final_url, kind))
                return (parsed, att), tried
        return None, tried


def _fetch_row(url: str, source_id: str, role: str, response, session) -> dict:
    return {"url": url, "source_id": source_id, "role": role,
            "etag": response.headers.get("etag"), "last_modified": response.headers.get("last-modified"),
            "sha256": response.sha256, "archive_ref": session.relative_ref(response.archive_ref),
            "http_status": response.status}
