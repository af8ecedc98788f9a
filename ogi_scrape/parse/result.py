"""The parse result: values with provenance, checks, and an honest status.

``ok`` is a promise to a researcher: all three tables were read, every cell the format
defines was found, and every check that could be assessed passed. Anything less is
``partial`` (with reasons), and a page from which no table could be read is ``failed``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ogi_scrape.parse import templates as T
from ogi_scrape.parse.mapping import Mapping, Value

PARSER_VERSION = "1.0.0"
SECTION_NAMES = {"s2": "二 (主动公开)", "s3": "三 (依申请)", "s4": "四 (复议诉讼)"}


@dataclass
class ParseResult:
    template: str
    template_basis: str
    year: int | None
    org: str | None
    title: str | None
    status: str
    reasons: list[str]
    source: dict
    tables: dict[str, bool]
    values: list[Value]
    checks: list[dict]
    unreadable: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    subtotals: list[Value] = field(default_factory=list)
    parser_version: str = PARSER_VERSION

    def value_map(self) -> dict[str, int | Decimal | None]:
        return {v.code: v.value for v in self.values}

    def to_dict(self) -> dict:
        return {
            "template": self.template, "template_basis": self.template_basis,
            "year": self.year, "org": self.org, "title": self.title,
            "status": self.status, "reasons": self.reasons,
            "parser_version": self.parser_version, "source": self.source,
            "tables": self.tables,
            "values": [v.to_dict() for v in self.values],
            "checks": self.checks, "unreadable": self.unreadable, "notes": self.notes,
            "subtotals": [v.to_dict() for v in self.subtotals],
        }


def _published(values: list[Value]) -> list[Value]:
    """The mapped values as published: a value's flags sorted and without repeats. A new
    list is assigned, never sorted in place: check evidence may hold the mapper's list.
    Returns the flagged values (most have no flag)."""
    flagged = [v for v in values if v.flags]
    for v in flagged:
        if len(v.flags) > 1:
            v.flags = sorted(set(v.flags))
    return flagged


def _in_template_order(cells: dict[str, Value], template: str) -> tuple[list[Value], bool]:
    """Cells in the format's code order, then codes the format does not define by name
    (hybrid layouts); walking the template's codes is cheaper than sorting the cells.
    Also tells whether the cells are exactly the format's codes (nothing missing or extra)."""
    codes = T.load(template).codes if template in T.FORMATS else {}
    if codes and len(cells) == len(codes):
        try:    # a complete table set: every code read, nothing else (one C-level pass)
            return list(map(cells.__getitem__, codes)), True
        except KeyError:
            pass
    ordered = [cells[code] for code in codes if code in cells]
    if len(ordered) < len(cells):
        ordered += [cells[code] for code in sorted(c for c in cells if c not in codes)]
    return ordered, False


def build_result(mapping: Mapping, checks: list[dict], *, year, org, title, source,
                 extra_reasons: list[str] | None = None) -> ParseResult:
    reasons: list[str] = list(extra_reasons or [])
    cells = mapping.cells
    template = mapping.template
    values, complete = _in_template_order(cells, template)
    flagged = _published(values)
    tables = mapping.tables_found
    if template == "unknown":
        if any(tables.values()):
            reasons.append(f"table format not recognised ({mapping.template_basis})")
        status = "failed"
    elif not any(tables.values()):
        status = "failed"
    else:
        status = "ok"
    if not any(tables.values()):
        reasons.append("no standard table (sections 二–四) could be read"
                       + ("; sections seen: " + ", ".join(sorted(mapping.sections_seen))
                          if mapping.sections_seen else ""))
    for sec, found in tables.items():
        if any(tables.values()) and not found:
            reasons.append(f"table of section {SECTION_NAMES[sec]} not found")
    if template in T.FORMATS and not complete:
        tpl = T.load(template)
        other = T.load(next(f for f in T.FORMATS if f != template))
        in_other = []     # sections printed whole in the other format (a hybrid report)
        for sec in ("s2", "s3", "s4"):
            if not tables.get(sec):
                continue
            missing = [c for c in tpl.section_codes(sec) if c not in cells]
            if missing and all(c in cells for c in other.section_codes(sec)):
                in_other.append(sec)
            elif missing:
                reasons.append(f"section {SECTION_NAMES[sec]}: {len(missing)} of "
                               f"{len(tpl.section_codes(sec))} cells not read (e.g. {', '.join(missing[:3])})")
        extra = [c for c in cells if c not in tpl.codes]
        if in_other:
            reasons.append("hybrid layout: section(s) " + ", ".join(SECTION_NAMES[s] for s in in_other)
                           + f" printed in the {other.id} format, the rest in {template}; every "
                           "cell is under its own format's code")
        elif extra:
            reasons.append(f"{len(extra)} cell(s) of the other national format "
                           f"(hybrid layout): {', '.join(extra[:3])}")
    numbered = {v.section for v in values if v.value is not None}
    for sec, found in tables.items():
        if found and sec not in numbered:
            # Nothing but blanks (or "/"): a form left empty, or values we could not see.
            reasons.append(f"section {SECTION_NAMES[sec]}: no cell holds a number (all blank "
                           "or not applicable): 0 or not filled in cannot be told")
    truncated = [c for c in flagged if "truncated" in c.flags]
    if truncated:
        reasons.append(f"document ends inside the tables ({len(truncated)} cell(s) cut)")
    if mapping.unreadable:
        reasons.append(f"{len(mapping.unreadable)} table row(s) unreadable: "
                       + "; ".join(f"{u['section']}.{u['row'] or '?'}: {u['reason']}"
                                   for u in mapping.unreadable[:3]))
    mismatched = [c for c in flagged if "header_order_mismatch" in c.flags]
    if mismatched:
        reasons.append(f"{len(mismatched)} cell(s) under a header printed in another order than "
                       "the format's: column assignment uncertain")
    conflicts = [c for c in flagged if "conflict" in c.flags]
    if conflicts:
        reasons.append(f"{len(conflicts)} cell(s) printed twice with different values")
    failed = [c for c in checks if c["outcome"] == "fail"]
    for c in failed[:6]:
        who = "source table inconsistent" if c.get("attribution") == "source" else "check failed"
        inst = f"[{c['instance']}]" if c.get("instance") else ""
        reasons.append(f"{who}: {c['rule']}{inst} {c['detail']}")
    if len(failed) > 6:
        reasons.append(f"… and {len(failed) - 6} more failed checks")
    if status == "ok" and reasons:
        status = "partial"
    return ParseResult(template=template, template_basis=mapping.template_basis, year=year,
                       org=org, title=title, status=status, reasons=reasons, source=source,
                       tables=tables, values=values, checks=checks,
                       unreadable=mapping.unreadable, notes=mapping.notes,
                       subtotals=_subtotals(mapping.subtotals))


def _subtotals(subtotals: dict[str, Value]) -> list[Value]:
    values = list(subtotals.values())
    _published(values)
    return values
