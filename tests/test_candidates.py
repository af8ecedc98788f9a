"""Report candidates: the title grammar, year and body-kind evidence, and picking.

Titles are the real ones collected in portals.md §6 (plus the replica's distractors).
"""

from __future__ import annotations

import pytest

from ogi_scrape.errors import NotFound, UsageError
from ogi_scrape.sources.candidates import (
    Candidate,
    CandidateList,
    PageEvidence,
    classify,
    column_kind_from_name,
    issuer_kind,
    looks_like_report_link,
    parse_title,
    pick,
    read_page,
)

# (title, year, kind of issuing body)
REAL_TITLES = [
    ("泸定县人民政府2024年政府信息公开工作年度报告", 2024, "government"),
    ("富县人民政府2024年政府信息公开工作年度报告", 2024, "government"),
    ("临夏回族自治州永靖县2024年政府信息公开工作年度报告", 2024, "government"),
    ("连云区人民政府2025年政府信息公开工作年度报告", 2025, "government"),
    ("广东省人民政府2024年政府信息公开工作年度报告", 2024, "government"),
    ("2022年上海市政府信息公开工作年度报告", 2022, "government"),
    ("甘谷县人民政府办公室2024年政府信息公开工作年度报告", 2024, "government-office"),
    ("古蔺县民政局2024政府信息公开工作年度报告", 2024, "department"),
    ("泸县商务和经济合作局2023年政府信息公开工作年度报告", 2023, "department"),
    ("泸州市合江生态环境局2023年政府信息公开工作年度报告", 2023, "department"),
    ("白城市农业农村局2024年政府信息公开工作年度报告", 2024, "department"),
    ("紫金县自然资源局2024年度政府信息公开工作年度报告", 2024, "department"),
    ("沭阳县发展和改革局2023年政府信息公开年度报告", 2023, "department"),
    ("代县卫生健康局2024年政府信息公开工作年度报告", 2024, "department"),
    ("蓬江區發展和改革局2024年度政府信息公開工作年度報告", 2024, "department"),
    ("遂宁市船山区现代农业产业园管理委员会2024年政府信息公开工作年度报告", 2024, "department"),
    ("广东省政务服务和数据管理局2024年政府信息公开工作年度报告", 2024, "department"),
    ("洪雅县洪川镇2024年政府信息公开工作年度报告", 2024, "township"),
    ("古蔺县东新镇2024年政府信息公开工作年度报告", 2024, "township"),
    ("泸州市龙马潭区安宁街道2024年政府信息公开工作年度报告", 2024, "township"),
    ("平武县木座藏族乡2023年度政府信息公开工作年度报告", 2023, "township"),
    ("落水镇人民政府2024年度政府信息公开工作年度报告", 2024, "township"),
    ("午街铺镇人民政府2025年政府信息公开年度报告", 2025, "township"),
    ("洮砚镇人民政府2025年度政府信息公开工作报告", 2025, "township"),
    ("张家川县连五乡人民政府2025年度政府信息公开工作报告", 2025, "township"),
    ("2018年建新镇政府信息公开工作年度报告", 2018, "township"),
]


@pytest.mark.parametrize("title,year,kind", REAL_TITLES)
def test_real_titles_parse_to_year_and_issuer_kind(title, year, kind):
    info = parse_title(title)
    assert info is not None, title
    assert info.year == year
    assert issuer_kind(info.issuer)[0] == kind
    assert info.alternate is False


@pytest.mark.parametrize("title,variant", [
    ("永嘉县人民政府2024年政府信息公开工作年度报告(图解版本)", "图解版本"),
    ("宿州市人民政府2019年政府信息公开工作年度报告（图片版）", "图片版"),
    ("黄浦区2022年政府信息公开工作年度报告（超链版）.pdf", "超链版"),
    ("图解：泸定县人民政府2024年政府信息公开工作年度报告", "图解"),
])
def test_alternate_versions_are_reports_marked_as_such(title, variant):
    info = parse_title(title)
    assert info is not None and info.variant == variant and info.alternate
    assert info.year in (2019, 2022, 2024)


