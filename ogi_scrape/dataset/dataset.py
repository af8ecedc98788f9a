"""The research dataset: upsert parsed reports, read tables back.

Upsert policy (documented for researchers in docs/dataset.md):
- a report is identified by ``report_key`` (division, body, year), never by URL or fetch time;
- same page bytes and same extracted rows → *unchanged*: nothing is written, and a run that
  changes nothing publishes no new snapshot (two identical scrapes leave the dataset identical);
- same page bytes, different rows (new parser version, corrected metadata) → *updated*: the
  report's rows are replaced, its version number stays;
- different page bytes → *changed*: a new version (``version`` + 1) replaces the rows in the
  main tables (they always hold the latest version only); every version ever seen stays in
  ``report_versions`` with its content hash and raw-archive pointer, so an old version can be
  re-parsed from the archive.
Only the partitions (year × province) a batch touches are read and rewritten, so the crawl can
upsert small batches while streaming without the whole dataset in memory.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads

from ogi_scrape.dataset.records import DatasetError, ReportMeta, ReportRows, build_rows
from ogi_scrape.dataset.schema import APPEND_ONLY_TABLES, REPLACED_TABLES, TABLES
from ogi_scrape.dataset.store import (Snapshot, Store, drop_keys, partition_dir, read_file,
                                      table_from_rows)

PARTITIONING = pads.partitioning(pa.schema([("year", pa.int16()), ("province", pa.string())]),
                                 flavor="hive")


@dataclass
class UpsertSummary:
    new: int = 0
    changed: int = 0       # different page bytes: a new version
    updated: int = 0       # same page bytes, rows differ (re-parse, corrected metadata)
    unchanged: int = 0
    snapshot: str | None = None   # the snapshot readers now see
    published: bool = False       # False when nothing had to be written
    keys: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list), repr=False)

    def as_dict(self) -> dict:
        return {"new": self.new, "changed": self.changed, "updated": self.updated,
                "unchanged": self.unchanged, "snapshot": self.snapshot, "published": self.published}


@dataclass
class _PartPlan:
    write: list[ReportRows] = field(default_factory=list)
    remove: set[str] = field(default_factory=set)
    versions: list[dict] = field(default_factory=list)


class Dataset:
    """A dataset root (``data/`` by default; any directory works, e.g. ``--out DIR``)."""

    def __init__(self, root: Path | str = Path("data"), *, keep: int = 1, max_files: int = 8):
        self.root = Path(root)
        self.store = Store(self.root, keep=keep)
        self.max_files = max_files   # files per partition before they are compacted into one

    # ------------------------------------------------------------------ writing
    def upsert(self, items: Iterable[tuple[ReportMeta, dict]]) -> UpsertSummary:
        """Insert or replace reports; publish one new snapshot if anything changed.

        Within one batch a key given twice keeps its last item. Raises DatasetError (nothing
        written) when an item's metadata or values cannot be stored exactly.
        """
        batch: dict[str, ReportRows] = {}
        for i, item in enumerate(items):
            try:
                meta, parsed = item
            except (TypeError, ValueError):
                raise DatasetError(f"upsert item #{i} is not a (ReportMeta, parse dict) pair") from None
            if not isinstance(meta, ReportMeta):
                raise DatasetError(f"upsert item #{i}: expected ReportMeta, got {type(meta).__name__}")
            rows = build_rows(meta, parsed)
            batch[rows.key] = rows

        summary = UpsertSummary()
        with self.store.locked():
            parent = self.store.current()
            plans = self._plan(parent, batch, summary)
            if not plans:
                summary.snapshot = parent.id if parent else None
                return summary
            builder = self.store.begin(parent)
            try:
                self._build(builder, parent, plans)
                snap = self.store.publish(builder, summary.as_dict() | {"published": True})
            except BaseException:
                shutil.rmtree(builder.path, ignore_errors=True)
                raise
        summary.snapshot, summary.published = snap.id, True
        return summary

    def _plan(self, parent: Snapshot | None, batch: dict[str, ReportRows],
              summary: UpsertSummary) -> dict[str, _PartPlan]:
        by_part: dict[str, list[ReportRows]] = defaultdict(list)
        for rr in batch.values():
            by_part[partition_dir(rr.year, rr.province_id)].append(rr)
        plans: dict[str, _PartPlan] = {}
        for part, reports in sorted(by_part.items()):
            existing = self._existing(parent, part)
            plan = _PartPlan()
            for rr in sorted(reports, key=lambda r: r.key):
                old = existing.get(rr.key)
                report = rr.rows["reports"][0]
                if old is None:
                    kind, version = "new", 1
                elif old["content_sha256"] == rr.content_sha256:
                    if old["record_sha256"] == rr.record_sha256:
                        summary.unchanged += 1
                        summary.keys["unchanged"].append(rr.key)
                        continue
                    kind, version = "updated", old["version"]
                else:
                    kind, version = "changed", old["version"] + 1
                setattr(summary, kind, getattr(summary, kind) + 1)
                summary.keys[kind].append(rr.key)
                report["version"] = version
                if old is not None:
                    plan.remove.add(rr.key)
                if kind != "updated":
                    plan.versions.append({k: report[k] for k in (
                        "report_key", "version", "report_year", "province_id", "content_sha256",
                        "fetched_at", "archive_ref", "url", "parser_version")})
                plan.write.append(rr)
            if plan.write:
                plans[part] = plan
        return plans

    def _existing(self, parent: Snapshot | None, part: str) -> dict[str, dict]:
        if parent is None:
            return {}
        out = {}
        for name in parent.files("reports", part):
            t = read_file(parent.path / "reports" / part / name,
                          ["report_key", "version", "content_sha256", "record_sha256"])
            for r in t.to_pylist():
                out[r["report_key"]] = r
        return out

    def _build(self, builder, parent: Snapshot | None, plans: dict[str, _PartPlan]) -> None:
        for table in TABLES:
            old_parts = set(parent.partitions(table)) if parent else set()
            for part in sorted(old_parts - set(plans)):
                builder.link_partition(table, part)
            for part, plan in sorted(plans.items()):
                if table in REPLACED_TABLES:
                    rows = [r for rr in plan.write for r in rr.rows[table]]
                    self._rewrite_partition(builder, parent, table, part, plan.remove, rows)
                elif table in APPEND_ONLY_TABLES:
                    self._rewrite_partition(builder, parent, table, part, set(), plan.versions)

    def _rewrite_partition(self, builder, parent, table: str, part: str,
                           remove: set[str], rows: list[dict]) -> None:
        """Keep files without removed keys (hard links), filter those with, add the new rows;
        compact the partition into one sorted file when it has grown too many files."""
        names = parent.files(table, part) if parent and part in parent.partitions(table) else []
        kept: list[tuple[str, pa.Table | None]] = []
        for name in names:
            path = parent.path / table / part / name
            if remove:
                keys = read_file(path, ["report_key"])["report_key"]
                if pc.any(pc.is_in(keys, value_set=pa.array(sorted(remove), pa.string()))).as_py():
                    kept.append((name, drop_keys(read_file(path), remove)))
                    continue
            kept.append((name, None))
        n_files = len(kept) + (1 if rows else 0)
        if n_files > self.max_files:
            parts = [t if t is not None else read_file(parent.path / table / part / n) for n, t in kept]
            if rows:
                parts.append(table_from_rows(rows, TABLES[table]))
            parts = [p.cast(TABLES[table]) for p in parts]
            merged = pa.concat_tables(parts).combine_chunks()
            merged = merged.take(pc.sort_indices(merged["report_key"]))   # stable: keeps row order per report
            builder.write(table, part, merged)
            return
        for name, filtered in kept:
            if filtered is None:
                builder.link(table, part, name)
            else:
                builder.write(table, part, filtered)
        builder.write_rows(table, part, rows)

    # ------------------------------------------------------------------ reading
    def snapshot(self) -> Snapshot | None:
        return self.store.current()

    def read(self, table: str, columns: list[str] | None = None, **filters) -> pa.Table:
        """Read one table of the current snapshot. ``year=2024`` / ``province="51"`` prune
        partitions; any other ``column=value`` (or a list of values) filters rows."""
        ds = open_dataset(self.root, table)
        expr = None
        for name, want in filters.items():
            if name not in ds.schema.names:
                raise DatasetError(f"cannot filter table {table!r} on {name!r}: no such column",
                                   hint=f"columns: {', '.join(ds.schema.names)}")
            want = [want] if not isinstance(want, (list, tuple, set)) else list(want)
            if name == "year":
                want = [int(w) for w in want]
            elif name == "province":
                want = [str(w) for w in want]
            term = pc.field(name).isin(want)
            expr = term if expr is None else expr & term
        return ds.to_table(columns=columns, filter=expr)


def open_dataset(root: Path | str = Path("data"), table: str = "values", *,
                 snapshot: Snapshot | None = None) -> pads.Dataset:
    """A pyarrow dataset of one table, pinned to the snapshot current at the call (or the one
    given, to read several tables from the same snapshot), so a publish that happens while you
    read cannot mix two versions. Partition fields: ``year`` (int16), ``province`` (string)."""
    if table not in TABLES:
        raise DatasetError(f"unknown table {table!r}", hint=f"tables: {', '.join(TABLES)}")
    schema = TABLES[table]
    full = pa.schema([*schema, *PARTITIONING.schema])
    snap = snapshot or Store(Path(root)).current()
    if snap is None:
        return pads.dataset(pa.Table.from_pylist([], schema=full))
    files = [str(snap.path / table / part / name)
             for part, names in sorted(snap.partitions(table).items()) for name in names]
    if not files:
        return pads.dataset(pa.Table.from_pylist([], schema=full))
    return pads.dataset(files, schema=full, format="parquet", partitioning=PARTITIONING,
                        partition_base_dir=str(snap.path / table))
