"""Turn what a user or a report says ("泸定", "513322", "四川/甘孜/泸定", "会理县") into one division.

The data is loaded once, lazily, into a few dictionaries, so a crawl that resolves thousands of
organisation names pays for the CSV once. Resolution never guesses between places: when a name
is shared (朝阳, 鼓楼, 铁东 …) the caller gets every candidate and is told to pass a code or a
path, because silently picking one would attach a report to the wrong county.
"""

from __future__ import annotations

import csv
import difflib
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from ogi_scrape.errors import NotFound, UsageError
from ogi_scrape.hanzi import t2s_converter
from ogi_scrape.regions.names import clean_query, short_name

DATA = Path(__file__).with_name("data")
LEVELS = ("province", "prefecture", "county")
_PATH_SPLIT = re.compile(r"\s*[/／\\>＞|]\s*|\s+")
_EXPLICIT_SEPARATOR = re.compile(r"[/／\\>＞|]")


@dataclass(frozen=True)
class Division:
    """One province-, prefecture- or county-level division as of the bundled data."""

    code: str
    name: str
    level: str                       # province | prefecture | county
    province: str
    prefecture: str | None           # None for provinces, prefectures and counties directly
    short_name: str = ""             # under a province (北京's districts, 仙桃市 …)
    parent_code: str | None = None
    province_code: str = ""
    prefecture_code: str | None = None
    aliases: tuple[str, ...] = ()
    valid_from: str | None = None
    valid_to: str | None = None
    note: str | None = field(default=None, compare=False)

    def parents(self) -> list["Division"]:
        """Enclosing divisions from the top: [四川省, 甘孜藏族自治州] for 泸定县."""
        chain = []
        code = self.parent_code
        while code:
            parent = get(code)
            chain.append(parent)
            code = parent.parent_code
        return chain[::-1]

    @property
    def path(self) -> str:
        return "/".join([p.name for p in self.parents()] + [self.name])

    @property
    def label(self) -> str:
        """``code name (province prefecture)``, the form used in every message listing candidates."""
        where = " ".join(p.name for p in self.parents())
        return f"{self.code} {self.name}" + (f" ({where})" if where else "")

    def contains(self, other: "Division") -> bool:
        return other.code == self.code or any(p.code == self.code for p in other.parents())


@dataclass(frozen=True)
class Change:
    """A division that no longer exists under that name or code, and where it went."""

    old_code: str
    old_name: str
    new_code: str
    new_name: str
    kind: str          # rename | recode | merge | split
    year: str | None   # approximate year of approval/effect; see data/SOURCES.md


@dataclass(frozen=True)
class Pending:
    """A division known to exist whose code we could not establish (so it is not resolvable)."""

    name: str
    parent_code: str
    established: str
    evidence: str


class _Index:
    def __init__(self) -> None:
        self.by_code: dict[str, Division] = {}
        self.by_name: dict[str, list[Division]] = {}
        self.by_short: dict[str, list[Division]] = {}
        self.by_alias: dict[str, list[Division]] = {}
        self.changes_by_code: dict[str, list[Change]] = {}
        self.changes_by_name: dict[str, list[Change]] = {}
        self.pending: dict[str, Pending] = {}
        self.children: dict[str, list[Division]] = {}
        self.chars: set[str] = set()   # every character of a known name (skips t2s when all known)

    def add(self, d: Division) -> None:
        self.by_code[d.code] = d
        self.by_name.setdefault(d.name, []).append(d)
        if d.short_name and d.short_name != d.name:
            self.by_short.setdefault(d.short_name, []).append(d)
        for alias in d.aliases:
            self.by_alias.setdefault(alias, []).append(d)
        if d.parent_code:
            self.children.setdefault(d.parent_code, []).append(d)
        self.chars.update(d.name, *d.aliases)


