"""One crawl run from start to summary: lock the state, start or resume a run, visit the
frontier, write the manifest, decide the exit code.

Separate from the CLI module so the farm benchmark (and tests) can run the very same code
with a session of their own (e.g. a replica farm served by another process).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ogi_scrape.crawl.engine import Crawl
from ogi_scrape.crawl.report import RUNS_DIR, Events, RunSummary, write_manifest
from ogi_scrape.crawl.scope import Scope
from ogi_scrape.crawl.state import StateStore
from ogi_scrape.errors import EXIT_OK, EXIT_TOO_MANY_FAILURES


@dataclass
class RunOptions:
    workers: int = 64                 # source visits at once (hosts busy at once)
    batch_size: int = 200             # reports per dataset publish
    max_failure_rate: float = 0.25    # exit 8 above this share of failed sources/reports
    tty: bool | None = None           # None: ask stderr
    stream: object | None = None      # where live events go (default stderr)
    parse_pool: object | None = None  # crawl.parsing.parse_pool(n), started before any thread


@dataclass
class RunResult:
    summary: RunSummary
    manifest: Path
    exit_code: int


def start_or_resume(state: StateStore, scope: Scope, source_ids: list[str], resume: bool):
    """(run_id, scope, resumed, ids to visit). ``--resume`` continues the newest unfinished
    run with the scope it had; with nothing to resume a fresh run starts."""
    if resume:
        row = state.unfinished_run()
        if row is not None:
            import json
            state.resume_run(row["run_id"])
            return row["run_id"], Scope.from_dict(json.loads(row["scope"])), True, \
                list(state.pending_sources(row["run_id"]))
    run_id = state.start_run(scope.as_dict(), source_ids)
    return run_id, scope, False, list(source_ids)


async def execute(session, state: StateStore, run_id: str, scope: Scope, ids: list[str],
                  *, resumed: bool, options: RunOptions) -> RunResult:
    # Import what worker threads use now, in this thread: CPython 3.11 can corrupt its AST
    # recursion check when two threads compile modules at once ("AST constructor recursion
    # depth mismatch"), which lazy imports inside parse/upsert threads would invite.
    import ogi_scrape.dataset.dataset  # noqa: F401
    import ogi_scrape.encoding  # noqa: F401
    import ogi_scrape.parse  # noqa: F401
    import ogi_scrape.sources.candidates  # noqa: F401

    out = Path(session.out)
    summary = RunSummary(run_id=run_id, scope=scope.as_dict(), resumed=resumed)
    if resumed:
        for outcome in state.done_outcomes(run_id):
            summary.merge_source(outcome)
    events = Events(out / RUNS_DIR / f"{run_id}.jsonl", total=len(ids), tty=options.tty,
                    stream=options.stream)
    events.emit("run_start", run=run_id, resumed=resumed, sources=len(ids), years=scope.years)
    crawl = Crawl(session, state, run_id, scope.years, events, workers=options.workers,
                  batch_size=options.batch_size, parse_pool=options.parse_pool)
    try:
        await crawl.run(ids, lambda outcome: summary.merge_source(outcome.as_dict()))
    except BaseException:
        state.finish_run(run_id, summary.as_dict(), status="interrupted")
        events.close()
        raise
    summary.requests["attempts"] = session.fetcher.stats.get("attempts", 0) + \
        summary.requests.get("attempts", 0)
    from datetime import datetime, timezone
    summary.finished = datetime.now(timezone.utc).isoformat(timespec="seconds")
    summary.snapshot = crawl.writer.last_snapshot or _current_snapshot(out)
    state.finish_run(run_id, summary.as_dict())
    manifest = write_manifest(out, summary)
    events.emit("run_done", run=run_id, **{k: v for k, v in summary.as_dict().items()
                                           if k in ("sources", "reports", "failure_rate")})
    events.close()
    code = EXIT_TOO_MANY_FAILURES if summary.failure_rate() > options.max_failure_rate else EXIT_OK
    return RunResult(summary, manifest, code)


def _current_snapshot(out: Path) -> str | None:
    from ogi_scrape.dataset import Dataset
    snap = Dataset(out).snapshot()
    return snap.id if snap else None
