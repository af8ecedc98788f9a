"""Guangdong 省统一信息公开目录 (gkmlpt): the SPA shell, its JSON API and content pages.

On a real gkmlpt portal the list page is a Vue application: ``/gkmlpt/index`` carries no
article links at all, only ``window._CONFIG`` with the site id (``SID``) and the category tree
(``TREE``); the browser then calls ``/gkmlpt/api/all/<category>?page=<n>&sid=<SID>``. Quirks
reproduced (portals.md §2.3): 100 articles per page; pages 0 and 1 return the same first
hundred (a scraper counting from 0 sees duplicates, one counting from 1 sees all); a page past
the end returns an empty ``articles`` list; content pages live at
``/gkmlpt/content/<id // 1_000_000>/<id // 1000>/post_<id>.html`` and are server-rendered
with the metadata table plus ``window._CONFIG.DETAIL`` holding the same content as JSON.

Everything comes from the site's ``gkmlpt.json`` (``sid``, ``site_name``, ``tree``,
``articles`` newest first) and ``_bodies/post_<id>.html`` (the editor HTML of each article).
Neither the data file nor ``_bodies/`` is served: they do not exist on the real portal.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from html import escape

from ogi_scrape.replica.server import ReplicaRequest, ReplicaResponse, ReplicaSite

DATA_FILE = "gkmlpt.json"
_API_RE = re.compile(r"^/gkmlpt/api/all/(\d+)$")
_CONTENT_RE = re.compile(r"^/gkmlpt/content/(\d+)/(\d+)/post_(\d+)\.html$")
_CST = timezone(timedelta(hours=8))


def _not_found() -> ReplicaResponse:
    return ReplicaResponse(404, {"Content-Type": "text/html; charset=utf-8"},
                           b"<html><body><h1>404 Not Found</h1></body></html>")


def _data(site: ReplicaSite) -> dict:
    return json.loads(site.read(DATA_FILE).decode("utf-8"))


def _day(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, _CST).strftime("%Y-%m-%d")


def _index(data: dict) -> ReplicaResponse:
    tree = json.dumps(data["tree"], ensure_ascii=False)
    name = escape(data["site_name"])
    page = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="SiteName" content="{name}">
<meta name="ColumnName" content="政府信息公开">
<title>{name} - 政府信息公开</title>
<link rel="stylesheet" href="/gkmlpt/static/css/app.css">
<script>
window._CONFIG = {{
    SID: '{data["sid"]}',
    SITE_NAME: '{name}',
    STATIC_URL: '/gkmlpt/static',
    TREE: {tree},
    IS_SPECIAL: false
}};
</script>
</head>
<body>
<div id="gkmlpt-header"><span>政府信息公开</span><span>规章库</span></div>
<div id="app"></div>
<noscript>请开启浏览器的JavaScript功能以浏览政府信息公开目录。</noscript>
<script src="/gkmlpt/static/js/manifest.js"></script>
<script src="/gkmlpt/static/js/vendor.js"></script>
<script src="/gkmlpt/static/js/app.js"></script>
</body>
</html>
"""
    return ReplicaResponse.html(page)


def _public(article: dict) -> dict:
    return {k: v for k, v in article.items() if k != "classify_id"}


def _api(request: ReplicaRequest, site: ReplicaSite, category: int) -> ReplicaResponse:
    data = _data(site)
    if request.query.get("sid") != data["sid"]:
        return ReplicaResponse.json_body({"code": 404, "message": "站点不存在"}, 404)
    node = next((n for n in data["tree"] if n["id"] == category), None)
    if category != 0 and node is None:
        return ReplicaResponse.json_body({"code": 404, "message": "栏目不存在"}, 404)
    articles = [a for a in data["articles"] if category == 0 or a["classify_id"] == category]
    try:
        page = max(0, int(request.query.get("page", "0")))
    except ValueError:
        page = 0
    per = int(data.get("per_page", 100))
    start = max(0, page - 1) * per          # pages 0 and 1 are the same first page
    chunk = articles[start:start + per]
    return ReplicaResponse.json_body({
        "classify": {"id": category, "name": node["name"] if node else "全部",
                     "post_count": len(articles)},
        "articles": [_public(a) for a in chunk],
    })


def _content(site: ReplicaSite, a: str, b: str, post: str) -> ReplicaResponse:
    pid = int(post)
    if int(a) != pid // 1_000_000 or int(b) != pid // 1000:
        return _not_found()
    data = _data(site)
    art = next((x for x in data["articles"] if x["id"] == pid), None)
    body_rel = f"_bodies/post_{pid}.html"
    if art is None or not site.exists(body_rel):
        return _not_found()
    body = site.read(body_rel).decode("utf-8")
    node = next((n for n in data["tree"] if n["id"] == art["classify_id"]), {"name": ""})
    detail = dict(_public(art), content=body, classify_name=node["name"])
    detail_json = json.dumps(detail, ensure_ascii=False).replace("</", "<\\/")
    att = ""
    if art["attachment"]:
        links = "".join(f'<li><a href="{escape(x["url"])}">{escape(x["name"])}</a></li>'
                        for x in art["attachment"])
        att = f'<div class="attachment"><p>附件：</p><ul>{links}</ul></div>'
    title = escape(art["title"])
    day = _day(art["date"])
    page = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="SiteName" content="{escape(data['site_name'])}">
<meta name="ArticleTitle" content="{title}">
<meta name="PubDate" content="{day}">
<meta name="ContentSource" content="{escape(art['publisher'])}">
<title>{title}</title>
<link rel="stylesheet" href="/gkmlpt/static/css/app.css">
<script>
window._CONFIG = {{
    SID: '{data["sid"]}',
    DETAIL: {detail_json}
}};
</script>
</head>
<body>
<div id="gkmlpt-header"><span>政府信息公开</span><span>规章库</span></div>
<div class="content-container">
<div class="introduce">
<table class="classify">
<tr><td class="td-title">索引号：</td><td class="td-value">{escape(art['identifier'])}</td><td class="td-title">分类：</td><td class="td-value">{escape(node['name'])}</td></tr>
<tr><td class="td-title">发布机构：</td><td class="td-value">{escape(art['publisher'])}</td><td class="td-title">成文日期：</td><td class="td-value">{day}</td></tr>
<tr><td class="td-title">名称：</td><td class="td-value" colspan="3">{title}</td></tr>
<tr><td class="td-title">文号：</td><td class="td-value">{escape(art['document_number'])}</td><td class="td-title">发布日期：</td><td class="td-value">{day}</td></tr>
<tr><td class="td-title">主题词：</td><td class="td-value" colspan="3"></td></tr>
</table>
</div>
<div class="content">
<h1 class="title">{title}</h1>
<div class="article-content">
{body}
</div>
{att}
</div>
</div>
</body>
</html>
"""
    return ReplicaResponse.html(page)


def handle(request: ReplicaRequest, site: ReplicaSite) -> ReplicaResponse | None:
    path = request.path
    if path == "/" + DATA_FILE or path.startswith("/_bodies/"):
        return _not_found()
    if path in ("/gkmlpt/index", "/gkmlpt/index.html", "/gkmlpt/", "/gkmlpt"):
        return _index(_data(site))
    m = _API_RE.match(path)
    if m:
        return _api(request, site, int(m.group(1)))
    m = _CONTENT_RE.match(path)
    if m:
        return _content(site, *m.groups())
    return None
