"""The stages the list-page families (TRS, Hanweb, gkmlpt) share, memorious-style.

Each family adapter only knows how its platform *lists* a column (static pages, a datastore
plus dataproxy groups, a JSON API) and where its article page keeps the body and attachments.
What happens next is the same everywhere and lives here: turn list entries with report titles
into ``Candidate``s (``ogi_scrape.sources.candidates`` owns the title grammar and the kind
vote), read the article pages of the ones that may be the report asked for, skip links that
answer 404 with a note instead of failing the whole source (report roots drift year to year,
portals.md §4), and hand back a ``CandidateList`` saying what was searched. Anti-bot walls
(``Blocked``) are never caught: a blocked portal must be reported as blocked, not as "no
report".
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Awaitable, Callable

from ogi_scrape.errors import NotFound
from ogi_scrape.sources.candidates import Candidate, CandidateList, PageEvidence
from ogi_scrape.sources.families import field_of, worth_reading

DATE_RE = re.compile(r"(20\d{2})[-/.年](\d{1,2})[-/.月](\d{1,2})")


@dataclass
class ListItem:
    """One entry of a column listing, before its article page is read."""

    url: str
    title: str
    date: str = ""                       # as printed in the list
    via: str = ""                        # the list page / API call it came from
    source_org: str | None = None        # when the list itself says (gkmlpt JSON publisher)
    attachments: list[str] = field(default_factory=list)
    complete: bool = False               # the list says everything: no need to read the page


def iso_date(text: str | None) -> str | None:
    m = DATE_RE.search(text or "")
    if not m:
        return None
    y, mo, d = m.groups()
    return f"{int(y):04d}-{int(mo):02d}-{int(d):02d}"


def columns_for(source, kind: str) -> list:
    """The columns that can hold ``kind`` reports: that kind's own, then the mixed ones."""
    columns = list(field_of(source, "columns", ()) or ())
    return ([c for c in columns if field_of(c, "kind") == kind]
            + [c for c in columns if field_of(c, "kind") == "mixed"])


def options_of(source) -> dict:
    return dict(field_of(source, "options", {}) or {})


ListColumn = Callable[..., Awaitable[list[ListItem]]]
ReadPage = Callable[[str, str, object], PageEvidence]


async def discover_with(source, fetcher, *, year: int, kind: str, list_column: ListColumn,
                        read_page: ReadPage, family: str, log: logging.Logger) -> CandidateList:
    notes: list[str] = []
    searched: list[str] = []
    items: list[tuple[str, ListItem]] = []
    name = field_of(source, "name", field_of(source, "base_url", "the source"))
    for column in columns_for(source, kind):
        url = field_of(column, "list_url") or field_of(column, "url")
        if not url:
            notes.append(f"{name}: a {field_of(column, 'kind')} column has no url; skipped")
            continue
        searched.append(url)
        listed = await list_column(fetcher, url, notes, column=column, source=source)
        items.extend((field_of(column, "kind"), item) for item in listed)

    found = CandidateList(source=name, searched=searched)
    seen: set[str] = set()
    for column_kind, item in items:
        if item.url in seen:
            continue
        seen.add(item.url)
        cand = Candidate.from_listing(item.url, item.title, published=iso_date(item.date),
                                      via=f"{family}: {item.via}", column_kind=column_kind)
        if cand is None:
            found.skipped += 1
            continue
        cand.attachments = list(item.attachments)
        if item.source_org:
            cand.source_org = item.source_org
            cand.reassess()
        if item.complete or not worth_reading(cand, year, kind):
            found.append(cand)
            continue
        try:
            page = await fetcher.get(item.url)
        except NotFound:
            notes.append(f"{item.url}: listed as {item.title!r} but the page answers 404 "
                         "(moved or deleted on the portal); skipped")
            continue
        cand.url = page.final_url
        evidence = read_page(page.text, page.final_url, source)
        if evidence.title and evidence.title != cand.title and Candidate.from_listing(
                cand.url, evidence.title) is not None:
            cand.title = evidence.title          # the page's own full title beats the list's
        cand.add_page(evidence)
        found.append(cand)
    for note in notes:
        log.warning(note)
    found.notes = notes
    return found
