"""Politeness measured from the server's side: request spacing, concurrency, robots.txt."""

from __future__ import annotations

import asyncio

import pytest

from ogi_scrape.fetch import Fetcher, HostPolicy, Mirror, RobotsDisallowed
from ogi_scrape.fetch.limiter import BudgetExceeded, HostLimiter
from ogi_scrape.replica import ReplicaServer
from ogi_scrape.replica.testing import fast_settings, make_site

A, B = "www.a.gov.cn", "www.b.gov.cn"
PAGES = {f"p{i}.html": f"<html><body>page {i}</body></html>" for i in range(6)}


@pytest.fixture
def server(tmp_path):
    make_site(tmp_path / "s", A, PAGES)
    make_site(tmp_path / "s", B, PAGES)
    with ReplicaServer(tmp_path / "s") as s:
        yield s


def run_many(server, urls, settings, configure=None):
    async def go():
        async with Fetcher(settings, mirror=Mirror.from_replica(server)) as f:
            if configure:
                configure(f)
            return await asyncio.gather(*(f.get(u) for u in urls))
    return asyncio.run(go())


def starts(server, host):
    return sorted(r.time for r in server.requests_for(host) if r.target != "/robots.txt")


def gaps(times):
    return [b - a for a, b in zip(times, times[1:])]


def test_per_host_spacing_holds_under_concurrency_while_hosts_run_in_parallel(server):
    urls = [f"http://{h}/p{i}.html" for i in range(5) for h in (A, B)]
    results = run_many(server, urls, fast_settings(obey_robots=False, delay=0.2,
                                                   host_concurrency=3))
    assert all(r.status == 200 for r in results)
    for host in (A, B):
        t = starts(server, host)
        assert len(t) == 5 and min(gaps(t)) >= 0.2
    # the two hosts interleave: B's first request does not wait for A's five
    assert abs(starts(server, A)[0] - starts(server, B)[0]) < 0.15
    total = max(starts(server, A)[-1], starts(server, B)[-1]) - min(starts(server, A)[0],
                                                                     starts(server, B)[0])
    assert total < 1.3      # serial over both hosts would take ≥ 1.8 s


def test_retries_take_slots_too(server):
    server.inject(A, "/p0.html", ["status:503", "status:503", "ok"])
    run_many(server, [f"http://{A}/p0.html", f"http://{A}/p1.html"],
             fast_settings(obey_robots=False, delay=0.15, backoff_base=0.001))
    t = starts(server, A)
    assert len(t) == 4 and min(gaps(t)) >= 0.15


def test_host_concurrency_and_global_cap(server):
    for host in (A, B):
        for i in range(4):
            server.inject(host, f"/p{i}.html", ["slow:0.3"])
    urls = [f"http://{h}/p{i}.html" for h in (A, B) for i in range(4)]

    def max_in_flight(times):
        ev = sorted([(t, 1) for t in times] + [(t + 0.3, -1) for t in times])
        cur = peak = 0
        for _, d in ev:
            cur += d
            peak = max(peak, cur)
        return peak

    run_many(server, urls, fast_settings(obey_robots=False, host_concurrency=2,
                                         max_concurrency=3))
    a, b = starts(server, A), starts(server, B)
    assert max_in_flight(a) <= 2 and max_in_flight(b) <= 2
    assert max_in_flight(a + b) == 3


def test_registry_politeness_overrides_per_host(server):
    settings = fast_settings(obey_robots=False, delay=0.0, hosts={A: HostPolicy(delay=0.25)})
    run_many(server, [f"http://{A}/p{i}.html" for i in range(3)]
             + [f"http://{B}/p{i}.html" for i in range(3)], settings,
             configure=lambda f: f.configure_host(B, delay=0.1))
    assert min(gaps(starts(server, A))) >= 0.25
    assert 0.1 <= min(gaps(starts(server, B))) < 0.245


def test_limiter_refuses_waits_past_the_deadline():
    async def go():
        lim = HostLimiter(delay=5, concurrency=1, max_concurrency=2)
        async with lim.slot("h"):
            pass
        now = lim.clock.monotonic()
        with pytest.raises(BudgetExceeded):
            async with lim.slot("h", deadline=now + 1):
                pass
        lim.raise_delay("h", 1)            # never lowers
        assert lim.delay("h") == 5
    asyncio.run(go())


