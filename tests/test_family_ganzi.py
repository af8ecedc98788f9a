"""Ganzi discovery and the Luding replica, over real HTTP (ReplicaServer + Fetcher + Mirror).

The replica (fixtures/portals/www.luding.gov.cn, docs/replicas.md "Luding") serves the
site-service JSON list API, JS-shell column pages, templated article pages and the
server-rendered 政府信息公开 area; the distractors (department, township, office, mis-foldered,
attachment-only, news) are what make picking non-trivial.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lxml import html as lxml_html
from protego import Protego

from ogi_scrape.errors import FetchFailed, NotFound
from ogi_scrape.replica.testing import replica_fixture, run_with_fetcher
from ogi_scrape.sources import load_registry
from ogi_scrape.sources.candidates import pick
from ogi_scrape.sources.families import discover as discover_any
from ogi_scrape.sources.families import ganzi

HOST = "www.luding.gov.cn"
FILES = "files.gzz.gov.cn"
BASE = f"http://{HOST}"
API = "/site-service/c/manuscript/getManuscriptListByColumnId"
REPORT_2024 = f"{BASE}/ldxrmzf2024zfnbzf/article/633321"
REPORT_2023 = f"{BASE}/ldxrmzf2023zfnbzf/article/568102"
PDF = f"https://{FILES}/upload/file/20/zhengwen/8c1f4e2a9b7d4c6e8a3f5b2d1e0c9a47.pdf"
GOLD = Path("/work/shared/corpus/seed/luding-2024.gold.json")


server = replica_fixture(HOST, FILES, scope="module")


@pytest.fixture(scope="module")
def source():
    return load_registry().get("513322-luding")


def discover(server, source, **kw):
    server.clear_requests()
    return run_with_fetcher(server, lambda f: ganzi.discover(source, f, **kw))


def get(server, path, **kw):
    return run_with_fetcher(server, lambda f: f.get(BASE + path, raise_for_status=False, **kw))


def post_api(server, body):
    return run_with_fetcher(server, lambda f: f.post(BASE + API, json=body, raise_for_status=False))


# --------------------------------------------------------------------------- discovery


def test_2024_picks_exactly_the_county_government_report(server, source):
    cands = discover(server, source, year=2024)
    chosen = pick(cands, 2024, "泸定县")
    assert chosen.candidate.url == REPORT_2024
    assert chosen.candidate.title == "泸定县人民政府2024年政府信息公开工作年度报告"
    assert chosen.candidate.body_kind == "government"
    assert chosen.candidate.source_org == "泸定县人民政府办公室"      # from the ContentSource meta
    assert any("title" in r for r in chosen.reasons)
    # Department, township and office reports of 2024 are listed but are not candidates for
    # the government pick; the only other 2024 "government-like" one is the office's own report.
    govt_2024 = [c for c in cands if c.year == 2024 and c.body_kind == "government"]
    assert [c.url for c in govt_2024] == [REPORT_2024]
    # The office's own report (filed with the departments, body says 我办) is not a runner-up.
    office = next(c for c in cands if c.url.endswith("/632440"))
    assert office.body_kind == "department" and office.kind_confidence < 0.6
    assert chosen.alternatives == []


def test_2023_found_and_year_taken_from_the_title(server, source):
    cands = discover(server, source, year=2023)
    chosen = pick(cands, 2023, "泸定县")
    assert chosen.candidate.url == REPORT_2023
    assert chosen.candidate.year_source == "title"


def test_2025_not_published_names_the_columns_searched(server, source):
    cands = discover(server, source, year=2025)
    with pytest.raises(NotFound) as info:
        pick(cands, 2025, "泸定县")
    message = str(info.value)
    assert "2025" in message and "泸定县" in message
    assert "columnId 7125" in message and "ldxrmzf2025zfnbzf" in message   # the empty column
    assert "report years seen: 2023, 2024" in message
    assert REPORT_2024 in message                                           # nearest candidate
    assert info.value.exit_code == 3


def test_paging_follows_current_until_pages(server, source):
    cands = discover(server, source, year=2024, kind="department")
    dept_2024 = [c for c in cands if "/xzbmxxgk2024n/" in c.url]
    assert len(dept_2024) == 18                       # 15 on page 1, 3 on page 2
    posts = [json.loads(r.body) for r in server.requests_for(HOST, API)]
    pages_for_6383 = sorted(p["current"] for p in posts if str(p["columnId"]) == "6383")
    assert pages_for_6383 == [1, 2]
    # the empty 2025 column answers pages=0: asked once, not looped
    assert sum(1 for p in posts if str(p["columnId"]) == "7125") == 1
    assert all(p["size"] == 15 and p["type"] is False for p in posts)


def test_year_comes_from_the_title_not_the_folder(server, source):
    cands = discover(server, source, year=2024, kind="department")
    transport = pick(cands, 2024, "泸定县", kind="department", org="交通运输局").candidate
    assert "/xzbmxxgk2023n/" in transport.url          # filed in the 2023 folder …
    assert transport.year == 2024 and transport.year_source == "title"
    with pytest.raises(NotFound):
        pick(cands, 2023, "泸定县", kind="department", org="交通运输局")


def test_attachment_only_report_lists_its_file(server, source):
    cands = discover(server, source, year=2024, kind="township")
    xinglong = pick(cands, 2024, "泸定县", kind="township", org="兴隆镇")
    assert xinglong.candidate.attachments == [PDF]
    assert xinglong.candidate.has_body is False
    assert any("attachment-only" in r for r in xinglong.reasons)
    pdf = run_with_fetcher(server, lambda f: f.get(PDF))            # the attachment host serves the file
    assert pdf.content.startswith(b"%PDF-") and b"%%EOF" in pdf.content[-16:]
    # a township with its report in the page is not attachment-only
    luqiao = pick(cands, 2024, "泸定县", kind="township", org="泸桥镇").candidate
    assert luqiao.has_body is True and luqiao.attachments == []


def test_only_plausible_article_pages_are_fetched(server, source):
    discover(server, source, year=2024)
    article_gets = [r.target for r in server.requests_for(HOST) if "/article/" in r.target]
    # the county report, the county office's report (ambiguous issuer) — not the 17 bureaus,
    # the townships or the other years
    assert sorted(article_gets) == ["/ldxrmzf2024zfnbzf/article/633321", "/xzbmxxgk2024n/article/632440"]


def test_news_about_open_government_is_not_a_candidate(server, source):
    news_column = {"kind": "mixed", "url": f"{BASE}/zwgkdt/c/4417", "column_id": "4417", "name": "政务公开动态"}
    src = {"name": source.name, "base_url": source.base_url, "options": dict(source.options),
           "columns": [*source.columns, news_column]}
    cands = discover(server, src, year=2024)
    assert cands.skipped == 2                          # both news titles mention 政府信息公开
    assert not any("/zwgkdt/" in c.url for c in cands)
    assert pick(cands, 2024, "泸定县").candidate.url == REPORT_2024


def test_columns_found_from_the_zfxxgk_hub_when_the_registry_lists_none(server, source):
    src = {"name": "泸定县人民政府", "base_url": "http://www.luding.gov.cn/", "columns": []}
    cands = discover(server, src, year=2024)
    assert pick(cands, 2024, "泸定县").candidate.url == REPORT_2024
    assert any("ldxrmzf2025zfnbzf" in s for s in cands.searched)   # every report column listed
    assert {c.column_kind for c in cands} == {"government", "department", "township"}
    hub_pages = [r.target for r in server.requests_for(HOST) if r.target.startswith("/governmentInfo/")]
    assert hub_pages == ["/governmentInfo/ldx_zfxxgk/index", "/governmentInfo/ldx_zfxxgk/zfxxgknb"]


def test_hub_path_from_the_registry_option_skips_the_home_page(server, source):
    src = {"name": "泸定县人民政府", "base_url": "http://www.luding.gov.cn/", "columns": [],
           "options": {"zfxxgk_path": "/governmentInfo/ldx_zfxxgk"}}
    cands = discover(server, src, year=2023)
    assert pick(cands, 2023, "泸定县").candidate.url == REPORT_2023
    assert "/" not in [r.target for r in server.requests_for(HOST)]


def test_dispatch_by_family_name(server, source):
    server.clear_requests()
    cands = run_with_fetcher(server, lambda f: discover_any(source, f, year=2024))
    assert pick(cands, 2024, "泸定县").candidate.url == REPORT_2024


def test_one_failing_column_does_not_hide_the_others(server, source):
    server.inject(HOST, API, ["status:404", "ok"])     # the first column's list call fails
    try:
        cands = discover(server, source, year=2024)
    finally:
        server.clear_faults()
    assert pick(cands, 2024, "泸定县").candidate.url == REPORT_2024
    failed = [s for s in cands.searched if "failed" in s]
    assert len(failed) == 1 and "columnId 7125" in failed[0] and "404" in failed[0]


def test_a_portal_that_is_not_site_service_fails_clearly(server):
    src = {"name": "x", "base_url": "http://www.luding.gov.cn/",
           "options": {"list_endpoint": "/robots.txt"},
           "columns": [{"kind": "government", "url": f"{BASE}/ldxrmzf2024zfnbzf/c/6382", "column_id": "6382"}]}
    with pytest.raises(FetchFailed) as info:
        discover(server, src, year=2024)
    assert "robots.txt" in str(info.value) and "6382" in str(info.value)


# --------------------------------------------------------------------------- the replica itself


def test_list_api_answers_like_the_platform(server):
    page1 = post_api(server, {"columnId": "6383", "current": 1, "size": 15, "type": False})
    data = json.loads(page1.content)["data"]
    assert (data["pages"], data["current"], data["total"], len(data["records"])) == (2, 1, 18, 15)
    rec = data["records"][0]
    assert set(rec) >= {"id", "columnFolder", "title", "releaseTime", "time"}
    assert rec["columnFolder"] == "xzbmxxgk2024n"
    dates = [r["releaseTime"] for r in data["records"]]
    assert dates == sorted(dates, reverse=True)                   # newest first
    empty = json.loads(post_api(server, {"columnId": 7125, "current": 1, "size": 15, "type": False}).content)
    assert empty["data"]["pages"] == 0 and empty["data"]["records"] == []
    bad = run_with_fetcher(server, lambda f: f.post(BASE + API, data=b"columnId=6383", raise_for_status=False))
    assert bad.status == 400
    assert get(server, API).status == 405


def test_column_pages_are_js_shells(server):
    page = get(server, "/ldxrmzf2024zfnbzf/c/6382")
    assert page.status == 200
    assert "/article/" not in page.text                      # no list in the HTML
    assert 'columnId = "6382"' in page.text and "getManuscriptListByColumnId" not in page.text
    assert get(server, "/ldxrmzf2024zfnbzf/c/9999").status == 404


def test_article_page_chrome_and_metadata(server):
    page = get(server, "/ldxrmzf2024zfnbzf/article/633321")
    doc = lxml_html.fromstring(page.text)
    meta = {m.get("name"): m.get("content") for m in doc.iter("meta") if m.get("name")}
    assert meta["SiteIDCode"] == "5133220001"
    assert meta["ArticleTitle"] == "泸定县人民政府2024年政府信息公开工作年度报告"
    assert re.fullmatch(r"2025-01-\d\d \d\d:\d\d", meta["PubDate"])
    assert meta["ContentSource"] == "泸定县人民政府办公室"
    box = doc.get_element_by_id("contentBox")
    assert box.text_content().strip().startswith("语音播报：")
    # chrome outside the body links other reports: a body-blind crawler would be misled
    related = doc.xpath("//ul[@class='related-list']//a/@href")
    assert any("/xzbmxxgk2024n/" in h or "/xzxxgk2024n/" in h for h in related)
    assert get(server, "/xzbmxxgk2024n/article/633321").status == 404   # wrong folder


def test_report_layout_is_word_paste_in_a_layout_table(server):
    text = get(server, "/ldxrmzf2024zfnbzf/article/633321").text
    box = lxml_html.fromstring(text).get_element_by_id("contentBox")
    layout = box.xpath("./table")[0]
    nested = layout.xpath(".//td//table")
    assert len(nested) == 3                                   # 二, 三, 四 nested in layout cells
    s3 = nested[1]
    assert s3.xpath(".//td[@rowspan='22']") and s3.xpath(".//td[@rowspan='8']")
    # rowspan=3: the header block, （四） and （六）; rowspan=5: （五）
    assert [len(s3.xpath(f".//td[@rowspan='{n}']")) for n in (3, 5)] == [3, 1]
    assert 'class=MsoNormal' in text and "<o:p></o:p>" in text and "申请人情</span>" in text
    for heading in ("一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                    "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"):
        assert heading in re.sub(r"<[^>]+>", "", text)


def test_robots_allows_the_report_paths(server):
    robots = get(server, "/robots.txt")
    rules = Protego.parse(robots.text)
    for path in ("/ldxrmzf2024zfnbzf/article/633321", API, "/governmentInfo/ldx_zfxxgk/zfxxgknb"):
        assert rules.can_fetch(BASE + path, "ogi-scrape")
    assert get(server, "/columns.json").status == 404          # fixture data is not served


# --------------------------------------------------------------------------- fixture fidelity


def grid(table) -> list[list[str]]:
    """Expand rowspan/colspan into a rectangular grid of cell texts (independent of the parser)."""
    out: dict[tuple[int, int], str] = {}
    for r, tr in enumerate(table.xpath("./tbody/tr | ./tr")):
        c = 0
        for td in tr.xpath("./td | ./th"):
            while (r, c) in out:
                c += 1
            text = re.sub(r"\s+", "", td.text_content().replace("\xa0", ""))
            for dr in range(int(td.get("rowspan", 1))):
                for dc in range(int(td.get("colspan", 1))):
                    out[(r + dr, c + dc)] = text
            c += int(td.get("colspan", 1))
    rows = max(r for r, _ in out) + 1
    cols = max(c for _, c in out) + 1
    return [[out.get((r, c), "") for c in range(cols)] for r in range(rows)]


def page_values(server, path) -> dict[str, float]:
    box = lxml_html.fromstring(get(server, path).text).get_element_by_id("contentBox")
    s2, s3, s4 = (grid(t) for t in box.xpath(".//td//table"))
    values = {}
    s2_cells = {"规章": ["regulation.issued", "regulation.repealed", "regulation.in_force"],
                "行政规范性文件": ["normative_doc.issued", "normative_doc.repealed", "normative_doc.in_force"],
                "行政许可": ["licensing.decisions"], "行政处罚": ["punishment.decisions"],
                "行政强制": ["coercion.decisions"], "行政事业性收费": ["fee.amount"]}
    for row in s2:
        for code, cell in zip(s2_cells.get(row[0], []), row[1:]):
            values["s2." + code] = float(cell)
    assert len(s3[0]) == 10 and len(s3) == 28
    s3_rows = ["new", "carried_over", "granted", "partial", *[f"denied.{x}" for x in (
        "state_secret", "law_forbidden", "security_stability", "third_party", "internal_affairs",
        "process_info", "enforcement_file", "admin_query")], "unable.not_held", "unable.needs_creation",
        "unable.unclear", "rejected.petition", "rejected.repeat", "rejected.publication", "rejected.mass_repeat",
        "rejected.confirm", "other.overdue_correction", "other.overdue_fee", "other.other", "total",
        "carried_forward"]
    cols = ["natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org", "total"]
    for name, row in zip(s3_rows, s3[3:]):
        for col, cell in zip(cols, row[3:]):
            values[f"s3.{name}.{col}"] = float(cell)
    assert len(s4) == 4 and len(s4[0]) == 15
    outcomes = ["upheld", "corrected", "other", "pending", "total"]
    for i, cell in enumerate(s4[3]):
        proc = ["reconsideration", "litigation_direct", "litigation_after"][i // 5]
        values[f"s4.{proc}.{outcomes[i % 5]}"] = float(cell)
    return values


@pytest.mark.corpus
@pytest.mark.skipif(not GOLD.exists(), reason="the shared seed corpus is not present")
def test_the_2024_page_carries_every_seed_figure_in_its_grid_position(server):
    gold = json.loads(GOLD.read_text("utf-8"))["values"]
    values = page_values(server, "/ldxrmzf2024zfnbzf/article/633321")
    assert len(gold) == 200
    assert values == {code: float(v) for code, v in gold.items()}


def test_the_invented_2023_report_is_internally_consistent(server):
    v = page_values(server, "/ldxrmzf2023zfnbzf/article/568102")
    cols = ["natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org"]
    rows = {k.rsplit(".", 1)[0] for k in v if k.startswith("s3.")}
    for row in rows:
        assert sum(v[f"{row}.{c}"] for c in cols) == v[f"{row}.total"], row
    results = [r for r in rows if r not in ("s3.new", "s3.carried_over", "s3.total", "s3.carried_forward")]
    assert sum(v[f"{r}.total"] for r in results) == v["s3.total.total"]
    assert v["s3.new.total"] + v["s3.carried_over.total"] == v["s3.total.total"] + v["s3.carried_forward.total"]
    for p in ("reconsideration", "litigation_direct", "litigation_after"):
        assert sum(v[f"s4.{p}.{o}"] for o in ("upheld", "corrected", "other", "pending")) == v[f"s4.{p}.total"]
    assert v["s2.normative_doc.in_force"] == 14       # carries into 2024's 14 with nothing issued


@pytest.mark.corpus
@pytest.mark.skipif(not GOLD.exists(), reason="the shared seed corpus is not present")
def test_the_parser_reads_the_served_2024_report_exactly(server):
    from ogi_scrape.parse import parse_bytes

    page = get(server, "/ldxrmzf2024zfnbzf/article/633321")
    result = parse_bytes(page.content, content_type=page.headers.get("content-type"), url=REPORT_2024).to_dict()
    gold = json.loads(GOLD.read_text("utf-8"))["values"]
    got = {v["code"]: v["value"] for v in result["values"]}
    assert (result["status"], result["template"], result["year"]) == ("ok", "gb2021", 2024)
    assert {code: float(got[code]) for code in gold} == {code: float(v) for code, v in gold.items()}
