"""Read a response body with hard caps on wire bytes AND decoded bytes.

A 100 KB gzip stream can inflate to 100 MB; a misconfigured portal can stream a video
where a report should be. We decompress ourselves (httpx hands us raw bytes), asking zlib for
at most ``step`` bytes per call, and stop as soon as the decoded total passes the cap, so
memory stays near the cap whatever the server sends.
"""

from __future__ import annotations

import zlib


class BodyTooLarge(Exception):
    def __init__(self, limit: int, seen: int, decoded: bool):
        what = "decompressed body" if decoded else "body"
        super().__init__(f"{what} passed the {limit:,}-byte cap (stopped after {seen:,} bytes)")
        self.limit, self.seen, self.decoded = limit, seen, decoded


class BadEncoding(Exception):
    """The compressed body is corrupt or ended early."""


class BodyDecoder:
    """Accumulate a body chunk by chunk, decoding gzip/deflate, enforcing ``limit``."""

    def __init__(self, content_encoding: str | None, limit: int, step: int = 64 * 1024):
        enc = (content_encoding or "").strip().lower()
        self.encoding = enc if enc in ("gzip", "x-gzip", "deflate") else ""
        self.kept_encoding = enc if enc and not self.encoding and enc != "identity" else ""
        self.limit = limit
        self.step = step
        self.wire = 0
        self._parts: list[bytes] = []
        self._size = 0
        self._z = None
        self._z_is_gzip = self.encoding in ("gzip", "x-gzip")
        if self._z_is_gzip:
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._deflate_probe = self.encoding == "deflate"
        self._head = b""

    def _emit(self, data: bytes) -> None:
        if not data:
            return
        self._size += len(data)
        if self._size > self.limit:
            raise BodyTooLarge(self.limit, self._size, decoded=bool(self.encoding))
        self._parts.append(data)

    def feed(self, chunk: bytes) -> None:
        self.wire += len(chunk)
        if not self.encoding:
            self._emit(chunk)
            return
        if self._deflate_probe:
            # "deflate" is zlib-wrapped per the RFC but raw in many servers: sniff the
            # two-byte zlib header (waiting for both bytes if the first chunk is tiny).
            self._head += chunk
            if len(self._head) < 2:
                return
            chunk, self._head = self._head, b""
            self._deflate_probe = False
            wrapped = (chunk[0] & 0x0F) == 8 and ((chunk[0] << 8) | chunk[1]) % 31 == 0
            self._z = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        try:
            pending = chunk
            while True:
                data = self._z.decompress(pending, self.step)
                self._emit(data)
                if self._z.eof:
                    # Concatenated gzip members are one body (RFC 1952); anything else after
                    # the end (padding, junk) is ignored, as browsers do.
                    rest = self._z.unused_data
                    if self._z_is_gzip and rest[:2] == b"\x1f\x8b":
                        self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
                        pending = rest
                        continue
                    break
                pending = self._z.unconsumed_tail
                # a full ``step`` may mean zlib holds more output even with no input left
                if not pending and len(data) < self.step:
                    break
        except zlib.error as exc:
            raise BadEncoding(f"corrupt {self.encoding} body: {exc}") from exc

    def finish(self) -> bytes:
        if self._deflate_probe and self._head:
            raise BadEncoding("deflate body ended after one byte")
        if self._z is not None:
            try:
                self._emit(self._z.flush())
            except zlib.error as exc:
                raise BadEncoding(f"corrupt {self.encoding} body: {exc}") from exc
            if not self._z.eof:
                raise BadEncoding(f"{self.encoding} body ended before its end marker")
        return b"".join(self._parts)

    def partial(self, limit: int = 64 * 1024) -> bytes:
        """The first ``limit`` decoded bytes so far (kept as evidence of a failed download)."""
        out, size = [], 0
        for part in self._parts:
            out.append(part[: limit - size])
            size += len(out[-1])
            if size >= limit:
                break
        return b"".join(out)
