"""The crawl's memory between nights: one SQLite file beside the dataset.

Why SQLite: the crawl must survive ``kill -9`` at any instant and pick up where it stopped,
on one machine, without a server. SQLite commits are atomic and durable (WAL), the file is
one artefact a researcher can open with any SQL tool, and queries over 10^5 URLs stay cheap
without holding them in memory.

What it keeps:

* ``runs``      one row per crawl run: scope (as JSON), start/end, status, summary;
* ``frontier``  the sources a run must visit and whether each is done (what ``--resume`` reads);
* ``urls``      per-URL fetch history: validators (ETag / Last-Modified), content hash, raw
                archive pointer, parse status, report key, attempts, last error, last run;
* ``listings``  which reports each portal listed, per run (for drift warnings).

The rule that makes resuming exact: a URL's validators and hash are written only *after* the
dataset batch holding its report was published. A crash in between leaves the old state, so
the next run fetches the page again in full and re-parses it; the dataset then finds the rows
unchanged. The state can lag the dataset, never run ahead of it.

A lock file (``flock``) keeps two crawls off the same state; the kernel drops it when the
process dies, so a ``kill -9`` never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ogi_scrape.errors import EXIT_USAGE, OgiError
from ogi_scrape.fetch.response import validators_of

STATE_FILE = "crawl-state.sqlite"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, started TEXT NOT NULL, finished TEXT,
    status TEXT NOT NULL,                 -- running | finished | interrupted
    scope TEXT NOT NULL, summary TEXT, pid INTEGER);
CREATE TABLE IF NOT EXISTS frontier (
    run_id TEXT NOT NULL, source_id TEXT NOT NULL, position INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',   -- pending | done
    outcome TEXT, attempts INTEGER NOT NULL DEFAULT 0, error TEXT, finished TEXT,
    PRIMARY KEY (run_id, source_id));
CREATE TABLE IF NOT EXISTS urls (
    url TEXT PRIMARY KEY, source_id TEXT, role TEXT,   -- role: report | listing | attachment
    etag TEXT, last_modified TEXT, sha256 TEXT, archive_ref TEXT,
    http_status INTEGER, parse_status TEXT, report_key TEXT,
    attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT,
    first_seen TEXT, last_fetched TEXT, last_changed TEXT, last_run TEXT);
CREATE TABLE IF NOT EXISTS listings (
    source_id TEXT NOT NULL, url TEXT NOT NULL, year INTEGER, body TEXT, title TEXT,
    first_run TEXT NOT NULL, last_run TEXT NOT NULL,
    PRIMARY KEY (source_id, url));
CREATE INDEX IF NOT EXISTS frontier_pending ON frontier (run_id, status, position);
"""


class StateLocked(OgiError):
    """Another crawl holds the state file."""

    exit_code = EXIT_USAGE


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class UrlState:
    url: str
    etag: str | None
    last_modified: str | None
    sha256: str | None
    archive_ref: str | None
    parse_status: str | None
    report_key: str | None

    @property
    def validators(self) -> dict:
        return validators_of(self.etag, self.last_modified)


