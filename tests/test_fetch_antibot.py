"""Anti-bot walls are reported as Blocked after ONE request, archived, and never parsed."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ogi_scrape.errors import EXIT_BLOCKED, Blocked
from ogi_scrape.fetch import Archive, BlockedByAntiBot, read_record
from ogi_scrape.fetch.antibot import default_signatures, detect, parse_signatures
from ogi_scrape.replica.testing import fast_settings, replica_fixture, run_with_fetcher

HOST = "www.walled.gov.cn"
REPORT = "<html><body><h1>2023年政府信息公开工作年度报告</h1><p>依申请公开 12 件</p></body></html>"


server = replica_fixture(sites={HOST: {"nb.html": REPORT, "other.html": REPORT},
                                "www.open.gov.cn": {"nb.html": REPORT}}, scope="function")


@pytest.mark.parametrize("fault,kind,status", [
    ("challenge-412", "ruishu-412", 412),
    ("jsl-521", "jiasule-521", 521),
    ("captcha", "captcha", 200),
    ("waf", "waf", 403),
])
def test_wall_is_blocked_after_one_request_and_archived(server, tmp_path, fault, kind, status):
    server.inject(HOST, "/nb.html", [fault, "ok"])    # "ok" would follow: we must not ask again
    archive = Archive(tmp_path / "warc")

    with pytest.raises(BlockedByAntiBot) as info:
        run_with_fetcher(server, lambda f: f.get(f"http://{HOST}/nb.html"),
                         settings=fast_settings(obey_robots=False), archive=archive)
    err = info.value
    assert isinstance(err, Blocked) and err.exit_code == EXIT_BLOCKED
    assert (err.kind, err.status) == (kind, status) and err.hint
    assert kind in str(err) and err.url == f"http://{HOST}/nb.html"
    assert len(server.requests_for(HOST, "/nb.html")) == 1
    headers, body = read_record(err.archive_ref)
    assert headers.status == status and headers.target_uri == f"http://{HOST}/nb.html"


def test_walled_host_is_not_asked_again_but_other_hosts_are(server):
    server.inject(HOST, "/nb.html", ["challenge-412"])

    async def job(f):
        with pytest.raises(BlockedByAntiBot):
            await f.get(f"http://{HOST}/nb.html")
        with pytest.raises(BlockedByAntiBot, match="earlier in this run"):
            await f.get(f"http://{HOST}/other.html")
        return await f.get("http://www.open.gov.cn/nb.html")

    assert run_with_fetcher(server, job, settings=fast_settings(obey_robots=False)).status == 200
    assert [r.target for r in server.requests_for(HOST)] == ["/nb.html"]


def test_ordinary_pages_are_not_walls():
    sigs = default_signatures()
    assert detect(200, {"content-type": "text/html"}, REPORT.encode(), sigs) is None
    assert detect(503, {}, b"<html>Service Unavailable</html>", sigs) is None   # retry, not wall
    assert detect(521, {}, b"origin down", sigs) is None
    long_report = ("<p>安全验证码管理制度</p>" + "<p>正文</p>" * 20000).encode()
    assert detect(200, {}, long_report, sigs) is None      # big real page, marker in passing


def test_signatures_are_data():
    sigs = parse_signatures('[[signature]]\nkind = "cdn-wall"\nstatus = [418]\n'
                            'headers_any = { server = "teapot" }\n')
    assert detect(418, {"server": "TeaPot/1"}, b"", sigs) == ("cdn-wall", "server: teapot")
    assert detect(418, {"server": "nginx"}, b"", sigs) is None
    with pytest.raises(ValueError, match="kind"):
        parse_signatures("[[signature]]\nstatus = [1]\n")


def test_blocked_exit_code_through_the_cli_dispatcher():
    code = ("import sys\n"
            "from ogi_scrape import cli\n"
            "from ogi_scrape.fetch import BlockedByAntiBot\n"
            "class C:\n COMMAND='x'; HELP='x'\n"
            " def configure(p): pass\n"
            " def run(a): raise BlockedByAntiBot('http://a.gov.cn/', 'ruishu-412', 412)\n"
            "cli._command_modules = lambda: iter([C])\n"
            "sys.exit(cli.main(['x']))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert proc.returncode == EXIT_BLOCKED
    assert "ruishu-412" in proc.stderr and "hint:" in proc.stderr and "Traceback" not in proc.stderr
