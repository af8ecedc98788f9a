"""PDF reports: ruled tables read exactly from their geometry (merged boxes become spans,
empty boxes blanks), invisible text dropped, tables broken over pages joined, and what
cannot be read exactly (scans, unruled tables, encrypted or damaged files) refused with a
clear reason, never guessed."""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
from decimal import Decimal

import pdfgen as PG
import pytest
import reportgen as G
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from reportlab.lib import pdfencrypt
from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

from ogi_scrape.parse import parse_bytes
from ogi_scrape.parse.pdf import PdfError, pdf_to_html


def _wrong(report: G.Report, result) -> list[tuple]:
    """Cells whose value differs from the report's truth (a blank must read as no value)."""
    got = {v.code: v for v in result.values}
    wrong = []
    for code in G.value_codes(report):
        truth, v = report.values.get(code), got.get(code)
        if v is None:
            wrong.append((code, "missing"))
        elif truth is None:
            if v.value is not None:
                wrong.append((code, v.raw, v.value))
        elif v.value is None or Decimal(str(v.value)) != Decimal(str(truth)):
            wrong.append((code, v.raw, v.value, truth))
    return wrong


def _grid(page: bytes, index: int = 0) -> list[list[tuple[str, int, int]]]:
    root = etree.fromstring(page, etree.HTMLParser())
    table = root.findall(".//table")[index]
    return [[("".join(td.itertext()).strip(), int(td.get("colspan", 1)), int(td.get("rowspan", 1)))
             for td in tr.findall("td")] for tr in table.findall("tr")]


def _pdf(flowables, **kw) -> bytes:
    buf = io.BytesIO()
    SimpleDocTemplate(buf, invariant=1, **kw).build(flowables)
    return buf.getvalue()


@pytest.mark.parametrize("seed", range(4))
def test_a_ruled_report_reads_every_value_exactly(seed):
    report = G.make_report(random.Random(seed), template=("gb2019", "gb2021")[seed % 2])
    result = parse_bytes(PG.render_pdf(report), name=f"nb{seed}.pdf")
    assert result.status == "ok", result.reasons
    assert result.template == report.template and result.year == report.year
    assert _wrong(report, result) == []
    source = result.to_dict()["source"]
    assert source["converted_from"] == "pdf"
    prov = [v.provenance for v in result.values]
    assert all(p.get("line") is None and p.get("table") is not None for p in prov)   # no HTML line


def test_the_cli_parses_a_pdf_file_and_a_folder_holding_one(tmp_path):
    report = G.make_report(random.Random(11), template="gb2021")
    (tmp_path / "nb.pdf").write_bytes(PG.render_pdf(report))
    run = subprocess.run([sys.executable, "-m", "ogi_scrape", "parse", str(tmp_path), "--format", "json"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["status"] == "ok" and out["template"] == "gb2021"
    values = {v["code"]: v["value"] for v in out["values"]}
    assert values["s3.total.total"] == report.values["s3.total.total"]


def test_merged_boxes_become_spans_and_empty_boxes_empty_cells():
    rows = [["a", "b", "", ""], ["", "c", "d", ""], ["e", "", "f", "g"]]
    style = TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "black"), ("SPAN", (1, 0), (3, 0)),
                        ("SPAN", (0, 0), (0, 1)), ("SPAN", (2, 1), (3, 1))])
    page = pdf_to_html(_pdf([Table(rows, style=style)]))
    assert _grid(page) == [[("a", 1, 2), ("b", 3, 1)], [("c", 1, 1), ("d", 2, 1)],
                           [("e", 1, 1), ("", 1, 1), ("f", 1, 1), ("g", 1, 1)]]


def test_blank_cells_are_blanks_not_zeros():
    rnd = random.Random(5)
    report = G.make_report(rnd, template="gb2021")
    codes = ["s3.granted.natural_person", "s2.licensing.decisions", "s4.reconsideration.upheld"]
    G.blank_out(report, codes)
    result = parse_bytes(PG.render_pdf(report), name="blank.pdf")
    got = {v.code: v for v in result.values}
    for code in codes:
        assert got[code].value is None and got[code].raw == ""
    assert result.status != "ok" or _wrong(report, result) == []


