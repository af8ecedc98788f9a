"""Bytes → text for portal pages, the way a careful browser would do it.

Chinese portals routinely send ``Content-Type`` without a charset, declare ``gb2312`` while
using GBK-only characters, or serve UTF-8 behind a GBK ``<meta>``. Decoding wrongly does not
fail loudly: it silently turns labels into mojibake and tables into "not found". The order
below is the WHATWG one (header, BOM, ``<meta>`` prescan) with two additions: the GB family
is always decoded with GB18030 (a strict superset), and when nothing is declared we try
strict UTF-8, then strict GB18030, and only then ask a statistical detector.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

# Labels that must be decoded with the GB18030 decoder (WHATWG does the same).
_GB_FAMILY = {"gb2312", "gbk", "x-gbk", "cp936", "euc-cn", "gb_2312-80", "chinese",
              "csgb2312", "iso-ir-58", "gb18030", "ms936", "windows-936"}
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))
_META_RE = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.IGNORECASE)
_HEADER_CHARSET_RE = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9_\-:.]+)""", re.IGNORECASE)
PRESCAN_BYTES = 4096


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str   # the Python codec actually used
    source: str     # header | bom | meta | utf-8 | gb18030 | detected | fallback; "+replace"
                    # when a few undecodable bytes became U+FFFD (see decode)


def normalize_label(label: str | None) -> str | None:
    """Map a charset label to a Python codec name, upgrading the GB family to GB18030."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in _GB_FAMILY:
        return "gb18030"
    if label in ("utf8", "utf-8", "unicode-1-1-utf-8"):
        return "utf-8"
    if label in ("big5", "big-5", "csbig5", "x-x-big5", "cn-big5", "cp950"):
        # Big5 as browsers read it (WHATWG: Big5 is Big5-HKSCS): Python's strict "big5"
        # rejects common extensions (裏 is F9D8) and a mirror page was lost to the GB18030 sniff.
        return "big5hkscs"
    if label in ("iso-8859-1", "latin1", "latin-1", "us-ascii", "ascii"):
        # Error pages come back as iso-8859-1 and many servers use it as a default: treat it
        # as "unknown" so the body's own declaration and sniffing decide.
        return None
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def charset_from_content_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    m = _HEADER_CHARSET_RE.search(content_type)
    return normalize_label(m.group(1)) if m else None


def charset_from_meta(data: bytes) -> str | None:
    m = _META_RE.search(data[:PRESCAN_BYTES])
    if not m:
        return None
    return normalize_label(m.group(1).decode("ascii", "ignore"))


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


_ASCII_BYTES = bytes(range(128))
MIN_UTF8_EVIDENCE = 6   # non-ASCII bytes (two CJK characters) before trusting UTF-8 validity
MAX_NEAR_ERRORS = 8     # undecodable sequences tolerated in a page (or one per 1,000 bytes)


def _likely_utf8(data: bytes) -> str | None:
    if len(data.translate(None, _ASCII_BYTES)) < MIN_UTF8_EVIDENCE:
        return None
    return _strict(data, "utf-8")


_REPORT_WORDS = ("政府", "信息", "資訊", "公开", "公開", "年度", "报告", "報告", "申请", "申請",
                 "情况", "情況", "工作", "行政")


def _report_words(text: str) -> int:
    return sum(text.count(w) for w in _REPORT_WORDS)


def decode(data: bytes, content_type: str | None = None) -> Decoded:
    """Decode a document; never raises (undecodable bytes become U+FFFD as a last resort)."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return Decoded(data[len(bom):].decode(enc, "replace"), enc, "bom")
    header = charset_from_content_type(content_type)
    meta = charset_from_meta(data)
    declared = [(header, "header"), (meta, "meta")]
    for enc, source in declared:
        if enc == "gb18030":
            # GB18030 decodes almost any byte soup without error, so a lying GBK label on a
            # UTF-8 page would "succeed" as mojibake. Real GBK text is practically never
            # valid UTF-8, so valid multi-byte UTF-8 wins over a GB declaration.
            text = _likely_utf8(data)
            if text is not None:
                return Decoded(text, "utf-8", "utf-8")
        if enc:
            text = _strict(data, enc)
            if text is not None:
                return Decoded(text, enc, source)
    # A declaration that does not decode is a lie (UTF-8 behind a gb2312 meta, or the
    # reverse); sniff instead of replacing half the page with U+FFFD.
    for enc in ("utf-8", "gb18030"):
        text = _strict(data, enc)
        if text is not None:
            if enc == "gb18030":
                # GB18030 also "decodes" Big5 (mirror sites in traditional characters) into
                # rare-character mojibake. Real GBK text almost never passes a strict Big5
                # decode, so when both pass, the one that reads as a report wins.
                alt = _strict(data, "big5hkscs")
                if alt is not None and _report_words(alt) > _report_words(text):
                    return Decoded(alt, "big5hkscs", "big5")
            return Decoded(text, enc, enc)
    # Nothing decodes strictly. A few corrupt bytes (a cut download, a stray byte in a Word
    # paste) do not change a page's encoding, but they do fool the statistical detector:
    # a GBK report with two bad bytes came back as ISO-8859-5, every label mojibake. So a
    # declared or dominant encoding that decodes all but a handful of bytes wins first.
    best_near: tuple[int, str, str, str] | None = None
    for enc, source in [*declared, ("utf-8", "utf-8"), ("gb18030", "gb18030")]:
        if not enc:
            continue
        try:
            text = data.decode(enc, "replace")
        except LookupError:
            continue
        errors = text.count("\ufffd")
        if best_near is None or errors < best_near[0]:
            best_near = (errors, text, enc, source)
    if best_near is not None and best_near[0] <= max(MAX_NEAR_ERRORS, len(data) // 1000):
        errors, text, enc, source = best_near
        return Decoded(text, enc, f"{source}+replace")
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:200_000]).best()
        if best is not None and best.encoding:
            enc = normalize_label(best.encoding) or best.encoding
            return Decoded(data.decode(enc, "replace"), enc, "detected")
    except Exception:  # the detector is advisory; never let it break a parse
        pass
    enc = header or meta or "utf-8"
    return Decoded(data.decode(enc, "replace"), enc, "fallback")
