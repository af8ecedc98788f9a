"""The Parquet dataset through its public API and plain pandas/duckdb reads of ``root/<table>``."""

from __future__ import annotations

import hashlib
import os
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from ogi_scrape.dataset import TABLES, Dataset, DatasetError, ReportMeta, report_key
from ogi_scrape.dataset.codes import by_code, codes_for_format
from ogi_scrape.dataset.schema import SCHEMA_VERSION
from ogi_scrape.dataset.synthetic import synthetic_report


def tree_digest(root: Path) -> dict[str, str]:
    """Content hash of every file a reader can reach through the stable paths."""
    out = {}
    for table in TABLES:
        base = root / table
        for dirpath, _, files in os.walk(base, followlinks=True):
            for f in files:
                p = Path(dirpath) / f
                out[str(p.relative_to(root))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def seed_items(n=6, years=(2020, 2024)):
    return [synthetic_report(i, year=y) for i in range(n) for y in years]


def test_values_table_holds_every_seed_value_with_its_code_exactly(tmp_path):
    items = seed_items()
    summary = Dataset(tmp_path).upsert(items)
    assert (summary.new, summary.changed, summary.unchanged, summary.published) == (12, 0, 0, True)

    df = pd.read_parquet(tmp_path / "values")
    got = {(r.report_key, r.code): (r.value, r.amount, r.raw, tuple(r.flags))
           for r in df.itertuples()}
    assert len(got) == len(df)                               # one row per (report, code)
    for meta, parsed in items:
        key = report_key(meta)
        for v in parsed["values"]:
            value, amount, raw, flags = got[(key, v["code"])]
            assert raw == v["raw"] and flags == tuple(v["flags"])
            if by_code()[v["code"]].is_money:
                assert pd.isna(value) and amount == v["value"] and isinstance(amount, Decimal)
            elif v["value"] is None:
                assert pd.isna(value) and amount is None
            else:
                assert value == v["value"]
    assert len(df) == sum(len(p["values"]) for _, p in items)


def test_every_code_of_both_formats_is_stored(tmp_path):
    ds = Dataset(tmp_path)
    ds.upsert(seed_items(n=1))
    stored = ds.read("values").to_pandas()
    for fmt, year in (("gb2019", 2020), ("gb2021", 2024)):
        codes = set(stored[stored.report_year == year].code.astype(str))
        assert codes == {c.code for c in codes_for_format(fmt)}


def test_second_identical_run_changes_nothing(tmp_path):
    ds = Dataset(tmp_path)
    ds.upsert(seed_items())
    before = tree_digest(tmp_path)
    snap = ds.snapshot().id
    # a re-fetch of the same bytes at another time, from another archive record
    again = [(replace(m, fetched_at=m.fetched_at.replace(year=2030), archive_ref="other.warc#1"), p)
             for m, p in seed_items()]
    s = ds.upsert(again)
    assert (s.unchanged, s.new, s.changed, s.updated, s.published) == (12, 0, 0, 0, False)
    assert ds.snapshot().id == snap
    assert tree_digest(tmp_path) == before


def test_changed_page_becomes_a_new_version_and_replaces_rows(tmp_path):
    ds = Dataset(tmp_path)
    ds.upsert(seed_items())
    meta, parsed = synthetic_report(2, year=2024, revision=1)
    s = ds.upsert([(meta, parsed)])
    assert (s.changed, s.new, s.published) == (1, 0, True)
    key = report_key(meta)

    reports = pd.read_parquet(tmp_path / "reports")
    assert reports.report_key.is_unique and len(reports) == 12
    row = reports[reports.report_key == key].iloc[0]
    assert row.version == 2 and row.content_sha256 == meta.content_sha256

    values = pd.read_parquet(tmp_path / "values")
    mine = values[values.report_key == key]
    assert len(mine) == len(parsed["values"]) and not values.duplicated(["report_key", "code"]).any()
    expect = {v["code"]: v["value"] for v in parsed["values"] if not by_code()[v["code"]].is_money}
    assert {r.code: (None if pd.isna(r.value) else r.value) for r in mine.itertuples()
            if r.code in expect} == expect

    versions = pd.read_parquet(tmp_path / "report_versions")
    hist = versions[versions.report_key == key].sort_values("version")
    assert list(hist.version) == [1, 2]
    assert hist.content_sha256.iloc[0] == synthetic_report(2, year=2024)[0].content_sha256
    assert hist.archive_ref.iloc[0] and len(versions) == 13


def test_same_page_reparsed_is_updated_in_place(tmp_path):
    ds = Dataset(tmp_path)
    ds.upsert(seed_items(n=2))
    meta, parsed = synthetic_report(1, year=2024)
    parsed = {**parsed, "parser_version": "synthetic-2",
              "values": [v for v in parsed["values"] if v["section"] != "s4"]}
    s = ds.upsert([(meta, parsed)])
    assert (s.updated, s.changed, s.new) == (1, 0, 0)
    rep = ds.read("reports", report_key=report_key(meta)).to_pylist()[0]
    assert rep["version"] == 1 and rep["parser_version"] == "synthetic-2"
    vals = ds.read("values", report_key=report_key(meta)).to_pandas()
    assert not (vals.section == "s4").any()
    assert len(ds.read("report_versions").to_pylist()) == 4   # no new version for a re-parse


def test_files_have_the_declared_schema_metadata_and_ascii_partitions(tmp_path):
    Dataset(tmp_path).upsert(seed_items(n=2))
    for table, schema in TABLES.items():
        files = sorted((tmp_path / table).rglob("*.parquet"))
        assert files, table
        for f in files:
            rel = f.relative_to(tmp_path / table)
            assert str(rel).isascii()
            year, province = (p.split("=")[1] for p in rel.parts[:2])
            assert rel.parts[0].startswith("year=") and rel.parts[1].startswith("province=")
            file_schema = pq.read_schema(f)
            assert file_schema.remove_metadata().equals(schema)
            meta = file_schema.metadata
            assert meta[b"ogi_scrape.schema_version"] == str(SCHEMA_VERSION).encode()
            assert meta[b"ogi_scrape.table"] == table.encode()
            t = pq.read_table(f)
            assert set(t["report_year"].to_pylist()) == {int(year)}
            assert set(t["province_id"].to_pylist()) == {province}
    vs = pq.read_schema(next((tmp_path / "values").rglob("*.parquet")))
    assert str(vs.field("code").type).startswith("dictionary")
    assert str(vs.field("amount").type) == "decimal128(18, 6)"


def test_duckdb_reads_money_as_exact_decimal(tmp_path):
    Dataset(tmp_path).upsert(seed_items(n=3, years=(2024,)))
    rows = duckdb.sql(
        f"select report_key, amount, typeof(amount) from read_parquet('{tmp_path}/values/**/*.parquet', "
        "hive_partitioning=true) where code = 's2.fee.amount' order by report_key").fetchall()
    assert len(rows) == 3 and all(t == "DECIMAL(18,6)" for _, _, t in rows)
    expect = sorted((report_key(m), next(v["value"] for v in p["values"] if v["code"] == "s2.fee.amount"))
                    for m, p in seed_items(n=3, years=(2024,)))
    assert [(k, a) for k, a, _ in rows] == expect


def test_upsert_rewrites_only_touched_partitions(tmp_path):
    ds = Dataset(tmp_path)
    ds.upsert(seed_items(n=2) + [synthetic_report(9, year=2024, division_code="110101")])
    old = {p: os.stat(p).st_ino for p in (tmp_path / "values").rglob("*.parquet")}
    ds.upsert([synthetic_report(0, year=2024, revision=1)])
    new = {p: os.stat(p).st_ino for p in (tmp_path / "values").rglob("*.parquet")}
    untouched = [p for p in old if "year=2024/province=51" not in str(p)]
    assert untouched and all(new.get(p) == old[p] for p in untouched)   # same inode: hard link
    assert any(p not in old for p in new)                               # the touched one is new


def test_many_small_batches_are_compacted_and_stay_correct(tmp_path):
    ds = Dataset(tmp_path, max_files=3)
    items = [synthetic_report(i, year=2024) for i in range(10)]
    for item in items:
        ds.upsert([item])
    ds.upsert([synthetic_report(4, year=2024, revision=1)])
    files = list((tmp_path / "values" / "year=2024" / "province=51").glob("*.parquet"))
    assert 1 <= len(files) <= 3
    df = pd.read_parquet(tmp_path / "values")
    assert len(df) == 10 * len(items[0][1]["values"]) and not df.duplicated(["report_key", "code"]).any()
    assert sorted(pd.read_parquet(tmp_path / "reports").version) == [1] * 9 + [2]


def test_old_snapshots_are_recycled_and_leftovers_removed(tmp_path):
    ds = Dataset(tmp_path, keep=1)
    for rev in range(6):
        ds.upsert([synthetic_report(0, year=2024, revision=rev), synthetic_report(rev + 1, year=2020)])
    snaps = sorted(p.name for p in (tmp_path / "snapshots").iterdir())
    assert snaps == ["00000004", "00000005", "00000006"]        # spare, kept, current
    (tmp_path / "snapshots" / ".tmp-00000007-999").mkdir()      # a killed writer's leftover
    (tmp_path / "snapshots" / "00000009").mkdir()               # built, killed before the swap
    ds.upsert([synthetic_report(1, year=2024)])
    assert not list((tmp_path / "snapshots").glob(".tmp-*"))
    assert not (tmp_path / "snapshots" / "00000009").exists()
    assert os.readlink(tmp_path / "current") == "snapshots/00000007"


def test_every_snapshot_holds_exactly_its_manifest(tmp_path):
    """Recycled trees are edited into the new state: no stale file may survive in them."""
    import json
    ds = Dataset(tmp_path, keep=1, max_files=2)
    for rev in range(7):
        ds.upsert([synthetic_report(rev % 3, year=2024, revision=rev),
                   synthetic_report(10 + rev, year=2020 + rev % 2, division_code="110101")])
        for snap in (tmp_path / "snapshots").iterdir():
            manifest = json.loads((snap / "_dataset.json").read_text())
            listed = {f"{t}/{part}/{name}" for t, info in manifest["tables"].items()
                      for part, files in info["partitions"].items() for name in files}
            on_disk = {str(p.relative_to(snap)) for p in snap.rglob("*.parquet")}
            assert on_disk == listed, snap.name
            for t, info in manifest["tables"].items():
                for part, files in info["partitions"].items():
                    for name, rows in files.items():
                        assert pq.read_metadata(snap / t / part / name).num_rows == rows
    values = pd.read_parquet(tmp_path / "values")
    assert not values.duplicated(["report_key", "code"]).any()
    assert len(pd.read_parquet(tmp_path / "reports")) == 3 + 7


def test_wide_views_match_the_long_table(tmp_path):
    ds = Dataset(tmp_path)
    meta, parsed = synthetic_report(5, year=2024)
    dup = dict(next(v for v in parsed["values"] if v["code"] == "s4.reconsideration.upheld"))
    parsed["values"].append({**dup, "value": 99, "raw": "99"})       # the same code printed twice
    ds.upsert([(meta, parsed)])
    wide = pd.read_parquet(tmp_path / "wide_s3").iloc[0]
    for v in parsed["values"]:
        if v["section"] == "s3":
            assert (pd.isna(wide[v["code"]]) if v["value"] is None else wide[v["code"]] == v["value"])
    w2 = pd.read_parquet(tmp_path / "wide_s2").iloc[0]
    fee = next(v for v in parsed["values"] if v["code"] == "s2.fee.amount")
    assert w2["s2.fee.amount"] == fee["value"] and w2["s2.fee.amount.unit"] == "万元"
    assert pd.isna(w2["s2.regulation.made"])                        # a gb2019 code, absent in gb2021
    w4 = pd.read_parquet(tmp_path / "wide_s4").iloc[0]
    assert pd.isna(w4["s4.reconsideration.upheld"])                  # two values: never picked or summed
    long = ds.read("values", code="s4.reconsideration.upheld").to_pylist()
    assert sorted(r["value"] for r in long) == sorted([dup["value"], 99])


def test_read_filters_prune_and_validate(tmp_path):
    ds = Dataset(tmp_path)
    ds.upsert(seed_items(n=2) + [synthetic_report(7, year=2024, division_code="110101")])
    t = ds.read("reports", year=2024, province="11")
    assert t.num_rows == 1 and t["division_code"].to_pylist() == ["110101"]
    assert ds.read("reports", year=[2020, 2024]).num_rows == 5
    with pytest.raises(DatasetError, match="no such column"):
        ds.read("reports", colour="red")
    with pytest.raises(DatasetError, match="unknown table"):
        ds.read("tables")


def test_empty_dataset_reads_as_empty_tables(tmp_path):
    t = Dataset(tmp_path / "nothing").read("values")
    assert t.num_rows == 0 and "code" in t.schema.names


@pytest.mark.parametrize("change, message", [
    (dict(division_code="5133"), "division_code '5133' is not a 6-digit code"),
    (dict(year="2024"), "year '2024' is not a report year"),
    (dict(body_kind="ministry"), "body_kind 'ministry'"),
    (dict(content_sha256="abc"), "is not a SHA-256"),
    (dict(body_name="  "), "body_name is empty"),
])
def test_bad_metadata_is_refused_and_nothing_written(tmp_path, change, message):
    meta, parsed = synthetic_report(0)
    with pytest.raises(DatasetError, match=message):
        Dataset(tmp_path).upsert([(replace(meta, **change), parsed)])
    assert not (tmp_path / "current").exists()


def test_inexact_values_are_refused_not_rounded(tmp_path):
    meta, parsed = synthetic_report(0)
    for v in parsed["values"]:
        if v["code"] == "s2.fee.amount":
            v["value"] = Decimal("1.0000001")
    with pytest.raises(DatasetError, match=r"s2.fee.amount.*decimal\(18,6\)"):
        Dataset(tmp_path).upsert([(meta, parsed)])
    meta, parsed = synthetic_report(0)
    parsed["values"][-1]["value"] = 2.5
    with pytest.raises(DatasetError, match="is not a whole number"):
        Dataset(tmp_path).upsert([(meta, parsed)])


def test_json_numbers_from_the_cli_parse_output_are_stored_exactly(tmp_path):
    import json
    meta, parsed = synthetic_report(0)
    as_json = json.loads(json.dumps(parsed, default=str))          # Decimals became strings
    for v in as_json["values"]:
        if v["code"] == "s2.fee.amount":
            v["value"] = 20.3                                          # JSON number
    Dataset(tmp_path).upsert([(meta, as_json)])
    amount = Dataset(tmp_path).read("values", code="s2.fee.amount")["amount"].to_pylist()
    assert amount == [Decimal("20.300000")]


def test_report_key_is_stable_across_refetch_and_distinct_across_bodies():
    meta, _ = synthetic_report(0)
    same = replace(meta, url="http://elsewhere/", fetched_at=None, body_kind="other",
                   body_name=" 泸定县人民政府 ", content_sha256="0" * 64)
    assert report_key(same) == report_key(meta)
    assert report_key(meta).startswith("513322-2024-") and report_key(meta).isascii()
    assert report_key(replace(meta, year=2023)) != report_key(meta)
    assert report_key(replace(meta, body_name="泸定县教育局")) != report_key(meta)
    assert report_key(replace(meta, division_code="513323")) != report_key(meta)


def test_duplicate_keys_in_one_batch_keep_the_last(tmp_path):
    first = synthetic_report(0, year=2024)
    last = synthetic_report(0, year=2024, revision=3)
    s = Dataset(tmp_path).upsert([first, last])
    assert s.new == 1
    rep = pd.read_parquet(tmp_path / "reports")
    assert list(rep.content_sha256) == [last[0].content_sha256]


def test_manifest_describes_the_snapshot(tmp_path):
    import json
    Dataset(tmp_path).upsert(seed_items(n=2))
    m = json.loads((tmp_path / "current" / "_dataset.json").read_text())
    assert m["schema_version"] == SCHEMA_VERSION and m["tool_version"]
    assert m["tables"]["values"]["rows"] == len(pd.read_parquet(tmp_path / "values"))
    assert m["last_upsert"]["new"] == 4


def test_dataset_root_must_not_clash_with_a_foreign_directory(tmp_path):
    (tmp_path / "values").mkdir()
    with pytest.raises(DatasetError, match="is not a dataset root"):
        Dataset(tmp_path).upsert(seed_items(n=1))
    assert not (tmp_path / "current").exists() and not list((tmp_path / "snapshots").glob("*"))


def test_unused_reportmeta_fields_are_optional():
    m = ReportMeta(division_code="513322", body_name="泸定县人民政府", year=2024, content_sha256="a" * 64)
    m.validate()
    assert m.province_id == "51"


def test_codes_outside_the_code_book_stay_in_the_long_table(tmp_path):
    meta, parsed = synthetic_report(0)
    parsed["values"].append({"code": "s2.extra_row.count", "value": 7, "raw": "7", "unit": None,
                             "flags": ["annotated"], "provenance": {"source": "html", "table": 1}})
    ds = Dataset(tmp_path)
    ds.upsert([(meta, parsed)])
    row = ds.read("values", code="s2.extra_row.count").to_pylist()
    assert [(r["section"], r["row"], r["column"], r["value"]) for r in row] == [("s2", "extra_row", "count", 7)]
    assert "s2.extra_row.count" not in ds.read("wide_s2").schema.names


def test_concurrent_writers_are_serialised_and_both_land(tmp_path):
    import threading
    errors = []

    def write(seeds):
        try:
            for s in seeds:
                Dataset(tmp_path).upsert([synthetic_report(s, year=2024)])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(range(k, 12, 2),)) for k in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    reports = pd.read_parquet(tmp_path / "reports")
    assert sorted(reports.report_key) == sorted(report_key(synthetic_report(s)[0]) for s in range(12))
    assert len(pd.read_parquet(tmp_path / "values")) == sum(len(synthetic_report(s)[1]["values"]) for s in range(12))


def test_a_failed_parse_is_recorded_without_numbers(tmp_path):
    meta, parsed = synthetic_report(0)
    parsed = {**parsed, "status": "failed", "reasons": ["no standard table found"], "values": [],
              "checks": [], "tables": {"s2": False, "s3": False, "s4": False}, "template": "unknown"}
    Dataset(tmp_path).upsert([(meta, parsed)])
    rep = pd.read_parquet(tmp_path / "reports").iloc[0]
    assert rep.status == "failed" and list(rep.reasons) == ["no standard table found"] and rep.n_values == 0
    wide = pd.read_parquet(tmp_path / "wide_s3")
    assert len(wide) == 1 and wide.filter(like="s3.").isna().all(axis=None)


def test_a_root_that_is_a_file_is_a_clear_error(tmp_path):
    (tmp_path / "data").write_text("not a directory")
    with pytest.raises(DatasetError, match="is a file, not a directory"):
        Dataset(tmp_path / "data").upsert(seed_items(n=1))
