"""The national report formats, loaded from the TOML files beside this module.

Everything a parser needs to know about a format — sections, sub-tables, rows, columns,
the canonical code of each cell, expected labels and their variants — lives in data
(``templates/*.toml``), so a regional variant or a typo seen in the wild is a data edit.
"""

from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from ogi_scrape.parse.textnorm import label_key

TEMPLATE_DIR = Path(__file__).parent / "templates"
FORMATS = ("gb2021", "gb2019")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    match: tuple[str, ...]
    type: str = "int"          # int | signed | money
    unit: str | None = None


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    match: tuple[str, ...]
    exact: bool = False        # the label key must equal a match entry (short labels)
    group: str | None = None   # the rowspan group label it sits under (context only)


@dataclass(frozen=True)
class Block:
    """One section 二 sub-table: 第二十条第（item）项."""

    item: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class CodeInfo:
    code: str
    section: str
    row: str
    column: str
    type: str
    unit: str | None
    row_label: str
    column_label: str


@dataclass
class Template:
    id: str
    title: str
    signatures: tuple[str, ...]
    plausible_years: tuple[int, int]
    s2: tuple[Block, ...]
    s3_columns: tuple[Column, ...]
    s3_rows: tuple[Row, ...]
    s3_outcome_patterns: tuple[str, ...]
    s4_proceedings: tuple[tuple[str, str], ...]
    s4_outcomes: tuple[tuple[str, str], ...]
    codes: dict[str, CodeInfo] = field(default_factory=dict)

    def block(self, item: str) -> Block | None:
        return next((b for b in self.s2 if b.item == item), None)

    def s3_outcome_rows(self) -> list[str]:
        return [r.key for r in self.s3_rows
                if any(fnmatch.fnmatchcase(r.key, p) for p in self.s3_outcome_patterns)]

    def s4_codes(self) -> list[str]:
        return [f"s4.{p}.{o}" for p, _ in self.s4_proceedings for o, _ in self.s4_outcomes]

    def section_codes(self, section: str) -> list[str]:
        cache = self.__dict__.setdefault("_section_codes", {})
        if section not in cache:
            cache[section] = [c for c, info in self.codes.items() if info.section == section]
        return cache[section]


def _columns(items) -> tuple[Column, ...]:
    return tuple(Column(key=c["key"], label=c["label"],
                        match=tuple(label_key(m) for m in c.get("match", [c["label"]])),
                        type=c.get("type", "int"), unit=c.get("unit")) for c in items)


def _rows(items) -> tuple[Row, ...]:
    return tuple(Row(key=r["key"], label=r["label"],
                     match=tuple(label_key(m) for m in r.get("match", [r["label"]])),
                     exact=bool(r.get("exact", False)),
                     group=label_key(r["group"]) if r.get("group") else None) for r in items)


@lru_cache(maxsize=1)
def common() -> dict:
    return tomllib.loads((TEMPLATE_DIR / "common.toml").read_text(encoding="utf-8"))


@cache
def load(template_id: str) -> Template:
    if template_id not in FORMATS:
        raise KeyError(f"unknown template {template_id!r}; known: {', '.join(FORMATS)}")
    spec = tomllib.loads((TEMPLATE_DIR / f"{template_id}.toml").read_text(encoding="utf-8"))
    base = common()
    s3_base = list(base["s3"]["rows"])
    before = [r for r in s3_base if not r.get("after_extra")]
    after = [r for r in s3_base if r.get("after_extra")]
    rows = _rows(before + spec["s3"]["rows_extra"] + after)
    tpl = Template(
        id=spec["id"], title=spec["title"],
        signatures=tuple(label_key(s) for s in spec["signatures"]),
        plausible_years=tuple(spec["plausible_years"]),
        s2=tuple(Block(item=b["item"], columns=_columns(b["columns"]), rows=_rows(b["rows"]))
                 for b in spec["s2"]),
        s3_columns=_columns(base["s3"]["columns"]),
        s3_rows=rows,
        s3_outcome_patterns=tuple(spec["s3"]["outcome_rows"]),
        s4_proceedings=tuple((p["key"], p["label"]) for p in base["s4"]["proceedings"]),
        s4_outcomes=tuple((o["key"], o["label"]) for o in base["s4"]["outcomes"]),
    )
    codes: dict[str, CodeInfo] = {}
    for block in tpl.s2:
        for row in block.rows:
            for col in block.columns:
                code = f"s2.{row.key}.{col.key}"
                codes[code] = CodeInfo(code, "s2", row.key, col.key, col.type, col.unit,
                                       row.label, col.label)
    for row in tpl.s3_rows:
        for col in tpl.s3_columns:
            code = f"s3.{row.key}.{col.key}"
            codes[code] = CodeInfo(code, "s3", row.key, col.key, "int", None, row.label, col.label)
    for p, plabel in tpl.s4_proceedings:
        for o, olabel in tpl.s4_outcomes:
            code = f"s4.{p}.{o}"
            codes[code] = CodeInfo(code, "s4", p, o, "int", None, plabel, olabel)
    tpl.codes = codes
    return tpl


def all_templates() -> list[Template]:
    return [load(t) for t in FORMATS]


def section_heading_rules() -> dict[str, dict]:
    return common()["sections"]


@lru_cache(maxsize=1)
def s3_groups() -> dict[str, str]:
    """label key → group key for the section 三 outcome groups (subtotal rows); shared, read-only."""
    return {label_key(m): g["key"] for g in common()["s3"]["groups"] for m in g["match"]}


@lru_cache(maxsize=1)
def s2_extra_rows() -> tuple[tuple[str, str, Row], ...]:
    """(block item, note label, row) of the regional section 二 rows without a code."""
    return tuple((r.get("block"), r["label"], _rows([r])[0]) for r in common()["s2"].get("extra_rows", []))


def s3_markers() -> tuple[str, ...]:
    return tuple(label_key(m) for m in common()["s3"]["markers"])


def s4_markers() -> tuple[str, ...]:
    return tuple(label_key(m) for m in common()["s4"]["markers"])


def s4_paired_markers() -> tuple[tuple[str, str], ...]:
    return tuple((label_key(a), label_key(b)) for a, b in common()["s4"]["paired_markers"])