def test_white_decoy_digits_are_not_read():
    report = G.make_report(random.Random(7), template="gb2019")
    result = parse_bytes(PG.render_pdf(report, PG.Quirks(white_decoys=True)), name="decoy.pdf")
    assert result.status == "ok", result.reasons
    assert _wrong(report, result) == []


@pytest.mark.parametrize("at", [4, 9, 15])
def test_section_3_broken_over_two_pages_is_read_whole(at):
    report = G.make_report(random.Random(at), template="gb2021")
    data = PG.render_pdf(report, PG.Quirks(split_s3_at=at))
    assert len(etree.fromstring(pdf_to_html(data), etree.HTMLParser()).findall(".//table")) >= 4
    result = parse_bytes(data, name="split.pdf")
    assert result.status == "ok", result.reasons
    assert _wrong(report, result) == []


def test_an_unruled_table_is_not_guessed():
    report = G.make_report(random.Random(3), template="gb2021")
    result = parse_bytes(PG.render_pdf(report, PG.Quirks(unruled=("s2",))), name="unruled.pdf")
    assert result.status != "ok"
    assert any("section 二" in r for r in result.reasons)
    assert not any(v.code.startswith("s2.") and v.value is not None for v in result.values)
    assert not [w for w in _wrong(report, result) if not w[0].startswith("s2.")]


def test_a_pdf_without_any_ruled_table_is_read_as_text_or_refused_never_wrong():
    report = G.make_report(random.Random(8), template="gb2019")
    result = parse_bytes(PG.render_pdf(report, PG.Quirks(unruled=("s2", "s3", "s4"))), name="plain.pdf")
    assert result.status != "ok"
    got = {v.code: v.value for v in result.values if v.value is not None}
    truth = {c: report.values[c] for c in got}
    assert {c: Decimal(str(v)) for c, v in got.items()} == {c: Decimal(str(v)) for c, v in truth.items()}


def test_a_scanned_page_is_refused_even_with_a_text_layer():
    report = G.make_report(random.Random(2), template="gb2021")
    result = parse_bytes(PG.render_pdf(report, PG.Quirks(scanned=True)), name="scan.pdf")
    assert result.status == "failed" and result.values == []
    assert "scanned image" in result.reasons[0] and "OCR" in result.reasons[0]


RULED = TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "black")])


def test_owner_password_only_is_read_and_a_user_password_refused():
    owner_only = _pdf([Table([["rules", "12"]], style=RULED)],
                      encrypt=pdfencrypt.StandardEncryption("", "owner", canCopy=0))
    assert _grid(pdf_to_html(owner_only)) == [[("rules", 1, 1), ("12", 1, 1)]]
    locked = _pdf([Table([["x"]])], encrypt=pdfencrypt.StandardEncryption("user", "owner"))
    with pytest.raises(PdfError, match="encrypted"):
        pdf_to_html(locked)
    result = parse_bytes(locked, name="locked.pdf")
    assert result.status == "failed" and "locked.pdf: PDF that cannot be read: encrypted" in result.reasons[0]


def test_glyphs_without_unicode_are_never_read_as_numbers():
    # Encrypted with this CID font, pdfminer finds no Unicode map: "1" comes out as
    # "(cid:18)", which must not be read as 18.
    ruled = TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "black"), ("FONTNAME", (0, 0), (-1, -1), PG.FONT)])
    data = _pdf([Table([["规章", "1"]], style=ruled)],
                encrypt=pdfencrypt.StandardEncryption("", "owner", canCopy=0))
    with pytest.raises(PdfError, match="no Unicode mapping"):
        pdf_to_html(data)
    report = G.make_report(random.Random(6), template="gb2021")
    text_pdf = PG.render_pdf(report)
    assert b"(cid:" not in pdf_to_html(text_pdf)


