"""A real HTTP server that plays back replica government portals, chosen by ``Host`` header.

There is no internet in development or CI, yet the fetcher, the discovery adapters and the
crawl must be tested against something that behaves like the portals do: GBK pages without a
charset header, 301s after a redesign, 瑞数 412 walls, flaky 503s. So every network-facing test
talks real HTTP to this server on 127.0.0.1, and the knowledge about each portal lives in
fixture folders, not in mocks.

Layout of a replica root (``fixtures/portals``)::

    root/<hostname>/            one site per real host name (e.g. www.luding.gov.cn)
    root/<hostname>/site.toml   optional: family, charset header, routes, fault plans
    root/<hostname>/a/b.html    static files

Resolution order for each request:

1. unknown ``Host`` (port stripped, lower-cased) → **404** with a one-line body naming the host
   (chosen over refusing the connection: a test can tell "wrong host" from "server down");
2. a fault plan for the path (``[[faults]]`` in site.toml, or ``ReplicaServer.inject``): one
   behaviour is consumed per request, the last one sticks; ``ok`` means "answer normally";
3. an exact ``[[routes]]`` entry (path with query first, then path alone);
4. the family handler ``ogi_scrape.replica.families.<family>.handle(request, site)`` if
   site.toml names a ``family``; returning ``None`` falls through;
5. static files: ``/a/b/`` → ``a/b/index.html``; ``/a/b`` → ``a/b``, else ``a/b.html``, else
   ``a/b/index.html``. ``site.toml`` itself is never served. Files carry ``ETag`` and
   ``Last-Modified``; a matching ``If-None-Match`` / ``If-Modified-Since`` gets a 304.

Text types get ``; charset=utf-8`` unless site.toml says ``charset_header = "gbk"`` (any
label) or ``""`` (no charset parameter at all, as many GBK portals do).

The objects a family handler sees:

``ReplicaRequest``
    ``method``, ``path`` (percent-decoded, no query), ``target`` (raw path + query as sent),
    ``query`` (dict: name → first value), ``query_lists`` (name → all values),
    ``headers`` (dict, lower-case names), ``body`` (bytes), ``form()`` (url-encoded body →
    dict), ``json()`` (body parsed as JSON; ``ValueError`` if it is not).
``ReplicaSite``
    ``host``, ``root`` (the site folder), ``config`` (parsed site.toml as a dict),
    ``read(relpath) -> bytes`` (a file of the site; refuses paths escaping the folder),
    ``exists(relpath)``, ``charset_header``, ``content_type_for(relpath)``.
``ReplicaResponse``
    ``status``, ``headers`` (dict), ``body`` (bytes); helpers ``ReplicaResponse.html(text)``,
    ``.json_body(obj)``, ``.redirect(location)``, ``.file(site, relpath)``.

Fault behaviours (strings in a plan): ``ok``; ``status:NNN`` (``status:429:retry-after=2``
or ``status:503:retry-after=<HTTP-date>``); ``slow:SECONDS`` (sleep, then answer normally);
``drip:SECONDS`` (the normal answer, its body trickled out in 20 pieces over SECONDS);
``reset`` (close the socket with an RST, no response); ``truncate`` (declare a longer
Content-Length than the bytes sent, then close); ``wrong-charset:LABEL`` (the normal answer
with a lying charset header); ``gzip-bomb:MB`` (small gzip body inflating to MB megabytes);
``oversize:MB`` (MB megabytes of HTML, no Content-Length, ends at connection close;
``oversize:MB:declared`` sends the Content-Length); ``redirect:/path`` (302);
``redirect-loop`` (302 to itself); ``meta-refresh:/path``; ``js-redirect:/path``;
``challenge-412`` (瑞数); ``jsl-521`` (加速乐); ``captcha`` (安全验证 page, 200); ``waf``
(403 firewall page).
"""

from __future__ import annotations

