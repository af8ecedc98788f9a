"""Run the consistency checks of ``templates/checks.toml`` on mapped cells.

Each check ends ``pass``, ``fail`` or ``not_assessable`` and carries its evidence (the
cells, their printed text and where they came from). Blank summands are counted as 0 and
the detail says so (reports print blanks where they mean 0, e.g. templates.md C1); a blank
or missing *total*, or a ``/`` anywhere, makes the check not assessable — we never invent
the number a check would need. A failed check is attributed to the *source* when every
cell involved was read from an unambiguous position, so a report that is itself
inconsistent is told apart from one we may have misread.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from operator import itemgetter

from ogi_scrape.parse import templates as T
from ogi_scrape.parse.mapping import Value

UNCERTAIN_FLAGS = {"label_inferred", "position_inferred", "conflict", "header_order_mismatch"}
WRONG_TYPE_FLAGS = frozenset({"non_integer", "negative", "unit_conflict", "text_in_numeric",
                              "spaced_digits"})


@lru_cache(maxsize=1)
def rules() -> list[dict]:
    return tomllib.loads((T.TEMPLATE_DIR / "checks.toml").read_text(encoding="utf-8"))["rule"]


@lru_cache(maxsize=64)
def _expanded(rule_id: str, template_id: str) -> tuple:
    rule = next(r for r in rules() if r["id"] == rule_id)
    return tuple(_expand(rule, T.load(template_id)))


def _expand(rule: dict, tpl: T.Template) -> list[tuple[str, list[str], list[str]]]:
    def subst(patterns: list[str], **kw) -> list[str]:
        out: list[str] = []
        for p in patterns:
            p = p.format(**kw)
            if "@outcomes" in p:
                out.extend(p.replace("@outcomes", r) for r in tpl.s3_outcome_rows())
            else:
                out.append(p)
        return out

    scope = rule["for_each"]
    if scope == "s3.columns":
        items = [("col", c.key) for c in tpl.s3_columns]
    elif scope == "s3.rows":
        items = [("row", r.key) for r in tpl.s3_rows]
    elif scope == "s4.proceedings":
        items = [("proc", p) for p, _ in tpl.s4_proceedings]
    else:  # pragma: no cover - data error
        raise ValueError(f"unknown for_each {scope!r} in checks.toml rule {rule['id']}")
    return [(value, subst(rule["left"], **{name: value}), subst(rule["right"], **{name: value}))
            for name, value in items]


def _evidence(codes, cells: dict[str, Value]) -> list[dict]:
    """The cells a check used, with their printed text and where they came from."""
    out = []
    for code in codes:
        cell = cells.get(code)
        if cell is None:
            out.append({"code": code, "raw": None})
        else:
            out.append({"code": code, "raw": cell.raw,
                        "provenance": cell.token.provenance() if cell.token else None})
    return out


def _sum_side(codes, cells, is_total_side):
    """Sum of the cells (ints and Decimals add exactly), blank summands, first problem."""
    total = 0
    blanks, problem = 0, None
    lone_total = is_total_side and len(codes) == 1
    for code in codes:
        cell = cells.get(code)
        if cell is None:
            problem = problem or f"{code} not read"
            continue
        value = cell.value
        if value is not None:
            total += value
        elif "conflict" in cell.flags:
            problem = problem or f"{code} printed twice with different numbers"
        elif "blank" not in cell.flags:
            problem = problem or f"{code} is not a number ({cell.raw!r})"
        elif lone_total:
            problem = problem or f"{code} is blank"
        else:
            blanks += 1
    return total, blanks, problem


def _uncertain(codes, cells) -> bool:
    return any(UNCERTAIN_FLAGS & set(cells[c].flags) for c in codes if c in cells)


def _subtotal_instances(tpl: T.Template, subtotals: dict[str, Value]):
    """(instance, [subtotal code], [item codes]) for every printed group subtotal."""
    for code in subtotals:
        _, _, group, column = code.split(".")
        items = [f"s3.{r.key}.{column}" for r in tpl.s3_rows if r.key.startswith(group + ".")
                 or (group == "other" and r.key == "other")]
        if items:
            yield f"{group}.{column}", [code], items


@lru_cache(maxsize=4)
def _plan(template_id: str) -> tuple[tuple[str, str, str, tuple], ...]:
    """(kind, rule id, section, instances) per rule of one format, in rule order: what
    ``run_checks`` walks on every page, resolved once per format and process. A sum check's
    instance carries a C-level getter per side (``_side_getter``)."""
    plan = []
    for rule in rules():
        kind = rule.get("kind")
        kind = kind if kind in ("subtotals", "types", "format_year") else "sum"
        rule_id = rule["id"]
        instances = tuple((instance, left, right, _side_getter(left), _side_getter(right))
                          for instance, left, right in _expanded(rule_id, template_id)) \
            if kind == "sum" else ()
        plan.append((kind, rule_id, rule_id.split(".")[0], instances))
    return tuple(plan)


def _side_getter(codes: list[str]):
    """code → number dict → the side's numbers as a tuple (KeyError when a cell is missing)."""
    if len(codes) == 1:
        code = codes[0]
        return lambda numbers: (numbers[code],)
    return itemgetter(*codes)


