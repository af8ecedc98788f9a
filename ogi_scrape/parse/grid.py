"""Rebuild an HTML table as a grid in which every slot remembers its source cell.

Follows the WHATWG "forming a table" algorithm where it matters for report tables:
spans are read by their leading digits, colspan is clamped to 1..1000 and rowspan to the
rows that exist (``rowspan="0"`` spans to the end), rows of ``thead``/``tbody``/``tfoot``
are taken in document order, and nested tables are left to the caller. Hostile input
(``rowspan="99999999"``, a 400,000-cell row) is bounded by ``MAX_COLS``/``MAX_ROWS`` so a
page can never make us allocate a huge grid; the table is then marked ``clipped``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from ogi_scrape.parse.textnorm import clean_cell

MAX_COLS = 256
MAX_ROWS = 4000
MAX_COLSPAN = 1000
_DIGITS = re.compile(r"\s*(\d+)")
_BLOCK_TAGS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section",
               "article", "ul", "ol", "dd", "dt", "blockquote", "pre", "center"}
_SKIP_TAGS = {"script", "style", "noscript", "template", "head", "title", "object", "iframe"}


@dataclass(slots=True)
class GridCell:
    text: str          # printed text, whitespace folded
    row: int           # origin slot
    col: int
    rowspan: int
    colspan: int
    line: int | None
    header: bool


@dataclass
class Grid:
    rows: list[list[GridCell | None]]
    ncols: int
    clipped: bool = False
    cells: list[GridCell] = field(default_factory=list)


def _span(value: str | None, default: int = 1) -> int:
    if not value:
        return default
    m = _DIGITS.match(value)
    return int(m.group(1)) if m else default


def _hidden(el) -> bool:
    """Hidden the ways a browser hides: display:none, visibility:hidden, the hidden attribute."""
    if el.get("hidden") is not None:
        return True
    style = el.get("style")
    if not style:
        return False
    s = style.replace(" ", "").lower()
    return "display:none" in s or "visibility:hidden" in s


# ``_hidden`` as an XPath predicate: spaces removed, the letters of "display:none" and
# "visibility:hidden" lowered.
_LOWERED_STYLE = "translate(translate(@style, ' ', ''), 'DISPLAYNOEVBTH', 'displaynoevbth')"
HIDDEN_PREDICATE = (f"[@hidden or contains({_LOWERED_STYLE}, 'display:none')"
                    f" or contains({_LOWERED_STYLE}, 'visibility:hidden')]")


def cell_text(cell) -> str:
    """Text of a cell without nested tables; block boundaries become spaces.

    Inline boundaries add nothing, so a number split over two spans ("2"+"0") reads 20
    and a label split into one span per character reads whole. Iterative, so deeply
    nested markup cannot exhaust the Python stack.
    """
    parts: list[str] = []
    if cell.text:
        parts.append(cell.text)
    stack = [(child, False) for child in reversed(cell)]
    while stack:
        el, closing = stack.pop()
        if closing:
            if el.tag in _BLOCK_TAGS if isinstance(el.tag, str) else False:
                parts.append(" ")
            if el.tail:
                parts.append(el.tail)
            continue
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag == "table" or tag in _SKIP_TAGS or not tag or _hidden(el):
            if el.tail:
                parts.append(el.tail)
            continue
        if tag in _BLOCK_TAGS:
            parts.append(" ")
        if el.text:
            parts.append(el.text)
        stack.append((el, True))
        stack.extend((child, False) for child in reversed(el))
    return clean_cell("".join(parts))


# Anything in a table that cell_text must walk around: skipped elements, nested tables,
# comments and processing instructions (found by lxml's C-level tag filter), and hidden
# elements (HIDDEN_PREDICATE).
_CAREFUL_TAGS = (*sorted(_SKIP_TAGS | {"table"}), etree.Comment, etree.ProcessingInstruction)
_HIDDEN_XPATH = etree.XPath(f"boolean(.//*{HIDDEN_PREDICATE})")
_HIDDEN_HINTS = (b"display:none", b"visibility:hidden", b"hidden=")


def _serialised_text(cell) -> str:
    return clean_cell(etree.tostring(cell, method="text", encoding=str, with_tail=False))


def spaced_text_reader(table, may_hide: bool = True, *, mark_blocks: bool = True):
    """A fast ``cell_text`` for a table of a tree the parser owns, or None.

    Walking every cell's markup in Python was the parser's largest cost (Word pastes put
    three to six elements in each cell). When the table holds nothing that must be skipped,
    block elements get the space ``cell_text`` would insert written into their text and
    tail, and libxml2's text serialiser then produces exactly ``cell_text``'s string.
    This MUTATES the table, so only the HTML front end, which parsed the tree itself, uses it.
    """
    if next(table.iterdescendants(*_CAREFUL_TAGS), None) is not None:
        return None
    # The exact hidden-element XPath costs more than everything else here on Word pastes,
    # whose every span has a long style; the serialised table is searched first (a superset).
    # ``may_hide=False``: the caller knows nothing hiding is written anywhere in the table's
    # source lines (see htmldoc.HiddenLines), so the search below cannot find anything.
    if may_hide:
        markup = etree.tostring(table).lower().replace(b" ", b"")
        if any(hint in markup for hint in _HIDDEN_HINTS) and _HIDDEN_XPATH(table):
            return None
    if mark_blocks:      # False: the caller already wrote whitespace at every block boundary
        for el in table.iter(*_BLOCK_TAGS):
            el.text = " " + (el.text or "")
            el.tail = " " + (el.tail or "")
    return _serialised_text


def table_rows(table) -> list:
    """The table's own rows (not those of nested tables), in document order."""
    rows = []
    for child in table:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "tr":
            rows.append(child)
        elif tag in ("thead", "tbody", "tfoot"):
            rows.extend(c for c in child if isinstance(c.tag, str) and c.tag == "tr")
    return rows


