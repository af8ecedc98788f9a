"""The Ganzi (甘孜) "site-service" platform, as www.luding.gov.cn and baiyu.gov.cn serve it.

Why this is a handler and not static files: on the real platform the column pages are empty
JS shells and the list comes from ``POST /site-service/c/manuscript/getManuscriptListByColumnId``
(JSON in, MyBatis-style page object out), and article pages are one CMS template filled per
article. A discovery adapter that only works on saved HTML would pass here and fail on the
real site, so the replica answers the same requests the same way.

Everything portal-specific is data in the site folder:

``columns.json``            columns (id, folder, name, kind) and their articles (id, title,
                            releaseTime, source, file)
``templates/*.html``        the page chrome, with ``{{name}}`` placeholders
``articles/<id>.html``      the article bodies as pasted into the CMS editor

Paths answered here (anything else falls through to static files such as ``robots.txt``):

``/``                                        home page
``/<folder>/c/<columnId>``                   column shell (no list in the HTML)
``POST /site-service/c/manuscript/getManuscriptListByColumnId``   the list API
``/<folder>/article/<id>``                   article page (404 if the folder is not the
                                             article's column, as the CMS routes by both)
``/governmentInfo/<abbr>_zfxxgk/index``      server-rendered 政府信息公开 hub
``/governmentInfo/<abbr>_zfxxgk/zfxxgknb``   server-rendered list of the report columns
"""

from __future__ import annotations

import html
import json
import math
import re
from functools import lru_cache
from pathlib import Path

from ogi_scrape.replica.server import ReplicaRequest, ReplicaResponse, ReplicaSite

LIST_API = "/site-service/c/manuscript/getManuscriptListByColumnId"
# Site-internal data that the real web server would never expose.
_PRIVATE = re.compile(r"^/(templates|articles|_source)(/|$)|^/columns\.json$")
_COLUMN = re.compile(r"^/(?P<folder>[A-Za-z0-9_]+)/c/(?P<id>\d+)/?$")
_ARTICLE = re.compile(r"^/(?P<folder>[A-Za-z0-9_]+)/article/(?P<id>\d+)/?$")
REPORT_KINDS = ("government", "department", "township")


class _Data:
    """columns.json indexed for lookups; rebuilt when the file changes (tests edit copies)."""

    def __init__(self, raw: dict):
        self.site = raw.get("site", {})
        self.columns = raw["columns"]
        self.by_column_id = {str(c["id"]): c for c in self.columns}
        self.by_article_id = {}
        for column in self.columns:
            for article in column["articles"]:
                self.by_article_id[str(article["id"])] = (column, article)


@lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> _Data:
    return _Data(json.loads(Path(path).read_text("utf-8")))


def _data(site: ReplicaSite) -> _Data:
    path = site.root / "columns.json"
    return _load(str(path), path.stat().st_mtime)


def _template(site: ReplicaSite, name: str, **values: str) -> str:
    text = site.read(f"templates/{name}").decode("utf-8")
    values.setdefault("header", site.read("templates/_header.html").decode("utf-8"))
    values.setdefault("footer", site.read("templates/_footer.html").decode("utf-8"))
    return re.sub(r"\{\{(\w+)\}\}", lambda m: values.get(m.group(1), ""), text)


def _not_found(site: ReplicaSite) -> ReplicaResponse:
    body = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>404-页面不存在</title></head>"
            "<body><div class=\"error\">抱歉，您访问的页面不存在或已被删除！<a href=\"/\">返回首页</a></div></body></html>")
    return ReplicaResponse.html(body, status=404)


def _zfxxgk_prefix(data: _Data) -> str:
    return data.site.get("zfxxgkPath", "/governmentInfo/zfxxgk").rstrip("/")


# --------------------------------------------------------------------------- entry point


def handle(request: ReplicaRequest, site: ReplicaSite) -> ReplicaResponse | None:
    path = request.path
    if _PRIVATE.match(path):
        return _not_found(site)
    data = _data(site)
    if path == LIST_API:
        return _list_api(request, data)
    if request.method not in ("GET", "HEAD"):
        return None
    if path in ("/", "/index", "/index.html"):
        return ReplicaResponse.html(_template(site, "home.html", **_home_values(data)))
    prefix = _zfxxgk_prefix(data)
    if path in (prefix, prefix + "/", prefix + "/index"):
        return ReplicaResponse.html(_template(site, "zfxxgk.html", **_hub_values(data, prefix)))
    if path == prefix + "/zfxxgknb":
        return ReplicaResponse.html(_template(site, "zfxxgk.html", **_report_list_values(data, prefix)))
    m = _COLUMN.match(path)
    if m:
        column = data.by_column_id.get(m.group("id"))
        if column is None or column["folder"] != m.group("folder"):
            return _not_found(site)
        return ReplicaResponse.html(_template(site, "column.html", column_name=html.escape(column["name"]),
                                              column_id=str(column["id"]), folder=column["folder"]))
    m = _ARTICLE.match(path)
    if m:
        hit = data.by_article_id.get(m.group("id"))
        if hit is None or hit[0]["folder"] != m.group("folder"):
            return _not_found(site)
        return ReplicaResponse.html(_article_page(site, data, *hit))
    return None


