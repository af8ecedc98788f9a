"""Helpers for tests that need a throwaway replica site and a fetcher pointed at it.

Kept in the package (not in a conftest) so every test module, and the discovery-adapter and
crawl tests of other modules, build sites the same way.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path


def make_site(root: Path, host: str, files: dict[str, bytes | str] | None = None,
              toml: str | None = None) -> Path:
    """Create ``root/<host>/`` with ``files`` (str → UTF-8) and an optional site.toml."""
    site = Path(root) / host
    site.mkdir(parents=True, exist_ok=True)
    for rel, data in (files or {}).items():
        path = site / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    if toml is not None:
        (site / "site.toml").write_text(toml, "utf-8")
    return site


def fast_settings(**overrides):
    """FetchSettings with the same rules but tiny delays, so fetch tests take milliseconds."""
    from ogi_scrape.fetch.settings import FetchSettings

    base = dict(delay=0.0, backoff_base=0.01, backoff_max=0.05, retry_after_cap=2.0,
                total_budget=20.0, connect_timeout=2.0, read_timeout=2.0, write_timeout=2.0,
                pool_timeout=2.0, attempt_timeout=10.0)
    base.update(overrides)
    return dataclasses.replace(FetchSettings(), **base)
