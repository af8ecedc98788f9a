"""The common currency between the HTML and the text front ends and the mapper.

Both front ends turn a document into ``Line``s of ``Token``s (an HTML table row, an HTML
paragraph, a line of a text rendering). Each token remembers where it came from, so every
value the mapper emits can be traced back to its table, grid row and column, or text line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ogi_scrape.parse.textnorm import clean_cell, label_key

MAX_LABEL_CHARS = 60   # longer tokens are narrative, never a table label


@dataclass(slots=True)
class Token:
    text: str                  # printed text, whitespace folded
    source: str                # "html" | "text"
    line: int | None = None    # source line (text line, or lxml sourceline)
    table: int | None = None   # index of the HTML table in the document (document order)
    row: int | None = None     # grid row inside that table
    col: int | None = None     # grid column of the cell's origin slot
    colspan: int = 1
    covered: bool = False      # HTML: a rowspan cell that started in an earlier row
    truncated: bool = False    # text: the document ends inside this cell
    paragraph: bool = False    # a paragraph (not a table cell)
    _key: str | None = field(default=None, repr=False)

    @classmethod
    def of(cls, raw: str, **kw) -> Token:
        return cls(text=clean_cell(raw), **kw)

    @property
    def key(self) -> str:
        if self._key is None:
            self._key = label_key(self.text) if len(self.text) <= 4 * MAX_LABEL_CHARS else ""
        return self._key

    def provenance(self) -> dict:
        out: dict = {"source": self.source}
        if self.table is not None:
            out["table"] = self.table
        if self.row is not None:
            out["row"] = self.row
        if self.col is not None:
            out["col"] = self.col
        if self.line is not None:
            out["line"] = self.line
        return out


@dataclass(slots=True)
class Line:
    tokens: list[Token]
    kind: str                  # "row" (HTML grid row) | "para" | "text"
    table: int | None = None
    row_boundary: bool = True  # True when the line is known to be exactly one table row
