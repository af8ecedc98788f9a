"""Focused tests of the crawl's state rules: the state may lag the dataset, never lead it;
``--resume`` keeps the interrupted run's scope; the lock; progress on a terminal."""

from __future__ import annotations

import io
import json
import sqlite3

import pytest

from ogi_scrape.cli import main
from ogi_scrape.crawl.report import Events
from ogi_scrape.crawl.runner import start_or_resume
from ogi_scrape.crawl.scope import Scope
from ogi_scrape.crawl.state import StateLocked, StateStore
from ogi_scrape.dataset import Dataset

from test_crawl import PORTALS, fast_registry, manifest, table_rows

ONE = ["--years", "2024", "--only", "140923-daixian"]


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    return fast_registry(tmp_path_factory.mktemp("registry"))


def crawl(out, registry, *extra):
    return main(["crawl", "--mirror", str(PORTALS), "--registry", str(registry), "--out", str(out),
                 "--parse-processes", "0", *extra])


def test_a_crash_after_the_dataset_write_but_before_the_state_commit_is_harmless(tmp_path, registry, monkeypatch):
    """The window the resume guarantee rests on: rows published, validators not yet recorded."""
    out = tmp_path / "data"
    real = StateStore.record_fetches

    def crash_on_reports(self, rows, run_id):
        if any(r.get("role") == "report" and r.get("report_key") for r in rows):
            raise OSError("simulated crash between dataset publish and state commit")
        return real(self, rows, run_id)

    monkeypatch.setattr(StateStore, "record_fetches", crash_on_reports)
    assert crawl(out, registry, *ONE) == 1            # an unexpected failure: internal error
    assert len(Dataset(out).read("reports")) == 6               # the batch was published
    db = sqlite3.connect(out / "crawl-state.sqlite")
    assert db.execute("SELECT COUNT(*) FROM urls WHERE role='report' AND sha256 IS NOT NULL").fetchone()[0] == 0
    assert db.execute("SELECT status FROM runs").fetchone()[0] == "interrupted"
    rows = table_rows(out, "values")
    snapshot = Dataset(out).snapshot().id

    monkeypatch.setattr(StateStore, "record_fetches", real)
    assert crawl(out, registry, *ONE, "--resume") == 0
    m = manifest(out)
    assert m["resumed"] and m["reports"]["unchanged"] == 6 and m["reports"]["new"] == 0
    assert m["parse"] == {"ok": 6}, "without validators the pages are fetched and parsed again"
    assert Dataset(out).snapshot().id == snapshot and table_rows(out, "values") == rows


def test_resume_keeps_the_scope_of_the_interrupted_run(tmp_path):
    with StateStore(tmp_path / "s.sqlite") as state:
        first = Scope(years=[2023, 2024], province="四川")
        run_id, scope, resumed, ids = start_or_resume(state, first, ["a", "b", "c"], resume=False)
        assert not resumed and ids == ["a", "b", "c"]
        state.source_done(run_id, "a", {"source": "a", "status": "ok", "reports": {"new": 2}})
        # killed here; the next night asks --resume with other flags
        again, scope2, resumed2, ids2 = start_or_resume(state, Scope(years=[2019]), ["x"], resume=True)
        assert resumed2 and again == run_id and scope2 == first and ids2 == ["b", "c"]
        state.finish_run(run_id, {})
        fresh, scope3, resumed3, ids3 = start_or_resume(state, Scope(years=[2019]), ["x"], resume=True)
        assert not resumed3 and fresh != run_id and ids3 == ["x"] and scope3.years == [2019]


def test_the_lock_is_per_state_file_and_released_on_close(tmp_path):
    path = tmp_path / "s.sqlite"
    with StateStore(path):
        with pytest.raises(StateLocked) as err:
            StateStore(path).open()
        assert "another crawl" in err.value.message and "pid" in err.value.message
        with StateStore(tmp_path / "other.sqlite"):
            pass
    with StateStore(path):
        pass


def test_a_damaged_state_file_is_a_clear_error(tmp_path, registry, capsys):
    out = tmp_path / "data"
    out.mkdir()
    (out / "crawl-state.sqlite").write_bytes(b"this is not sqlite" * 100)
    assert crawl(out, registry, *ONE) == 2
    err = capsys.readouterr().err
    assert "not a readable crawl state file" in err and "Traceback" not in err


def test_terminal_gets_a_progress_bar_and_warnings_not_json(tmp_path):
    stream = io.StringIO()
    events = Events(tmp_path / "log.jsonl", total=2, stream=stream, tty=True)
    events.emit("source_done", source="a", status="ok")
    events.emit("drift", source="a", message="a: the portal no longer lists the 2023 report")
    events.emit("source_done", source="b", status="ok")
    events.close()
    shown = stream.getvalue()
    assert "no longer lists the 2023 report" in shown and '"event"' not in shown
    logged = [json.loads(l)["event"] for l in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert logged == ["source_done", "drift", "source_done"]


def test_a_parser_crash_on_one_page_fails_that_report_only(tmp_path, registry, monkeypatch):
    import ogi_scrape.crawl.engine as engine

    real = engine.parse_page

    def fragile(content, url, *a):
        if url.endswith("t20250115_4053391.html"):
            raise ValueError("All strings must be XML compatible")
        return real(content, url, *a)

    monkeypatch.setattr(engine, "parse_page", fragile)
    out = tmp_path / "data"
    assert crawl(out, registry, *ONE) == 0
    m = manifest(out)
    assert m["reports"]["new"] == 5 and m["reports"]["failed"] == 1
    assert any("parser crashed" in e["error"] for e in m["top_errors"])
    assert len(Dataset(out).read("reports")) == 5
    db = sqlite3.connect(out / "crawl-state.sqlite")
    row = db.execute("SELECT sha256, last_error FROM urls WHERE url LIKE '%t20250115_4053391.html'").fetchone()
    assert row[0] is None and "parser crashed" in row[1]      # asked in full next time
