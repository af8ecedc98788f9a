"""HTML front end: find the report body in a portal page and turn it into ``Line``s.

Portal pages wrap the report in navigation, metadata tables, related-links lists and
footers. We look for the article container the CMS families use (``#contentBox`` on the
Ganzi platform, ``.TRS_Editor``, ``<ucapcontent>``, ``#zoom``, …) and fall back to the
whole page minus obvious chrome. Inside the body, a table that contains other tables is a
*layout* table (Luding renders the whole body as a one-column table): we walk through it
and treat its cells as containers. Every other table is a data table, rebuilt as a grid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from ogi_scrape.encoding import decode
from ogi_scrape.parse.grid import (_BLOCK_TAGS, _SKIP_TAGS, _hidden, build_grid, cell_text,
                                    spaced_text_reader)
from ogi_scrape.parse.textnorm import clean_cell
from ogi_scrape.parse.tokens import Line, Token

# Article containers of the CMS families in research/portals.md §3, most specific first.
BODY_XPATHS = (
    '//*[@id="contentBox"]', '//*[contains(concat(" ", normalize-space(@class), " "), " TRS_Editor ")]',
    "//ucapcontent", '//*[@id="UCAP-CONTENT"]', '//*[@id="zoom"]', '//*[@id="Zoom"]',
    '//*[@id="zoomcon"]', '//*[contains(@class, "v_news_content")]', '//*[starts-with(@id, "vsb_content")]',
    '//*[@id="ivs_content"]', '//*[@id="webeditorview"]', '//*[contains(@class, "news_cont_d_wrap")]',
    '//*[contains(@class, "article-content")]', '//*[contains(@class, "article_content")]',
    '//*[contains(@class, "ewb-article-detail")]', '//*[contains(@class, "pages_content")]',
    '//*[contains(@class, "xxgk_content")]', '//*[contains(@class, "detail-content")]',
    '//*[@id="info_content"]', '//*[contains(@class, "file_item")]', "//article",
)
# The same selectors as matchers, so one pass over the page finds every candidate instead of
# one XPath scan of the whole tree per selector (21 scans cost more than parsing the page).
_BODY_MATCHERS = (
    ("id", "contentBox"), ("class_token", "TRS_Editor"), ("tag", "ucapcontent"), ("id", "UCAP-CONTENT"),
    ("id", "zoom"), ("id", "Zoom"), ("id", "zoomcon"), ("class_has", "v_news_content"),
    ("id_prefix", "vsb_content"), ("id", "ivs_content"), ("id", "webeditorview"),
    ("class_has", "news_cont_d_wrap"), ("class_has", "article-content"), ("class_has", "article_content"),
    ("class_has", "ewb-article-detail"), ("class_has", "pages_content"), ("class_has", "xxgk_content"),
    ("class_has", "detail-content"), ("id", "info_content"), ("class_has", "file_item"), ("tag", "article"),
)
# Tags that article containers use (research/portals.md §3). lxml filters by tag in C, so
# the Word-pasted <span>/<font>/<p> thousands are never touched in Python.
_CONTAINER_TAGS = ("div", "td", "article", "section", "main", "ucapcontent")
CHROME_TAGS = {"nav", "header", "footer", "aside", "form", "select", "button"}
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_REPORT_WORDS = ("第二十条", "信息内容", "勾稽关系", "申请人情况", "行政复议", "主动公开", "本年新收")


@dataclass
class HtmlDocument:
    lines: list[Line]
    title: str | None
    meta: dict[str, str]
    encoding: str
    encoding_source: str
    body_selector: str | None
    text_head: str          # the first few thousand characters of body text (year/org hints)


def _parse_tree(data: bytes, content_type: str | None):
    """The page as a plain libxml2 tree.

    A plain ``etree.HTMLParser``, not ``lxml.html``'s: the latter calls a Python lookup
    for every element Python touches to give it HtmlElement methods we do not use, which
    cost as much as the rest of the tree walk.
    """
    decoded = decode(data, content_type)
    text = _XML_DECL.sub("", decoded.text, count=1)
    if "\x00" in text:
        text = text.replace("\x00", "")
    parser = etree.HTMLParser(recover=True, huge_tree=False, no_network=True,
                              remove_comments=True)
    try:
        root = etree.fromstring(text, parser=parser) if text.strip() else None
    except (etree.ParserError, ValueError):
        root = None
    if root is None:
        root = etree.fromstring("<html><body></body></html>", parser=parser)
    return root, decoded


def _text_content(el) -> str:
    return etree.tostring(el, method="text", encoding=str, with_tail=False)


def _score(el) -> int:
    text = _text_content(el) if el is not None else ""
    return sum(text.count(w) for w in _REPORT_WORDS) + 5 * sum(1 for _ in el.iter("table"))


def _candidates(root) -> list[list]:
    """Elements matching each of BODY_XPATHS, in document order (same order as the XPaths).

    One C-filtered pass over container tags, then plain string tests: an XPath predicate per
    selector (or one long or-ed predicate) costs more than parsing the page.
    """
    found: list[list] = [[] for _ in _BODY_MATCHERS]
    memo: dict[tuple, list[int]] = {}    # Word pastes repeat class="MsoNormal" hundreds of times
    for el in root.iter(*_CONTAINER_TAGS):
        ident, cls = el.get("id"), el.get("class")
        if ident is None and cls is None and el.tag not in ("ucapcontent", "article"):
            continue
        key = (el.tag, ident, cls)
        hits = memo.get(key)
        if hits is None:
            hits = memo[key] = _matching_selectors(*key)
        for i in hits:
            if len(found[i]) < 5:
                found[i].append(el)
    return found


def _matching_selectors(tag, ident: str | None, cls: str | None) -> list[int]:
    tokens = cls.split() if cls else ()
    hits = []
    for i, (kind, value) in enumerate(_BODY_MATCHERS):
        if kind == "id":
            hit = ident == value
        elif kind == "class_has":
            hit = cls is not None and value in cls
        elif kind == "class_token":
            hit = value in tokens
        elif kind == "id_prefix":
            hit = ident is not None and ident.startswith(value)
        else:
            hit = tag == value
        if hit:
            hits.append(i)
    return hits


def find_body(root) -> tuple[etree._Element, str | None]:
    best, best_sel, best_score = None, None, 0
    for xp, found in zip(BODY_XPATHS, _candidates(root)):
        for el in found[:5]:
            score = _score(el)
            if score > best_score:
                best, best_sel, best_score = el, xp, score
        if best is not None and best_score >= 6:
            break
    if best is not None:
        return best, best_sel
    body = root.find("body")
    return (body if body is not None else root), None


def _meta(root) -> dict[str, str]:
    out = {}
    for m in root.iter("meta"):
        name = (m.get("name") or m.get("property") or "").strip()
        if name and m.get("content") is not None:
            out.setdefault(name, m.get("content").strip())
    return out


def _is_layout_table(table) -> bool:
    for el in table.iter("table"):
        if el is not table:
            return True
    return False


def lines_from_body(body) -> list[Line]:
    """Walk the body in document order, emitting paragraphs and table rows.

    Iterative (an explicit stack), so 400 levels of nested tables cannot exhaust the
    Python stack; lxml itself caps the tree depth of what it parses.
    """
    lines: list[Line] = []
    buf: list[str] = []
    buf_line: list[int | None] = [None]
    table_no = [0]

    def flush():
        text = clean_cell("".join(buf))
        buf.clear()
        if text:
            lines.append(Line([Token(text=text, source="html", line=buf_line[0], paragraph=True)],
                              kind="para"))
        buf_line[0] = None

    def emit_table(table):
        reader = spaced_text_reader(table)
        grid = build_grid(table, reader or cell_text, batch=reader is not None)
        idx = table_no[0]
        table_no[0] += 1
        for r, slots in enumerate(grid.rows):
            tokens: list[Token] = []
            prev = None
            for slot in slots:
                # A cell fills a contiguous run of one row's slots: comparing with the
                # previous slot is enough to take each cell once.
                if slot is None or slot is prev:
                    continue
                prev = slot
                tokens.append(Token(slot.text, "html", slot.line, idx, r, slot.col, slot.colspan,
                                    slot.row != r))
            if tokens:
                lines.append(Line(tokens, "row", idx))

    stack: list[tuple[etree._Element, bool]] = [(body, False)]
    while stack:
        el, closing = stack.pop()
        tag = el.tag if isinstance(el.tag, str) else ""
        if closing:
            if tag in _BLOCK_TAGS or tag in ("td", "th", "table"):
                flush()
            if el is not body and el.tail:
                buf.append(el.tail)
            continue
        if not tag or tag in _SKIP_TAGS or tag in CHROME_TAGS or _hidden(el):
            if el is not body and el.tail:
                buf.append(el.tail)
            continue
        if tag == "table" and not _is_layout_table(el):
            flush()
            emit_table(el)
            if el.tail:
                buf.append(el.tail)
            continue
        if tag in _BLOCK_TAGS or tag in ("td", "th"):
            flush()
        if buf_line[0] is None:
            buf_line[0] = el.sourceline
        if el.text:
            buf.append(el.text)
        stack.append((el, True))
        stack.extend((child, False) for child in reversed(el))
    flush()
    return lines


def ends_inside_a_table(text: str) -> bool:
    """Was this page cut off (a partial download) while a table was still open?

    libxml2 silently closes what a cut page left open, so a last cell cut before its text
    would read as a deliberate blank and a cut "875" as 8. A page that never closes
    ``</html>`` and whose last ``<table`` comes after its last ``</table`` ended inside one.
    """
    if "</html" in text[-4096:].lower():       # the usual case: a complete page
        return False
    low = text[-200_000:].lower()
    return low.rfind("<table") > low.rfind("</table")


def _mark_cut_cell(lines: list[Line]) -> None:
    """Flag the last cell in document order of the last table row as truncated."""
    row = next((line for line in reversed(lines) if line.kind == "row"), None)
    if row is None:
        return
    cell = next((t for t in reversed(row.tokens) if not t.covered), None)
    if cell is not None:
        cell.truncated = True


def read_html(data: bytes, content_type: str | None = None) -> HtmlDocument:
    root, decoded = _parse_tree(data, content_type)
    meta = _meta(root)
    body, selector = find_body(root)
    lines = lines_from_body(body)
    if ends_inside_a_table(decoded.text):
        _mark_cut_cell(lines)
    title = meta.get("ArticleTitle") or None
    if not title:
        t = root.find(".//title")
        if t is not None and t.text:
            title = clean_cell(t.text)
    head_parts: list[str] = []
    size = 0
    for line in lines:
        if line.kind != "para":
            continue
        head_parts.append(line.tokens[0].text)
        size += len(line.tokens[0].text)
        if size > 4000:
            break
    return HtmlDocument(lines=lines, title=title, meta=meta, encoding=decoded.encoding,
                        encoding_source=decoded.source, body_selector=selector,
                        text_head="\n".join(head_parts))


__all__ = ["HtmlDocument", "read_html", "find_body", "lines_from_body", "cell_text"]
