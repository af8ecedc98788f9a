"""One report page per variant documented in research/templates.md §5 and portals.md §3.

The pages live in fixtures/reports/ (written by fixtures/reports/make_fixtures.py; prose and
markup ours). Each ``NAME.truth.json`` holds the value every code must parse to, written from
the data that generated the page, so the parser is checked against what was printed, not
against its own earlier output. Each variant's own test then pins the status, flags and
reasons that variant must produce.
"""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import html as lxml_html

from ogi_scrape.parse import parse_path

pytestmark = pytest.mark.timeout(60)
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "reports"
PAGES = sorted(p for p in FIXTURES.iterdir() if p.suffix in (".html", ".txt"))
_CACHE: dict[str, object] = {}


def parsed(name: str):
    if name not in _CACHE:
        path = next(p for p in PAGES if p.stem == name)
        _CACHE[name] = parse_path(path)
    return _CACHE[name]


def truth(name: str) -> dict:
    data = json.loads((FIXTURES / f"{name}.truth.json").read_text(encoding="utf-8"))
    data["values"] = {c: Decimal(v) if isinstance(v, str) else v for c, v in data["values"].items()}
    return data


def values(name: str) -> dict:
    return {v.code: v for v in parsed(name).values}


def test_every_variant_has_a_page_and_a_truth_file():
    assert len(PAGES) >= 30
    for page in PAGES:
        assert (FIXTURES / f"{page.stem}.truth.json").exists(), page.name


# Variants whose pages print numbers the formats have no code for (or print a code twice).
EXTRA_CODES_ALLOWED = {"repeated-procurement-rows": {"s2.procurement.items", "s2.procurement.amount"}}
MONEY = {"s2.fee.amount", "s2.procurement.amount"}   # interfaces.md: the Python value is a Decimal


@pytest.mark.parametrize("name", [p.stem for p in PAGES])
def test_every_printed_value_is_read_exactly(name):
    want = truth(name)
    result = parsed(name)
    if want["template"]:
        assert result.template == want["template"], result.template_basis
        assert result.year == want["year"]
    got = values(name)
    for code, value in want["values"].items():
        assert code in got, f"{code} not read"
        assert got[code].value == value, f"{code}: {got[code].raw!r} read as {got[code].value!r}, printed {value!r}"
        if value is not None:
            # counts are int (never float); money is an exact Decimal even when printed "251000元"
            assert type(got[code].value) is (Decimal if code in MONEY else int), code
    for code, v in got.items():
        if code not in want["values"]:
            assert code in EXTRA_CODES_ALLOWED.get(name, set()) or v.value is None, \
                f"{code}={v.value!r} ({v.raw!r}) was never printed in that cell"


OK_PAGES = ["all-sections-one-table", "annotated-count", "fee-decimal", "fee-label-typo",
            "fee-with-unit", "header-split-br-p", "header-two-rows", "hubei-annotations",
            "hybrid-old-row-label", "label-punctuation-and-headings", "lost-header-line",
            "luding-layout-table", "metadata-table-above", "missing-natural-person-header",
            "narrative-before-s4-table", "not-applicable-cells", "old-format-2021",
            "procurement-yuan-and-signed-changes", "s3-blank-total-column",
            "s3-split-table-repeated-header", "s4-vertical-header", "th-thead-tables",
            "total-column-moved", "traditional-mirror"]


@pytest.mark.parametrize("name", OK_PAGES)
def test_variants_a_careful_reader_reads_completely_are_ok(name):
    result = parsed(name)
    assert result.status == "ok", result.reasons
    assert result.tables == {"s2": True, "s3": True, "s4": True}
    assert not any(c["outcome"] == "fail" for c in result.checks)


# ----------------------------------------------------------------------------- labels
def test_hubei_annotations_are_stripped_for_matching_and_minus_eight_is_read():
    got = values("hubei-annotations")
    assert got["s2.punishment.change"].value == -8 and got["s2.punishment.change"].raw == "-8"
    assert parsed("hubei-annotations").template == "gb2019"


def test_traditional_mirror_with_over_conversions():
    page = (FIXTURES / "traditional-mirror.html").read_text(encoding="utf-8")
    assert "本年制發件數" in page and "規範性檔案" in page and "行政強製" in page
    got = values("traditional-mirror")
    assert {"s2.normative_doc.issued", "s2.coercion.decisions"} <= set(got)


