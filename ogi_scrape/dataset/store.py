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
of a killed writer are deleted by the next writer (it holds the lock, so they are dead).

Cost of a publish: a snapshot tree has one directory per table × year × province, and on a
busy ext4 disk creating and deleting thousands of directories per publish took seconds. So an
old snapshot is not deleted but *recycled*: the next publish renames the oldest unneeded tree
to ``.tmp-*`` and edits it into the new state (unlink the files that left, hard-link the ones
that came, write the new ones). Its contents are exactly its manifest (published snapshots are
immutable and file names are unique per snapshot id), so the edit is a diff of two manifests
and costs in proportion to what changed, not to the size of the dataset. ``keep`` previous
snapshots stay untouched for readers that resolved the pointer just before a publish.

Durability: new files, the manifest and every directory whose entries changed are fsynced
before the pointer moves; the pointer's directory after. A kill needs none of that (rename is
atomic); a power cut relies on it plus the journal's ordering of metadata (ext4, xfs, apfs).
"""

from __future__ import annotations

import contextlib
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
_FSYNC_MAX = 64   # above this many files + directories to flush, call os.sync() once


def partition_dir(year: int, province_id: str) -> str:
    return f"year={year}/province={province_id}"


def _fsync_path(path: Path, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def table_from_rows(rows: list, schema: pa.Schema) -> pa.Table:
    """Rows → a table typed exactly by ``schema``. A row is a dict holding every column, or a
    tuple in schema order (the values table, where building dicts would cost too much)."""
    names = schema.names
    if isinstance(rows[0], tuple):
        columns = zip(*rows)
    elif len(names) > 1:
        columns = zip(*map(itemgetter(*names), rows))
    else:
        columns = ([r[names[0]] for r in rows],)
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
        if self.root.exists() and not self.root.is_dir():
            raise DatasetError(f"dataset root {self.root} is a file, not a directory",
                               hint="choose a directory for the dataset (it is created if missing)")
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatasetError(f"cannot create the dataset root {self.root}: {exc.strerror}",
                               hint="choose a directory you can write to") from None
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
        for p in snaps.iterdir():                  # built, but killed before the pointer moved
            if _SNAP_RE.match(p.name) and (parent is None or p.name > parent.id):
                shutil.rmtree(p, ignore_errors=True)
        ids = [int(p.name) for p in snaps.iterdir() if _SNAP_RE.match(p.name)]
        new_id = f"{max(ids, default=0) + 1:08d}"
        tmp = snaps / f".tmp-{new_id}-{os.getpid()}"
        donor = self._garbage(parent)[:1]
        recycled = None
        if donor:
            try:
                recycled = json.loads((snaps / donor[0] / MANIFEST).read_text("utf-8"))
                os.rename(snaps / donor[0], tmp)
            except (OSError, ValueError):          # unreadable: delete it instead of reusing it
                shutil.rmtree(snaps / donor[0], ignore_errors=True)
                recycled = None
        if recycled is None:
            tmp.mkdir()
        return SnapshotBuilder(self, parent, new_id, tmp, recycled)

    def _garbage(self, current: Snapshot | None) -> list[str]:
        """Snapshots older than ``current`` and the ``keep`` before it, oldest first."""
        if current is None:
            return []
        snaps = sorted(p.name for p in (self.root / "snapshots").iterdir() if _SNAP_RE.match(p.name))
        older = [s for s in snaps if s < current.id]
        return older[: max(0, len(older) - self.keep)]

    def publish(self, builder: "SnapshotBuilder", summary: dict) -> Snapshot:
        final = self.root / "snapshots" / builder.id
        builder.finish(summary)
        os.rename(builder.path, final)
        _fsync_path(final.parent, directory=True)
        for table in TABLES:                 # stable paths; dangle until the first pointer exists
            if not (self.root / table).is_symlink():
                self._swap_symlink(table, f"{POINTER}/{table}")
        self._swap_symlink(POINTER, f"snapshots/{builder.id}")
        _fsync_path(self.root, directory=True)
        self.gc(spare=1)
        return Snapshot(builder.id, final, builder.manifest)

    def _swap_symlink(self, name: str, target: str) -> None:
        tmp = self.root / f".{name}.tmp-{os.getpid()}"
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        try:
            os.symlink(target, tmp)
        except OSError as exc:
            raise DatasetError(f"cannot create a symlink in {self.root}: {exc.strerror}",
                               hint="the dataset publishes by swapping symlinks; put it on a POSIX "
                                    "filesystem (ext4, xfs, apfs), not FAT/exFAT or a Windows share") from None
        os.replace(tmp, self.root / name)

    def gc(self, spare: int = 0) -> list[str]:
        """Delete unneeded snapshots, leaving the newest ``spare`` of them for the next publish
        to recycle."""
        doomed = self._garbage(self.current())
        doomed = doomed[: max(0, len(doomed) - spare)]
        for s in doomed:
            shutil.rmtree(self.root / "snapshots" / s, ignore_errors=True)
        return doomed


class SnapshotBuilder:
    """Turns a fresh or recycled directory into the new snapshot: links to unchanged files,
    new files for changes; ``finish`` removes what the recycled tree had and the new one lacks."""

    def __init__(self, store: Store, parent: Snapshot | None, id: str, path: Path,
                 recycled: dict | None = None):
        self.store, self.parent, self.id, self.path = store, parent, id, path
        self.manifest: dict = {"tables": {t: {"partitions": {}} for t in TABLES}}
        self._seq = 0
        self._recycled = recycled or {"tables": {}}
        self._dirs: set[Path] = set()       # directories that exist in the tree
        self._changed: set[Path] = set()    # directories whose entries changed (to fsync)
        self._written: list[Path] = []      # new files (to fsync)

    def _had(self, table: str, part: str) -> dict:
        return self._recycled["tables"].get(table, {}).get("partitions", {}).get(part, {})

    def _dir(self, table: str, part: str) -> Path:
        d = self.path / table / part
        if d not in self._dirs:
            if not self._had(table, part):
                d.mkdir(parents=True, exist_ok=True)
                self._changed.update({d.parent, d.parent.parent})
            self._dirs.add(d)
        return d

    def _record(self, table: str, part: str, name: str, rows: int) -> None:
        self.manifest["tables"][table]["partitions"].setdefault(part, {})[name] = rows

    def link(self, table: str, part: str, name: str) -> None:
        """Carry an unchanged file over from the parent snapshot (hard link: no copy, no rewrite)."""
        rows = self.parent.partitions(table)[part][name]
        if name in self._had(table, part):          # a recycled tree already holds this very file
            self._record(table, part, name, rows)
            return
        src = self.parent.path / table / part / name
        d = self._dir(table, part)
        try:
            os.link(src, d / name)
        except OSError:                      # a filesystem without hard links: copy instead
            shutil.copy2(src, d / name)
        self._changed.add(d)
        self._record(table, part, name, rows)

    def link_partition(self, table: str, part: str) -> None:
        for name in self.parent.files(table, part):
            self.link(table, part, name)

    def write(self, table: str, part: str, data: pa.Table) -> None:
        if data.num_rows == 0:
            return
        name = f"part-{self.id}-{self._seq}.parquet"
        self._seq += 1
        d = self._dir(table, part)
        path = d / name
        schema = with_metadata(TABLES[table], table)
        if not data.schema.equals(schema):
            data = data.cast(schema)
        pq.write_table(data.replace_schema_metadata(schema.metadata), path,
                       compression="zstd", write_statistics=True)
        self._written.append(path)
        self._changed.add(d)
        self._record(table, part, name, data.num_rows)

    def write_rows(self, table: str, part: str, rows: list[dict]) -> None:
        if rows:
            self.write(table, part, table_from_rows(rows, TABLES[table]))

    def _drop_leftovers(self) -> None:
        """Remove from a recycled tree every file (and emptied partition) the new state lacks."""
        for table, info in self._recycled["tables"].items():
            keep_parts = self.manifest["tables"].get(table, {}).get("partitions", {})
            for part, files in info.get("partitions", {}).items():
                keep = keep_parts.get(part, {})
                d = self.path / table / part
                for name in files:
                    if name not in keep:
                        with contextlib.suppress(FileNotFoundError):
                            os.unlink(d / name)
                        self._changed.add(d)
                if not keep:
                    with contextlib.suppress(OSError):
                        d.rmdir()
                        self._changed.add(d.parent)

    def finish(self, summary: dict) -> None:
        self._drop_leftovers()
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
            "data_dictionary": "docs/dataset.md in the ogi_scrape sources",
            "last_upsert": summary,
        })
        for table in TABLES:                          # every table exists, even when empty
            if not (self.path / table).is_dir():
                (self.path / table).mkdir()
                self._changed.add(self.path)
        tmp = self.path / f".{MANIFEST}.tmp"
        tmp.write_text(json.dumps(self.manifest, ensure_ascii=False, indent=1, sort_keys=True), "utf-8")
        os.replace(tmp, self.path / MANIFEST)
        self._written.append(self.path / MANIFEST)
        self._changed.add(self.path)
        changed = [d for d in self._changed if d.is_dir()]
        if len(changed) + len(self._written) > _FSYNC_MAX:   # one sync beats thousands of fsyncs
            os.sync()
        else:
            for f in self._written:
                _fsync_path(f)
            for d in sorted(changed, key=lambda p: -len(p.parts)):
                _fsync_path(d, directory=True)


def read_file(path: Path, columns: list[str] | None = None) -> pa.Table:
    return pq.read_table(path, columns=columns)


def drop_keys(table: pa.Table, keys: set[str]) -> pa.Table:
    mask = pc.is_in(table["report_key"], value_set=pa.array(sorted(keys), pa.string()))
    return table.filter(pc.invert(mask))
