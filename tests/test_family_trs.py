"""TRS discovery against the 代县 replica over real HTTP (ReplicaServer + Fetcher + Mirror).

The replica reproduces TRS static publishing: createPageHTML paging (index.html, index_1.html),
a 301 from the column's old address, a GBK page without a charset header, an attachment-only
report and a list link to a year folder that now answers 404 (docs/replicas.md "TRS: 代县").
"""

from __future__ import annotations

import logging

import pytest

from ogi_scrape.errors import NotFound
from ogi_scrape.parse import parse_bytes
from ogi_scrape.replica.testing import (
    patient_settings,
    replica_fixture,
    run_with_fetcher,
)
from ogi_scrape.sources import load_registry
from ogi_scrape.sources.candidates import pick
from ogi_scrape.sources.families import trs

SETTINGS = patient_settings()
HOST = "daixian.gov.cn"
COLUMN = "/dxzw/zwgk/xxgknb/"
OLD_COLUMN = "/dxzw/zfxxgk/xxgknb/index.html"
GBK_PAGE = COLUMN + "202103/t20210330_3329415.html"


server = replica_fixture(HOST, scope="module")


@pytest.fixture
def source():
    return load_registry().get("140923-daixian")


def discover(server, source, **kw):
    server.clear_requests()
    return run_with_fetcher(server, lambda f: trs.discover(source, f, **kw), settings=SETTINGS)


def fetch(server, url):
    return run_with_fetcher(server, lambda f: f.get(url), settings=SETTINGS)


def paths(server):
    return [r.target for r in server.requests_for(HOST)]


def test_finds_the_county_report_after_the_column_redirect(server, source):
    found = discover(server, source, year=2024, kind="government")
    chosen = pick(found, 2024, "代县", "government").candidate
    assert chosen.title == "代县人民政府2024年政府信息公开工作年度报告"
    assert chosen.url == f"http://{HOST}{COLUMN}202503/t20250328_4061873.html"
    assert chosen.published == "2025-03-28" and chosen.has_body is True
    # the registry's old column URL answered 301, and links resolved against the new folder
    seen = paths(server)
    assert seen.index(OLD_COLUMN) < seen.index(COLUMN + "index.html")
    # distractors of the same year are listed as candidates but are not the pick
    titles = {c.title: c.body_kind for c in found if c.year == 2024}
    assert titles["代县卫生健康局2024年政府信息公开工作年度报告"] == "department"
    assert titles["代县上馆镇人民政府2024年政府信息公开工作年度报告"] == "township"


def test_reads_only_the_pages_that_can_be_the_report(server, source):
    discover(server, source, year=2024, kind="government")
    seen = paths(server)
    assert COLUMN + "202503/t20250328_4061873.html" in seen
    # the 2024 department and township pages were not fetched: the list title rules them out
    assert COLUMN + "202501/t20250121_4056262.html" not in seen
    assert COLUMN + "202501/t20250120_4055918.html" not in seen


def test_pages_through_index_1_as_createPageHTML_announces(server, source):
    found = discover(server, source, year=2020, kind="government")
    chosen = pick(found, 2020, "代县", "government").candidate
    assert chosen.url == f"http://{HOST}{GBK_PAGE}"
    seen = paths(server)
    assert COLUMN + "index_1.html" in seen            # the report is only on page 2
    assert COLUMN + "index_2.html" not in seen        # createPageHTML(2, …): no guessing beyond


def test_gbk_page_without_charset_header_decodes_to_chinese(server, source):
    r = fetch(server, f"http://{HOST}{GBK_PAGE}")
    assert r.headers["content-type"] == "text/html"           # no charset parameter at all
    assert b"charset=gb2312" in r.content
    assert r.encoding_source == "meta" and r.encoding == "gb18030"
    assert "<title>代县人民政府2020年政府信息公开工作年度报告_代县人民政府</title>" in r.text
    assert "三、收到和处理政府信息公开申请情况" in r.text and "代县人民政府办公室" in r.text
    found = discover(server, source, year=2020, kind="government")
    chosen = pick(found, 2020, "代县", "government").candidate
    assert chosen.source_org == "代县人民政府办公室"          # read from the GBK <meta>


def test_attachment_only_report_records_the_pdf_and_the_word_file(server, source):
    found = discover(server, source, year=2021, kind="government")
    chosen = pick(found, 2021, "代县", "government").candidate
    pdf = f"http://{HOST}{COLUMN}202203/P020220325562418377452.pdf"
    docx = f"http://{HOST}{COLUMN}202203/P020220325562418377453.docx"
    assert chosen.has_body is False
    assert chosen.attachments == [pdf, docx]
    r = fetch(server, pdf)
    assert r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF-")
    r = fetch(server, docx)
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats") \
        and r.content.startswith(b"PK\x03\x04")


def test_drifted_link_is_reported_not_crashed(server, source, caplog):
    caplog.set_level(logging.WARNING, logger="ogi_scrape.sources.families.trs")
    found = discover(server, source, year=2019, kind="government")
    dead = f"http://{HOST}{COLUMN}202003/t20200327_3111042.html"
    assert any(dead in note and "404" in note for note in found.notes)
    assert dead in caplog.text
    assert all(c.url != dead for c in found)
    with pytest.raises(NotFound):
        pick(found, 2019, "代县", "government")
    # the department's 2019 report (a live link) is still found
    assert any(c.year == 2019 and c.body_kind == "department" for c in found)


def test_missing_list_page_stops_paging_with_a_note(server, source):
    server.inject(HOST, COLUMN + "index_1.html", ["status:404"])
    try:
        found = discover(server, source, year=2024, kind="government")
    finally:
        server.inject(HOST, COLUMN + "index_1.html", ["ok"])
    assert any("index_1.html" in n and "404" in n for n in found.notes)
    assert pick(found, 2024, "代县", "government").candidate.year == 2024


def test_page_count_reads_the_call_not_the_definition():
    definition = "function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){}"
    assert trs.page_count(definition) is None
    assert trs.page_count('<script>createPageHTML(7, 0, "index", "shtml");</script>') == (
        7, "index", "shtml")
    assert trs.page_count("createPageHTML(3,1,'list','html')") == (3, "list", "html")


def test_list_titles_come_from_the_title_attribute_and_resolve_against_the_page():
    text = ('<ul><li><a href="./202501/t20250120_1.html" title="某县人民政府2024年政府信息公开工作年度报告">'
            '某县人民政府2024年政府信息公开...</a><span>2025-01-20</span></li>'
            '<li><a href="../zcwj/">政策文件</a></li></ul>')
    items = trs.parse_list(text, "http://x.gov.cn/a/b/index_1.html")
    assert [(i.url, i.title, i.date) for i in items] == [
        ("http://x.gov.cn/a/b/202501/t20250120_1.html",
         "某县人民政府2024年政府信息公开工作年度报告", "2025-01-20")]


@pytest.mark.parametrize("path, template, year", [
    (COLUMN + "202503/t20250328_4061873.html", "gb2021", 2024),
    (GBK_PAGE, "gb2019", 2020),
])
def test_report_pages_parse_despite_the_metadata_table_above_the_body(server, path, template, year):
    r = fetch(server, f"http://{HOST}{path}")
    assert "索&nbsp;引&nbsp;号" in r.text or "索 引 号" in r.text      # the xxgk metadata table
    result = parse_bytes(r.content, content_type=r.content_type, url=r.final_url)
    assert (result.template, result.year, result.status) == (template, year, "ok")
