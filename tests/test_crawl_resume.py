"""kill -9 at random moments, then `crawl --resume`: the final dataset equals an uninterrupted
run's (same rows, same content; fetch times and archive pointers legitimately differ).

The crawl runs as a real child process (the replica portals inside it, as with --mirror in a
nightly job) and is SIGKILLed, so nothing gets a chance to clean up: the state store, the
dataset snapshots and the WARC archive must each survive on their own.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from test_crawl import PORTALS, fast_registry, table_rows

ARGS = ["--years", "2024", "--only", "140923-daixian", "513322-luding", "330421-jiashan",
        "--batch-size", "8", "--workers", "2"]
TABLES = ("reports", "values", "checks", "wide_s3")


def start(out: Path, registry: Path, *extra) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "ogi_scrape", "crawl", "--mirror", str(PORTALS),
           "--registry", str(registry), "--out", str(out), *ARGS, *extra]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=Path(__file__).resolve().parents[1])


def run_to_end(out: Path, registry: Path, *extra) -> tuple[int, str, str]:
    p = start(out, registry, *extra)
    stdout, stderr = p.communicate(timeout=300)
    return p.returncode, stdout.decode(), stderr.decode()


@pytest.fixture(scope="module")
def registry(tmp_path_factory) -> Path:
    return fast_registry(tmp_path_factory.mktemp("registry"))


@pytest.fixture(scope="module")
def reference(tmp_path_factory, registry):
    out = tmp_path_factory.mktemp("uninterrupted") / "data"
    t0 = time.monotonic()
    code, stdout, stderr = run_to_end(out, registry)
    elapsed = time.monotonic() - t0
    assert code == 0, stderr
    return out, elapsed, {t: table_rows(out, t) for t in TABLES}


@pytest.mark.parametrize("seed", [7])
def test_kill_9_at_random_moments_then_resume_gives_the_uninterrupted_dataset(tmp_path, registry, reference, seed):
    ref_out, elapsed, ref_tables = reference
    out = tmp_path / "data"
    rng = random.Random(seed)
    kills = 0
    for _ in range(4):
        p = start(out, registry, "--resume")
        time.sleep(rng.uniform(0.3, max(0.6, elapsed * 0.9)))
        if p.poll() is None:
            os.kill(p.pid, signal.SIGKILL)
            kills += 1
        p.communicate(timeout=60)
    assert kills >= 1, "the crawl finished before any kill: the test proved nothing"

    code, stdout, stderr = run_to_end(out, registry, "--resume")
    assert code == 0, stderr
    assert {t: table_rows(out, t) for t in TABLES} == ref_tables
    db = sqlite3.connect(out / "crawl-state.sqlite")
    last = db.execute("SELECT run_id, status FROM runs ORDER BY started DESC, rowid DESC LIMIT 1").fetchone()
    assert last[1] == "finished"
    assert db.execute("SELECT COUNT(*) FROM frontier WHERE run_id=? AND status != 'done'",
                      (last[0],)).fetchone()[0] == 0
    m = json.loads((out / "crawl-runs" / "latest.json").read_text("utf-8"))
    stored = len(ref_tables["reports"])
    r = m["reports"]
    # every report is accounted for once in the final (possibly resumed) run's summary
    assert r["new"] + r["changed"] + r["updated"] + r["unchanged"] == stored


def test_resume_without_an_interrupted_run_starts_afresh(tmp_path, registry):
    out = tmp_path / "data"
    code, stdout, stderr = run_to_end(out, registry, "--resume", "--only", "140923-daixian")
    assert code == 0
    assert "no interrupted run to resume" in stderr