class StateStore:
    """The crawl state under ``path`` (default ``OUT/crawl-state.sqlite``); use as a context
    manager, which takes the lock for the whole run."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._lock_fh = None
        self.db: sqlite3.Connection | None = None

    # ------------------------------------------------------------------ lifecycle
    def open(self) -> "StateStore":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        fh = open(lock_path, "a+")
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            fh.close()
            raise StateLocked(f"{self.path}: another crawl is using this state ({holder})",
                              hint="wait for it to finish, or give this crawl another --out / --state")
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()} since {now_iso()}")
        fh.flush()
        self._lock_fh = fh
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(_SCHEMA)
            row = self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            if row is None:
                self.db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            elif int(row[0]) != SCHEMA_VERSION:
                raise OgiError(f"{self.path}: crawl state schema {row[0]}, this version reads "
                               f"{SCHEMA_VERSION}", hint="use a fresh --state file")
        except sqlite3.DatabaseError as exc:
            self.close()
            raise StateLocked(f"{self.path}: not a readable crawl state file ({exc})",
                              hint="point --state at a new file; this one is damaged or not ours") from None
        return self

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None
        if self._lock_fh is not None:
            fcntl.flock(self._lock_fh.fileno(), fcntl.LOCK_UN)
            self._lock_fh.close()
            self._lock_fh = None

    def __enter__(self) -> "StateStore":
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self):
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # ------------------------------------------------------------------ runs
    def unfinished_run(self) -> sqlite3.Row | None:
        """The newest run that did not finish (killed, crashed or interrupted)."""
        return self.db.execute("SELECT * FROM runs WHERE status != 'finished' "
                               "ORDER BY started DESC, rowid DESC LIMIT 1").fetchone()

    def last_run(self) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM runs ORDER BY started DESC, rowid DESC LIMIT 1").fetchone()

    def start_run(self, scope: dict, source_ids: list[str]) -> str:
        run_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]
        with self.transaction() as db:
            db.execute("UPDATE runs SET status='abandoned' WHERE status != 'finished'")
            db.execute("INSERT INTO runs (run_id, started, status, scope, pid) VALUES (?,?,?,?,?)",
                       (run_id, now_iso(), "running", json.dumps(scope, ensure_ascii=False), os.getpid()))
            db.executemany("INSERT INTO frontier (run_id, source_id, position) VALUES (?,?,?)",
                           [(run_id, sid, i) for i, sid in enumerate(source_ids)])
        return run_id

    def resume_run(self, run_id: str) -> None:
        self.db.execute("UPDATE runs SET status='running', pid=? WHERE run_id=?", (os.getpid(), run_id))

    def finish_run(self, run_id: str, summary: dict, status: str = "finished") -> None:
        self.db.execute("UPDATE runs SET status=?, finished=?, summary=? WHERE run_id=?",
                        (status, now_iso(), json.dumps(summary, ensure_ascii=False), run_id))

    def pending_sources(self, run_id: str):
        """Source ids still to visit, in plan order; streamed, not loaded at once."""
        cur = self.db.execute("SELECT source_id FROM frontier WHERE run_id=? AND status='pending' "
                              "ORDER BY position", (run_id,))
        for row in cur:
            yield row[0]

    def frontier_counts(self, run_id: str) -> dict[str, int]:
        rows = self.db.execute("SELECT status, COUNT(*) FROM frontier WHERE run_id=? GROUP BY status",
                               (run_id,)).fetchall()
        return {r[0]: r[1] for r in rows}

    def done_outcomes(self, run_id: str) -> list[dict]:
        """What the sources finished before a resume reported (merged into the summary)."""
        rows = self.db.execute("SELECT outcome FROM frontier WHERE run_id=? AND status='done' "
                               "AND outcome IS NOT NULL", (run_id,)).fetchall()
        return [json.loads(r[0]) for r in rows]

    def source_done(self, run_id: str, source_id: str, outcome: dict, error: str | None = None) -> None:
        self.db.execute("UPDATE frontier SET status='done', outcome=?, error=?, finished=?, "
                        "attempts=attempts+1 WHERE run_id=? AND source_id=?",
                        (json.dumps(outcome, ensure_ascii=False), error, now_iso(), run_id, source_id))

    # ------------------------------------------------------------------ URLs
    def url_state(self, url: str) -> UrlState | None:
        row = self.db.execute("SELECT url, etag, last_modified, sha256, archive_ref, parse_status, "
                              "report_key FROM urls WHERE url=?", (url,)).fetchone()
        return UrlState(*row) if row else None

    def record_fetches(self, rows: list[dict], run_id: str) -> None:
        """Remember what was fetched (and, for reports, stored): one transaction.

        Each row: url, source_id, role, etag, last_modified, sha256, archive_ref, http_status,
        parse_status, report_key, error. ``last_changed`` moves only when the hash does."""
        if not rows:
            return
        stamp = now_iso()
        with self.transaction() as db:
            for r in rows:
                old = db.execute("SELECT sha256 FROM urls WHERE url=?", (r["url"],)).fetchone()
                changed = old is None or (r.get("sha256") and old[0] != r.get("sha256"))
                if old is None:
                    db.execute("INSERT INTO urls (url, first_seen) VALUES (?, ?)", (r["url"], stamp))
                if r.get("error"):
                    db.execute("UPDATE urls SET source_id=?, role=?, attempts=attempts+1, "
                               "last_error=?, http_status=COALESCE(?, http_status), last_run=? "
                               "WHERE url=?", (r.get("source_id"), r.get("role"), r["error"],
                                               r.get("http_status"), run_id, r["url"]))
                    continue
                db.execute(
                    "UPDATE urls SET source_id=?, role=?, etag=?, last_modified=?, "
                    "sha256=COALESCE(?, sha256), archive_ref=COALESCE(?, archive_ref), "
                    "http_status=?, parse_status=COALESCE(?, parse_status), "
                    "report_key=COALESCE(?, report_key), attempts=attempts+1, last_error=NULL, "
                    "last_fetched=?, last_changed=CASE WHEN ? THEN ? ELSE last_changed END, "
                    "last_run=? WHERE url=?",
                    (r.get("source_id"), r.get("role"), r.get("etag"), r.get("last_modified"),
                     r.get("sha256"), r.get("archive_ref"), r.get("http_status"),
                     r.get("parse_status"), r.get("report_key"), stamp, bool(changed), stamp,
                     run_id, r["url"]))

    def stored_reports(self, sha256s: list[str] | None = None):
        """Every report URL whose parse went into the dataset (for ``reparse``), streamed."""
        cur = self.db.execute("SELECT url, source_id, sha256, archive_ref, report_key FROM urls "
                              "WHERE role='report' AND archive_ref IS NOT NULL "
                              "AND report_key IS NOT NULL ORDER BY url")
        yield from cur

    # ------------------------------------------------------------------ listings (drift)
    def previous_listing(self, source_id: str) -> list[sqlite3.Row]:
        return self.db.execute("SELECT url, year, body, title, last_run FROM listings "
                               "WHERE source_id=?", (source_id,)).fetchall()

    def record_listing(self, source_id: str, run_id: str, items: list[tuple]) -> None:
        """``items``: (url, year, body, title) listed by the portal this run."""
        with self.transaction() as db:
            for url, year, body, title in items:
                db.execute("INSERT INTO listings (source_id, url, year, body, title, first_run, last_run) "
                           "VALUES (?,?,?,?,?,?,?) ON CONFLICT (source_id, url) DO UPDATE SET "
                           "year=excluded.year, body=excluded.body, title=excluded.title, "
                           "last_run=excluded.last_run", (source_id, url, year, body, title, run_id, run_id))
