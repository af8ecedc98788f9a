"""The HTML front end's flattened path (parse.flatbody) must read every body exactly as the
reference path (htmldoc._lines_exact) does: same lines, same tokens, same provenance.

The snapshot compare covers real and synthetic reports; these cases aim at the encoding's
seams: a page printing the marks itself (in text and in span attributes), cells outside
rows, spans and clipping, hidden cells, layout tables.
"""

from __future__ import annotations

import random

import pytest
import reportgen as G
from lxml import etree

from ogi_scrape.parse import flatbody, htmldoc
from ogi_scrape.parse.tokens import Line

MARKS = (flatbody.CELL, flatbody.ROW, flatbody.TABLE, flatbody.END, flatbody.SPAN,
         flatbody.CLIP, "\ue000", "\ue001")


def _dump(lines: list[Line]) -> list:
    return [(line.kind, line.table, [(t.text, t.source, t.line, t.table, t.row, t.col, t.colspan,
                                      t.covered, t.truncated, t.paragraph) for t in line.tokens])
            for line in lines]


def _both(html: str, prepare=None) -> tuple[list, list]:
    """Lines of the page by the flattened path and by the reference path; ``prepare``
    edits each parsed body first (to build trees the HTML parser would not)."""
    data = html.encode("utf-8")
    root, decoded = htmldoc._parse_tree(data, None)
    body, _ = htmldoc.find_body(root)
    if prepare:
        prepare(body)
    fast = htmldoc.lines_from_body(body, htmldoc.HiddenLines(decoded.text))
    root, decoded = htmldoc._parse_tree(data, None)
    body, _ = htmldoc.find_body(root)
    if prepare:
        prepare(body)
    hidden = htmldoc.HiddenLines(decoded.text)
    htmldoc._clean(body, hidden)
    exact = htmldoc._lines_exact(body, hidden)
    return _dump(fast), _dump(exact)


def _page(body: str) -> str:
    return f"<html><head><title>t</title></head><body>\n{body}\n</body></html>"


TABLE = """<p>before</p>
<table>
<tr><td rowspan="2">项目</td><td colspan="2">本年</td></tr>
<tr><td>新收</td><td>结转</td></tr>
<tr><th>合计</th><td> 1 2 </td><td><p>3</p><p>4</p></td></tr>
</table>
<div>after<br>line</div>"""


@pytest.mark.parametrize("mark", MARKS)
@pytest.mark.parametrize("where", ["cell", "cell-end", "paragraph", "colspan", "rowspan"])
def test_a_page_printing_a_mark_reads_as_on_the_reference_path(mark, where):
    html = TABLE
    if where == "cell":
        html = html.replace("新收", f"新{mark}收")
    elif where == "cell-end":
        html = html.replace("结转", f"结转{mark}")
    elif where == "paragraph":
        html = html.replace("before", f"be{mark}fore")
    elif where == "colspan":
        html = html.replace('colspan="2"', f'colspan="2{mark}"')
    else:
        html = html.replace('rowspan="2"', f'rowspan="{mark}2"')
    fast, exact = _both(_page(html))
    assert fast == exact


@pytest.mark.parametrize("mark", MARKS)
def test_a_mark_written_as_a_character_reference(mark):
    html = TABLE.replace("新收", f"新&#x{ord(mark):x};收").replace(
        "after", f"af&#{ord(mark)};ter")
    fast, exact = _both(_page(html))
    assert fast == exact


def test_forged_encodings_in_cells_read_as_on_the_reference_path():
    c, r, s = flatbody.CELL, flatbody.ROW, flatbody.SPAN
    for forged in (f"x{c}", f"{s}2{s}1{s}y", f"a{r}{c}b", f"{r}", f"1{s}1{s}", f"{c}{c}"):
        fast, exact = _both(_page(TABLE.replace("新收", forged)))
        assert fast == exact, forged


