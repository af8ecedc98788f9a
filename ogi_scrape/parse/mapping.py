"""Map table rows to canonical codes, by label, refusing to guess.

Rows are matched by their printed label against the template (``templates/*.toml``; see
``vocabulary`` and ``placement``), with template row order used only as a tie-breaker: to
place a row whose label cell is empty between two rows we did recognise. Columns are taken
in printed order and only when the mapping is unambiguous: as many value cells as the
template has columns (blank cells included), or exactly as many numbers as columns once
renderer filler is set aside, or under their own labels in an HTML header. Section 四 is
the exception the formats impose: its fifteen numbers map by position (also when split
into rows of 5 and 10), a readable header only checked against them. Anything else is
recorded as unreadable, with the cells we saw, and flagged.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache
from itertools import pairwise
from operator import is_not
from typing import ClassVar

from ogi_scrape.parse import templates as T
from ogi_scrape.parse.cells import CellValue, read_clean
from ogi_scrape.parse.placement import Placer, RowMatch
from ogi_scrape.parse.s3header import S3Headers
from ogi_scrape.parse.structure import group_lines
from ogi_scrape.parse.textnorm import label_key
from ogi_scrape.parse.tokens import MAX_LABEL_CHARS, Line, Token
from ogi_scrape.parse.vocabulary import EXTRA_ROW, RowSpec, catalogue


@dataclass(slots=True)
class Value:
    """One mapped cell: its code, what was printed and read, flags, and the source token.
    The mapper creates it and the parse result publishes the same object (one record per
    cell from mapping to output)."""

    code: str
    section: str
    row: str
    column: str
    value: int | Decimal | None
    raw: str
    unit: str | None
    flags: list[str]
    note: str | None
    token: object = field(default=None, repr=False)   # the source cell (parse.tokens.Token)

    @property
    def provenance(self) -> dict:
        """Where the value was printed; built on demand (most parses never ask)."""
        return self.token.provenance() if self.token is not None else {}

    def to_dict(self) -> dict:
        out = {"code": self.code, "section": self.section, "row": self.row, "column": self.column,
               "value": _json_number(self.value), "raw": self.raw, "unit": self.unit,
               "flags": self.flags, "provenance": self.provenance}
        if isinstance(self.value, Decimal):
            out["value_text"] = format(self.value, "f")
        if self.note:
            out["note"] = self.note
        return out


def _json_number(v):
    if isinstance(v, Decimal):
        return float(v)
    return v


@dataclass
class Mapping:
    template: str                     # gb2019 | gb2021 | unknown
    template_basis: str
    cells: dict[str, Value]
    unreadable: list[dict]
    sections_seen: set[str]
    tables_found: dict[str, bool]
    signature_hits: dict[str, int]
    notes: list[str] = field(default_factory=list)
    subtotals: dict[str, Value] = field(default_factory=dict)



# ----------------------------------------------------------------------------- values
def assign(values: list[Token], ncols: int, *, trust_trailing_blank: bool = True) -> tuple[list[Token | None] | None, list[str]]:
    """Decide which value token goes to which template column, or refuse (None).

    A text rendering drops empty cells and pads rows with empty filler cells, so an empty
    cell kept at either end of a row of a text rendering may be filler standing in for a
    blank dropped in the middle (``3 | 12 | |`` for 3, blank, 12): such a row is refused
    when filler had to be cut from that end, or, for a trailing one, unless
    ``trust_trailing_blank`` (the document shows it keeps blanks in place and does not
    pad its rows). An HTML row's empty cells are grid cells and stand where printed."""
    vals = list(values)
    cut_end = cut_start = False
    while len(vals) > ncols and not vals[-1].text:
        vals.pop()
        cut_end = True
    while len(vals) > ncols and not vals[0].text:
        vals.pop(0)
        cut_start = True
    if len(vals) == ncols:
        if vals and vals[0].source == "text" and (
                not vals[-1].text and (cut_end or not trust_trailing_blank) or not vals[0].text and cut_start) \
                and any(t.text for t in vals):
            return None, ["filler_ambiguous"]
        return vals, []
    nonempty = [t for t in vals if t.text]
    if not nonempty:
        return [None] * ncols, ["blank"]
    if len(nonempty) == ncols:
        return nonempty, ["filler_dropped"]
    if len(vals) == 1 and ncols > 1 and vals[0].colspan >= ncols \
            and read_clean(vals[0].text).flags == ["not_applicable"]:
        # One "/" merged across every value column (a 规章 row a township cannot have):
        # each column is that cell. A number spanning columns is never spread like this.
        return [vals[0]] * ncols, []
    return None, []


@lru_cache(maxsize=64)
def _s2_spec(row_key: str) -> RowSpec:
    return next(s for s in catalogue()["s2"] if s.key == row_key)


