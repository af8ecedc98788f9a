"""Generate the reference parts of docs/dataset.md from the schemas and the code book.

Why generated: a data dictionary written by hand drifts from the files it describes. The
column tables and the code table are rebuilt from ``schema.TABLES`` and ``codebook.toml``; a
test fails when docs/dataset.md is stale or a column has no description. Regenerate with::

    python -m ogi_scrape.dataset.dictionary docs/dataset.md          # rewrite in place
    python -m ogi_scrape.dataset.dictionary --check docs/dataset.md  # exit 1 when stale
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from ogi_scrape.dataset.codes import all_codes, sections
from ogi_scrape.dataset.schema import TABLES

_KEYS = {
    "report_key": "Stable report identity `<division>-<year>-<hash of body name>`; join key of all tables",
    "report_year": "Year the report covers (copy of the partition key `year`)",
    "province_id": "2-digit province code (copy of the partition key `province`)",
}

TABLE_DOCS = {
    "reports": "One row per report (latest version).",
    "values": "Long format: one row per extracted cell (report × code). Latest version of each report.",
    "checks": "One row per validation rule run on a report (勾稽关系 and plausibility checks).",
    "report_versions": "Append-only history: one row per version of a report ever stored.",
    "wide_s2": "One row per report, one column per section 二 code.",
    "wide_s3": "One row per report, one column per section 三 code.",
    "wide_s4": "One row per report, one column per section 四 code.",
}

COLUMN_DOCS = {
    "version": "1 for the first page seen; +1 each time the page's bytes change",
    "division_code": "6-digit GB/T 2260 code of the division (the county for county bodies)",
    "province_code": "Province code as given by the division registry (its first two digits = `province_id`)", "province_name": "Province name",
    "prefecture_code": "6-digit prefecture code", "prefecture_name": "Prefecture (地级) name",
    "county_name": "County (县级) name",
    "body_name": "Publishing body, e.g. 泸定县人民政府",
    "body_kind": "`government`, `department`, `township` or `other`",
    "title": "Title of the report page", "org": "Organisation name as printed in the report",
    "url": "URL of the report page (the logical portal URL, never a replica/loopback one)",
    "published": "Publication date shown by the portal",
    "fetched_at": "When this version's bytes were first fetched (UTC)",
    "content_sha256": "SHA-256 of the fetched page bytes",
    "archive_ref": "Pointer into the raw WARC archive (`file#offset`)",
    "format": "Table format detected from the headers: `gb2019`, `gb2021` or `unknown`",
    "format_basis": "Why the parser chose the format",
    "status": "`ok`, `partial` or `failed` (see docs of `ogi-scrape parse`)",
    "reasons": "Why the status is not `ok`",
    "parser_version": "Version of the parser that produced the rows",
    "source_name": "File or page name the parser read", "source_encoding": "Text encoding of the page",
    "has_s2": "Section 二 table found", "has_s3": "Section 三 table found", "has_s4": "Section 四 table found",
    "n_values": "Number of cells with a number", "n_checks_failed": "Number of checks with outcome `fail`",
    "record_sha256": "Fingerprint of the extracted rows; changes when the parse changes",
    "code": "Canonical value code `section.row.column` (see the code table)",
    "section": "`s2`, `s3` or `s4`", "row": "Row part of the code", "column": "Column part of the code",
    "value": "The number for count codes (int64); empty when the cell printed no number or for money codes",
    "amount": "The exact amount for money codes (decimal(18,6)); empty otherwise",
    "unit": "Unit printed or implied (`万元`, `元`); empty for counts",
    "raw": "Cell text exactly as printed",
    "flags": "Cell flags (see below)",
    "prov_source": "Where the cell came from: `html`, `text`, `pdf`, …",
    "prov_table": "Table index in the document", "prov_row": "Row index in the table grid",
    "prov_col": "Column index in the table grid", "prov_line": "Source line number",
    "rule": "Check identifier, e.g. `s3.balance`", "outcome": "`pass`, `fail` or `not_assessable`",
    "detail": "Human-readable explanation", "evidence": "The numbers the check used (JSON text)",
}

BEGIN, END = "<!-- BEGIN GENERATED {} -->", "<!-- END GENERATED {} -->"


def _describe(table: str, name: str) -> str:
    if name in _KEYS:
        return _KEYS[name]
    if name in COLUMN_DOCS:
        return COLUMN_DOCS[name]
    if table.startswith("wide_"):
        if name.endswith(".unit"):
            return f"Unit of `{name[:-5]}`"
        return ""  # code columns: described in the code table
    raise KeyError(f"column {table}.{name} has no description in ogi_scrape/dataset/dictionary.py")


def render_tables() -> str:
    out = []
    for table, schema in TABLES.items():
        out.append(f"### `{table}`\n\n{TABLE_DOCS[table]} Partitioned `year=/province=`.\n")
        out.append("| column | type | meaning |\n|---|---|---|")
        codes_skipped = 0
        for f in schema:
            desc = _describe(table, f.name)
            if table.startswith("wide_") and not desc:
                codes_skipped += 1
                continue
            typ = str(f.type).replace("dictionary<values=string, indices=int32, ordered=0>", "string (dictionary)")
            out.append(f"| `{f.name}` | {typ}{'' if f.nullable else ', required'} | {desc} |")
        if codes_skipped:
            out.append(f"| *one column per code* ({codes_skipped}) | int64, or decimal(18,6) for money | "
                       "the code's value when the report printed exactly one; see the code table |")
        out.append("")
    return "\n".join(out)


def render_codes() -> str:
    out = []
    for s in sections():
        out.append(f"### {s.id} — {s.zh}\n\n{s.en}.\n")
        out.append("| code | 行 row | 列 column | meaning | type | unit | formats | crosswalk |")
        out.append("|---|---|---|---|---|---|---|---|")
        for c in all_codes():
            if c.section != s.id:
                continue
            cross = c.crosswalk + (f": {c.note}" if c.note else "")
            out.append(f"| `{c.code}` | {c.row_zh} | {c.column_zh} | {c.en} | {c.type} | {c.unit or ''} | "
                       f"{', '.join(c.formats)} | {cross} |")
        out.append("")
    return "\n".join(out)


GENERATORS = {"tables": render_tables, "codes": render_codes}


def update(text: str) -> str:
    for name, gen in GENERATORS.items():
        b, e = BEGIN.format(name), END.format(name)
        pattern = re.compile(re.escape(b) + ".*?" + re.escape(e), re.S)
        if not pattern.search(text):
            raise ValueError(f"docs/dataset.md has no {b} … {e} block")
        text = pattern.sub(lambda _m: f"{b}\n{gen()}\n{e}", text)
    return text


def main(argv: list[str]) -> int:
    check = "--check" in argv
    paths = [a for a in argv if a != "--check"] or ["docs/dataset.md"]
    path = Path(paths[0])
    old = path.read_text("utf-8")
    new = update(old)
    if check:
        if new != old:
            print(f"{path} is stale; run python -m ogi_scrape.dataset.dictionary {path}", file=sys.stderr)
            return 1
        return 0
    if new != old:
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(new, "utf-8")
        tmp.replace(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