import email.utils
import hashlib
import importlib
import json as _json
import mimetypes
import socket
import struct
import threading
import time
import tomllib
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, NamedTuple
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = [
    "ReplicaServer", "ReplicaRequest", "ReplicaResponse", "ReplicaSite", "LoggedRequest",
    "ReplicaConfigError", "FAULT_KINDS",
]

FAULT_KINDS = frozenset({
    "ok", "status", "slow", "drip", "reset", "truncate", "wrong-charset", "gzip-bomb", "oversize",
    "redirect", "redirect-loop", "meta-refresh", "js-redirect", "challenge-412", "jsl-521",
    "captcha", "waf",
})

_TEXT_TYPES = {"text/html", "text/plain", "text/css", "text/xml", "application/xml",
               "application/json", "application/javascript", "text/javascript", "text/csv"}
_EXTRA_TYPES = {
    ".html": "text/html", ".htm": "text/html", ".shtml": "text/html", ".jhtml": "text/html",
    ".jsp": "text/html", ".php": "text/html", ".asp": "text/html", ".aspx": "text/html",
    ".txt": "text/plain", ".json": "application/json", ".xml": "application/xml",
    ".js": "application/javascript", ".css": "text/css", ".csv": "text/csv",
    ".pdf": "application/pdf", ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".rtf": "application/rtf", ".wps": "application/octet-stream",
    ".zip": "application/zip", ".png": "image/png", ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg", ".gif": "image/gif",
}


class ReplicaConfigError(ValueError):
    """A replica site is mis-configured (bad site.toml, unknown family, bad fault plan)."""


class LoggedRequest(NamedTuple):
    """One request as the server saw it.

    ``time`` is ``time.monotonic()`` when the connection was ACCEPTED (the request's start,
    as a portal's access log would see it); ``wall`` is the same instant as ``time.time()``.
    """

    time: float
    wall: float
    host: str
    method: str
    target: str
    headers: dict
    body: bytes


# --------------------------------------------------------------------------- data objects


@dataclass
class ReplicaRequest:
    method: str
    path: str
    target: str
    query: dict
    query_lists: dict
    headers: dict
    body: bytes = b""

    def json(self):
        """The body as JSON (``ValueError`` if it is not JSON), like a portal API reads it."""
        return _json.loads(self.body.decode("utf-8"))

    def form(self) -> dict:
        """An ``application/x-www-form-urlencoded`` body as name → first value."""
        return {k: v[0] for k, v in parse_qs(self.body.decode("utf-8", "replace"),
                                              keep_blank_values=True).items()}


@dataclass
class ReplicaResponse:
    status: int = 200
    headers: dict = field(default_factory=dict)
    body: bytes = b""

    @classmethod
    def html(cls, text: str, status: int = 200, *, charset: str = "utf-8",
             headers: dict | None = None) -> "ReplicaResponse":
        ctype = f"text/html; charset={charset}" if charset else "text/html"
        enc = charset or "utf-8"
        return cls(status, {"Content-Type": ctype, **(headers or {})}, text.encode(enc))

    @classmethod
    def json_body(cls, obj, status: int = 200) -> "ReplicaResponse":
        return cls(status, {"Content-Type": "application/json; charset=utf-8"},
                   _json.dumps(obj, ensure_ascii=False).encode("utf-8"))

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> "ReplicaResponse":
        return cls(status, {"Location": location, "Content-Type": "text/html; charset=utf-8"},
                   b"")

    @classmethod
    def file(cls, site: "ReplicaSite", relpath: str, status: int = 200) -> "ReplicaResponse":
        """A site file with the validators nginx would send (ETag, Last-Modified)."""
        body = site.read(relpath)
        mtime = site._resolve(relpath).stat().st_mtime
        return cls(status, {"Content-Type": site.content_type_for(relpath),
                            "ETag": '"%s"' % hashlib.sha1(body).hexdigest()[:16],
                            "Last-Modified": email.utils.formatdate(mtime, usegmt=True)}, body)


