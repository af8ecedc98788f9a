"""Retries against a real replica server: what is retried, how often, and how it ends."""

from __future__ import annotations

import asyncio
import email.utils
import socket
import time

import pytest

from ogi_scrape.errors import EXIT_FETCH_FAILED, EXIT_NOT_FOUND, FetchFailed, NotFound
from ogi_scrape.fetch import (
    Archive,
    Fetcher,
    HTTPStatusError,
    Mirror,
    PageNotFound,
    RetriesExhausted,
    Unreachable,
    parse_retry_after,
)
from ogi_scrape.replica.testing import fast_settings, replica_fixture, run_with_fetcher

HOST = "www.retry.gov.cn"
PAGE = "<html><body>泸定县人民政府 2023年政府信息公开工作年度报告</body></html>"


server = replica_fixture(sites={HOST: {"page.html": PAGE, "other.html": PAGE},
                                "www.second.gov.cn": {"page.html": PAGE}}, scope="function")


def fetch(server, url, settings=None, archive=None, **kw):
    return run_with_fetcher(server, lambda f: f.get(url, **kw),
                            settings=settings or fast_settings(obey_robots=False), archive=archive)


def hits(server, path, host=HOST):
    return len(server.requests_for(host, path))


def test_5xx_burst_then_success(server, tmp_path):
    server.inject(HOST, "/page.html", ["status:503", "status:502", "status:500", "ok"])
    archive = Archive(tmp_path / "warc")
    r = fetch(server, f"http://{HOST}/page.html", archive=archive)
    assert r.status == 200 and "年度报告" in r.text
    assert r.attempts == 4 and hits(server, "/page.html") == 4
    statuses = [line for line in (tmp_path / "warc" / "index.jsonl").read_text().splitlines()]
    assert [s.split('"status": ')[1].split(",")[0] for s in statuses] == ["503", "502", "500", "200"]


def test_persistent_5xx_is_a_clear_failure_after_max_attempts(server):
    server.inject(HOST, "/page.html", ["status:503"])
    with pytest.raises(RetriesExhausted) as info:
        fetch(server, f"http://{HOST}/page.html", settings=fast_settings(obey_robots=False,
                                                                          max_attempts=3))
    assert "HTTP 503 after 3 attempt(s)" in str(info.value)
    assert info.value.exit_code == EXIT_FETCH_FAILED and info.value.url.endswith("/page.html")
    assert hits(server, "/page.html") == 3


def test_raise_for_status_false_returns_the_last_answer(server):
    server.inject(HOST, "/page.html", ["status:500"])
    r = fetch(server, f"http://{HOST}/page.html",
              settings=fast_settings(obey_robots=False, max_attempts=2), raise_for_status=False)
    assert r.status == 500 and not r.ok and r.attempts == 2


def test_404_and_410_are_never_retried(server):
    with pytest.raises(PageNotFound) as info:
        fetch(server, f"http://{HOST}/missing.html")
    assert isinstance(info.value, NotFound) and isinstance(info.value, FetchFailed)
    assert info.value.exit_code == EXIT_NOT_FOUND
    assert hits(server, "/missing.html") == 1
    server.inject(HOST, "/gone.html", ["status:410"])
    with pytest.raises(PageNotFound):
        fetch(server, f"http://{HOST}/gone.html")
    assert hits(server, "/gone.html") == 1


def test_other_4xx_is_a_definitive_answer(server):
    server.inject(HOST, "/page.html", ["status:403"])
    with pytest.raises(HTTPStatusError) as info:
        fetch(server, f"http://{HOST}/page.html")
    assert info.value.status == 403 and hits(server, "/page.html") == 1


def test_slower_than_timeout_then_success(server):
    server.inject(HOST, "/page.html", ["slow:3", "ok"])
    t0 = time.monotonic()
    r = fetch(server, f"http://{HOST}/page.html",
              settings=fast_settings(obey_robots=False, read_timeout=0.3))
    assert r.status == 200 and r.attempts == 2
    assert time.monotonic() - t0 < 2.5


def test_always_slow_fails_with_timeout_message(server, tmp_path):
    server.inject(HOST, "/page.html", ["slow:3"])
    archive = Archive(tmp_path / "warc")
    with pytest.raises(RetriesExhausted, match="timed out reading"):
        fetch(server, f"http://{HOST}/page.html", archive=archive,
              settings=fast_settings(obey_robots=False, read_timeout=0.2, max_attempts=2))
    index = (tmp_path / "warc" / "index.jsonl").read_text()
    assert index.count('"type": "metadata"') == 2 and "timed out" in index


def test_connection_reset_then_success(server):
    server.inject(HOST, "/page.html", ["reset", "reset", "ok"])
    r = fetch(server, f"http://{HOST}/page.html")
    assert r.status == 200 and r.attempts == 3


