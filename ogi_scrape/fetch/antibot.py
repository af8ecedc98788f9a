"""Recognise anti-bot walls (瑞数 412, 加速乐 521, CAPTCHA pages, WAF pages) from a table.

A wall must be reported, not retried (retrying a challenge only digs the hole deeper) and
never handed to the parser (a challenge page parsed as a report is a silent wrong answer).
The signatures live in ``antibot.toml`` next to this module so that a new wall is a data
change, reviewed against evidence, not another ``if`` in the client.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Signature:
    kind: str
    status: frozenset[int] | None
    max_body: int | None
    body_any: tuple[str, ...]
    body_all: tuple[str, ...]
    headers_any: tuple[tuple[str, str], ...]

    def matches(self, status: int, headers: dict, body_text: str, body_len: int) -> str | None:
        """The marker that matched (evidence), or None."""
        if self.status is not None and status not in self.status:
            return None
        if self.max_body is not None and body_len > self.max_body:
            return None
        if self.body_all and not all(m in body_text for m in self.body_all):
            return None
        if not self.body_any and not self.headers_any:
            return " + ".join(self.body_all) or f"status {status}"
        for marker in self.body_any:
            if marker in body_text:
                return marker
        for name, needle in self.headers_any:
            if needle.lower() in headers.get(name, "").lower():
                return f"{name}: {needle}"
        return None


def parse_signatures(text: str) -> list[Signature]:
    data = tomllib.loads(text)
    out = []
    for i, entry in enumerate(data.get("signature", [])):
        if "kind" not in entry:
            raise ValueError(f"anti-bot signature #{i + 1} has no 'kind'")
        status = entry.get("status")
        out.append(Signature(
            kind=entry["kind"],
            status=frozenset(int(s) for s in status) if status else None,
            max_body=entry.get("max_body"),
            body_any=tuple(entry.get("body_any", ())),
            body_all=tuple(entry.get("body_all", ())),
            headers_any=tuple((k.lower(), v) for k, v in entry.get("headers_any", {}).items()),
        ))
    return out


@lru_cache(maxsize=1)
def default_signatures() -> tuple[Signature, ...]:
    text = resources.files("ogi_scrape.fetch").joinpath("antibot.toml").read_text("utf-8")
    return tuple(parse_signatures(text))


def detect(status: int, headers: dict, body: bytes,
           signatures: tuple[Signature, ...] | list[Signature] | None = None
           ) -> tuple[str, str] | None:
    """``(kind, evidence)`` if the answer is an anti-bot wall, else None.

    ``headers`` must have lower-case names. Only the first 64 KiB of the body is searched:
    walls are small pages, and a report page must not be scanned in full for markers.
    """
    text = body[:65536].decode("utf-8", "replace")
    if "\ufffd" in text:
        text = body[:65536].decode("gb18030", "replace")
    for sig in (signatures if signatures is not None else default_signatures()):
        evidence = sig.matches(status, headers, text, len(body))
        if evidence is not None:
            return sig.kind, evidence
    return None
