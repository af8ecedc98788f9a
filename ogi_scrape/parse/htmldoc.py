"""HTML front end: find the report body in a portal page and turn it into ``Line``s.

Portal pages wrap the report in navigation, metadata tables, related-links lists and
footers. We look for the article container the CMS families use (``#contentBox`` on the
Ganzi platform, ``.TRS_Editor``, ``<ucapcontent>``, ``#zoom``, …) and fall back to the
whole page minus obvious chrome. Inside the body, a table that contains other tables is a
*layout* table (Luding renders the whole body as a one-column table): we walk through it
and treat its cells as containers. Every other table is a data table, rebuilt as a grid.

The body is read in C as far as possible (``lines_from_body``): after hidden, skipped and
chrome elements are removed, one XSLT transform (``flatbody``) writes the paragraphs and
the data tables' cells, spans and source lines into one string, which Python splits.
The element-by-element reading the transform replaced stays as the reference path
(``_lines_exact``, ``grid.build_grid``) for whatever that string cannot carry exactly: a
page printing one of its marks, a clipped (hostile) table, a table whose hidden cells
the reference path would skip. Both give the same ``Line``s (tests/test_parse_frontend.py).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

from lxml import etree

from ogi_scrape.encoding import decode
from ogi_scrape.parse.flatbody import (
    BOUNDARY_TAGS,
    CLIP,
    END,
    TABLE,
    flatten,
    paragraphs,
    table_lines,
)
from ogi_scrape.parse.grid import (
    _SKIP_TAGS,
    HIDDEN_PREDICATE,
    build_grid,
    cell_text,
    spaced_text_reader,
)
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
    headings: list[str] = field(default_factory=list)   # <h1>/<h2> texts (a title outside the body)


_PARSER_OPTIONS = {"recover": True, "huge_tree": False, "no_network": True, "remove_comments": True}
_parsers = threading.local()     # lxml parsers must not be shared between threads
_STRICT_SOURCES = ("header", "meta", "utf-8")    # decode() read every byte, nothing replaced


def _parser(encoding: str | None):
    """This thread's parser for ``encoding`` (None: parse a str), built once: building one
    per page cost more than the lookup."""
    cache = _parsers.__dict__
    parser = cache.get(encoding)
    if parser is None:
        parser = cache[encoding] = etree.HTMLParser(encoding=encoding, **_PARSER_OPTIONS)
    return parser


def _parse_tree(data: bytes, content_type: str | None):
    """The page as a plain libxml2 tree.

    A plain ``etree.HTMLParser``, not ``lxml.html``'s: the latter calls a Python lookup
    for every element Python touches to give it HtmlElement methods we do not use, which
    cost as much as the rest of the tree walk.

    A page ``decode`` read as strict UTF-8 is handed to libxml2 as its own bytes, with the
    encoding forced (a lying ``<meta charset>`` is ignored, as ``decode`` ignored it):
    handing over the decoded str made lxml convert it back, a fifth of the parse. Any other
    page (GB18030, bytes replaced, NULs, an XML declaration) is parsed from the decoded str,
    so libxml2 never applies a decoding of its own that could differ from ours.
    """
    decoded = decode(data, content_type)
    text = decoded.text
    root = None
    try:
        if decoded.encoding == "utf-8" and decoded.source in _STRICT_SOURCES \
                and "\x00" not in text and not _XML_DECL.match(text) and text.strip():
            root = etree.fromstring(data, parser=_parser("utf-8"))
        else:
            text = _XML_DECL.sub("", text, count=1)
            if "\x00" in text:
                text = text.replace("\x00", "")
            root = etree.fromstring(text, parser=_parser(None)) if text.strip() else None
    except (etree.ParserError, ValueError):
        root = None
    if root is None:
        root = etree.fromstring("<html><body></body></html>", parser=_parser(None))
    return root, decoded


def _text_content(el) -> str:
    return etree.tostring(el, method="text", encoding=str, with_tail=False)


def _score(el) -> int:
    """5 per table plus one per report word; a container holding two or more tables is
    scored without reading its text (serialising a Word-pasted body is the costly part)."""
    tables = sum(1 for _ in el.iter("table"))
    if tables >= 2:
        return 5 * tables + 6
    text = _text_content(el)
    return sum(text.count(w) for w in _REPORT_WORDS) + 5 * tables


# (tag, id, class) → indexes of the selectors it matches. Pages of one portal repeat the
# same chrome and Word pastes repeat class="MsoNormal" hundreds of times, so this is kept
# across pages (emptied past MAX_MEMO keys, so a long crawl stays bounded).
_SELECTOR_MEMO: dict[tuple, tuple[int, ...]] = {}
MAX_MEMO = 4096


def _candidates(root) -> list[list]:
    """Elements matching each of BODY_XPATHS, in document order (same order as the XPaths).

    One C-filtered pass over container tags, then plain string tests: an XPath predicate per
    selector (or one long or-ed predicate) costs more than parsing the page.
    """
    found: list[list] = [[] for _ in _BODY_MATCHERS]
    memo = _SELECTOR_MEMO
    for el in root.iter(*_CONTAINER_TAGS):
        ident, cls = el.get("id"), el.get("class")
        if ident is None and cls is None and el.tag not in ("ucapcontent", "article"):
            continue
        key = (el.tag, ident, cls)
        hits = memo.get(key)
        if hits is None:
            if len(memo) >= MAX_MEMO:
                memo.clear()
            hits = memo[key] = _matching_selectors(*key)
        for i in hits:
            if len(found[i]) < 5:
                found[i].append(el)
    return found


def _matching_selectors(tag, ident: str | None, cls: str | None) -> tuple[int, ...]:
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
    return tuple(hits)


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


# How a page's source hides an element, matched where a word was found: display:none and
# visibility:hidden, also with a character reference after the property name (display&#58;none:
# the parser decodes it in the style attribute, so it hides too), and the hidden attribute
# (not overflow:hidden, which hides nothing).
_HIDING = {
    "display": re.compile(r"display\s*(?:&|:\s*(?:none|&))", re.IGNORECASE),
    "hidden": re.compile(r"(?<=[\s\"'])hidden(?=[\s>=/])", re.IGNORECASE),
}
_VISIBILITY_BEFORE = re.compile(r"visibility\s*(?::|&[#\w]+;)\s*$", re.IGNORECASE)
# word → (the spellings searched for without their first letter, the first letters allowed).
# visibility:hidden is found by its "hidden" (one scan of the page less).
_HIDING_WORDS = {"display": (("isplay", "dD"), ("ISPLAY", "D")),
                 "hidden": (("idden", "hH"), ("IDDEN", "H"))}
MAX_SOURCE_LINE = 65535     # libxml2 may clamp larger line numbers: then we cannot localise


class HiddenLines:
    """Where the page's source hides something (display:none, visibility:hidden, the hidden
    attribute), by line, so that a table whose source lines hold none needs no search for
    hidden cells (searching every Word-pasted table's markup was the front end's largest
    cost). Conservative whenever lines are unreliable."""

    MAX_HITS = 64
    _LONE_CR = re.compile(r"\r(?!\n)")

    # Style words that strike text through or raise it (footnote markers): rare, and their
    # elements are then searched for (an XPath over every style costs more than a parse).
    STYLED = ("line-through", "super", "text-raise")     # each scan costs ~25 µs on a page

    def __init__(self, text: str):
        self.everywhere = False
        self.lines: list[int] = []
        self.styled = any(word in text for word in self.STYLED)
        self.classes: frozenset[str] = frozenset()   # classes a <style> block hides (read_html)
        # Lower-casing a whole Chinese page costs more than the search it would save: look
        # for the spellings real pages use; an odd one (DisPlay) makes every table suspect.
        positions, odd = self._positions(text)
        if odd:
            self.everywhere = True
            return
        if not positions:
            return
        if "\r" in text and self._LONE_CR.search(text):   # lone CR: line counting may differ
            self.everywhere = True
            return
        line, counted = 1, 0
        for pos, word in positions:
            if _HIDING[word].match(text, pos) or word == "hidden" and \
                    _VISIBILITY_BEFORE.search(text, max(0, pos - 32), pos):
                if len(self.lines) >= self.MAX_HITS:
                    self.everywhere = True
                    return
                line += text.count("\n", counted, pos)
                counted = pos
                self.lines.append(line)

    @staticmethod
    def _positions(text: str) -> tuple[list[tuple[int, str]], bool]:
        """Where each hiding word starts in the spellings real pages use, in page order, and
        whether a word occurs in an odd spelling (DisPlay): two scans per word."""
        positions: list[tuple[int, str]] = []
        odd = False
        for word, spellings in _HIDING_WORDS.items():
            for tail, heads in spellings:
                pos = text.find(tail)
                while pos >= 0:
                    before = text[pos - 1] if pos else ""
                    if before and before in heads:
                        positions.append((pos - 1, word))
                    elif before.lower() == word[0]:     # dISPLAY, hIDDEN: an odd spelling
                        odd = True
                    pos = text.find(tail, pos + len(tail))
        positions.sort()
        return positions, odd

    def may_hide(self, table) -> bool:
        if self.everywhere:
            return True
        if not self.lines:
            return False
        start = table.sourceline
        nxt, el = None, table
        while el is not None and nxt is None:
            nxt = el.getnext()
            el = el.getparent()
        end = nxt.sourceline if nxt is not None else None
        if start is None or end is None or end >= MAX_SOURCE_LINE:
            return True
        return any(start <= line <= end for line in self.lines)


# Struck-through and raised text written as styles (WPS, Word's "raised" position) instead of
# <s>/<sup>: searched for only when the page's source holds such a style (``HiddenLines``).
_STRUCK = etree.XPath(".//*[contains(translate(@style, 'LINETHROUGH', 'linethrough'), 'line-through')]")
_SCRIPTED = etree.XPath(".//*[contains(translate(@style, 'ALIGNSUPERB ', 'alignsuperb'), 'align:super') "
                        "or contains(translate(@style, 'ALIGNSUB ', 'alignsub'), 'align:sub')]")
_NUDGED = etree.XPath(".//*[contains(@style, 'text-raise')]")
_TABLE_MARK = "\ue001"     # private-use: XML-legal, never printed in a report
_HIDDEN_ELEMENTS = etree.XPath(f".//*{HIDDEN_PREDICATE}")


def _drop_keep_tail(el) -> None:
    """Remove an element and its content, keeping the text that follows it."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def lines_from_body(body, hidden: HiddenLines | None = None) -> list[Line]:
    """The body in document order as paragraphs and table rows.

    The tree is the parser's own, so it is cleaned in place first: skipped and chrome
    elements are stripped and hidden ones dropped (their following text kept). Then one
    XSLT transform flattens the body to a string (see ``flatbody``) that is split into
    paragraphs and data tables' cells. Anything the encoding cannot carry exactly (a page
    printing a mark, a clipped table, a failed transform) is read by the reference path
    instead: the whole body, or just that table.
    """
    dropped = _clean(body, hidden)
    flat = flatten(body)
    # _TABLE_MARK printed by the page: the reference path drops it from paragraphs.
    if flat is None or CLIP in flat or _TABLE_MARK in flat:
        return _lines_exact(body, hidden)
    chunks = flat.split(TABLE)
    # Each table ends once; a TABLE or END printed by the page breaks that (see flatbody).
    if any(chunk.count(END) != 1 for chunk in chunks[1:]):
        return _lines_exact(body, hidden)
    # Hidden elements were kept because HiddenLines saw nothing hiding in the body's
    # source lines; the reference path still searches a table HiddenLines cannot vouch
    # for (and skips what it finds), so such a table goes to it: that takes its element.
    careful = not dropped and bool(hidden.lines)
    tables = _data_tables(body) if careful else None
    if tables is not None and len(tables) != len(chunks) - 1:
        return _lines_exact(body, hidden)
    lines = paragraphs(chunks[0])
    for idx, chunk in enumerate(chunks[1:]):
        encoded, _, rest = chunk.partition(END)
        rows = None
        if not careful or not hidden.may_hide(tables[idx]):
            rows = table_lines(encoded, idx)
        if rows is None:
            if tables is None:
                tables = _data_tables(body)
            table = tables[idx]
            _mark_boundaries(table)
            rows = _table_lines(table, idx, hidden)
        lines.extend(rows)
        lines.extend(paragraphs(rest))
    return lines


