"""The row catalogue of both national formats and the label vocabulary used to match rows.

Labels are matched before the format is known, so the catalogue holds the rows of both
formats; the vocabulary gathers every label key the placer tests tokens against, once per
process, as C-level prefix tuples and indexes (a page costs a few ``startswith`` calls per
label, not loops over specs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ogi_scrape.parse import templates as T
from ogi_scrape.parse.textnorm import label_key
from ogi_scrape.parse.tokens import Token

if TYPE_CHECKING:  # pragma: no cover
    from ogi_scrape.parse.placement import RowMatch

S2_BLOCK_ORDER = ("一", "五", "六", "八", "九")
EXTRA_ROW = "extra."     # row keys of the regional rows without a canonical code


@dataclass(frozen=True)
class RowSpec:
    section: str
    key: str
    match: tuple[str, ...]
    exact: bool
    group: str | None
    block: str | None
    order: int


def _catalogue() -> dict[str, list[RowSpec]]:
    """Rows of both formats (labels are matched before the format is known)."""
    seen: dict[tuple[str, str], RowSpec] = {}
    out: dict[str, list[RowSpec]] = {"s2": [], "s3": []}
    for tpl in T.all_templates():
        for block in tpl.s2:
            for i, row in enumerate(block.rows):
                k = ("s2", row.key)
                if k in seen:
                    old = seen[k]
                    merged = RowSpec("s2", row.key, tuple(dict.fromkeys(old.match + row.match)),
                                     old.exact, old.group, old.block, old.order)
                    out["s2"][out["s2"].index(old)] = merged
                    seen[k] = merged
                    continue
                spec = RowSpec("s2", row.key, row.match, row.exact, row.group, block.item,
                               S2_BLOCK_ORDER.index(block.item) * 10 + i)
                seen[k] = spec
                out["s2"].append(spec)
        for i, row in enumerate(tpl.s3_rows):
            k = ("s3", row.key)
            if k in seen:
                continue
            spec = RowSpec("s3", row.key, row.match, row.exact, row.group, None, i)
            seen[k] = spec
            out["s3"].append(spec)
    for item, _label, row in T.s2_extra_rows():     # regional rows without a code
        order = S2_BLOCK_ORDER.index(item) * 10 + 9 if item else 99   # no block: in any sub-table
        out["s2"].append(RowSpec("s2", f"{EXTRA_ROW}{row.key}", row.match, row.exact, None, item, order))
    # s3 order: a single sequence valid for both formats ((六) rows share a slot).
    s3_order = [r.key for r in T.load("gb2021").s3_rows]
    s3_order.insert(s3_order.index("other.overdue_correction"), "other")
    out["s3"] = [RowSpec(r.section, r.key, r.match, r.exact, r.group, None, s3_order.index(r.key))
                 for r in out["s3"]]
    return out


_CATALOGUE: dict[str, list[RowSpec]] | None = None


def catalogue() -> dict[str, list[RowSpec]]:
    global _CATALOGUE
    if _CATALOGUE is None:
        _CATALOGUE = _catalogue()
    return _CATALOGUE


@dataclass(frozen=True)
class _Vocabulary:
    """Label keys the placer tests every token against, gathered once per process so that
    a page costs a handful of C-level ``startswith`` calls per label, not loops over specs."""

    s3_markers: tuple[str, ...]
    s4_markers: tuple[str, ...]
    s4_pairs: tuple[tuple[str, str], ...]
    signatures: dict[str, tuple[str, ...]]
    any_signature: tuple[str, ...]
    col_keys: dict[str, frozenset]
    any_col_key: tuple[str, ...]
    row_prefixes: dict[str, tuple[str, ...]]
    s3_group_keys: tuple[str, ...]
    row_index: dict[str, dict[str, tuple]]   # section → first two key chars → (match, spec)
    block_columns: dict[tuple[str, str], tuple]   # (format, item) → ((column key, matches), …)


_VOCAB: _Vocabulary | None = None


def _row_index() -> dict[str, dict[str, tuple]]:
    index: dict[str, dict[str, list]] = {}
    for sec, specs in catalogue().items():
        for spec in specs:
            for m in spec.match:
                index.setdefault(sec, {}).setdefault(m[:2], []).append((m, spec))
    return {sec: {k: tuple(v) for k, v in d.items()} for sec, d in index.items()}


def vocabulary() -> _Vocabulary:
    global _VOCAB
    if _VOCAB is None:
        templates = T.all_templates()
        col_keys: dict[str, set] = {}
        for tpl in templates:
            for block in tpl.s2:
                for col in block.columns:
                    for m in col.match:
                        col_keys.setdefault(m, set()).add((tpl.id, block.item))
        sigs = {tpl.id: tuple(tpl.signatures) for tpl in templates}
        _VOCAB = _Vocabulary(
            s3_markers=T.s3_markers(),
            s4_markers=T.s4_markers(),
            s4_pairs=T.s4_paired_markers(),
            signatures=sigs,
            any_signature=tuple(x for v in sigs.values() for x in v),
            col_keys={k: frozenset(v) for k, v in col_keys.items()},
            any_col_key=tuple(col_keys),
            row_prefixes={sec: tuple(m for spec in specs for m in spec.match)
                          for sec, specs in catalogue().items()},
            s3_group_keys=tuple(sorted(set(T.s3_groups()) | {label_key("本年度办理结果")},
                                       key=len, reverse=True)),
            row_index=_row_index(),
            block_columns={(tpl.id, block.item): tuple((c.key, c.match) for c in block.columns)
                           for tpl in templates for block in tpl.s2},
        )
    return _VOCAB


_LEADING_NUMBER = re.compile(r"^\d{1,2}(?=\D)")
_LEADING_YEAR = re.compile(r"^(?:19|20)\d\d年度?")   # 2020年本行政区域…发布总数量


def _without_group(key: str) -> tuple[str, str | None]:
    """``不予公开1属于国家秘密`` (group and item merged in one cell) → (``属于国家秘密``, group)."""
    for group in vocabulary().s3_group_keys:
        if key.startswith(group) and len(key) > len(group):
            return _LEADING_NUMBER.sub("", key[len(group):], count=1), group
    return key, None


def row_candidates(key: str, section: str) -> tuple[tuple[int, RowSpec, bool], ...]:
    """Template rows of ``section`` that a label key hits, in catalogue order:
    (length of the match entry, row, whether the row's group must also be in context).
    Depends on the key alone, so the placer works it out once per distinct label."""
    if not key:
        return ()
    group_in_cell = None
    if section == "s3":
        key, group_in_cell = _without_group(key)
    key = _LEADING_NUMBER.sub("", _LEADING_YEAR.sub("", key, count=1), count=1)   # "1属于国家秘密": an enumerator without its dot
    vocab = vocabulary()
    if not key.startswith(vocab.row_prefixes.get(section, ())):
        return ()
    out = []
    for m, spec in vocab.row_index.get(section, {}).get(key[:2], ()):
        if key == m if spec.exact else key.startswith(m):
            # Short exact labels (其他, 其他处理) repeat across groups: they need their group.
            needs_group = bool(spec.exact and spec.group) and group_in_cell != spec.group
            out.append((len(m), spec, needs_group))
    return tuple(out)


def pick_row(candidates: tuple[tuple[int, RowSpec, bool], ...], context: list[Token],
             prev: RowMatch | None) -> RowSpec | None:
    """The longest-matching candidate row; one that needs its group counts only when the
    group label is printed before it (rowspan cell) or the previous row is a sibling."""
    best: tuple[int, RowSpec] | None = None
    for length, spec, needs_group in candidates:
        if needs_group:
            in_context = any(t.key == spec.group for t in context)
            after_sibling = prev is not None and prev.row_key is not None and \
                prev.row_key.split(".")[0] == spec.key.split(".")[0] and prev.row_key != spec.key
            if not (in_context or after_sibling):
                continue
        if best is None or length > best[0]:
            best = (length, spec)
    return best[1] if best else None