@lru_cache(maxsize=1024)
def _layout(section: str, row_key: str, template_id: str, item: str | None) -> tuple[tuple, tuple]:
    """Column keys, and (code, row, column, Column, is money) per template column, of one row
    kind (a section 二 row in the sub-table ``item`` of format ``template_id``); built once
    per row kind and process, since the keys and codes only depend on the template."""
    if section == "s3":
        cols: tuple = T.load("gb2021").s3_columns
        keys = tuple(c.key for c in cols)
    elif section == "s4":
        tpl = T.load("gb2021")
        keys = tuple(f"{p}.{o}" for p, _ in tpl.s4_proceedings for o, _ in tpl.s4_outcomes)
        cols = (None,) * len(keys)
    else:
        cols = T.load(template_id).block(item).columns
        keys = tuple(c.key for c in cols)
    specs = []
    for key, col in zip(keys, cols):
        if section == "s4":
            proc, outcome = key.split(".")
            code, row, column = f"s4.{proc}.{outcome}", proc, outcome
        else:
            code, row, column = f"{section}.{row_key}.{key}", row_key, key
        specs.append((code, row, column, col, col is not None and col.type == "money"))
    return keys, tuple(specs)


@lru_cache(maxsize=1)
def _s4_header_words() -> dict[str, tuple[str, tuple[int, ...]]]:
    """Label key → ("outcome", (rank,)) or ("proceeding", ranks) for the labels of section
    四's header, from the template (common.toml): 结果维持 … 总计 in the order of the
    positions, and 行政复议 (0), 行政诉讼 (both litigation proceedings, 1 and 2),
    未经复议直接起诉 (1), 复议后起诉 (2)."""
    tpl = T.load("gb2021")
    words: dict[str, tuple[str, tuple[int, ...]]] = {}
    for rank, (_, label) in enumerate(tpl.s4_outcomes):
        words[label_key(label)] = ("outcome", (rank,))
    groups: dict[str, list[int]] = {}
    for rank, (_, label) in enumerate(tpl.s4_proceedings):
        *outer, own = label.split("·")
        words[label_key(own)] = ("proceeding", (rank,))
        for g in outer:
            groups.setdefault(label_key(g), []).append(rank)
    for key, ranks in groups.items():
        words[key] = ("proceeding", tuple(sorted(ranks)))
    return words


@lru_cache(maxsize=4096)
def _s4_words(text: str) -> tuple[tuple[tuple[str, tuple[int, ...]], ...], bool]:
    """The section 四 header words (``_s4_header_words``) a label prints, and whether it
    prints nothing else: the label as a whole, or else each of its space-separated parts,
    since a PDF's text prints a header row as one line (``结果维持 结果纠正 … 总计``). Only
    a line of parts no longer than a header word is split (a sentence is not a header)."""
    words = _s4_header_words()
    whole = words.get(label_key(text))
    if whole is not None:
        return (whole,), True
    parts = text.split()
    longest = max(map(len, words))
    if len(parts) < 2 or any(len(p) > longest for p in parts):
        return (), False
    found = tuple(words[k] for k in map(label_key, parts) if k in words)
    return found, len(found) == len(parts)


def _blank_between_values(m: RowMatch) -> bool:
    """An empty cell printed between two non-empty cells of a row."""
    texts = [bool(t.text) for t in m.values]
    try:
        first, last = texts.index(True), len(texts) - 1 - texts[::-1].index(True)
    except ValueError:
        return False
    return not all(texts[first:last + 1])


def _type_flags(cv: CellValue, col: T.Column | None, section: str, column_key: str) -> list[str]:
    flags: list[str] = []
    if cv.value is None:
        return flags
    ctype = col.type if col else "int"
    if ctype == "money":
        if col and col.unit and cv.unit and cv.unit != col.unit:
            flags.append("unit_conflict")
        return flags
    if cv.unit and cv.unit in ("万元", "元"):
        flags.append("unit_conflict")
    if not isinstance(cv.value, int):
        flags.append("non_integer")
    elif cv.value < 0 and ctype != "signed":
        flags.append("negative")
    return flags


