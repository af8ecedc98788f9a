"""Helpers for tests that need a throwaway replica site and a fetcher pointed at it.

Kept in the package (not in a conftest) so every test module, and the discovery-adapter and
crawl tests of other modules, build sites the same way.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from ogi_scrape.replica.server import ReplicaServer

if TYPE_CHECKING:
    from ogi_scrape.fetch import Fetcher

T = TypeVar("T")


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


# The replicas bundled with the source tree (docs/replicas.md); a checkout, not an installed
# wheel, has them.
PORTALS = Path(__file__).resolve().parents[2] / "fixtures" / "portals"


@contextmanager
def serve_bundled(root: Path, *hosts: str) -> Iterator[ReplicaServer]:
    """Serve only the named bundled replicas (linked from ``PORTALS`` into ``root``).

    A family's tests serve only that family's hosts, so a bug in another replica (another
    engineer's, or one being written) cannot break them. ``root`` may already hold the test's own
    sites (``make_site``); they are served alongside.
    """
    root = Path(root)
    for host in hosts:
        (root / host).symlink_to(PORTALS / host, target_is_directory=True)
    with ReplicaServer(root) as server:
        yield server


def replica_fixture(*bundled: str, sites: dict[str, dict[str, bytes | str]] | None = None,
                    scope: str):
    """A pytest fixture (assign it to ``server``) yielding a ReplicaServer of exactly these sites.

    ``sites`` are the test module's own (host → files, as ``make_site``); ``bundled`` names
    replicas of ``PORTALS`` to serve beside them (see ``serve_bundled``). ``scope`` has no
    default so each module says whether its tests share one server ("module": started once, the
    tests clear the request log and faults they rely on) or each get a fresh one ("function").
    """
    import pytest

    @pytest.fixture(scope=scope)
    def server(tmp_path_factory):
        root = tmp_path_factory.mktemp("portals")
        for host, files in (sites or {}).items():
            make_site(root, host, files)
        with serve_bundled(root, *bundled) as replica:
            yield replica
    return server


def patient_settings(**overrides):
    """``fast_settings`` with patient timeouts, for tests that talk to the bundled replicas.

    The delays stay tiny, but CI machines run other suites at the same time: a page of a large
    replica may take seconds to come, and that must not read as a timeout.
    """
    return fast_settings(**{"connect_timeout": 15.0, "read_timeout": 15.0, "attempt_timeout": 30.0,
                            "total_budget": 60.0, **overrides})


def run_with_fetcher(server, job: Callable[[Fetcher], Awaitable[T]], settings=None,
                     **fetcher_kw) -> T:
    """Run ``job(fetcher)`` to completion with a Fetcher whose every host goes to ``server``.

    Synchronous, so a test reads as plain calls; the fetcher is opened and closed around the one
    job (``settings`` default to ``fast_settings()``; ``fetcher_kw`` go to ``Fetcher``, e.g.
    ``archive=``).
    """
    from ogi_scrape.fetch import Fetcher, Mirror

    async def go():
        async with Fetcher(settings if settings is not None else fast_settings(),
                           mirror=Mirror.from_replica(server), **fetcher_kw) as fetcher:
            return await job(fetcher)
    return asyncio.run(go())