@pytest.mark.parametrize("body", [
    TABLE,
    # cells outside rows, a caption, text between rows, a thead/tbody/tfoot mix
    ("<table><caption>cap</caption><tr><td>a</td></tr>text<tbody><tr><td>b</td><th>c</th></tr>"
    "</tbody><thead><tr><td>h</td></tr></thead><tfoot><tr><td>f</td></tr></tfoot></table>"),
    "<table><tr><td>a<div><td>inner</td></div></td></tr></table>",
    # spans: zero, huge, odd spellings, overlaps, rows with only covered slots
    '<table><tr><td rowspan="0">a</td><td>b</td></tr><tr><td>c</td></tr><tr></tr></table>',
    ('<table><tr><td rowspan="99999999" colspan=" 3x">a</td><td colspan="">b</td></tr>'
    '<tr><td rowspan="2" colspan="2">c</td><td>d</td></tr><tr><td>e</td></tr></table>'),
    ('<table><tr><td colspan="２">a</td><td colspan="⑤">b</td><td rowspan="1">c</td></tr>'
    '<tr><td colspan="1" rowspan="1">d</td></tr></table>'),
    ('<table><tr><td>a</td><td rowspan="3">b</td></tr><tr><td colspan="3">c</td></tr>'
    '<tr><td>d</td><td>e</td><td>f</td></tr></table>'),
    # clipped: too wide by colspan, too many cells, too many rows
    '<table><tr><td colspan="300">wide</td><td>x</td></tr><tr><td>y</td></tr></table>',
    "<table><tr>" + "<td>1</td>" * 300 + "</tr><tr><td>2</td></tr></table>",
    "<table>" + "<tr><td>r</td></tr>" * 4010 + "</table>",
    # layout table around data tables; a table in a hidden div; an empty table
    ("<table><tr><td><p>intro</p><table><tr><td>1</td><td>2</td></tr></table>mid"
    "<table><tr><td colspan=2>3</td></tr></table></td></tr></table>"),
    ('<div style="display: NONE"><table><tr><td>hidden</td></tr></table></div>'
    '<table><tr><td>seen<span style="display:none">not</span></td></tr></table>'),
    "<table></table><table><tr></tr></table>",
    # whitespace and normalisation: full-width, nbsp, combining marks, line breaks in cells
    ("<table><tr><td>\u00a0１２\u3000３</td><td>e\u0301</td><td>a\r\nb\tc</td></tr></table>"
    "<p>\u00a0</p><p>x\u3000 y</p>"),
    # script/style/comments inside cells, chrome around tables
    ("<table><tr><td>a<script>1</script>b<!-- c --></td><td><style>x</style>d</td></tr></table>"
    "<nav><table><tr><td>menu</td></tr></table></nav><form>f</form>"),
])
def test_structures_read_as_on_the_reference_path(body):
    fast, exact = _both(_page(body))
    assert fast == exact


@pytest.mark.parametrize("seed", range(6))
def test_generated_reports_read_as_on_the_reference_path(seed):
    rnd = random.Random(seed)
    report = G.make_report(rnd)
    style = G.Style(split_spans=0.5, nbsp=0.5, br_headers=True, word_markup=True)
    for html in (G.render_html(report, rnd), G.render_html(report, rnd, style)):
        fast, exact = _both(html)
        assert fast == exact


def test_hidden_elements_outside_the_body_and_in_it():
    """HiddenLines sees display:none outside the article container (so the body keeps its
    elements), or inside it (so they are dropped): both as on the reference path."""
    table = '<table><tr><td>a<span style="display:none">x</span></td><td>1</td></tr></table>'
    # display&#58;none hides the span: HiddenLines counts a character reference after
    # "display" as a hiding style (the parser decodes it), so both paths drop it
    outside = (f'<div style="display:none">menu</div>\n<div class="TRS_Editor">\n'
               f'{table.replace("display:", "display&#58;")}\n</div>\n<p>end</p>')
    inside = f'<div class="TRS_Editor">\n<p style="display:none">gone</p>{table}\n</div>'
    other_ways = [table.replace('style="display:none"', way)
                  for way in ("hidden", 'style="visibility:hidden"', 'hidden=""')]
    for body in (outside, inside, *other_ways):
        fast, exact = _both(_page(body))
        assert fast == exact


def _random_table(rnd: random.Random) -> str:
    spans = ["", "0", "1", "2", "3", "5", " 2x", "99999999", "x"]
    rows = []
    for r in range(rnd.randint(1, 9)):
        cells = []
        for c in range(rnd.randint(0, 6)):
            attrs = ""
            if rnd.random() < 0.3:
                attrs += f' colspan="{rnd.choice(spans)}"'
            if rnd.random() < 0.3:
                attrs += f' rowspan="{rnd.choice(spans)}"'
            tag = rnd.choice(["td", "td", "th"])
            cells.append(f"<{tag}{attrs}>{r}.{c}</{tag}>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return "<table>\n" + "\n".join(rows) + "\n</table>"


@pytest.mark.parametrize("seed", range(5))
def test_random_spans_place_cells_as_the_grid_does(seed):
    """Overlapping rowspans and colspans, zero and huge spans: the flattened tables' own
    placement (flatbody._Table) against grid.build_grid on the reference path."""
    rnd = random.Random(seed)
    for _ in range(200):
        fast, exact = _both(_page(_random_table(rnd) + "<p>x</p>" + _random_table(rnd)))
        assert fast == exact


@pytest.mark.parametrize("seed", range(4))
def test_processing_instructions_anywhere_read_as_on_the_reference_path(seed):
    """libxml2 ≥ 2.14 turns ``<?…?>`` in HTML into a comment, but a tree may still hold
    processing instructions (older libxml2): in paragraphs, cells, rows or between tables
    they add nothing, on both paths. The transform has no special case for them."""
    rnd = random.Random(seed)
    for _ in range(100):
        html = _page(TABLE + _random_table(rnd) + "<p>x<b>y</b></p>" + _random_table(rnd))
        plan = [(rnd.random(), rnd.random(), rnd.choice([None, "", " tail ", "\n"]))
                for _ in range(rnd.randint(1, 6))]

        def inject(body, plan=plan):
            elements = list(body.iter())
            for k, (where, how, tail) in enumerate(plan):
                el = elements[int(where * len(elements))]
                pi = etree.PI(f"p{k}", f"data {k}")
                pi.tail = tail
                if how < 0.5 or el is body:
                    el.insert(int(how * 2 * (len(el) + 1)) % (len(el) + 1), pi)
                else:
                    el.addnext(pi)

        fast, exact = _both(html, prepare=inject)
        assert fast == exact
