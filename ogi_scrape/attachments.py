"""Reports published only as attachments: which attachment to read, and what to say.

Shared by the one-off scrape (``pipeline``) and the nightly crawl (``crawl.engine``): when a
report page holds no table, only links to the report's files, the first Word (.docx)
attachment that parses is the report, and the dataset row points at that file (its URL,
hash and archived response), not at the page. PDF, DOC and WPS files are archived and
named in the reasons, never guessed at.
"""

from __future__ import annotations


def is_word_document(content: bytes) -> bool:
    from ogi_scrape.parse import sniff_kind
    from ogi_scrape.parse.docx import is_docx

    return sniff_kind(content[:8192]) == "binary:zip (docx/xlsx)" and is_docx(content)


def only_attachments_reason(urls: list[str], *, word_tried: bool) -> str:
    tried = ("; the Word attachment could not be read either" if word_tried else
             "; PDF, DOC and WPS attachments are not parsed (only .docx is)")
    return (f"the report is published as attachment(s) only ({', '.join(urls)}); "
            f"they are archived{tried}")


def read_from_note(url: str) -> str:
    return f"read from the Word attachment {url}: the report page holds only links to the report's files"
