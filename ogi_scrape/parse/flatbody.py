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
  ``SPAN colspan SPAN rowspan`` (the raw values, read by ``grid.place_row``);
* CLIP instead of a table's header and rows: more than ``MAX_ROWS`` rows or a row with
  more than ``MAX_COLS`` cells (hostile input); the body then goes to the reference path.

A page may print a mark itself, or write one in a span attribute. Searching the body's
text for marks costs as much as the transform, so the counts are checked instead: a stray
ROW changes the row count, a stray CELL the number of CELL marks (two per cell), a stray
SPAN in an attribute the parts of a header entry; a stray TABLE or END leaves a table
without exactly one END, a stray CLIP sends the body to the reference path. A mark in a
cell's or a paragraph's text is otherwise plain text, as on the reference path, except the
two the reference path itself uses: U+E000 in a table (``grid._batch_texts`` then leaves it
at the start of every cell of that table) and U+E001 anywhere (``htmldoc._TABLE_MARK``)
send the table or the body to it. Any mismatch sends the table (or the body) to the
reference path.

Costs (48 bench pages, ms/page): the transform ~0.45 (of which the source lines ~0.08 and
the span attributes ~0.05), reading the tables back ~0.45 (mostly making one ``Token`` per
cell and folding its whitespace).

The transform runs on a body the caller already cleaned (hidden elements dropped, skipped
and chrome tags stripped), so nothing hidden or skipped is left inside a table.
"""

from __future__ import annotations

from unicodedata import normalize

from lxml import etree

from ogi_scrape.parse.grid import _BLOCK_TAGS, _CELL_MARK, MAX_COLS, MAX_ROWS, place_row
from ogi_scrape.parse.textnorm import clean_cell
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
<xsl:template match="/">
  <xsl:choose>
    <xsl:when test="//processing-instruction()"><xsl:text>{_xml_chars(CLIP)}</xsl:text></xsl:when>
    <xsl:otherwise><xsl:apply-templates/></xsl:otherwise>
  </xsl:choose>
</xsl:template>
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
    lines = []
    for piece in text.split("\n"):
        para = clean_cell(piece)
        if para:
            lines.append(Line([Token(para, "html", paragraph=True)], "para"))
    return lines


def table_lines(encoded: str, idx: int) -> list[Line] | None:
    """A data table's rows from its encoding (between TABLE and END), or None if the
    reference path must read it: a count that does not match (a mark printed by the page
    or written in a span attribute) or a clipped table."""
    if _CELL_MARK in encoded:     # the reference path's own reading of a page printing it
        return None
    head, *rows = encoded.split(ROW)
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
    """The rows of one encoded table as ``Line``s, cells placed as ``grid.build_grid`` places
    them and taken from the slots as the reference path takes them from its grid.

    A row no rowspan reaches and without spans of its own is its cells in order, one slot
    each: its tokens come straight from the texts. A row with spans of its own is placed by
    ``grid.place_row``; a row without, but reached by a rowspan, gives each cell the next
    free slot, which is what ``place_row`` does with cells without spans.
    """

    def __init__(self, rows: list[str], source_lines: list, spans: list | None, idx: int):
        self.rows, self.source_lines, self.spans, self.idx = rows, source_lines, spans, idx
        self.slots: list[list] = [[] for _ in rows]
        self.reach = -1                          # the last row a rowspan reaches
        self.k = 0                               # cells read so far

    def read(self) -> list[Line] | None:
        """None if the table is clipped."""
        out: list[Line] = []
        for r, row in enumerate(self.rows):
            if not row.isascii():       # as clean_cell does per cell: CELL is a boundary of NFKC
                row = normalize("NFKC", row)
            texts = row.split(CELL)
            del texts[0]
            spans = self.spans[self.k:self.k + len(texts)] if self.spans else None
            if spans and any(spans):
                cells = [(None, None, text) if sp is None else (*sp, text)
                         for sp, text in zip(spans, texts)]
                clipped = place_row(self.slots, r, cells, self._make)
            elif r > self.reach:
                if texts:
                    out.append(Line(self._plain_tokens(r, texts), "row", self.idx))
                continue
            else:
                clipped = self._fill_free_slots(r, texts)
            if clipped:
                return None
            tokens = self._slot_tokens(r)
            if tokens:
                out.append(Line(tokens, "row", self.idx))
        return out

    def _plain_tokens(self, r: int, texts: list[str]) -> list[Token]:
        k, lines, idx = self.k, self.source_lines, self.idx
        self.k += len(texts)
        return [Token(" ".join(text.split()), "html", lines[k + c], idx, r, c)
                for c, text in enumerate(texts)]

    def _fill_free_slots(self, r: int, texts: list[str]) -> bool:
        slots = self.slots[r]
        c, n = 0, len(slots)
        for text in texts:
            while c < n and slots[c] is not None:
                c += 1
            if c >= MAX_COLS:
                return True
            cell = (" ".join(text.split()), self.source_lines[self.k], r, c, 1)
            self.k += 1
            if c < n:
                slots[c] = cell
            else:
                slots.append(cell)
                n += 1
            c += 1
        return False

    def _make(self, text: str, r: int, c: int, rowspan: int, colspan: int) -> tuple:
        if rowspan > 1:
            self.reach = max(self.reach, r + rowspan - 1)
        line = self.source_lines[self.k]
        self.k += 1
        return (" ".join(text.split()), line, r, c, colspan)

    def _slot_tokens(self, r: int) -> list[Token]:
        tokens: list[Token] = []
        prev = None
        for slot in self.slots[r]:
            # A cell fills a contiguous run of one row's slots: comparing with the previous
            # slot is enough to take each cell once.
            if slot is None or slot is prev:
                continue
            prev = slot
            text, line, origin, c, colspan = slot
            tokens.append(Token(text, "html", line, self.idx, r, c, colspan, origin != r))
        return tokens
