"""The source registry: which portal publishes which division's reports, read from TOML files.

Portal knowledge is data, not code: one TOML file per portal under ``registry/`` (bundled) or
in a user's own folder (``--registry my_portals/``), so adding a county never means editing
Python. Because a typo in a hand-written file would otherwise surface hours into a crawl as a
404 storm or a report filed under the wrong county, every file is validated strictly when it is
loaded: unknown keys, malformed codes, codes that are not real divisions, unknown adapter
families and non-HTTP URLs are errors naming the file and the key. Hosts outside ``.gov.cn``
only warn, since some portals really live elsewhere but hijacked mirrors are a known hazard.

The format is documented in ``docs/registry.md`` and pinned in ``docs/dev/interfaces.md``.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Iterable, Iterator
from urllib.parse import urlsplit

from ogi_scrape.errors import NotFound, UsageError

log = logging.getLogger(__name__)

BUNDLED = Path(__file__).with_name("registry")
COLUMN_KINDS = ("government", "department", "township", "mixed")
FAMILIES_PACKAGE = "ogi_scrape.sources.families"

_CODE_RE = re.compile(r"^\d{6}$")
_SITE_ID_RE = re.compile(r"^(\d{10}|bm\d{8})$")

# Keys every source file may use, with what they must hold (used in error messages).
TOP_KEYS = {
    "code": "a quoted 6-digit division code such as \"513322\"",
    "name": "a non-empty string (the portal owner, e.g. \"泸定县人民政府\")",
    "base_url": "an http(s) URL such as \"http://www.luding.gov.cn/\"",
    "family": "the discovery adapter",
    "site_id_code": "the 10-character 网站标识码 (6-digit division code + 4 digits, or bm + 8 digits)",
    "enabled": "true or false",
    "note": "a string",
    "politeness": "a table with delay and/or concurrency",
    "columns": "an array of tables ([[columns]])",
    "options": "a table of family-specific options",
}
POLITENESS_KEYS = {
    "delay": "a number of seconds >= 0 between requests to this host",
    "concurrency": "an integer >= 1 (requests in flight to this host)",
}
COLUMN_COMMON_KEYS = {"kind", "url", "year", "name", "column_id", "note"}
OPTION_COMMON_KEYS = {"encoding", "body_selector", "attachment_hosts", "note"}


@dataclass(frozen=True)
class FamilySpec:
    """What a discovery adapter accepts beyond the common keys (so typos are still caught)."""

    name: str
    column_keys: frozenset[str] = frozenset()
    option_keys: frozenset[str] = frozenset()


# The built-in families and the extra keys their adapters read. An adapter module
# ``ogi_scrape/sources/families/<name>.py`` registers itself just by existing, and may extend
# these with module-level ``COLUMN_KEYS`` / ``OPTION_KEYS``.
BUILTIN_FAMILIES: dict[str, FamilySpec] = {
    "ganzi": FamilySpec("ganzi", frozenset({"folder"}),
                        frozenset({"list_endpoint", "page_size", "zfxxgk_path"})),
    "trs": FamilySpec("trs", frozenset({"channel_id", "list_url", "folder"}),
                      frozenset({"site_id", "page_size"})),
    "hanweb": FamilySpec("hanweb", frozenset({"unit_id", "list_url", "folder"}),
                         frozenset({"webid", "page_size"})),
    "gkmlpt": FamilySpec("gkmlpt", frozenset({"list_url"}), frozenset({"site_id", "page_size"})),
    "generic": FamilySpec("generic", frozenset({"list_url", "link_pattern", "next_page"}),
                          frozenset({"link_pattern", "max_pages"})),
}
_registered: dict[str, FamilySpec] = {}


def register_family(name: str, column_keys: Iterable[str] = (),
                    option_keys: Iterable[str] = ()) -> None:
    """Let a plug-in adapter (outside the families package) declare itself and its keys."""
    _registered[name] = FamilySpec(name, frozenset(column_keys), frozenset(option_keys))
    _family_spec.cache_clear()


def _discovered_family_names() -> set[str]:
    try:
        package = importlib.import_module(FAMILIES_PACKAGE)
    except ImportError:
        return set()
    return {m.name for m in pkgutil.iter_modules(getattr(package, "__path__", []))
            if not m.name.startswith("_")}


def known_families() -> dict[str, FamilySpec]:
    """Built-in specs, plus every adapter module present, plus runtime registrations."""
    specs = dict(BUILTIN_FAMILIES)
    for name in _discovered_family_names():
        specs.setdefault(name, FamilySpec(name))
    specs.update(_registered)
    return specs


@cache
def _family_spec(name: str) -> FamilySpec:
    """The spec for ``name``, widened by the adapter module's own COLUMN_KEYS / OPTION_KEYS."""
    spec = known_families()[name]
    if name in _discovered_family_names():
        try:
            module = importlib.import_module(f"{FAMILIES_PACKAGE}.{name}")
        except Exception as exc:  # a broken adapter must not hide registry problems
            log.warning("could not import adapter %s.%s: %s", FAMILIES_PACKAGE, name, exc)
        else:
            spec = FamilySpec(name,
                              spec.column_keys | frozenset(getattr(module, "COLUMN_KEYS", ())),
                              spec.option_keys | frozenset(getattr(module, "OPTION_KEYS", ())))
    return spec


