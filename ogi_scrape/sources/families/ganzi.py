"""Discovery on the Ganzi (甘孜) "site-service" platform (www.luding.gov.cn, baiyu.gov.cn,
fgw.gzz.gov.cn): see portals.md §2.5.

Why an adapter of its own: the column pages are JS shells, so link-following finds nothing.
The lists come from ``POST /site-service/c/manuscript/getManuscriptListByColumnId`` with a
JSON body ``{"columnId", "current", "size", "type": false}``; the answer is a page object
(``data.records``, ``data.pages``). Articles live at ``/<columnFolder>/article/<id>``, body in
``#contentBox``. When the registry names no columns, the server-rendered 政府信息公开 area
(``/governmentInfo/<abbr>_zfxxgk/…``, rows ``.rgith > div > div.list-item``) leads to them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from ogi_scrape.errors import FetchFailed, NotFound
from ogi_scrape.sources.candidates import (
    Candidate,
    CandidateList,
    column_kind_from_name,
    looks_like_report_link,
    normalise_text,
)
from ogi_scrape.sources.families import field_of, read_pages

LIST_API = "/site-service/c/manuscript/getManuscriptListByColumnId"
PAGE_SIZE = 15
MAX_PAGES = 100            # 1,500 articles in one report column would be a portal bug
BODY_SELECTOR = "#contentBox"
_COLUMN_PATH = re.compile(r"/(?P<folder>[A-Za-z0-9_-]+)/c/(?P<id>\d+)/?$")

COLUMN_KEYS = ("folder",)
OPTION_KEYS = ("list_endpoint", "page_size", "zfxxgk_path")


@dataclass
class ColumnRef:
    column_id: str
    url: str | None
    kind: str | None
    name: str | None = None

    def label(self) -> str:
        return f"{self.name or 'column'} (columnId {self.column_id}{', ' + self.url if self.url else ''})"


async def discover(source, fetcher, *, year: int, kind: str = "government") -> CandidateList:
    base = field_of(source, "base_url")
    if not base:
        raise FetchFailed("the source has no base_url; the Ganzi adapter needs the portal address")
    options = field_of(source, "options", {}) or {}
    endpoint = urljoin(base, options.get("list_endpoint", LIST_API))
    size = int(options.get("page_size", PAGE_SIZE))
    columns = [_column_ref(c) for c in field_of(source, "columns", ())]
    via_hub = not columns
    if via_hub:
        columns = await columns_from_zfxxgk(base, fetcher, options.get("zfxxgk_path"))
    result = CandidateList(source=field_of(source, "name", base),
                           searched=[c.label() for c in columns])
    seen: set[str] = set()
    failures: list[FetchFailed] = []
    for i, column in enumerate(columns):
        try:
            records = [r async for r in list_column(fetcher, endpoint, column, size=size,
                                                   referer=column.url or base)]
        except FetchFailed as exc:
            # One bad column (a moved id, a flaky answer) must not hide the others' reports;
            # an anti-bot wall (Blocked) still stops the whole discovery.
            failures.append(exc)
            result.searched[i] += f" — failed: {exc.message}"
            continue
        for record in records:
            url = article_url(base, record, column)
            if url in seen:
                continue
            seen.add(url)
            cand = Candidate.from_listing(
                url, str(record.get("title") or ""),
                published=record.get("releaseTime") or record.get("time"),
                via=f"ganzi list API, {column.label()}" + (" (found via the 政府信息公开 hub)" if via_hub else ""),
                column_kind=column.kind)
            if cand is None:
                result.skipped += 1
                continue
            result.append(cand)
    if failures and len(failures) == len(columns):
        raise failures[0]
    await read_pages(result, fetcher, year=year, kind=kind,
                     body_selector=options.get("body_selector", BODY_SELECTOR))
    return result


def _column_ref(column) -> ColumnRef:
    url = field_of(column, "url")
    column_id = field_of(column, "column_id")
    if not column_id and url:
        m = _COLUMN_PATH.search(urlsplit(url).path)
        column_id = m.group("id") if m else None
    if not column_id:
        raise FetchFailed(f"registry column {url or column!r} has no column_id and its URL is not "
                          f"/<folder>/c/<columnId>; add column_id = \"…\" to the registry entry")
    return ColumnRef(column_id=str(column_id), url=url, kind=field_of(column, "kind"),
                     name=field_of(column, "name"))


def article_url(base: str, record: dict, column: ColumnRef) -> str:
    link = str(record.get("linkUrl") or "").strip()
    if link:                      # an entry that points elsewhere (re-post, external page)
        return urljoin(base, link)
    folder = record.get("columnFolder")
    if not folder and column.url:
        m = _COLUMN_PATH.search(urlsplit(column.url).path)
        folder = m.group("folder") if m else None
    return urljoin(base, f"/{folder}/article/{record['id']}")


async def list_column(fetcher, endpoint: str, column: ColumnRef, *, size: int = PAGE_SIZE,
                      referer: str | None = None):
    """Every record of a column, page by page until ``current == pages`` (an empty column
    answers ``pages: 0`` and no records)."""
    current = 1
    while True:
        response = await fetcher.post(
            endpoint, json={"columnId": column.column_id, "current": current, "size": size, "type": False},
            headers={"Referer": referer or endpoint, "Accept": "application/json, text/plain, */*"})
        status = getattr(response, "status", 200)
        if status >= 400:
            raise FetchFailed(f"{endpoint}: the list API answered HTTP {status} for {column.label()}")
        try:
            payload = json.loads(response.content)
        except ValueError:
            raise FetchFailed(f"{endpoint}: the answer for {column.label()} is not JSON; "
                              f"is this portal really on the Ganzi site-service platform?") from None
        data = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(data, dict):
            raise FetchFailed(f"{endpoint}: no page object in the answer for {column.label()} "
                              f"(code {payload.get('code') if isinstance(payload, dict) else '?'}, "
                              f"msg {payload.get('msg') if isinstance(payload, dict) else '?'})")
        records = data.get("records") or []
        for record in records:
            if isinstance(record, dict) and record.get("id") is not None:
                yield record
        pages = int(data.get("pages") or 0)
        if not records or current >= pages or current >= MAX_PAGES:
            return
        current += 1


async def columns_from_zfxxgk(base: str, fetcher, zfxxgk_path: str | None = None) -> list[ColumnRef]:
    """Report columns listed in the server-rendered 政府信息公开 area, for portals whose
    registry entry names none: home page → /governmentInfo/… hub → its 年报 page → columns."""
    from lxml import html as lxml_html

    if zfxxgk_path:
        hub = urljoin(base, zfxxgk_path.rstrip("/") + "/index")
    else:
        home = await fetcher.get(base)
        doc = lxml_html.fromstring(home.text)
        hrefs = [a.get("href") for a in doc.iter("a") if "/governmentInfo/" in (a.get("href") or "")]
        if not hrefs:
            raise NotFound(f"{base}: no link to a /governmentInfo/ 政府信息公开 area on the home page",
                           hint="add the report columns (column_id) to the registry entry")
        hub = urljoin(base, hrefs[0])
    pages = [hub]
    found: dict[str, ColumnRef] = {}
    visited: set[str] = set()
    while pages and len(visited) < 5:
        url = pages.pop(0)
        if url in visited:
            continue
        visited.add(url)
        doc = lxml_html.fromstring((await fetcher.get(url)).text)
        # The platform's rows are ``.rgith > div > div.list-item`` (sic); read them first, then
        # the menu and any other link (the 年报 entry usually sits in the left menu).
        rows = doc.xpath("//*[contains(concat(' ', normalize-space(@class), ' '), ' rgith ')]"
                         "/div/div[contains(concat(' ', normalize-space(@class), ' '), ' list-item ')]//a[@href]")
        for a in [*rows, *doc.xpath("//a[@href]")]:
            href = urljoin(url, a.get("href"))
            text = normalise_text(a.get("title") or a.text_content())
            m = _COLUMN_PATH.search(urlsplit(href).path)
            if m and looks_like_report_link(text, href):
                found.setdefault(m.group("id"), ColumnRef(
                    column_id=m.group("id"), url=href, name=text,
                    kind=column_kind_from_name(text, href) or "mixed"))
            elif "/governmentInfo/" in href and looks_like_report_link(text, href):
                pages.append(href)
    if not found:
        raise NotFound(f"{base}: the 政府信息公开 area ({', '.join(sorted(visited))}) lists no report columns",
                       hint="add the report columns (column_id) to the registry entry")
    return list(found.values())
