"""Generic discovery (link-following) over real HTTP against small throwaway portals.

The test portal has what generic platforms show in portals.md §5/§9: a home page linking a
年报 column, list titles truncated with the full title in ``title=``, an ``onclick``-only
row, a second list page, a department sub-column, an attachment-only report, a news item
about 政府信息公开, a report of another county, and a chain of sub-columns deeper than the
adapter may go.
"""

from __future__ import annotations

import pytest

from ogi_scrape.errors import NotFound
from ogi_scrape.replica.testing import replica_fixture, run_with_fetcher
from ogi_scrape.sources.candidates import pick
from ogi_scrape.sources.families import generic

HOST = "www.shili.gov.cn"
BASE = f"http://{HOST}/"

BODY = ("<p>2024年，示例县认真落实条例要求。全县主动公开政府信息1200条。</p>"
        "<p>一、总体情况</p><p>（一）主动公开情况 全县各部门按要求公开。</p>" * 6 +
        "<p>（二）依申请公开情况 我县全年受理申请3件。</p>")


def article(title, body, extra=""):
    return (f"<html><head><meta charset='utf-8'><meta name='ArticleTitle' content='{title}'>"
            f"<meta name='ContentSource' content='示例县人民政府办公室'></head><body>"
            f"<div class='nav'><a href='/'>首页</a></div><h1>{title}</h1>"
            f"<div class='article_content'>{body}{extra}</div><div class='footer'>网站标识码 9999990001</div></body></html>")


FILES = {
    "index.html": """<html><body><div class='nav'><a href='/zwgk/'>政务公开</a>
        <a href='/zfxxgk/zfxxgknb/'>政府信息公开年报</a></div>
        <ul><li><a href='/news/1.html'>我县召开2025年政府信息公开工作推进会</a></li>
        <li><a href='http://www.other.gov.cn/nb/2024.html'>邻县人民政府2024年政府信息公开工作年度报告</a></li></ul></body></html>""",
    "zwgk/index.html": "<html><body><a href='/zwgk/zn.html'>政府信息公开指南</a></body></html>",
    "zfxxgk/zfxxgknb/index.html": """<html><body><ul class='list'>
        <li><a href='2024/gov.html' title='示例县人民政府2024年政府信息公开工作年度报告'>示例县人民政府2024年政府信息公开工…</a><span>2025-01-20</span></li>
        <li onclick="window.open('/zfxxgk/zfxxgknb/2024/edu.html')">示例县教育局2024年政府信息公开工作年度报告<span>[2025-01-18]</span></li>
        <li><a href='/zfxxgk/zfxxgknb/2024/jiedu.html'>示例县人民政府2024年政府信息公开工作年度报告解读</a></li>
        <li><a href='bm/'>部门年报</a></li></ul>
        <div class='page'><a href='index_1.html'>下一页</a></div></body></html>""",
    "zfxxgk/zfxxgknb/index_1.html": """<html><body><ul class='list'>
        <li><a href='2023/gov.html'>示例县人民政府2023年政府信息公开工作年度报告</a></li>
        <li><a href='/upload/nb2022.pdf'>示例县人民政府2022年政府信息公开工作年度报告.pdf</a></li></ul></body></html>""",
    "zfxxgk/zfxxgknb/2024/gov.html": article("示例县人民政府2024年政府信息公开工作年度报告", BODY,
                                             "<p>附件：<a href='/upload/gov2024.docx'>报告.docx</a></p>"),
    "zfxxgk/zfxxgknb/2024/edu.html": article("示例县教育局2024年政府信息公开工作年度报告", BODY.replace("全县", "我局")),
    "zfxxgk/zfxxgknb/2024/jiedu.html": article("解读", "<p>解读文字</p>"),
    "zfxxgk/zfxxgknb/2023/gov.html": article("示例县人民政府2023年政府信息公开工作年度报告", BODY.replace("2024", "2023")),
    "zfxxgk/zfxxgknb/bm/index.html": "<html><body><a href='xx/'>更多年报</a><a href='../2024/edu.html'>示例县教育局2024年政府信息公开工作年度报告</a></body></html>",
    "zfxxgk/zfxxgknb/bm/xx/index.html": "<html><body><a href='yy/'>年报归档</a></body></html>",
    "zfxxgk/zfxxgknb/bm/xx/yy/index.html": "<html><body><a href='/zz/sl.html'>示例县水利局2021年政府信息公开工作年度报告</a></body></html>",
    "upload/nb2022.pdf": b"%PDF-1.4\n%%EOF\n",
    "upload/gov2024.docx": b"PK\x03\x04",
    "news/1.html": article("会议", "<p>会议</p>"),
}


server = replica_fixture("www.luding.gov.cn", "files.gzz.gov.cn", sites={HOST: FILES},
                         scope="module")


def discover(server, source, **kw):
    server.clear_requests()
    return run_with_fetcher(server, lambda f: generic.discover(source, f, **kw))


