"""The replica server: Host routing, static resolution, site.toml routes, faults, the log.

Everything goes over real sockets with ``http.client`` so the tests see exactly the bytes a
fetcher would.
"""

from __future__ import annotations

import gzip
import http.client
import socket
import subprocess
import sys
import threading
import time

import pytest

from ogi_scrape.replica import ReplicaConfigError, ReplicaServer
from ogi_scrape.replica.testing import make_site


def get(server, host, path, method="GET", body=None, headers=None, timeout=5):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    conn.request(method, path, body=body, headers={"Host": host, **(headers or {})})
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data


@pytest.fixture
def root(tmp_path):
    make_site(tmp_path, "www.example.gov.cn", {
        "index.html": "<html>首页</html>",
        "a/b/index.html": "<html>dir index</html>",
        "a/page": "plain file without suffix",
        "a/report.html": "<html>报告</html>",
        "doc/r.pdf": b"%PDF-1.4 fake",
        "site.toml": "",
    })
    make_site(tmp_path, "gbk.example.gov.cn", {
        "p.html": '<meta charset="gb2312">政府信息公开'.encode("gbk"),
    }, toml='charset_header = ""\n')
    make_site(tmp_path, "routes.example.gov.cn", {"new/index.html": "<html>new</html>",
                                                  "files/x.txt": "x"}, toml="""
[[routes]]
path = "/old/"
status = 301
headers = { Location = "/new/" }

[[routes]]
path = "/list?page=2"
body = "<html>page two</html>"

[[routes]]
path = "/download"
file = "files/x.txt"
content_type = "application/octet-stream"

[[faults]]
path = "/flaky.html"
plan = ["status:503", "status:503", "ok"]
""")
    (tmp_path / "routes.example.gov.cn" / "flaky.html").write_text("<html>ok now</html>")
    return tmp_path


@pytest.fixture
def server(root):
    with ReplicaServer(root) as s:
        yield s


def test_serves_sites_by_host_header_and_lists_hosts(server):
    assert server.hosts() == ["gbk.example.gov.cn", "routes.example.gov.cn", "www.example.gov.cn"]
    status, headers, body = get(server, "www.example.gov.cn:8080", "/")
    assert (status, body.decode()) == (200, "<html>首页</html>")
    assert headers["content-type"] == "text/html; charset=utf-8"


def test_unknown_host_is_a_404_naming_the_host(server):
    status, _, body = get(server, "nowhere.gov.cn", "/")
    assert status == 404 and b"nowhere.gov.cn" in body


def test_static_resolution_order(server):
    host = "www.example.gov.cn"
    assert get(server, host, "/a/b/")[2] == b"<html>dir index</html>"
    assert get(server, host, "/a/b")[2] == b"<html>dir index</html>"
    assert get(server, host, "/a/page")[2] == b"plain file without suffix"
    assert get(server, host, "/a/report")[2].decode() == "<html>报告</html>"
    assert get(server, host, "/a/report.html?x=1")[0] == 200
    status, headers, _ = get(server, host, "/doc/r.pdf")
    assert status == 200 and headers["content-type"] == "application/pdf"
    assert get(server, host, "/missing.html")[0] == 404
    assert get(server, host, "/site.toml")[0] == 404
    assert get(server, host, "/../gbk.example.gov.cn/p.html")[0] == 404


def test_head_sends_no_body(server):
    status, headers, body = get(server, "www.example.gov.cn", "/", method="HEAD")
    assert status == 200 and body == b"" and int(headers["content-length"]) > 0


def test_charset_header_can_be_omitted(server):
    status, headers, body = get(server, "gbk.example.gov.cn", "/p.html")
    assert headers["content-type"] == "text/html"
    assert body.decode("gbk").endswith("政府信息公开")


def test_routes_redirect_query_and_file(server):
    host = "routes.example.gov.cn"
    status, headers, _ = get(server, host, "/old/")
    assert status == 301 and headers["location"] == "/new/"
    assert get(server, host, "/list?page=2")[2] == b"<html>page two</html>"
    assert get(server, host, "/list?page=3")[0] == 404
    status, headers, body = get(server, host, "/download")
    assert headers["content-type"] == "application/octet-stream" and body == b"x"


def test_fault_plan_from_site_toml_is_consumed_and_last_step_sticks(server):
    host = "routes.example.gov.cn"
    assert [get(server, host, "/flaky.html")[0] for _ in range(4)] == [503, 503, 200, 200]
    server.inject(host, "/flaky.html", ["status:500"])
    assert [get(server, host, "/flaky.html")[0] for _ in range(3)] == [500, 500, 500]


