"""The report parser: bytes of a report page (HTML or a text rendering) → checked records.

``parse_bytes`` is the one entry point used by the CLI, the scrape pipeline and the crawl;
it never raises on bad input: a page that is not a report, binary junk or a truncated file
gives a result with status ``failed``/``partial`` and reasons.
"""

from __future__ import annotations

import gc
import hashlib
from pathlib import Path

from ogi_scrape.encoding import decode
from ogi_scrape.parse.checks import run_checks
from ogi_scrape.parse.docx import DocxError, docx_to_html, is_docx
from ogi_scrape.parse.htmldoc import read_html
from ogi_scrape.parse.mapping import Mapping, map_document
from ogi_scrape.parse.meta import find_title, parse_title, year_from_text
from ogi_scrape.parse.pdf import PdfError, pdf_to_html
from ogi_scrape.parse.pipetext import read_text
from ogi_scrape.parse.result import PARSER_VERSION, ParseResult, Value, build_result

__all__ = ["PARSER_VERSION", "ParseResult", "Value", "parse_bytes", "parse_path", "sniff_kind"]

_MAGIC = ((b"%PDF", "pdf"), (b"PK\x03\x04", "zip (docx/xlsx)"),
          (b"\xd0\xcf\x11\xe0", "ole (doc/xls/wps)"), (b"\x89PNG", "png image"),
          (b"\xff\xd8\xff", "jpeg image"), (b"GIF8", "gif image"))
_CONTROL_BYTES = bytes(b for b in range(32) if b < 9 or 13 < b)
_HTML_HINTS = (b"<html", b"<table", b"<body", b"<div", b"<p", b"<!doctype", b"<meta", b"<td", b"<span")


# Documents converted to the HTML the front end reads, so one path maps and checks them:
# (sniffed kind, does the file qualify, converter, its errors, source.converted_from, name).
_CONVERTERS = (
    ("binary:zip (docx/xlsx)", is_docx, docx_to_html, (DocxError, RecursionError), "docx",
     "Word document"),
    ("binary:pdf", lambda data: True, pdf_to_html, (PdfError,), "pdf", "PDF"),
)


def sniff_kind(data: bytes, name: str = "") -> str:
    """html | text | binary:<what>."""
    head = data[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):   # UTF-16 text: its zero bytes are not junk
        text = head.decode("utf-16", "ignore").lower()
        return "html" if any(h.decode() in text for h in _HTML_HINTS) else "text"
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return f"binary:{what}"
    # Junk first: random bytes can contain "<p" and a file name can say .html.
    sample = data[:65536]
    if sample:
        control = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
        if control / len(sample) > 0.05:
            return "binary:unknown"
    lower = head.lower()
    suffix = Path(name).suffix.lower()
    if suffix in (".html", ".htm", ".shtml", ".xhtml") or any(h in lower for h in _HTML_HINTS):
        return "html"
    return "text"


def _failed(kind: str, source: dict, reason: str) -> ParseResult:
    empty = Mapping(template="unknown", template_basis=reason, cells={}, unreadable=[],
                    sections_seen=set(), tables_found={"s2": False, "s3": False, "s4": False},
                    signature_hits={})
    return build_result(empty, [], year=None, org=None, title=None, source=source,
                        extra_reasons=[reason])


def parse_bytes(data: bytes, *, name: str = "<bytes>", content_type: str | None = None,
                url: str | None = None, kind: str | None = None) -> ParseResult:
    """Parse one page. The cyclic garbage collector is paused meanwhile: a parse allocates
    thousands of small objects but no reference cycles (everything is freed by reference
    counting), so the collector's passes over them were pure overhead (~5 % of a parse)."""
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        return _parse_bytes(data, name=name, content_type=content_type, url=url, kind=kind)
    finally:
        if paused:
            gc.enable()


