"""The report body flattened to ONE string by one XSLT transform, then read back in Python.

Why XSLT: the body of a Word-pasted report holds about a thousand elements, and every
element Python touches costs a proxy object and a few attribute calls. libxslt walks the
whole tree in C. One transform (output method ``text``) writes the paragraphs and every
data table's cells into a single string; Python then splits that string and builds the
``Line``s. This replaced writing a newline into the text and tail of every block element,
rebuilding each table's grid element by element and serialising it once per table (that
reference path, ``htmldoc._lines_exact``, still reads whatever the encoding cannot carry).

The encoding (the marks are private-use characters):

* outside data tables, the body's text with ``\\n`` at the start and end of every block
  element, cell and table (``BOUNDARY_TAGS``): split at ``\\n``, each piece is a paragraph,
  exactly what the reference path reads from its newline-marked tree;
* a *data* table (one with no nested table; a layout table is walked through like a
  ``div``) is ``\\n`` TABLE, a header, then per row (``tr``, ``thead/tr``, ``tbody/tr``,
  ``tfoot/tr``, in document order) ROW and per cell (``td``/``th`` children) CELL and the
  cell's text (block boundaries are newlines, folded like all whitespace by
  ``clean_cell``), and END ``\\n``. Nothing else in a data table (captions, stray text)
  is written: the reference path drops it too. The header is the row count, then per cell
  CELL, its source line (``saxon:line-number()``: libxml2's line, which lxml's
  ``sourceline`` reads) and, for a cell with a ``colspan`` or ``rowspan`` attribute,
  ``SPAN colspan SPAN rowspan`` (the raw values, read by ``grid.cell_spans``);
* CLIP instead of a table's header and rows: more than ``MAX_ROWS`` rows or a row with
  more than ``MAX_COLS`` cells (hostile input); the body then goes to the reference path.

A page may print a mark itself, or write one in a span attribute. Searching the body's
text for marks costs as much as the transform, so the counts are checked instead: a stray
ROW changes the row count, a stray CELL the number of CELL marks (two per cell), a stray
SPAN in an attribute the parts of a header entry; a stray TABLE or END leaves a table
without exactly one END, a stray CLIP sends the body to the reference path. A mark in a
cell's or a paragraph's text is otherwise plain text, as on the reference path; U+E001
anywhere (``htmldoc._TABLE_MARK``, which the reference path drops from paragraphs) sends
the body to it. Any mismatch sends the table (or the body) to the reference path.

Costs (48 bench pages, ms/page): the transform ~0.35 (of which the source lines ~0.1 and
the span attributes ~0.05), reading the tables back ~0.4 (mostly making one ``Token`` per
cell and folding its whitespace). Processing instructions need no special case: libxml2
2.14 no longer makes them in HTML, and where a tree has them both paths ignore them.

The transform runs on a body the caller already cleaned (hidden elements dropped, skipped
and chrome tags stripped), so nothing hidden or skipped is left inside a table.
"""

from __future__ import annotations

from lxml import etree

from ogi_scrape.parse.grid import (
    _BLOCK_TAGS,
    MAX_COLS,
    MAX_ROWS,
    cell_spans,
)
from ogi_scrape.parse.textnorm import nfkc
from ogi_scrape.parse.tokens import Line, Token

BOUNDARY_TAGS = (*sorted(_BLOCK_TAGS), "td", "th", "table")
# Not U+E000/U+E001: the reference path gives those a meaning (grid._CELL_MARK, htmldoc._TABLE_MARK).
CELL, ROW, TABLE, END, SPAN, CLIP = "\ue010", "\ue011", "\ue012", "\ue013", "\ue014", "\ue015"


def _xml_chars(text: str) -> str:
    return "".join(f"&#x{ord(ch):X};" for ch in text)