@pytest.mark.parametrize("title", [
    "泸定县召开2025年政务公开暨政府信息公开工作培训会",
    "我县开展政府信息公开工作年度报告编制专题指导",
    "泸定县人民政府2024年政府信息公开工作年度报告解读",
    "泸定县人民政府2024年政府信息公开工作年度报告（解读）",
    "关于做好2024年政府信息公开工作年度报告编制发布工作的通知",
    "泸定县人民政府2024年政府工作报告",
    "",
])
def test_titles_that_are_not_reports(title):
    assert parse_title(title) is None


def test_line_breaks_and_full_width_spaces_inside_a_title():
    info = parse_title("长桥乡2019年政府信息公开工作年度工作\n报 告")      # as printed (pages/045)
    assert info is not None and info.year == 2019 and issuer_kind(info.issuer)[0] == "township"
    info = parse_title("泸定县人民政府2024年政府信息公开工作\n年度报\r\n告")
    assert info is not None and info.year == 2024
    info = parse_title("泸定县人民政府　2024年 政府信息公开工作年度报告")
    assert info is not None and info.issuer == "泸定县人民政府"


def test_traditional_characters_are_normalised():
    info = parse_title("蓬江區發展和改革局2024年度政府信息公開工作年度報告")
    assert info.issuer == "蓬江区发展和改革局"


def test_report_links_by_text_or_slug():
    assert looks_like_report_link("政府信息公开年报", "/zwgk/x/")
    assert looks_like_report_link("其他", "http://x.gov.cn/zfxxgk/zfxxgknb/2024n/")
    assert looks_like_report_link("2024", "http://x.gov.cn/nb2024bm/")
    assert looks_like_report_link("年度报告", "")
    assert not looks_like_report_link("政府信息公开指南", "/zfxxgk/zn/")
    assert not looks_like_report_link("新闻中心", "/news/")


@pytest.mark.parametrize("name,url,kind", [
    ("县直部门2024年政府信息公开工作年度报告", "", "department"),
    ("", "http://www.luding.gov.cn/xzbmxxgk2023n/c/5707", "department"),
    ("乡（镇）2024年政府信息公开工作年度报告", "", "township"),
    ("", "https://www.schy.gov.cn/zfxxgk/zfxxgknb/n2024n/xz/hcz.htm", "township"),
    ("县人民政府2024年政府信息公开工作年度报告", "", "government"),
    ("", "http://www.luding.gov.cn/ldxrmzf2024zfnbzf/c/6382", "government"),
    ("政务公开动态", "http://www.luding.gov.cn/zwgkdt/c/4417", None),
])
def test_column_kind_from_name_or_slug(name, url, kind):
    assert column_kind_from_name(name, url) == kind


# --------------------------------------------------------------------------- year evidence


def test_year_never_comes_from_the_path():
    cand = Candidate.from_listing("http://x.gov.cn/xzbmxxgk2023n/article/1",
                                  "泸定县交通运输局2024年政府信息公开工作年度报告")
    assert (cand.year, cand.year_source) == (2024, "title")
    no_year = Candidate.from_listing("http://x.gov.cn/zfxxgknb/2025n/a.html", "泸定县人民政府政府信息公开工作年度报告")
    assert no_year.year is None and no_year.year_source is None


def test_year_from_the_body_then_weakly_from_the_publication_date():
    cand = Candidate.from_listing("http://x/a", "泸定县人民政府政府信息公开工作年度报告",
                                  published="2025-01-24 17:05:38")
    assert (cand.year, cand.year_source) == (2024, "published")
    assert any("weak" in e for e in cand.evidence)
    cand.add_page(PageEvidence(body_year=2023, has_body=True))
    assert (cand.year, cand.year_source) == (2023, "body")       # the body outranks the guess


def test_title_year_outranks_body_and_date():
    cand = Candidate.from_listing("http://x/a", "泸定县人民政府2024年政府信息公开工作年度报告",
                                  published="2026-03-01")
    cand.add_page(PageEvidence(body_year=2023, has_body=True))
    assert (cand.year, cand.year_source) == (2024, "title")


# --------------------------------------------------------------------------- kind evidence


def test_classify_votes_and_reasons():
    kind, conf, reasons = classify(title_issuer="泸定县人民政府", column_kind="government",
                                   source_org="泸定县人民政府办公室", wording={"government": 9, "department": 0, "township": 0})
    assert kind == "government" and conf > 0.9
    assert any(r.startswith("title:") for r in reasons) and any(r.startswith("column:") for r in reasons)
    kind, conf, _ = classify(title_issuer="泸定县教育局", column_kind="department",
                             wording={"government": 1, "department": 6, "township": 0})
    assert (kind, conf) == ("department", 1.0)
    kind, conf, _ = classify(title_issuer="泸定县人民政府办公室", column_kind="government")
    assert kind == "government" and conf < 0.8                  # office in a government column
    assert classify()[0] == "other"


