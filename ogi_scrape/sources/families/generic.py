"""Discovery for platforms without an adapter of their own: follow report-looking links.

Why it exists: about ten CMS families are in use and new ones keep appearing (portals.md §0),
but almost every portal still has *some* server-rendered path from its home page or a known
column to the report list. This adapter walks it breadth-first, following links whose text
or URL slug names an annual-report list (``zfxxgknb``, 年报, 年度报告, ``nb2024`` …) and
collecting links whose text is a report title. It reads ``href`` and ``onclick`` (some lists
only have ``onclick="window.open('…')"``), stays on the portal's own hosts, and stops at a
fixed depth and page count so a mis-configured start page cannot turn into a site crawl.
JS-only lists (Ganzi, gkmlpt, Hanweb ``dataproxy``) need their own adapters.
"""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urldefrag, urljoin, urlsplit

from ogi_scrape.errors import OgiError
from ogi_scrape.sources.candidates import (
    Candidate,
    CandidateList,
    column_kind_from_name,
    looks_like_report_link,
    normalise_text,
    parse_title,
)
from ogi_scrape.sources.families import field_of, read_pages

MAX_DEPTH = 3           # home → 信息公开 hub → 年报 column → year/body sub-column
MAX_PAGES = 40          # list pages fetched per discovery, all start points together
COLUMN_KEYS = ("list_url", "link_pattern", "next_page")
OPTION_KEYS = ("link_pattern", "max_pages")

_ONCLICK = re.compile(r"""(?:window\.open|location(?:\.href)?\s*=|openUrl|openWin|goto\w*|jump\w*)\s*\(?\s*['"]([^'"]+)['"]""",
                      re.IGNORECASE)
_NEXT_TEXT = {"下一页", "下页", "后页", ">", "»", "next"}
# A list row's date (and bracketed click counts) glued to the title once whitespace is gone.
_ROW_TAIL = re.compile(r"(?:[\[(]?(?:19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}日?(?:\d{1,2}:\d{2}(?::\d{2})?)?[\])]?)+$")
_PAGED = re.compile(r"(?:index|list|default)_\d+\.s?html?$", re.IGNORECASE)


def links(doc, page_url: str) -> list[tuple[str, str]]:
    """``(absolute URL, normalised text)`` of every link on a page, from ``href`` and from
    ``onclick`` handlers; the ``title`` attribute wins over text truncated with "…"."""
    out: list[tuple[str, str]] = []
    for a in doc.iter("a", "li", "div", "span", "td", "button"):
        targets = []
        href = (a.get("href") or "").strip() if a.tag == "a" else ""
        if href and not href.lower().startswith(("javascript:", "mailto:", "tel:", "#")):
            targets.append(href)
        targets += _ONCLICK.findall(a.get("onclick") or "")
        if not targets:
            continue
        text = _ROW_TAIL.sub("", normalise_text(a.text_content()))
        title = normalise_text(a.get("title") or "")
        if len(title) > len(text.rstrip(".…")):
            text = title
        for target in targets:
            url = urldefrag(urljoin(page_url, target))[0]
            if url.startswith(("http://", "https://")):
                out.append((url, text))
    return out


async def discover(source, fetcher, *, year: int, kind: str = "government",
                   max_depth: int = MAX_DEPTH, max_pages: int | None = None) -> CandidateList:
    from lxml import html as lxml_html

    base = field_of(source, "base_url")
    options = field_of(source, "options", {}) or {}
    max_pages = int(max_pages or options.get("max_pages", MAX_PAGES))
    starts: list[tuple[str, str | None]] = []
    for column in field_of(source, "columns", ()):
        url = field_of(column, "list_url") or field_of(column, "url")
        if url:
            starts.append((url, field_of(column, "kind")))
    if base and not starts:
        starts.append((base, None))
    hosts = {urlsplit(u).hostname for u, _ in starts} | ({urlsplit(base).hostname} if base else set())
    result = CandidateList(source=field_of(source, "name", base or "the source"))
    queue = deque((url, 0, column_kind) for url, column_kind in starts)
    visited: set[str] = set()
    seen_docs: set[str] = set()
    while queue and len(visited) < max_pages:
        url, depth, column_kind = queue.popleft()
        if url in visited:
            continue
        visited.add(url)
        try:
            response = await fetcher.get(url)
        except OgiError as exc:
            if depth == 0:
                raise               # a start page that fails is the user's problem to see
            result.searched.append(f"{url} (failed: {getattr(exc, 'message', exc)})")
            continue
        result.searched.append(url)
        if getattr(response, "status", 200) >= 400 or not _is_html(response):
            continue
        try:
            doc = lxml_html.fromstring(response.text or "<html></html>")
        except Exception:   # lxml: empty or non-HTML body
            continue
        page_url = getattr(response, "final_url", None) or response.url or url
        for link_url, text in links(doc, page_url):
            host = urlsplit(link_url).hostname
            info = parse_title(text)
            if info is not None:
                if link_url not in seen_docs:
                    seen_docs.add(link_url)
                    cand = Candidate.from_listing(link_url, text, via=f"generic: linked from {page_url}",
                                                  column_kind=column_kind)
                    if cand is not None:
                        result.append(cand)
                if info.year is not None:
                    continue
                # a yearless "…年度报告" link may be the list itself: also follow it below
            if host not in hosts or link_url in visited:
                continue
            if depth < max_depth and looks_like_report_link(text, link_url):
                queue.append((link_url, depth + 1, column_kind_from_name(text, link_url) or column_kind))
            elif depth > 0 and (text.lower() in _NEXT_TEXT or _PAGED.search(urlsplit(link_url).path)):
                # later pages of a list we already follow: same depth, same kind
                queue.append((link_url, depth, column_kind))
    await read_pages(result, fetcher, year=year, kind=kind, body_selector=options.get("body_selector"))
    return result


def _is_html(response) -> bool:
    ctype = (getattr(response, "headers", {}) or {}).get("content-type", "text/html")
    return "html" in ctype or "xml" in ctype or not ctype
