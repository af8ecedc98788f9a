"""Discovery on Hanweb JCMS (大汉) portals: a ``<datastore>`` plus ``dataproxy.jsp`` groups.

A Hanweb column page has no list in its visible HTML. The records are CDATA inside
``<script type="text/xml"><datastore>``, and only the first *group* (3 pages × 15 = 45) is
there; jpage.js fetches every further group from ``/module/web/jpage/dataproxy.jsp``, whose
address is announced in ``<nextgroup>`` (portals.md §2.2). A reader of the HTML alone stops at
record 45 without noticing, and static ``index_1.html`` pages do not exist. So the adapter
reads the embedded group, then asks the proxy for records 46–90, 91–135, … the way jpage.js
does (POST ``startrecord/endrecord/perpage`` with the column in the form) until the
``<totalrecord>`` count is reached, falling back to the GET ``page=N`` form if a portal
refuses the POST.

Some portals put a tiny JS stub (``location.href="/col/colNNN/index.html"``, Shandong style)
in front of a column; the fetcher follows it, and so does this adapter if a fetcher was
configured not to. Article bodies are ``<div id="zoom">`` between the ``ContentStart`` /
``ContentEnd`` metas.
"""

from __future__ import annotations

import logging
import re
from html import unescape
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from lxml import html as lxml_html

from ogi_scrape.errors import FetchFailed
from ogi_scrape.sources import candidates
from ogi_scrape.sources.families import _shared, field_of

log = logging.getLogger(__name__)

COLUMN_KEYS = ("unit_id", "list_url")
OPTION_KEYS = ("webid", "page_size")

GROUP = 45                      # records per jpage group (3 pages × 15)
PER_PAGE = 15
MAX_GROUPS = 100
BODY_SELECTOR = "#zoom"
_DATASTORE_RE = re.compile(r"<datastore>(.*?)</datastore>", re.S | re.I)
_NEXTGROUP_RE = re.compile(r"<nextgroup>\s*<!\[CDATA\[(.*?)\]\]>\s*</nextgroup>", re.S | re.I)
_RECORD_RE = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S | re.I)
_CDATA_RE = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.S)
_TOTAL_RE = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>", re.I)
_HREF_RE = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.I)
_JS_STUB_RE = re.compile(r"""location\.href\s*=\s*["']([^"']+)["']""", re.I)


def parse_datastore(text: str) -> tuple[list[str], str | None] | None:
    """``(record fragments, nextgroup href)`` of the first datastore, or None if there is none."""
    m = _DATASTORE_RE.search(text)
    if not m:
        return None
    store = m.group(1)
    nxt = _NEXTGROUP_RE.search(store)
    href = None
    if nxt:
        hm = _HREF_RE.search(nxt.group(1))
        href = unescape(hm.group(1)) if hm else None
        store = store[:nxt.start()] + store[nxt.end():]
    records = _RECORD_RE.findall(store)
    if not records:                       # variant without <record>/<recordset> (sd.msa)
        records = _CDATA_RE.findall(store)
    return records, href


def parse_record(fragment: str, base_url: str, via: str) -> _shared.ListItem | None:
    """One ``<li><a href=… title=…>…</a><span>date</span></li>`` record."""
    frag = lxml_html.fragment_fromstring(fragment, create_parent="div")
    link = next((a for a in frag.iter("a") if (a.get("href") or "").strip()), None)
    if link is None:
        return None
    title = (link.get("title") or link.text_content() or "").strip()
    m = _shared.DATE_RE.search(frag.text_content())
    return _shared.ListItem(url=urljoin(base_url, link.get("href").strip()), title=title,
                            date=m.group(0) if m else "", via=via)


def _proxy_request(nextgroup_url: str, column, source) -> tuple[str, dict]:
    """The dataproxy URL (no query) and the form jpage.js posts, from the nextgroup link."""
    parts = urlsplit(nextgroup_url)
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    params.pop("page", None)
    if column is not None:
        if field_of(column, "column_id"):
            params.setdefault("columnid", str(field_of(column, "column_id")))
        if field_of(column, "unit_id"):
            params.setdefault("unitid", str(field_of(column, "unit_id")))
    webid = _shared.options_of(source).get("webid") if source is not None else None
    if webid:
        params.setdefault("webid", str(webid))
    form = {"col": "1", "appid": params.get("appid", "1"), "webid": params.get("webid", ""),
            "path": params.get("path", "/"), "columnid": params.get("columnid", ""),
            "sourceContentType": "1", "unitid": params.get("unitid", ""),
            "webname": params.get("webname", ""), "permissiontype": params.get("permissiontype", "0")}
    return f"{parts.scheme}://{parts.netloc}{parts.path}", form


async def _group(fetcher, proxy: str, form: dict, index: int) -> str:
    start, end = index * GROUP + 1, (index + 1) * GROUP
    query = urlencode({"startrecord": start, "endrecord": end, "perpage": PER_PAGE})
    try:
        return (await fetcher.post(f"{proxy}?{query}", data=form)).text
    except FetchFailed:
        # Some deployments only answer the GET form (page=N is the N-th group).
        return (await fetcher.get(f"{proxy}?{urlencode({'page': index, **form})}")).text


async def list_column(fetcher, url: str, notes: list[str], *, column=None, source=None):
    """Every record of a column: the embedded group, then each dataproxy group."""
    page = await fetcher.get(url)
    text, base = page.text, page.final_url
    parsed = parse_datastore(text)
    if parsed is None:
        stub = _JS_STUB_RE.search(text)
        if stub and len(text) < 4096:
            page = await fetcher.get(urljoin(base, stub.group(1)))
            text, base = page.text, page.final_url
            parsed = parse_datastore(text)
    if parsed is None:
        notes.append(f"{base}: no <datastore> list on this Hanweb column page; nothing listed")
        return []
    records, nextgroup = parsed
    items = [i for r in records if (i := parse_record(r, base, base)) is not None]
    if not nextgroup:
        return items
    proxy, form = _proxy_request(urljoin(base, nextgroup), column, source)
    index = 1
    while index < MAX_GROUPS:
        xml = await _group(fetcher, proxy, form, index)
        group = _RECORD_RE.findall(xml)
        via = f"{proxy} group {index}"
        items.extend(i for r in group if (i := parse_record(r, base, via)) is not None)
        total = _TOTAL_RE.search(xml)
        if not group or (total and (index + 1) * GROUP >= int(total.group(1))):
            break
        index += 1
    else:
        notes.append(f"{proxy}: stopped after {MAX_GROUPS} dataproxy groups")
    return items


def read_page(text: str, url: str, source) -> candidates.PageEvidence:
    """Metadata, body (``#zoom``) and attachments of a Hanweb article page."""
    selector = _shared.options_of(source).get("body_selector") or BODY_SELECTOR
    return candidates.read_page(text, url, body_selector=selector)


async def discover(source, fetcher, *, year: int, kind: str = "government"):
    """Report candidates of ``kind`` for ``year`` on a Hanweb portal (see module docstring)."""
    return await _shared.discover_with(source, fetcher, year=year, kind=kind,
                                       list_column=list_column, read_page=read_page,
                                       family="hanweb", log=log)