def _parse_bytes(data: bytes, *, name: str, content_type: str | None, url: str | None,
                 kind: str | None) -> ParseResult:
    source = {"name": name, "url": url, "sha256": hashlib.sha256(data).hexdigest(),
              "bytes": len(data)}
    kind = kind or sniff_kind(data, name)
    converted = None
    for sniffed, accepts, convert, errors, label, what in _CONVERTERS:
        if kind == sniffed and accepts(data):
            try:
                data, converted = convert(data), label
            except errors as exc:
                return _failed(kind, source, f"{name}: {what} that cannot be read: {exc}")
            kind, content_type = "html", "text/html; charset=utf-8"
            break
    if kind.startswith("binary"):
        what = kind.split(":", 1)[1]
        hint = ("DOC, WPS and spreadsheet files are archived but not parsed (.docx and PDF are)"
                if what in ("zip (docx/xlsx)", "ole (doc/xls/wps)") else "not a report page")
        return _failed(kind, source, f"{name}: binary file ({what}); {hint}")
    if not data or data.isspace():      # data.strip() would copy the whole page to find out
        return _failed(kind, source, f"{name}: empty file")
    if kind == "html":
        doc = read_html(data, content_type)
        if converted:
            # Lines of our own conversion would point nowhere in the file: table, row and
            # column are the provenance (the document's own table grid).
            source.update(converted_from=converted)
            _without_source_lines(doc.lines)
        else:
            source.update(encoding=doc.encoding, encoding_source=doc.encoding_source,
                          body=doc.body_selector)
        title = doc.title
        year, org = parse_title(title)
        if year is None:
            # <title> holds the site's name or ArticleTitle the column's (template copy-paste
            # errors, portals.md): the report's title is then the page's <h1>, or in the body.
            title = next((h for h in doc.headings if parse_title(h)[0] is not None), None) \
                or find_title("\n".join([*doc.headings, doc.text_head])) or title
            year, org = parse_title(title)
        lines, head = doc.lines, doc.text_head
    else:
        decoded = decode(data, content_type)
        source.update(encoding=decoded.encoding, encoding_source=decoded.source)
        doc = read_text(decoded.text)
        source["text_convention"] = doc.convention
        title = find_title(doc.text_head)
        lines, head = doc.lines, doc.text_head
        year, org = parse_title(title)
    if year is None:
        year = year_from_text(head)
    mapping = map_document(lines, year)
    if kind == "html" and not any(mapping.tables_found.values()):
        mapping = _paragraph_tables(lines, year, source) or mapping
    checks = run_checks(mapping.template, year, mapping.cells, mapping.tables_found,
                        mapping.subtotals)
    extra = []
    if mapping.template == "unknown" and not any(mapping.tables_found.values()):
        if year is not None and year < 2019:
            extra.append(f"report for {year}: free-form pre-2019 report, before the national "
                         "table formats (nothing to extract)")
        elif not mapping.sections_seen:
            extra.append("not an annual report: no section headings 二–四 and no standard tables")
    return build_result(mapping, checks, year=year, org=org, title=title, source=source,
                        extra_reasons=extra)


def _without_source_lines(lines) -> None:
    """Tokens read from text we made (a converted .docx, a body's paragraphs) have no line
    in the source file: their provenance is table, row and column, or nothing."""
    for line in lines:
        for tok in line.tokens:
            tok.line = None


def _paragraph_tables(lines, year: int | None, source: dict) -> Mapping | None:
    """Tables pasted as lines of text: a PDF copied into the CMS editor leaves every row a
    paragraph (``规章  1  0  3``). When no HTML table was read, the body's paragraphs are
    read the way a text rendering is; the mapping of that reading is kept only if it found
    a table. Its provenance is the paragraph's text line, no HTML source line."""
    paragraphs = [line.tokens[0].text for line in lines if line.kind == "para"]
    if len(paragraphs) < 3:
        return None
    doc = read_text("\n".join(paragraphs) + "\n")
    _without_source_lines(doc.lines)
    mapping = map_document(doc.lines, year)
    if not any(mapping.tables_found.values()):
        return None
    source["read_as"] = "text: the body's paragraphs, no HTML table held the report"
    return mapping


def parse_path(path: Path, *, content_type: str | None = None) -> ParseResult:
    data = Path(path).read_bytes()
    return parse_bytes(data, name=str(path), content_type=content_type)
