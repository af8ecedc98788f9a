"""Text normalisation for cell text and for label matching.

Two different jobs, kept apart on purpose:

* ``clean_cell`` keeps what the report printed (the ``raw`` text a researcher audits): it
  only folds the whitespace that HTML and Word pasting scatter through cells.
* ``label_key`` turns a label into a matching key. Real labels come with full-width or
  half-width brackets, curly or straight quotes, words split by spaces or line breaks
  (``商业 企业``), traditional characters from mirror sites (``規範性檔案``), enumerators
  (``（三）``, ``3.``) and regional annotations in parentheses. None of that should decide
  whether ``行政规范性文件`` matched, so the key drops all of it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

_WS_RE = re.compile(r"\s+")
# Leading enumerators: 一、 (一) （一） 1. 1、 1． (1) ① and combinations such as "三、（一）".
_ENUM_RE = re.compile(
    r"^(?:(?:[一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十\d]+[)）]|\d+\s*[.、．)）](?!\d)|[①-⑳])\s*)+")
_PAREN_RE = re.compile(r"[(（][^()（）]*[)）]")
# Everything that is not a CJK ideograph, a Latin letter or a digit is noise for matching.
_NOISE_RE = re.compile(r"[^0-9a-z\u3400-\u9fff]+")


@lru_cache(maxsize=1)
def _t2s_table() -> dict[int, str]:
    """Traditional → simplified, character by character (OpenCC's TSCharacters table).

    Character-level conversion is enough for labels (phrase-level differences such as the
    Taiwan-style 檔案 for 文件 are fixed below) and is orders of magnitude faster than a
    phrase converter, which matters when every cell of every report goes through it.
    """
    table: dict[int, str] = {}
    try:
        import opencc  # opencc-python-reimplemented ships the dictionary files

        path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) == 2 and len(parts[0]) == 1:
                table[ord(parts[0])] = parts[1].split(" ")[0]
    except Exception:  # missing dictionary: labels in simplified still match
        pass
    # Over-conversions seen on mirror sites (templates.md §5.2).
    table[ord("製")] = "制"
    return table


# Taiwan- and Hong Kong-style phrase conversions that mirror sites apply on top of the
# character conversion (templates.md §5.2: 規範性檔案 for 规范性文件), for the words of the
# template's labels: 資訊 for 信息, 專案 for 项目, 反覆 for 反复 (OpenCC s2twp / s2hk).
_PHRASE_FIXES = (("档案", "文件"), ("资讯", "信息"), ("专案", "项目"), ("反覆", "反复"))


def to_simplified(text: str, *, phrases: bool = True) -> str:
    """Traditional → simplified by character; ``phrases`` also undoes the mirror sites'
    phrase conversions, which is right for matching labels but wrong for names (an
    档案局 is an archives bureau, not a 文件局), so titles and names pass False."""
    text = text.translate(_t2s_table())
    if phrases:
        for old, new in _PHRASE_FIXES:
            if old in text:
                text = text.replace(old, new)
    return text


# Zero-width characters: UEditor's fill character (U+200B), joiners, word joiner, a BOM in
# the middle of text. Printed as nothing, so matching and number reading drop them.
INVISIBLE_CHARS = "\u200b\u200c\u200d\u2060\ufeff"
INVISIBLE = dict.fromkeys(map(ord, INVISIBLE_CHARS))


def drop_invisible(text: str) -> str:
    return text if text.isascii() else text.translate(INVISIBLE)


_FULLWIDTH_ASCII = re.compile("[\uff01-\uff5e]+")
_HALFWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}


def _halfwidth(m: re.Match) -> str:
    return m.group().translate(_HALFWIDTH)     # a run at a time: "１２３" is one call


def _marker_table() -> dict[int, str]:
    """Characters NFKC turns into bare digits that a report prints as markers, never as
    part of a number: circled (①, ㉑), full-stop (⒈) and superscript or subscript (¹, ₂)
    digits. ``2629①`` (a footnote marker) must not read as 26291: each becomes its number
    in parentheses, ``2629(1)``, an annotation (flag ``annotated``) next to 2629."""
    ranges = ((0x2460, 0x2473), (0x24EA, 0x24EA), (0x3251, 0x325F), (0x32B1, 0x32BF),
              (0x2488, 0x249B), (0x2070, 0x2079), (0x00B2, 0x00B3), (0x00B9, 0x00B9),
              (0x2080, 0x2089))
    table = {}
    for lo, hi in ranges:
        for cp in range(lo, hi + 1):
            digits = "".join(ch for ch in unicodedata.normalize("NFKC", chr(cp)) if ch.isdigit())
            if digits:
                table[cp] = f"({digits})"
    return table


MARKER_DIGITS = _marker_table()
_MARKER_RE = re.compile("[" + "".join(map(chr, sorted(MARKER_DIGITS))) + "]")


def nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, several times faster on report text, except
    that marker digits (``MARKER_DIGITS``: ①, ¹) become ``(1)`` instead of a bare digit.

    CPython's NFKC runs its slow full pass (about 0.1 µs a character) over the whole string
    as soon as one character is not already normalized, and report text is full of such
    characters: no-break spaces from Word, full-width brackets, commas and digits. Those
    are first replaced by their NFKD decompositions (a space, the ASCII character), which
    leaves NFKC's result unchanged: NFKC is NFC of the full compatibility decomposition,
    and substituting a character by its own decomposition does not change that
    decomposition. Whatever is still not normalized then goes through NFKC itself.
    """
    if unicodedata.is_normalized("NFKC", text):
        return text
    if "\xa0" in text:
        text = text.replace("\xa0", " ")
    if "\u3000" in text:
        text = text.replace("\u3000", " ")
    if unicodedata.is_normalized("NFKC", text):
        return text
    text = _FULLWIDTH_ASCII.sub(_halfwidth, text)
    if unicodedata.is_normalized("NFKC", text):
        return text
    if _MARKER_RE.search(text):
        text = text.translate(MARKER_DIGITS)
    return unicodedata.normalize("NFKC", text)


def clean_cell(text: str) -> str:
    """Printed text of a cell: NFKC (full-width digits, nbsp), whitespace folded and trimmed.

    Every cell and every text line goes through here, so the common cases are cheap: NFKC
    is the identity on ASCII, and ``str.split`` folds whitespace (the same characters as
    ``\\s``) faster than a regex substitution.
    """
    if not text.isascii():
        text = nfkc(text)
    return " ".join(text.split())


def strip_enumerator(text: str) -> str:
    return _ENUM_RE.sub("", text, count=1)


def strip_parentheticals(text: str) -> str:
    # Nested or repeated annotations: strip innermost first, a few times at most.
    for _ in range(3):
        new = _PAREN_RE.sub("", text)
        if new == text:
            break
        text = new
    return text


@lru_cache(maxsize=65536)
def label_key(text: str) -> str:
    """Matching key of a label: simplified, no enumerator, no annotations, no punctuation."""
    t = to_simplified(nfkc(drop_invisible(text))).lower()
    t = _WS_RE.sub("", t)
    t = strip_enumerator(t)
    t = strip_parentheticals(t)
    return _NOISE_RE.sub("", t)


@lru_cache(maxsize=65536)
def compact(text: str) -> str:
    """Simplified text without whitespace or punctuation (keeps enumerators and notes)."""
    t = to_simplified(nfkc(drop_invisible(text))).lower()
    return _NOISE_RE.sub("", t)