def test_old_format_in_a_2021_report_is_detected_from_headers_not_year():
    result = parsed("old-format-2021")
    assert result.year == 2021 and result.template == "gb2019"
    fy = next(c for c in result.checks if c["rule"] == "format_year")
    assert fy["outcome"] == "pass"
    assert "s2.procurement.amount" in values("old-format-2021")


def test_hybrid_gb2021_headers_with_the_old_row_label():
    result = parsed("hybrid-old-row-label")
    assert result.template == "gb2021"
    assert {"s2.normative_doc.issued", "s2.normative_doc.repealed", "s2.normative_doc.in_force"} <= set(values(
        "hybrid-old-row-label"))


def test_section_heading_and_label_deviations():
    result = parsed("label-punctuation-and-headings")
    html = (FIXTURES / "label-punctuation-and-headings.html").read_text(encoding="utf-8")
    cells = [" ".join(td.text_content().split()) for td in lxml_html.fromstring(html).iter("td", "p")]
    for variant in ("第二十条 第(一)项", "现行有效件", '3.危及"三安全一稳定"', "只计这一情况",
                    "二、主动公开政府政府情况", "四、因政府信息公开工作被申请行政复议提起行政诉讼情况",
                    "1.申请人无正当理由逾期不补正，行政机关不再处理其政府信息公开申请"):
        assert any(variant in c for c in cells), variant
    assert "现行有效件数" not in html
    assert result.status == "ok"


@pytest.mark.parametrize("name, code", [("traditional-mirror", "s2.fee.amount"),
                                        ("procurement-yuan-and-signed-changes", "s2.procurement.amount")])
def test_money_is_a_decimal_even_when_printed_without_a_point(name, code):
    assert isinstance(values(name)[code].value, Decimal)


# ----------------------------------------------------------------------------- cells
@pytest.mark.parametrize("code, raw", [("s2.regulation.issued", "/"), ("s2.regulation.repealed", "/"),
                                       ("s2.coercion.decisions", "-"), ("s2.fee.amount", "无"),
                                       ("s2.licensing.decisions", "—")])
def test_dash_slash_and_wu_are_not_applicable_never_zero(code, raw):
    v = values("not-applicable-cells")[code]
    assert v.value is None and v.raw == raw and v.flags == ["not_applicable"]


def test_fee_decimal_in_wanyuan():
    v = values("fee-decimal")["s2.fee.amount"]
    assert v.value == Decimal("20.3") and isinstance(v.value, Decimal) and v.unit == "万元"
    assert v.to_dict()["value_text"] == "20.3"


def test_fee_with_its_unit_printed():
    v = values("fee-with-unit")["s2.fee.amount"]
    assert v.value == Decimal("0.5") and v.raw == "0.5万元" and v.unit == "万元"
    assert "unit_conflict" not in v.flags


def test_procurement_in_yuan_and_signed_changes():
    got = values("procurement-yuan-and-signed-changes")
    assert (got["s2.procurement.amount"].value, got["s2.procurement.amount"].unit) == (251000, "元")
    assert got["s2.licensing.change"].value == 173 and got["s2.licensing.change"].raw == "+173"
    assert got["s2.other_service.change"].value == -4 and got["s2.other_service.change"].raw == "减4"
    assert got["s2.fee.change"].value == 0


def test_annotated_count_keeps_its_note():
    v = values("annotated-count")["s2.normative_doc.issued"]
    assert v.value == 22 and "annotated" in v.flags and "其中修订16件" in (v.note or "")


def test_blank_total_column_stays_blank_and_checks_are_not_failed():
    result = parsed("s3-blank-total-column")
    got = values("s3-blank-total-column")
    assert got["s3.granted.total"].value is None and got["s3.granted.total"].flags == ["blank"]
    assert got["s3.total.total"].value is not None
    col = [c for c in result.checks if c["rule"] == "s3.column_total" and c["instance"] == "granted"]
    assert col and col[0]["outcome"] == "not_assessable"


# ----------------------------------------------------------------------------- structure
def test_split_table_with_repeated_header_reads_both_halves():
    got = values("s3-split-table-repeated-header")
    assert "s3.granted.total" in got and "s3.unable.not_held.total" in got and "s3.carried_forward.total" in got


def test_layout_table_body_is_walked_through():
    result = parsed("luding-layout-table")
    assert "contentBox" in result.source["body"]


def test_metadata_table_is_not_read_as_table_two():
    result = parsed("metadata-table-above")
    assert all(v.provenance.get("table", 1) >= 1 for v in result.values)   # table 0 = metadata
    assert result.status == "ok"


