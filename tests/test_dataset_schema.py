"""The additive-only schema evolution policy, enforced: every published schema version is kept in
ogi_scrape/dataset/schema_history/, and the current schemas must contain each of them unchanged."""

from __future__ import annotations

import json
from importlib import resources

from ogi_scrape.dataset.schema import SCHEMA_VERSION, TABLES


def history() -> dict[int, dict]:
    folder = resources.files("ogi_scrape.dataset").joinpath("schema_history")
    out = {}
    for f in folder.iterdir():
        if f.name.endswith(".json"):
            doc = json.loads(f.read_text("utf-8"))
            out[doc["schema_version"]] = doc["tables"]
    return out


def current() -> dict:
    return {t: [[f.name, str(f.type), f.nullable] for f in s] for t, s in TABLES.items()}


def test_every_past_column_survives_with_its_type():
    for version, tables in history().items():
        now = current()
        for table, columns in tables.items():
            assert table in now, f"table {table} of schema v{version} was removed"
            have = {name: (typ, nullable) for name, typ, nullable in now[table]}
            for name, typ, nullable in columns:
                assert name in have, f"{table}.{name} (schema v{version}) was removed or renamed"
                assert have[name][0] == typ, f"{table}.{name} changed type {typ} -> {have[name][0]}"


def test_a_schema_change_bumps_the_version_and_is_recorded():
    past = history()
    assert SCHEMA_VERSION in past, (
        f"schema v{SCHEMA_VERSION} has no ogi_scrape/dataset/schema_history/v{SCHEMA_VERSION}.json")
    assert past[SCHEMA_VERSION] == current(), (
        "the schemas changed without a new SCHEMA_VERSION: bump it and record the new version")
    for version, tables in past.items():
        if version < SCHEMA_VERSION:
            for table, columns in tables.items():
                added = current()[table][len(columns):]
                assert current()[table][:len(columns)] == columns, f"{table}: columns must only be appended"
                assert all(nullable for _, _, nullable in added), f"{table}: new columns must be nullable"
