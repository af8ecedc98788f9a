"""Hanweb discovery against the 嘉善 and 海盐 replicas over real HTTP.

The 嘉善 column holds 100 records: the column page embeds the first 45 in a <datastore>, the
rest only come from dataproxy.jsp (docs/replicas.md "Hanweb: 嘉善"). The registry points at a
JS location.href stub in front of the column. 海盐 answers the 瑞数 412 challenge.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from lxml import html as lxml_html

from ogi_scrape.errors import Blocked, NotFound
from ogi_scrape.replica.testing import (
    PORTALS,
    patient_settings,
    replica_fixture,
    run_with_fetcher,
)
from ogi_scrape.sources import load_registry
from ogi_scrape.sources.candidates import pick
from ogi_scrape.sources.families import adapter_for, hanweb

SETTINGS = patient_settings()
HOST = "www.jiashan.gov.cn"
BLOCKED_HOST = "www.haiyan.gov.cn"
COLUMN_ID = "1229850102"
COLUMN = f"/col/col{COLUMN_ID}/index.html"
STUB = "/col/col1229850101/index.html"
PROXY = "/module/web/jpage/dataproxy.jsp"
RECORDS = json.loads((PORTALS / HOST / "jpage.json").read_text("utf-8"))["columns"][COLUMN_ID]


server = replica_fixture(HOST, BLOCKED_HOST, scope="module")


@pytest.fixture
def registry():
    return load_registry()


def run(server, job):
    server.clear_requests()
    return run_with_fetcher(server, job, settings=SETTINGS)


def record_url(title):
    rec = next(r for r in RECORDS["records"] if r["title"] == title)
    return f"http://{HOST}{rec['url']}", RECORDS["records"].index(rec)


def test_report_beyond_the_embedded_group_is_found_through_dataproxy(server, registry):
    source = registry.get("330421-jiashan")
    found = run(server, lambda f: hanweb.discover(source, f, year=2021, kind="government"))
    title = "嘉善县人民政府2021年政府信息公开工作年度报告"
    url, position = record_url(title)
    assert position >= 45                                  # not in the column page's HTML
    chosen = pick(found, 2021, "嘉善县", "government").candidate
    assert (chosen.title, chosen.url, chosen.body_kind) == (title, url, "government")
    assert chosen.has_body is True
    posts = [r for r in server.requests_for(HOST, PROXY) if r.method == "POST"]
    starts = [parse_qs(urlsplit(r.target).query)["startrecord"][0] for r in posts]
    assert starts == ["46", "91"]                          # groups 1 and 2, then totalrecord=100
    form = parse_qs(posts[0].body.decode())
    assert form["columnid"] == [COLUMN_ID] and form["unitid"] == [RECORDS["unitid"]]
    # every record of the column became a candidate or was counted as skipped
    assert len(found) + found.skipped == len(RECORDS["records"])


def test_js_stub_in_front_of_the_column_is_followed(server, registry):
    source = registry.get("330421-jiashan")
    found = run(server, lambda f: hanweb.discover(source, f, year=2024, kind="government"))
    targets = [r.target for r in server.requests_for(HOST)]
    assert targets.index(STUB) < targets.index(COLUMN)
    assert not any("index_1.html" in t for t in targets)   # Hanweb has no static page 2
    chosen = pick(found, 2024, "嘉善县", "government").candidate
    assert chosen.title == "嘉善县人民政府2024年政府信息公开工作年度报告"


def test_township_distractors_are_listed_but_not_picked(server, registry):
    source = registry.get("330421-jiashan")
    found = run(server, lambda f: hanweb.discover(source, f, year=2024, kind="government"))
    dayun, _ = record_url("嘉善县大云镇人民政府2024年政府信息公开工作年度报告")
    by_url = {c.url: c for c in found}
    assert by_url[dayun].body_kind == "township"
    assert by_url[dayun].has_body is None                  # its page was not even fetched
    assert pick(found, 2024, "嘉善县", "government").candidate.url != dayun
    fetched = {r.target for r in server.requests_for(HOST)}
    assert urlsplit(dayun).path not in fetched


def test_embedded_group_is_the_first_45_records_of_the_column(server):
    page = run(server, lambda f: f.get(f"http://{HOST}{COLUMN}"))
    records, nextgroup = hanweb.parse_datastore(page.text)
    assert len(RECORDS["records"]) > 45
    urls = [re.search(r"href='([^']+)'", r).group(1) for r in records]
    assert urls == [r["url"] for r in RECORDS["records"][:45]]
    assert parse_qs(urlsplit(nextgroup).query)["page"] == ["1"]
    # an HTML parser sees no record links at all: they are script text until jpage.js runs
    doc = lxml_html.fromstring(page.text)
    assert [a for a in doc.iter("a") if "/art/" in (a.get("href") or "")] == []


def test_dataproxy_get_and_post_forms_agree(server):
    async def both(f):
        query = f"appid=1&webid={RECORDS['webid']}&path=/&columnid={COLUMN_ID}&unitid={RECORDS['unitid']}"
        get = await f.get(f"http://{HOST}{PROXY}?page=1&{query}")
        post = await f.post(f"http://{HOST}{PROXY}?startrecord=46&endrecord=90&perpage=15",
                            data={"col": "1", "appid": "1", "webid": RECORDS["webid"], "path": "/",
                                  "columnid": COLUMN_ID, "sourceContentType": "1",
                                  "unitid": RECORDS["unitid"], "webname": RECORDS["webname"],
                                  "permissiontype": "0"})
        return get, post
    get, post = run(server, both)
    records = lambda text: re.findall(r"<record><!\[CDATA\[(.*?)\]\]></record>", text)  # noqa: E731
    assert records(get.text) == records(post.text) and len(records(get.text)) == 45
    assert "<totalrecord>100</totalrecord>" in post.text and "<totalpage>7</totalpage>" in post.text


def test_refused_post_falls_back_to_the_get_form(server, registry):
    source = registry.get("330421-jiashan")
    server.inject(HOST, PROXY, ["status:405", "ok", "status:405", "ok"])
    try:
        found = run(server, lambda f: hanweb.discover(source, f, year=2020, kind="government"))
    finally:
        server.inject(HOST, PROXY, ["ok"])
    methods = [r.method for r in server.requests_for(HOST, PROXY)]
    assert methods == ["POST", "GET", "POST", "GET"]
    assert pick(found, 2020, "嘉善县", "government").candidate.year == 2020


def test_static_page_two_does_not_exist(server):
    with pytest.raises(NotFound):
        run(server, lambda f: f.get(f"http://{HOST}/col/col{COLUMN_ID}/index_1.html"))


def test_ruishu_412_is_reported_as_blocked_after_one_request(server, registry):
    source = registry.get("330424-haiyan")
    column = "/col/col1229547812/index.html"
    with pytest.raises(Blocked) as err:
        run(server, lambda f: adapter_for(source.family).discover(source, f, year=2024))
    assert BLOCKED_HOST in str(err.value) or column in str(err.value)
    assert len(server.requests_for(BLOCKED_HOST, column)) == 1


def test_datastore_without_recordset_wrapper():
    text = ("<script type='text/xml'><datastore><![CDATA[<li><a class=\"font14\" "
            "href=\"/art/2026/7/14/art_5301_1.html\">海事局2025年政府信息公开工作年度报告</a>"
            "<span>2026-07-14</span></li>]]></datastore></script>")
    records, nextgroup = hanweb.parse_datastore(text)
    assert nextgroup is None
    item = hanweb.parse_record(records[0], "http://www.sd.msa.gov.cn/col/col5301/index.html", "x")
    assert (item.url, item.title, item.date) == (
        "http://www.sd.msa.gov.cn/art/2026/7/14/art_5301_1.html",
        "海事局2025年政府信息公开工作年度报告", "2026-07-14")


def test_iframe_column_page_has_no_datastore():
    assert hanweb.parse_datastore("<html><body><iframe name='xxgk_col_iframe'></iframe></body></html>") is None


def test_the_replica_data_file_is_not_served(server):
    with pytest.raises(NotFound):
        run(server, lambda f: f.get(f"http://{HOST}/jpage.json"))


def test_scrape_command_ends_blocked_with_exit_code_4(tmp_path, capsys):
    from ogi_scrape.cli import main
    from ogi_scrape.errors import EXIT_BLOCKED

    root = tmp_path / "portals"
    root.mkdir()
    (root / BLOCKED_HOST).symlink_to(PORTALS / BLOCKED_HOST, target_is_directory=True)
    code = main(["scrape", "--county", "海盐县", "--year", "2024", "--mirror", str(root),
                 "--out", str(tmp_path / "out")])
    out = capsys.readouterr()
    assert code == EXIT_BLOCKED
    assert "blocked" in out.out + out.err and "412" in out.out + out.err
    assert "Traceback" not in out.out + out.err


def test_dataproxy_answers_an_empty_store_for_an_unknown_column(server):
    r = run(server, lambda f: f.post(f"http://{HOST}{PROXY}?startrecord=1&endrecord=45&perpage=15",
                                     data={"columnid": "999", "unitid": "1"}))
    assert "<totalrecord>0</totalrecord>" in r.text and "<record>" not in r.text
