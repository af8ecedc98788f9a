"""Explicit Arrow schemas of every table, and the schema evolution policy.

Why explicit: inferring types from rows turns an all-null column into ``null`` type, ints with
gaps into floats (via pandas) and makes two partitions disagree; researchers then get a dataset
that cannot be read as one. Every table is declared here once, and every file is written with
exactly this schema (cast, never inferred).

Evolution policy (additive only, see docs/dataset.md): a new version may add nullable columns or
new tables; it never renames, removes or retypes a column, and never changes what a code means.
``SCHEMA_VERSION`` goes up by one with every addition. Readers of an older version keep working
because every old column is still there with its old type.
"""

from __future__ import annotations

import pyarrow as pa

from ogi_scrape import __version__
from ogi_scrape.dataset.codes import codes_of

SCHEMA_VERSION = 1

# Money: decimal128(18, 6) holds up to 10^12 with 6 decimals — every fee in 万元 and every
# procurement sum in 元 that a county prints, exactly. A value needing more digits is refused,
# never rounded.
MONEY = pa.decimal128(18, 6)
DSTR = pa.dictionary(pa.int32(), pa.string())  # repeated labels: small on disk, categorical in pandas
PARTITION_KEYS = ("year", "province")          # hive keys, ASCII: year=2024/province=51

# Columns that repeat the partition keys inside every file, so a file copied out of the tree
# still says where it belongs (hive readers drop the key columns from the files themselves).
_KEY_COPIES = [
    pa.field("report_year", pa.int16(), nullable=False),   # = partition key `year`
    pa.field("province_id", DSTR, nullable=False),          # = partition key `province` (2 digits)
]


def _f(name, type_, nullable=True):
    return pa.field(name, type_, nullable=nullable)


REPORTS = pa.schema([
    _f("report_key", pa.string(), False),
    _f("version", pa.int32(), False),
    *_KEY_COPIES,
    _f("division_code", DSTR, False),
    _f("province_code", DSTR), _f("province_name", DSTR),
    _f("prefecture_code", DSTR), _f("prefecture_name", DSTR),
    _f("county_name", DSTR),
    _f("body_name", DSTR, False), _f("body_kind", DSTR, False),
    _f("title", pa.string()), _f("org", pa.string()),
    _f("url", pa.string()),
    _f("published", pa.date32()),
    _f("fetched_at", pa.timestamp("us", tz="UTC")),
    _f("content_sha256", pa.string(), False),
    _f("archive_ref", pa.string()),
    _f("format", DSTR, False), _f("format_basis", pa.string()),
    _f("status", DSTR, False), _f("reasons", pa.list_(pa.string())),
    _f("parser_version", DSTR),
    _f("source_name", pa.string()), _f("source_encoding", DSTR),
    _f("has_s2", pa.bool_()), _f("has_s3", pa.bool_()), _f("has_s4", pa.bool_()),
    _f("n_values", pa.int32(), False), _f("n_checks_failed", pa.int32(), False),
    _f("record_sha256", pa.string(), False),
])

VALUES = pa.schema([
    _f("report_key", pa.string(), False),
    *_KEY_COPIES,
    _f("format", DSTR, False),
    _f("code", DSTR, False), _f("section", DSTR, False), _f("row", DSTR, False), _f("column", DSTR, False),
    _f("value", pa.int64()),            # counts (and signed counts); null for money and for no number
    _f("amount", MONEY),                # money codes only, exact
    _f("unit", DSTR),
    _f("raw", pa.string()),
    _f("flags", pa.list_(pa.string())),
    _f("prov_source", DSTR), _f("prov_table", pa.int32()), _f("prov_row", pa.int32()),
    _f("prov_col", pa.int32()), _f("prov_line", pa.int32()),
])

CHECKS = pa.schema([
    _f("report_key", pa.string(), False),
    *_KEY_COPIES,
    _f("rule", DSTR, False), _f("outcome", DSTR, False),
    _f("detail", pa.string()), _f("evidence", pa.string()),  # evidence: JSON text
])

REPORT_VERSIONS = pa.schema([
    _f("report_key", pa.string(), False),
    _f("version", pa.int32(), False),
    *_KEY_COPIES,
    _f("content_sha256", pa.string(), False),
    _f("fetched_at", pa.timestamp("us", tz="UTC")),
    _f("archive_ref", pa.string()),
    _f("url", pa.string()),
    _f("parser_version", DSTR),
])


def _wide(section: str) -> pa.Schema:
    fields = [
        _f("report_key", pa.string(), False),
        *_KEY_COPIES,
        _f("division_code", DSTR, False), _f("body_name", DSTR, False), _f("body_kind", DSTR, False),
        _f("format", DSTR, False),
    ]
    for c in codes_of(section):
        if c.is_money:
            fields.append(_f(c.code, MONEY))
            fields.append(_f(f"{c.code}.unit", DSTR))
        else:
            fields.append(_f(c.code, pa.int64()))
    return pa.schema(fields)


TABLES: dict[str, pa.Schema] = {
    "reports": REPORTS,
    "values": VALUES,
    "checks": CHECKS,
    "report_versions": REPORT_VERSIONS,
    "wide_s2": _wide("s2"),
    "wide_s3": _wide("s3"),
    "wide_s4": _wide("s4"),
}

# Tables whose rows are replaced when a report is re-scraped; report_versions only grows.
REPLACED_TABLES = ("reports", "values", "checks", "wide_s2", "wide_s3", "wide_s4")
APPEND_ONLY_TABLES = ("report_versions",)


def with_metadata(schema: pa.Schema, table: str) -> pa.Schema:
    """Stamp the schema (hence every Parquet footer) with who wrote it and under which contract."""
    return schema.with_metadata({
        b"ogi_scrape.table": table.encode(),
        b"ogi_scrape.schema_version": str(SCHEMA_VERSION).encode(),
        b"ogi_scrape.tool_version": __version__.encode(),
    })
