"""One traditional → simplified converter for the whole package.

Mirror sites and portals' traditional-character views (cookie ``zh_choose``) serve titles,
place names and labels in traditional characters. Titles and names use OpenCC's phrase-aware
converter (loaded once, lazily: it reads its dictionaries on first use); the parser's label
matching uses the faster character table in ``parse.textnorm``.
"""

from __future__ import annotations

from functools import cache


@cache
def t2s_converter():
    """OpenCC's ``t2s`` converter (opencc-python-reimplemented), or None if it is missing."""
    try:
        import opencc
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    return opencc.OpenCC("t2s")
