"""The farm benchmark still runs (tiny N): generator, separate-process farm, crawl, figures.

Not a performance test (no timing is asserted): it keeps benchmarks/crawl_bench.py from
rotting, and checks the farm is real — every site's reports end up in the dataset."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_farm_benchmark_runs_and_stores_every_sites_reports():
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "crawl_bench.py"), "-n", "6",
                           "-d", "0.3", "--parse-processes", "0"],
                          capture_output=True, text=True, timeout=240, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "'new': 12" in out                               # 6 sites × 2 reports
    ratio = float(re.search(r"ratio wall / bound:\s+([\d.]+)", out).group(1))
    assert ratio >= 0.9            # a crawl cannot beat its own politeness bound
    assert re.search(r"peak RSS \(crawl\):\s+\d+ MB", out)
    farm = re.search(r"generated in [\d.]+ s in (\S+)", out).group(1)
    assert not Path(farm).exists(), "the farm must be cleaned up"
