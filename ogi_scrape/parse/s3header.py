"""Section 三 columns read under the printed HTML header.

When a section 三 row does not hold exactly one cell per template column (an extra 小计
column, a table that prints only some applicant columns, templates.md C4), its cells can
still be placed by where they stand: under which header label. This module holds that
geometry, per page: grid column → column key under each table's header, and for each row
shape (the grid columns and spans of its value cells) which cell goes to which template
column, or a refusal. The mapper asks; it keeps the decisions about notes and flags.
"""

from __future__ import annotations

from functools import lru_cache

from ogi_scrape.parse import templates as T

_UNPLANNED = object()   # marks a geometry not planned yet (None is a refusal)


@lru_cache(maxsize=4096)
def s3_column(key: str, above: str) -> str | None:
    """Section 三 column key of a header label key (``above``: the key printed over it, or
    ""): the lowest label, or the two lowest joined (商业 over 企业, templates.md §5.2).
    Pure of the two keys, which repeat from table to table: worked out once per pair."""
    for label in (key, above + key):
        for col in T.load("gb2021").s3_columns:
            if col.key == "other_org":      # 其他 alone: not 其他组织 / 其他结果
                if label == "其他":
                    return col.key
            elif any(label == mk or label.startswith(mk) for mk in col.match):
                return col.key
    return None


class S3Headers:
    """The printed section 三 headers of one page's HTML tables (from the placer: grid
    column → lowest header label key, and the key printed above it), read as columns."""

    def __init__(self, headers: dict[int, dict[int, str]], headers_above: dict[int, dict[int, str]]):
        self.headers, self.headers_above = headers, headers_above
        self._columns: dict[int, dict[int, str | None] | None] = {}
        self._plans: dict[tuple, tuple | None] = {}
        self._order: dict[int, list[int] | None] = {}

    def columns(self, table: int) -> dict[int, str | None] | None:
        """Grid column → section 三 column key under the printed header of one HTML table
        (None under a label that is no template column, e.g. 小计); built once per table."""
        if table in self._columns:
            return self._columns[table]
        header = self.headers.get(table)
        colmap: dict[int, str | None] | None = None
        if header:
            above = self.headers_above.get(table, {})
            colmap = {c: s3_column(hkey, above.get(c, "")) for c, hkey in header.items()}
        self._columns[table] = colmap
        return colmap

    def in_order(self, table: int, keys: tuple) -> list[int] | None:
        """Grid column of each section 三 column, in the format's order, when the table's
        header prints every column exactly once; else None. A row whose cells stand exactly
        in these grid columns reads the same by header as by position, with nothing left
        out: checking it by header would change nothing, so the check is skipped."""
        if table not in self._order:
            colmap = self.columns(table) or {}
            where = [[c for c, key in colmap.items() if key == k] for k in keys]
            self._order[table] = [c[0] for c in where] if all(len(c) == 1 for c in where) else None
        return self._order[table]

    def plan(self, geometry: tuple[tuple[int, int, int], ...], keys: tuple) -> tuple | None:
        """For a row whose value cells stand at ``geometry`` ((table, grid column, span)
        each): (value index per template column, how, note, (extra count, their header
        labels)), or None to refuse (also when a cell has no grid position). Rows of a table
        share their geometry, so this is worked out once per geometry and page."""
        plan = self._plans.get(geometry, _UNPLANNED)
        if plan is _UNPLANNED:
            plan = self._plans[geometry] = self._plan(geometry, keys)
        return plan

    def _plan(self, geometry: tuple[tuple[int, int, int], ...], keys: tuple) -> tuple | None:
        if any(table is None or col is None for table, col, _ in geometry):
            return None
        table = geometry[0][0]
        colmap = self.columns(table)
        if not colmap:
            return None
        header = self.headers[table]
        found: dict[str, int] = {}
        extra: list[int] = []
        for j, (_, col, colspan) in enumerate(geometry):
            if colspan <= 1:
                key = colmap.get(col)
                under = {key} if key else set()
            else:
                under = {colmap.get(c) for c in range(col, col + colspan)}
                under.discard(None)
            if len(under) > 1:
                return None
            if under:
                key = under.pop()
                if key in found:
                    return None
                found[key] = j
            elif not header.get(col):
                return None
            else:
                extra.append(j)
        positions = tuple(found.get(key) for key in keys)
        how: tuple = ("by_header",)
        note = None
        if None in positions:
            # A column the header does not print at all (a table with only 自然人 / 商业企业 /
            # 总计, templates.md C4) is not read: no cell, never a blank. A column the header
            # prints but this row has no cell under refuses the mapping.
            printed = {key for key in colmap.values() if key}
            if any(pos is None and key in printed for pos, key in zip(positions, keys)) \
                    or len(found) < 2 or extra:
                return None
            how += ("columns_not_printed",)
            note = (f"section 三: the table prints only {sorted(printed)}; the other columns "
                    "are not in the report")
        extra_labels = (len(extra), sorted({header.get(geometry[j][1]) for j in extra})) if extra else None
        return positions, how, note, extra_labels
