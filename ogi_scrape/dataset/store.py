"""Immutable snapshots of the Parquet tables, published by swapping one symlink.

Layout of a dataset root (any directory, default ``data/``)::

    root/.lock                      writers take an exclusive flock: one publisher at a time
    root/current -> snapshots/00000007           THE pointer; replaced atomically (os.replace)
    root/values  -> current/values               stable paths for plain readers (pd.read_parquet)
    root/snapshots/00000007/_dataset.json        manifest: schema + tool version, files, rows
    root/snapshots/00000007/values/year=2024/province=51/part-00000007-0.parquet

Why this design: a crash or SIGKILL at any instant must leave a readable dataset. A publish
builds a complete new snapshot in ``snapshots/.tmp-*`` (unchanged files are hard links, so only
touched partitions cost I/O), fsyncs it, renames it into place and then replaces the
``current`` symlink — a single atomic rename on POSIX. Before that rename readers see the old
snapshot, after it the new one; there is no moment in between. Leftover ``.tmp-*`` directories
of a killed writer are deleted by the next writer (it holds the lock, so they are dead), and
old snapshots are garbage-collected, keeping ``keep`` previous ones for readers that resolved
the pointer just before a publish.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from operator import itemgetter
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ogi_scrape import __version__
from ogi_scrape.dataset.records import DatasetError
from ogi_scrape.dataset.schema import SCHEMA_VERSION, TABLES, with_metadata

MANIFEST = "_dataset.json"
POINTER = "current"
_SNAP_RE = re.compile(r"^\d{8}$")


def partition_dir(year: int, province_id: str) -> str:
    return f"year={year}/province={province_id}"


def _fsync_path(path: Path, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def table_from_rows(rows: list[dict], schema: pa.Schema) -> pa.Table:
    """Rows (dicts holding every column of ``schema``) → a table typed exactly by ``schema``."""
    names = schema.names
    columns = zip(*map(itemgetter(*names), rows)) if len(names) > 1 else ([r[names[0]] for r in rows],)
    return pa.Table.from_arrays([pa.array(c, type=f.type) for c, f in zip(columns, schema)], schema=schema)


@dataclass
class Snapshot:
    """A published (or being built) snapshot: its id, directory and manifest."""

    id: str
    path: Path
    manifest: dict = field(default_factory=dict)

    def files(self, table: str, part: str) -> list[str]:
        return list(self.manifest.get("tables", {}).get(table, {}).get("partitions", {}).get(part, {}))

    def partitions(self, table: str) -> dict[str, dict[str, int]]:
        return self.manifest.get("tables", {}).get(table, {}).get("partitions", {})


class Store:
    """Low-level snapshot machinery; ``Dataset`` decides what to write."""

    def __init__(self, root: Path, *, keep: int = 1):
        self.root = Path(root)
        self.keep = keep

    # ---------------------------------------------------------------- reading
    def current(self) -> Snapshot | None:
        """The published snapshot, resolved once (pin it for a consistent multi-table read)."""
        link = self.root / POINTER
        try:
            target = os.readlink(link)
        except (FileNotFoundError, OSError):
            return None
        path = (self.root / target).resolve()
        try:
            manifest = json.loads((path / MANIFEST).read_text("utf-8"))
        except FileNotFoundError:
            return None
        return Snapshot(path.name, path, manifest)

    # ---------------------------------------------------------------- writing
    @contextmanager
    def locked(self):
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "a+") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def begin(self, parent: Snapshot | None) -> "SnapshotBuilder":
        for table in TABLES:       # refuse before writing anything, not half-way through a publish
            link = self.root / table
            if link.exists() and not link.is_symlink():
                raise DatasetError(f"{link} exists and is not this dataset's table link, so {self.root} "
                                   f"is not a dataset root (or was changed by hand)",
                                   hint=f"move {link} away, or write the dataset into another directory")
        snaps = self.root / "snapshots"
        snaps.mkdir(parents=True, exist_ok=True)
        for leftover in snaps.glob(".tmp-*"):      # a killed writer's half-built snapshot
            shutil.rmtree(leftover, ignore_errors=True)
        ids = [int(p.name) for p in snaps.iterdir() if _SNAP_RE.match(p.name)]
        new_id = f"{max(ids, default=0) + 1:08d}"
        return SnapshotBuilder(self, parent, new_id, snaps / f".tmp-{new_id}-{os.getpid()}")

    def publish(self, builder: "SnapshotBuilder", summary: dict) -> Snapshot:
        final = self.root / "snapshots" / builder.id
        builder.finish(summary)
        os.rename(builder.path, final)
        _fsync_path(final.parent, directory=True)
        self._swap_symlink(POINTER, f"snapshots/{builder.id}")
        for table in TABLES:
            if not (self.root / table).is_symlink():
                self._swap_symlink(table, f"{POINTER}/{table}")
        _fsync_path(self.root, directory=True)
        self.gc()
        return Snapshot(builder.id, final, builder.manifest)

    def _swap_symlink(self, name: str, target: str) -> None:
        tmp = self.root / f".{name}.tmp-{os.getpid()}"
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(target, tmp)
        os.replace(tmp, self.root / name)

    def gc(self) -> list[str]:
        """Delete snapshots older than the current one and the ``keep`` before it."""
        cur = self.current()
        if cur is None:
            return []
        snaps = sorted(p.name for p in (self.root / "snapshots").iterdir() if _SNAP_RE.match(p.name))
        older = [s for s in snaps if s < cur.id]
        doomed = older[: max(0, len(older) - self.keep)]
        for s in doomed:
            shutil.rmtree(self.root / "snapshots" / s, ignore_errors=True)
        return doomed


class SnapshotBuilder:
    """Collects the files of a new snapshot: links to unchanged files, new files for changes."""

    def __init__(self, store: Store, parent: Snapshot | None, id: str, path: Path):
        self.store, self.parent, self.id, self.path = store, parent, id, path
        self.manifest: dict = {"tables": {t: {"partitions": {}} for t in TABLES}}
        self._seq = 0
        self._dirs: set[Path] = set()
        path.mkdir(parents=True)

    def _dir(self, table: str, part: str) -> Path:
        d = self.path / table / part
        if d not in self._dirs:
            d.mkdir(parents=True, exist_ok=True)
            self._dirs.add(d)
        return d

    def _record(self, table: str, part: str, name: str, rows: int) -> None:
        self.manifest["tables"][table]["partitions"].setdefault(part, {})[name] = rows

    def link(self, table: str, part: str, name: str) -> None:
        """Carry an unchanged file over from the parent snapshot (hard link: no copy, no rewrite)."""
        src = self.parent.path / table / part / name
        dst = self._dir(table, part) / name
        try:
            os.link(src, dst)
        except OSError:                      # a filesystem without hard links: copy instead
            shutil.copy2(src, dst)
        self._record(table, part, name, self.parent.partitions(table)[part][name])

    def link_partition(self, table: str, part: str) -> None:
        for name in self.parent.files(table, part):
            self.link(table, part, name)

    def write(self, table: str, part: str, data: pa.Table) -> None:
        if data.num_rows == 0:
            return
        name = f"part-{self.id}-{self._seq}.parquet"
        self._seq += 1
        path = self._dir(table, part) / name
        schema = with_metadata(TABLES[table], table)
        if not data.schema.equals(schema):
            data = data.cast(schema)
        pq.write_table(data.replace_schema_metadata(schema.metadata), path,
                       compression="zstd", write_statistics=True)
        _fsync_path(path)
        self._record(table, part, name, data.num_rows)

    def write_rows(self, table: str, part: str, rows: list[dict]) -> None:
        if rows:
            self.write(table, part, table_from_rows(rows, TABLES[table]))

    def finish(self, summary: dict) -> None:
        for t in self.manifest["tables"].values():
            t["rows"] = sum(sum(files.values()) for files in t["partitions"].values())
        self.manifest.update({
            "snapshot": self.id,
            "parent": self.parent.id if self.parent else None,
            "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "schema_version": SCHEMA_VERSION,
            "tool": "ogi_scrape",
            "tool_version": __version__,
            "partitioning": "hive: year=<int>/province=<2-digit province code>",
            "last_upsert": summary,
        })
        for table in TABLES:                          # every table exists, even when empty
            (self.path / table).mkdir(exist_ok=True)
        (self.path / MANIFEST).write_text(json.dumps(self.manifest, ensure_ascii=False, indent=1,
                                                     sort_keys=True), "utf-8")
        _fsync_path(self.path / MANIFEST)
        for d in sorted({*self._dirs, *(p.parent for p in self._dirs),
                         *(self.path / t for t in TABLES), self.path}, key=lambda p: -len(p.parts)):
            _fsync_path(d, directory=True)


def read_file(path: Path, columns: list[str] | None = None) -> pa.Table:
    return pq.read_table(path, columns=columns)


def drop_keys(table: pa.Table, keys: set[str]) -> pa.Table:
    mask = pc.is_in(table["report_key"], value_set=pa.array(sorted(keys), pa.string()))
    return table.filter(pc.invert(mask))
