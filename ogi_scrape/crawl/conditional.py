"""A fetcher view for one source: conditional GETs from the state store, and one fetch per
URL per run.

Why a wrapper and not a change to the adapters: discovery adapters call ``fetcher.get`` for
list pages and for the article pages they need as evidence, and they need the *body* of those
pages. The crawl wants every GET that has been seen before to be conditional
(``If-None-Match`` / ``If-Modified-Since``) so an unchanged portal costs 304s, not pages. So this
view adds the stored validators, and on a 304 hands the adapter the bytes it stored last time,
read back from the raw WARC archive (``not_modified`` stays True so the crawl knows nothing
changed). It also remembers every answer for the rest of this source's visit: the adapters
are asked once per kind of body, and the crawl fetches the report pages discovery already
read, and none of that should cost the portal a second request.

The memo lives only while one source is visited, so memory stays bounded by one portal.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

from ogi_scrape.fetch.archive import ArchiveRef, read_record


def parse_ref(out: Path, text: str | None) -> ArchiveRef | None:
    """``"archive/ogi-….warc.gz#1234"`` (relative to the dataset folder) → an ArchiveRef."""
    if not text or "#" not in text:
        return None
    path, _, offset = text.rpartition("#")
    p = Path(path)
    if not p.is_absolute():
        p = Path(out) / p
    try:
        return ArchiveRef(str(p), int(offset), "")
    except ValueError:
        return None


class SourceFetcher:
    """Wraps the run's ``Fetcher`` for one source (same politeness, same archive). Without a
    state store (``state=None``, as in ``scrape``) it only remembers answers."""

    def __init__(self, fetcher, state, out: Path, relative_ref):
        self.fetcher = fetcher
        self.state = state
        self.out = Path(out)
        self.relative_ref = relative_ref
        self._memo: dict[tuple, object] = {}
        self.fetched: dict[str, dict] = {}            # url → what to record (GETs only), this visit
        self.stats = {"requests": 0, "not_modified": 0, "memo_hits": 0}

    @property
    def settings(self):
        return self.fetcher.settings

    def __getattr__(self, name):          # configure_host, robots_rules … pass through
        return getattr(self.fetcher, name)

    async def get(self, url: str, headers: dict | None = None, validators: dict | None = None,
                  **kw):
        key = ("GET", url)
        if key in self._memo:
            self.stats["memo_hits"] += 1
            return self._memo[key]
        known = self.state.url_state(url) if self.state is not None else None
        restore = None
        if validators is None and known is not None and known.validators and known.archive_ref:
            restore = parse_ref(self.out, known.archive_ref)
            if restore is not None and Path(restore.path).exists():
                validators = known.validators
        self.stats["requests"] += 1
        response = await self.fetcher.get(url, headers=headers, validators=validators, **kw)
        if response.not_modified:
            self.stats["not_modified"] += 1
            response = self._from_archive(response, restore, known)
            if response is None:          # archive gone: ask again, unconditionally
                self.stats["requests"] += 1
                response = await self.fetcher.get(url, headers=headers, **kw)
        self._memo[key] = response
        self.fetched[url] = {"etag": response.headers.get("etag"),
                             "last_modified": response.headers.get("last-modified"),
                             "sha256": response.sha256, "http_status": response.status,
                             "archive_ref": self.relative_ref(response.archive_ref)}
        return response

    def keep_only(self, urls: set[str]) -> None:
        """Forget remembered answers except those for ``urls`` (the reports still to fetch):
        with every host of a national crawl in progress at once, a visit must not sit on the
        list pages it no longer needs."""
        self._memo = {k: v for k, v in self._memo.items() if k[0] == "GET" and k[1] in urls}
        for response in self._memo.values():
            # the decoded text the adapter read is cached on the response and weighs more than
            # the bytes; the parser needs only the bytes
            response.__dict__.pop("_decoded", None)

    def take(self, url: str):
        """The remembered GET answer for ``url`` (handed over once), or None."""
        return self._memo.pop(("GET", url), None)

    async def post(self, url: str, json=None, data=None, headers: dict | None = None, **kw):
        body = _json_key(json) if json is not None else repr(data)
        key = ("POST", url, body)
        if key in self._memo:
            self.stats["memo_hits"] += 1
            return self._memo[key]
        self.stats["requests"] += 1
        response = await self.fetcher.post(url, json=json, data=data, headers=headers, **kw)
        self._memo[key] = response
        return response

    @staticmethod
    def _from_archive(response, ref, known):
        """The 304 answer with the body stored last time (as the adapters need a body)."""
        if ref is None:
            return None
        try:
            headers, body = read_record(ref)
        except (OSError, ValueError, FileNotFoundError):
            return None
        sha = hashlib.sha256(body).hexdigest()
        if known.sha256 and sha != known.sha256:
            return None                   # the archive does not hold what we stored: refetch
        merged = {k: v for k, v in headers.items()}
        merged.update(response.headers)
        return dataclasses.replace(response, content=body, sha256=sha, headers=merged,
                                   archive_ref=ref, not_modified=True)


def _json_key(obj) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False)
