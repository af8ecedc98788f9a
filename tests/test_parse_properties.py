"""Property-based tests of the report parser (hypothesis).

Three layers, each against an independent model of the truth:
(a) the HTML grid: random layouts of merged regions, rendered with rowspan/colspan, must come
    back with every slot pointing at the region that generated it;
(b) cells: printed numbers in the forms real reports use (full-width digits, signs, 增/减,
    units, annotations) read back exactly, and the "no number here" forms never give a value;
(c) whole reports: a random, internally consistent gb2019/gb2021 report (tests/reportgen.py),
    rendered as Word-style HTML and as text, must parse to exactly the generated values with
    status ok; one corrupted number must make a check fail; blanked cells must stay blank.
"""

from __future__ import annotations

import random
import unicodedata
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings, strategies as st
from lxml import html as lxml_html

import reportgen as G
from ogi_scrape.parse import parse_bytes
from ogi_scrape.parse.cells import UNITS, read_cell
from ogi_scrape.parse.grid import MAX_COLS, MAX_ROWS, build_grid

pytestmark = pytest.mark.timeout(120)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Reports are drawn from a seed (not st.randoms) so a failure shrinks in seconds, not minutes.
REPORTS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                   phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink])


# ----------------------------------------------------------------------------- (a) grid
@st.composite
def layouts(draw):
    """A partition of an R×C rectangle into merged regions: {(row, col): (rowspan, colspan)}."""
    nrows = draw(st.integers(1, 8))
    ncols = draw(st.integers(1, 8))
    taken = [[False] * ncols for _ in range(nrows)]
    regions = {}
    for r in range(nrows):
        for c in range(ncols):
            if taken[r][c]:
                continue
            max_w = 0
            while c + max_w < ncols and not taken[r][c + max_w]:
                max_w += 1
            w = draw(st.integers(1, max_w))
            max_h = 0
            while r + max_h < nrows and not any(taken[r + max_h][c:c + w]):
                max_h += 1
            h = draw(st.integers(1, max_h))
            for rr in range(r, r + h):
                for cc in range(c, c + w):
                    taken[rr][cc] = True
            regions[(r, c)] = (h, w)
    return nrows, ncols, regions


