"""robots.txt as RFC 9309 reads it, decided once per scheme+host+port per run.

What the answer to ``/robots.txt`` means (RFC 9309 §2.3.1):

* 2xx with rules → obey them (Protego, the parser Scrapy uses);
* 2xx that is an HTML page (portals answer unknown paths with their home page) → no rules;
* 4xx (404, 403, …) → "unavailable": everything allowed;
* 5xx or unreachable → "unreachable": assume everything is disallowed, for now (this run);
* ``Crawl-delay`` raises the host's delay (never lowers it).
"""

from __future__ import annotations

from dataclasses import dataclass

from protego import Protego

ROBOTS_TOKEN = "ogi-scrape"


@dataclass
class RobotsRules:
    state: str                      # "rules" | "no-rules" | "allow-all" | "disallow-all"
    reason: str
    parser: Protego | None = None

    def allowed(self, url: str, user_agent: str = ROBOTS_TOKEN) -> bool:
        if self.state == "disallow-all":
            return False
        if self.state != "rules" or self.parser is None:
            return True
        return self.parser.can_fetch(url, user_agent)

    def crawl_delay(self, user_agent: str = ROBOTS_TOKEN) -> float | None:
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(user_agent)
        return float(delay) if delay is not None else None


def _looks_like_html(content_type: str, body: bytes) -> bool:
    head = body[:512].lstrip().lower()
    return "html" in content_type.lower() or head.startswith((b"<!doctype", b"<html", b"<?xml",
                                                              b"<head", b"<body", b"<"))


def rules_from_answer(status: int | None, content_type: str, body: bytes,
                      failure: str | None = None) -> RobotsRules:
    """Turn the robots.txt answer (or the failure to get one) into rules."""
    if status is None:
        return RobotsRules("disallow-all", f"robots.txt unreachable ({failure}); RFC 9309 "
                                           "says assume disallow")
    if 200 <= status < 300:
        if _looks_like_html(content_type, body):
            return RobotsRules("no-rules", "robots.txt answered with an HTML page")
        text = body.decode("utf-8", "replace")
        return RobotsRules("rules", f"robots.txt rules ({len(body)} bytes)", Protego.parse(text))
    if 400 <= status < 500:
        return RobotsRules("allow-all", f"robots.txt HTTP {status}: unavailable, allow all")
    return RobotsRules("disallow-all", f"robots.txt HTTP {status}: server error; RFC 9309 "
                                       "says assume disallow")