# --------------------------------------------------------------------------- list API


def _list_api(request: ReplicaRequest, data: _Data) -> ReplicaResponse:
    """Answer like the platform's Spring controller: 405 for GET, 400 for a missing or
    malformed JSON body, an empty page object (pages 0) for an unknown or empty column."""
    if request.method != "POST":
        return ReplicaResponse.json_body({"code": 405, "msg": f"Request method '{request.method}' not supported"},
                                         status=405)
    try:
        body = request.json()
        column_id = str(body["columnId"]).strip()
        current = int(body.get("current", 1))
        size = int(body.get("size", 15))
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return ReplicaResponse.json_body({"code": 400, "msg": "Required request body is missing or invalid"},
                                         status=400)
    current = max(current, 1)
    size = min(max(size, 1), 100)
    column = data.by_column_id.get(column_id)
    articles = column["articles"] if column else []
    total = len(articles)
    pages = math.ceil(total / size)
    chunk = articles[(current - 1) * size: current * size]
    records = [{
        "id": str(a["id"]),
        "columnId": str(column["id"]),
        "columnFolder": column["folder"],
        "columnName": column["name"],
        "title": a["title"],
        "releaseTime": a["releaseTime"],
        "time": a["releaseTime"][:10],
        "source": a.get("source", ""),
        "linkUrl": "",
        "thumbnail": None,
        "isTop": 0,
    } for a in chunk]
    return ReplicaResponse.json_body({
        "code": 200, "msg": "操作成功",
        "data": {"records": records, "total": total, "size": size, "current": current,
                 "pages": pages, "orders": [], "searchCount": True},
    })


# --------------------------------------------------------------------------- pages


def _li(href: str, title: str, date: str) -> str:
    t = html.escape(title)
    return f'   <li><a href="{href}" target="_blank" title="{t}">{t}</a><span class="date">{date}</span></li>'


def _article_page(site: ReplicaSite, data: _Data, column: dict, article: dict) -> str:
    body = site.read(article["file"]).decode("utf-8")
    related = [(c, a) for c in data.columns if c["kind"] in REPORT_KINDS for a in c["articles"]
               if a["id"] != article["id"]]
    related.sort(key=lambda ca: ca[1]["releaseTime"], reverse=True)
    related_html = "\n".join(_li(f"/{c['folder']}/article/{a['id']}", a["title"], a["releaseTime"][:10])
                             for c, a in related[:6])
    return _template(
        site, "article.html",
        id=str(article["id"]), title=html.escape(article["title"]),
        pub_date=article["releaseTime"][:16], release_time=article["releaseTime"],
        source=html.escape(article.get("source", "")), column_name=html.escape(column["name"]),
        column_id=str(column["id"]), folder=column["folder"], body=body, related=related_html)


def _home_values(data: _Data) -> dict:
    news = [(c, a) for c in data.columns if c["kind"] == "news" for a in c["articles"]]
    items = "\n".join(_li(f"/{c['folder']}/article/{a['id']}", a["title"], a["releaseTime"][:10]) for c, a in news)
    return {"news": items, "zfxxgk": _zfxxgk_prefix(data)}


def _menu(prefix: str, active: str) -> str:
    entries = [("index", "政府信息公开"), ("zfxxgkzn", "政府信息公开指南"), ("zfxxgkzd", "政府信息公开制度"),
               ("fdzdgknr", "法定主动公开内容"), ("zfxxgknb", "政府信息公开年报"), ("ysqgk", "依申请公开")]
    on = ' class="on"'
    return "\n".join(f'   <li{on if slug == active else ""}><a href="{prefix}/{slug}">{name}</a></li>'
                     for slug, name in entries)


def _rows(items: list[tuple[str, str, str]]) -> str:
    """The platform's server-rendered rows: ``.rgith > div > div.list-item`` (sic)."""
    return "\n".join(
        f'   <div class="list-item"><a href="{href}" target="_blank" title="{html.escape(t)}">{html.escape(t)}</a>'
        f'<div class="date">{date}</div></div>' for href, t, date in items)


def _hub_values(data: _Data, prefix: str) -> dict:
    news = [(c, a) for c in data.columns if c["kind"] == "news" for a in c["articles"]]
    rows = _rows([(f"/{c['folder']}/article/{a['id']}", a["title"], a["releaseTime"][:10]) for c, a in news])
    return {"menu": _menu(prefix, "index"), "heading": "政务公开动态", "rows": rows}


def _report_list_values(data: _Data, prefix: str) -> dict:
    items = []
    for c in data.columns:
        if c["kind"] not in REPORT_KINDS:
            continue
        latest = max((a["releaseTime"][:10] for a in c["articles"]), default="")
        items.append((f"/{c['folder']}/c/{c['id']}", c["name"], latest))
    return {"menu": _menu(prefix, "zfxxgknb"), "heading": "政府信息公开年报", "rows": _rows(items)}