def _render_layout(nrows, regions, use_th=False, sections=False) -> str:
    rows = []
    for r in range(nrows):
        cells = []
        for (rr, cc), (h, w) in sorted(regions.items()):
            if rr != r:
                continue
            tag = "th" if use_th and r == 0 else "td"
            attrs = (f' rowspan="{h}"' if h > 1 else "") + (f' colspan="{w}"' if w > 1 else "")
            cells.append(f"<{tag}{attrs}>R{rr}C{cc}</{tag}>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    if sections and nrows > 1:
        return f"<table><thead>{rows[0]}</thead><tbody>{''.join(rows[1:])}</tbody></table>"
    return "<table>" + "".join(rows) + "</table>"


@FAST
@given(layouts(), st.booleans(), st.booleans())
def test_grid_slots_point_at_their_generating_region(layout, use_th, sections):
    nrows, ncols, regions = layout
    table = lxml_html.fromstring(_render_layout(nrows, regions, use_th, sections))
    grid = build_grid(table)
    assert len(grid.rows) == nrows and grid.ncols == ncols and not grid.clipped
    owner = {}
    for (r, c), (h, w) in regions.items():
        for rr in range(r, r + h):
            for cc in range(c, c + w):
                owner[(rr, cc)] = (r, c, h, w)
    for r, slots in enumerate(grid.rows):
        for c, slot in enumerate(slots):
            assert slot is not None, f"slot {r},{c} empty"
            assert (slot.row, slot.col, slot.rowspan, slot.colspan) == owner[(r, c)]
            assert slot.text == f"R{slot.row}C{slot.col}"
    assert len(grid.cells) == len(regions)


@FAST
@given(st.lists(st.tuples(st.sampled_from(["1", "0", "99999999", "-3", "abc", "2x", " 7 ", ""]),
                          st.sampled_from(["1", "0", "99999999", "-3", "abc", "400000", ""])),
                min_size=1, max_size=12),
       st.integers(1, 6))
def test_grid_hostile_spans_stay_bounded(spans, nrows):
    """Whatever spans a page declares, the grid stays within its caps and every cell is kept."""
    cells = "".join(f'<td rowspan="{rs}" colspan="{cs}">x</td>' for rs, cs in spans)
    table = lxml_html.fromstring("<table>" + f"<tr>{cells}</tr>" * nrows + "</table>")
    grid = build_grid(table)
    assert len(grid.rows) == nrows <= MAX_ROWS
    assert grid.ncols <= MAX_COLS
    assert all(len(slots) == grid.ncols for slots in grid.rows)
    for cell in grid.cells:
        assert cell.row + cell.rowspan <= nrows and cell.col + cell.colspan <= grid.ncols


# ----------------------------------------------------------------------------- (b) cells
def _fullwidth(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if ch.isdigit() else ch for ch in text)


@st.composite
def printed_numbers(draw):
    """(printed text, expected value, expected unit, annotated?)."""
    if draw(st.booleans()):
        magnitude = draw(st.integers(0, 10**9))
        digits = str(magnitude)
        expected: int | Decimal = magnitude
    else:
        whole = draw(st.integers(0, 10**7))
        frac = draw(st.text("0123456789", min_size=1, max_size=4))
        digits = f"{whole}.{frac}"
        expected = Decimal(digits)
    if draw(st.booleans()):
        digits = _fullwidth(digits)
    sign = draw(st.sampled_from(["", "", "+", "-", "增", "减", "增加", "减少", "－", "＋", "−", "–"]))
    if sign in ("-", "减", "减少", "－", "−", "–"):
        expected = -expected
    unit = draw(st.sampled_from([None, None] + list(UNITS)))
    note = draw(st.sampled_from([None, "（其中修订16件）", "(含上年结转3件)", "（指2019年事项数）"]))
    pad = draw(st.sampled_from(["", " ", "\u00a0", "\u3000"]))
    text = pad + sign + digits + (unit or "") + (note or "") + pad
    return text, expected, unit, note is not None


@FAST
@given(printed_numbers())
def test_printed_numbers_read_back_exactly(case):
    text, expected, unit, annotated = case
    cv = read_cell(text)
    assert cv.value == expected
    assert type(cv.value) is type(expected)        # Decimal for decimals, never a float
    assert cv.unit == ("万元" if unit == "万" else unit)     # 万 alone is 万元 shortened
    assert ("annotated" in cv.flags) == annotated
    assert cv.raw == unicodedata.normalize("NFKC", text).strip()


@FAST
@given(st.sampled_from(["", " ", "\u00a0", "\u3000", "/", "／", "-", "—", "——", "－", "无", "不适用", "空"]),
       st.sampled_from(["", " ", "\u00a0"]))
def test_no_number_forms_never_give_a_value(mark, pad):
    cv = read_cell(pad + mark + pad)
    assert cv.value is None
    assert cv.flags in (["blank"], ["not_applicable"])
    assert (cv.flags == ["blank"]) == (mark.strip() == "" or mark in ("\u00a0", "\u3000"))


@FAST
@given(st.text(alphabet="项目采购公务用车辆万元ab ", min_size=1, max_size=12))
def test_text_in_a_numeric_cell_is_never_a_number(text):
    assume(not any(ch.isdigit() for ch in text) and text.strip() not in ("", "无", "空"))
    cv = read_cell(text)
    assert cv.value is None and cv.flags


# ----------------------------------------------------------------------------- (c) reports
RENDERINGS = ("html", "text-row", "text-cell", "text-sep", "text-bare")


def _render(report: G.Report, rnd: random.Random, rendering: str) -> tuple[bytes, str]:
    if rendering == "html":
        return G.render_html(report, rnd).encode("utf-8"), "html"
    return G.render_text(report, rnd, rendering.split("-")[1]).encode("utf-8"), "text"


def _parse(report, rnd, rendering):
    data, kind = _render(report, rnd, rendering)
    return parse_bytes(data, name=f"generated.{rendering}", kind=kind), data, kind


def printed_text(data: bytes, kind: str) -> str:
    """What a reader sees: the page's text (markup dropped), NFKC, without whitespace."""
    text = data.decode("utf-8", "replace")
    if kind == "html":
        text = lxml_html.document_fromstring(text).text_content()
    return "".join(unicodedata.normalize("NFKC", text).split())


def _assert_raw_printed(result, data: bytes, kind: str) -> None:
    seen = printed_text(data, kind)
    for v in result.values:
        if v.value is not None:
            assert "".join(v.raw.split()) in seen, f"{v.code}: raw {v.raw!r} not in the input"


@REPORTS
@given(st.integers(0, 2**32), st.sampled_from(["gb2019", "gb2021"]),
       st.sampled_from(RENDERINGS))
def test_consistent_report_parses_exactly_and_ok(seed, template, rendering):
    rnd = random.Random(seed)
    report = G.make_report(rnd, template)
    result, data, kind = _parse(report, rnd, rendering)
    got = {v.code: v.value for v in result.values}
    assert result.template == template
    assert result.status == "ok", result.reasons
    assert got == report.values
    assert all(c["outcome"] == "pass" for c in result.checks), \
        [c for c in result.checks if c["outcome"] != "pass"][:2]
    _assert_raw_printed(result, data, kind)


@REPORTS
@given(st.integers(0, 2**32), st.sampled_from(["gb2019", "gb2021"]),
       st.sampled_from(RENDERINGS), st.integers(1, 50))
def test_one_corrupted_number_makes_a_check_fail(seed, template, rendering, delta):
    rnd = random.Random(seed)
    report = G.make_report(rnd, template)
    code = rnd.choice([c for c in report.printed if c.startswith(("s3.", "s4."))])
    report.printed[code] = str(report.values[code] + delta)
    result, _, _ = _parse(report, rnd, rendering)
    assert result.status != "ok"
    failed = [c for c in result.checks if c["outcome"] == "fail"]
    assert failed, result.reasons
    assert any(code in {e["code"] for side in ("left", "right") for e in c["evidence"].get(side, [])}
               for c in failed), f"no failed check involves {code}"


@REPORTS
@given(st.integers(0, 2**32), st.sampled_from(["gb2019", "gb2021"]),
       st.sampled_from(RENDERINGS), st.integers(1, 8))
def test_blanked_cells_come_back_blank(seed, template, rendering, k):
    rnd = random.Random(seed)
    report = G.make_report(rnd, template)
    blanked = rnd.sample(sorted(report.printed), k)
    G.blank_out(report, blanked)
    result, data, kind = _parse(report, rnd, rendering)
    by_code = {v.code: v for v in result.values}
    refused = {(u["section"], u["row"]) for u in result.unreadable}

    def row_refused(code: str) -> bool:
        """A text rendering's empty cell at a row's end may be filler (mapping.assign): where
        the page shows no blank kept between two numbers, that row is refused, never guessed."""
        section, *row, _ = code.split(".")
        return kind == "text" and result.status != "ok" and \
            (section, "s4" if section == "s4" else ".".join(row)) in refused

    for code in blanked:
        if code not in by_code:
            assert row_refused(code), f"{code} missing"
            continue
        assert by_code[code].value is None and "blank" in by_code[code].flags, by_code[code]
    for code, want in report.values.items():
        if want is not None:
            assert by_code[code].value == want if code in by_code else row_refused(code), code
    assert result.status != "failed"
    assert not any(c["outcome"] == "fail" for c in result.checks)
    _assert_raw_printed(result, data, kind)


@REPORTS
@given(st.integers(0, 2**32), st.sampled_from(G.STRUCTURAL_DAMAGE))
def test_structural_damage_never_gives_a_silently_wrong_number(seed, kind):
    """A dropped, duplicated, swapped or unlabelled row, a lost or extra cell: the parser may
    refuse or flag, but a result it calls ok must hold only the numbers printed for those codes."""
    rnd = random.Random(seed)
    report = G.make_report(rnd)
    tables = G.table_rows(report)
    G.damage(tables, rnd, kind)
    result = parse_bytes(G.render_html(report, rnd, tables=tables).encode("utf-8"), name="damaged.html")
    if result.status == "ok":
        wrong = {v.code: (v.value, report.values.get(v.code)) for v in result.values
                 if v.value is not None and v.value != report.values.get(v.code)}
        assert not wrong, f"{kind}: ok with {wrong}"


# ----------------------------------------------------------------------------- fast cell text
_INLINE = ("span", "font", "b", "o:p", "a")
_BLOCKS = ("p", "div", "br", "li", "center")
_SKIPPED = ('script', 'style', 'span style="display: NONE"')


@st.composite
def cell_markup(draw, depth=0):
    """Random Word-ish markup for the inside of one cell (text, inline and block elements)."""
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        choice = draw(st.integers(0, 9 if depth < 3 else 2))
        if choice <= 2:
            parts.append(draw(st.sampled_from(["12", "规章", " ", "\u00a0", "本年新", "0", "&nbsp;", ""])))
        elif choice <= 5:
            tag = draw(st.sampled_from(_INLINE))
            parts.append(f"<{tag}>{draw(cell_markup(depth + 1))}</{tag}>")
        elif choice <= 8:
            tag = draw(st.sampled_from(_BLOCKS))
            parts.append("<br>" if tag == "br" else f"<{tag}>{draw(cell_markup(depth + 1))}</{tag}>")
        else:
            open_tag = draw(st.sampled_from(_SKIPPED))
            parts.append(f"<{open_tag}>9</{open_tag.split()[0]}>")
    return "".join(parts)


@FAST
@given(st.lists(cell_markup(), min_size=1, max_size=6))
def test_fast_cell_reader_gives_exactly_the_careful_walks_text(cells):
    """The serialiser shortcut (grid.spaced_text_reader) must never change a cell's text."""
    from ogi_scrape.parse.grid import cell_text, spaced_text_reader

    page = "<table><tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr></table>"
    want = [cell_text(td) for td in lxml_html.fromstring(page).iter("td")]
    table = lxml_html.fromstring(page)
    reader = spaced_text_reader(table) or cell_text
    assert [reader(td) for td in table.iter("td")] == want


# ----------------------------------------------------------------------------- text normalisation
# Report text with everything NFKC treats specially nearby: full-width forms and spaces (the
# shortcut), combining marks that compose with what precedes them (the shortcut must not
# split a composition), Hangul jamo, compatibility ideographs, ligatures and superscripts.
_NFKC_ALPHABET = st.sampled_from(
    list("规章第（一）项，：；Ａａ０９１ 　\u00a0\n\t|") +
    ["\u0301", "\u0308", "\u0327", "\u3099", "\uff9e", "\u1100", "\u1161", "\u11a8", "\uf900",
     "\ufb01", "\u00b2", "\u2460", "e", "A", "\u212b", "\u1e9b", "\u0323", "\ufe35", "\uff61"])


@given(st.lists(_NFKC_ALPHABET, max_size=40).map("".join))
@FAST
def test_fast_nfkc_is_unicode_nfkc(text):
    """NFKC, except that marker digits (①, ²) become their number in parentheses."""
    from ogi_scrape.parse.textnorm import MARKER_DIGITS, nfkc
    assert nfkc(text) == unicodedata.normalize("NFKC", text.translate(MARKER_DIGITS))


@given(st.lists(_NFKC_ALPHABET, max_size=60).map("".join))
@FAST
def test_paragraphs_read_as_each_line_cleaned_on_its_own(text):
    """flatbody normalises a stretch of body text once, then splits it into lines."""
    from ogi_scrape.parse.flatbody import paragraphs
    from ogi_scrape.parse.textnorm import clean_cell
    expected = [p for p in map(clean_cell, text.split("\n")) if p]
    assert [line.tokens[0].text for line in paragraphs(text)] == expected


@given(printed_numbers())
@FAST
def test_numbers_printed_in_traditional_characters_read_the_same(case):
    """萬元, 減少, 個… on traditional-character mirrors: the same value and unit, the raw
    text as printed."""
    import opencc
    text, value, unit, _ = case
    traditional = opencc.OpenCC("s2t").convert(text)
    got = read_cell(traditional)
    assert (got.value, got.unit) == (value, "万元" if unit == "万" else unit)
    assert got.raw == " ".join(unicodedata.normalize("NFKC", traditional).split())
