"""What a printed cell means: a number, a deliberate "not applicable", a blank, or text.

The rules are the data contract of codes.md: keep the raw text; blank is not 0 and ``/`` is
not 0; units, signs and annotations are read, never guessed; nothing is filled in. A cell
we cannot read as a number keeps its text and gets a flag, so a researcher sees *why* a
value is missing instead of a silent gap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from ogi_scrape.parse.textnorm import clean_cell, drop_invisible, to_simplified

NOT_APPLICABLE = {"/", "／", "\\", "-", "--", "—", "——", "–", "－", "一", "无", "不适用", "空",
                  "n/a", "na", "×", "x", "/ /"}
UNITS = ("万元", "元", "件次", "件", "个", "条", "项", "次", "人次", "宗", "万")
_NUM = r"(?P<num>\d+(?:,\d{3})*(?:\.\d+)?|\.\d+)"
# Digits on both sides of a space (or a folded line break): "4 529" may be one number with a
# space in it or two numbers in one cell (two paragraphs of a Word cell). Not read.
_SPACED_DIGITS = re.compile(r"\d\s+[\d.,]|[\d.,]\s+\d")
_NOTE_RE = re.compile(r"[(（][^()（）]*[)）]")
# Digits run together with separators in no valid grouping (12,28  1.234,5): a number cell
# typed wrong, not a label. It stands in its column (so the row keeps its positions) and is
# not read (text_in_numeric).
_DIGITS_AND_SEPARATORS = re.compile(r"^[+\-−]?\d[\d,，.．]*\d(?:万元|元)?$")
# Signs: ASCII, the minus sign, and the en dash Word's autocorrect puts for a typed "-3".
# 共 ("in all") before a count is a word of the sentence the cell was cut from, kept as the note.
# 万 alone after a number is 万元 shortened (``36.52万`` under 本年收费金额（单位：万元）).
_VALUE_RE = re.compile(
    rf"^(?P<total>共)?(?P<sign>[+\-−–]|增加?|减少?)?\s*{_NUM}\s*(?P<unit>万元|元|件次|件|个|条|项|次|人次|宗|万)?"
    r"\s*(?P<note>[(（][^()（）]*[)）])?$")


@dataclass(slots=True)
class CellValue:
    raw: str
    value: int | Decimal | None
    unit: str | None = None
    flags: list[str] = field(default_factory=list)
    note: str | None = None

    @property
    def has_value(self) -> bool:
        return self.value is not None


def _printed(t: str) -> str:
    """What the page shows of a cell: without zero-width characters (UEditor's U+200B
    before a number) and with a literal ``&nbsp;`` (a CMS that escaped the entity twice,
    ``0&nbsp;``) as the space it meant."""
    if "&nbsp" in t:
        t = t.replace("&nbsp;", " ").replace("&nbsp", " ").strip()
    return drop_invisible(t)


def _readable(t: str) -> str:
    """Cell text as it is matched: what the page shows (``_printed``), through the
    character conversion, so that 萬元, 減少 and 無 on traditional-character mirrors read
    as 万元, 减少 and 无 (a 1:1 conversion)."""
    if t.isascii():
        return _printed(t) if "&" in t else t
    return to_simplified(_printed(t), phrases=False)


def is_value_like(text: str) -> bool:
    """Could this cell be a table value (number, blank, dash, 无)? Labels are everything else."""
    return is_clean_value_like(clean_cell(text))


def is_clean_value_like(t: str) -> bool:
    """``is_value_like`` for text already through ``clean_cell`` (every Token's text)."""
    if not t or t.isascii() and t.isdigit():    # most cells: blank or a plain count
        return True
    t = _readable(t)
    if not t or t.lower() in NOT_APPLICABLE:     # "" here: only zero-width characters
        return True
    return _VALUE_RE.match(t.replace(" ", "")) is not None or _DIGITS_AND_SEPARATORS.match(t) is not None


def read_cell(text: str) -> CellValue:
    """Read one printed cell. Integers stay ``int``; anything with a decimal point is a Decimal."""
    return read_clean(clean_cell(text))


def read_clean(raw: str) -> CellValue:
    """``read_cell`` for text already through ``clean_cell`` (every Token's text)."""
    if raw == "":
        return CellValue(raw, None, flags=["blank"])
    if raw.isascii() and raw.isdigit():           # most cells: a plain count, no regex needed
        return CellValue(raw, int(raw))
    text = _readable(raw)     # ``raw`` keeps what was printed
    if not text:
        return CellValue(raw, None, flags=["blank"])
    if text.lower() in NOT_APPLICABLE:
        return CellValue(raw, None, flags=["not_applicable"])
    m = _VALUE_RE.match(text.replace(" ", ""))
    if not m:
        return CellValue(raw, None, flags=["text_in_numeric"])
    if " " in text and _SPACED_DIGITS.search(_NOTE_RE.sub("", text)):
        return CellValue(raw, None, flags=["spaced_digits"])
    num = m.group("num").replace(",", "")
    try:
        value: int | Decimal = Decimal(num) if "." in num else int(num)
    except (InvalidOperation, ValueError):  # pragma: no cover - regex guarantees digits
        return CellValue(raw, None, flags=["text_in_numeric"])
    sign = m.group("sign") or ""
    flags: list[str] = []
    if sign in ("-", "−", "–") or sign.startswith("减"):
        value = -value
    if sign.startswith(("增", "减")):
        flags.append("signed_word")
    # The annotation as printed: ``text`` and ``raw`` line up character for character.
    note = _printed(raw).replace(" ", "")[m.start("note"):m.end("note")] if m.group("note") else None
    if m.group("total"):
        note = m.group("total") + (note or "")
    if note:
        flags.append("annotated")
    unit = m.group("unit")
    return CellValue(raw, value, unit="万元" if unit == "万" else unit, flags=flags, note=note)
