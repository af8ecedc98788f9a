"""Reports published only as attachments: which attachment to read, and what to say.

Shared by the one-off scrape (``pipeline``) and the nightly crawl (``crawl.engine``): when a
report page holds no table, only links to the report's files, the attachments are tried in
order of how exactly they can be read — Word (.docx) files first (their tables name their
merged cells), then PDF files (ruled tables, read from their geometry) — and the first that
holds a report is the report. The dataset row then points at that file (its URL, hash and
archived response), not at the page. DOC, WPS and OFD files are archived and named in the
reasons, never guessed at.
"""

from __future__ import annotations

# How each readable kind is named in notes and reasons, most exact first.
READABLE = ("Word", "PDF")


def readable_kind(content: bytes) -> str | None:
    """"Word", "PDF" or None: which reader an attachment's bytes are for."""
    from ogi_scrape.parse import sniff_kind
    from ogi_scrape.parse.docx import is_docx

    kind = sniff_kind(content[:8192])
    if kind == "binary:zip (docx/xlsx)" and is_docx(content):
        return "Word"
    if kind == "binary:pdf":
        return "PDF"
    return None


def in_reading_order(attachments: list) -> list[tuple[str, object]]:
    """(kind, attachment) for each readable attachment, Word files before PDF files, each in
    the page's order. ``attachments`` are fetched responses (anything with ``.content``)."""
    kinds = [(readable_kind(a.content), a) for a in attachments]
    return [(k, a) for want in READABLE for k, a in kinds if k == want]


def only_attachments_reason(urls: list[str], *, tried: list[str]) -> str:
    """Why a page that only links files gave no report. ``tried``: the kinds read and failed."""
    if tried:
        said = " and ".join(dict.fromkeys(tried))
        outcome = f"; the {said} attachment(s) could not be read either"
    else:
        outcome = "; DOC, WPS and OFD attachments are not parsed (.docx and PDF are)"
    return (f"the report is published as attachment(s) only ({', '.join(urls)}); "
            f"they are archived{outcome}")


def read_from_note(url: str, kind: str = "Word") -> str:
    return f"read from the {kind} attachment {url}: the report page holds only links to the report's files"