@dataclass
class ReplicaSite:
    host: str
    root: Path
    config: dict

    @property
    def charset_header(self) -> str:
        return str(self.config.get("charset_header", "utf-8"))

    def _resolve(self, relpath: str) -> Path | None:
        rel = relpath.lstrip("/")
        target = (self.root / rel).resolve()
        root = self.root.resolve()
        if target != root and root not in target.parents:
            return None
        return target

    def exists(self, relpath: str) -> bool:
        p = self._resolve(relpath)
        return p is not None and p.is_file()

    def read(self, relpath: str) -> bytes:
        """A file of this site; refuses anything outside the site folder."""
        p = self._resolve(relpath)
        if p is None:
            raise FileNotFoundError(f"{relpath!r} escapes the replica site {self.host}")
        return p.read_bytes()

    def content_type_for(self, relpath: str) -> str:
        suffix = Path(relpath).suffix.lower()
        ctype = _EXTRA_TYPES.get(suffix) or mimetypes.guess_type(relpath)[0] \
            or "application/octet-stream"
        if ctype in _TEXT_TYPES or ctype.startswith("text/"):
            if self.charset_header:
                return f"{ctype}; charset={self.charset_header}"
        return ctype


# --------------------------------------------------------------------------- site loading


def _load_site(folder: Path) -> ReplicaSite:
    host = folder.name.lower()
    config: dict = {}
    toml_path = folder / "site.toml"
    if toml_path.is_file():
        try:
            config = tomllib.loads(toml_path.read_text("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ReplicaConfigError(f"{toml_path}: not valid TOML ({exc}); fix the file") from exc
        for key in ("routes", "faults"):
            entries = config.get(key, [])
            if not isinstance(entries, list) or not all(
                    isinstance(e, dict) and isinstance(e.get("path"), str) for e in entries):
                raise ReplicaConfigError(
                    f"{toml_path}: every [[{key}]] entry needs a string 'path'")
        for fault in config.get("faults", []):
            plan = fault.get("plan")
            if not isinstance(plan, list) or not plan:
                raise ReplicaConfigError(
                    f"{toml_path}: [[faults]] for {fault['path']} needs a non-empty 'plan' list")
            for step in plan:
                _check_behaviour(step, where=str(toml_path))
        family = config.get("family")
        if family:
            try:
                importlib.import_module(f"ogi_scrape.replica.families.{family}")
            except ImportError as exc:
                raise ReplicaConfigError(
                    f"{toml_path}: family {family!r} has no handler module "
                    f"ogi_scrape/replica/families/{family}.py ({exc})") from exc
    return ReplicaSite(host=host, root=folder, config=config)


def _check_behaviour(step, *, where: str) -> None:
    if not isinstance(step, str) or step.split(":", 1)[0] not in FAULT_KINDS:
        raise ReplicaConfigError(
            f"{where}: unknown fault behaviour {step!r}; expected one of {sorted(FAULT_KINDS)}")


# --------------------------------------------------------------------------- canned pages

_RUISHU_412 = (
    '<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; '
    'charset=utf-8"><meta id="9DhefwqGPrzGxEp9hPaoag" content="{token}" r="m">'
    '<script type="text/javascript">$_ts=window[\'$_ts\'];if(!$_ts)$_ts={{}};$_ts.nsd=84361;'
    '$_ts.cd="qbzrrrAlDqAqqGWcqqAlqEl0rGqrqrrqDqqaqrlqrrQqqqqqAq";</script>'
    '<script type="text/javascript" charset="utf-8" src="/4QbVtADbnLVIc/d.FxJzG50F.dfe1675.js"'
    ' r="m"></script></head><body></body></html>')
_JSL_521 = (
    "<script>document.cookie=('_')+('_')+('j')+('s')+('l')+('_')+('c')+('l')+('e')+('a')+"
    "('r')+('a')+('n')+('c')+('e')+('_')+('s')+('=')+(-~[]+'')+((1<<2)+'')+(~~{{}}+'')+"
    "'{token}'+';max-age=3600;path=/';location.href=location.pathname+location.search"
    "</script>")
_CAPTCHA = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>安全验证</title></head><body>'
    '<div class="verify"><h3>安全验证</h3><p>您的访问过于频繁，请输入验证码后继续访问。</p>'
    '<form method="post" action="/verify"><img src="/captcha.jpg" alt="验证码">'
    '<input name="code" placeholder="请输入验证码"><button type="submit">提交</button>'
    '</form></div></body></html>')
_WAF = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>网站防火墙</title></head><body>'
    '<h1>网站防火墙</h1><p>您的请求带有不合法参数，已被网站管理员设置拦截！</p>'
    '<p>可能原因：访问异常</p></body></html>')


