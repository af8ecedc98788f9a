"""Discovery on TRS WCM (拓尔思) portals: static list pages paged by ``createPageHTML``.

A TRS column is a folder of static files: ``index.html`` is page 0 and ``index_<i>.html`` page
*i*; the page count is only written in a script call, ``createPageHTML(count, current, "index",
"html")``, that draws the pager in the browser (portals.md §2.1). So the adapter reads the count
from that call and fetches exactly the pages it announces, instead of guessing page names until
a 404. Article links are ``./YYYYMM/tYYYYMMDD_<id>.html`` relative to the page *after*
redirects — a moved column answers 301, and resolving against the old URL would send every
article request to the wrong folder.

Titles in TRS lists are cut short ("…工作年度报..."); the full one is in ``a@title``, which is
what the year and issuer are read from. Article pages put a metadata table (索引号/发布机构/…)
above the body in ``div.TRS_Editor``; attachments are ``./P0<date><id>.pdf`` links in
``div.article_attachment``.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urljoin

from lxml import html as lxml_html

from ogi_scrape.errors import NotFound
from ogi_scrape.sources import candidates
from ogi_scrape.sources.families import _shared

log = logging.getLogger(__name__)

COLUMN_KEYS = ("list_url",)
OPTION_KEYS = ("page_size",)

# createPageHTML(countPage, currentPage, "index", "html") — prefix may be "list", ext "shtml".
_PAGER_RE = re.compile(
    r"createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*[\"']([\w.-]+)[\"']\s*,\s*[\"'](\w+)[\"']\s*\)")
# An article link: …/YYYYMM/tYYYYMMDD_<id>.html (also .htm / .shtml).
_ARTICLE_RE = re.compile(r"(?:^|/)t\d{8}_\d+(?:_\d+)?\.s?html?$")
MAX_PAGES = 200
BODY_SELECTOR = ".TRS_Editor"


def page_count(text: str) -> tuple[int, str, str] | None:
    """``(count, prefix, ext)`` from the ``createPageHTML`` call, or None on a one-page list."""
    m = _PAGER_RE.search(text)
    if not m:
        return None
    return int(m.group(1)), m.group(3), m.group(4)


def parse_list(text: str, base_url: str) -> list[_shared.ListItem]:
    """The article links of one list page (full titles from ``a@title``, dates from the row)."""
    doc = lxml_html.fromstring(text)
    items = []
    for a in doc.iter("a"):
        href = (a.get("href") or "").strip()
        if not _ARTICLE_RE.search(href.split("?")[0]):
            continue
        title = (a.get("title") or a.text_content() or "").strip()
        row = a.getparent()
        date = ""
        if row is not None:
            m = _shared.DATE_RE.search(row.text_content())
            date = m.group(0) if m else ""
        items.append(_shared.ListItem(url=urljoin(base_url, href), title=title, date=date,
                                      via=base_url))
    return items


async def list_column(fetcher, url: str, notes: list[str], **_context) -> list[_shared.ListItem]:
    """Every item of a column: page 0, then the ``index_<i>`` pages the pager announces."""
    first = await fetcher.get(url)
    base = first.final_url
    items = parse_list(first.text, base)
    pager = page_count(first.text)
    if pager is None:
        return items
    count, prefix, ext = pager
    if count > MAX_PAGES:
        notes.append(f"{base}: pager announces {count} pages; reading the first {MAX_PAGES}")
        count = MAX_PAGES
    for i in range(1, count):
        page_url = urljoin(base, f"{prefix}_{i}.{ext}")
        try:
            page = await fetcher.get(page_url)
        except NotFound:
            notes.append(f"{page_url}: list page {i} of {count} is missing (404); "
                         "stopping pagination here")
            break
        items.extend(parse_list(page.text, page.final_url))
    return items


def read_page(text: str, url: str, source) -> candidates.PageEvidence:
    """Metadata, body and attachments of a TRS article; the 附件下载 box sits outside the body."""
    selector = _shared.options_of(source).get("body_selector") or BODY_SELECTOR
    evidence = candidates.read_page(text, url, body_selector=selector)
    doc = lxml_html.fromstring(text)
    for box in doc.find_class("article_attachment"):
        evidence.attachments = list(dict.fromkeys(
            [*evidence.attachments, *candidates.attachment_links(box, url)]))
    return evidence


async def discover(source, fetcher, *, year: int, kind: str = "government"):
    """Report candidates of ``kind`` for ``year`` on a TRS portal (see module docstring)."""
    return await _shared.discover_with(source, fetcher, year=year, kind=kind,
                                       list_column=list_column, read_page=read_page,
                                       family="trs", log=log)