@dataclass(frozen=True)
class Politeness:
    """Per-host overrides; ``None`` keeps the fetcher's default (1 request / 2 s, 1 in flight)."""

    delay: float | None = None
    concurrency: int | None = None


@dataclass(frozen=True)
class Column:
    """A report column or list endpoint on the portal."""

    kind: str                                   # government | department | township | mixed
    url: str | None = None
    year: int | None = None                     # a hint only: the year is read from the report
    name: str | None = None
    column_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)   # family-specific keys

    def get(self, key: str, default: Any = None) -> Any:
        return self.extra.get(key, default)


@dataclass(frozen=True)
class Source:
    """One portal that publishes reports for one division."""

    id: str                     # the file name without .toml, e.g. "513322-luding"
    code: str
    name: str
    base_url: str
    family: str
    site_id_code: str | None = None
    politeness: Politeness = Politeness()
    columns: tuple[Column, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    enabled: bool = True
    note: str | None = None

    @property
    def host(self) -> str:
        return (urlsplit(self.base_url).hostname or "").lower()

    @property
    def division(self):
        from ogi_scrape.regions import get
        return get(self.code)

    def columns_of(self, kind: str) -> list[Column]:
        return [c for c in self.columns if c.kind == kind]


# ---------------------------------------------------------------- validation


class _Problems:
    """Collects every problem in one file so the user fixes them in one pass."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.items: list[str] = []

    def add(self, key: str, expected: str, got: Any = None, *, show_got: bool = True) -> None:
        detail = f"key '{key}': expected {expected}"
        if show_got:
            detail += f"; got {got!r}"
        self.items.append(detail)

    def raise_if_any(self) -> None:
        if self.items:
            lines = "\n".join(f"  - {item}" for item in self.items)
            raise UsageError(f"invalid registry file {self.path}:\n{lines}",
                             hint="see docs/registry.md for the format of every key")


def _check_url(problems: _Problems, key: str, value: Any) -> str | None:
    if not isinstance(value, str):
        problems.add(key, "an http(s) URL string", value)
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        problems.add(key, "an http:// or https:// URL with a host name", value)
        return None
    return value


def _is_gov_host(host: str) -> bool:
    return host == "gov.cn" or host.endswith(".gov.cn")


def _reject_unknown(problems: _Problems, where: str, table: dict, allowed: Iterable[str]) -> None:
    allowed = sorted(set(allowed))
    for key in table:
        if key not in allowed:
            problems.add(f"{where}{key}", f"one of {', '.join(allowed)} (unknown key)", key,
                         show_got=False)


def _parse_politeness(problems: _Problems, raw: Any) -> Politeness:
    if raw is None:
        return Politeness()
    if not isinstance(raw, dict):
        problems.add("politeness", TOP_KEYS["politeness"], raw)
        return Politeness()
    _reject_unknown(problems, "politeness.", raw, POLITENESS_KEYS)
    delay, concurrency = raw.get("delay"), raw.get("concurrency")
    if delay is not None and (isinstance(delay, bool) or not isinstance(delay, (int, float))
                              or delay < 0):
        problems.add("politeness.delay", POLITENESS_KEYS["delay"], delay)
        delay = None
    if concurrency is not None and (isinstance(concurrency, bool)
                                    or not isinstance(concurrency, int) or concurrency < 1):
        problems.add("politeness.concurrency", POLITENESS_KEYS["concurrency"], concurrency)
        concurrency = None
    return Politeness(float(delay) if delay is not None else None, concurrency)


def _parse_columns(problems: _Problems, raw: Any, spec: FamilySpec | None,
                   warnings: list[str], path: Path) -> tuple[Column, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(c, dict) for c in raw):
        problems.add("columns", TOP_KEYS["columns"], raw)
        return ()
    allowed = COLUMN_COMMON_KEYS | (spec.column_keys if spec else set())
    columns = []
    for i, col in enumerate(raw):
        where = f"columns[{i}]."
        if spec:
            _reject_unknown(problems, where, col, allowed)
        kind = col.get("kind")
        if kind not in COLUMN_KINDS:
            problems.add(where + "kind", f"one of {', '.join(COLUMN_KINDS)}", kind)
        url = col.get("url")
        if url is not None:
            url = _check_url(problems, where + "url", url)
            host = (urlsplit(url).hostname or "") if url else ""
            if url and not _is_gov_host(host):
                warnings.append(f"{path}: {where}url host {host!r} is not a .gov.cn host; "
                                "check it is the official portal and not a mirror")
        year = col.get("year")
        if year is not None and (isinstance(year, bool) or not isinstance(year, int)
                                 or not 2000 <= year <= 2100):
            problems.add(where + "year", "a year such as 2024 (an integer)", year)
            year = None
        column_id = col.get("column_id")
        if column_id is not None and (isinstance(column_id, bool)
                                      or not isinstance(column_id, (str, int))):
            problems.add(where + "column_id", "a string or integer id", column_id)
            column_id = None
        name = col.get("name")
        if name is not None and not isinstance(name, str):
            problems.add(where + "name", "a string", name)
            name = None
        extra = {k: v for k, v in col.items() if k not in COLUMN_COMMON_KEYS}
        columns.append(Column(kind=kind if kind in COLUMN_KINDS else "mixed", url=url, year=year,
                              name=name, column_id=None if column_id is None else str(column_id),
                              extra=extra))
    return tuple(columns)


def parse_source(data: dict, path: Path, warnings: list[str]) -> Source:
    """Validate one decoded TOML document; raise UsageError listing every problem in it."""
    problems = _Problems(path)
    _reject_unknown(problems, "", data, TOP_KEYS)
    for key in ("code", "name", "base_url", "family"):
        if key not in data:
            problems.add(key, TOP_KEYS[key] + " (required key is missing)", show_got=False)

    code = data.get("code")
    if "code" in data:
        if not isinstance(code, str) or not _CODE_RE.match(code):
            problems.add("code", TOP_KEYS["code"], code)
        else:
            try:
                from ogi_scrape.regions import get
                get(code)
            except NotFound:
                problems.add("code", "a code that exists in the bundled divisions data "
                             "(look it up with `ogi-scrape regions NAME`)", code)

    name = data.get("name")
    if "name" in data and (not isinstance(name, str) or not name.strip()):
        problems.add("name", TOP_KEYS["name"], name)

    base_url = _check_url(problems, "base_url", data["base_url"]) if "base_url" in data else None
    if base_url:
        host = urlsplit(base_url).hostname or ""
        if not _is_gov_host(host):
            warnings.append(f"{path}: base_url host {host!r} is not a .gov.cn host; check it is "
                            "the official portal and not a mirror copying gov pages")

    families = known_families()
    family = data.get("family")
    spec = None
    if "family" in data:
        if family not in families:
            problems.add("family", "one of " + ", ".join(sorted(families))
                         + " (a discovery adapter in ogi_scrape/sources/families/)", family)
        else:
            spec = _family_spec(family)

    site_id = data.get("site_id_code")
    if site_id is not None:
        if not isinstance(site_id, str) or not _SITE_ID_RE.match(site_id):
            problems.add("site_id_code", TOP_KEYS["site_id_code"], site_id)
        elif isinstance(code, str) and site_id[:2] != "bm" and not site_id.startswith(code):
            warnings.append(f"{path}: site_id_code {site_id} does not start with the division "
                            f"code {code}; a department site or a copy-paste error in the "
                            "portal template can cause this, so check which division owns it")

    enabled = data.get("enabled", True)
    if not isinstance(enabled, bool):
        problems.add("enabled", TOP_KEYS["enabled"], enabled)
    note = data.get("note")
    if note is not None and not isinstance(note, str):
        problems.add("note", TOP_KEYS["note"], note)

    politeness = _parse_politeness(problems, data.get("politeness"))
    columns = _parse_columns(problems, data.get("columns"), spec, warnings, path)

    options = data.get("options", {})
    if not isinstance(options, dict):
        problems.add("options", TOP_KEYS["options"], options)
        options = {}
    elif spec:
        _reject_unknown(problems, "options.", options, OPTION_COMMON_KEYS | spec.option_keys)

    problems.raise_if_any()
    return Source(id=path.stem, code=code, name=name.strip(), base_url=base_url, family=family,
                  site_id_code=site_id, politeness=politeness, columns=columns,
                  options=dict(options), path=path, enabled=enabled, note=note)


def load_file(path: Path, warnings: list[str] | None = None) -> Source:
    warnings = [] if warnings is None else warnings
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read registry file {path}: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise UsageError(f"registry file {path} is not UTF-8 text",
                         hint="save it as UTF-8 (Chinese names must survive)") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"registry file {path} is not valid TOML: {exc}",
                         hint="see docs/registry.md for an annotated example") from None
    return parse_source(data, path, warnings)


# ---------------------------------------------------------------- the registry


def _files_in(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(p for p in path.glob("*.toml") if not p.name.startswith("."))
        if not files and path != BUNDLED:
            raise UsageError(f"registry folder {path} contains no *.toml files",
                             hint="one TOML file per portal; see docs/registry.md")
        return files
    if path.is_file():
        if path.suffix != ".toml":
            raise UsageError(f"registry file {path} must have the .toml extension")
        return [path]
    raise UsageError(f"registry path {path} does not exist",
                     hint="pass a .toml file or a folder of them with --registry")


@dataclass
class Registry:
    """All loaded sources; later files override earlier ones with the same id."""

    sources: list[Source]
    warnings: list[str] = field(default_factory=list)

    def __iter__(self) -> Iterator[Source]:
        return iter(self.sources)

    def __len__(self) -> int:
        return len(self.sources)

    def get(self, source_id: str) -> Source:
        for s in self.sources:
            if s.id == source_id:
                return s
        raise NotFound(f"no source {source_id!r} in the registry",
                       hint="known sources: " + ", ".join(s.id for s in self.sources))

    def sources_for(self, code: str, *, include_disabled: bool = False) -> list[Source]:
        """Every portal registered for exactly this division code (a county may have several)."""
        return [s for s in self.sources if s.code == code and (include_disabled or s.enabled)]

    def sources_in(self, province: str | None = None, county: str | None = None,
                   only: Iterable[str] | None = None) -> list[Source]:
        """The crawl's selection: sources inside a province and/or a division, optionally
        restricted to named sources (by id, name or code). Names go through the resolver, so
        ``county="泸定"`` and ``province="四川"`` work, and ambiguous names are refused."""
        from ogi_scrape.regions import get, resolve

        chosen = [s for s in self.sources if s.enabled]
        scopes = []
        if province:
            scopes.append(resolve(province, level="province"))
        if county:
            scopes.append(resolve(county))
        for scope in scopes:
            chosen = [s for s in chosen if scope.contains(get(s.code))]
        if only:
            wanted = list(only)
            unknown = [w for w in wanted
                       if not any(w in (s.id, s.name, s.code) for s in self.sources)]
            if unknown:
                raise NotFound(f"unknown source(s): {', '.join(unknown)}",
                               hint="known sources: " + ", ".join(s.id for s in self.sources))
            chosen = [s for s in chosen if any(w in (s.id, s.name, s.code) for w in wanted)]
        return sorted(chosen, key=lambda s: (s.code, s.id))


def load_registry(paths: list[Path] | None = None, *, bundled: bool = True) -> Registry:
    """Load the bundled registry, then each of ``paths`` (files or folders) on top of it.

    A user file whose name (id) equals a bundled one replaces it; so does a user file for the
    same division code and host, so a user can correct a bundled entry without knowing its
    file name. Warnings (non-.gov.cn hosts, odd SiteIDCodes) are logged and kept on the result.
    """
    warnings: list[str] = []
    by_id: dict[str, Source] = {}
    layers = ([BUNDLED] if bundled and BUNDLED.is_dir() else []) + [Path(p) for p in paths or []]
    for layer in layers:
        for file in _files_in(layer):
            source = load_file(file, warnings)
            for old_id, old in list(by_id.items()):
                if old_id != source.id and (old.code, old.host) == (source.code, source.host) \
                        and old.path and old.path.parent != file.parent:
                    del by_id[old_id]
            by_id[source.id] = source
    for message in warnings:
        log.warning(message)
    return Registry(sources=sorted(by_id.values(), key=lambda s: (s.code, s.id)),
                    warnings=warnings)


@cache
def default_registry() -> Registry:
    return load_registry()


def sources_for(code: str) -> list[Source]:
    """Sources in the bundled registry for this division code."""
    return default_registry().sources_for(code)


def sources_in(province: str | None = None, county: str | None = None,
               only: Iterable[str] | None = None) -> list[Source]:
    """Bundled-registry selection; see :meth:`Registry.sources_in`."""
    return default_registry().sources_in(province=province, county=county, only=only)


# ---------------------------------------------------------------- CLI helpers


def add_registry_argument(parser) -> None:
    """The one ``--registry FILE|DIR`` flag, so every command spells and documents it alike."""
    parser.add_argument("--registry", action="append", type=Path, default=[],
                        metavar="FILE|DIR",
                        help="extra source registry TOML file or folder, loaded on top of the "
                             "bundled one (repeatable; see docs/registry.md)")


def registry_from_args(args) -> Registry:
    paths = getattr(args, "registry", None) or []
    return load_registry(paths) if paths else default_registry()


__all__ = ["BUILTIN_FAMILIES", "COLUMN_KINDS", "Column", "FamilySpec", "Politeness",
           "Registry", "Source", "add_registry_argument", "default_registry", "known_families",
           "load_file", "load_registry", "parse_source", "register_family", "registry_from_args",
           "sources_for", "sources_in"]
