"""Saying what a crawl did: live events, the end-of-run summary and the run manifest.

A nightly job runs without a terminal, so its progress must be machine-readable (one JSON
object per line on stderr, and the same lines in ``OUT/crawl-runs/<run>.jsonl``); a person
watching a terminal wants a progress bar instead. Either way the run ends with the same
summary — new, changed, unchanged, not found, blocked, failed, the top errors by host, drift
warnings — printed and written atomically to ``OUT/crawl-runs/<run>.json`` (and
``latest.json``), so tomorrow's job or a researcher can read what happened without logs.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

RUNS_DIR = "crawl-runs"
REPORT_OUTCOMES = ("new", "changed", "updated", "unchanged", "not_found", "blocked", "failed",
                   "out_of_scope")


def atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Events:
    """Where progress goes: JSON lines (not a TTY) or a rich progress bar (a TTY), plus a log file."""

    def __init__(self, log_path: Path | None, *, total: int = 0, stream=None, tty: bool | None = None):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.log_path = log_path
        self._log = None
        if log_path is not None:
            log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = open(log_path, "a", encoding="utf-8")
        self._progress = None
        self._task = None
        if self.tty:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._progress = Progress(TextColumn("crawl"), BarColumn(), MofNCompleteColumn(),
                                      TextColumn("{task.fields[status]}"), TimeElapsedColumn(),
                                      console=Console(file=self.stream), transient=True)
            self._task = self._progress.add_task("crawl", total=total, status="")
            self._progress.start()

    def emit(self, event: str, **fields) -> None:
        record = {"ts": datetime.now(timezone.utc).isoformat(timespec="milliseconds"), "event": event}
        record.update({k: v for k, v in fields.items() if v is not None})
        line = json.dumps(record, ensure_ascii=False, default=str)
        if self._log is not None:
            self._log.write(line + "\n")
            self._log.flush()
        if self._progress is not None:
            if event == "source_done":
                self._progress.update(self._task, advance=1, status=fields.get("source", ""))
            elif event in ("drift", "source_error", "warning"):
                self._progress.console.print(f"! {fields.get('message', event)}")
        else:
            print(line, file=self.stream, flush=True)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
        if self._log is not None:
            self._log.close()
            self._log = None


@dataclass
class RunSummary:
    """Counts for one run (a resumed run includes what the interrupted part already did)."""

    run_id: str
    scope: dict
    sources: Counter = field(default_factory=Counter)      # ok | not_found | blocked | failed
    reports: Counter = field(default_factory=Counter)      # REPORT_OUTCOMES
    parse: Counter = field(default_factory=Counter)        # ok | partial | failed (re-parsed only)
    errors_by_host: dict[str, Counter] = field(default_factory=dict)
    drift: list[str] = field(default_factory=list)
    requests: Counter = field(default_factory=Counter)
    started: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    finished: str | None = None
    resumed: bool = False
    snapshot: str | None = None

    def error(self, host: str, message: str) -> None:
        self.errors_by_host.setdefault(host, Counter())[short_error(message)] += 1

    def merge_source(self, outcome: dict) -> None:
        """Fold in one source's outcome (as stored in the frontier for ``--resume``)."""
        self.sources[outcome.get("status", "ok")] += 1
        for k, v in (outcome.get("reports") or {}).items():
            self.reports[k] += v
        for k, v in (outcome.get("parse") or {}).items():
            self.parse[k] += v
        for k, v in (outcome.get("requests") or {}).items():
            self.requests[k] += v
        for host, msgs in (outcome.get("errors") or {}).items():
            for msg, n in msgs.items():
                self.errors_by_host.setdefault(host, Counter())[msg] += n
        self.drift.extend(outcome.get("drift") or [])

    def failures(self) -> int:
        return (self.reports["failed"] + self.reports["blocked"]
                + self.sources["blocked"] + self.sources["failed"])

    def attempted(self) -> int:
        return sum(self.sources.values()) + sum(v for k, v in self.reports.items() if k != "out_of_scope")

    def failure_rate(self) -> float:
        return self.failures() / max(1, self.attempted())

    def top_errors(self, n: int = 10) -> list[dict]:
        rows = [(count, host, msg) for host, msgs in self.errors_by_host.items()
                for msg, count in msgs.items()]
        rows.sort(key=lambda r: (-r[0], r[1], r[2]))
        return [{"host": h, "error": m, "count": c} for c, h, m in rows[:n]]

    def as_dict(self) -> dict:
        return {
            "run_id": self.run_id, "started": self.started, "finished": self.finished,
            "resumed": self.resumed, "scope": self.scope,
            "sources": dict(self.sources), "reports": {k: self.reports.get(k, 0) for k in REPORT_OUTCOMES},
            "parse": dict(self.parse), "requests": dict(self.requests),
            "failure_rate": round(self.failure_rate(), 4),
            "top_errors": self.top_errors(), "drift": self.drift, "snapshot": self.snapshot,
        }


def short_error(message: str) -> str:
    """Group errors by kind, not by URL: drop the URL the fetcher put in front."""
    text = str(message)
    if text.startswith("http") and ": " in text:
        text = text.split(": ", 1)[1]
    return text[:160]


def write_manifest(out: Path, summary: RunSummary) -> Path:
    data = json.dumps(summary.as_dict(), ensure_ascii=False, indent=2, default=str) + "\n"
    path = Path(out) / RUNS_DIR / f"{summary.run_id}.json"
    atomic_write_text(path, data)
    atomic_write_text(Path(out) / RUNS_DIR / "latest.json", data)
    return path


def print_summary(summary: RunSummary, manifest: Path | None, *, threshold: float, file=None) -> None:
    file = file or sys.stdout
    d = summary.as_dict()
    r = d["reports"]
    print("summary", file=file)
    print(f"  run:       {summary.run_id}" + ("  (resumed)" if summary.resumed else ""), file=file)
    src = summary.sources
    print(f"  sources:   {sum(src.values())} visited — {src['ok']} ok, {src['not_found']} nothing found, "
          f"{src['blocked']} blocked, {src['failed']} failed", file=file)
    print(f"  reports:   {r['new']} new, {r['changed']} changed, {r['updated']} updated, "
          f"{r['unchanged']} unchanged, {r['not_found']} not found, {r['blocked']} blocked, "
          f"{r['failed']} failed", file=file)
    if summary.parse:
        print("  parsed:    " + ", ".join(f"{v} {k}" for k, v in sorted(summary.parse.items())), file=file)
    req = summary.requests
    if req:
        print(f"  requests:  {req.get('requests', 0)} sent, {req.get('not_modified', 0)} answered "
              f"304 Not Modified", file=file)
    for e in d["top_errors"]:
        print(f"  error:     {e['host']}: {e['error']} (×{e['count']})", file=file)
    for w in summary.drift:
        print(f"  drift:     {w}", file=file)
    rate = summary.failure_rate()
    print(f"  failures:  {summary.failures()} of {summary.attempted()} ({rate:.0%}; threshold {threshold:.0%})",
          file=file)
    if summary.snapshot:
        print(f"  dataset:   snapshot {summary.snapshot}", file=file)
    if manifest is not None:
        print(f"  manifest:  {manifest}", file=file)
    file.flush()
