"""Hanweb JCMS (大汉) jpage behaviour: the ``dataproxy.jsp`` list endpoint.

On a real Hanweb column page only the first *group* of records (3 pages × 15 = 45) is in the
HTML, inside ``<script type="text/xml"><datastore>``; the browser's jpage.js fetches every
further group from ``/module/web/jpage/dataproxy.jsp`` (portals.md §2.2). A scraper that reads
only the HTML therefore silently stops at record 45 — exactly the failure this replica exists
to catch. Both request forms seen in real scrapers are answered:

* GET ``?page=N&appid=…&columnid=…&unitid=…`` → group ``N`` (0-based; the ``nextgroup`` link
  embedded in the column page is ``page=1``, the second group);
* POST ``?startrecord=S&endrecord=E&perpage=P`` with the column in the form body (or the query)
  → records ``S..E`` (1-based, inclusive), as jpage.js sends them.

The column data lives in the site's ``jpage.json`` (one entry per column id: ``unitid``,
``webid``, ``webname``, ``perpage``, ``records`` newest first). The data file itself is not
served: on the real portal it does not exist.
"""

from __future__ import annotations

import json
import math
from html import escape

from ogi_scrape.replica.server import ReplicaRequest, ReplicaResponse, ReplicaSite

DATAPROXY = "/module/web/jpage/dataproxy.jsp"
DATA_FILE = "jpage.json"
GROUP = 45          # records per group: 3 pages of 15, the jpage default


def _columns(site: ReplicaSite) -> dict:
    return json.loads(site.read(DATA_FILE).decode("utf-8"))["columns"]


def _record(rec: dict) -> str:
    title = rec["title"]
    short = title if len(title) <= 22 else title[:22] + "..."
    return (f"<record><![CDATA[<li><a href='{rec['url']}' title='{escape(title, quote=True)}' "
            f"target='_blank'>{escape(short, quote=False)}</a><span>{rec['date']}</span></li>]]></record>")


def _xml(records: list[dict], total: int, perpage: int, next_href: str | None) -> ReplicaResponse:
    parts = ['<?xml version="1.0" encoding="utf-8"?>', "<datastore>"]
    if next_href:
        parts.append(f'<nextgroup><![CDATA[<a href="{next_href}"></a>]]></nextgroup>')
    parts.append("<recordset>")
    parts.extend(_record(r) for r in records)
    parts.append("</recordset>")
    parts.append(f"<totalrecord>{total}</totalrecord>")
    parts.append(f"<totalpage>{math.ceil(total / perpage) if perpage else 0}</totalpage>")
    parts.append("</datastore>")
    return ReplicaResponse(200, {"Content-Type": "text/xml; charset=utf-8"},
                           "\n".join(parts).encode("utf-8"))


def _int(value, default: int) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


def _dataproxy(request: ReplicaRequest, site: ReplicaSite) -> ReplicaResponse:
    params = dict(request.query)
    if request.method == "POST":
        params.update(request.form())
    column = _columns(site).get(str(params.get("columnid", "")).strip())
    if column is None or str(params.get("unitid", column["unitid"])) != column["unitid"]:
        # The real proxy answers an empty store for an unknown column/unit.
        return _xml([], 0, 15, None)
    records = column["records"]
    total = len(records)
    perpage = _int(params.get("perpage"), column.get("perpage", 15)) or 15
    if "startrecord" in params:
        start = max(1, _int(params.get("startrecord"), 1))
        end = min(total, _int(params.get("endrecord"), start + GROUP - 1))
        chunk = records[start - 1:end] if end >= start else []
        return _xml(chunk, total, perpage, None)
    group = max(0, _int(params.get("page"), 0))
    chunk = records[group * GROUP:(group + 1) * GROUP]
    next_href = None
    if (group + 1) * GROUP < total:
        next_href = (f"{DATAPROXY}?page={group + 1}&appid=1&webid={column['webid']}&path=/"
                     f"&columnid={params.get('columnid')}&unitid={column['unitid']}"
                     f"&webname={column['webname']}&permissiontype=0")
    return _xml(chunk, total, perpage, next_href)


def handle(request: ReplicaRequest, site: ReplicaSite) -> ReplicaResponse | None:
    if request.path == "/" + DATA_FILE:
        return ReplicaResponse(404, {"Content-Type": "text/html; charset=utf-8"},
                               b"<html><body><h1>404 Not Found</h1></body></html>")
    if request.path == DATAPROXY:
        if request.method not in ("GET", "POST"):
            return ReplicaResponse(405, {"Allow": "GET, POST"}, b"")
        return _dataproxy(request, site)
    return None
