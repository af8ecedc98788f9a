"""From lines of tokens to table rows placed in sections.

A *group* is one table row as well as we can rebuild it: the labels printed before its
values, then its value cells. HTML rows are groups as they are. In text renderings a row
may be spread over many lines, so a new group starts where a label follows a value (and at
every line that visibly holds a whole row).

Sections are found from their headings (numeral + keyword, templates.md §5.1) and, where a
page has no headings, from the tables' own marker labels. Section 二's sub-tables are found
from their captions (第二十条第（N）项) or from the rows themselves, whose labels are unique.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ogi_scrape.parse import templates as T
from ogi_scrape.parse.cells import is_clean_value_like
from ogi_scrape.parse.textnorm import compact
from ogi_scrape.parse.tokens import Line, Token

_HEADING_RE = re.compile(r"^\s*([一二三四五六])\s*[、.．,，]")
_CAPTION_RE = re.compile(r"第二十条第?([一二三四五六七八九十]*)项?")
MAX_HEADING_CHARS = 48
_HEADING_NUMERALS = frozenset("一二三四五六")


@dataclass(slots=True)
class Group:
    labels: list[Token] = field(default_factory=list)
    values: list[Token] = field(default_factory=list)
    html_row: bool = False


def group_lines(lines: list[Line]) -> list[Group]:
    groups: list[Group] = []
    cur = Group()
    seen = _VALUE_LIKE

    def close():
        nonlocal cur
        if cur.labels or cur.values:    # an empty group is kept: no allocation per HTML row
            groups.append(cur)
            cur = Group()

    for line in lines:
        if line.kind == "row":
            close()
            groups.append(_html_row_group(line.tokens))
            continue
        if line.row_boundary and len(line.tokens) >= 2:
            close()
        for tok in line.tokens:
            if tok.paragraph:        # never a value (and narrative text need not be classified)
                like = False
            else:
                like = seen.get(tok.text)
                if like is None:
                    like = _learn_value_like(tok.text)
            if like:
                cur.values.append(tok)
            else:
                if cur.values:
                    close()
                cur.labels.append(tok)
    close()
    return groups


def _html_row_group(tokens: list[Token]) -> Group:
    """Labels are the cells before the first value-like cell (a rowspan cell covering this
    row does not count: it belongs to a row above); values are the rest."""
    seen = _VALUE_LIKE
    for i, t in enumerate(tokens):
        if t.covered or t.paragraph:
            continue
        text = t.text
        like = seen.get(text)
        if like is None:
            like = _learn_value_like(text)
        if like:
            return Group([t for t in tokens[:i] if t.text], [t for t in tokens[i:] if not t.covered],
                         True)
    return Group([t for t in tokens if t.text], [], True)


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
