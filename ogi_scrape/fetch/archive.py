"""Raw capture: every exchange with a portal, written as WARC so parsers can re-run offline.

Researchers must be able to audit any number back to the bytes the portal sent, and we must
be able to re-parse years of pages after fixing the parser without asking the portals again.
So each attempt (robots.txt, redirects, 503s and anti-bot walls included) becomes a
``request`` record plus a ``response`` record, or a ``metadata`` record when no response
came back (timeout, reset). Layout decisions, also written into each file's ``warcinfo``:

* gzip WARC, one gzip member per record, append-only and flushed per record: a killed
  process leaves at most one torn record at the END of the newest file; earlier records stay
  readable. A new ``Archive`` never appends to an old file.
* files rotate at ~``max_file_bytes`` (default 100 MB): ``<prefix>-<UTC stamp>-<pid>-<n>.warc.gz``.
* payloads are stored DECODED: ``Content-Encoding`` is removed and ``Content-Length`` set to
  the stored length (originals kept as ``X-Ogi-Original-Content-Encoding`` /
  ``X-Ogi-Original-Content-Length``), ``Transfer-Encoding`` dropped.
* ``WARC-Target-URI`` is the LOGICAL URL (``http://www.luding.gov.cn/…``, percent-encoded
  where it held spaces or Chinese) even when the bytes came from a loopback replica; the
  physical address is in ``WARC-Ogi-Via``.
* ``WARC-Payload-Digest`` is warcio's sha1; ``WARC-Payload-SHA256`` holds the hex sha256 of
  the stored payload (the digest the rest of ogi_scrape uses). ``index.jsonl`` in the same
  folder lists every response record: uri, status, sha256, file, offset, date.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from ogi_scrape import __version__
from ogi_scrape.fetch.settings import PROJECT_URL

MB = 1024 * 1024
_HOP_BY_HOP = {"transfer-encoding", "content-encoding", "content-length", "connection",
               "keep-alive"}


@dataclass(frozen=True)
class ArchiveRef:
    """Where a response record lives: WARC file, byte offset of its gzip member, payload sha256."""

    path: str
    offset: int
    sha256: str

    def __str__(self) -> str:
        return f"{self.path}#{self.offset}"


class RecordHeaders(dict):
    """HTTP headers of an archived response (lower-case names) plus its WARC context."""

    status: int | None
    warc: dict
    target_uri: str
    record_type: str


def iri_to_uri(url: str) -> str:
    """Percent-encode what a WARC-Target-URI may not hold (spaces, 中文 paths); idempotent."""
    return quote(url, safe=":/?#[]@!$&'()*+,;=%~")


def _warc_date(dt: datetime) -> str:
    return datetime_to_iso_date(dt.astimezone(timezone.utc).replace(tzinfo=None), use_micros=True)


class Archive:
    def __init__(self, directory: Path | str, *, max_file_bytes: int = 100 * MB,
                 prefix: str = "ogi", fsync: bool = False, operator: str = ""):
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.max_file_bytes = max_file_bytes
        self.prefix = prefix
        self.fsync = fsync
        self.operator = operator
        self._lock = threading.Lock()
        self._fh = None
        self._path: Path | None = None
        self._seq = 0
        self._writer: WARCWriter | None = None
        self.files: list[Path] = []

    # -- file management -------------------------------------------------------------
    def _open_new(self) -> None:
        self._close_current()
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        while True:
            self._seq += 1
            name = f"{self.prefix}-{stamp}-{os.getpid()}-{self._seq:05d}.warc.gz"
            self._path = self.dir / name
            try:
                self._fh = open(self._path, "xb")   # never reuse (and never corrupt) an old file
                break
            except FileExistsError:   # another Archive of this process, same second: next number
                continue
        self._writer = WARCWriter(self._fh, gzip=True, warc_version="1.1")
        self.files.append(self._path)
        info = {
            "software": f"ogi-scrape/{__version__} (+{PROJECT_URL})",
            "format": "WARC File Format 1.1",
            "operator": self.operator,
            "ogi-payload": "decoded: Content-Encoding removed, Content-Length = stored length; "
                           "originals in X-Ogi-Original-Content-Encoding/-Length; "
                           "Transfer-Encoding dropped",
            "ogi-target-uri": "logical URL as requested; physical address in WARC-Ogi-Via",
            "ogi-digests": "WARC-Payload-Digest = sha1 (warcio); WARC-Payload-SHA256 = hex sha256",
            "ogi-failures": "attempts without a response are metadata records "
                            "(application/json) with WARC-Ogi-Error",
            "robots": "obeyed unless the run disabled it (see run manifest)",
        }
        self._write(self._writer.create_warcinfo_record(name, info))

    def _close_current(self) -> None:
        if self._fh is not None:
            self._fh.close()
        self._fh = None
        self._writer = None

    def close(self) -> None:
        with self._lock:
            self._close_current()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _write(self, record) -> int:
        offset = self._fh.tell()
        self._writer.write_record(record)
        self._fh.flush()
        if self.fsync:
            os.fsync(self._fh.fileno())
        return offset

    def _ensure_file(self) -> None:
        if self._fh is None or self._fh.tell() >= self.max_file_bytes:
            self._open_new()

    # -- records ---------------------------------------------------------------------
    def _request_record(self, url: str, method: str, headers: dict, body: bytes,
                        date: str, via: str | None):
        parts = url.split("/", 3)
        target = "/" + (parts[3] if len(parts) > 3 else "")
        http = StatusAndHeaders(f"{method} {target} HTTP/1.1", list(headers.items()),
                                is_http_request=True)
        warc = {"WARC-Date": date}
        if via:
            warc["WARC-Ogi-Via"] = via
        return self._writer.create_warc_record(url, "request", payload=io.BytesIO(body),
                                               length=len(body), http_headers=http,
                                               warc_headers_dict=warc)

    def write_exchange(self, *, url: str, method: str, request_headers: dict,
                       request_body: bytes = b"", status: int | None, reason: str = "",
                       response_headers: dict | None = None, body: bytes = b"",
                       fetched_at: datetime, via: str | None = None,
                       error: str | None = None, truncated: str | None = None
                       ) -> ArchiveRef:
        """Archive one attempt; returns the ref of its response (or metadata) record."""
        date = _warc_date(fetched_at)
        sha = hashlib.sha256(body).hexdigest()
        url = iri_to_uri(url)
        with self._lock:
            self._ensure_file()
            req = self._request_record(url, method, request_headers, request_body, date, via)
            self._write(req)
            req_id = req.rec_headers.get_header("WARC-Record-ID")
            if status is None:
                meta = json.dumps({"error": error, "method": method, "url": url},
                                  ensure_ascii=False).encode("utf-8")
                rec = self._writer.create_warc_record(
                    url, "metadata", payload=io.BytesIO(meta), length=len(meta),
                    warc_content_type="application/json",
                    warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": req_id,
                                       "WARC-Ogi-Error": error or "no response"})
                offset = self._write(rec)
                ref = ArchiveRef(str(self._path), offset, hashlib.sha256(meta).hexdigest())
                self._index(ref, url, None, date, "metadata", error)
                return ref
            headers = []
            for name, value in (response_headers or {}).items():
                low = name.lower()
                if low == "content-encoding":
                    headers.append(("X-Ogi-Original-Content-Encoding", value))
                elif low == "content-length":
                    headers.append(("X-Ogi-Original-Content-Length", value))
                elif low not in _HOP_BY_HOP:
                    headers.append((name, value))
            headers.append(("Content-Length", str(len(body))))
            http = StatusAndHeaders(f"{status} {reason}".strip(), headers, protocol="HTTP/1.1")
            warc = {"WARC-Date": date, "WARC-Concurrent-To": req_id,
                    "WARC-Payload-SHA256": sha}
            if via:
                warc["WARC-Ogi-Via"] = via
            if truncated:
                warc["WARC-Truncated"] = truncated
            if error:
                warc["WARC-Ogi-Error"] = error
            rec = self._writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                                  length=len(body), http_headers=http,
                                                  warc_headers_dict=warc)
            offset = self._write(rec)
            ref = ArchiveRef(str(self._path), offset, sha)
            self._index(ref, url, status, date, "response", error)
            return ref

    def _index(self, ref: ArchiveRef, url: str, status: int | None, date: str, kind: str,
               error: str | None) -> None:
        line = json.dumps({"uri": url, "type": kind, "status": status, "sha256": ref.sha256,
                           "file": Path(ref.path).name, "offset": ref.offset, "date": date,
                           "error": error}, ensure_ascii=False)
        # One O_APPEND write per line, after the record itself is flushed: a killed process
        # leaves either the whole line or none, and never a line pointing at nothing.
        fd = os.open(self.dir / "index.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (line + "\n").encode("utf-8"))
        finally:
            os.close(fd)


def read_record(ref: ArchiveRef) -> tuple[RecordHeaders, bytes]:
    """Re-read an archived response: ``(headers, body)``; headers know status and WARC fields."""
    with open(ref.path, "rb") as fh:
        fh.seek(ref.offset)
        for record in ArchiveIterator(fh):
            headers = RecordHeaders()
            if record.http_headers is not None:
                for name, value in record.http_headers.headers:
                    low = name.lower()
                    headers[low] = f"{headers[low]}, {value}" if low in headers else value
                code = record.http_headers.get_statuscode()
                headers.status = int(code) if code and code.isdigit() else None
            else:
                headers.status = None
            headers.warc = dict(record.rec_headers.headers)
            headers.target_uri = record.rec_headers.get_header("WARC-Target-URI")
            headers.record_type = record.rec_type
            body = record.content_stream().read()
            return headers, body
    raise FileNotFoundError(f"no WARC record at {ref}")