_BOMB_CACHE: dict[int, bytes] = {}
_BOMB_LOCK = threading.Lock()


def gzip_bomb(megabytes: float) -> bytes:
    """A gzip stream of ``megabytes`` MB of zeros (about 1/1000 of that on the wire)."""
    size = int(megabytes * 1024 * 1024)
    with _BOMB_LOCK:
        if size not in _BOMB_CACHE:
            comp = zlib.compressobj(9, zlib.DEFLATED, 31)
            chunk = b"\0" * (1 << 20)
            parts, left = [], size
            while left > 0:
                n = min(left, len(chunk))
                parts.append(comp.compress(chunk[:n]))
                left -= n
            parts.append(comp.flush())
            _BOMB_CACHE[size] = b"".join(parts)
        return _BOMB_CACHE[size]


# --------------------------------------------------------------------------- the server


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ogi-replica/0.1"
    server: "_HTTPServer"

    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        pass

    def _dispatch(self):
        self.close_connection = True
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        self.server.owner._handle(self, body)

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = do_OPTIONS = _dispatch


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256
    owner: "ReplicaServer"
    accept_times: dict[int, float]

    def process_request(self, request, client_address):
        # Stamp the connection in the accepting thread, before a handler thread exists:
        # rate-limit tests measure spacing between request starts, and handler-thread
        # scheduling would add tens of milliseconds of noise under load.
        self.accept_times[id(request)] = time.monotonic()
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        self.accept_times.pop(id(request), None)
        super().shutdown_request(request)

    def handle_error(self, request, client_address):
        # Clients that hang up mid-body (the fetcher aborting an oversized download) are
        # expected here; only unexpected errors are worth a line.
        import sys
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, OSError)):
            return
        super().handle_error(request, client_address)


