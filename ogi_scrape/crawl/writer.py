"""The one task that writes the dataset during a crawl, in batches.

Why batches and one writer: every ``Dataset.upsert`` publishes an atomic snapshot and rewrites
the partitions it touches, so one upsert per report would make a national night quadratic in
partition rewrites; and two writers would only queue on the dataset lock. Source visits hand
parsed reports to a bounded queue (back-pressure: a fast fetcher cannot pile parse results up
in memory), the writer upserts up to ``batch_size`` at a time in a worker thread (the event
loop keeps fetching meanwhile), and only then records the URLs' validators and hashes in the
state store. That order is what makes ``kill -9`` safe (see ``state.py``).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

from ogi_scrape.dataset import Dataset, DatasetError, report_key


@dataclass
class WriteItem:
    meta: object                  # ReportMeta
    parsed: dict                  # ParseResult.to_dict()
    fetch_row: dict               # for StateStore.record_fetches, once stored
    extra_rows: list[dict] = field(default_factory=list)   # attachments fetched with it
    future: asyncio.Future | None = None

    @property
    def key(self) -> str:
        return report_key(self.meta)


class DatasetWriter:
    def __init__(self, out: Path, state, run_id: str, *, batch_size: int = 200, linger: float = 2.0,
                 idle: float = 0.25):
        self.dataset = Dataset(Path(out))
        self.state = state
        self.run_id = run_id
        self.batch_size = batch_size
        self.linger = linger
        self.idle = idle
        self.queue: asyncio.Queue = asyncio.Queue(maxsize=batch_size)
        self.last_snapshot: str | None = None
        self._task: asyncio.Task | None = None

    @property
    def task(self) -> asyncio.Task | None:
        return self._task

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="dataset-writer")

    async def put(self, item: WriteItem) -> asyncio.Future:
        """Queue one report; the future resolves to new|changed|updated|unchanged, or raises."""
        item.future = asyncio.get_running_loop().create_future()
        await self.queue.put(item)
        return item.future

    async def close(self) -> None:
        if self._task is not None:
            await self.queue.put(None)
            await self._task
            self._task = None

    async def _loop(self) -> None:
        done = False
        while not done:
            first = await self.queue.get()
            if first is None:
                break
            batch = [first]
            deadline = asyncio.get_running_loop().time() + self.linger
            while len(batch) < self.batch_size:
                # fill the batch while reports keep coming (up to ``linger``); a pause of
                # ``idle`` means the visits have nothing more for now: publish
                timeout = min(self.idle, deadline - asyncio.get_running_loop().time())
                try:
                    item = self.queue.get_nowait() if timeout <= 0 else \
                        await asyncio.wait_for(self.queue.get(), timeout)
                except (asyncio.TimeoutError, asyncio.QueueEmpty):
                    break
                if item is None:
                    done = True
                    break
                batch.append(item)
            await self._write(batch)

    async def _write(self, batch: list[WriteItem]) -> None:
        try:
            await self._write_batch(batch)
        except BaseException as exc:      # disk full, bug: every waiting visit must hear of it
            for item in batch:
                if item.future is not None and not item.future.done():
                    item.future.set_exception(exc if isinstance(exc, Exception)
                                              else RuntimeError("the dataset writer was interrupted"))
                    # a visit cancelled meanwhile never awaits it: mark it seen, or asyncio logs
                    # "exception never retrieved" from a garbage-collector pass much later
                    item.future.exception()
            raise

    async def _write_batch(self, batch: list[WriteItem]) -> None:
        try:
            kinds = await asyncio.to_thread(self._upsert, batch)
        except DatasetError:
            kinds = {}
            for item in batch:            # find the bad one(s); store the rest
                try:
                    kinds.update(await asyncio.to_thread(self._upsert, [item]))
                except DatasetError as exc:
                    if not item.future.done():
                        item.future.set_exception(exc)
        for item in batch:
            item.parsed = None            # the rows are on disk: the visit needs only the key
        stored = [i for i in batch if i.key in kinds and not i.future.done()]
        rows = []
        for item in stored:
            rows.append(item.fetch_row | {"report_key": item.key})
            rows.extend(item.extra_rows)
        self.state.record_fetches(rows, self.run_id)
        for item in stored:
            item.future.set_result(kinds[item.key])

    def _upsert(self, batch: list[WriteItem]) -> dict[str, str]:
        try:
            summary = self.dataset.upsert([(i.meta, i.parsed) for i in batch])
        finally:
            _give_back_memory()
        if summary.snapshot:
            self.last_snapshot = summary.snapshot
        kinds = {}
        for kind, keys in summary.keys.items():
            for key in keys:
                kinds[key] = kind
        return kinds


def _give_back_memory() -> None:
    """Return the memory a publish used to the OS. Arrow's allocator (mimalloc) and glibc keep
    freed pages for reuse; over a night of publishes from worker threads that retention, not
    live data, is what dominates the crawl's resident size."""
    import contextlib

    import pyarrow as pa

    with contextlib.suppress(Exception):
        pa.default_memory_pool().release_unused()
    with contextlib.suppress(Exception):
        import ctypes
        ctypes.CDLL("libc.so.6").malloc_trim(0)
