"""`ogi-scrape scrape` end to end, over real HTTP against the replica portals.

The registry is overridden with tiny per-host delays (a user registry file with the same id
replaces the bundled one), so the suite stays fast while exercising the live code path.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "ogi_scrape" / "sources" / "registry"
MIRROR = ROOT / "fixtures" / "portals"
SEED_GOLD = ROOT.parent / "shared" / "corpus" / "seed" / "luding-2024.gold.json"


@pytest.fixture(scope="module")
def fast_registry(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("registry")
    for f in BUNDLED.glob("*.toml"):
        text = re.sub(r"(?m)^delay\s*=.*$", "delay = 0.02", f.read_text(encoding="utf-8"))
        (folder / f.name).write_text(text, encoding="utf-8")
    return folder


def scrape(*args: str, out: Path, registry: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "ogi_scrape", "scrape", *args, "--mirror", str(MIRROR),
           "--out", str(out), "--registry", str(registry)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT)


@pytest.fixture(scope="module")
def luding_2024(tmp_path_factory, fast_registry):
    out = tmp_path_factory.mktemp("data")
    proc = scrape("--county", "泸定", "--year", "2024", out=out, registry=fast_registry)
    return out, proc


def test_luding_2024_is_found_parsed_and_written(luding_2024):
    out, proc = luding_2024
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "513322 泸定县" in proc.stdout                      # the plan names the division
    assert "http://www.luding.gov.cn/ldxrmzf2024zfnbzf/article/633321" in proc.stdout
    assert "status:   ok" in proc.stdout
    values = pd.read_parquet(out / "values")
    reports = pd.read_parquet(out / "reports")
    assert len(reports) == 1
    report = reports.iloc[0]
    assert report["url"] == "http://www.luding.gov.cn/ldxrmzf2024zfnbzf/article/633321"  # logical URL, not 127.0.0.1
    assert str(report["division_code"]) == "513322"
    got = {str(c): (a if a is not None and a == a else v)
           for c, v, a in zip(values["code"], values["value"], values["amount"])}
    # Figures of the real report, reproduced by the replica page.
    assert got["s2.licensing.decisions"] == 15889
    assert got["s3.new.total"] == 34
    assert float(got["s2.fee.amount"]) == pytest.approx(204.92)
    assert got["s4.litigation_after.corrected"] == 1


@pytest.mark.skipif(not SEED_GOLD.exists(), reason="../shared/corpus not present")
def test_dataset_holds_every_seed_value(luding_2024):
    out, proc = luding_2024
    gold = json.loads(SEED_GOLD.read_text(encoding="utf-8"))["values"]
    values = pd.read_parquet(out / "values")
    got = {str(c): (a if a is not None and a == a else v)
           for c, v, a in zip(values["code"], values["value"], values["amount"])}
    wrong = {code: (got.get(code), want) for code, want in gold.items()
             if code not in got or float(got[code]) != float(want)}
    assert not wrong


def test_archive_record_holds_the_parsed_bytes(luding_2024):
    from ogi_scrape.fetch import read_record
    from ogi_scrape.parse import parse_bytes

    out, _ = luding_2024
    report = pd.read_parquet(out / "reports").iloc[0]
    path, offset = str(report["archive_ref"]).rsplit("#", 1)
    headers, body = read_record(type("Ref", (), {"path": str(out / path), "offset": int(offset)})())
    result = parse_bytes(body, name="archived")
    assert result.status == "ok"
    assert result.value_map()["s2.licensing.decisions"] == 15889


def test_report_page_is_requested_once(luding_2024):
    """Discovery reads the report page as evidence; the scrape must not ask for it again."""
    out, _ = luding_2024
    index = (out / "archive" / "index.jsonl").read_text(encoding="utf-8").splitlines()
    uris = [json.loads(line)["uri"] for line in index]
    assert uris.count("http://www.luding.gov.cn/ldxrmzf2024zfnbzf/article/633321") == 1


def test_second_identical_run_leaves_dataset_identical(tmp_path, fast_registry):
    out = tmp_path / "data"
    first = scrape("--county", "513322", "--year", "2024", out=out, registry=fast_registry)
    assert first.returncode == 0, first.stdout + first.stderr
    snap1 = {t: pd.read_parquet(out / t).sort_index(axis=1) for t in ("reports", "values", "checks")}
    second = scrape("--county", "四川/甘孜/泸定", "--year", "2024", out=out, registry=fast_registry)
    assert second.returncode == 0, second.stdout + second.stderr
    for table, before in snap1.items():
        after = pd.read_parquet(out / table).sort_index(axis=1)
        pd.testing.assert_frame_equal(before.reset_index(drop=True), after.reset_index(drop=True))


def test_year_not_published_is_not_found(tmp_path, fast_registry):
    proc = scrape("--county", "泸定", "--year", "2025", out=tmp_path, registry=fast_registry)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert "no government report" in proc.stdout and "2025" in proc.stdout
    assert "searched" in proc.stdout


def test_department_report_by_org(tmp_path, fast_registry):
    proc = scrape("--county", "泸定", "--year", "2024", "--kind", "department", "--org", "教育局",
                  out=tmp_path, registry=fast_registry)
    assert "泸定县教育局" in proc.stdout, proc.stdout + proc.stderr
    assert proc.returncode in (0, 6), proc.stdout + proc.stderr


def test_blocked_portal_exits_4(tmp_path, fast_registry):
    proc = scrape("--county", "海盐", "--year", "2024", out=tmp_path, registry=fast_registry)
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert "blocked" in proc.stdout and "ruishu" in proc.stdout
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("args, code, words", [
    (["--county", "朝阳", "--year", "2024"], 2, ["matches", "110105", "朝阳区", "220104"]),
    (["--county", "泸顶", "--year", "2024"], 3, ["泸定"]),
    (["--county", "泸定", "--year", "1999"], 2, ["1999", "between"]),
    (["--county", "泸定", "--year", "2024", "--url", "ftp://x"], 2, ["http"]),
])
def test_bad_input_is_a_clear_error(tmp_path, fast_registry, args, code, words):
    proc = scrape(*args, out=tmp_path, registry=fast_registry)
    assert proc.returncode == code, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    text = proc.stdout + proc.stderr
    for w in words:
        assert w in text


def test_unreachable_host_is_a_fetch_failure(tmp_path, fast_registry):
    proc = scrape("--county", "泸定", "--year", "2024", "--url", "http://www.nosuchhost.gov.cn/a.html",
                  out=tmp_path, registry=fast_registry)
    assert proc.returncode == 5, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert "nosuchhost" in proc.stdout


def test_non_report_url_is_a_parse_failure(tmp_path, fast_registry):
    proc = scrape("--county", "泸定", "--year", "2024", "--url", "http://www.luding.gov.cn/",
                  out=tmp_path, registry=fast_registry)
    assert proc.returncode == 7, proc.stdout + proc.stderr
    assert "failed" in proc.stdout
    assert "Traceback" not in proc.stderr


DAIXIAN_DOCX = "http://daixian.gov.cn/dxzw/zwgk/xxgknb/202203/P020220325562418377453.docx"
DAIXIAN_2021_TRUTH = ROOT / "fixtures" / "portals" / "daixian.gov.cn" / "_source" / "report_2021_values.json"


def test_report_published_only_as_attachments_is_read_from_its_word_file(tmp_path, fast_registry):
    """代县's 2021 page says 详见附件 and links a PDF and a .docx: the values come from the
    Word file, and the dataset row points at it (URL, hash, archived response)."""
    proc = scrape("--county", "代县", "--year", "2021", out=tmp_path, registry=fast_registry)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "status:   ok" in proc.stdout
    assert f"read the report from its Word attachment {DAIXIAN_DOCX}" in proc.stdout
    reports = pd.read_parquet(tmp_path / "reports")
    assert list(reports["url"]) == [DAIXIAN_DOCX]
    values = pd.read_parquet(tmp_path / "values")
    truth = json.loads(DAIXIAN_2021_TRUTH.read_text("utf-8"))
    got = {str(c): (a if a is not None and a == a else v)
           for c, v, a in zip(values["code"], values["value"], values["amount"])}
    assert set(got) == set(truth)
    for code, want in truth.items():
        have = got[code]
        assert (have is None or have != have) if want is None else float(have) == float(want), code
