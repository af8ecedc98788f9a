"""Text front end: rebuild cells from text renderings of report pages.

Text copies of pages come in a few conventions (see ../shared/corpus/pages/README.md):

* ``A`` — cells end with ``|``: one row per line (``规章 | 0 | 0 | 0 |``) or one cell per line
  (``0 |``), where a lone ``|`` line is an empty cell;
* ``B`` — cells on their own lines, separated by lone ``|`` lines (two separators in a row
  mean an empty cell);
* ``C`` — no pipes at all: one cell per line (blank lines separate, a whitespace-only line
  is an empty cell; a line of space-separated numbers is several cells).

Merged and empty cells are often dropped by the renderer, so column positions are lost:
this module only rebuilds *cells*; which value belongs to which column is decided by the
mapper, which refuses to guess. A document that stops mid-cell (the corpus pages are cut
after ~1,000 characters) marks its last cell ``truncated``: ``0`` might have been ``0.5``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ogi_scrape.parse.cells import is_value_like
from ogi_scrape.parse.tokens import MAX_LABEL_CHARS, Line, Token

_SPLIT_NUMBERS = re.compile(r"\s+")
SHORT_LINE = 40
# No report row has more than 15 value cells, and the mapper trims blank cells at either
# end of a row and refuses a row with more blanks than columns, so an empty-cell run longer
# than this means the same as one of this length. Capping it keeps a page of a million
# ``|`` (renderer filler or junk) from costing a Token per pipe.
MAX_EMPTY_RUN = 64
# A page number printed by the PDF the text came from, alone on its line: "- 3 -", "— 12 —",
# "第3页", "第 3 页 共 12 页". Not a cell: read as cells ("-", "3", "-") it looked like a row
# of values without a label, inside the table the page break cut.
_PAGE_NUMBER = re.compile(r"^(?:[-—–－]+\s*\d{1,4}\s*[-—–－]+|第\s*\d{1,4}\s*页(?:\s*[/，,]?\s*共\s*\d{1,4}\s*页)?"
                          r"|(?:page|p\.)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?)$", re.IGNORECASE)
# A bare page number ("3") on its own line right after a line that held a whole row, when
# the next line starts another row or section: a PDF's footer, not a cell. Read as a cell it
# joined the row above (its seven numbers became eight, or six plus a page number seven).
# If it was the last cell of a row wrapped onto its own line, dropping it leaves that row
# one cell short, so the row is refused, never shifted.
_BARE_NUMBER = re.compile(r"^\d{1,4}$")


def _cap_empty_runs(parts: list[str]) -> list[str]:
    """Shorten runs of empty cells within one line to ``MAX_EMPTY_RUN``."""
    if len(parts) <= MAX_EMPTY_RUN:
        return parts
    out: list[str] = []
    run = 0
    for p in parts:
        if p.strip():
            run = 0
        else:
            run += 1
            if run > MAX_EMPTY_RUN:
                continue
        out.append(p)
    return out


@dataclass
class TextDocument:
    lines: list[Line]
    convention: str
    text_head: str
    title: str | None


def _convention(raw_lines: list[str]) -> str:
    lone = sum(1 for l in raw_lines if l.strip() == "|")
    short = [l for l in raw_lines if l.strip() and l.strip() != "|" and len(l.strip()) <= SHORT_LINE]
    if not any("|" in l for l in raw_lines):
        return "C"
    piped = sum(1 for l in short if "|" in l)
    if lone and short and piped / len(short) < 0.3:
        return "B"
    return "A"


def _number_run(text: str) -> list[str] | None:
    """``0 0 0 1 6`` (numbers of a flattened PDF row) → five cells; None if not such a run."""
    parts = _SPLIT_NUMBERS.split(text.strip())
    if len(parts) >= 3 and all(p and is_value_like(p) for p in parts):
        return parts
    return None


def _label_then_numbers(text: str) -> list[str] | None:
    """``规章 0 0 0`` (a row of a PDF rendered as text) → label + three cells; None otherwise.

    Only trailing whitespace-separated cells that read as values count, and at least one
    must hold a digit, so a sentence (``受理申请 34 件``) or ``暂 无`` is left whole."""
    parts = _SPLIT_NUMBERS.split(text.strip())
    if len(parts) < 2:
        return None
    k = 0
    while k < len(parts) - 1 and is_value_like(parts[-1 - k]):
        k += 1
    if k == 0 or not any(ch.isdigit() for p in parts[-k:] for ch in p):
        return None
    label = " ".join(parts[:-k])
    if len(label) > MAX_LABEL_CHARS:
        return None
    return [label, *parts[-k:]]


def _after_whole_row(lines: list[Line]) -> bool:
    """The last line read held a whole row (a label and values, or a run of numbers)."""
    if not lines:
        return False
    last = lines[-1]
    return last.row_boundary and sum(1 for t in last.tokens if t.text) >= 3


def _starts_new_row(raw_lines: list[str], start: int) -> bool:
    """The next non-empty line begins something other than a cell of the current row: a
    labelled line (text that is not a value), or the end of the document."""
    for raw in raw_lines[start:start + 20]:
        stripped = raw.strip().strip("|").strip()
        if not stripped:
            continue
        first = _SPLIT_NUMBERS.split(stripped)[0].split("|")[0].strip()
        return not is_value_like(first)
    return True


def _cut_before_its_pipe(raw_lines: list[str]) -> bool:
    """Convention A ends every cell with "|": where the line before the last does, a last
    line that does not was cut, even if the tool that cut it added a newline (a cut 152
    read as 15). Where the lines before do not end with "|" either, nothing is known."""
    filled = [line.rstrip() for line in raw_lines[-6:] if line.strip()]
    return len(filled) >= 2 and filled[-2].endswith("|") and not filled[-1].endswith("|")


def read_text(text: str) -> TextDocument:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    ends_clean = text.endswith("\n") or text.rstrip(" \t").endswith("|")
    raw_lines = text.split("\n")
    while raw_lines and raw_lines[-1] == "" and len(raw_lines) > 1:
        raw_lines.pop()
    conv = _convention(raw_lines)
    if conv == "A" and _cut_before_its_pipe(raw_lines):
        ends_clean = False
    lines: list[Line] = []
    pending_sep = False   # convention B: a separator seen since the last cell
    empty_run = 0         # consecutive lines that were one empty cell each
    last_index = len(raw_lines) - 1
    for n, raw in enumerate(raw_lines):
        lineno = n + 1
        stripped = raw.strip()
        is_last = n == last_index
        if stripped == "|" or (conv == "C" and raw and not stripped):
            if empty_run >= MAX_EMPTY_RUN:
                continue  # see MAX_EMPTY_RUN: one more empty cell changes nothing
            empty_run += 1
        elif stripped:
            empty_run = 0
        if conv == "B" and stripped == "|":
            if pending_sep:   # two separators in a row: an empty cell between them
                lines.append(Line([Token.of("", source="text", line=lineno)], kind="text",
                                  row_boundary=False))
            pending_sep = True
            continue
        if conv in ("A", "B") and "|" in raw:
            parts = _cap_empty_runs(raw.split("|"))
            tail = parts.pop()
            cells = [Token.of(p, source="text", line=lineno) for p in parts]
            if tail.strip():
                tok = Token.of(tail, source="text", line=lineno)
                tok.truncated = is_last and not ends_clean
                cells.append(tok)
            # A line holding several printed cells is a whole row; "0 | |" is one cell
            # plus renderer filler, not a new row.
            lines.append(Line(cells, kind="text",
                              row_boundary=sum(1 for c in cells if c.text) >= 2))
            pending_sep = False
            continue
        if _PAGE_NUMBER.match(stripped):
            continue
        if _BARE_NUMBER.match(stripped) and _after_whole_row(lines) and \
                _starts_new_row(raw_lines, n + 1):
            continue
        if not stripped:
            if conv == "C" and raw != "":
                lines.append(Line([Token.of("", source="text", line=lineno)], kind="text",
                                  row_boundary=False))
            continue
        run = _number_run(stripped) or _label_then_numbers(stripped)
        if run:
            cells = [Token.of(p, source="text", line=lineno) for p in run]
            if is_last and not ends_clean:
                cells[-1].truncated = True
            lines.append(Line(cells, kind="text", row_boundary=True))
        else:
            tok = Token.of(raw, source="text", line=lineno)
            tok.truncated = is_last and not ends_clean
            lines.append(Line([tok], kind="text", row_boundary=False))
        pending_sep = False
    head = "\n".join(raw_lines[:60])[:4000]
    return TextDocument(lines=lines, convention=conv, text_head=head, title=None)