def _clean(body, hidden: HiddenLines | None) -> bool:
    """Drop hidden elements (unless ``hidden`` shows the body's source has none), strip
    skipped and chrome ones and mark superscripts; True if hidden elements were searched
    for and dropped."""
    dropped = hidden is None or hidden.may_hide(body)
    if dropped:
        for el in _HIDDEN_ELEMENTS(body):
            _drop_keep_tail(el)
    if hidden is not None and hidden.classes:
        for el in [el for el in body.iter() if el.get("class")
                   and not hidden.classes.isdisjoint(el.get("class").split())]:
            _drop_keep_tail(el)
        dropped = True
    etree.strip_elements(body, *sorted(_SKIP_TAGS | CHROME_TAGS), etree.Comment,
                         with_tail=False)
    # One walk for the elements whose printed meaning differs from their text: deleted text
    # (Word's tracked changes, a corrected figure struck through: <del>2531</del><ins>2629</ins>
    # ran on into 25312629), footnote markers, and a form's input boxes.
    # Deletions first, so a marker holding only deleted text is left blank.
    marked = list(body.iter("del", "s", "strike", "sup", "sub", "input"))
    for el in marked:
        if el.tag in ("del", "s", "strike"):
            _drop_keep_tail(el)
    for el in marked:
        if el.tag == "input":
            _show_input_value(el)
        elif el.tag in ("sup", "sub"):
            _parenthesise(el)
    if hidden is not None and hidden.styled:
        for el in _STRUCK(body):
            _drop_keep_tail(el)
        for el in _SCRIPTED(body):
            _parenthesise(el)
        for el in _NUDGED(body):
            _mark_nudged(el)
    return dropped