_CELL_MARK = "\ue000"   # a private-use character: XML-legal, never printed in a report


def _batch_texts(table, trs: list, tds: list) -> list[str] | None:
    """Every cell's text from ONE libxml2 serialisation of the table, or None.

    Each taken cell gets a mark written at the start of its text, and text outside cells
    (cell and row tails, text before a row's first cell) is dropped: it is not part of any
    cell. The serialised table then splits into exactly the cells' texts. Only for tables
    ``spaced_text_reader`` accepted (block spaces written, nothing to skip) of a tree the
    parser owns; any surprise (a mark already in the page, a cell not taken) gives None.
    """
    for tr in trs:
        tr.text = None
        tr.tail = None
    originals = []
    for td in tds:
        originals.append(td.text)
        td.text = _CELL_MARK + (td.text or "")
        td.tail = None
    text = etree.tostring(table, method="text", encoding=str, with_tail=False)
    parts = text.split(_CELL_MARK)
    if len(parts) != len(tds) + 1:
        # The page prints the mark itself: take the marks out again, or the caller's
        # cell-by-cell reading would find one at the start of every cell.
        for td, original in zip(tds, originals):
            td.text = original
        return None
    return [clean_cell(p) for p in parts[1:]]


def cell_spans(cs: str | None, rs: str | None, r: int, nrows: int) -> tuple[int, int]:
    """A cell's colspan and rowspan from its raw attributes (None when absent), for a cell
    of row ``r`` of ``nrows``: colspan 1..MAX_COLSPAN, rowspan 1..the rows left (0: all).
    Shared with the HTML front end's flattened tables (``flatbody``), which place cells as
    ``build_grid`` does without building a grid."""
    colspan = 1 if cs is None else min(max(_span(cs), 1), MAX_COLSPAN)
    rowspan = 1 if rs is None else _span(rs)
    if rowspan == 0:
        rowspan = nrows - r
    return colspan, max(1, min(rowspan, nrows - r))


def build_grid(table: etree._Element, text_of=cell_text, *, batch: bool = False) -> Grid:
    """``batch=True``: cell texts from one serialisation (see ``_batch_texts``); it mutates
    the table, so only for a table ``spaced_text_reader`` prepared."""
    trs = table_rows(table)
    clipped = len(trs) > MAX_ROWS
    trs = trs[:MAX_ROWS]
    nrows = len(trs)
    rows: list[list[GridCell | None]] = [[] for _ in range(nrows)]
    cells: list[GridCell] = []
    tds: list = []
    ncols = 0
    for r, tr in enumerate(trs):
        slots = rows[r]
        c = 0
        for td in tr:
            tag = td.tag
            if tag != "td" and tag != "th":      # comments and PIs have a non-str tag
                continue
            while c < len(slots) and slots[c] is not None:
                c += 1
            if c >= MAX_COLS:
                clipped = True
                break
            colspan, rowspan = cell_spans(td.get("colspan"), td.get("rowspan"), r, nrows)
            if c + colspan > MAX_COLS:
                clipped = True
                colspan = MAX_COLS - c
            cell = GridCell(text="" if batch else text_of(td), row=r, col=c, rowspan=rowspan,
                            colspan=colspan, line=td.sourceline, header=(tag == "th"))
            cells.append(cell)
            if batch:
                tds.append(td)
            if rowspan == 1 and colspan == 1 and c == len(slots):   # most cells
                slots.append(cell)
                c += 1
                continue
            for rr in range(r, r + rowspan):
                target = rows[rr]
                if len(target) < c + colspan:
                    target.extend([None] * (c + colspan - len(target)))
                for cc in range(c, c + colspan):
                    if target[cc] is None:
                        target[cc] = cell
            c += colspan
        ncols = max(ncols, len(slots))
    for slots in rows:
        if len(slots) < ncols:
            slots.extend([None] * (ncols - len(slots)))
    if batch:
        texts = None if clipped else _batch_texts(table, trs, tds)
        if texts is None:
            texts = [_serialised_text(td) for td in tds]
        for cell, text in zip(cells, texts):
            cell.text = text
    return Grid(rows=rows, ncols=ncols, clipped=clipped, cells=cells)
