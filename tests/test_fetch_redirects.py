"""Redirects we follow ourselves: HTTP 3xx, meta refresh and JS stubs; loops and hop caps."""

from __future__ import annotations

import asyncio

import pytest

from ogi_scrape.fetch import Archive, Fetcher, Mirror, RedirectError
from ogi_scrape.fetch.redirects import js_redirect_target, meta_refresh_target, soft_redirect
from ogi_scrape.replica import ReplicaServer
from ogi_scrape.replica.testing import fast_settings, make_site

HOST = "www.redir.gov.cn"
FINAL = "<html><body>2023年度报告 正文</body></html>"
REAL_PAGE_WITH_SCRIPT = ("<html><body><script>function go(){location.href='/elsewhere.html';}"
                         "</script>" + "<p>本机关2023年政府信息公开工作年度报告正文。</p>" * 40
                         + "</body></html>")


@pytest.fixture
def server(tmp_path):
    make_site(tmp_path / "s", HOST, {"final.html": FINAL, "real.html": REAL_PAGE_WITH_SCRIPT,
                                     "new/index.html": FINAL}, toml="""
[[routes]]
path = "/old/"
status = 301
headers = { Location = "/new/" }
""")
    make_site(tmp_path / "s", "zyk.redir.gov.cn", {"moved.html": FINAL})
    with ReplicaServer(tmp_path / "s") as s:
        yield s


def fetch(server, url, archive=None, method="GET", **settings):
    async def go():
        async with Fetcher(fast_settings(obey_robots=False, **settings), archive=archive,
                           mirror=Mirror.from_replica(server)) as f:
            if method == "POST":
                return await f.post(url, data={"q": "1"})
            return await f.get(url)
    return asyncio.run(go())


def test_chain_of_http_redirects_is_recorded(server, tmp_path):
    server.inject(HOST, "/a", ["redirect:/b"])
    server.inject(HOST, "/b", ["redirect:http://zyk.redir.gov.cn/moved.html"])
    archive = Archive(tmp_path / "warc")
    r = fetch(server, f"https://{HOST}/a", archive=archive)
    assert r.status == 200 and r.text == FINAL
    assert r.url == f"https://{HOST}/a" and r.final_url == "http://zyk.redir.gov.cn/moved.html"
    assert r.redirects == [f"https://{HOST}/a", f"https://{HOST}/b"]
    assert r.redirect_kinds == ["302", "302"]
    index = (tmp_path / "warc" / "index.jsonl").read_text()
    assert index.count('"status": 302') == 2          # every hop archived


def test_route_301_to_directory(server):
    r = fetch(server, f"http://{HOST}/old/")
    assert r.final_url == f"http://{HOST}/new/" and r.redirect_kinds == ["301"]


def test_self_redirect_loop_is_caught(server):
    server.inject(HOST, "/loop", ["redirect-loop"])
    with pytest.raises(RedirectError, match="redirect loop") as info:
        fetch(server, f"http://{HOST}/loop")
    assert len(server.requests_for(HOST, "/loop")) == 1 and info.value.hint


def test_two_page_loop_is_caught(server):
    server.inject(HOST, "/a", ["redirect:/b"])
    server.inject(HOST, "/b", ["redirect:/a"])
    with pytest.raises(RedirectError, match=r"/a → .*/b → .*/a"):
        fetch(server, f"http://{HOST}/a")
    assert len(server.requests_for(HOST)) == 2


def test_hop_cap(server):
    for i in range(6):
        server.inject(HOST, f"/h{i}", [f"redirect:/h{i + 1}"])
    with pytest.raises(RedirectError, match="more than 3 redirects"):
        fetch(server, f"http://{HOST}/h0", max_redirects=3)


def test_meta_refresh_stub_is_followed(server):
    server.inject(HOST, "/m", ["meta-refresh:/final.html"])
    r = fetch(server, f"http://{HOST}/m")
    assert r.text == FINAL and r.redirect_kinds == ["meta"]


def test_js_stub_is_followed(server):
    server.inject(HOST, "/col/col91475/index.html", ["js-redirect:/final.html"])
    r = fetch(server, f"http://{HOST}/col/col91475/index.html")
    assert r.text == FINAL and r.redirect_kinds == ["js"]
    assert r.redirects == [f"http://{HOST}/col/col91475/index.html"]


def test_js_redirects_can_be_switched_off(server):
    server.inject(HOST, "/j", ["js-redirect:/final.html"])
    r = fetch(server, f"http://{HOST}/j", follow_js_redirects=False)
    assert r.redirects == [] and "location.href" in r.text


def test_real_page_with_a_location_script_is_not_a_redirect(server):
    r = fetch(server, f"http://{HOST}/real.html")
    assert r.redirects == [] and r.final_url == f"http://{HOST}/real.html"


def test_post_redirected_with_302_becomes_get(server):
    server.inject(HOST, "/search", ["redirect:/final.html"])
    r = fetch(server, f"http://{HOST}/search", method="POST")
    assert r.text == FINAL and r.method == "GET"
    methods = [(x.method, x.target) for x in server.requests_for(HOST)]
    assert methods == [("POST", "/search"), ("GET", "/final.html")]


def test_redirect_to_unmirrored_host_is_unreachable(server):
    server.inject(HOST, "/away", ["redirect:http://parked-domain.example/"])
    from ogi_scrape.fetch import Unreachable
    with pytest.raises(Unreachable, match="parked-domain.example"):
        fetch(server, f"http://{HOST}/away")


@pytest.mark.parametrize("html,target", [
    ('<SCRIPT> location.href="/col/col91477/index.html";</SCRIPT>', "/col/col91477/index.html"),
    ("<script>window.location.replace('/x.html')</script>", "/x.html"),
    ("<script>window.location = 'https://a.gov.cn/';</script>", "https://a.gov.cn/"),
    ("<script>top.location.href='/t.html'</script>", "/t.html"),
])
def test_js_patterns(html, target):
    assert js_redirect_target(html) == target
    assert soft_redirect(html, len(html)) == ("js", target)


def test_meta_refresh_parsing():
    assert meta_refresh_target('<meta http-equiv="refresh" content="0; url=/a.html">') == "/a.html"
    assert meta_refresh_target("<META HTTP-EQUIV=Refresh CONTENT='3;URL=\"/b\"'>") == "/b"
    assert meta_refresh_target('<meta http-equiv="refresh" content="300">') is None   # reload
    assert meta_refresh_target('<meta http-equiv="refresh" content="60; url=/c">') is None
