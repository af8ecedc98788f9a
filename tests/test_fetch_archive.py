"""WARC capture read back with warcio, mirror mode, and conditional requests."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import subprocess
import sys
from datetime import datetime, timezone

import pytest
from warcio.archiveiterator import ArchiveIterator

from ogi_scrape.fetch import Archive, Fetcher, Mirror, read_record
from ogi_scrape.replica import ReplicaServer
from ogi_scrape.replica.testing import fast_settings, make_site

HOST = "www.luding-replica.gov.cn"
PAGE = "<html><body>泸定县2023年政府信息公开工作年度报告</body></html>"


@pytest.fixture
def server(tmp_path):
    make_site(tmp_path / "s", HOST, {"nb.html": PAGE, "robots.txt": "User-agent: *\nAllow: /\n"})
    with ReplicaServer(tmp_path / "s") as s:
        yield s


def run(server, coro_fn, archive=None, **settings):
    async def go():
        async with Fetcher(fast_settings(**settings), archive=archive,
                           mirror=Mirror.from_replica(server)) as f:
            return await coro_fn(f)
    return asyncio.run(go())


def records(directory):
    out = []
    for path in sorted(directory.glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for rec in ArchiveIterator(fh):
                out.append((path.name, rec.rec_type, rec.rec_headers, rec.http_headers,
                            rec.content_stream().read()))
    return out


def test_every_exchange_is_archived_with_logical_url_status_and_sha256(server, tmp_path):
    server.inject(HOST, "/nb.html", ["status:503", "ok"])
    archive = Archive(tmp_path / "warc")
    r = run(server, lambda f: f.get(f"https://{HOST}/nb.html"), archive=archive)
    recs = records(tmp_path / "warc")
    types = [t for _, t, *_ in recs]
    assert types == ["warcinfo", "request", "response", "request", "response",
                     "request", "response"]                       # robots, 503, 200
    responses = [x for x in recs if x[1] == "response"]
    uris = [h.get_header("WARC-Target-URI") for _, _, h, _, _ in responses]
    assert uris == [f"https://{HOST}/robots.txt", f"https://{HOST}/nb.html",
                    f"https://{HOST}/nb.html"]
    assert [http.get_statuscode() for *_, http, _ in responses] == ["200", "503", "200"]
    _, _, warc, http, body = responses[-1]
    assert body == PAGE.encode() == r.content
    assert warc.get_header("WARC-Payload-SHA256") == hashlib.sha256(body).hexdigest() == r.sha256
    assert warc.get_header("WARC-Payload-Digest").startswith("sha1:")
    assert warc.get_header("WARC-Ogi-Via") == f"127.0.0.1:{server.port}"
    request = [x for x in recs if x[1] == "request"][-1]
    assert request[3].get_header("Host") == HOST and "ogi-scrape/" in request[3].get_header(
        "User-Agent")
    assert r.archive_ref.sha256 == r.sha256
    info = recs[0][4].decode()
    assert "decoded" in info and "logical URL" in info


def test_read_record_for_offline_reparse(server, tmp_path):
    archive = Archive(tmp_path / "warc")
    r = run(server, lambda f: f.get(f"http://{HOST}/nb.html"), archive=archive)
    headers, body = read_record(r.archive_ref)
    assert body == PAGE.encode() and headers.status == 200
    assert headers["content-type"].startswith("text/html")
    assert headers.target_uri == f"http://{HOST}/nb.html" and headers.record_type == "response"
    index = [json.loads(x) for x in (tmp_path / "warc" / "index.jsonl").read_text().splitlines()]
    assert index[-1]["sha256"] == r.sha256 and index[-1]["offset"] == r.archive_ref.offset


def test_files_rotate_and_each_starts_with_warcinfo(tmp_path):
    archive = Archive(tmp_path / "warc", max_file_bytes=2000)
    now = datetime.now(timezone.utc)
    refs = [archive.write_exchange(url=f"http://a.gov.cn/{i}", method="GET",
                                   request_headers={"Host": "a.gov.cn"}, status=200,
                                   response_headers={"Content-Type": "text/plain"},
                                   body=os.urandom(1500), fetched_at=now) for i in range(4)]
    archive.close()
    files = sorted((tmp_path / "warc").glob("*.warc.gz"))
    assert len(files) >= 3
    for path in files:
        with open(path, "rb") as fh:
            assert next(iter(ArchiveIterator(fh))).rec_type == "warcinfo"
    for i, ref in enumerate(refs):
        headers, body = read_record(ref)
        assert headers.target_uri == f"http://a.gov.cn/{i}"
        assert hashlib.sha256(body).hexdigest() == ref.sha256


def test_killed_writer_leaves_earlier_records_readable(tmp_path):
    script = (
        "import os, sys\n"
        "from datetime import datetime, timezone\n"
        "from ogi_scrape.fetch import Archive\n"
        f"a = Archive({str(tmp_path / 'warc')!r})\n"
        "for i in range(3):\n"
        "    a.write_exchange(url=f'http://a.gov.cn/{i}', method='GET', request_headers={},\n"
        "        status=200, response_headers={}, body=b'x' * 100,\n"
        "        fetched_at=datetime.now(timezone.utc))\n"
        "a._fh.write(b'\\x1f\\x8b\\x08\\x00 torn half record')\n"
        "a._fh.flush()\n"
        "os._exit(9)   # killed: no close(), no cleanup\n")
    proc = subprocess.run([sys.executable, "-c", script], timeout=60)
    assert proc.returncode == 9
    (path,) = (tmp_path / "warc").glob("*.warc.gz")
    seen = []
    with open(path, "rb") as fh:
        try:
            for rec in ArchiveIterator(fh):
                if rec.rec_type == "response":
                    seen.append(rec.rec_headers.get_header("WARC-Target-URI"))
        except Exception:
            pass            # the torn tail may raise; everything before it must be intact
    assert seen == [f"http://a.gov.cn/{i}" for i in range(3)]
    # a new Archive never appends to the torn file
    again = Archive(tmp_path / "warc")
    ref = again.write_exchange(url="http://a.gov.cn/new", method="GET", request_headers={},
                               status=200, response_headers={}, body=b"y",
                               fetched_at=datetime.now(timezone.utc))
    assert ref.path != str(path) and read_record(ref)[1] == b"y"


def test_failed_attempt_without_response_is_a_metadata_record(server, tmp_path):
    server.inject(HOST, "/nb.html", ["reset"])
    archive = Archive(tmp_path / "warc")
    from ogi_scrape.fetch import RetriesExhausted
    with pytest.raises(RetriesExhausted) as info:
        run(server, lambda f: f.get(f"http://{HOST}/nb.html"), archive=archive, max_attempts=2)
    headers, body = read_record(info.value.archive_ref)
    assert headers.record_type == "metadata" and headers.status is None
    assert "connection" in json.loads(body)["error"]
    assert headers.warc["WARC-Ogi-Error"]


def test_mirror_keeps_logical_urls_and_sends_logical_host(server):
    r = run(server, lambda f: f.get(f"https://{HOST}/nb.html"))
    assert r.url == r.final_url == f"https://{HOST}/nb.html"
    entry = server.requests_for(HOST, "/nb.html")[0]
    assert entry.headers["host"] == HOST
    mirror = Mirror({"www.x.gov.cn": ("127.0.0.1", 9)})
    assert mirror.route("https://www.x.gov.cn/a?b=1#frag") == ("http://127.0.0.1:9/a?b=1",
                                                               "www.x.gov.cn")
    assert mirror.route("http://www.x.gov.cn:8080/") == ("http://127.0.0.1:9/",
                                                         "www.x.gov.cn:8080")
    assert mirror.route("http://other.gov.cn/") is None
    assert Mirror.all_to("127.0.0.1", 1, {"A.gov.cn"}).hosts() == ["a.gov.cn"]


def test_conditional_get_gives_not_modified(server, tmp_path):
    archive = Archive(tmp_path / "warc")

    async def twice(f):
        first = await f.get(f"http://{HOST}/nb.html")
        second = await f.get(f"http://{HOST}/nb.html", validators=first.validators)
        only_date = await f.get(f"http://{HOST}/nb.html",
                                validators={"last_modified": first.last_modified})
        return first, second, only_date

    first, second, only_date = run(server, twice, archive=archive)
    assert first.status == 200 and first.etag and not first.not_modified
    assert second.status == 304 and second.not_modified and second.content == b""
    assert only_date.not_modified
    sent = server.requests_for(HOST, "/nb.html")
    assert sent[1].headers["if-none-match"] == first.etag
    assert sent[2].headers["if-modified-since"] == first.last_modified
    assert read_record(second.archive_ref)[0].status == 304


def test_target_uri_is_percent_encoded_for_chinese_paths(tmp_path):
    from ogi_scrape.fetch.archive import iri_to_uri
    archive = Archive(tmp_path / "warc")
    ref = archive.write_exchange(url="http://a.gov.cn/年报/2023 报告.html?q=年", method="GET",
                                 request_headers={}, status=200, response_headers={}, body=b"x",
                                 fetched_at=datetime.now(timezone.utc))
    headers, _ = read_record(ref)
    assert headers.target_uri == ("http://a.gov.cn/%E5%B9%B4%E6%8A%A5/2023%20%E6%8A%A5%E5%91%8A"
                                  ".html?q=%E5%B9%B4")
    assert iri_to_uri(headers.target_uri) == headers.target_uri
