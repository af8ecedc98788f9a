"""Client details: injectable clock, backoff shape, TLS failures, cookies, identity, POST."""

from __future__ import annotations

import asyncio
import http.server
import random
import shutil
import ssl
import subprocess
import threading
import time

import pytest

from ogi_scrape.fetch import USER_AGENT, Clock, Fetcher, Mirror, RetriesExhausted, TLSError
from ogi_scrape.replica import ReplicaServer
from ogi_scrape.replica.testing import fast_settings, make_site

HOST = "www.client.gov.cn"


@pytest.fixture
def server(tmp_path):
    make_site(tmp_path / "s", HOST, {"a.html": "<html>a</html>", "b.html": "<html>b</html>"},
              toml="""
[[routes]]
path = "/api"
status = 307
headers = { Location = "/api2" }

[[routes]]
path = "/api2"
body = "<html>api answer</html>"

[[routes]]
path = "/gone-api"
status = 307

[[routes]]
path = "/login"
headers = { Set-Cookie = "JSESSIONID=abc123; Path=/; HttpOnly" }
body = "<html>logged</html>"
""")
    make_site(tmp_path / "s", "www.other.gov.cn", {"a.html": "<html>a</html>"})
    with ReplicaServer(tmp_path / "s") as s:
        yield s


class VirtualClock(Clock):
    """Real monotonic time plus everything we 'slept': long waits are tested instantly."""

    def __init__(self):
        self.slept: list[float] = []
        self.offset = 0.0

    def monotonic(self) -> float:
        return time.monotonic() + self.offset

    def time(self) -> float:
        return time.time() + self.offset

    async def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.slept.append(seconds)
            self.offset += seconds
        await asyncio.sleep(0)


def test_injected_clock_honours_long_retry_after_capped(server):
    server.inject(HOST, "/a.html", ["status:503:retry-after=120", "status:429:retry-after=3600",
                                    "ok"])
    clock = VirtualClock()

    async def go():
        async with Fetcher(fast_settings(obey_robots=False, retry_after_cap=300,
                                         total_budget=1000),
                           mirror=Mirror.from_replica(server), clock=clock) as f:
            return await f.get(f"http://{HOST}/a.html")

    t0 = time.monotonic()
    r = asyncio.run(go())
    assert r.status == 200 and r.attempts == 3
    assert time.monotonic() - t0 < 2                   # no real waiting
    big = sorted(clock.slept)[-2:]
    assert 119 < big[0] <= 120 and 299 < big[1] <= 300  # 120 s honoured, 3600 s capped at 300


def test_backoff_is_exponential_with_jitter_and_capped():
    f = Fetcher(fast_settings(backoff_base=1.0, backoff_max=60.0), rng=random.Random(7))
    for attempt, full in [(1, 1), (2, 2), (3, 4), (4, 8), (10, 60)]:
        waits = [f._backoff(attempt) for _ in range(200)]
        assert full / 2 <= min(waits) and max(waits) <= full
        assert max(waits) - min(waits) > full / 10     # jittered, not constant


def test_identity_and_politeness_headers(server):
    async def go():
        async with Fetcher(fast_settings(obey_robots=False),
                           mirror=Mirror.from_replica(server)) as f:
            return await f.get(f"http://{HOST}/a.html")
    asyncio.run(go())
    sent = server.requests_for(HOST, "/a.html")[0].headers
    assert sent["user-agent"] == USER_AGENT
    assert USER_AGENT.startswith("ogi-scrape/") and "github.com" in USER_AGENT
    assert sent["accept-encoding"] == "gzip, deflate" and "zh-CN" in sent["accept-language"]


def test_cookies_are_kept_per_host_and_never_leak(server):
    async def go():
        async with Fetcher(fast_settings(obey_robots=False),
                           mirror=Mirror.from_replica(server)) as f:
            await f.get(f"http://{HOST}/login")
            await f.get(f"http://{HOST}/a.html")
            await f.get("http://www.other.gov.cn/a.html")
    asyncio.run(go())
    assert server.requests_for(HOST, "/a.html")[0].headers.get("cookie") == "JSESSIONID=abc123"
    assert "cookie" not in server.requests_for("www.other.gov.cn")[0].headers


def test_post_json_and_form_bodies(server):
    async def go():
        async with Fetcher(fast_settings(obey_robots=False),
                           mirror=Mirror.from_replica(server)) as f:
            await f.post(f"http://{HOST}/a.html", json={"年份": 2023})
            await f.post(f"http://{HOST}/b.html", data={"page": "2"})
    asyncio.run(go())
    a, b = server.requests_for(HOST, "/a.html")[0], server.requests_for(HOST, "/b.html")[0]
    assert a.method == "POST" and a.body == '{"年份": 2023}'.encode()
    assert a.headers["content-type"].startswith("application/json")
    assert b.body == b"page=2" and b.headers["content-type"].startswith(
        "application/x-www-form-urlencoded")


def test_307_keeps_method_body_and_type(server):
    async def go():
        async with Fetcher(fast_settings(obey_robots=False),
                           mirror=Mirror.from_replica(server)) as f:
            return await f.post(f"http://{HOST}/api", json={"x": 1})
    r = asyncio.run(go())
    assert r.text == "<html>api answer</html>" and r.redirect_kinds == ["307"]
    second = server.requests_for(HOST, "/api2")[0]
    assert second.method == "POST" and second.body == b'{"x": 1}'
    assert second.headers["content-type"].startswith("application/json")


def test_redirect_without_location_is_a_clear_error(server):
    async def go():
        async with Fetcher(fast_settings(obey_robots=False),
                           mirror=Mirror.from_replica(server)) as f:
            return await f.get(f"http://{HOST}/gone-api")
    from ogi_scrape.fetch import RedirectError
    with pytest.raises(RedirectError, match="without a Location"):
        asyncio.run(go())


def _self_signed(tmp_path):
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a throwaway certificate")
    key, cert = tmp_path / "k.pem", tmp_path / "c.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    return key, cert


def test_tls_verification_failure_is_not_retried(tmp_path):
    key, cert = _self_signed(tmp_path)
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *a):
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    port = httpd.server_address[1]

    def serve():
        while not stop.is_set():
            try:
                httpd.handle_request()
            except (ssl.SSLError, OSError):
                pass

    stop = threading.Event()
    httpd.timeout = 0.2
    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        async def go():
            async with Fetcher(fast_settings(obey_robots=False, max_attempts=4)) as f:
                return await f.get(f"https://127.0.0.1:{port}/x")
        with pytest.raises(TLSError, match="certificate") as info:
            asyncio.run(go())
        assert info.value.attempts == 1 and not isinstance(info.value, RetriesExhausted)
        assert hits == []
    finally:
        stop.set()
        t.join(timeout=2)
        httpd.server_close()
