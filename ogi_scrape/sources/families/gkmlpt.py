"""Discovery on Guangdong's 省统一信息公开目录 (gkmlpt): ``_CONFIG`` plus a JSON API.

``/gkmlpt/index`` is a Vue shell with no article links. It embeds ``window._CONFIG`` with the
site id (``SID``) and the category tree (``TREE``); the list of a category comes from
``/gkmlpt/api/all/<category>?page=<n>&sid=<SID>`` as JSON, 100 articles a page, each with
title, publisher, 索引号, dates, URL and attachments (portals.md §2.3). So the adapter reads
the SID and finds the annual-report categories by name in the tree (their ids differ per
site), then pages the API from page 1 — pages 0 and 1 return the same hundred — until the
category's ``post_count`` is reached or a page adds nothing new. The JSON already says
everything a candidate needs, so article pages are not fetched here.

Some sites escape titles as ``%uXXXX``; they are unescaped before the title is classified.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import urljoin

from ogi_scrape.errors import NotFound
from ogi_scrape.sources import candidates
from ogi_scrape.sources.families import _shared, field_of

log = logging.getLogger(__name__)

COLUMN_KEYS = ("list_url",)
OPTION_KEYS = ("site_id",)

MAX_PAGES = 200
_SID_RE = re.compile(r"""\bSID\s*:\s*['"]?([\w-]+)['"]?""")
_TREE_RE = re.compile(r"\bTREE\s*:\s*\[")
_UESC_RE = re.compile(r"%u([0-9a-fA-F]{4})")
# Category names under which gkmlpt sites file the annual reports.
_REPORT_CATEGORY_RE = re.compile(r"年报|年度报告")
_CST = timezone(timedelta(hours=8))


def read_config(text: str) -> tuple[str | None, list[dict]]:
    """``(SID, TREE)`` from the ``window._CONFIG`` of a gkmlpt page."""
    sid = _SID_RE.search(text)
    tree: list[dict] = []
    m = _TREE_RE.search(text)
    if m:
        try:
            tree, _ = json.JSONDecoder().raw_decode(text, m.end() - 1)
        except ValueError:
            tree = []
    return (sid.group(1) if sid else None), _flatten(tree)


def _flatten(nodes) -> list[dict]:
    out = []
    for node in nodes if isinstance(nodes, list) else []:
        if isinstance(node, dict):
            out.append(node)
            out.extend(_flatten(node.get("children") or []))
    return out


def report_categories(tree: list[dict]) -> list[int]:
    """Ids of categories named like 政府信息公开(工作)年度报告 / 年报 that list articles here."""
    return [int(n["id"]) for n in tree
            if _REPORT_CATEGORY_RE.search(str(n.get("name", ""))) and not n.get("jump_url")]


def unescape_title(title: str) -> str:
    return _UESC_RE.sub(lambda m: chr(int(m.group(1), 16)), title or "")


def _day(value) -> str:
    if isinstance(value, (int, float)) and value > 0:
        return datetime.fromtimestamp(value, _CST).strftime("%Y-%m-%d")
    return _shared.iso_date(str(value or "")) or ""


def article_item(article: dict, base_url: str, via: str) -> _shared.ListItem | None:
    url = article.get("url") or article.get("post_url")
    if not url:
        return None
    attachments = [urljoin(base_url, a["url"]) for a in article.get("attachment") or []
                   if isinstance(a, dict) and a.get("url")]
    return _shared.ListItem(url=urljoin(base_url, url), title=unescape_title(article.get("title", "")),
                            date=_day(article.get("date") or article.get("first_publish_time")),
                            via=via, source_org=article.get("publisher"),
                            attachments=attachments, complete=True)


async def list_column(fetcher, url: str, notes: list[str], *, column=None, source=None):
    """Every article of the report categories, through the JSON API."""
    index = await fetcher.get(url)
    base = index.final_url
    sid, tree = read_config(index.text)
    if not sid and source is not None:
        sid = _shared.options_of(source).get("site_id")
    if not sid:
        notes.append(f"{base}: no SID in window._CONFIG; cannot call the gkmlpt API")
        return []
    pinned = field_of(column, "column_id") if column is not None else None
    categories = [int(pinned)] if pinned else report_categories(tree)
    if not categories:
        notes.append(f"{base}: no category named like 年度报告/年报 in _CONFIG.TREE")
    items: list[_shared.ListItem] = []
    for category in categories:
        seen: set = set()
        for page in range(1, MAX_PAGES + 1):      # page 0 repeats page 1
            api = urljoin(base, f"api/all/{category}?page={page}&sid={sid}")
            try:
                data = json.loads((await fetcher.get(api)).text)
            except NotFound:
                notes.append(f"{api}: 404; treating it as the end of category {category}")
                break
            except ValueError:
                notes.append(f"{api}: the API did not answer JSON; category {category} skipped")
                break
            articles = [a for a in data.get("articles") or [] if a.get("id") not in seen]
            if not articles:
                break
            for art in articles:
                seen.add(art.get("id"))
                item = article_item(art, base, api)
                if item is not None:
                    items.append(item)
            total = (data.get("classify") or {}).get("post_count") or data.get("total")
            if total and len(seen) >= int(total):
                break
    return items


def read_page(text: str, url: str, source) -> candidates.PageEvidence:
    """Discovery never needs it (candidates come complete from the JSON API); the crawl
    reads a page without tables for attachments with it, as any article page is read."""
    return candidates.read_page(text, url, body_selector=_shared.options_of(source).get("body_selector"))


async def discover(source, fetcher, *, year: int, kind: str = "government"):
    """Report candidates of ``kind`` for ``year`` on a gkmlpt portal (see module docstring)."""
    return await _shared.discover_with(source, fetcher, year=year, kind=kind,
                                       list_column=list_column, read_page=read_page,
                                       family="gkmlpt", log=log)
