"""The nightly crawl through its public interface (`ogi-scrape crawl` / `reparse`) over the
replica portals on 127.0.0.1, plus focused unit tests of its rules (years, selection, state).

Speed: the bundled registry entries are overridden (same code + host) with a zero per-host
delay, the way a user points the crawl at their own registry file; politeness itself is
tested in the fetcher's tests.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ogi_scrape.cli import main
from ogi_scrape.crawl.engine import select
from ogi_scrape.crawl.scope import parse_years
from ogi_scrape.crawl.state import StateStore
from ogi_scrape.dataset import Dataset
from ogi_scrape.errors import UsageError
from ogi_scrape.sources.candidates import Candidate

ROOT = Path(__file__).resolve().parents[1]
PORTALS = ROOT / "fixtures" / "portals"
BUNDLED = ROOT / "ogi_scrape" / "sources" / "registry"
SMALL = ["--years", "2024", "--only", "140923-daixian", "513322-luding"]
VOLATILE = {"fetched_at", "archive_ref", "version", "record_sha256"}


def fast_registry(folder: Path) -> Path:
    """The bundled entries with no per-host delay, as a user registry folder overriding them."""
    folder.mkdir(parents=True, exist_ok=True)
    for f in BUNDLED.glob("*.toml"):
        text = re.sub(r"(?m)^delay = .*$", "delay = 0.0", f.read_text("utf-8"))
        (folder / f.name).write_text(text, "utf-8")
    return folder


@pytest.fixture(scope="module")
def registry(tmp_path_factory) -> Path:
    return fast_registry(tmp_path_factory.mktemp("registry"))


def crawl(out: Path, registry: Path, *extra, mirror: Path = PORTALS) -> int:
    return main(["crawl", "--mirror", str(mirror), "--registry", str(registry), "--out", str(out),
                 *extra])


def manifest(out: Path) -> dict:
    return json.loads((out / "crawl-runs" / "latest.json").read_text("utf-8"))


def table_rows(out: Path, table: str) -> list[tuple]:
    """A table's content without what legitimately differs between runs (fetch time, archive
    pointer), sorted: 'the same dataset' in the sense of same rows, same content."""
    t = Dataset(out).read(table)
    cols = sorted(c for c in t.column_names if c not in VOLATILE)
    return sorted(tuple(repr(r[c]) for c in cols) for r in t.select(cols).to_pylist())


def archive_statuses(out: Path) -> list[tuple[str, int]]:
    lines = (out / "archive" / "index.jsonl").read_text("utf-8").splitlines()
    return [(json.loads(l)["uri"], json.loads(l)["status"]) for l in lines]


# ---------------------------------------------------------------------------- unit: scope


def test_years_ranges_lists_and_since():
    today = date(2026, 6, 1)
    assert parse_years("2019-2021", None, today=today) == [2019, 2020, 2021]
    assert parse_years("2021,2023", None, today=today) == [2021, 2023]
    assert parse_years(None, 2023, today=today) == [2023, 2024, 2025]
    assert parse_years(None, None, today=today) == [2023, 2024, 2025]


@pytest.mark.parametrize("years, since, words", [
    ("2025-2019", None, "backwards"), ("20x4", None, "not a year"), ("2001-2003", None, "2008"),
    ("2024", 2023, "not both"), (None, 1999, "no annual reports")])
def test_bad_years_are_usage_errors_that_say_what_to_write(years, since, words):
    with pytest.raises(UsageError) as err:
        parse_years(years, since, today=date(2026, 6, 1))
    assert words in err.value.message + (err.value.hint or "")


def _cand(title, url, published=None):
    c = Candidate.from_listing(url, title, published=published)
    assert c is not None
    return c


def test_select_keeps_one_report_per_body_and_year_in_scope():
    cands = [
        _cand("代县人民政府2024年政府信息公开工作年度报告", "http://x/a.html", "2025-03-01"),
        _cand("图解：代县人民政府2024年政府信息公开工作年度报告", "http://x/b.html", "2025-03-02"),
        _cand("代县人民政府2024年政府信息公开工作年度报告", "http://x/c.html", "2025-01-01"),
        _cand("代县财政局2024年政府信息公开工作年度报告", "http://x/d.html"),
        _cand("代县人民政府2022年政府信息公开工作年度报告", "http://x/e.html"),
    ]
    chosen, skipped = select(cands, [2023, 2024], "代县")
    assert sorted(c.url for c in chosen) == ["http://x/a.html", "http://x/d.html"]
    assert {c.url for c in skipped} == {"http://x/b.html", "http://x/c.html", "http://x/e.html"}


# ---------------------------------------------------------------------------- end to end


def test_second_crawl_is_conditional_parses_nothing_and_leaves_the_dataset_alone(tmp_path, registry, capsys):
    out = tmp_path / "data"
    assert crawl(out, registry, *SMALL) == 0
    first = manifest(out)
    printed = capsys.readouterr().out
    assert printed.startswith("plan") and "summary" in printed
    assert first["reports"]["new"] > 20 and first["reports"]["unchanged"] == 0
    snapshot = Dataset(out).snapshot().id
    rows = {t: table_rows(out, t) for t in ("reports", "values", "checks")}
    n_archived = len(archive_statuses(out))

    assert crawl(out, registry, *SMALL) == 0
    second = manifest(out)
    assert second["run_id"] != first["run_id"]
    assert second["reports"]["unchanged"] == first["reports"]["new"]
    assert second["reports"]["new"] == second["reports"]["changed"] == second["reports"]["updated"] == 0
    assert second["parse"] == {}, "nothing unchanged may be re-parsed"
    # conditional requests: the static TRS pages answered 304 the second time (archive log)
    again = archive_statuses(out)[n_archived:]
    daixian_reports = [s for u, s in again if "daixian.gov.cn/dxzw/zwgk/xxgknb/2025" in u]
    assert daixian_reports and set(daixian_reports) == {304}
    assert second["requests"]["not_modified"] >= len(daixian_reports)
    assert Dataset(out).snapshot().id == snapshot, "an unchanged crawl must not publish"
    assert {t: table_rows(out, t) for t in rows} == rows


def test_a_changed_page_becomes_a_new_version_and_a_delisted_report_a_drift_warning(tmp_path, registry):
    sites = tmp_path / "portals"
    shutil.copytree(PORTALS / "daixian.gov.cn", sites / "daixian.gov.cn")
    out = tmp_path / "data"
    args = ["--years", "2024", "--only", "140923-daixian"]
    assert crawl(out, registry, *args, mirror=sites) == 0
    assert manifest(out)["reports"]["new"] == 6
    column = sites / "daixian.gov.cn" / "dxzw" / "zwgk" / "xxgknb"
    page = column / "202501" / "t20250115_4053391.html"         # 代县财政局 2024
    html = page.read_text("utf-8")
    assert "代县财政局" in html
    page.write_text(html.replace("</body>", "<p>更正说明</p></body>"), "utf-8")
    # the portal stops listing the 阳明堡镇 report
    index = column / "index.html"
    listing = index.read_text("utf-8")
    gone = [l for l in listing.splitlines() if "t20250116_4054233" in l]
    assert gone
    index.write_text("\n".join(l for l in listing.splitlines() if "t20250116_4054233" not in l), "utf-8")

    assert crawl(out, registry, *args, mirror=sites) == 0
    m = manifest(out)
    assert m["reports"]["changed"] == 1 and m["reports"]["unchanged"] == 4
    assert m["parse"] == {"ok": 1}
    assert any("阳明堡镇" in w and "2024" in w and "no longer lists" in w for w in m["drift"])
    versions = Dataset(out).read("report_versions").to_pylist()
    changed = [v for v in versions if v["url"].endswith("t20250115_4053391.html")]
    assert sorted(v["version"] for v in changed) == [1, 2]


def test_blocked_portals_push_the_run_over_the_failure_threshold(tmp_path, registry, capsys):
    out = tmp_path / "data"
    code = crawl(out, registry, "--years", "2024", "--only", "330424-haiyan", "140923-daixian",
                 "--max-failure-rate", "0.1")
    assert code == 8
    m = manifest(out)
    assert m["sources"]["blocked"] == 1 and m["reports"]["new"] == 6
    assert m["top_errors"][0]["host"] == "www.haiyan.gov.cn"
    assert "412" in m["top_errors"][0]["error"]
    text = capsys.readouterr().out
    assert "www.haiyan.gov.cn" in text and "threshold 10%" in text


def test_logs_are_json_lines_when_not_on_a_terminal(tmp_path, registry, capsys):
    out = tmp_path / "data"
    assert crawl(out, registry, "--years", "2024", "--only", "140923-daixian") == 0
    err = capsys.readouterr().err.strip().splitlines()
    events = [json.loads(line) for line in err]
    kinds = [e["event"] for e in events]
    assert kinds[0] == "run_start" and kinds[-1] == "run_done" and "source_done" in kinds
    run_id = manifest(out)["run_id"]
    logged = (out / "crawl-runs" / f"{run_id}.jsonl").read_text("utf-8").splitlines()
    assert [json.loads(l)["event"] for l in logged] == kinds


def test_a_second_crawl_on_the_same_state_is_refused(tmp_path, registry, capsys):
    out = tmp_path / "data"
    with StateStore(out / "crawl-state.sqlite"):
        code = crawl(out, registry, "--years", "2024", "--only", "140923-daixian")
    assert code == 2
    err = capsys.readouterr().err
    assert "another crawl is using this state" in err and "Traceback" not in err


@pytest.mark.parametrize("argv, words", [
    (["--years", "2031"], "--years 2031"),
    (["--only", "no-such-source"], "unknown source"),
    (["--workers", "0"], "--workers 0"),
    (["--max-failure-rate", "3"], "--max-failure-rate 3"),
])
def test_bad_input_is_a_clear_error_without_traceback(tmp_path, registry, capsys, argv, words):
    code = crawl(tmp_path / "data", registry, *argv)
    err = capsys.readouterr().err
    assert code in (2, 3) and words in err and "Traceback" not in err


def test_dry_run_lists_what_it_would_fetch_and_writes_nothing(tmp_path, registry, capsys):
    out = tmp_path / "data"
    assert crawl(out, registry, "--dry-run", "--years", "2024", "--only", "140923-daixian") == 0
    text = capsys.readouterr().out
    assert "would fetch" in text and "140923-daixian: 6 report(s)" in text
    assert not (out / "crawl-state.sqlite").exists() and Dataset(out).snapshot() is None


def test_state_records_validators_hashes_and_the_frontier(tmp_path, registry):
    out = tmp_path / "data"
    assert crawl(out, registry, "--years", "2024", "--only", "140923-daixian") == 0
    db = sqlite3.connect(out / "crawl-state.sqlite")
    reports = db.execute("SELECT url, etag, sha256, archive_ref, parse_status, report_key FROM urls "
                         "WHERE role='report'").fetchall()
    assert len(reports) == 6
    assert all(etag and len(sha) == 64 and ref.startswith("archive/") and key for _, etag, sha, ref, _, key in reports)
    keys = set(Dataset(out).read("reports")["report_key"].to_pylist())
    assert {r[5] for r in reports} == keys
    assert db.execute("SELECT status FROM runs").fetchall() == [("finished",)]
    assert db.execute("SELECT status, COUNT(*) FROM frontier GROUP BY status").fetchall() == [("done", 1)]


def test_reparse_reads_the_archive_only_and_updates_nothing_when_the_parser_is_the_same(tmp_path, registry, capsys):
    out = tmp_path / "data"
    assert crawl(out, registry, *SMALL) == 0
    rows = table_rows(out, "values")
    snapshot = Dataset(out).snapshot().id
    capsys.readouterr()
    assert main(["reparse", "--out", str(out)]) == 0          # no --mirror: no network at all
    text = capsys.readouterr().out
    n = manifest(out)["reports"]["new"]
    assert f"{n} read back, 0 updated, {n} unchanged" in text
    assert Dataset(out).snapshot().id == snapshot and table_rows(out, "values") == rows


def test_reparse_after_a_parser_upgrade_updates_rows_in_place(tmp_path, registry, capsys, monkeypatch):
    out = tmp_path / "data"
    assert crawl(out, registry, "--years", "2024", "--only", "140923-daixian") == 0
    import ogi_scrape.parse as parse_pkg

    real = parse_pkg.parse_bytes

    def upgraded(*a, **kw):            # a "new parser": same tables, new version string
        result = real(*a, **kw)
        result.parser_version = "9.9.9-test"
        return result

    monkeypatch.setattr(parse_pkg, "parse_bytes", upgraded)
    capsys.readouterr()
    assert main(["reparse", "--out", str(out)]) == 0
    assert "6 read back, 6 updated, 0 unchanged" in capsys.readouterr().out
    reports = Dataset(out).read("reports").to_pylist()
    assert {r["parser_version"] for r in reports} == {"9.9.9-test"}
    assert {r["version"] for r in reports} == {1}            # the pages did not change


def test_reparse_names_reports_whose_archive_is_gone(tmp_path, registry, capsys):
    out = tmp_path / "data"
    assert crawl(out, registry, "--years", "2024", "--only", "140923-daixian") == 0
    for warc in (out / "archive").glob("*.warc.gz"):
        warc.unlink()
    capsys.readouterr()
    assert main(["reparse", "--out", str(out)]) == 5
    captured = capsys.readouterr()
    assert "missing:" in captured.out and "re-crawl" in captured.err
    assert main(["reparse", "--out", str(tmp_path / "nothing")]) == 3


def test_pdf_only_report_is_read_from_its_pdf(tmp_path, registry):
    """代县交通运输局's 2021 page links only a PDF (ruled tables, section 三 broken over a
    page, white decoy digits): the crawl reads the PDF, and every value is the printed one."""
    out = tmp_path / "data"
    assert crawl(out, registry, "--years", "2021", "--only", "140923-daixian") == 0
    pdf = "http://daixian.gov.cn/dxzw/zwgk/xxgknb/202202/P020220214391846125071.pdf"
    reports = [r for r in Dataset(out).read("reports").to_pylist() if r["url"] == pdf]
    assert [(r["body_name"], r["year"], r["status"], r["format"]) for r in reports] == [
        ("代县交通运输局", 2021, "ok", "gb2021")]
    truth = json.loads((PORTALS / "daixian.gov.cn" / "_source" / "report_2021_transport_values.json")
                       .read_text("utf-8"))
    values = Dataset(out).read("values", report_key=reports[0]["report_key"]).to_pylist()
    read = {v["code"]: v["raw"] if v["value"] is None else str(v["amount"] if v["amount"] is not None
                                                               else v["value"]) for v in values}
    assert len(values) == len(truth)
    for code, want in truth.items():
        if want is None:
            assert read[code] == "", code
        else:
            assert Decimal(read[code]) == Decimal(want), code
    db = sqlite3.connect(out / "crawl-state.sqlite")
    assert dict(db.execute("SELECT url, role FROM urls").fetchall())[pdf] == "attachment"


def test_attachment_only_report_is_read_from_its_word_file(tmp_path, registry):
    """代县's 2021 report is a page that only links a PDF and a .docx: the crawl reads the
    Word file, counts the report as ok and points the row at the file the values came from."""
    out = tmp_path / "data"
    assert crawl(out, registry, "--years", "2021", "--only", "140923-daixian") == 0
    docx = "http://daixian.gov.cn/dxzw/zwgk/xxgknb/202203/P020220325562418377453.docx"
    reports = Dataset(out).read("reports").to_pylist()
    government = [r for r in reports if r["body_kind"] == "government" and r["year"] == 2021]
    assert [(r["url"], r["status"]) for r in government] == [(docx, "ok")]
    assert manifest(out)["parse"].get("failed", 0) == 0
    db = sqlite3.connect(out / "crawl-state.sqlite")
    roles = dict(db.execute("SELECT url, role FROM urls").fetchall())
    assert roles[docx] == "attachment"