def _read(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@cache
def _index() -> _Index:
    idx = _Index()
    for row in _read("divisions.csv"):
        idx.add(Division(
            code=row["code"], name=row["name"], level=row["level"], province=row["province"],
            prefecture=row["prefecture"] or None, short_name=row["short_name"],
            parent_code=row["parent_code"] or None, province_code=row["province_code"],
            prefecture_code=row["prefecture_code"] or None,
            aliases=tuple(a for a in row["aliases"].split("|") if a),
            valid_from=row["valid_from"] or None, valid_to=row["valid_to"] or None,
            note=row["note"] or None))
    for row in _read("changes.csv"):
        ch = Change(row["old_code"], row["old_name"], row["new_code"], row["new_name"],
                    row["kind"], row["year"] or None)
        idx.changes_by_code.setdefault(ch.old_code, []).append(ch)
        for key in {ch.old_name, short_name(ch.old_name)}:
            idx.changes_by_name.setdefault(key, []).append(ch)
    for row in _read("pending.csv"):
        p = Pending(row["name"], row["parent_code"], row["established"], row["evidence"])
        for key in {p.name, short_name(p.name)}:
            idx.pending[key] = p
    return idx


# ---------------------------------------------------------------- public API


def get(code: str) -> Division:
    """The division with this exact 6-digit code (current data only)."""
    try:
        return _index().by_code[code]
    except KeyError:
        raise NotFound(f"no division with code {code!r} in the bundled data",
                       hint="check the code, or look it up with `ogi-scrape regions NAME`") from None


def all_divisions() -> list[Division]:
    return list(_index().by_code.values())


def children(code: str) -> list[Division]:
    return list(_index().children.get(code, []))


def former_names(code: str) -> list[Change]:
    """Changes that ended in this division: how older reports may still name it."""
    return [c for changes in _index().changes_by_code.values() for c in changes
            if c.new_code == code]


def divisions(province: str | None = None, prefecture: str | None = None,
              level: str | None = "county") -> list[Division]:
    """Divisions of one level (or every level with ``level=None``) inside an optional scope.

    ``province`` and ``prefecture`` accept anything :func:`resolve` accepts (name, code, path).
    This is the crawl's ``--province`` scope.
    """
    _check_level(level)
    scope: Division | None = None
    if province:
        scope = resolve(province, level="province")
    if prefecture:
        pref = resolve(prefecture if not scope else f"{scope.code}/{prefecture}", level="prefecture")
        scope = pref
    out = [d for d in _index().by_code.values()
           if (level is None or d.level == level) and (scope is None or scope.contains(d))]
    return sorted(out, key=lambda d: d.code)


def resolve(query: str, *, level: str | None = None) -> Division:
    """One division for a name, short name, alias, former name, code or path.

    Raises ``UsageError`` when several divisions match (listing each with its province,
    prefecture and code) and ``NotFound`` when none does (suggesting the closest names).
    """
    _check_level(level)
    if isinstance(query, int) and not isinstance(query, bool):
        query = str(query)                              # a code read from TOML/JSON as a number
    original = query
    query = _to_simplified((query or "").strip())     # 瀘定縣 from a portal's 繁體 view
    if not query:
        raise UsageError("empty division name", hint="pass a name such as 泸定, a code such as 513322 "
                         "or a path such as 四川/甘孜/泸定")
    parts = [p for p in _PATH_SPLIT.split(query) if p]
    if len(parts) > 1:
        try:
            found = _resolve_path(parts, original)
        except NotFound:
            if _EXPLICIT_SEPARATOR.search(query):
                raise
            found = _candidates(clean_query(query))   # "泸定县 人民政府" is a name, not a path
            if not found:
                raise
    else:
        found = _candidates(clean_query(query))
        if not found:
            found = _split_concatenated(clean_query(query))
    found = _dedupe(found)
    if level:
        filtered = [d for d in found if d.level == level]
        if not filtered and found:
            raise NotFound(
                f"{original!r} is not a {level}: it matches "
                + "; ".join(f"{d.label} [{d.level}]" for d in found),
                hint=f"pass the name of a {level}")
        found = filtered
    found = _prefer_enclosing(found)
    if len(found) == 1:
        return found[0]
    if not found:
        raise _not_found(original, clean_query(query.split("/")[-1]))
    raise _ambiguous(original, found)


# ---------------------------------------------------------------- internals


def _to_simplified(text: str) -> str:
    """Portals offer a traditional-character view (cookie zh_choose); names must still resolve."""
    known = _index().chars
    if all(ord(ch) < 0x3400 or ch in known for ch in text):
        return text
    # Character by character, and only characters no current name uses: a whole-string
    # conversion would turn 乾县 into 干县.
    return "".join(ch if ord(ch) < 0x3400 or ch in known else t2s_converter().convert(ch) for ch in text)


def _check_level(level: str | None) -> None:
    if level is not None and level not in LEVELS:
        raise UsageError(f"unknown division level {level!r}", hint=f"use one of {', '.join(LEVELS)}")


def _dedupe(found: list[Division]) -> list[Division]:
    return sorted({d.code: d for d in found}.values(), key=lambda d: d.code)


def _code_candidates(query: str) -> list[Division] | None:
    """Codes: 6 digits, 12-digit statistical codes ending in 000000, and 2/4-digit prefixes."""
    if not query.isdigit():
        return None
    idx = _index()
    if len(query) == 12 and query.endswith("000000"):
        query = query[:6]
    if len(query) in (2, 4):
        query = query.ljust(6, "0")
    if len(query) != 6:
        return []
    if query in idx.by_code:
        return [idx.by_code[query]]
    return _follow_changes(idx.changes_by_code.get(query, []))


def _follow_changes(changes: list[Change]) -> list[Division]:
    idx = _index()
    return [idx.by_code[c.new_code] for c in changes if c.new_code in idx.by_code]


def _candidates(query: str) -> list[Division]:
    """Exact names first, then aliases and short names, then former names (changes.csv)."""
    coded = _code_candidates(query)
    if coded is not None:
        return coded
    idx = _index()
    exact = idx.by_name.get(query, []) + idx.by_alias.get(query, [])
    if exact:
        return exact
    short = idx.by_short.get(query, [])
    if short:
        return short
    return _follow_changes(idx.changes_by_name.get(query, []))


def _resolve_path(parts: list[str], original: str) -> list[Division]:
    """Each segment must lie inside one of the divisions matched by the segment before it."""
    scope: list[Division] | None = None
    for part in parts:
        found = _candidates(clean_query(part)) or _split_concatenated(clean_query(part))
        if scope is not None:
            inside = [d for d in found if any(s.contains(d) for s in scope)]
            if not inside:
                where = " or ".join(s.path for s in scope)
                if found:
                    raise NotFound(f"{part!r} is not inside {where} (in {original!r}); it matches "
                                   + "; ".join(d.label for d in _dedupe(found)),
                                   hint="check the path, or pass the code")
                raise _not_found(original, clean_query(part), within=scope)
            found = inside
        elif not found:
            raise _not_found(original, clean_query(part))
        scope = _prefer_enclosing(_dedupe(found))
    return scope or []


def _split_concatenated(query: str) -> list[Division]:
    """Names written without separators, as in titles: 四川省甘孜藏族自治州泸定县, 甘孜州泸定县."""
    if len(query) < 4:
        return []
    results: list[Division] = []
    for cut in range(2, len(query) - 1):
        head, tail = query[:cut], query[cut:]
        heads = _candidates(head)
        if not heads or heads[0].level == "county":
            continue
        tails = _candidates(tail) or _split_concatenated(tail)
        results += [t for t in tails if any(h.contains(t) and h.code != t.code for h in heads)]
    return results


def _prefer_enclosing(found: list[Division]) -> list[Division]:
    """A bare name shared by a division and places inside it means the enclosing one.

    "甘孜" is 甘孜藏族自治州 (which contains 甘孜县), "吉林" is 吉林省 (which contains 吉林市):
    people name the smaller place with its suffix. Only nesting decides; 朝阳 in Beijing and
    朝阳 in Liaoning stay ambiguous.
    """
    for candidate in found:
        if len(found) > 1 and all(candidate.contains(other) for other in found):
            return [candidate]
    return found


def _ambiguous(original: str, found: list[Division]) -> UsageError:
    lines = "\n".join(f"    {d.label}  [{d.level}]" for d in found)
    example = found[0]
    anchor = example.parents()[-1].short_name if example.parents() else example.short_name
    return UsageError(
        f"{original!r} matches {len(found)} divisions:\n{lines}",
        hint=f"pass the code (e.g. {example.code}) or a path (e.g. {anchor}/{example.short_name})")


def _suggestions(query: str, within: list[Division] | None = None, limit: int = 8) -> list[Division]:
    idx = _index()
    pool = [d for d in idx.by_code.values()
            if within is None or any(s.contains(d) for s in within)]
    keys: dict[str, list[Division]] = {}
    for d in pool:
        for key in {d.name, d.short_name, *d.aliases}:
            keys.setdefault(key, []).append(d)
    picked: list[Division] = []
    for key in difflib.get_close_matches(query, list(keys), n=limit, cutoff=0.5):
        picked += keys[key]
    if len(query) >= 2:
        picked += [d for d in pool if query in d.name or (len(d.short_name) >= 2 and d.short_name in query)]
    return _dedupe(picked)[:limit]


def _not_found(original: str, query: str, within: list[Division] | None = None) -> NotFound:
    idx = _index()
    pending = idx.pending.get(query)
    if pending:
        parent = idx.by_code.get(pending.parent_code)
        return NotFound(
            f"{original!r}: {pending.name} ({parent.label if parent else pending.parent_code}) was "
            f"established in {pending.established}, but its division code is not in the bundled "
            f"data yet ({pending.evidence})",
            hint="add it to ogi_scrape/regions/data/additions.csv once the MCA code is confirmed")
    where = f" inside {' or '.join(s.path for s in within)}" if within else ""
    close = _suggestions(query, within)
    message = f"no division named {original!r}{where}"
    if close:
        message += "; closest names:\n" + "\n".join(f"    {d.label}" for d in close)
    return NotFound(message, hint="check the spelling, or pass the 6-digit code "
                    "(list them with `ogi-scrape regions --list --province NAME`)")
