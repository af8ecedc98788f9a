"""The parser against real reports in ../shared/corpus (hand-checked gold values).

The corpus is not ours and is never copied into the project: these tests read it where it
lies and skip cleanly when it is absent.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ogi_scrape.parse import parse_path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
SCORER = ROOT.parent / "shared" / "tools" / "corpus-score"
GOLDS = sorted(CORPUS.rglob("*.gold.json")) if CORPUS.is_dir() else []

pytestmark = pytest.mark.skipif(not GOLDS, reason="../shared/corpus not present")


@pytest.mark.parametrize("gold_path", GOLDS, ids=lambda p: p.name.replace(".gold.json", ""))
def test_every_gold_cell_and_format(gold_path: Path):
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    result = parse_path(gold_path.parent / gold["file"])
    got = {v.code: v.value for v in result.values if v.value is not None}
    wrong = {c: (got.get(c), want) for c, want in gold.get("values", {}).items()
             if c not in got or abs(float(got[c]) - float(want)) > 1e-9}
    assert not wrong
    for code in gold.get("blank", []):
        assert code not in got, f"{code} is blank in the report but got {got[code]}"
    fmt = gold.get("format")
    if fmt in ("2019", "2021"):
        assert result.template == f"gb{fmt}"
    else:  # pre-2019 free-form report or not a report: recognised, not mis-parsed
        assert result.template == "unknown" and result.status == "failed"
        assert result.reasons
    if gold.get("year"):
        assert result.year == gold["year"]
    # Raw text is kept where the gold records it (e.g. '73802895.90元').
    by_code = {v.code: v for v in result.values}
    for code, raw in gold.get("raw", {}).items():
        assert by_code[code].raw == raw


@pytest.mark.parametrize("gold_path", GOLDS, ids=lambda p: p.name.replace(".gold.json", ""))
def test_never_ok_when_truncated_or_inconsistent(gold_path: Path):
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    result = parse_path(gold_path.parent / gold["file"])
    if gold.get("truncated"):
        assert result.status != "ok"
    if "pingtan-2020" in gold["file"]:   # the report itself breaks (七)总计 = sum of outcomes
        assert result.status == "partial"
        failed = [c for c in result.checks if c["outcome"] == "fail"]
        assert {c["rule"] for c in failed} == {"s3.outcomes_total"}
        assert all(c["attribution"] == "source" for c in failed)


@pytest.mark.skipif(not SCORER.exists(), reason="../shared/tools/corpus-score not present")
def test_corpus_score_is_perfect():
    proc = subprocess.run([sys.executable, str(SCORER), "--cmd", f"{sys.executable} -m ogi_scrape"],
                          capture_output=True, text=True, timeout=600, cwd=ROOT)
    summary = proc.stdout.strip().splitlines()[-1]
    assert proc.returncode == 0, proc.stdout
    assert "wrong 0, missing 0, silent reports 0, parse errors 0" in summary
