"""Fetch settings: every politeness and robustness knob in one place, with safe defaults.

The defaults are for real government portals, which are small servers run by county
offices: one request at a time per host, one every two seconds, retries spaced out
exponentially, and no retry at all on answers that will not change (404, anti-bot walls).
Tests shrink the delays, never the rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ogi_scrape import __version__

PROJECT_URL = "https://github.com/ogi-scrape/ogi_scrape"
USER_AGENT = f"ogi-scrape/{__version__} (+{PROJECT_URL}; research crawler)"
MB = 1024 * 1024


@dataclass(frozen=True)
class HostPolicy:
    """Politeness for one host (from the registry's ``[politeness]``)."""

    delay: float | None = None         # min seconds between request starts
    concurrency: int | None = None     # max requests in flight


@dataclass(frozen=True)
class FetchSettings:
    # identity
    user_agent: str = USER_AGENT
    accept_language: str = "zh-CN,zh;q=0.9,en;q=0.5"

    # politeness
    delay: float = 2.0                 # per host: 1 request / 2 s
    host_concurrency: int = 1
    max_concurrency: int = 8           # all hosts together
    delay_margin: float = 0.05         # added to non-zero delays: the SERVER must see >= delay
                                       # between requests despite connect/scheduling jitter
    hosts: dict[str, HostPolicy] = field(default_factory=dict)
    obey_robots: bool = True
    max_crawl_delay: float = 120.0     # a robots Crawl-delay above this is clipped (logged)
    stop_host_after_block: bool = True  # after an anti-bot wall, stop asking that host this run

    # retries
    max_attempts: int = 4
    backoff_base: float = 1.0          # first retry waits ~base, then 2x, 4x … (jittered)
    backoff_max: float = 60.0
    retry_after_cap: float = 300.0     # Retry-After longer than this is clipped to it
    total_budget: float = 600.0        # seconds for one logical fetch, all attempts and waits

    # timeouts (seconds)
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    write_timeout: float = 30.0
    pool_timeout: float = 30.0
    attempt_timeout: float = 180.0     # one whole attempt (stops slow-drip bodies)

    # sizes (bytes, after decompression)
    max_bytes: int = 50 * MB
    max_html_bytes: int = 10 * MB
    robots_max_bytes: int = 512 * 1024

    # redirects
    max_redirects: int = 10
    follow_meta_refresh: bool = True
    follow_js_redirects: bool = True

    verify_tls: bool = True

    def policy_for(self, host: str) -> HostPolicy:
        return self.hosts.get(host.lower(), HostPolicy())
