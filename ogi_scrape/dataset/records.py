"""One scraped report (what the pipeline knows + what the parser read) → rows of every table.

Kept apart from storage so the rules that decide what a row holds — the stable report key,
exact money, counts as integers, flags and provenance kept, nothing filled in — can be read and
tested without touching the disk.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from operator import itemgetter

from ogi_scrape.dataset.codes import by_code, codes_of
from ogi_scrape.dataset.schema import VALUES as _VALUES_SCHEMA
from ogi_scrape.errors import EXIT_USAGE, OgiError

VALUE_COLUMNS = tuple(_VALUES_SCHEMA.names)
BODY_KINDS = ("government", "department", "township", "other")
_MONEY_STEP = Decimal("0.000001")
_MONEY_LIMIT = Decimal(10) ** 12


class DatasetError(OgiError):
    """A report handed to the dataset cannot be stored as given (bad metadata or value)."""

    exit_code = EXIT_USAGE


@dataclass
class ReportMeta:
    """What the scrape pipeline knows about a report beyond the parse.

    ``division_code`` is the 6-digit code of the division the report belongs to (the county for
    county bodies); its first two digits are the ``province`` partition key.
    """

    division_code: str
    body_name: str
    year: int
    content_sha256: str
    body_kind: str = "government"          # government | department | township | other
    province_code: str | None = None
    province: str | None = None
    prefecture_code: str | None = None
    prefecture: str | None = None
    county: str | None = None
    title: str | None = None
    url: str | None = None
    published: date | None = None
    fetched_at: datetime | None = None
    archive_ref: str | None = None         # "warc-file#offset" into the raw archive

    def validate(self) -> None:
        where = f"report {self.body_name!r} {self.year}"
        if not isinstance(self.division_code, str) or not re.fullmatch(r"\d{6}", self.division_code):
            raise DatasetError(f"{where}: division_code {self.division_code!r} is not a 6-digit code",
                               hint="pass the GB/T 2260 code of the county, e.g. '513322'")
        if not isinstance(self.year, int) or not 1990 <= self.year <= 2100:
            raise DatasetError(f"{where}: year {self.year!r} is not a report year",
                               hint="pass the year the report covers as an int, e.g. 2024")
        if not self.body_name or not str(self.body_name).strip():
            raise DatasetError(f"report of {self.division_code} {self.year}: body_name is empty",
                               hint="pass the publishing body, e.g. '泸定县人民政府'")
        if self.body_kind not in BODY_KINDS:
            raise DatasetError(f"{where}: body_kind {self.body_kind!r} is not one of {BODY_KINDS}")
        if not isinstance(self.content_sha256, str) or not re.fullmatch(r"[0-9a-f]{64}", self.content_sha256):
            raise DatasetError(f"{where}: content_sha256 {self.content_sha256!r} is not a SHA-256 hex digest",
                               hint="pass hashlib.sha256(page_bytes).hexdigest()")
        if self.fetched_at is not None and self.fetched_at.tzinfo is None:
            raise DatasetError(f"{where}: fetched_at {self.fetched_at} has no time zone",
                               hint="pass an aware datetime, e.g. datetime.now(timezone.utc)")

    @property
    def province_id(self) -> str:
        return self.division_code[:2]


def _norm_name(name: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))


def report_key(meta: ReportMeta) -> str:
    """Stable identity of a report across re-scrapes: division, publishing body, year.

    ``513322-2024-<12 hex>``: the hex is SHA-256 of the body name after NFKC and whitespace
    removal, so the key is ASCII (safe in CSV, URLs and file names) and does not change when the
    page is re-fetched, moved to another URL, re-parsed or its body kind reclassified.
    """
    digest = hashlib.sha256(_norm_name(meta.body_name).encode("utf-8")).hexdigest()[:12]
    return f"{meta.division_code}-{meta.year}-{digest}"


def _count(v, where: str) -> int | None:
    if v is None:
        return None
    if isinstance(v, bool):
        raise DatasetError(f"{where}: value {v!r} is a boolean, not a count")
    if isinstance(v, int):
        return v
    try:
        d = Decimal(str(v)) if isinstance(v, float) else Decimal(v)
    except (InvalidOperation, TypeError, ValueError):
        raise DatasetError(f"{where}: value {v!r} is not a number") from None
    if d != d.to_integral_value():
        raise DatasetError(f"{where}: count {v!r} is not a whole number",
                           hint="counts are integers; fix the parser output for this cell")
    return int(d)


def _money(v, where: str) -> Decimal | None:
    if v is None:
        return None
    if isinstance(v, bool):
        raise DatasetError(f"{where}: value {v!r} is a boolean, not money")
    try:
        # float → its shortest repr ("20.3"), which is what the JSON text printed
        d = Decimal(repr(v)) if isinstance(v, float) else Decimal(v)
    except (InvalidOperation, TypeError, ValueError):
        raise DatasetError(f"{where}: value {v!r} is not a number") from None
    if not d.is_finite() or abs(d) >= _MONEY_LIMIT or d != d.quantize(_MONEY_STEP):
        raise DatasetError(f"{where}: amount {v!r} does not fit decimal(18,6) exactly",
                           hint="money is stored exactly with at most 6 decimals below 10^12; "
                                "this cell needs a wider type (report it as a bug)")
    return d.quantize(_MONEY_STEP)


@dataclass
class ReportRows:
    """All rows one report contributes, per table (dicts; tuples in column order for
    ``values``), plus its identity and fingerprint."""

    key: str
    year: int
    province_id: str
    content_sha256: str
    rows: dict[str, list[dict]] = field(default_factory=dict)
    record_sha256: str = ""


_VOLATILE = ("fetched_at", "archive_ref", "version", "record_sha256")


def build_rows(meta: ReportMeta, parsed: dict) -> ReportRows:
    """Turn one (meta, ParseResult.to_dict()) pair into rows; raise DatasetError on bad input."""
    meta.validate()
    if not isinstance(parsed, dict):
        raise DatasetError(f"report {meta.body_name!r} {meta.year}: the parse result is a "
                           f"{type(parsed).__name__}, expected ParseResult.to_dict()")
    key = report_key(meta)
    province_id = meta.province_id
    base = {"report_key": key, "report_year": meta.year, "province_id": province_id}
    fmt = parsed.get("template") or "unknown"
    book = by_code()

    values: list[dict] = []
    for i, v in enumerate(parsed.get("values") or []):
        code = v.get("code")
        if not code or not isinstance(code, str) or code.count(".") < 2:
            raise DatasetError(f"report {key}: value #{i} has no valid code ({code!r})",
                               hint="codes look like 's3.new.total' (see docs/dataset.md)")
        where = f"report {key} ({meta.body_name} {meta.year}) code {code}"
        info = book.get(code)
        section, row, column = (info.section, info.row, info.column) if info else _split(code)
        is_money = info.is_money if info else isinstance(v.get("value"), (Decimal, float))
        prov = v.get("provenance") or {}
        raw_value = v.get("value")
        # a tuple in VALUES column order: this loop runs ~200 times per report, 10^7 times a year
        values.append((
            key, meta.year, province_id, fmt, code, v.get("section") or section,
            v.get("row") or row, v.get("column") or column,
            None if is_money else _count(raw_value, where),
            _money(raw_value, where) if is_money else None,
            v.get("unit"), v.get("raw"), list(v.get("flags") or ()),
            prov.get("source"), prov.get("table"), prov.get("row"), prov.get("col"), prov.get("line"),
        ))
    values.sort(key=_value_order)

    checks = [{**base, "rule": c.get("rule") or "?", "outcome": c.get("outcome") or "?",
               "detail": c.get("detail"),
               "evidence": json.dumps(c.get("evidence"), ensure_ascii=False, sort_keys=True, default=str)
               if c.get("evidence") is not None else None}
              for c in parsed.get("checks") or []]
    checks.sort(key=lambda r: (r["rule"], r["detail"] or ""))

    source = parsed.get("source") or {}
    tables = parsed.get("tables") or {}
    report = {
        "report_key": key, "version": 1, **{k: base[k] for k in ("report_year", "province_id")},
        "division_code": meta.division_code, "province_code": meta.province_code,
        "province_name": meta.province, "prefecture_code": meta.prefecture_code,
        "prefecture_name": meta.prefecture, "county_name": meta.county,
        "body_name": meta.body_name, "body_kind": meta.body_kind,
        "title": meta.title if meta.title is not None else parsed.get("title"),
        "org": parsed.get("org"), "url": meta.url if meta.url is not None else source.get("url"),
        "published": meta.published, "fetched_at": meta.fetched_at,
        "content_sha256": meta.content_sha256, "archive_ref": meta.archive_ref,
        "format": fmt, "format_basis": _text(parsed.get("template_basis")),
        "status": parsed.get("status") or "failed", "reasons": [str(r) for r in parsed.get("reasons") or []],
        "parser_version": parsed.get("parser_version"), "source_name": source.get("name"),
        "source_encoding": source.get("encoding"),
        "has_s2": tables.get("s2"), "has_s3": tables.get("s3"), "has_s4": tables.get("s4"),
        "n_values": sum(1 for r in values if r[_V_VALUE] is not None or r[_V_AMOUNT] is not None),
        "n_checks_failed": sum(1 for c in checks if c["outcome"] == "fail"),
        "record_sha256": "",
    }
    rows = {"reports": [report], "values": values, "checks": checks}
    rows.update(_wide_rows(report, values))
    out = ReportRows(key, meta.year, meta.province_id, meta.content_sha256, rows)
    out.record_sha256 = fingerprint(rows)
    report["record_sha256"] = out.record_sha256
    return out


def _split(code: str) -> tuple[str, str, str]:
    section, rest = code.split(".", 1)
    row, column = rest.rsplit(".", 1)
    return section, row, column


def _text(v) -> str | None:
    if v is None or isinstance(v, str):
        return v
    return json.dumps(v, ensure_ascii=False, sort_keys=True, default=str)


_V = {name: i for i, name in enumerate(VALUE_COLUMNS)}
_V_CODE, _V_VALUE, _V_AMOUNT, _V_UNIT = _V["code"], _V["value"], _V["amount"], _V["unit"]
_V_PT, _V_PR, _V_PC = _V["prov_table"], _V["prov_row"], _V["prov_col"]


def _value_order(r: tuple):
    return (r[_V_CODE], r[_V_PT] or 0, r[_V_PR] or 0, r[_V_PC] or 0)


def _wide_rows(report: dict, values: list[tuple]) -> dict[str, list[dict]]:
    """One row per report per section; a cell holds the code's value only when the report gave
    exactly one value for it (several values for one code stay in `values`, never summed)."""
    by: dict[str, list[tuple]] = {}
    for r in values:
        by.setdefault(r[_V_CODE], []).append(r)
    out = {}
    for section in ("s2", "s3", "s4"):
        row = {k: report[k] for k in ("report_key", "report_year", "province_id", "division_code",
                                      "body_name", "body_kind", "format")}
        for c in codes_of(section):
            hits = by.get(c.code, ())
            one = hits[0] if len(hits) == 1 else None
            if c.is_money:
                row[c.code] = one[_V_AMOUNT] if one else None
                row[f"{c.code}.unit"] = one[_V_UNIT] if one else None
            else:
                row[c.code] = one[_V_VALUE] if one else None
        out[f"wide_{section}"] = [row]
    return out


def fingerprint(rows: dict[str, list[dict]]) -> str:
    """SHA-256 of everything the report contributes except when/where it was fetched, so a
    re-fetch of identical content with an identical parse is recognised as "unchanged".
    The wide views are derived from ``values`` and the report row, so they add nothing."""
    h = hashlib.sha256()
    for table in ("reports", "values", "checks"):
        table_rows = rows.get(table) or []
        if not table_rows:
            continue
        if isinstance(table_rows[0], tuple):          # values: tuples, no volatile column
            h.update(f"{table}:{VALUE_COLUMNS}".encode())
            h.update(repr(table_rows).encode("utf-8"))
            continue
        cols = sorted(k for k in table_rows[0] if k not in _VOLATILE)
        h.update(f"{table}:{cols}".encode())
        h.update(repr(list(map(itemgetter(*cols), table_rows))).encode("utf-8"))
    return h.hexdigest()