def test_retry_after_and_redirect_faults(server):
    host = "www.example.gov.cn"
    server.inject(host, "/", ["status:429:retry-after=7"])
    status, headers, _ = get(server, host, "/")
    assert status == 429 and headers["retry-after"] == "7"
    date = "Wed, 21 Oct 2026 07:28:00 GMT"
    server.inject(host, "/", [f"status:503:retry-after={date}"])
    assert get(server, host, "/")[1]["retry-after"] == date
    server.inject(host, "/", ["redirect:/a/report.html"])
    status, headers, _ = get(server, host, "/")
    assert status == 302 and headers["location"] == "/a/report.html"
    server.inject(host, "/loop", ["redirect-loop"])
    assert get(server, host, "/loop")[1]["location"] == "/loop"
    server.inject(host, "/m", ["meta-refresh:/a/report.html"])
    assert b'http-equiv="refresh"' in get(server, host, "/m")[2]
    server.inject(host, "/j", ["js-redirect:/a/report.html"])
    assert b'location.href="/a/report.html"' in get(server, host, "/j")[2]


def test_anti_bot_pages(server):
    host = "www.example.gov.cn"
    server.inject(host, "/", ["challenge-412"])
    status, _, body = get(server, host, "/")
    assert status == 412 and b"$_ts" in body and b"<script" in body and len(body) < 2000
    server.inject(host, "/", ["jsl-521"])
    status, headers, body = get(server, host, "/")
    assert status == 521 and "__jsluid_h=" in headers["set-cookie"]
    server.inject(host, "/", ["captcha"])
    status, _, body = get(server, host, "/")
    assert status == 200 and "请输入验证码" in body.decode()
    server.inject(host, "/", ["waf"])
    assert get(server, host, "/")[0] == 403


def test_wrong_charset_lies_about_the_body(server):
    server.inject("www.example.gov.cn", "/", ["wrong-charset:gbk"])
    _, headers, body = get(server, "www.example.gov.cn", "/")
    assert headers["content-type"] == "text/html; charset=gbk"
    assert body.decode("utf-8") == "<html>首页</html>"


def test_gzip_bomb_is_small_on_the_wire_and_large_inflated(server):
    server.inject("www.example.gov.cn", "/", ["gzip-bomb:5"])
    _, headers, body = get(server, "www.example.gov.cn", "/")
    assert headers["content-encoding"] == "gzip"
    assert len(body) < 100_000
    assert len(gzip.decompress(body)) == 5 * 1024 * 1024


def test_oversize_streams_without_content_length(server):
    server.inject("www.example.gov.cn", "/", ["oversize:2"])
    status, headers, body = get(server, "www.example.gov.cn", "/")
    assert status == 200 and "content-length" not in headers
    assert len(body) == 2 * 1024 * 1024


def test_reset_and_truncate_break_the_connection(server):
    host = "www.example.gov.cn"
    server.inject(host, "/", ["reset"])
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine)):
        get(server, host, "/")
    server.inject(host, "/", ["truncate"])
    with pytest.raises((http.client.IncompleteRead, ConnectionError)):
        get(server, host, "/")


def test_slow_answers_after_the_delay(server):
    server.inject("www.example.gov.cn", "/", ["slow:0.3", "ok"])
    with pytest.raises(socket.timeout):
        get(server, "www.example.gov.cn", "/", timeout=0.1)
    t0 = time.monotonic()
    assert get(server, "www.example.gov.cn", "/")[0] == 200
    assert time.monotonic() - t0 < 0.25


def test_request_log_records_host_method_target_headers_body(server):
    server.clear_requests()
    get(server, "www.example.gov.cn", "/a/page?q=1", method="POST", body=b'{"a": 1}',
        headers={"Content-Type": "application/json", "User-Agent": "t/1"})
    (entry,) = server.requests
    assert (entry.host, entry.method, entry.target, entry.body) == (
        "www.example.gov.cn", "POST", "/a/page?q=1", b'{"a": 1}')
    assert entry.headers["user-agent"] == "t/1"
    assert entry.time <= time.monotonic() and abs(entry.wall - time.time()) < 5
    assert server.requests_for("www.example.gov.cn", "/a/page") == [entry]