def test_truncated_body_is_retried_not_returned(server, tmp_path):
    server.inject(HOST, "/page.html", ["truncate", "ok"])
    archive = Archive(tmp_path / "warc")
    r = fetch(server, f"http://{HOST}/page.html", archive=archive)
    assert r.content == PAGE.encode() and r.attempts == 2
    index = (tmp_path / "warc" / "index.jsonl").read_text().splitlines()
    assert "connection broke" in index[0] and '"error": null' in index[1]


def test_always_truncated_is_a_clear_failure(server):
    server.inject(HOST, "/page.html", ["truncate"])
    with pytest.raises(RetriesExhausted, match="connection broke"):
        fetch(server, f"http://{HOST}/page.html",
              settings=fast_settings(obey_robots=False, max_attempts=2))


def test_429_retry_after_cools_down_the_whole_host(server):
    server.inject(HOST, "/page.html", ["status:429:retry-after=1", "ok"])

    async def job(f):
        first = asyncio.create_task(f.get(f"http://{HOST}/page.html"))
        await asyncio.sleep(0.2)          # the 429 has arrived; the host is cooling down
        second = asyncio.create_task(f.get(f"http://{HOST}/other.html"))
        other_host = asyncio.create_task(f.get("http://www.second.gov.cn/page.html"))
        return await asyncio.gather(first, second, other_host)

    results = run_with_fetcher(server, job,
                               settings=fast_settings(obey_robots=False, host_concurrency=2))
    assert [r.status for r in results] == [200, 200, 200]
    first_429 = server.requests_for(HOST, "/page.html")[0].time
    later = [r.time for r in server.requests_for(HOST)][1:]
    assert later and min(later) - first_429 >= 0.95     # nobody asked the host during cool-down
    other = server.requests_for("www.second.gov.cn")[0].time
    assert other - first_429 < 0.9                       # other hosts were not held up


def test_retry_after_http_date_is_honoured(server):
    when = email.utils.formatdate(time.time() + 2, usegmt=True)
    server.inject(HOST, "/page.html", [f"status:503:retry-after={when}", "ok"])
    r = fetch(server, f"http://{HOST}/page.html")
    times = [x.time for x in server.requests_for(HOST, "/page.html")]
    assert r.status == 200 and times[1] - times[0] >= 0.9


def test_retry_after_is_capped(server):
    server.inject(HOST, "/page.html", ["status:429:retry-after=3600", "ok"])
    t0 = time.monotonic()
    r = fetch(server, f"http://{HOST}/page.html",
              settings=fast_settings(obey_robots=False, retry_after_cap=0.3))
    assert r.status == 200 and 0.3 <= time.monotonic() - t0 < 2


def test_time_budget_bounds_the_whole_fetch(server):
    server.inject(HOST, "/page.html", ["status:429:retry-after=5"])
    t0 = time.monotonic()
    with pytest.raises(RetriesExhausted, match="budget"):
        fetch(server, f"http://{HOST}/page.html",
              settings=fast_settings(obey_robots=False, retry_after_cap=5, total_budget=1.0))
    assert time.monotonic() - t0 < 1.0 and hits(server, "/page.html") == 1


def test_connection_refused_is_retried_then_fails():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]      # nothing listens here once the socket closes

    async def go():
        async with Fetcher(fast_settings(obey_robots=False, max_attempts=3),
                           mirror=Mirror({"www.down.gov.cn": ("127.0.0.1", port)})) as f:
            return await f.get("http://www.down.gov.cn/")

    with pytest.raises(RetriesExhausted, match="could not connect") as info:
        asyncio.run(go())
    assert info.value.attempts == 3


def test_host_outside_the_mirror_fails_fast(server):
    t0 = time.monotonic()
    with pytest.raises(Unreachable, match="not in the offline mirror"):
        fetch(server, "http://www.not-mirrored.gov.cn/")
    assert time.monotonic() - t0 < 0.5 and server.requests == []


def test_bad_url_is_a_clear_error(server):
    with pytest.raises(FetchFailed, match="not an http"):
        fetch(server, "ftp://www.retry.gov.cn/x")


def test_parse_retry_after_forms():
    now = 1_800_000_000.0
    assert parse_retry_after("7", now) == 7
    assert parse_retry_after(email.utils.formatdate(now + 30, usegmt=True), now) == 30
    assert parse_retry_after(email.utils.formatdate(now - 30, usegmt=True), now) == 0
    assert parse_retry_after("soon", now) is None and parse_retry_after(None, now) is None


def test_slow_drip_body_is_cut_by_the_attempt_timeout_then_retried(server):
    server.inject(HOST, "/page.html", ["drip:3", "ok"])
    t0 = time.monotonic()
    r = fetch(server, f"http://{HOST}/page.html",
              settings=fast_settings(obey_robots=False, read_timeout=1.0, attempt_timeout=0.6))
    assert r.content == PAGE.encode() and r.attempts == 2
    assert time.monotonic() - t0 < 2.5