_STYLESHEET = f"""\
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:saxon="http://icl.com/saxon" extension-element-prefixes="saxon">
<xsl:output method="text" encoding="UTF-8"/>
<xsl:template match="{'|'.join(BOUNDARY_TAGS)}">
  <xsl:text>&#10;</xsl:text><xsl:apply-templates/><xsl:text>&#10;</xsl:text>
</xsl:template>
<xsl:template match="table[not(.//table)]" priority="2">
  <xsl:variable name="rows" select="tr|thead/tr|tbody/tr|tfoot/tr"/>
  <xsl:text>&#10;{_xml_chars(TABLE)}</xsl:text>
  <xsl:choose>
    <xsl:when test="count($rows) &gt; {MAX_ROWS} or $rows[count(td|th) &gt; {MAX_COLS}]">
      <xsl:text>{_xml_chars(CLIP)}</xsl:text>
    </xsl:when>
    <xsl:otherwise>
      <xsl:value-of select="count($rows)"/>
      <xsl:for-each select="$rows/td|$rows/th">
        <xsl:text>{_xml_chars(CELL)}</xsl:text><xsl:value-of select="saxon:line-number()"/>
        <xsl:if test="@colspan or @rowspan">
          <xsl:text>{_xml_chars(SPAN)}</xsl:text><xsl:value-of select="@colspan"/>
          <xsl:text>{_xml_chars(SPAN)}</xsl:text><xsl:value-of select="@rowspan"/>
        </xsl:if>
      </xsl:for-each>
      <xsl:for-each select="$rows">
        <xsl:text>{_xml_chars(ROW)}</xsl:text>
        <xsl:for-each select="td|th">
          <xsl:text>{_xml_chars(CELL)}</xsl:text><xsl:apply-templates/>
        </xsl:for-each>
      </xsl:for-each>
    </xsl:otherwise>
  </xsl:choose>
  <xsl:text>{_xml_chars(END)}&#10;</xsl:text>
</xsl:template>
</xsl:stylesheet>
"""
_TRANSFORM = etree.XSLT(etree.XML(_STYLESHEET))


def flatten(body) -> str | None:
    """The encoded body, or None when the transform fails (e.g. nesting deeper than libxslt's
    template depth): the caller then reads the body the reference way."""
    try:
        return str(_TRANSFORM(body))
    except etree.XSLTApplyError:
        return None


def paragraphs(text: str) -> list[Line]:
    """The paragraphs of a stretch of body text: its lines, each cleaned as ``clean_cell``
    cleans a cell. NFKC runs once over the stretch, not once per line: a newline is a
    boundary NFKC never composes, reorders or produces across, so the result is the same."""
    if not text.isascii():
        text = nfkc(text)
    lines = []
    for piece in text.split("\n"):
        words = piece.split()
        if words:
            lines.append(Line([Token(" ".join(words), "html", paragraph=True)], "para"))
    return lines


def table_lines(encoded: str, idx: int) -> list[Line] | None:
    """A data table's rows from its encoding (between TABLE and END), or None if the
    reference path must read it: a count that does not match (a mark printed by the page
    or written in a span attribute) or a clipped table."""
    head, row_mark, body = encoded.partition(ROW)
    if not body.isascii():   # once per table: ROW and CELL are boundaries NFKC never crosses
        body = nfkc(body)
    rows = (row_mark + body).split(ROW)[1:] if row_mark else []
    nrows, *cells = head.split(CELL)
    if nrows != str(len(rows)) or encoded.count(CELL) != 2 * len(cells):
        return None
    spans: list | None = None
    if SPAN in head:
        spans = [None] * len(cells)
        for i, cell in enumerate(cells):
            if SPAN in cell:
                parts = cell.split(SPAN)
                if len(parts) != 3:
                    return None
                cells[i], cs, rs = parts
                spans[i] = (cs, rs)
    try:
        lines = list(map(int, cells))
    except ValueError:
        return None
    if lines and min(lines) <= 0:          # libxml2 knows no line: lxml says None
        lines = [n if n > 0 else None for n in lines]
    return _Table(rows, lines, spans, idx).read()