_CSS_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_CSS_HIDES = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_CSS_CLASS = re.compile(r"^(?:[a-z0-9]+)?\.([\w-]+)$", re.IGNORECASE)


def _hidden_classes(root) -> frozenset[str]:
    """Classes a page's <style> blocks hide (``.tm{display:none}``): an anti-copy watermark
    writes ``1<span class="tm">8</span>5889`` and a browser shows 15889. Only plain class
    selectors (``.tm``, ``span.tm``) are honoured; anything subtler is left as printed."""
    found = set()
    for style in root.iter("style"):
        for selectors, body in _CSS_RULE.findall(style.text or ""):
            if _CSS_HIDES.search(body):
                for selector in selectors.split(","):
                    m = _CSS_CLASS.match(selector.strip())
                    if m:
                        found.add(m.group(1))
    return frozenset(found)


def _mark_nudged(el) -> None:
    """Word's raised or lowered position (``mso-text-raise``) is a footnote marker as often
    as an alignment nudge of ordinary text (``26<span raised>29</span>``): a nudged run next
    to other text in its paragraph gets a ``^`` before it, so a number holding one is not
    read (never 26 nor 2629 by guess), while labels, whose keys drop the ``^``, still match.
    A run that is the paragraph's only text is plain alignment and is left alone."""
    parent = el.getparent()
    own = "".join(el.itertext()).strip()
    if not own or parent is None or "".join(parent.itertext()).strip() == own:
        return
    el.text = "^" + (el.text or "")


