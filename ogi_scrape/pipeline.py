"""One report from a portal into the dataset: plan → discover → pick → fetch → parse → write.

The stages are the ones memorious names (crawl stages + an archive of raw responses): the
fetcher archives every response as WARC, the parser reads the archived bytes, and the
dataset row points back to the archive record, so every number can be traced to the exact
bytes it was read from and re-parsed offline. ``scrape`` (one county-year) and ``crawl``
(every registered portal) share this module.
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from ogi_scrape.errors import (EXIT_BLOCKED, EXIT_FETCH_FAILED, EXIT_NOT_FOUND, EXIT_OK,
                               EXIT_PARSE_FAILED, EXIT_PARSE_PARTIAL, Blocked, FetchFailed,
                               NotFound, OgiError, UsageError)

ARCHIVE_DIR = "archive"
STATUS_EXIT = {"ok": EXIT_OK, "partial": EXIT_PARSE_PARTIAL, "failed": EXIT_PARSE_FAILED,
               "not_found": EXIT_NOT_FOUND, "blocked": EXIT_BLOCKED, "fetch_failed": EXIT_FETCH_FAILED}
# Worst first: the exit code of a run that did several things is that of its worst outcome.
STATUS_SEVERITY = ["fetch_failed", "blocked", "not_found", "failed", "partial", "ok"]


@dataclass
class Session:
    """What one run shares: the fetcher (one per run: politeness is per run), the registry,
    the raw archive, the output folder and, with ``--mirror``, the replica server."""

    fetcher: object
    registry: object
    out: Path
    archive: object | None
    replica: object | None = None

    def relative_ref(self, ref) -> str | None:
        if ref is None:
            return None
        path = Path(str(ref.path))
        try:
            rel = path.resolve().relative_to(self.out.resolve())
        except ValueError:
            rel = path
        return f"{rel.as_posix()}#{ref.offset}"


@contextlib.asynccontextmanager
async def open_session(*, out: Path, mirror: Path | None = None, registry=None,
                       settings=None, archive: bool = True):
    """Start the fetcher (and the replica server for ``mirror``); close both at the end."""
    from ogi_scrape.fetch import Archive, FetchSettings, Fetcher, Mirror
    from ogi_scrape.sources.registry import default_registry

    registry = registry or default_registry()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    replica = None
    fetch_mirror = None
    if mirror is not None:
        from ogi_scrape.replica import ReplicaServer

        mirror = Path(mirror)
        if not mirror.is_dir():
            raise UsageError(f"--mirror {mirror}: no such folder",
                             hint="point it at a folder of replica sites, e.g. fixtures/portals")
        replica = ReplicaServer(root=mirror)
        replica.start()
        if not replica.hosts():
            replica.stop()
            raise UsageError(f"--mirror {mirror}: holds no replica site (one folder per host name)")
        fetch_mirror = Mirror.from_replica(replica)
    store = Archive(out / ARCHIVE_DIR) if archive else None
    fetcher = Fetcher(settings or FetchSettings(), archive=store, mirror=fetch_mirror)
    for source in registry:
        pol = source.politeness
        if pol.delay is not None or pol.concurrency is not None:
            fetcher.configure_host(source.host, delay=pol.delay, concurrency=pol.concurrency)
    try:
        async with fetcher:
            yield Session(fetcher=fetcher, registry=registry, out=out, archive=store,
                          replica=replica)
    finally:
        if store is not None:
            with contextlib.suppress(Exception):
                store.close()
        if replica is not None:
            replica.stop()


@dataclass
class Outcome:
    """What happened to one (division, year, kind) request."""

    division: object | None
    year: int
    kind: str
    status: str                           # ok | partial | failed | not_found | blocked | fetch_failed
    url: str | None = None
    title: str | None = None
    source_id: str | None = None
    pick_reasons: list[str] = field(default_factory=list)
    result: object | None = None          # ParseResult
    meta: object | None = None            # dataset.ReportMeta
    error: str | None = None
    hint: str | None = None
    attachments: list[dict] = field(default_factory=list)
    response: object | None = None

    @property
    def exit_code(self) -> int:
        return STATUS_EXIT[self.status]


def _published(text: str | None) -> date | None:
    if not text:
        return None
    with contextlib.suppress(ValueError):
        return date.fromisoformat(text.strip()[:10])
    return None


def report_meta(division, kind: str, year: int, result, response, candidate, session) -> object:
    from ogi_scrape.dataset import ReportMeta

    parents = {p.level: p for p in division.parents()} if division else {}
    province = parents.get("province") or (division if division and division.level == "province" else None)
    prefecture = parents.get("prefecture")
    body_name = (result.org if result is not None and result.org else None) \
        or (candidate.org if candidate is not None and candidate.org else None) \
        or (division.name if division else "unknown")
    fetched = response.fetched_at if response is not None else datetime.now(timezone.utc)
    return ReportMeta(
        division_code=division.code, body_name=body_name, year=year,
        content_sha256=response.sha256 if response is not None else hashlib.sha256(b"").hexdigest(),
        body_kind=(candidate.body_kind if candidate is not None and candidate.body_kind in
                   ("government", "department", "township") else kind),
        province_code=province.code[:2] if province else division.code[:2],
        province=province.name if province else None,
        prefecture_code=prefecture.code if prefecture else None,
        prefecture=prefecture.name if prefecture else None,
        county=division.name if division.level == "county" else None,
        title=(result.title if result is not None and result.title else
               candidate.title if candidate is not None else None),
        url=response.final_url if response is not None else None,
        published=_published(candidate.published if candidate is not None else None),
        fetched_at=fetched,
        archive_ref=session.relative_ref(response.archive_ref) if response is not None else None,
    )


async def _fetch_attachments(session, urls: list[str]) -> tuple[list[dict], list]:
    """(a record per attachment, the responses fetched)."""
    out, responses = [], []
    for url in urls:
        try:
            r = await session.fetcher.get(url)
            out.append({"url": url, "status": r.status, "sha256": r.sha256, "bytes": len(r.content),
                        "content_type": r.headers.get("content-type"),
                        "archive_ref": session.relative_ref(r.archive_ref)})
            responses.append(r)
        except OgiError as exc:
            out.append({"url": url, "error": exc.message})
    return out, responses


def read_attachment(responses: list):
    """(result, response, kind) of the first attachment that holds a report, Word files
    before PDF files (``attachments.in_reading_order``), or None; and the kinds tried."""
    from ogi_scrape.attachments import in_reading_order, read_from_note
    from ogi_scrape.parse import parse_bytes

    tried: list[str] = []
    for kind, r in in_reading_order(responses):
        tried.append(kind)
        result = parse_bytes(r.content, name=r.final_url, url=r.final_url,
                             content_type=r.headers.get("content-type"))
        if result.status != "failed":
            result.notes.insert(0, read_from_note(r.final_url, kind))
            return (result, r, kind), tried
    return None, tried


async def discover_and_pick(session, division, year: int, kind: str, org: str | None,
                            fetcher=None):
    """Ask every registered portal of the division; the first good pick wins."""
    from ogi_scrape.sources.candidates import pick
    from ogi_scrape.sources.families import discover

    fetcher = fetcher or session.fetcher
    sources = session.registry.sources_for(division.code)
    if not sources:
        raise NotFound(f"no portal registered for {division.label}",
                       hint="add a registry file (docs/registry.md) with --registry, or give the "
                            "report page with --url")
    errors: list[OgiError] = []
    for source in sources:
        try:
            candidates = await discover(source, fetcher, year=year, kind=kind)
            chosen = pick(candidates, year, county=division.name, kind=kind, org=org,
                          source=f"{source.id} ({source.base_url})")
            return source, chosen
        except NotFound as exc:
            errors.append(exc)
        except (Blocked, FetchFailed) as exc:
            errors.append(exc)
    # Prefer to report a block or a network failure over "not found": it is the reason.
    for kind_ in (Blocked, FetchFailed, NotFound):
        for exc in errors:
            if isinstance(exc, kind_):
                raise exc
    raise NotFound(f"nothing found for {division.label} {year}")  # pragma: no cover


async def scrape_one(session, division, year: int, *, kind: str = "government",
                     org: str | None = None, url: str | None = None, log=None) -> Outcome:
    """Find, fetch and parse one report. Expected failures become an Outcome, not an exception."""
    from ogi_scrape.parse import parse_bytes

    say = log or (lambda msg: None)
    outcome = Outcome(division=division, year=year, kind=kind, status="failed")
    candidate = None
    try:
        if url:
            say(f"fetching {url}")
            response = await session.fetcher.get(url)
        else:
            # Discovery often reads the report page itself as evidence: remember the answers
            # so the page is not asked for twice.
            from ogi_scrape.crawl.conditional import SourceFetcher

            memo = SourceFetcher(session.fetcher, None, session.out, session.relative_ref)
            source, chosen = await discover_and_pick(session, division, year, kind, org, memo)
            candidate = chosen.candidate
            outcome.source_id = source.id
            outcome.pick_reasons = chosen.reasons
            say(f"found: {candidate.title}  {candidate.url}")
            response = memo.take(candidate.url) or await session.fetcher.get(candidate.url)
        outcome.url = response.final_url
        outcome.response = response
        fetched = []
        if candidate is not None and candidate.attachments:
            say(f"downloading {len(candidate.attachments)} attachment(s)")
            outcome.attachments, fetched = await _fetch_attachments(session, candidate.attachments)
        result = parse_bytes(response.content, name=response.final_url, url=response.final_url,
                             content_type=response.headers.get("content-type"))
        if candidate is not None and candidate.has_body is False and candidate.attachments \
                and result.status == "failed":
            from ogi_scrape.attachments import only_attachments_reason

            found, tried = read_attachment(fetched)
            if found is not None:
                result, response, att_kind = found
                say(f"read the report from its {att_kind} attachment {response.final_url}")
            else:
                result.reasons.insert(0, only_attachments_reason(candidate.attachments,
                                                                 tried=tried))
        outcome.result = result
        outcome.title = result.title or (candidate.title if candidate else None)
        outcome.status = result.status
        report_year = year if url is None else (result.year or year)
        if division is not None:
            outcome.meta = report_meta(division, kind, report_year, result, response, candidate, session)
    except Blocked as exc:
        outcome.status, outcome.error, outcome.hint = "blocked", exc.message, exc.hint
    except NotFound as exc:
        outcome.status, outcome.error, outcome.hint = "not_found", exc.message, exc.hint
    except FetchFailed as exc:
        outcome.status, outcome.error, outcome.hint = "fetch_failed", exc.message, exc.hint
    return outcome


def write_outcomes(out: Path, outcomes: list[Outcome]):
    """Upsert every parsed report into the dataset under ``out`` (one atomic publish)."""
    from ogi_scrape.dataset import Dataset

    items = [(o.meta, o.result.to_dict()) for o in outcomes if o.meta is not None and o.result is not None]
    if not items:
        return None
    return Dataset(Path(out)).upsert(items)


def worst_exit(outcomes: list[Outcome]) -> int:
    if not outcomes:
        return EXIT_OK
    worst = min(outcomes, key=lambda o: STATUS_SEVERITY.index(o.status))
    return worst.exit_code


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()