class _Table:
    """The rows of one encoded table as ``Line``s: cells placed as ``grid.build_grid`` places
    them (spans read by the same ``grid.cell_spans``) and tokens taken as the reference path
    takes them from its grid, in one pass per row, without building the grid.

    A row no rowspan reaches and without spans of its own is its cells in order, one slot
    each. Any other row walks its slots left to right: a slot a rowspan from above holds
    gives that cell's (covered) token, the others take the row's cells in turn. As in the
    grid, a cell fills only the free slots of its columns, and the same cell in adjacent
    slots gives one token. Only the slots of rows below are written (rowspans); a row's own
    slots are never read again.
    """

    def __init__(self, rows: list[str], source_lines: list, spans: list | None, idx: int):
        self.rows, self.source_lines, self.spans, self.idx = rows, source_lines, spans, idx
        self.slots: list[list] = [[] for _ in rows]   # per row: (text, line, row, col, colspan)
        self.reach = -1                               # the last row a rowspan reaches
        self.k = 0                                    # cells read so far

    def read(self) -> list[Line] | None:
        """None if the table is clipped."""
        out: list[Line] = []
        for r, row in enumerate(self.rows):
            texts = row.split(CELL)
            del texts[0]
            spans = self.spans[self.k:self.k + len(texts)] if self.spans else None
            if spans and any(spans) or r <= self.reach:
                tokens = self._placed_tokens(r, texts, spans)
                if tokens is None:
                    return None
            else:
                tokens = self._plain_tokens(r, texts)
            if tokens:
                out.append(Line(tokens, "row", self.idx))
        return out

    def _plain_tokens(self, r: int, texts: list[str]) -> list[Token]:
        k, lines, idx = self.k, self.source_lines, self.idx
        self.k += len(texts)
        return [Token(" ".join(text.split()), "html", lines[k + c], idx, r, c)
                for c, text in enumerate(texts)]

    def _held_token(self, slot: tuple, r: int) -> Token:
        """The token of a cell a rowspan from an earlier row holds in row ``r``."""
        return Token(slot[0], "html", slot[1], self.idx, r, slot[3], slot[4], True)

    def _placed_tokens(self, r: int, texts: list[str], spans: list | None) -> list[Token] | None:
        slots, idx, lines, k = self.slots[r], self.idx, self.source_lines, self.k
        held = len(slots)
        tokens: list[Token] = []
        prev = None
        c = 0
        for i, (text, span) in enumerate(zip(texts, spans or [None] * len(texts))):
            while c < held and slots[c] is not None:
                slot = slots[c]
                if slot is not prev:
                    prev = slot
                    tokens.append(self._held_token(slot, r))
                c += 1
            if c >= MAX_COLS:
                return None
            if span is None:                                # most cells: one slot
                tokens.append(Token(" ".join(text.split()), "html", lines[k + i], idx, r, c))
                prev = None
                c += 1
                continue
            colspan, rowspan = cell_spans(*span, r, len(self.rows))
            end = c + colspan
            if end > MAX_COLS:
                return None
            cell = (" ".join(text.split()), lines[k + i], r, c, colspan)
            prev = cell
            tokens.append(Token(cell[0], "html", cell[1], idx, r, c, colspan))
            for cc in range(c + 1, min(end, held)):        # columns a rowspan may hold
                slot = slots[cc]
                if slot is None:
                    slot = cell
                if slot is not prev:
                    prev = slot
                    tokens.append(self._held_token(slot, r) if slot is not cell else
                                  Token(cell[0], "html", cell[1], idx, r, c, colspan))
            if end > held and prev is not cell:            # the cell again, after a held column
                prev = cell
                tokens.append(Token(cell[0], "html", cell[1], idx, r, c, colspan))
            if rowspan > 1:
                self._hold(cell, r + 1, r + rowspan, c, colspan)
            c = end
        self.k += len(texts)
        for slot in slots[c:]:
            if slot is not None and slot is not prev:
                prev = slot
                tokens.append(self._held_token(slot, r))
        return tokens

    def _hold(self, cell: tuple, first: int, end: int, c: int, colspan: int) -> None:
        """A rowspan: the cell takes the free slots of its columns in rows first..end-1."""
        self.reach = max(self.reach, end - 1)
        for rr in range(first, end):
            target = self.slots[rr]
            if len(target) < c + colspan:
                target.extend([None] * (c + colspan - len(target)))
            for cc in range(c, c + colspan):
                if target[cc] is None:
                    target[cc] = cell
