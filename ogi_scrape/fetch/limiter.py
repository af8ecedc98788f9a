"""Per-host politeness: spacing between request starts, in-flight caps, whole-host cool-downs.

Why per host and not per session (scrapelib's choice): a crawl touches hundreds of county
portals; each must see at most one request every few seconds, while the crawl as a whole
keeps many hosts busy. Every attempt (retries included) takes a slot, so a retry storm can
never exceed the rate a portal agreed to. A ``Retry-After`` cools down the WHOLE host: the
other queued requests to it wait too, instead of hammering it in parallel.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


class Clock:
    """Monotonic time, wall time and sleeping, injectable so tests can observe or shrink them."""

    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        if seconds > 0:
            await asyncio.sleep(seconds)


class BudgetExceeded(Exception):
    """Waiting for a slot would pass the caller's deadline (turned into a FetchFailed)."""

    def __init__(self, wait: float):
        super().__init__(f"would need to wait {wait:.1f}s")
        self.wait = wait


@dataclass
class _Host:
    delay: float
    concurrency: int
    next_start: float = 0.0
    cooldown_until: float = 0.0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    sem: asyncio.Semaphore | None = None
    started: int = 0


class HostLimiter:
    def __init__(self, *, delay: float, concurrency: int, max_concurrency: int,
                 clock: Clock | None = None, margin: float = 0.0):
        self.margin = margin
        self.default_delay = delay
        self.default_concurrency = concurrency
        self.clock = clock or Clock()
        self._global = asyncio.Semaphore(max_concurrency)
        self._hosts: dict[str, _Host] = {}

    def _host(self, host: str) -> _Host:
        host = host.lower()
        if host not in self._hosts:
            self._hosts[host] = _Host(self.default_delay, self.default_concurrency)
        return self._hosts[host]

    def configure(self, host: str, *, delay: float | None = None,
                  concurrency: int | None = None) -> None:
        """Set a host's politeness (registry ``[politeness]``); call before its first request."""
        state = self._host(host)
        if delay is not None:
            state.delay = float(delay)
        if concurrency is not None:
            if concurrency < 1:
                raise ValueError(f"concurrency for {host} must be >= 1, got {concurrency}")
            state.concurrency = int(concurrency)
            state.sem = None

    def raise_delay(self, host: str, delay: float) -> None:
        """Crawl-delay and friends may slow a host down, never speed it up."""
        state = self._host(host)
        state.delay = max(state.delay, float(delay))

    def delay(self, host: str) -> float:
        return self._host(host).delay

    def cool_down(self, host: str, seconds: float) -> None:
        """Nobody starts a request to ``host`` for ``seconds`` (Retry-After)."""
        state = self._host(host)
        state.cooldown_until = max(state.cooldown_until, self.clock.monotonic() + seconds)

    def cooldown_remaining(self, host: str) -> float:
        return max(0.0, self._host(host).cooldown_until - self.clock.monotonic())

    @asynccontextmanager
    async def slot(self, host: str, deadline: float | None = None):
        """Hold one request slot for ``host``; yields ``sent()``, to call once the request is out.

        The host's spacing is booked from the moment the request is actually SENT (``sent()``,
        or the end of the block if it is never called), not from when the slot was granted:
        otherwise a request delayed between the two (a busy event loop, a slow connect)
        would reach the portal closer than ``delay`` to the next one.
        """
        state = self._host(host)
        if state.sem is None:
            state.sem = asyncio.Semaphore(state.concurrency)
        sem = state.sem
        await sem.acquire()
        acquired_global = False
        granted = False
        await state.lock.acquire()
        lock_held = True

        def sent() -> None:
            nonlocal lock_held
            if lock_held:
                spacing = state.delay + self.margin if state.delay > 0 else 0.0
                state.next_start = self.clock.monotonic() + spacing
                lock_held = False
                state.lock.release()

        try:
            while True:
                now = self.clock.monotonic()
                ready = max(state.next_start, state.cooldown_until)
                if ready > now:
                    if acquired_global:           # don't hold a global slot while idle
                        self._global.release()
                        acquired_global = False
                    if deadline is not None and ready > deadline:
                        raise BudgetExceeded(ready - now)
                    await self.clock.sleep(ready - now)
                    continue
                if not acquired_global:
                    await self._global.acquire()
                    acquired_global = True
                    continue      # a cool-down may have started while we waited
                break
            granted = True
            state.started += 1
            yield sent
        finally:
            if lock_held:
                if granted:
                    sent()
                else:
                    lock_held = False
                    state.lock.release()
            if acquired_global:
                self._global.release()
            sem.release()
