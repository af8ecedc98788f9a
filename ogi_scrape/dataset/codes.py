"""The code book (``codebook.toml``) expanded into one record per canonical value code.

Why a module of its own: the wide views need a fixed, ordered column list; the values table
needs to know which codes are money (stored as exact decimals) and which are counts; and the
data dictionary in docs/dataset.md is generated from the same records, so the three can never
disagree. The parser keeps its own template data (labels to match in HTML); this book is the
researcher-facing description of what each code means and how it compares across formats.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

FORMATS = ("gb2019", "gb2021")
SECTIONS = ("s2", "s3", "s4")
TYPES = ("count", "signed_count", "money")


@dataclass(frozen=True)
class Code:
    code: str
    section: str
    row: str
    column: str
    row_zh: str
    column_zh: str
    en: str
    type: str            # count | signed_count | money
    unit: str | None     # the unit the format prints (money only); None = as printed in the cell
    formats: tuple[str, ...]
    crosswalk: str       # same | only | rollup | not_comparable
    note: str = ""

    @property
    def is_money(self) -> bool:
        return self.type == "money"


@dataclass(frozen=True)
class Section:
    id: str
    zh: str
    en: str


@lru_cache(maxsize=1)
def _book() -> dict:
    text = resources.files(__package__).joinpath("codebook.toml").read_text("utf-8")
    return tomllib.loads(text)


@lru_cache(maxsize=1)
def sections() -> tuple[Section, ...]:
    return tuple(Section(s["id"], s["zh"], s["en"]) for s in _book()["section"])


@lru_cache(maxsize=1)
def all_codes() -> tuple[Code, ...]:
    """Every code, in table order: section 二 (gb2021 first), 三 row by row, 四 by proceeding."""
    book = _book()
    out: list[Code] = []
    for e in book["s2"]:
        _, row, column = e["code"].split(".", 2)
        out.append(Code(e["code"], "s2", row, column, e["row_zh"], e["column_zh"], e["en"],
                        e["type"], e.get("unit"), tuple(e["formats"]), e["crosswalk"],
                        e.get("note", "")))
    for r in book["s3_row"]:
        for c in book["s3_column"]:
            out.append(Code(f"s3.{r['key']}.{c['key']}", "s3", r["key"], c["key"], r["zh"], c["zh"],
                            f"{r['en']} — {c['en']}", "count", None,
                            tuple(r.get("formats", FORMATS)), r.get("crosswalk", "same"),
                            r.get("note", "")))
    for p in book["s4_proceeding"]:
        for o in book["s4_outcome"]:
            out.append(Code(f"s4.{p['key']}.{o['key']}", "s4", p["key"], o["key"], p["zh"], o["zh"],
                            f"{p['en'].capitalize()}: {o['en']}", "count", None, FORMATS, "same"))
    _validate(out)
    return tuple(out)


def _validate(codes: list[Code]) -> None:
    seen: set[str] = set()
    for c in codes:
        if c.code in seen:
            raise ValueError(f"codebook.toml: code {c.code} is defined twice")
        seen.add(c.code)
        if c.type not in TYPES:
            raise ValueError(f"codebook.toml: code {c.code} has unknown type {c.type!r}")
        if not set(c.formats) <= set(FORMATS):
            raise ValueError(f"codebook.toml: code {c.code} names an unknown format {c.formats}")


@lru_cache(maxsize=1)
def by_code() -> dict[str, Code]:
    return {c.code: c for c in all_codes()}


def codes_of(section: str) -> tuple[Code, ...]:
    return tuple(c for c in all_codes() if c.section == section)


def codes_for_format(fmt: str) -> tuple[Code, ...]:
    return tuple(c for c in all_codes() if fmt in c.formats)