def test_no_title_issuer_falls_back_to_column_and_body():
    kind, _, reasons = classify(title_issuer="", column_kind=None, source_org="泸定县兴隆镇人民政府",
                                wording={"government": 0, "department": 0, "township": 5})
    assert kind == "township"
    assert "title: no issuer before the year" in reasons


def test_body_wording_decides_for_a_bare_title():
    cand = Candidate.from_listing("http://x/a", "2024年政府信息公开工作年度报告", column_kind="mixed")
    assert cand.body_kind == "other"
    html = ("<html><body><div id='c'>" + "一、总体情况 2024年，我局认真贯彻条例，做好主动公开。" * 20 +
            "统计期限为2024年1月1日至2024年12月31日</div></body></html>")
    cand.add_page(read_page(html, "http://x/a", body_selector="#c"))
    assert cand.body_kind == "department" and cand.has_body is True


# --------------------------------------------------------------------------- pages


def test_read_page_metadata_body_and_attachments():
    html = """<html><head><meta name="ArticleTitle" content="T"><meta name="PubDate" content="2025-01-24 17:05">
    <meta name="ContentSource" content="泸定县兴隆镇人民政府"><meta name="SiteIDCode" content="5133220001"></head>
    <body><div class="nav"><a href="/other.pdf">不是本文附件</a></div>
    <div id="contentBox">语音播报：现将报告予以公布，全文见附件。
      <a href="/upload/a.PDF">报告.pdf</a><a href="javascript:void(0)" onclick="window.open('/upload/b.docx')">下载</a>
      <a href="/upload/c.wps">c</a><a href="/page.html">网页</a></div></body></html>"""
    ev = read_page(html, "http://www.luding.gov.cn/x/article/1", body_selector="#contentBox")
    assert ev.source_org == "泸定县兴隆镇人民政府" and ev.published == "2025-01-24 17:05"
    assert ev.site_id_code == "5133220001"
    assert ev.attachments == ["http://www.luding.gov.cn/upload/a.PDF", "http://www.luding.gov.cn/upload/b.docx",
                              "http://www.luding.gov.cn/upload/c.wps"]
    assert ev.has_body is False                    # a pointer to the file is not the report


def test_read_page_finds_a_known_container_without_being_told():
    html = ("<html><body><div class='nav'><a href='/guide.pdf'>政府信息公开指南.pdf</a>" + "导航" * 300 +
            "</div><div class='TRS_Editor'>" + "一、总体情况 主动公开 依申请公开 我县" * 5 +
            "<a href='nb.docx'>附件</a></div></body></html>")
    ev = read_page(html, "http://x.gov.cn/a/b.html")
    assert ev.attachments == ["http://x.gov.cn/a/nb.docx"]      # the nav's PDF is not this report's
    assert ev.wording["government"] == 5


def test_read_page_survives_an_empty_document():
    assert read_page("", "http://x/").has_body is False


# --------------------------------------------------------------------------- pick


def listing(url, title, **kw):
    cand = Candidate.from_listing(url, title, **kw)
    assert cand is not None
    return cand


def with_body(cand, **kw):
    cand.add_page(PageEvidence(has_body=True, **kw))
    return cand


def luding_like():
    return CandidateList([
        with_body(listing("http://l/d/1", "泸定县教育局2024年政府信息公开工作年度报告", column_kind="department")),
        with_body(listing("http://l/t/2", "泸定县泸桥镇人民政府2024年政府信息公开工作年度报告", column_kind="township")),
        with_body(listing("http://l/g/3", "泸定县人民政府2024年政府信息公开工作年度报告", column_kind="government"),
                  wording={"government": 6, "department": 0, "township": 0}),
        with_body(listing("http://l/g/4", "泸定县人民政府2023年政府信息公开工作年度报告", column_kind="government")),
        with_body(listing("http://k/g/5", "康定市人民政府2024年政府信息公开工作年度报告", column_kind="government")),
    ], source="泸定县人民政府", searched=["col A", "col B"])