class ReplicaServer:
    """Serve ``root/<hostname>/`` sites over HTTP/1.1 on a loopback port (see module doc)."""

    def __init__(self, root: Path | str, host: str = "127.0.0.1", port: int = 0, *,
                 on_request: Callable[[LoggedRequest, int], None] | None = None):
        self.root = Path(root)
        if not self.root.is_dir():
            raise ReplicaConfigError(
                f"replica root {self.root} is not a directory; pass the folder holding one "
                "sub-folder per host name (e.g. fixtures/portals)")
        self.bind_host = host
        self._want_port = port
        self._on_request = on_request
        self._sites: dict[str, ReplicaSite] = {}
        for folder in sorted(self.root.iterdir()):
            if folder.is_dir() and not folder.name.startswith((".", "_")):
                site = _load_site(folder)
                self._sites[site.host] = site
        self._lock = threading.Lock()
        self._log: list[LoggedRequest] = []
        self._plans: dict[tuple[str, str], list[str]] = {}
        for site in self._sites.values():
            for fault in site.config.get("faults", []):
                self._plans[(site.host, fault["path"])] = list(fault["plan"])
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> "ReplicaServer":
        if self._httpd is not None:
            return self
        self._stopping.clear()
        self._httpd = _HTTPServer((self.bind_host, self._want_port), _Handler)
        self._httpd.owner = self
        self._httpd.accept_times = {}
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        name=f"replica:{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._stopping.set()           # wakes handlers sleeping in a ``slow`` fault
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> "ReplicaServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("ReplicaServer is not started; call start() or use `with`")
        return self._httpd.server_address[1]

    def base_url(self) -> str:
        return f"http://{self.bind_host}:{self.port}"

    def hosts(self) -> list[str]:
        return sorted(self._sites)

    def site(self, host: str) -> ReplicaSite:
        return self._sites[host.lower()]

    # -- faults and the request log -----------------------------------------------------
    def inject(self, host: str, path: str, plan: list[str]) -> None:
        """Replace the fault plan for ``host`` + ``path`` (path may include ``?query``)."""
        if not plan:
            raise ReplicaConfigError("a fault plan needs at least one behaviour (e.g. ['ok'])")
        for step in plan:
            _check_behaviour(step, where=f"inject({host!r}, {path!r})")
        with self._lock:
            self._plans[(host.lower(), path)] = list(plan)

    def clear_faults(self) -> None:
        with self._lock:
            self._plans.clear()

    @property
    def requests(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._log)

    def requests_for(self, host: str, path: str | None = None) -> list[LoggedRequest]:
        host = host.lower()
        return [r for r in self.requests
                if r.host == host and (path is None or r.target.split("?")[0] == path
                                       or r.target == path)]

    def clear_requests(self) -> None:
        with self._lock:
            self._log.clear()

    def _next_behaviour(self, host: str, target: str, path: str) -> str | None:
        with self._lock:
            for key in ((host, target), (host, path)):
                plan = self._plans.get(key)
                if plan:
                    return plan.pop(0) if len(plan) > 1 else plan[0]
        return None

    # -- request handling ---------------------------------------------------------------
    def _handle(self, h: _Handler, body: bytes) -> None:
        accepted = h.server.accept_times.get(id(h.request))
        now = time.monotonic()
        wall = time.time() - (now - accepted if accepted is not None else 0.0)
        now = accepted if accepted is not None else now
        raw_target = h.path
        host_header = h.headers.get("Host", "")
        if raw_target.startswith(("http://", "https://")):     # proxy-style absolute form
            parts = urlsplit(raw_target)
            host_header = parts.netloc
            raw_target = parts.path + (f"?{parts.query}" if parts.query else "")
            if not raw_target.startswith("/"):
                raw_target = "/" + raw_target
        host = host_header.rsplit(":", 1)[0] if not host_header.endswith("]") else host_header
        host = host.strip().lower()
        headers = {k.lower(): v for k, v in h.headers.items()}
        entry = LoggedRequest(now, wall, host, h.command, raw_target, headers, body)
        with self._lock:
            self._log.append(entry)

        split = urlsplit(raw_target)
        path = unquote(split.path) or "/"
        qlists = parse_qs(split.query, keep_blank_values=True)
        request = ReplicaRequest(method=h.command, path=path, target=raw_target,
                                 query={k: v[0] for k, v in qlists.items()},
                                 query_lists=qlists, headers=headers, body=body)
        site = self._sites.get(host)
        if site is None:
            resp = ReplicaResponse(404, {"Content-Type": "text/plain; charset=utf-8"},
                                   f"no replica site for host {host!r}\n".encode())
            self._send(h, resp, entry)
            return
        behaviour = self._next_behaviour(host, raw_target, split.path or "/")
        if behaviour and behaviour != "ok":
            self._fault(h, behaviour, request, site, entry)
            return
        self._send(h, self._conditional(request, self._normal(request, site)), entry)

    @staticmethod
    def _conditional(request: ReplicaRequest, resp: ReplicaResponse) -> ReplicaResponse:
        """Answer 304 to a matching If-None-Match / If-Modified-Since, as portals' nginx does."""
        if resp.status != 200 or request.method not in ("GET", "HEAD"):
            return resp
        etag = resp.headers.get("ETag")
        inm = request.headers.get("if-none-match")
        ims = request.headers.get("if-modified-since")
        last = resp.headers.get("Last-Modified")
        fresh = False
        if inm is not None:
            fresh = etag is not None and etag in [t.strip() for t in inm.split(",")]
        elif ims and last:
            try:
                fresh = (email.utils.parsedate_to_datetime(last)
                         <= email.utils.parsedate_to_datetime(ims))
            except (TypeError, ValueError):
                fresh = False
        if not fresh:
            return resp
        keep = {k: v for k, v in resp.headers.items() if k in ("ETag", "Last-Modified")}
        return ReplicaResponse(304, keep, b"")

    def _normal(self, request: ReplicaRequest, site: ReplicaSite) -> ReplicaResponse:
        route = self._route(request, site)
        if route is not None:
            return route
        family = site.config.get("family")
        if family:
            module = importlib.import_module(f"ogi_scrape.replica.families.{family}")
            try:
                resp = module.handle(request, site)
            except Exception as exc:  # a fixture bug: show it to the test, don't hang
                import traceback
                return ReplicaResponse(500, {"Content-Type": "text/plain; charset=utf-8"},
                                       f"replica family {family} failed: {exc}\n"
                                       f"{traceback.format_exc()}".encode())
            if resp is not None:
                return resp
        return self._static(request, site)

    def _route(self, request: ReplicaRequest, site: ReplicaSite) -> ReplicaResponse | None:
        routes = site.config.get("routes", [])
        match = next((r for r in routes if r["path"] == request.target), None) or next(
            (r for r in routes if "?" not in r["path"] and r["path"] == request.path), None)
        if match is None:
            return None
        headers = dict(match.get("headers", {}))
        if "file" in match:
            body = site.read(match["file"])
            ctype = match.get("content_type") or site.content_type_for(match["file"])
        else:
            body = str(match.get("body", "")).encode("utf-8")
            ctype = match.get("content_type") or (
                f"text/html; charset={site.charset_header}" if site.charset_header
                else "text/html")
        headers.setdefault("Content-Type", ctype)
        return ReplicaResponse(int(match.get("status", 200)), headers, body)

    def _static(self, request: ReplicaRequest, site: ReplicaSite) -> ReplicaResponse:
        rel = request.path.lstrip("/")
        if request.path.endswith("/"):
            candidates = [rel + "index.html"]
        else:
            candidates = [rel, rel + ".html", rel + "/index.html"]
        for cand in candidates:
            if cand.rsplit("/", 1)[-1] == "site.toml":
                continue
            if site.exists(cand):
                return ReplicaResponse.file(site, cand)
        return ReplicaResponse(404, {"Content-Type": "text/html; charset=utf-8"},
                               b"<html><body><h1>404 Not Found</h1></body></html>")

    # -- faults -----------------------------------------------------------------------
    def _fault(self, h: _Handler, behaviour: str, request: ReplicaRequest,
               site: ReplicaSite, entry: LoggedRequest) -> None:
        kind, _, arg = behaviour.partition(":")
        html = ReplicaResponse.html
        if kind == "status":
            code, _, extra = arg.partition(":")
            headers = {}
            if extra.lower().startswith("retry-after="):
                headers["Retry-After"] = extra.split("=", 1)[1]
            self._send(h, html(f"<html><body>{code} (replica fault)</body></html>",
                               int(code), headers=headers), entry)
        elif kind == "slow":
            self._stopping.wait(float(arg or 10))
            if not self._stopping.is_set():     # "then answer normally": 304s included
                self._send(h, self._conditional(request, self._normal(request, site)), entry)
        elif kind == "drip":
            resp = self._normal(request, site)
            headers = dict(resp.headers, **{"Content-Length": str(len(resp.body))})
            self._write_head(h, resp.status, headers, {})
            step = max(1, -(-len(resp.body) // 20))
            starts = range(0, len(resp.body), step)
            gap = float(arg or 5) / max(1, len(starts))
            try:
                for i in starts:
                    h.wfile.write(resp.body[i:i + step])
                    h.wfile.flush()
                    if self._stopping.wait(gap):
                        break
            except OSError:
                pass
        elif kind == "reset":
            self._reset(h)
        elif kind == "truncate":
            resp = self._normal(request, site)
            body = resp.body or b"<html>" + b"x" * 1000
            half = body[: max(1, len(body) // 2)]
            self._write_head(h, resp.status, resp.headers,
                             {"Content-Length": str(len(body) + 1000)})
            h.wfile.write(half)
            h.wfile.flush()
            self._reset(h)
        elif kind == "wrong-charset":
            resp = self._normal(request, site)
            ctype = resp.headers.get("Content-Type", "text/html").split(";")[0]
            resp.headers["Content-Type"] = f"{ctype}; charset={arg or 'gbk'}"
            self._send(h, resp, entry)
        elif kind == "gzip-bomb":
            bomb = gzip_bomb(float(arg or 100))
            self._send(h, ReplicaResponse(200, {"Content-Type": "text/html; charset=utf-8",
                                                "Content-Encoding": "gzip"}, bomb), entry)
        elif kind == "oversize":
            self._oversize(h, arg)
        elif kind == "redirect":
            self._send(h, ReplicaResponse.redirect(arg or "/"), entry)
        elif kind == "redirect-loop":
            self._send(h, ReplicaResponse.redirect(arg or request.target), entry)
        elif kind == "meta-refresh":
            self._send(h, html(f'<html><head><meta http-equiv="refresh" content="0; url={arg}">'
                               '</head><body></body></html>'), entry)
        elif kind == "js-redirect":
            self._send(h, html(f'<SCRIPT> location.href="{arg}";</SCRIPT>'), entry)
        elif kind == "challenge-412":
            token = f"{int(entry.wall * 1000):x}"
            self._send(h, html(_RUISHU_412.format(token=token), 412, headers={
                "Set-Cookie": f"FSSBBIl1UgzbN7NO={token}; Path=/; HttpOnly"}), entry)
        elif kind == "jsl-521":
            token = f"{int(entry.wall * 1000):x}"
            self._send(h, html(_JSL_521.format(token=token), 521, headers={
                "Set-Cookie": f"__jsluid_h={token}a3f9; max-age=31536000; path=/; HttpOnly"}),
                entry)
        elif kind == "captcha":
            self._send(h, html(_CAPTCHA), entry)
        elif kind == "waf":
            self._send(h, html(_WAF, 403), entry)
        else:  # pragma: no cover - rejected by _check_behaviour
            raise ReplicaConfigError(f"unknown fault {behaviour!r}")

    def _oversize(self, h: _Handler, arg: str) -> None:
        mb, _, flag = arg.partition(":")
        size = int(float(mb or 60) * 1024 * 1024)
        extra = {"Content-Length": str(size)} if flag == "declared" else {}
        self._write_head(h, 200, {"Content-Type": "text/html; charset=utf-8"}, extra)
        chunk = (b"<p>" + "数据".encode() * 40 + b"</p>\n") * 512
        sent = 0
        try:
            while sent < size and not self._stopping.is_set():
                piece = chunk[: size - sent]
                h.wfile.write(piece)
                sent += len(piece)
        except OSError:
            pass  # the client gave up, as it should

    # -- low-level writing ------------------------------------------------------------
    def _write_head(self, h: _Handler, status: int, headers: dict, extra: dict) -> None:
        h.send_response_only(status)
        merged = {"Date": email.utils.formatdate(usegmt=True), "Server": h.server_version,
                  "Connection": "close", **headers, **extra}
        for name, value in merged.items():
            h.send_header(name, str(value))
        h.end_headers()

    def _send(self, h: _Handler, resp: ReplicaResponse, entry: LoggedRequest) -> None:
        headers = dict(resp.headers)
        headers["Content-Length"] = str(len(resp.body))
        try:
            self._write_head(h, resp.status, headers, {})
            if h.command != "HEAD" and resp.body:
                h.wfile.write(resp.body)
            h.wfile.flush()
        except OSError:
            pass
        if self._on_request is not None:
            self._on_request(entry, resp.status)

    @staticmethod
    def _reset(h: _Handler) -> None:
        """Abort the connection with an RST (SO_LINGER 0), as a crashed proxy would."""
        try:
            h.wfile.flush()
        except OSError:
            pass
        sock = h.connection
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
        except OSError:
            pass