class _Mapper:
    def __init__(self, placer: Placer, template: str):
        self.placer = placer
        self.tpl = T.load(template) if template in T.FORMATS else None
        self.cells: dict[str, Value] = {}
        self.subtotals: dict[str, Value] = {}
        self.unreadable: list[dict] = []
        self.notes: list[str] = []
        self.header_mismatch: set[str] = set()
        self.s3_headers = S3Headers(placer.headers, placer.headers_above)
        self._s2_blocks: dict[str | None, tuple[str, T.Block | None, str]] = {}
        # A text rendering's empty cell at a row's end is a blank only where the document
        # shows it keeps blanks in place (one printed between two numbers) and never pads
        # a full row with filler (``run`` decides; HTML rows are always trusted).
        self.trailing_blanks_kept = True
        self.unit_mismatch: set[str] = set()   # codes printed in another unit than the format's

    def _columns(self, m: RowMatch) -> tuple[tuple, tuple] | None:
        """The row's ``_layout``, or None when the detected format has no such row."""
        if m.section == "s3":
            return _layout("s3", m.row_key, "gb2021", None)
        if m.section == "s4":
            return _layout("s4", "s4", "gb2021", None)
        spec = _s2_spec(m.row_key)
        fmt, block, source = self._s2_block(spec.block)
        if block is None:
            return None
        split = self.placer.s2_split_columns.get(block.item)
        if split:
            self.no_columns_reason = (f"the header prints one of the format's columns as several "
                                      f"({' | '.join(split[:3])}): a figure would be computed or "
                                      "guessed, not read")
            return None
        keys, specs = _layout("s2", m.row_key, source, block.item)
        units = self.placer.s2_header_units.get((fmt, block.item))
        caption_unit = self.placer.s2_caption_units.get(block.item)
        if caption_unit:
            units = {**{c.key: caption_unit for c in block.columns if c.type == "money"}, **(units or {})}
        if units:
            specs = self._printed_units(specs, units)
        printed = self.placer.s2_header_order.get((fmt, block.item))
        if printed and printed != [k for k in keys if k in printed]:
            self.header_mismatch.add(f"s2.{m.row_key}")
            format_order = list(keys)
            if sorted(printed) == sorted(keys):
                # The header names every column once: the numbers stand under their own
                # headers (still flagged, so the report is not ok).
                by_key = dict(zip(keys, specs))
                keys, specs = tuple(printed), tuple(by_key[k] for k in printed)
                how = "values taken under their printed headers"
            else:
                how = "values taken in the format's order"
            note = (f"section 二 （{block.item}）: headers printed in the order {printed}, not the "
                    f"format's {format_order}; {how} and flagged")
            if note not in self.notes:
                self.notes.append(note)
        return keys, specs

    def _printed_units(self, specs: tuple, units: dict[str, str]) -> tuple:
        """Money columns take the unit their header prints. One that differs from the
        format's (a fee in 元 where the format counts 万元) is kept as printed, never
        converted, and its cells are flagged ``unit_conflict``."""
        out = []
        for code, row, column, col, money in specs:
            printed = units.get(column) if money else None
            if printed and printed != col.unit:
                if col.unit is not None:
                    self.unit_mismatch.add(code)
                    note = (f"section 二: {col.label.split('（')[0]} printed in {printed}, the "
                            f"format's unit is {col.unit}: values kept as printed and flagged")
                    if note not in self.notes:
                        self.notes.append(note)
                col = replace(col, unit=printed)
            out.append((code, row, column, col, money))
        return tuple(out)

    def _s2_block(self, item: str | None) -> tuple[str, T.Block | None, str]:
        """(format the sub-table's headers point to, its block, the format the block was
        taken from); the same for every row of the sub-table, so worked out once per page."""
        found = self._s2_blocks.get(item)
        if found is None:
            hits = self.placer.block_hits.get(item or "")
            if not hits and self.tpl is None:
                # Neither the sub-table's header nor the page tells the format, and the two
                # formats give 二's columns different meanings: nothing to map by.
                found = self._s2_blocks[item] = ("unknown", None, "unknown")
                return found
            fmt = hits.most_common(1)[0][0] if hits else self.tpl.id
            block, source = T.load(fmt).block(item), fmt
            if block is None and self.tpl:
                block, source = self.tpl.block(item), self.tpl.id
            found = self._s2_blocks[item] = (fmt, block, source)
        return found

    def _by_header(self, m: RowMatch, keys: tuple) -> tuple[list[Token | None] | None, tuple]:
        """Section 三 columns by the printed header (HTML geometry): each template column must
        be found exactly once under its own label; cells under other header labels (e.g. 小计
        under 法人或其他组织) are left out and noted; a cell under no header refuses."""
        values = m.values
        if not values:
            return None, ()
        # (table, grid column, span) of each value cell: rows of a table share it.
        geometry = tuple([(t.table, t.col, t.colspan) for t in values])
        plan = self.s3_headers.plan(geometry, keys)
        if plan is None:
            return None, ()
        positions, how, note, extra_labels = plan
        if note and note not in self.notes:
            self.notes.append(note)
        if extra_labels:
            self.notes.append(f"s3.{m.row_key}: {extra_labels[0]} cell(s) under extra header(s) "
                              f"{extra_labels[1]} left out")
        return [values[j] if j is not None else None for j in positions], how

    def _unreadable(self, m: RowMatch, reason: str) -> None:
        self.unreadable.append({
            "section": m.section, "row": m.row_key, "reason": reason,
            "cells": [t.text for t in m.labels[-2:]] + [t.text for t in m.values][:40],
            "provenance": (m.values or m.labels or [Token("", "text")])[0].provenance(),
        })

    def map_row(self, m: RowMatch) -> None:
        if m.row_key.startswith(EXTRA_ROW):
            label = next(lbl for _, lbl, row in T.s2_extra_rows() if EXTRA_ROW + row.key == m.row_key)
            self.notes.append(f"section 二: row {m.label.text if m.label else m.row_key!r} is {label}, "
                              f"a row without a canonical code: its values "
                              f"{[t.text for t in m.values if t.text][:6]} are left out")
            return
        self.no_columns_reason = "no columns for this row in the detected format"
        layout = self._columns(m)
        if layout is None:
            self._unreadable(m, self.no_columns_reason)
            return
        keys, specs = layout
        values = m.values
        slots, how = assign(values, len(keys), trust_trailing_blank=self.trailing_blanks_kept)
        if slots is None and m.section == "s3" and not how:
            slots, how = self._by_header(m, keys)
        if slots is None:
            nvals = sum(1 for t in values if t.text)
            cut = any(t.truncated for t in values)
            reason = ("document ends inside this row" if cut else
                      f"{nvals} values for {len(keys)} columns, and an empty cell at the row's "
                      "end may be renderer filler standing in for a blank dropped elsewhere: "
                      "positions ambiguous" if "filler_ambiguous" in how else
                      f"{nvals} values for {len(keys)} columns: positions ambiguous")
            self._unreadable(m, reason)
            return
        if m.section == "s3" and "by_header" not in how and slots and m.html_row \
                and values and values[0].table in self.placer.headers \
                and [t.col for t in values] != self.s3_headers.in_order(values[0].table, keys):
            by_header, header_how = self._by_header(m, keys)
            if by_header is not None and "columns_not_printed" not in header_how \
                    and any(map(is_not, by_header, slots)):
                # Every column found once under its own printed label: the header says where
                # each number is (总计 first, 法人或其他组织 before 自然人). Taken from there,
                # and still flagged: the report is not ok.
                slots = by_header
                self.header_mismatch.add(f"s3.{m.row_key}")
                note = ("section 三: the printed header puts columns elsewhere than the format's "
                        "order; values taken under their printed headers and flagged")
                if note not in self.notes:
                    self.notes.append(note)
        section = m.section
        row_key = "s4" if section == "s4" else m.row_key
        target = self.subtotals if row_key.startswith("subtotal.") else self.cells
        extra_flags = []
        if m.inferred:
            extra_flags.append("label_inferred")
        if "filler_dropped" in how:
            extra_flags.append("position_inferred")
        if self.header_mismatch and f"{section}.{row_key}" in self.header_mismatch:
            extra_flags.append("header_order_mismatch")
        skip_missing = "columns_not_printed" in how
        plain = not extra_flags
        for (code, row, column, col, money), tok in zip(specs, slots):
            if plain and tok is not None and not money:
                text = tok.text
                if text.isdigit() and text.isascii() and not tok.truncated and code not in target:
                    # Most cells: a plain count, nothing to flag, not printed before.
                    target[code] = Value(code, section, row, column, int(text), text, None, [], None, tok)
                    continue
            self._cell(target, code, row, column, col, money, tok, section, how, skip_missing,
                       extra_flags)

    def _cell(self, target: dict[str, Value], code: str, row: str, column: str,
              col: T.Column | None, money: bool, tok: Token | None, section: str, how,
              skip_missing: bool, extra_flags: list[str]) -> None:
        """Read one cell into ``target`` (``map_row``'s general case): flags, units, money,
        truncation, and a cell printed twice."""
        if tok is None:
            if skip_missing:
                return
            text = ""
        else:
            text = tok.text
        if text.isdigit() and text.isascii() and not tok.truncated:
            # A plain count (or a whole-number amount).
            if money:
                value, unit = Decimal(text), col.unit
            else:
                value, unit = int(text), None
            flags = [*extra_flags]
            note = None
        else:
            cv = read_clean(text)
            if not money and cv.unit == "万元" and not text.rstrip().endswith(("万元", "萬元")):
                # 1.26万 in a count column: ten-thousands of applications, not a count as
                # printed; 万 alone stands for 万元 only under money.
                cv = CellValue(cv.raw, None, flags=["text_in_numeric"])
            if money and isinstance(cv.value, int):
                cv.value = Decimal(cv.value)     # money is exact decimal, whatever was printed
            flags = list(cv.flags)
            if col is not None and col.unit and cv.value is not None and not cv.unit:
                cv.unit = col.unit
            if tok is not None and tok.truncated:
                cv = CellValue(cv.raw, None, flags=["truncated"])
                flags = ["truncated"]
            flags += _type_flags(cv, col, section, column)
            flags += extra_flags
            value, unit, note = cv.value, cv.unit, cv.note
        if code in self.unit_mismatch and value is not None:
            flags.append("unit_conflict")
        prior = target.get(code)
        if prior is not None:
            if "conflict" in prior.flags:
                if value is not None:
                    self.notes.append(f"{code}: printed again ({text!r})")
                return
            if prior.value == value:
                return
            if value is None:       # a later blank (header or filler row) never wins
                return
            if prior.value is None and "blank" in prior.flags and "blank" in how:
                pass
            elif prior.value is not None:
                # Which printing is the report's is unknown (a county's breakdown table
                # ending in 合计, two purchases on two 政府集中采购 rows): none is taken.
                self.notes.append(f"{code}: printed twice ({prior.raw!r} and {text!r}); "
                                  "no value taken")
                prior.flags.append("conflict")
                prior.value = None
                return
        target[code] = Value(code, section, row, column, value, text, unit, flags, note, tok)

    def run(self) -> None:
        matches = self.placer.matches
        if self.tpl is not None and self.tpl.id == "gb2021" and \
                any(m.row_key and m.row_key.startswith("other.") for m in matches):
            # gb2021 splits （六） into three rows; a value row labelled （六）其他处理 above
            # them is the group's subtotal, not gb2019's single `other` row.
            for m in matches:
                if m.section == "s3" and m.row_key == "other":
                    m.row_key = "subtotal.other"
        self._infer_labels(matches)
        for table, headers in self.placer.foreign_tables.items():
            self.notes.append(f"section 三: table {table} has section 三's rows as its columns "
                              f"({', '.join(headers[:4])}…): a breakdown by unit or a transposed "
                              "table, not the national table; its rows were left out")
        text_rows = [m for m in matches if m.values and m.values[0].source == "text" and m.row_key]
        if text_rows:
            self.trailing_blanks_kept = any(map(_blank_between_values, text_rows)) and \
                not any(map(self._padded, text_rows))
        s4_done = False
        s4_blank_row = None
        for at, m in enumerate(matches):
            if m.section == "s4":
                if s4_done:
                    continue
                if not any(t.text for t in m.values):
                    # A label-only table prints the data row with 15 empty cells: blanks,
                    # unless a row with numbers follows (then it was layout filler).
                    if s4_blank_row is None and m.html_row and not m.labels \
                            and len(m.values) == 15:
                        s4_blank_row = m
                    continue
                s4_done = True
                self._map_s4(at, matches)
            elif m.row_key:
                self.map_row(m)
            elif any(t.text for t in m.values):
                self._unreadable(m, "values without a recognisable row label")
        if not s4_done and s4_blank_row is not None:
            self.map_row(s4_blank_row)

    def _padded(self, m: RowMatch) -> bool:
        """A row printing every column of its row kind, then empty filler cells: evidence
        that the rendering pads rows, so a trailing empty cell elsewhere may be filler."""
        layout = self._columns(m)
        if layout is None:
            return False
        n = len(layout[0])
        vals = m.values
        return len(vals) > n and all(t.text for t in vals[:n]) and not any(t.text for t in vals[n:])

    # ------------------------------------------------------------------ section 四
    def _map_s4(self, at: int, matches: list[RowMatch]) -> None:
        """Section 四 from its first row with values (``matches[at]``): printed transposed,
        one row of fifteen, or split into consecutive unlabelled rows of 5 and 10 cells
        (``_s4_join``). The printed header, where readable, must agree with the positions."""
        first = matches[at]
        if self._map_s4_by_proceeding(first, matches):
            return
        row, rows = first, [*self._s4_header_rows(-1, first.order), first.labels]
        if len(first.values) < 15:
            joined = self._s4_join(at, matches)
            if joined is None:
                return
            row, rows = joined
        if row is first:
            proceedings = self._s4_proceedings_contradicted(rows) is not None
        else:
            proceedings = False     # checked by _s4_join, which refuses a contradiction
        if proceedings or self._s4_outcomes_contradicted(rows):
            self.header_mismatch.add("s4.s4")
            self.notes.append("section 四: the printed header names outcomes or proceedings in "
                              "another order than the fifteen positions of the format; values "
                              "taken by position and flagged")
        self.map_row(row)

    def _s4_header_rows(self, after: int, before: int) -> list[list[Token]]:
        """Labels of section 四's rows without values between two groups (exclusive)."""
        return [labels for n, labels in self.placer.s4_headers if after < n < before]

    @staticmethod
    def _s4_outcomes_contradicted(rows: list[list[Token]]) -> bool:
        """Whether a header row names the outcomes in another order than the positions.

        Only whole header words count (结果维持 … 总计, ``_s4_words``): the common garbled
        headers (``结果 | 结果 | 其他 | 尚未``) say nothing. Five, ten or fifteen labels, each five a
        full set, are one proceeding's header each and must be in the format's order;
        otherwise (some labels unreadable) the ones read must rise within a proceeding,
        a new proceeding starting after 总计 or at 结果维持."""
        last = len(T.load("gb2021").s4_outcomes) - 1
        for labels in rows:
            ranks = [w[1][0] for t in labels if not t.covered and t.text
                     for w in _s4_words(t.text)[0] if w[0] == "outcome"]
            if len(ranks) < 2:
                continue
            n = last + 1
            blocks = [ranks[i:i + n] for i in range(0, len(ranks), n)]
            if len(ranks) % n == 0 and all(len(set(b)) == n for b in blocks):
                if any(b != list(range(n)) for b in blocks):
                    return True
                continue
            if any(b <= a and a != last and b != 0 for a, b in pairwise(ranks)):
                return True
        return False

    @staticmethod
    def _s4_proceedings_contradicted(rows: list[list[Token]], follows: int | None = None) -> str | None:
        """The proceeding label of a header that contradicts the positions, or None when the
        header agrees or names no proceeding. Within a header row the proceedings named
        (行政复议 0, 未经复议直接起诉 1, 复议后起诉 2; 行政诉讼 names 1 and 2) may not go back;
        a page may repeat or lose a whole header row, so rows are taken one by one. With
        ``follows`` (the proceeding of the position the rows stand before; a header between
        the pieces of a split table), the first proceeding named must include it and none may
        lie before it; with 0 (before the first piece), 行政复议 must be among those named."""
        first_named = None
        follows_named = False
        for labels in rows:
            current = -1
            for t, w in ((tok, w) for tok in labels if tok.text and not tok.covered
                         for w in _s4_words(tok.text)[0] if w[0] == "proceeding"):
                lo, hi = w[1][0], w[1][-1]
                if hi < current:
                    return t.text
                current = max(current, lo)
                if follows is None:
                    continue
                if hi < follows or not follows_named and lo > follows > 0:
                    return t.text
                follows_named = follows_named or lo <= follows
                first_named = first_named or t.text
        if follows == 0 and first_named is not None and not follows_named:
            return first_named
        return None

    def _s4_piece(self, m: RowMatch) -> list[Token]:
        """A section 四 row's cells, without renderer filler after a piece of 5 or 10."""
        vals = m.values
        n = len(vals)
        while n > 5 and n not in (5, 10) and not vals[n - 1].text:
            n -= 1
        return vals[:n] if n < len(vals) else vals

    def _s4_join(self, at: int, matches: list[RowMatch]) -> tuple[RowMatch, list[list[Token]]] | None:
        """Section 四 split for width or by the renderer: consecutive unlabelled rows of 5 and
        10 cells adding up to exactly 15 (5+5+5, 5+10, 10+5) with only header rows between
        them, read in order as one row of fifteen (returned, with the labels of the header
        rows and pieces before and between them, for the header checks). Refused (recorded
        unreadable, None) when several rows are seen but they are not such pieces, when a
        header before or between them or a row's own proceeding label contradicts the
        positions, or when more value rows follow. A row that is alone is returned as it is
        (``map_row`` refuses it with its count)."""
        first = matches[at]
        pieces = [self._s4_piece(first)]
        rows = [first]
        seen = [*self._s4_header_rows(-1, first.order), first.labels]
        ncells = len(pieces[0])
        between: dict[int, list[list[Token]]] = {}
        j = at + 1
        while ncells < 15 and j < len(matches) and self._s4_continues(rows[-1], matches[j]):
            m = matches[j]
            piece = self._s4_piece(m)
            if len(piece) >= 15:
                break           # a whole row of its own, not a piece of this one
            between[len(rows)] = [*self._s4_header_rows(rows[-1].order, m.order), m.labels]
            rows.append(m)
            pieces.append(piece)
            ncells += len(piece)
            j += 1
        if len(rows) == 1:
            return first, seen
        sizes = " + ".join(str(len(p)) for p in pieces)
        joined = RowMatch("s4", "s4", first.labels, [t for p in pieces for t in p], first.html_row,
                          order=first.order)
        reason = None
        if ncells != 15 or any(len(p) not in (5, 10) for p in pieces):
            reason = (f"section 四 printed in {len(rows)} rows of {sizes} cells, not its 15 "
                      "positions in pieces of 5 or 10: positions ambiguous")
        elif j < len(matches) and self._s4_continues(rows[-1], matches[j]) \
                and any(t.text for t in matches[j].values):
            reason = (f"section 四 printed in rows of {sizes} cells, and more value rows follow: "
                      "positions ambiguous")
        else:
            for k, piece in enumerate(pieces):
                if piece and piece[0].source == "text" and not piece[-1].text \
                        and (len(piece) < len(rows[k].values) or not self.trailing_blanks_kept) \
                        and any(t.text for t in piece):
                    reason = (f"section 四 printed in rows of {sizes} cells, and an empty cell at "
                              f"the end of row {k + 1} may be renderer filler standing in for a "
                              "blank dropped elsewhere: positions ambiguous")
                    break
            start = 0
            for k, piece in enumerate(pieces):
                said = self._s4_proceedings_contradicted(between[k] if k else seen, start // 5)
                label = self._s4_row_proceedings(rows[k])
                if reason is None and said is not None:
                    reason = (f"section 四 printed in rows of {sizes} cells, but the header before "
                              f"row {k + 1} names {said} where position {start + 1} of the format "
                              "follows: order contradicted, positions ambiguous")
                elif reason is None and label is not None and not \
                        label[1] <= start // 5 <= (start + len(piece) - 1) // 5 <= label[2]:
                    reason = (f"section 四 printed in rows of {sizes} cells, but row {k + 1} is "
                              f"labelled {label[0]} and would hold positions {start + 1}–"
                              f"{start + len(piece)} of the format: positions ambiguous")
                start += len(piece)
        if reason is not None:
            self._unreadable(joined, reason)
            return None
        for k in range(1, len(rows)):
            seen.extend(between[k])
        self.notes.append(f"section 四 printed in {len(rows)} rows of {sizes} cells: read in order "
                          "as its fifteen positions")
        return joined, seen

    @staticmethod
    def _s4_row_proceedings(m: RowMatch) -> tuple[str, int, int] | None:
        """(label, first, last proceeding) of a row labelled with proceedings only, printed
        right before its values (``行政诉讼 | 3 | 0 …``: 1 to 2); None for a row without such
        a label (a header run into it ends with an outcome, e.g. 总计)."""
        tok = next((t for t in reversed(m.labels) if t.text and not t.covered), None)
        if tok is None:
            return None
        found, only = _s4_words(tok.text)
        if not found or not only or any(w[0] != "proceeding" for w in found):
            return None
        return tok.text, max(w[1][0] for w in found), min(w[1][-1] for w in found)

    def _s4_continues(self, prev: RowMatch, m: RowMatch) -> bool:
        """Whether ``m`` may continue section 四's row ``prev``: a section 四 row whose own
        labels (a text rendering runs header cells into the row) are all header words, with
        nothing but short header rows (no narrative) printed between the two."""
        if m.section != "s4":
            return False
        if any(t.text and not t.covered and not _s4_words(t.text)[1] for t in m.labels):
            return False
        between = self._s4_header_rows(prev.order, m.order)
        if len(between) != m.order - prev.order - 1:
            return False        # a group of another section, or a row of values, in between
        return all(len(t.text) <= MAX_LABEL_CHARS for labels in between for t in labels)

    _PROCEEDINGS: ClassVar[dict[str, str]] = {
        "行政复议": "reconsideration", "未经复议直接起诉": "litigation_direct",
        "复议后起诉": "litigation_after"}

    def _map_s4_by_proceeding(self, first: RowMatch, matches: list[RowMatch]) -> bool:
        """Section 四 printed transposed: one labelled row of five per proceeding. Taken only
        when the row is labelled with its proceeding and holds five cells; otherwise the
        fifteen-in-a-row layout of the formats applies (and refuses other counts). The label
        is the one printed right before the values: a text rendering that runs the header
        (行政复议 | … | 复议后起诉 | 结果维持 … 总计) into the first row of a split table names
        proceedings too, but not as that row's label."""
        def proceeding(m: RowMatch) -> str | None:
            tok = next((t for t in reversed(m.labels) if t.text and not t.covered), None)
            if tok is not None:
                for label, key in self._PROCEEDINGS.items():
                    if tok.key.endswith(label) or tok.key == label:
                        return key
            return None

        def five(m: RowMatch):
            vals = list(m.values)
            while len(vals) > 5 and not vals[-1].text:
                vals.pop()
            return vals if len(vals) == 5 else None

        if proceeding(first) is None or five(first) is None:
            return False
        start = matches.index(first)
        rows: dict[str, list[Token]] = {}
        for m in matches[start:]:
            if m.section != "s4" or not any(t.text for t in m.values):
                continue
            key, vals = proceeding(m), five(m)
            if key is None or vals is None or key in rows:
                break
            rows[key] = vals
            if len(rows) == 3:
                break
        mismatch = ["header_order_mismatch"] if self._s4_outcomes_contradicted(
            [*self._s4_header_rows(-1, first.order), first.labels]) else []
        for key, vals in rows.items():
            for (outcome, _), tok in zip(T.load("gb2021").s4_outcomes, vals):
                code = f"s4.{key}.{outcome}"
                cv = read_clean(tok.text)
                flags = list(cv.flags) + _type_flags(cv, None, "s4", outcome) + ["transposed"] + mismatch
                self.cells.setdefault(code, Value(code, "s4", key, outcome, cv.value, cv.raw, cv.unit,
                                                  flags, cv.note, tok))
        if len(rows) < 3:
            self.notes.append(f"section 四 printed one row per proceeding; only {sorted(rows)} read")
        return True

    def _infer_labels(self, matches: list[RowMatch]) -> None:
        """A row whose label cell is empty takes the one template row left between its
        recognised neighbours (templates.md §7: row order as tie-breaker)."""
        for sec in ("s2", "s3"):
            sec_matches = [m for m in matches if m.section == sec]
            if all(m.row_key for m in sec_matches):
                continue        # every row recognised (most pages): nothing to infer
            specs = sorted(catalogue()[sec], key=lambda s: s.order)
            order = {s.key: s.order for s in specs}
            for i, m in enumerate(sec_matches):
                if m.row_key or not any(t.text for t in m.values):
                    continue
                prev = next((x for x in reversed(sec_matches[:i]) if x.row_key in order), None)
                nxt = next((x for x in sec_matches[i + 1:] if x.row_key in order), None)
                if nxt is None:
                    continue
                lo = order[prev.row_key] if prev else -1
                hi = order[nxt.row_key]
                between = [s for s in specs if lo < s.order < hi and
                           (sec != "s2" or s.block == next(x for x in specs if x.key == nxt.row_key).block)]
                if self.tpl is not None:
                    rows_in_format = {i.row for i in self.tpl.codes.values() if i.section == sec}
                    between = [s for s in between if s.key in rows_in_format]
                if len(between) == 1:
                    m.row_key = between[0].key
                    m.inferred = True


def detect_template(placer: Placer, year: int | None) -> tuple[str, str]:
    hits = {t: placer.sig_hits.get(t, 0) for t in T.FORMATS}
    # Section 三 rows tell too: （六） split in three is gb2021, a single （六）其他处理 row gb2019.
    for m in placer.matches:
        if m.section == "s3" and m.row_key and m.row_key.startswith("other."):
            hits["gb2021"] += 1
        elif m.section == "s3" and m.row_key == "other":
            hits["gb2019"] += 1
    ranked = sorted(hits.items(), key=lambda kv: -kv[1])
    (best, nbest), (other, nother) = ranked[0], ranked[1]
    if nbest > 0 and nbest > nother:
        basis = f"header signatures ({best} {nbest}, {other} {nother})"
        if nother:
            basis += "; hybrid: some labels of the other format"
        return best, basis
    if nbest > 0 and nbest == nother:
        return "unknown", f"header signatures tie ({nbest} each)"
    return "unknown", "no format signature in the table headers"


def _sections_read(placer: Placer) -> set[str]:
    """Sections with at least one recognised row holding text."""
    return {m.section for m in placer.matches if m.row_key and any(t.text for t in m.values)}


def map_document(lines: list[Line], year: int | None) -> Mapping:
    groups = group_lines(lines)
    placer = Placer()
    placer.place(groups)
    template, basis = detect_template(placer, year)
    if template == "unknown" and year and sum(placer.sig_hits.values()) == 0 \
            and (read := _sections_read(placer)) and read <= {"s3", "s4"}:
        # Only tables whose codes are the same in both formats were read (section 四, and
        # section 三 without its （六） rows, which would have told the format): the codes do
        # not depend on this choice; the label only says which format was in force that year.
        template = "gb2021" if year >= 2021 else "gb2019" if year >= 2019 else "unknown"
        if template != "unknown":
            basis = (f"no discriminating header (only tables identical in both formats were "
                     f"read); format in force for {year} assumed")
    mapper = _Mapper(placer, template)
    mapper.run()
    read = {c.section for c in mapper.cells.values()}
    tables_found = {s: s in read for s in ("s2", "s3", "s4")}
    return Mapping(template=template, template_basis=basis, cells=mapper.cells,
                   unreadable=mapper.unreadable, sections_seen=placer.sections_seen,
                   tables_found=tables_found, signature_hits=dict(placer.sig_hits),
                   notes=mapper.notes, subtotals=mapper.subtotals)