# --------------------------------------------------------------------------- robots.txt

def robots_site(tmp_path, robots: str | bytes | None, toml: str | None = None):
    files = dict(PAGES)
    files["private/secret.html"] = "<html>secret</html>"
    if robots is not None:
        files["robots.txt"] = robots
    make_site(tmp_path / "r", A, files, toml=toml)
    return ReplicaServer(tmp_path / "r")


def test_robots_disallow_is_a_clear_failure_and_path_never_requested(tmp_path):
    # RFC 9309: the group naming us replaces the * group, so it repeats /private/
    robots = ("User-agent: *\nDisallow: /private/\n\n"
              "User-agent: ogi-scrape\nDisallow: /private/\nDisallow: /p5.html\n")
    with robots_site(tmp_path, robots) as server:
        async def go():
            async with Fetcher(fast_settings(), mirror=Mirror.from_replica(server)) as f:
                ok = await f.get(f"http://{A}/p1.html")
                with pytest.raises(RobotsDisallowed, match="robots.txt") as e1:
                    await f.get(f"http://{A}/private/secret.html")
                with pytest.raises(RobotsDisallowed):
                    await f.get(f"http://{A}/p5.html")      # our own group applies
                return ok, e1.value
        ok, err = asyncio.run(go())
        assert ok.status == 200 and err.hint and err.exit_code == 5
        targets = [r.target for r in server.requests]
        assert targets.count("/robots.txt") == 1
        assert "/private/secret.html" not in targets and "/p5.html" not in targets


def test_robots_can_be_disabled(tmp_path):
    with robots_site(tmp_path, "User-agent: *\nDisallow: /\n") as server:
        async def go():
            async with Fetcher(fast_settings(obey_robots=False),
                               mirror=Mirror.from_replica(server)) as f:
                return await f.get(f"http://{A}/p1.html")
        assert asyncio.run(go()).status == 200
        assert [r.target for r in server.requests] == ["/p1.html"]


@pytest.mark.parametrize("robots,fault,allowed", [
    (None, None, True),                                   # 404 → allow all
    ("x", "status:403", True),                            # 4xx → allow all
    ("x", "status:503", False),                           # 5xx → disallow (for now)
    ("<html><body>首页</body></html>", None, True),        # HTML page → no rules
    ("User-agent: *\nDisallow: /\n", None, False),
])
def test_robots_answer_semantics(tmp_path, robots, fault, allowed):
    with robots_site(tmp_path, robots) as server:
        if fault:
            server.inject(A, "/robots.txt", [fault])

        async def go():
            async with Fetcher(fast_settings(max_attempts=2),
                               mirror=Mirror.from_replica(server)) as f:
                return await f.get(f"http://{A}/p1.html")
        if allowed:
            assert asyncio.run(go()).status == 200
        else:
            with pytest.raises(RobotsDisallowed):
                asyncio.run(go())
            assert "/p1.html" not in [r.target for r in server.requests]


def test_robots_unreachable_is_disallow(tmp_path):
    with robots_site(tmp_path, "x") as server:
        server.inject(A, "/robots.txt", ["reset"])

        async def go():
            async with Fetcher(fast_settings(max_attempts=2),
                               mirror=Mirror.from_replica(server)) as f:
                return await f.get(f"http://{A}/p1.html")
        with pytest.raises(RobotsDisallowed, match="unreachable"):
            asyncio.run(go())


def test_crawl_delay_raises_the_host_delay_never_lowers(tmp_path):
    with robots_site(tmp_path, "User-agent: *\nCrawl-delay: 0.3\n") as server:
        run_many(server, [f"http://{A}/p{i}.html" for i in range(3)], fast_settings(delay=0.0))
        assert min(gaps(starts(server, A))) >= 0.3
    with robots_site(tmp_path / "2", "User-agent: *\nCrawl-delay: 0.01\n") as server:
        run_many(server, [f"http://{A}/p{i}.html" for i in range(3)], fast_settings(delay=0.2))
        assert min(gaps(starts(server, A))) >= 0.2


def test_robots_fetched_once_per_host_under_concurrency(tmp_path):
    with robots_site(tmp_path, "User-agent: *\nAllow: /\n") as server:
        run_many(server, [f"http://{A}/p{i}.html" for i in range(5)],
                 fast_settings(host_concurrency=5))
        assert [r.target for r in server.requests].count("/robots.txt") == 1
