"""Redirects that are not HTTP 3xx: ``<meta http-equiv=refresh>`` and JavaScript stub pages.

Portals move columns by leaving a tiny page behind, e.g. Shandong's 1,823-byte
``<SCRIPT> location.href="/col/col91477/index.html";</SCRIPT>``. A browser follows it; a
crawler that does not ends up "parsing" an empty page. We follow such a redirect only when
the page is a stub (almost no visible text), so a real report page that happens to contain
``location.href`` in a menu script is never abandoned.
"""

from __future__ import annotations

import re

STUB_MAX_BYTES = 16 * 1024
STUB_MAX_TEXT = 200          # visible characters

_SCRIPT_STYLE = re.compile(r"<(script|style|noscript)\b.*?</\1\s*>", re.I | re.S)
_TAG = re.compile(r"<[^>]+>")
_META_REFRESH = re.compile(
    r"""<meta\b[^>]*http-equiv\s*=\s*["']?refresh["']?[^>]*>""", re.I)
_CONTENT_ATTR = re.compile(r"""content\s*=\s*(["'])(.*?)\1""", re.I | re.S)
_REFRESH_VALUE = re.compile(r"""^\s*(\d+(?:\.\d+)?)?\s*[;,]?\s*(?:url\s*=\s*)?(.*)$""", re.I | re.S)
_JS_PATTERNS = [
    re.compile(r"""(?:window\.|top\.|self\.|document\.)?location\.href\s*=\s*(["'])(.+?)\1""", re.I),
    re.compile(r"""(?:window\.|top\.|self\.|document\.)?location\.replace\s*\(\s*(["'])(.+?)\1\s*\)""",
               re.I),
    re.compile(r"""(?:window\.|top\.|self\.|document\.)?location\.assign\s*\(\s*(["'])(.+?)\1\s*\)""",
               re.I),
    re.compile(r"""(?:window|top|self|document)\.location\s*=\s*(["'])(.+?)\1""", re.I),
    re.compile(r"""(?<![\w.])location\s*=\s*(["'])(.+?)\1""", re.I),
]


def visible_text(html: str) -> str:
    return re.sub(r"\s+", "", _TAG.sub(" ", _SCRIPT_STYLE.sub(" ", html))).replace("&nbsp;", "")


def is_stub(html: str, size: int) -> bool:
    """A page with no real content of its own (a redirect shell)."""
    return size <= STUB_MAX_BYTES and len(visible_text(html)) <= STUB_MAX_TEXT


def meta_refresh_target(html: str) -> str | None:
    """The URL of a ``<meta http-equiv=refresh>`` with a delay under 10 s, if any."""
    for tag in _META_REFRESH.finditer(html[:STUB_MAX_BYTES]):
        content = _CONTENT_ATTR.search(tag.group(0))
        if not content:
            continue
        m = _REFRESH_VALUE.match(content.group(2))
        if not m:
            continue
        delay = float(m.group(1) or 0)
        url = m.group(2).strip().strip("'\"").strip()
        if url and delay < 10:
            return url
    return None


def js_redirect_target(html: str) -> str | None:
    for pattern in _JS_PATTERNS:
        m = pattern.search(html)
        if m:
            target = m.group(2).strip()
            if target and not target.lower().startswith(("javascript:", "#")):
                return target
    return None


def soft_redirect(html: str, size: int, *, meta: bool = True, js: bool = True
                  ) -> tuple[str, str] | None:
    """``(kind, target)`` for a stub page that redirects (kind ``meta`` or ``js``), else None."""
    if not is_stub(html, size):
        return None
    if meta:
        target = meta_refresh_target(html)
        if target:
            return "meta", target
    if js:
        target = js_redirect_target(html)
        if target:
            return "js", target
    return None