@pytest.mark.parametrize("cut", [0.3, 0.7, 0.97])
def test_a_cut_pdf_fails_or_reads_right_never_wrong(cut):
    report = G.make_report(random.Random(9), template="gb2021")
    data = PG.render_pdf(report)
    result = parse_bytes(data[:int(len(data) * cut)], name="cut.pdf")
    assert result.status in ("failed", "partial", "ok")
    if result.status == "failed":
        assert "PDF" in result.reasons[0]
    assert _wrong(report, result) == [] or result.status != "ok"


def test_an_image_only_pdf_says_there_is_no_text():
    from PIL import Image
    from reportlab.platypus import Image as RLImage
    buf = io.BytesIO()
    Image.new("L", (20, 20), 128).save(buf, format="PNG")
    buf.seek(0)
    data = _pdf([RLImage(buf, width=50, height=50)])
    result = parse_bytes(data, name="img.pdf")
    assert result.status == "failed" and "no text" in result.reasons[0]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), decoys=st.booleans(), split=st.sampled_from([0, 5, 8, 12, 18]),
       blanks=st.integers(0, 4))
def test_a_ruled_pdf_is_never_silently_wrong(seed, decoys, split, blanks):
    rnd = random.Random(seed)
    report = G.make_report(rnd)
    if blanks:
        G.blank_out(report, rnd.sample(G.value_codes(report), blanks))
    result = parse_bytes(PG.render_pdf(report, PG.Quirks(white_decoys=decoys, split_s3_at=split)),
                         name="p.pdf")
    if result.status == "ok":
        assert _wrong(report, result) == []
    assert not [w for w in _wrong(report, result) if w[1] != "missing" and len(w) == 4]


def _ruled_row(draw_extra) -> bytes:
    """A ruled one-row table of three boxes — label, "25", an empty box — drawn on a canvas,
    with ``draw_extra(canvas)`` adding text the way decoys and watermarks are added."""
    from reportlab.pdfgen import canvas as rl_canvas
    buf = io.BytesIO()
    c = rl_canvas.Canvas(buf, invariant=1)
    for x in (100, 200, 300, 400):
        c.line(x, 700, x, 730)
    for y in (700, 730):
        c.line(100, y, 400, y)
    c.setFont(PG.FONT, 10)
    c.drawString(110, 710, "规章")
    c.drawString(250, 710, "25")
    draw_extra(c)
    c.save()
    return buf.getvalue()


def _invisible_nine(c):
    t = c.beginText(244, 710)
    t.setFont(PG.FONT, 10)
    t.setTextRenderMode(3)
    t.textOut("9")
    c.drawText(t)


def _coloured_nine(fill, x=244, angle=0):
    def draw(c):
        c.saveState()
        c.setFillColorRGB(*fill)
        c.translate(x, 710)
        c.rotate(angle)
        c.drawString(0, 0, "9")
        c.restoreState()
    return draw


@pytest.mark.parametrize("extra, cells", [
    (_invisible_nine, ["规章", "25", ""]),                              # render mode 3: never seen
    (_coloured_nine((0.99, 0.99, 0.99)), ["规章", "25", ""]),          # near-white: never seen
    (_coloured_nine((0.8, 0.8, 0.8)), ["规章", "\ufffd25", ""]),       # watermark-light: refused
    (_coloured_nine((0.8, 0.8, 0.8), x=350), ["规章", "25", "\ufffd"]),  # ... also in a blank box
    (_coloured_nine((0, 0, 0), x=350, angle=45), ["规章", "25", "\ufffd"]),  # rotated: refused
    (_coloured_nine((0.3, 0.3, 0.3)), ["规章", "925", ""]),            # grey print is print
])
def test_hidden_faint_and_rotated_text_is_dropped_or_refused(extra, cells):
    assert [text for text, _, _ in _grid(pdf_to_html(_ruled_row(extra)))[0]] == cells
