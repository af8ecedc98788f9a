"""What a fetch hands to the rest of ogi_scrape: bytes, decoded text, and where they came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from ogi_scrape.encoding import Decoded, decode


def validators_of(etag: str | None, last_modified: str | None) -> dict:
    """The ``validators=`` argument of ``Fetcher.get`` for a page seen with these headers."""
    out = {}
    if etag:
        out["etag"] = etag
    if last_modified:
        out["last_modified"] = last_modified
    return out


@dataclass
class Response:
    url: str                        # logical URL as requested (never the loopback one)
    final_url: str                  # logical URL after redirects
    status: int
    headers: dict                   # lower-case names; repeated headers joined by ", "
    content: bytes                  # decoded from gzip/deflate; b"" for a 304
    sha256: str
    fetched_at: datetime            # UTC
    redirects: list[str] = field(default_factory=list)  # URLs that redirected, in order
    redirect_kinds: list[str] = field(default_factory=list)  # "301", "302", "meta", "js", …
    not_modified: bool = False
    archive_ref: object | None = None
    attempts: int = 1
    method: str = "GET"

    @cached_property
    def _decoded(self) -> Decoded:
        return decode(self.content, self.content_type)

    @property
    def text(self) -> str:
        return self._decoded.text

    @property
    def encoding(self) -> str:
        return self._decoded.encoding

    @property
    def encoding_source(self) -> str:
        return self._decoded.source

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300 or self.status == 304

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")

    @property
    def validators(self) -> dict:
        """What to pass as ``validators=`` next time to get a cheap 304."""
        return validators_of(self.etag, self.last_modified)

    def __repr__(self) -> str:
        return (f"<Response {self.status} {self.final_url} {len(self.content)} bytes"
                f"{' not-modified' if self.not_modified else ''}>")
