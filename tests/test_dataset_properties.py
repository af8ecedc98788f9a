"""Property: after any sequence of upsert batches the dataset equals a simple model — one row
per report key holding its last item, versions counting content changes, nothing duplicated —
whatever compaction and snapshot recycling did underneath."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ogi_scrape.dataset import Dataset, report_key
from ogi_scrape.dataset.synthetic import synthetic_report

item = st.tuples(st.integers(0, 4), st.sampled_from([2020, 2024]), st.sampled_from(["513322", "110101"]),
                 st.integers(0, 2))
batches = st.lists(st.lists(item, min_size=1, max_size=4), min_size=1, max_size=5)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches)
def test_dataset_matches_the_model(batches):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "data"
        ds = Dataset(root, max_files=2)
        model: dict[str, dict] = {}       # key -> {sha, version, n_values, versions}
        for batch in batches:
            last = {}
            for seed, year, division, revision in batch:
                meta, parsed = synthetic_report(seed, year=year, division_code=division, revision=revision)
                last[report_key(meta)] = (meta, parsed)
            expect_new = expect_changed = expect_unchanged = 0
            for key, (meta, parsed) in last.items():
                m = model.get(key)
                if m is None:
                    model[key] = {"sha": meta.content_sha256, "version": 1, "n": len(parsed["values"])}
                    expect_new += 1
                elif m["sha"] != meta.content_sha256:
                    m.update(sha=meta.content_sha256, version=m["version"] + 1, n=len(parsed["values"]))
                    expect_changed += 1
                else:
                    expect_unchanged += 1
            s = ds.upsert([synthetic_report(seed, year=year, division_code=division, revision=revision)
                           for seed, year, division, revision in batch])
            assert (s.new, s.changed, s.unchanged) == (expect_new, expect_changed, expect_unchanged)

        reports = pd.read_parquet(root / "reports")
        assert sorted(reports.report_key) == sorted(model)
        got = dict(zip(reports.report_key, zip(reports.content_sha256, reports.version)))
        assert got == {k: (m["sha"], m["version"]) for k, m in model.items()}
        values = pd.read_parquet(root / "values")
        assert values.groupby("report_key", observed=True).size().to_dict() == {k: m["n"] for k, m in model.items()}
        assert not values.duplicated(["report_key", "code"]).any()
        versions = pd.read_parquet(root / "report_versions")
        assert versions.groupby("report_key", observed=True).version.max().to_dict() == \
            {k: m["version"] for k, m in model.items()}
        assert not versions.duplicated(["report_key", "version"]).any()