def _show_input_value(el) -> None:
    """A report rendered as a form prints each figure in ``<input value="12" readonly>``:
    the box shows its value (a placeholder is a hint, not a value; a hidden input shows
    nothing)."""
    value = el.get("value")
    if value and (el.get("type") or "text").lower() in ("text", "number", "tel", ""):
        el.tail = value + (el.tail or "")


def _parenthesise(el) -> None:
    """``1330<sup>2</sup>``: a footnote marker, printed small after the number. Its text
    ran on into ``13302``; in parentheses it reads as an annotation, ``1330(2)``, like the
    marker characters ① and ² (``textnorm.MARKER_DIGITS``)."""
    if not "".join(el.itertext()).strip():
        return
    el.text = "(" + (el.text or "")
    if len(el):
        el[-1].tail = (el[-1].tail or "") + ")"
    else:
        el.text += ")"


def _data_tables(body) -> list:
    return [t for t in body.iter("table") if not _is_layout_table(t)]


def _mark_boundaries(root) -> None:
    """A newline at the start and end of every block element, table and cell under root."""
    for el in root.iter(*BOUNDARY_TAGS):
        el.text = "\n" + (el.text or "")
        el.tail = "\n" + (el.tail or "")


def _lines_exact(body, hidden: HiddenLines | None) -> list[Line]:
    """The reference path, element by element (the body is already cleaned): every block
    boundary gets a newline written into the tree, each data table is rebuilt as a grid and
    then replaced by a placeholder, and one libxml2 text serialisation of the body, split
    at the newlines, gives the paragraphs between the tables."""
    _mark_boundaries(body)
    tables: list[list[Line]] = []
    for table in _data_tables(body):
        tables.append(_table_lines(table, len(tables), hidden))
        tail = table.tail
        table.clear()
        table.text = f"\n{_TABLE_MARK}{len(tables) - 1}{_TABLE_MARK}\n"
        table.tail = tail
    text = etree.tostring(body, method="text", encoding=str, with_tail=False)
    lines: list[Line] = []
    for piece in text.split("\n"):
        if _TABLE_MARK in piece:
            idx = piece.strip().strip(_TABLE_MARK)
            if idx.isdigit() and int(idx) < len(tables):
                lines.extend(tables[int(idx)])
                continue
            piece = piece.replace(_TABLE_MARK, "")
        para = clean_cell(piece)
        if para:
            lines.append(Line([Token(para, "html", paragraph=True)], "para"))
    return lines


