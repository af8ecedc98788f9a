"""From lines of tokens to table rows placed in sections.

A *group* is one table row as well as we can rebuild it: the labels printed before its
values, then its value cells (a ``(labels, values, is an HTML row)`` tuple). HTML rows
are groups as they are. In text renderings a row may be spread over many lines, so a new
group starts where a label follows a value (and at every line that visibly holds a whole
row).

Sections are found from their headings (numeral + keyword, templates.md §5.1) and, where a
page has no headings, from the tables' own marker labels. Section 二's sub-tables are found
from their captions (第二十条第（N）项) or from the rows themselves, whose labels are unique.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ogi_scrape.parse import templates as T
from ogi_scrape.parse.cells import is_clean_value_like
from ogi_scrape.parse.textnorm import INVISIBLE_CHARS, compact
from ogi_scrape.parse.tokens import Line, Token

_HEADING_RE = re.compile(r"^\s*([一二三四五六])\s*[、.．,，]")
_CAPTION_RE = re.compile(r"第二十条第?([一二三四五六七八九十]*)项?")
MAX_HEADING_CHARS = 48
_HEADING_NUMERALS = frozenset("一二三四五六")


def group_lines(lines: list[Line]) -> Iterator[tuple[list[Token], list[Token], bool]]:
    """(labels, values, is an HTML row) per group, in document order. Yielded as plain
    tuples while the placer walks them: no group object, no list of groups per page."""
    seen = _VALUE_LIKE
    labels: list[Token] = []
    values: list[Token] = []
    for line in lines:
        tokens = line.tokens
        if line.kind == "row":
            if labels or values:
                yield labels, values, False
                labels, values = [], []
            yield _html_row_group(tokens, seen)
            continue
        if line.row_boundary and len(tokens) >= 2 and (labels or values):
            yield labels, values, False
            labels, values = [], []
        for tok in tokens:
            if tok.paragraph:        # never a value (and narrative text need not be classified)
                like = False
            else:
                like = seen.get(tok.text)
                if like is None:
                    like = _learn_value_like(tok.text)
            if like:
                values.append(tok)
            else:
                if values:
                    yield labels, values, False
                    labels, values = [], []
                labels.append(tok)
    if labels or values:
        yield labels, values, False


def _html_row_group(tokens: list[Token], seen: dict[str, bool]) -> tuple[list[Token], list[Token], bool]:
    """Labels are the cells before the first value-like cell (a rowspan cell covering this
    row does not count: it belongs to a row above); values are the rest.

    A blank cell followed by a label stands in the label columns, not among the values: a
    group cell printed once with blank cells below it instead of a rowspan (``三、本年度办理
    结果`` over its outcome rows), or a blank corner cell before header labels."""
    blank_at = -1
    for i, t in enumerate(tokens):
        if t.covered or t.paragraph:
            continue
        text = t.text
        like = seen.get(text)
        if like is None:
            like = _learn_value_like(text)
        if like and text:
            start = i if blank_at < 0 else blank_at
            return [t for t in tokens[:start] if t.text], [t for t in tokens[start:] if not t.covered], True
        if like:
            if blank_at < 0:
                blank_at = i
        else:
            blank_at = -1          # blanks before a label were in the label columns
    if blank_at >= 0:              # trailing blank cells after the labels: blank values
        return [t for t in tokens[:blank_at] if t.text], [t for t in tokens[blank_at:] if not t.covered], True
    return [t for t in tokens if t.text], [], True


# Token text → value-like (as a table cell). Every page prints the same few hundred texts
# (labels, small counts, dashes), so one dict lookup per cell replaces the classification.
# Only short texts are kept and the table is emptied when it grows past MAX_SEEN, so a long
# crawl (or a page of huge cells) stays bounded in memory.
_VALUE_LIKE: dict[str, bool] = {}
MAX_SEEN = 65536
MAX_SEEN_CHARS = 60


def _learn_value_like(text: str) -> bool:
    like = is_clean_value_like(text)
    if len(text) <= MAX_SEEN_CHARS:
        if len(_VALUE_LIKE) >= MAX_SEEN:
            _VALUE_LIKE.clear()
        _VALUE_LIKE[text] = like
    return like


def heading_section(text: str) -> str | None:
    """``二、主动公开政府信息情况`` → "s2"; None when the text is not a section heading."""
    if not text or text.lstrip()[:1] not in _HEADING_NUMERALS:   # cheap reject: most tokens
        if not text or text.lstrip()[:1] not in INVISIBLE_CHARS:
            return None
        text = text.lstrip().lstrip(INVISIBLE_CHARS)
        if text[:1] not in _HEADING_NUMERALS:
            return None
    if len(text) > MAX_HEADING_CHARS:
        # Long paragraphs can still start with a heading run into the text (PDF renderings).
        text = text[:MAX_HEADING_CHARS]
    m = _HEADING_RE.match(text)
    if not m:
        return None
    numeral = m.group(1)
    body = compact(text[m.end():])
    for sec, rule in T.section_heading_rules().items():
        if rule["numeral"] == numeral and any(compact(k) in body for k in rule["keywords"]):
            return sec
    return None


def caption_item(text: str) -> str | None:
    """``第二十条第（五）项`` → "五"; ``第二十条第`` (number lost) → ""; else None."""
    if "第二十" not in text:    # cheap reject (also matches 第二十條 on mirror sites)
        return None
    c = compact(text)
    if "第二十条" not in c or len(c) > 20:
        return None
    m = _CAPTION_RE.search(c)
    return m.group(1) if m else ""
