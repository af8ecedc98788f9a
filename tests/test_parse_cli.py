"""`ogi-scrape parse` through its public interface (the CLI), on our own fixtures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LUDING_ARTICLES = ROOT / "fixtures" / "portals" / "www.luding.gov.cn"


def cli(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "ogi_scrape", "parse", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=ROOT)


REPORT_TXT = """\
某某县人民政府2023年政府信息公开工作年度报告
二、主动公开政府信息情况
第二十条第(一)项 | |||
信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |
规章 | 0 | 0 | 0 |
行政规范性文件 | 3 | 1 | / |
第二十条第(五)项 | |||
信息内容 | 本年处理决定数量 | ||
行政许可 | 120 | ||
"""


def test_json_contract_keys_and_flags(tmp_path):
    f = tmp_path / "r.txt"
    f.write_text(REPORT_TXT, encoding="utf-8")
    proc = cli(str(f), "--format", "json")
    assert proc.returncode == 6, proc.stderr          # partial: sections 三 and 四 absent
    out = json.loads(proc.stdout)
    for key in ("template", "year", "org", "status", "values", "checks"):
        assert key in out
    assert out["template"] == "gb2021" and out["year"] == 2023 and out["org"] == "某某县人民政府"
    assert out["status"] == "partial"
    vals = {v["code"]: v for v in out["values"]}
    assert vals["s2.normative_doc.issued"]["value"] == 3
    assert vals["s2.normative_doc.in_force"]["value"] is None          # '/' is not 0
    assert vals["s2.normative_doc.in_force"]["flags"] == ["not_applicable"]
    assert vals["s2.normative_doc.in_force"]["raw"] == "/"
    assert vals["s2.licensing.decisions"]["provenance"]["line"] == 9
    assert any("三" in r for r in out["reasons"])


def test_jsonl_one_line_per_input_and_folder_input(tmp_path):
    (tmp_path / "a.txt").write_text(REPORT_TXT, encoding="utf-8")
    (tmp_path / "b.txt").write_text("这是一篇新闻稿，不是年度报告。\n", encoding="utf-8")
    (tmp_path / "ignored.bin").write_bytes(b"\x00\x01")
    proc = cli(str(tmp_path), "--format", "jsonl")
    lines = [json.loads(l) for l in proc.stdout.splitlines()]
    assert [Path(l["source"]["name"]).name for l in lines] == ["a.txt", "b.txt"]
    assert lines[1]["status"] == "failed" and lines[1]["template"] == "unknown"
    assert any("not an annual report" in r for r in lines[1]["reasons"])
    assert proc.returncode == 7                     # the worst input decides


def test_table_view_marks_flagged_cells(tmp_path):
    f = tmp_path / "r.txt"
    f.write_text(REPORT_TXT, encoding="utf-8")
    proc = cli(str(f), "--format", "table")
    assert "status: partial" in proc.stdout
    assert "现行有效件数=//" in proc.stdout or "现行有效件数=/" in proc.stdout
    assert "legend" in proc.stdout


@pytest.mark.parametrize("args, code, text", [
    (["/no/such/file.html"], 3, "no such file"),
    (["--format", "json"], 2, "PATH"),
])
def test_bad_paths_are_clear_errors(args, code, text):
    proc = cli(*args)
    assert proc.returncode == code
    assert text in proc.stderr
    assert "Traceback" not in proc.stderr


def test_binary_and_empty_files_get_an_answer(tmp_path):
    (tmp_path / "x.html").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    (tmp_path / "e.txt").write_bytes(b"")
    proc = cli(str(tmp_path / "x.html"), str(tmp_path / "e.txt"), "--format", "json")
    out = json.loads(proc.stdout)
    assert [o["status"] for o in out] == ["failed", "failed"]
    assert "pdf" in out[0]["reasons"][0].lower()
    assert "empty" in out[1]["reasons"][0]
    assert proc.returncode == 7


def test_parse_url_through_the_fetcher_and_mirror():
    proc = cli("http://www.luding.gov.cn/ldxrmzf2024zfnbzf/article/633321", "--format", "json",
               "--mirror", str(ROOT / "fixtures" / "portals"))
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["status"] == "ok" and out["template"] == "gb2021" and out["year"] == 2024
    assert out["source"]["url"] == "http://www.luding.gov.cn/ldxrmzf2024zfnbzf/article/633321"
    assert len(out["values"]) == 200
