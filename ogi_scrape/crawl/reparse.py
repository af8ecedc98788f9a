"""Re-parse every stored report from the raw archive, without touching the network.

Why: the parser improves (a new template variant, a fixed label) long after the pages were
fetched, and asking every portal again would be slow, impolite and sometimes impossible (pages
disappear). Every dataset row keeps ``archive_ref`` (WARC file + offset) and
``content_sha256``, so the exact bytes can be read back, checked against the hash, and parsed
again. Reports whose rows come out the same are left alone (the dataset's own unchanged rule);
the others are *updated* in place (same version: the page did not change, only our reading).

The metadata (division, body, year, URL, fetch time) is taken from the current ``reports``
rows, not re-derived, so a re-parse can never move a report to another key.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ogi_scrape.crawl.conditional import parse_ref
from ogi_scrape.dataset import Dataset, ReportMeta

META_COLUMNS = ["report_key", "division_code", "body_name", "body_kind", "report_year",
                "province_code", "province_name", "prefecture_code", "prefecture_name",
                "county_name", "title", "url", "published", "fetched_at", "content_sha256",
                "archive_ref", "status", "parser_version", "reasons"]
# Reasons the crawl/scrape pipeline adds from what it saw around the page (not from the bytes):
# a re-parse keeps them, or every attachment-only report would look "updated".
PIPELINE_REASONS = ("the report is published as attachment(s) only",)


@dataclass
class ReparseSummary:
    reports: int = 0
    updated: int = 0
    unchanged: int = 0
    missing: list[str] = field(default_factory=list)      # archive record gone or altered
    status: Counter = field(default_factory=Counter)      # parse status after re-parse
    before: Counter = field(default_factory=Counter)      # parse status before
    snapshot: str | None = None


def _meta(row: dict) -> ReportMeta:
    fetched = row["fetched_at"]
    if isinstance(fetched, dt.datetime) and fetched.tzinfo is None:
        fetched = fetched.replace(tzinfo=dt.timezone.utc)
    return ReportMeta(
        division_code=row["division_code"], body_name=row["body_name"], year=int(row["report_year"]),
        content_sha256=row["content_sha256"], body_kind=row["body_kind"],
        province_code=row["province_code"], province=row["province_name"],
        prefecture_code=row["prefecture_code"], prefecture=row["prefecture_name"],
        county=row["county_name"], title=row["title"], url=row["url"], published=row["published"],
        fetched_at=fetched, archive_ref=row["archive_ref"])


def iter_reports(dataset: Dataset, *, years=None, province=None, batch: int = 500):
    """Report rows of the current snapshot, a record batch at a time (bounded memory)."""
    from ogi_scrape.dataset import open_dataset
    import pyarrow.compute as pc

    ds = open_dataset(dataset.root, "reports")
    expr = None
    if years:
        expr = pc.field("year").isin([int(y) for y in years])
    if province:
        term = pc.field("province").isin([str(province)])
        expr = term if expr is None else expr & term
    for rb in ds.to_batches(columns=META_COLUMNS, filter=expr, batch_size=batch):
        yield from rb.to_pylist()


def reparse(out: Path, *, years=None, province=None, batch_size: int = 200,
            progress=None) -> ReparseSummary:
    """Re-parse the reports of the dataset under ``out`` from ``out/archive``."""
    from ogi_scrape.fetch.archive import read_record
    from ogi_scrape.parse import parse_bytes
    import hashlib

    out = Path(out)
    dataset = Dataset(out)
    summary = ReparseSummary()
    pending: list[tuple[ReportMeta, dict]] = []

    def flush():
        if not pending:
            return
        result = dataset.upsert(pending)
        summary.updated += result.updated + result.changed + result.new
        summary.unchanged += result.unchanged
        summary.snapshot = result.snapshot or summary.snapshot
        pending.clear()

    rows = list(iter_reports(dataset, years=years, province=province))   # keys + pointers only
    for row in rows:
        summary.reports += 1
        summary.before[row["status"]] += 1
        ref = parse_ref(out, row["archive_ref"])
        try:
            if ref is None:
                raise FileNotFoundError(row["archive_ref"])
            headers, body = read_record(ref)
        except (OSError, ValueError) as exc:
            summary.missing.append(f"{row['report_key']} ({row['url']}): archive record "
                                   f"{row['archive_ref']} unreadable: {exc}")
            continue
        if hashlib.sha256(body).hexdigest() != row["content_sha256"]:
            summary.missing.append(f"{row['report_key']} ({row['url']}): archive record "
                                   f"{row['archive_ref']} does not hold the stored bytes")
            continue
        result = parse_bytes(body, name=row["url"] or row["report_key"], url=row["url"],
                             content_type=headers.get("content-type"))
        if result.status == "failed":
            kept = [r for r in (row["reasons"] or []) if r.startswith(PIPELINE_REASONS)]
            result.reasons[:0] = [r for r in kept if r not in result.reasons]
        summary.status[result.status] += 1
        pending.append((_meta(row), result.to_dict()))
        if progress is not None:
            progress(summary)
        if len(pending) >= batch_size:
            flush()
    flush()
    return summary