def _table_lines(table, idx: int, hidden: HiddenLines | None) -> list[Line]:
    reader = spaced_text_reader(table, hidden.may_hide(table) if hidden is not None else True,
                                mark_blocks=False)
    grid = build_grid(table, reader or cell_text, batch=reader is not None)
    out: list[Line] = []
    for r, slots in enumerate(grid.rows):
        tokens: list[Token] = []
        prev = None
        for slot in slots:
            # A cell fills a contiguous run of one row's slots: comparing with the previous
            # slot is enough to take each cell once.
            if slot is None or slot is prev:
                continue
            prev = slot
            tokens.append(Token(slot.text, "html", slot.line, idx, r, slot.col, slot.colspan,
                                slot.row != r))
        if tokens:
            out.append(Line(tokens, "row", idx))
    return out


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
    hidden = HiddenLines(decoded.text)
    if hidden.lines or hidden.everywhere:     # the source hides something somewhere
        hidden.classes = _hidden_classes(root)
    lines = lines_from_body(body, hidden)
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
    headings = [clean_cell(_text_content(h)) for h in root.iter("h1", "h2")][:6]
    return HtmlDocument(lines=lines, title=title, meta=meta, encoding=decoded.encoding,
                        encoding_source=decoded.source, body_selector=selector,
                        text_head="\n".join(head_parts), headings=headings)


__all__ = ["HtmlDocument", "cell_text", "find_body", "lines_from_body", "read_html"]
