"""Discovery adapters, one module per portal platform family.

Every adapter module exposes::

    async def discover(source, fetcher, *, year: int, kind: str = "government") -> list[Candidate]

``source`` is a registry entry (``ogi_scrape.sources.registry.Source``, or a plain dict with
the same keys: ``base_url``, ``columns``, ``options`` …) and ``fetcher`` anything with
``await get(url)`` / ``await post(url, json=...)`` returning a response with ``.url``,
``.status``, ``.headers``, ``.content`` and ``.text``. The adapter lists what the platform
lists; choosing the one report is ``candidates.pick``.

``ADAPTERS`` is data: adding a platform is adding its module and one line here.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from types import ModuleType
from typing import Any

from ogi_scrape.errors import UsageError

ADAPTERS: dict[str, str] = {
    "ganzi": "ogi_scrape.sources.families.ganzi",
    "trs": "ogi_scrape.sources.families.trs",
    "hanweb": "ogi_scrape.sources.families.hanweb",
    "gkmlpt": "ogi_scrape.sources.families.gkmlpt",
    "generic": "ogi_scrape.sources.families.generic",
}
# Families whose own adapter is not written yet: their portals still publish plain HTML
# lists somewhere, so the generic link-following adapter is the honest stand-in.
FALLBACK = "generic"


def adapter_for(family: str, *, fallback: bool = True) -> ModuleType:
    """The adapter module for ``family`` (the generic one if it has none and ``fallback``)."""
    target = ADAPTERS.get(family)
    if target is not None:
        try:
            return importlib.import_module(target)
        except ModuleNotFoundError as exc:
            if exc.name != target:      # the adapter exists but is broken: show that
                raise
    if not fallback:
        raise UsageError(f"no discovery adapter for platform family {family!r}",
                         hint=f"known families: {', '.join(sorted(ADAPTERS))}")
    return importlib.import_module(ADAPTERS[FALLBACK])


async def discover(source, fetcher, *, year: int, kind: str = "government"):
    """Run the adapter named by ``source.family`` (see ``adapter_for``)."""
    family = field_of(source, "family", FALLBACK)
    return await adapter_for(family).discover(source, fetcher, year=year, kind=kind)


def field_of(obj: Any, key: str, default: Any = None) -> Any:
    """``key`` of a registry object or of a plain dict (tests and user code pass dicts);
    family-specific column keys live in ``Column.extra`` and are reached via ``.get``."""
    if isinstance(obj, Mapping):
        value = obj.get(key, default)
    elif hasattr(obj, key):
        value = getattr(obj, key)
    else:
        getter = getattr(obj, "get", None)
        value = getter(key, default) if callable(getter) else default
    return default if value is None else value


def worth_reading(candidate, year: int, kind: str) -> bool:
    """Fetch an article page only when it could be the answer: the title year is the one
    asked for (or missing), and the title/column do not already rule the kind out. Keeps
    discovery to a handful of requests on a small county server."""
    if candidate.year_source == "title" and candidate.year != year:
        return False
    if candidate.body_kind in (kind, "government-office", "other"):
        return True
    return candidate.kind_confidence < 0.8


async def read_pages(candidates, fetcher, *, year: int, kind: str,
                     body_selector: str | None = None) -> None:
    """Fold article-page evidence (发布机构, wording, statistics year, attachments) into the
    candidates worth reading. A page that fails to load leaves its candidate as listed."""
    from ogi_scrape.errors import OgiError
    from ogi_scrape.sources.candidates import read_page, vocabulary

    exts = vocabulary()["attachment_ext"]
    for cand in candidates:
        if not worth_reading(cand, year, kind):
            continue
        if cand.url.lower().split("?")[0].endswith(exts):   # listed as a file: nothing to read
            cand.attachments = list(dict.fromkeys([*cand.attachments, cand.url]))
            cand.has_body = False
            continue
        try:
            response = await fetcher.get(cand.url)
        except OgiError as exc:
            cand.evidence.append(f"page not read: {exc.message if hasattr(exc, 'message') else exc}")
            continue
        if getattr(response, "status", 200) >= 400:
            cand.evidence.append(f"page not read: HTTP {response.status}")
            continue
        cand.add_page(read_page(response.text, cand.url, body_selector=body_selector))
