"""Atomic publish: SIGKILL the exporter at many moments; every read afterwards, with pandas and
with duckdb, must give exactly the old dataset or exactly the new one."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd

from ogi_scrape.dataset import Dataset
from ogi_scrape.dataset.synthetic import synthetic_report

TABLES = ("reports", "values", "report_versions", "wide_s4")
DIVISIONS = ("513322", "110101")
YEARS = (2020, 2024)
N = 12

CHILD = f"""
import sys, time
from ogi_scrape.dataset import Dataset
from ogi_scrape.dataset.synthetic import synthetic_report
items = [synthetic_report(i, year=y, division_code=d, revision=i % 2)
         for i in range({N} + 8) for y in {YEARS!r} for d in {DIVISIONS!r}]
ds = Dataset(sys.argv[1])
print("start", flush=True)
t = time.perf_counter()
ds.upsert(items)
print("done", time.perf_counter() - t, flush=True)
"""


def base_items():
    return [synthetic_report(i, year=y, division_code=d) for i in range(N) for y in YEARS for d in DIVISIONS]


def pandas_digest(root: Path) -> str:
    h = hashlib.sha256()
    for t in TABLES:
        df = pd.read_parquet(root / t)
        rows = sorted(map(repr, df[sorted(df.columns)].astype(str).values.tolist()))
        h.update(f"{t}:{len(rows)}:{rows}".encode())
    return h.hexdigest()


def duckdb_digest(root: Path) -> str:
    h = hashlib.sha256()
    con = duckdb.connect()
    for t in TABLES:
        rel = con.sql(f"select * from read_parquet('{root}/{t}/**/*.parquet', hive_partitioning=true)")
        cols = sorted(rel.columns)
        rows = sorted(map(repr, con.sql(
            f"select {', '.join(chr(34) + c + chr(34) for c in cols)} from rel").fetchall()))
        h.update(f"{t}:{len(rows)}:{rows}".encode())
    return h.hexdigest()


def spawn(root: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(root)], stdout=subprocess.PIPE,
                            text=True, env=env)
    assert proc.stdout.readline().strip() == "start"
    return proc


def test_kill_at_any_moment_leaves_old_or_new_dataset(tmp_path):
    base = tmp_path / "base"
    items = base_items()
    for third in (items[0::3], items[1::3], items[2::3]):   # three publishes: the child's
        Dataset(base).upsert(third)                          # publish recycles an old tree
    assert len(list((base / "snapshots").iterdir())) == 3
    old = (pandas_digest(base), duckdb_digest(base))

    full = tmp_path / "full"
    shutil.copytree(base, full, symlinks=True)
    proc = spawn(full)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    duration = float(out.split()[-1])
    new = (pandas_digest(full), duckdb_digest(full))
    assert new != old

    outcomes, killed_mid_write = [], 0
    for i in range(10):
        work = tmp_path / f"kill{i}"
        shutil.copytree(base, work, symlinks=True)
        proc = spawn(work)
        time.sleep(duration * (i + 0.5) / 10)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        killed_mid_write += bool(list((work / "snapshots").glob(".tmp-*")))
        got = (pandas_digest(work), duckdb_digest(work))
        assert got in (old, new), f"kill #{i} at {duration * (i + 0.5) / 10:.3f}s left a broken dataset"
        outcomes.append("old" if got == old else "new")
        shutil.rmtree(work)

    assert killed_mid_write >= 3, (outcomes, duration)   # the kills really hit the write phase
    # the next writer recovers: it removes the half-built snapshot and publishes the new dataset
    victim = tmp_path / "recover"
    shutil.copytree(base, victim, symlinks=True)
    proc = spawn(victim)
    time.sleep(duration / 2)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc = spawn(victim)
    proc.communicate(timeout=60)
    assert proc.returncode == 0
    assert (pandas_digest(victim), duckdb_digest(victim)) == new
    assert not list((victim / "snapshots").glob(".tmp-*"))