def test_pick_returns_the_county_report_with_reasons():
    chosen = pick(luding_like(), 2024, "泸定县")
    assert chosen.candidate.url == "http://l/g/3"
    assert "year 2024 from title" in chosen.reasons
    assert any("body kind government" in r for r in chosen.reasons)
    assert all(c.url != "http://k/g/5" for c in chosen.alternatives)    # another county


def test_pick_department_and_township_with_org():
    assert pick(luding_like(), 2024, "泸定县", kind="department").candidate.url == "http://l/d/1"
    assert pick(luding_like(), 2024, "泸定县", kind="township", org="泸桥镇").candidate.url == "http://l/t/2"
    with pytest.raises(NotFound):
        pick(luding_like(), 2024, "泸定县", kind="township", org="冷碛镇")


def test_pick_prefers_text_over_an_alternate_version():
    cands = [listing("http://l/img", "图解：泸定县人民政府2024年政府信息公开工作年度报告", column_kind="government"),
             with_body(listing("http://l/txt", "泸定县人民政府2024年政府信息公开工作年度报告", column_kind="government"))]
    assert pick(cands, 2024, "泸定县").candidate.url == "http://l/txt"
    assert pick(cands[:1], 2024, "泸定县").candidate.url == "http://l/img"     # still a report


def test_office_report_is_a_lower_confidence_fallback():
    office = with_body(listing("http://l/o", "泸定县人民政府办公室2024年政府信息公开工作年度报告"))
    chosen = pick([office], 2024, "泸定县")
    assert any("office" in r for r in chosen.reasons)
    county = with_body(listing("http://l/g", "泸定县人民政府2024年政府信息公开工作年度报告"))
    assert pick([office, county], 2024, "泸定县").candidate.url == "http://l/g"


def test_a_page_read_with_no_text_and_no_file_is_not_a_report():
    shell = listing("http://l/col/c/1", "县人民政府2024年政府信息公开工作年度报告", column_kind="government")
    shell.add_page(PageEvidence(has_body=False))
    with pytest.raises(NotFound):
        pick([shell], 2024, "泸定县")


def test_not_found_names_source_columns_years_and_nearest():
    with pytest.raises(NotFound) as info:
        pick(luding_like(), 2025, "泸定县")
    msg = str(info.value)
    assert "no government report of 泸定县 for 2025 found on 泸定县人民政府" in msg
    assert "searched: col A, col B" in msg
    assert "report years seen: 2023, 2024" in msg
    assert "nearest: 泸定县人民政府2024年政府信息公开工作年度报告" in msg
    assert "31 March" in msg


def test_unknown_kind_is_a_usage_error():
    with pytest.raises(UsageError) as info:
        pick([], 2024, kind="county")
    assert "county" in str(info.value) and "government" in str(info.value)


# --------------------------------------------------------------------------- grammar property

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

ISSUERS = [("泸定县人民政府", "government"), ("泸定县", "government"), ("泸定县教育局", "department"),
           ("甘孜州生态环境局泸定分局", "department"), ("泸定县兴隆镇人民政府", "township"),
           ("泸定县岚安乡", "township"), ("泸州市龙马潭区安宁街道", "township"),
           ("泸定县人民政府办公室", "government-office")]


@settings(max_examples=200, deadline=None)
@given(issuer=st.sampled_from(ISSUERS), year=st.integers(2008, 2030),
       year_mark=st.sampled_from(["年", "年度", ""]), gov=st.sampled_from(["政府", ""]),
       work=st.sampled_from(["工作", ""]), tail=st.sampled_from(["年度报告", "报告", "年报"]),
       variant=st.sampled_from(["", "（图解版）", "(图片版)"]),
       breaks=st.lists(st.integers(0, 60), max_size=3))
def test_grammar_round_trip(issuer, year, year_mark, gov, work, tail, variant, breaks):
    """Any title built from the observed pieces parses back to its year and issuer kind, even
    with line breaks or spaces dropped in anywhere (titles wrap in lists)."""
    name, kind = issuer
    title = f"{name}{year}{year_mark}{gov}信息公开{work}{tail}{variant}"
    for pos in sorted(breaks, reverse=True):
        pos = min(pos, len(title))
        title = title[:pos] + "\n " + title[pos:]
    info = parse_title(title)
    assert info is not None, title
    assert info.year == year
    assert issuer_kind(info.issuer)[0] == kind
    assert info.alternate == bool(variant)
