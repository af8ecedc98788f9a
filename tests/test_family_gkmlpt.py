"""gkmlpt discovery against the 紫金 replica over real HTTP.

The replica's report category holds 115 articles, so the JSON API has two pages of data
(pages 0 and 1 are the same hundred, page 2 the rest); see docs/replicas.md "gkmlpt: 紫金".
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from ogi_scrape.errors import NotFound
from ogi_scrape.parse import parse_bytes
from ogi_scrape.replica.testing import (
    PORTALS,
    patient_settings,
    replica_fixture,
    run_with_fetcher,
)
from ogi_scrape.sources import load_registry
from ogi_scrape.sources.candidates import pick
from ogi_scrape.sources.families import gkmlpt

SETTINGS = patient_settings()
HOST = "zijin.gov.cn"
DATA = json.loads((PORTALS / HOST / "gkmlpt.json").read_text("utf-8"))
SID = DATA["sid"]


server = replica_fixture(HOST, scope="module")


@pytest.fixture
def source():
    return load_registry().get("441621-zijin")


def run(server, job):
    server.clear_requests()
    return run_with_fetcher(server, job, settings=SETTINGS)


def api_pages(server):
    return [parse_qs(urlsplit(r.target).query)["page"][0]
            for r in server.requests_for(HOST) if r.target.startswith("/gkmlpt/api/")]


def article(title):
    position, art = next((i, a) for i, a in enumerate(DATA["articles"]) if a["title"] == title)
    return position, art


def test_department_report_on_the_second_api_page_is_found(server, source):
    found = run(server, lambda f: gkmlpt.discover(source, f, year=2022, kind="department"))
    title = "紫金县财政局2022年度政府信息公开工作年度报告"
    position, art = article(title)
    assert position >= 100                                 # only page 2 of the API has it
    by_title = {c.title: c for c in found}
    assert by_title[title].url == art["url"] and by_title[title].body_kind == "department"
    assert by_title[title].source_org == "紫金县财政局"
    assert api_pages(server) == ["1", "2"]                 # page 0 would repeat page 1
    # every article of the category is accounted for: a candidate, or a non-report title
    assert len(found) + found.skipped == len(DATA["articles"])


def test_county_report_is_picked_and_its_content_page_is_a_readable_report(server, source):
    found = run(server, lambda f: gkmlpt.discover(source, f, year=2024, kind="government"))
    chosen = pick(found, 2024, "紫金县", "government").candidate
    assert chosen.title == "紫金县人民政府2024年政府信息公开工作年度报告"
    assert chosen.published.startswith("2025-03")
    assert not any(r.target.startswith("/gkmlpt/content/") for r in server.requests_for(HOST))
    post_id = int(chosen.url.rsplit("post_", 1)[1].split(".")[0])
    assert urlsplit(chosen.url).path == (
        f"/gkmlpt/content/{post_id // 1_000_000}/{post_id // 1000}/post_{post_id}.html")
    page = run(server, lambda f: f.get(chosen.url))
    assert "索引号" in page.text and "window._CONFIG" in page.text
    detail = json.loads(page.text.split("DETAIL: ", 1)[1].split("\n};", 1)[0])
    assert detail["id"] == post_id and detail["title"] == chosen.title
    result = parse_bytes(page.content, content_type=page.content_type, url=chosen.url)
    assert (result.template, result.year) == ("gb2021", 2024)


def test_notice_about_the_reports_is_not_a_candidate(server, source):
    found = run(server, lambda f: gkmlpt.discover(source, f, year=2024, kind="government"))
    notice = "关于做好2024年政府信息公开工作年度报告编制和发布工作的通知"
    assert notice in {a["title"] for a in DATA["articles"]}
    assert notice not in {c.title for c in found} and found.skipped >= 1


def test_attachments_come_from_the_api_and_can_be_fetched(server, source):
    found = run(server, lambda f: gkmlpt.discover(source, f, year=2023, kind="government"))
    chosen = pick(found, 2023, "紫金县", "government").candidate
    _, art = article(chosen.title)
    assert chosen.attachments == [a["url"] for a in art["attachment"]] != []
    pdf = run(server, lambda f: f.get(chosen.attachments[0]))
    assert pdf.content.startswith(b"%PDF-")


def test_pages_zero_and_one_are_the_same_and_the_sid_is_required(server):
    async def job(f):
        base = f"http://{HOST}/gkmlpt/api/all/2911"
        zero, one = await f.get(f"{base}?page=0&sid={SID}"), await f.get(f"{base}?page=1&sid={SID}")
        with pytest.raises(NotFound):
            await f.get(f"{base}?page=1&sid=000000")
        return zero, one
    zero, one = run(server, job)
    assert json.loads(zero.text) == json.loads(one.text)
    assert len(json.loads(one.text)["articles"]) == 100
    assert json.loads(one.text)["classify"]["post_count"] == len(DATA["articles"])


def test_index_page_has_no_article_links_only_the_config(server):
    page = run(server, lambda f: f.get(f"http://{HOST}/gkmlpt/index"))
    sid, tree = gkmlpt.read_config(page.text)
    assert sid == SID and gkmlpt.report_categories(tree) == [2911]
    assert "/gkmlpt/content/" not in page.text


def test_data_files_of_the_replica_are_not_served(server):
    for path in ("/gkmlpt.json", f"/_bodies/post_{DATA['articles'][0]['id']}.html"):
        with pytest.raises(NotFound):
            run(server, lambda f: f.get(f"http://{HOST}{path}"))


def test_pinned_category_skips_the_tree_lookup(server, source):
    import dataclasses
    column = dataclasses.replace(source.columns[0], column_id="2911")
    pinned = dataclasses.replace(source, columns=(column,))
    found = run(server, lambda f: gkmlpt.discover(pinned, f, year=2024, kind="government"))
    assert pick(found, 2024, "紫金县", "government").candidate.year == 2024


def test_nested_tree_and_escaped_titles():
    text = ("<script>window._CONFIG = {SID: 'abc123', TREE: [{\"id\": 1, \"name\": \"政府信息公开\", "
            "\"children\": [{\"id\": 7, \"name\": \"政府信息公开年报\", \"jump_url\": \"\"}, "
            "{\"id\": 8, \"name\": \"年度报告专栏\", \"jump_url\": \"http://x.gov.cn/nb/\"}]}]};</script>")
    sid, tree = gkmlpt.read_config(text)
    assert sid == "abc123" and gkmlpt.report_categories(tree) == [7]
    assert gkmlpt.unescape_title("%u7D2B%u91D1%u53BF2024") == "紫金县2024"


def test_content_path_must_follow_the_id_rule(server):
    post = DATA["articles"][0]["id"]
    good = f"http://{HOST}/gkmlpt/content/{post // 1_000_000}/{post // 1000}/post_{post}.html"
    bad = f"http://{HOST}/gkmlpt/content/{post // 1_000_000}/{post // 1000 + 1}/post_{post}.html"
    assert run(server, lambda f: f.get(good)).status == 200
    with pytest.raises(NotFound):
        run(server, lambda f: f.get(bad))