def test_regional_extra_row_is_recognised_reported_and_never_mapped():
    """Hubei's extra （一） row (templates.md §5.5) is a known regional row (common.toml
    ``s2.extra_rows``): its values are left out with a note, no template row gets them, and
    the report is ok when everything else is."""
    result = parsed("regional-extra-rows")
    assert result.status == "ok", result.reasons
    assert not result.unreadable
    note = next(n for n in result.notes if "其他主动公开文件" in n)
    assert "'15', '15', '40'" in note and "left out" in note
    got = values("regional-extra-rows")
    assert [got[f"s2.normative_doc.{c}"].value for c in ("made", "published", "total")] == [0, 0, 8]


def test_repeated_procurement_rows_are_a_conflict_and_names_are_text():
    result = parsed("repeated-procurement-rows")
    got = values("repeated-procurement-rows")
    assert result.status == "partial"
    assert got["s2.procurement.items"].value is None and "text_in_numeric" in got["s2.procurement.items"].flags
    assert "conflict" in got["s2.procurement.amount"].flags
    assert got["s2.procurement.amount"].value is None       # which purchase's sum? none taken
    assert any("printed twice" in r for r in result.reasons)
    assert any("s2.procurement.amount: printed twice" in n and "no value taken" in n for n in result.notes)


def test_three_column_section_three_is_read_under_its_headers_and_nothing_else():
    result = parsed("s3-three-columns-only")
    assert result.status == "partial"
    s3_columns = {v.column for v in result.values if v.section == "s3"}
    assert s3_columns == {"natural_person", "commercial", "total"}   # no blank for unprinted columns
    assert any("prints only" in n for n in result.notes)
    assert any("cells not read" in r for r in result.reasons)


def test_text_rendering_with_collapsed_cells_refuses_those_rows():
    result = parsed("text-collapsed-empty-cells")
    assert result.status == "partial"
    assert sum("positions ambiguous" in u["reason"] for u in result.unreadable) == 3


def test_label_only_table_gives_blanks_never_zeros():
    result = parsed("label-only-table")
    assert result.status == "partial"      # read, but no number: 0 or not filled in?
    assert any("no cell holds a number" in r for r in result.reasons)
    assert result.values and all(v.value is None and v.flags == ["blank"] for v in result.values)
    assert {v.section for v in result.values} >= {"s2", "s3"}


def test_label_only_section_four_is_fifteen_blanks():
    got = values("label-only-table")
    s4 = [v for v in got.values() if v.section == "s4"]
    assert len(s4) == 15 and all(v.flags == ["blank"] for v in s4)


# ----------------------------------------------------------------------------- source anomalies
@pytest.mark.parametrize("name, failed", [
    ("source-anomaly-column-total", {("s3.column_total", "granted"), ("s3.outcomes_total", "legal_service")}),
    ("source-anomaly-balance", {("s3.balance", "natural_person"), ("s3.balance", "total")}),
])
def test_an_inconsistent_report_is_kept_as_printed_and_blamed_on_the_source(name, failed):
    """Templates.md §6 regression cases (R21, C4): never 'corrected', never ok."""
    result = parsed(name)
    assert result.status == "partial"
    got = {(c["rule"], c.get("instance")) for c in result.checks if c["outcome"] == "fail"}
    assert got == failed
    assert all(c["attribution"] == "source" for c in result.checks if c["outcome"] == "fail")
    assert any("source table inconsistent" in r for r in result.reasons)


# ----------------------------------------------------------------------------- no tables
def test_tables_as_images_fail_with_a_reason():
    result = parsed("tables-as-images")
    assert result.status == "failed" and result.values == []
    assert any("no standard table" in r for r in result.reasons)
    assert any("s4" in r for r in result.reasons)   # the headings were seen, the tables were not


def test_free_form_2018_report_is_unknown_and_failed():
    result = parsed("free-form-2018")
    assert (result.template, result.status, result.year) == ("unknown", "failed", 2018)
    assert any("pre-2019" in r for r in result.reasons)


def test_news_article_is_not_a_report():
    result = parsed("news-article")
    assert (result.template, result.status) == ("unknown", "failed")
    assert any("not an annual report" in r for r in result.reasons)


def test_cli_parses_the_whole_folder():
    proc = subprocess.run([sys.executable, "-m", "ogi_scrape", "parse", str(FIXTURES), "--format", "jsonl"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 7 and "Traceback" not in proc.stderr   # some pages are failed by design
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(rows) == len(PAGES)
    status = {Path(r["source"]["name"]).stem: r["status"] for r in rows}
    assert all(status[n] == "ok" for n in OK_PAGES)
    assert status["news-article"] == "failed"