def run_checks(template: str, year: int | None, cells: dict[str, Value],
               tables_found: dict[str, bool], subtotals: dict[str, Value] | None = None) -> list[dict]:
    if template not in T.FORMATS:
        return []
    tpl = T.load(template)
    out: list[dict] = []
    numbers = None
    for kind, rule_id, section, instances in _plan(tpl.id):
        if kind == "sum":
            if tables_found.get(section):
                if numbers is None:
                    numbers = {code: cell.value for code, cell in cells.items()}
                _planned_sum_checks(rule_id, instances, cells, numbers, out)
            else:
                out.append({"rule": rule_id, "outcome": "not_assessable",
                            "detail": f"table of section {section} not read", "evidence": {}})
        elif kind == "subtotals":
            if subtotals:
                both = {**cells, **subtotals}
                out += [_sum_check(rule_id, inst, left, right, both)
                        for inst, left, right in _subtotal_instances(tpl, subtotals)]
        elif kind == "types":
            out.append(_types_check(rule_id, cells))
        elif kind == "format_year":
            out.append(_format_year_check(rule_id, tpl, year))
    return out


def _planned_sum_checks(rule_id: str, instances: tuple, cells: dict[str, Value],
                        numbers: dict, out: list[dict]) -> None:
    """Most checks: every cell read and a number (``numbers``: code → value), and the sides
    agree; summed in C. Anything else takes the full account of ``_sum_check``."""
    for name, left, right, left_of, right_of in instances:
        try:
            lsum = sum(left_of(numbers))
            rsum = sum(right_of(numbers))
        except (KeyError, TypeError):   # a cell missing or blank (None)
            pass
        else:
            if lsum == rsum:
                out.append(_passed(rule_id, name, f"{lsum} = {rsum}", left, right))
                continue
        out.append(_sum_check(rule_id, name, left, right, cells))


def _passed(rule_id: str, instance: str, detail: str, left, right) -> dict:
    """A passing sum check: it names its cells (failing ones also show their text and origin)."""
    return {"rule": rule_id, "instance": instance, "outcome": "pass", "detail": detail,
            "evidence": {"left": list(left), "right": list(right)}}


def _sum_check(rule_id: str, instance: str, left: list[str], right: list[str],
               cells: dict[str, Value]) -> dict:
    lsum, lblanks, lprob = _sum_side(left, cells, True)
    rsum, rblanks, rprob = _sum_side(right, cells, False)
    blanks = lblanks + rblanks
    if not (lprob or rprob) and lsum == rsum:
        note = f" ({blanks} blank cell(s) counted as 0)" if blanks else ""
        return _passed(rule_id, instance, f"{lsum} = {rsum}{note}", left, right)
    check = {"rule": rule_id, "instance": instance}
    if lprob or rprob:
        check.update(outcome="not_assessable", detail=lprob or rprob)
    elif blanks:
        # Blank may mean 0 or "not filled in" (templates.md C1 leaves the 总计 column
        # blank in every detail row): with blanks involved, a mismatch proves nothing.
        check.update(outcome="not_assessable",
                     detail=f"{lsum} ≠ {rsum} with {blanks} blank cell(s): cannot tell 0 "
                            "from not filled in")
    else:
        check.update(outcome="fail", detail=f"{lsum} ≠ {rsum}",
                     attribution="parser" if _uncertain(left + right, cells) else "source")
    check["evidence"] = {"left": _evidence(left, cells), "right": _evidence(right, cells)}
    return check


def _types_check(rule_id: str, cells: dict[str, Value]) -> dict:
    bad = [{"code": c.code, "raw": c.raw, "flags": c.flags,
            "provenance": c.token.provenance() if c.token else None}
           for c in cells.values() if c.flags and not WRONG_TYPE_FLAGS.isdisjoint(c.flags)]
    if not cells:
        return {"rule": rule_id, "outcome": "not_assessable", "detail": "no cells read",
                "evidence": {}}
    if bad:
        return {"rule": rule_id, "outcome": "fail", "attribution": "source",
                "detail": f"{len(bad)} cell(s) of the wrong type or unit: " +
                          ", ".join(f"{b['code']}={b['raw']!r}" for b in bad[:5]),
                "evidence": {"cells": bad}}
    return {"rule": rule_id, "outcome": "pass", "detail": f"{len(cells)} cells typed as expected",
            "evidence": {}}


def _format_year_check(rule_id: str, tpl: T.Template, year: int | None) -> dict:
    if year is None:
        return {"rule": rule_id, "outcome": "not_assessable", "detail": "report year unknown",
                "evidence": {}}
    lo, hi = tpl.plausible_years
    ok = lo <= year <= hi
    return {"rule": rule_id, "outcome": "pass" if ok else "fail",
            "attribution": "source",
            "detail": f"{tpl.id} {'is' if ok else 'is not'} plausible for {year} (seen {lo}–{hi})",
            "evidence": {"template": tpl.id, "year": year}}
