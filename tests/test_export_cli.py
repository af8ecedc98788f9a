"""`ogi-scrape export --format csv|xlsx` through the CLI."""

from __future__ import annotations

import csv
import subprocess
import sys
from decimal import Decimal

import openpyxl
import pytest

from ogi_scrape.cli import main
from ogi_scrape.dataset import Dataset, report_key
from ogi_scrape.dataset.synthetic import synthetic_report


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp("ds") / "data"
    items = [synthetic_report(i, year=y) for i in range(3) for y in (2020, 2024)]
    items.append(synthetic_report(8, year=2024, division_code="110101"))
    Dataset(root).upsert(items)
    return root, items


def cli(*args):
    return subprocess.run([sys.executable, "-m", "ogi_scrape", "export", *map(str, args)],
                          capture_output=True, text=True, timeout=120)


def read_csv(path):
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "CSV must start with a UTF-8 BOM for Excel"
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_csv_export_writes_one_exact_file_per_table(dataset, tmp_path):
    root, items = dataset
    r = cli("--data", root, "--format", "csv", "--out", tmp_path / "out")
    assert r.returncode == 0, r.stderr
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == sorted(f"{t}.csv" for t in ("reports", "values", "checks", "wide_s2", "wide_s3", "wide_s4"))
    rows = read_csv(tmp_path / "out" / "values.csv")
    assert len(rows) == sum(len(p["values"]) for _, p in items)
    got = {(r["report_key"], r["code"]): r for r in rows}
    for meta, parsed in items:
        for v in parsed["values"]:
            row = got[(report_key(meta), v["code"])]
            assert row["raw"] == v["raw"] and row["flags"] == "|".join(v["flags"])
            if v["value"] is None:
                assert row["value"] == "" and row["amount"] == ""     # never "nan", never 0
            elif isinstance(v["value"], Decimal):
                assert Decimal(row["amount"]) == v["value"] and "E" not in row["amount"]
            else:
                assert row["value"] == str(v["value"])                # "12", not "12.0"
    reports = read_csv(tmp_path / "out" / "reports.csv")
    assert {r["body_name"] for r in reports} >= {"泸定县人民政府"}
    assert f"{len(items)}" in r.stdout.splitlines()[0]
    assert not list((tmp_path / "out").glob(".*tmp*"))


def test_xlsx_export_has_one_sheet_per_table_with_numbers(dataset, tmp_path):
    root, items = dataset
    out = tmp_path / "ogi.xlsx"
    r = cli("--data", root, "--format", "xlsx", "--out", out, "--table", "values", "--table", "reports")
    assert r.returncode == 0, r.stderr
    wb = openpyxl.load_workbook(out, read_only=True)
    assert wb.sheetnames == ["values", "reports"]
    sheet = list(wb["values"].iter_rows(values_only=True))
    header, body = sheet[0], sheet[1:]
    assert len(body) == sum(len(p["values"]) for _, p in items)
    i_code, i_value, i_key = header.index("code"), header.index("value"), header.index("report_key")
    meta, parsed = items[0]
    mine = {row[i_code]: row[i_value] for row in body if row[i_key] == report_key(meta)}
    for v in parsed["values"]:
        if isinstance(v["value"], int):
            assert mine[v["code"]] == v["value"] and isinstance(mine[v["code"]], int)


def test_filters_select_years_and_provinces(dataset, tmp_path):
    root, _ = dataset
    r = cli("--data", root, "--out", tmp_path / "o", "--table", "reports", "--year", 2024, "--province", 11)
    assert r.returncode == 0, r.stderr
    rows = read_csv(tmp_path / "o" / "reports.csv")
    assert [(x["division_code"], x["report_year"]) for x in rows] == [("110101", "2024")]


def test_missing_dataset_is_a_clear_not_found(tmp_path):
    r = cli("--data", tmp_path / "nowhere", "--out", tmp_path / "o")
    assert r.returncode == 3
    assert "nowhere" in r.stderr and "does not exist" in r.stderr and "Traceback" not in r.stderr
    (tmp_path / "empty").mkdir()
    r = cli("--data", tmp_path / "empty", "--out", tmp_path / "o")
    assert r.returncode == 3 and "no published snapshot" in r.stderr and "Traceback" not in r.stderr


def test_bad_arguments_exit_2_with_a_hint(dataset, tmp_path, capsys):
    root, _ = dataset
    assert main(["export", "--data", str(root), "--province", "sichuan"]) == 2
    err = capsys.readouterr().err
    assert "--province 'sichuan'" in err and "hint:" in err
    (tmp_path / "file").write_text("x")
    assert main(["export", "--data", str(root), "--out", str(tmp_path / "file")]) == 2
    assert "is a file" in capsys.readouterr().err


def test_xlsx_refuses_a_table_excel_cannot_hold(dataset, tmp_path, capsys, monkeypatch):
    from ogi_scrape.dataset import tabular
    root, _ = dataset
    monkeypatch.setattr(tabular, "EXCEL_MAX_ROWS", 100)
    out = tmp_path / "big.xlsx"
    assert main(["export", "--data", str(root), "--format", "xlsx", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "values" in err and "--format csv" in err and not out.exists()