def test_concurrent_connections_are_served_in_parallel(server):
    server.inject("www.example.gov.cn", "/", ["slow:0.4", "slow:0.4", "slow:0.4", "slow:0.4"])
    results = []
    t0 = time.monotonic()
    threads = [threading.Thread(target=lambda: results.append(get(server, "www.example.gov.cn", "/")[0]))
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 4
    assert time.monotonic() - t0 < 1.2   # serial would take 1.6 s


def test_proxy_style_absolute_target(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.request("GET", "http://www.example.gov.cn/a/page")
    assert conn.getresponse().read() == b"plain file without suffix"
    conn.close()


def test_family_handler_answers_first_and_can_fall_through(tmp_path, monkeypatch):
    pkg = tmp_path / "pkgs"
    fam = pkg / "ogi_scrape" / "replica" / "families"
    fam.mkdir(parents=True)
    import ogi_scrape.replica.families as families

    (fam / "zz_testfamily.py").write_text(
        "from ogi_scrape.replica.server import ReplicaResponse\n"
        "def handle(request, site):\n"
        "    if request.path == '/api':\n"
        "        return ReplicaResponse.json_body({'q': request.query.get('id'),\n"
        "                                          'body': request.json(), 'host': site.host})\n"
        "    return None\n")
    monkeypatch.setattr(families, "__path__", [*families.__path__, str(fam)])
    make_site(tmp_path / "root", "fam.gov.cn", {"static.html": "static"},
          toml='family = "zz_testfamily"\n')
    with ReplicaServer(tmp_path / "root") as s:
        status, headers, body = get(s, "fam.gov.cn", "/api?id=7", method="POST", body=b'{"k": 2}')
        assert status == 200 and headers["content-type"].startswith("application/json")
        assert body == '{"q": "7", "body": {"k": 2}, "host": "fam.gov.cn"}'.encode()
        assert get(s, "fam.gov.cn", "/static.html")[2] == b"static"


def test_bad_configuration_is_reported_with_the_file(tmp_path):
    make_site(tmp_path, "bad.gov.cn", {}, toml="family = [")
    with pytest.raises(ReplicaConfigError, match="site.toml"):
        ReplicaServer(tmp_path)
    (tmp_path / "bad.gov.cn" / "site.toml").write_text('family = "no_such_family"\n')
    with pytest.raises(ReplicaConfigError, match="no_such_family"):
        ReplicaServer(tmp_path)
    (tmp_path / "bad.gov.cn" / "site.toml").write_text(
        '[[faults]]\npath = "/"\nplan = ["explode"]\n')
    with pytest.raises(ReplicaConfigError, match="explode"):
        ReplicaServer(tmp_path)
    with pytest.raises(ReplicaConfigError, match="not a directory"):
        ReplicaServer(tmp_path / "missing")


def test_inject_rejects_unknown_behaviour(server):
    with pytest.raises(ReplicaConfigError, match="unknown fault"):
        server.inject("www.example.gov.cn", "/", ["status:503", "teleport"])


def test_cli_serves_and_prints_hosts(root):
    proc = subprocess.Popen([sys.executable, "-m", "ogi_scrape", "replica", "--root", str(root),
                             "--quiet", "--fault", "www.example.gov.cn/index.html=status:503,ok"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()
        assert "serving 3 replica site(s)" in first
        port = int(first.rsplit(":", 1)[1].strip("/\n"))
        hosts = [proc.stdout.readline().strip() for _ in range(3)]
        assert "www.example.gov.cn" in hosts
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/a/page", headers={"Host": "www.example.gov.cn"})
        assert conn.getresponse().read() == b"plain file without suffix"
        conn.close()
        statuses = []
        for _ in range(2):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/index.html", headers={"Host": "www.example.gov.cn"})
            statuses.append(conn.getresponse().status)
            conn.close()
        assert statuses == [503, 200]
    finally:
        proc.terminate()
        proc.wait(timeout=5)
    assert proc.returncode == 0 and "stopping" in proc.stderr.read()


def test_cli_bad_root_is_a_clear_usage_error(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "ogi_scrape", "replica", "--root",
                           str(tmp_path / "nope")], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2
    assert "not a directory" in proc.stderr and "Traceback" not in proc.stderr




def test_static_files_carry_validators_and_answer_304(server):
    host = "www.example.gov.cn"
    status, headers, body = get(server, host, "/a/page")
    etag, last = headers["etag"], headers["last-modified"]
    assert get(server, host, "/a/page", headers={"If-None-Match": etag})[:3:2] == (304, b"")
    assert get(server, host, "/a/page", headers={"If-None-Match": '"other"'})[0] == 200
    assert get(server, host, "/a/page", headers={"If-Modified-Since": last})[0] == 304
    assert get(server, host, "/a/page",
               headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})[0] == 200


def test_drip_trickles_the_body(server):
    server.inject("www.example.gov.cn", "/a/page", ["drip:0.4"])
    t0 = time.monotonic()
    status, _, body = get(server, "www.example.gov.cn", "/a/page")
    assert body == b"plain file without suffix" and time.monotonic() - t0 >= 0.3


@pytest.mark.parametrize("spec,message", [("nohost", "HOST/PATH=PLAN"),
                                           ("a.gov.cn/x=explode", "unknown fault")])
def test_cli_bad_fault_spec_is_a_usage_error(root, spec, message):
    proc = subprocess.run([sys.executable, "-m", "ogi_scrape", "replica", "--root", str(root),
                           "--fault", spec], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr
