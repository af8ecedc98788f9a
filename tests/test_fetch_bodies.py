"""Bodies: size caps that survive gzip bombs, gzip/deflate decoding, and charsets decoded right."""

from __future__ import annotations

import asyncio
import gzip
import tracemalloc
import zlib

import pytest

from ogi_scrape.encoding import decode
from ogi_scrape.fetch import Archive, Fetcher, Mirror, TooLarge, read_record
from ogi_scrape.fetch.body import BadEncoding, BodyDecoder, BodyTooLarge
from ogi_scrape.replica import ReplicaServer
from ogi_scrape.replica.testing import fast_settings, make_site

HOST = "www.bodies.gov.cn"
REPORT = "<html><head><title>2023年政府信息公开工作年度报告</title></head><body>" \
         "<p>本年度主动公开规章 0 件</p></body></html>"
GBK_PAGE = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
            '<title>朝阳区2023年政府信息公开工作年度报告</title></head>'
            '<body>一、总体情况 镕</body></html>')   # 镕 is GBK-only (not in GB2312)
GZ = gzip.compress(REPORT.encode("utf-8"))
DEFLATE_RAW = zlib.compress(REPORT.encode("utf-8"))[2:-4]


@pytest.fixture
def server(tmp_path):
    (tmp_path / "blob").mkdir()
    make_site(tmp_path / "s", HOST, {
        "report.html": REPORT,
        "gz.html": GZ,
        "deflate.html": DEFLATE_RAW,
        "doc.pdf": b"%PDF-1.4\n" + b"0" * 5000,
    }, toml="""
[[routes]]
path = "/gz.html"
file = "gz.html"
content_type = "text/html; charset=utf-8"
headers = { Content-Encoding = "gzip" }

[[routes]]
path = "/deflate.html"
file = "deflate.html"
content_type = "text/html; charset=utf-8"
headers = { Content-Encoding = "deflate" }
""")
    make_site(tmp_path / "s", "www.gbk.gov.cn", {"nb.html": GBK_PAGE.encode("gbk")},
              toml='charset_header = ""\n')
    with ReplicaServer(tmp_path / "s") as s:
        yield s


def fetch(server, url, archive=None, **settings):
    async def go():
        async with Fetcher(fast_settings(obey_robots=False, **settings), archive=archive,
                           mirror=Mirror.from_replica(server)) as f:
            return await f.get(url)
    return asyncio.run(go())


