"""docs/dataset.md: its examples run verbatim against a real dataset, with partition pruning,
and its generated reference parts match the schemas and the code book."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.dataset as pads
import pytest

from ogi_scrape.dataset import TABLES, Dataset, report_key
from ogi_scrape.dataset.codes import all_codes, codes_for_format
from ogi_scrape.dataset.dictionary import main as dictionary_main
from ogi_scrape.dataset.synthetic import synthetic_report

DOC = Path(__file__).resolve().parents[1] / "docs" / "dataset.md"


def examples(kind: str) -> list[str]:
    text = DOC.read_text("utf-8")
    return re.findall(rf"<!-- example: {kind} -->\s*```python\n(.*?)```", text, re.S)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    base = tmp_path_factory.mktemp("docs")
    items = [synthetic_report(i, year=y, division_code=d)
             for i in range(4) for y in (2020, 2024) for d in ("513322", "110101")]
    Dataset(base / "data").upsert(items)
    return base, items


def run(code: str, cwd: Path, monkeypatch) -> dict:
    monkeypatch.chdir(cwd)
    ns: dict = {}
    exec(compile(code, str(DOC), "exec"), ns)
    return ns


def value_of(parsed, code):
    return next(v["value"] for v in parsed["values"] if v["code"] == code)


def test_pandas_example_reads_one_partition(workdir, monkeypatch):
    base, items = workdir
    first, rollup = examples("pandas")
    table = run(first, base, monkeypatch)["table"]
    expect = sorted((report_key(m), value_of(p, "s3.new.total")) for m, p in items
                    if m.year == 2024 and m.division_code.startswith("51"))
    assert sorted(zip(table.report_key, table.value)) == expect
    assert set(table.body_name) == {m.body_name for m, _ in items if m.division_code.startswith("51")}
    # the filter prunes: pyarrow (which pandas uses) opens only the year=2024/province=51 files
    ds = pads.dataset(base / "data" / "values", partitioning="hive")
    hit = [f.path for f in ds.get_fragments(filter=(pc.field("year") == 2024) & (pc.field("province") == 51))]
    assert hit and all("year=2024/province=51/" in p for p in hit)
    assert len(hit) < len(list(ds.get_fragments()))


def test_pandas_crosswalk_example_rolls_up_other_without_inventing(workdir, monkeypatch):
    base, items = workdir
    wide = run(examples("pandas")[1], base, monkeypatch)["wide"]
    by_key = dict(zip(wide.report_key, wide.other_comparable))
    parts = ["s3.other.overdue_correction.total", "s3.other.overdue_fee.total", "s3.other.other.total"]
    for meta, parsed in items:
        got = by_key[report_key(meta)]
        if meta.year == 2020:
            assert got == value_of(parsed, "s3.other.total")
        else:
            vals = [value_of(parsed, c) for c in parts]
            assert (got == sum(vals)) if None not in vals else got is None or str(got) == "<NA>"


def test_duckdb_example_prunes_partitions(workdir, monkeypatch):
    base, items = workdir
    (example,) = examples("duckdb")
    ns = run(example, base, monkeypatch)
    result = ns["result"]
    sichuan_2024 = [(m, p) for m, p in items if m.year == 2024 and m.division_code.startswith("51")]
    assert len(result) == sum(sum(v["section"] == "s2" for v in p["values"]) for _, p in sichuan_2024)
    fees = result[result.code == "s2.fee.amount"]
    assert sorted(fees.amount) == sorted(value_of(p, "s2.fee.amount") for _, p in sichuan_2024)
    assert all(isinstance(a, Decimal) for a in fees.amount)
    plan = "\n".join(r[1] for r in ns["con"].sql("EXPLAIN ANALYZE " + ns["query"]).fetchall())
    scans = [(int(a), int(b)) for a, b in re.findall(r"Scanning Files: (\d+)/(\d+)", plan)]
    assert len(scans) == 2 and all(0 < read < total for read, total in scans), plan


def test_polars_example_runs(workdir, monkeypatch):
    base, items = workdir
    (example,) = examples("polars")
    fees = run(example, base, monkeypatch)["fees"]
    assert sorted(fees["amount"].to_list()) == sorted(value_of(p, "s2.fee.amount")
                                                      for m, p in items if m.year == 2024)


def test_generated_reference_is_up_to_date():
    assert dictionary_main(["--check", str(DOC)]) == 0, "run: python -m ogi_scrape.dataset.dictionary docs/dataset.md"


def test_dictionary_names_every_table_column_code_and_flag():
    text = DOC.read_text("utf-8")
    for table in TABLES:
        assert f"### `{table}`" in text
    for c in all_codes():
        assert f"| `{c.code}` | {c.row_zh} |" in text
    for flag in ("blank", "not_applicable", "annotated", "unit_conflict", "text_in_numeric",
                 "truncated", "derived"):
        assert f"| `{flag}` |" in text


def test_code_book_covers_the_contract():
    """Every code of ../shared/spec/codes.md exists in the code book, per format."""
    assert len(codes_for_format("gb2021")) == 10 + 26 * 7 - 7 + 15
    assert len(codes_for_format("gb2019")) == 22 + 24 * 7 + 15 - 7
    assert {c.code for c in all_codes() if c.type == "money"} == {"s2.fee.amount", "s2.procurement.amount"}


def test_code_book_agrees_with_the_parser_templates():
    templates = pytest.importorskip("ogi_scrape.parse.templates")
    try:
        loaded = templates.all_templates()
    except Exception as exc:  # the parser's data is being written in parallel
        pytest.skip(f"parser templates do not load yet: {exc}")
    for tpl in loaded:
        ours = {c.code for c in codes_for_format(tpl.id)}
        assert set(tpl.codes) == ours, (tpl.id, set(tpl.codes) ^ ours)
        money = {c for c, info in tpl.codes.items() if info.type == "money"}
        assert money == {c.code for c in codes_for_format(tpl.id) if c.is_money}