SOURCE = {"name": "示例县人民政府", "base_url": BASE, "family": "generic", "columns": []}


def test_finds_the_county_report_from_the_home_page(server):
    cands = discover(server, SOURCE, year=2024)
    chosen = pick(cands, 2024, "示例县")
    assert chosen.candidate.url == f"{BASE}zfxxgk/zfxxgknb/2024/gov.html"
    assert chosen.candidate.title == "示例县人民政府2024年政府信息公开工作年度报告"   # from title=, not the "…" text
    assert chosen.candidate.attachments == [f"{BASE}upload/gov2024.docx"]
    assert chosen.candidate.has_body is True


def test_reads_onclick_rows_follows_paging_and_skips_non_reports(server):
    cands = discover(server, SOURCE, year=2024)
    urls = {c.url for c in cands}
    assert f"{BASE}zfxxgk/zfxxgknb/2024/edu.html" in urls            # onclick-only row
    assert f"{BASE}zfxxgk/zfxxgknb/2023/gov.html" in urls            # second list page
    assert not any("jiedu" in u or "/news/" in u for u in urls)      # 解读, news
    assert pick(cands, 2024, "示例县", kind="department").candidate.url.endswith("/2024/edu.html")
    # the neighbour county's report is listed but never picked for this county
    assert "http://www.other.gov.cn/nb/2024.html" in urls
    assert all(c.url != "http://www.other.gov.cn/nb/2024.html" for c in pick(cands, 2024, "示例县").alternatives)


def test_attachment_only_report_listed_as_a_file(server):
    cands = discover(server, SOURCE, year=2022)
    chosen = pick(cands, 2022, "示例县")
    assert chosen.candidate.url == f"{BASE}upload/nb2022.pdf"
    assert chosen.candidate.attachments == [f"{BASE}upload/nb2022.pdf"]
    assert chosen.candidate.has_body is False


def test_depth_is_bounded(server):
    cands = discover(server, SOURCE, year=2021)
    targets = [r.target for r in server.requests_for(HOST)]
    assert "/zfxxgk/zfxxgknb/bm/xx/" in targets                     # depth 3: followed
    assert "/zfxxgk/zfxxgknb/bm/xx/yy/" not in targets              # depth 4: not
    assert not any("水利局" in c.title for c in cands)
    with pytest.raises(NotFound):
        pick(cands, 2021, "示例县", kind="department")


def test_page_count_is_bounded(server):
    cands = discover(server, SOURCE, year=2024, max_pages=2)
    assert len([s for s in cands.searched]) == 2
    list_pages = [r.target for r in server.requests_for(HOST) if not r.target.startswith(("/robots", "/zfxxgk/zfxxgknb/20"))]
    assert len(list_pages) == 2


def test_starts_from_registry_columns_when_given(server):
    src = dict(SOURCE, columns=[{"kind": "government", "url": f"{BASE}zfxxgk/zfxxgknb/index_1.html"}])
    cands = discover(server, src, year=2023)
    assert pick(cands, 2023, "示例县").candidate.url == f"{BASE}zfxxgk/zfxxgknb/2023/gov.html"
    assert f"{BASE}" not in [s for s in cands.searched]              # the home page was not needed


def test_a_missing_start_page_is_reported(server):
    with pytest.raises(NotFound) as info:
        discover(server, dict(SOURCE, base_url=f"{BASE}no/such/"), year=2024)
    assert "no/such" in str(info.value)


def test_js_shell_column_links_are_never_picked_as_the_report(server):
    """On the Ganzi platform the report columns are JS shells whose links are named like
    reports. The generic adapter reads them, sees neither report text nor a file, and does not
    pick them; on Luding it reaches the real report only through an article's related-links
    list (reached via a news item whose title mentions 年度报告)."""
    luding = {"name": "泸定县人民政府", "base_url": "http://www.luding.gov.cn/", "columns": []}
    cands = discover(server, luding, year=2024)
    shell = next(c for c in cands if c.url.endswith("/ldxrmzf2024zfnbzf/c/6382"))
    assert shell.has_body is False and shell.attachments == []
    chosen = pick(cands, 2024, "泸定县")
    assert chosen.candidate.url == "http://www.luding.gov.cn/ldxrmzf2024zfnbzf/article/633321"
    assert all("/c/" not in c.url for c in chosen.alternatives)


def test_families_are_a_table_with_a_generic_fallback():
    from ogi_scrape.errors import UsageError
    from ogi_scrape.sources.families import ADAPTERS, adapter_for

    assert adapter_for("ganzi").__name__ == ADAPTERS["ganzi"]
    assert adapter_for("no-such-platform") is generic
    with pytest.raises(UsageError) as info:
        adapter_for("no-such-platform", fallback=False)
    assert "no-such-platform" in str(info.value) and "ganzi" in str(info.value)