def test_oversize_body_without_length_is_aborted_while_streaming(server, tmp_path):
    server.inject(HOST, "/big.html", ["oversize:30"])
    archive = Archive(tmp_path / "warc")
    tracemalloc.start()
    try:
        with pytest.raises(TooLarge, match="cap") as info:
            fetch(server, f"http://{HOST}/big.html", archive=archive, max_html_bytes=1_000_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8_000_000                     # ~cap, never the 30 MB the server offers
    assert len(server.requests_for(HOST, "/big.html")) == 1   # not retried
    headers, body = read_record(info.value.archive_ref)   # the failure is archived
    assert headers.warc["WARC-Truncated"] == "length" and 0 < len(body) <= 64 * 1024


def test_declared_oversize_is_refused_before_download(server):
    server.inject(HOST, "/big.html", ["oversize:30:declared"])
    with pytest.raises(TooLarge, match="declared size"):
        fetch(server, f"http://{HOST}/big.html", max_html_bytes=1_000_000)


def test_gzip_bomb_is_stopped_by_the_decompression_cap(server):
    server.inject(HOST, "/bomb.html", ["gzip-bomb:200"])
    tracemalloc.start()
    try:
        with pytest.raises(TooLarge, match="decompressed body passed the 2,000,000-byte cap"):
            fetch(server, f"http://{HOST}/bomb.html", max_html_bytes=2_000_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 12_000_000                    # 200 MB inflated would be ~200_000_000


def test_binary_documents_use_the_general_cap(server):
    r = fetch(server, f"http://{HOST}/doc.pdf", max_html_bytes=100)
    assert r.status == 200 and r.content.startswith(b"%PDF")
    with pytest.raises(TooLarge):
        fetch(server, f"http://{HOST}/doc.pdf", max_bytes=1000)


@pytest.mark.parametrize("path", ["/gz.html", "/deflate.html"])
def test_compressed_bodies_are_decoded_and_archived_decoded(server, tmp_path, path):
    archive = Archive(tmp_path / "warc")
    r = fetch(server, f"http://{HOST}{path}", archive=archive)
    assert r.content == REPORT.encode() and "content-encoding" not in r.headers
    headers, body = read_record(r.archive_ref)
    assert body == REPORT.encode()
    assert "content-encoding" not in headers and headers["content-length"] == str(len(body))
    assert headers["x-ogi-original-content-encoding"] in ("gzip", "deflate")


def test_gbk_page_without_charset_header_is_decoded_from_meta(server):
    r = fetch(server, "http://www.gbk.gov.cn/nb.html")
    assert r.headers["content-type"] == "text/html"
    assert r.encoding == "gb18030" and r.encoding_source == "meta"
    assert "朝阳区2023年政府信息公开工作年度报告" in r.text and "镕" in r.text


def test_utf8_page_with_lying_gbk_header_is_decoded_as_utf8(server):
    server.inject(HOST, "/report.html", ["wrong-charset:gbk"])
    r = fetch(server, f"http://{HOST}/report.html")
    assert r.headers["content-type"].endswith("charset=gbk")
    assert r.encoding == "utf-8" and "政府信息公开工作年度报告" in r.text


def test_gbk_page_with_lying_utf8_header_falls_back_to_meta(server):
    server.inject("www.gbk.gov.cn", "/nb.html", ["wrong-charset:utf-8"])
    r = fetch(server, "http://www.gbk.gov.cn/nb.html")
    assert r.encoding == "gb18030" and "一、总体情况" in r.text


def test_decode_keeps_short_gbk_text_gbk():
    # Too little evidence for UTF-8: stay with the declaration.
    data = '<meta charset="gbk">报告'.encode("gbk")
    assert decode(data, "text/html").encoding == "gb18030"


def test_body_decoder_bounds_each_step_and_detects_truncation():
    bomb = zlib.compress(b"\0" * 50_000_000, 9)
    dec = BodyDecoder("deflate", limit=1_000_000, step=65536)
    with pytest.raises(BodyTooLarge):
        dec.feed(bomb)
    assert dec.partial(1000) == b"\0" * 1000
    dec = BodyDecoder("gzip", limit=10_000_000)
    dec.feed(GZ[: len(GZ) // 2])
    with pytest.raises(BadEncoding, match="ended before"):
        dec.finish()
    dec = BodyDecoder("br", limit=100)          # unknown coding: kept as-is, still capped
    dec.feed(b"x" * 50)
    assert dec.finish() == b"x" * 50 and dec.kept_encoding == "br"


from hypothesis import given, settings as hsettings, strategies as st


@hsettings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=20_000), cuts=st.lists(st.integers(1, 5000), max_size=12),
       coding=st.sampled_from(["gzip", "deflate", "deflate-raw", ""]),
       limit=st.integers(0, 25_000))
def test_body_decoder_is_chunking_invariant_and_exact_at_the_cap(data, cuts, coding, limit):
    if coding == "gzip":
        wire = gzip.compress(data, mtime=0)
    elif coding == "deflate":
        wire = zlib.compress(data)
    elif coding == "deflate-raw":
        wire = zlib.compress(data)[2:-4]
    else:
        wire = data
    dec = BodyDecoder(coding.replace("-raw", ""), limit=limit, step=1024)
    pos = 0
    try:
        for n in cuts + [len(wire)]:
            dec.feed(wire[pos:pos + n])
            pos += n
            if pos >= len(wire):
                break
        out = dec.finish()
    except BodyTooLarge:
        assert len(data) > limit
        return
    assert len(data) <= limit and out == data


def test_deflate_sniffing_survives_a_one_byte_first_chunk():
    wire = zlib.compress(REPORT.encode())
    dec = BodyDecoder("deflate", limit=10_000)
    for i in range(len(wire)):
        dec.feed(wire[i:i + 1])
    assert dec.finish() == REPORT.encode()


def test_concatenated_gzip_members_are_one_body_and_trailing_junk_is_ignored():
    a, b = "第一部分".encode(), "第二部分".encode()
    dec = BodyDecoder("gzip", limit=10_000)
    wire = gzip.compress(a) + gzip.compress(b) + b"\0\0\0"
    for i in range(0, len(wire), 7):
        dec.feed(wire[i:i + 7])
    assert dec.finish() == a + b
