"""The one polite, robust HTTP client of ogi_scrape (and the only code importing httpx).

Modelled on scrapelib (one client that owns politeness, retries and identity), with what
the government-portal setting adds: per-host rate limits that also cover retries, whole-host
cool-downs on ``Retry-After``, robots.txt per RFC 9309, anti-bot walls reported instead of
retried, redirects followed by us (HTTP, meta refresh, JS stubs) so loops are caught, hard
size caps that survive gzip bombs, and every attempt archived as WARC. The life of one
``get``:

1. for each hop of the redirect chain: refuse hosts already walled this run, route through
   the mirror (offline mode), check robots.txt (fetched once per host, archived);
2. attempts: take a host slot (spacing + concurrency + global cap + cool-down), stream the
   body under the size caps, archive the exchange, then classify: anti-bot wall → raise
   ``Blocked``; 5xx/429/408, timeouts, resets, truncation → back off (jittered exponential,
   at least the host's ``Retry-After``) and retry while attempts and time budget last;
   anything else is the answer;
3. redirects (3xx ``Location``, or a stub page with meta refresh / ``location.href``) loop
   back to 1 with loop and hop-count checks; the final answer is raised as an error if it is
   not a success (unless ``raise_for_status=False``).
"""

from __future__ import annotations

import asyncio
import email.utils
import hashlib
import http.cookiejar
import json as _json
import logging
import random
import ssl
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urldefrag, urlencode, urljoin, urlsplit

import httpx

from ogi_scrape.fetch import antibot
from ogi_scrape.fetch.archive import Archive
from ogi_scrape.fetch.body import BadEncoding, BodyDecoder, BodyTooLarge
from ogi_scrape.fetch.errors import (
    BlockedByAntiBot,
    FetchError,
    HTTPStatusError,
    PageNotFound,
    RedirectError,
    RetriesExhausted,
    RobotsDisallowed,
    TLSError,
    TooLarge,
    Unreachable,
)
from ogi_scrape.fetch.limiter import BudgetExceeded, Clock, HostLimiter
from ogi_scrape.fetch.mirror import Mirror
from ogi_scrape.fetch.redirects import soft_redirect
from ogi_scrape.fetch.response import Response
from ogi_scrape.fetch.robots import RobotsRules, rules_from_answer
from ogi_scrape.fetch.settings import FetchSettings
from ogi_scrape.errors import FetchFailed

log = logging.getLogger("ogi_scrape.fetch")

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_EVIDENCE_BYTES = 64 * 1024


def is_retryable_status(status: int) -> bool:
    return status in (408, 429) or (500 <= status < 600 and status not in (501, 505))


def parse_retry_after(value: str | None, now_wall: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` (delta-seconds or HTTP-date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, when.timestamp() - now_wall)


class _RejectAllCookies(http.cookiejar.DefaultCookiePolicy):
    """httpx would share one jar across every mirrored host (all are 127.0.0.1); we keep our own."""

    def set_ok(self, cookie, request):
        return False

    def return_ok(self, cookie, request):
        return False


@dataclass
class _Outcome:
    """One attempt: a response (possibly partial) and/or the problem that ended it."""

    status: int | None = None
    reason: str = ""
    headers: dict | None = None
    body: bytes = b""
    error: str | None = None
    retryable: bool = False
    failure: type[FetchError] | None = None
    truncated: str | None = None
    sent_headers: dict | None = None
    set_cookies: tuple[str, ...] = ()


def _lower_headers(headers: httpx.Headers) -> dict:
    out: dict[str, str] = {}
    for name, value in headers.multi_items():
        low = name.lower()
        out[low] = f"{out[low]}, {value}" if low in out else value
    return out


def _is_html(content_type: str, body: bytes) -> bool:
    if content_type:
        return "html" in content_type.lower()
    return body[:256].lstrip()[:1] == b"<"


def _tls_failure(exc: BaseException) -> bool:
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, ssl.SSLCertVerificationError):
            return True
        if "CERTIFICATE_VERIFY_FAILED" in str(exc):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


class Fetcher:
    """Async HTTP client with politeness, retries, robots, anti-bot detection and WARC capture."""

    def __init__(self, settings: FetchSettings | None = None, archive: Archive | None = None,
                 mirror: Mirror | None = None, *, clock: Clock | None = None,
                 rng: random.Random | None = None):
        self.settings = settings or FetchSettings()
        self.archive = archive
        self.mirror = mirror
        self.clock = clock or Clock()
        self._rng = rng or random.Random()
        s = self.settings
        self.limiter = HostLimiter(delay=s.delay, concurrency=s.host_concurrency,
                                   max_concurrency=s.max_concurrency, clock=self.clock,
                                   margin=s.delay_margin)
        for host, policy in s.hosts.items():
            self.limiter.configure(host, delay=policy.delay, concurrency=policy.concurrency)
        self._client: httpx.AsyncClient | None = None
        self._robots: dict[str, RobotsRules] = {}
        self._robots_locks: dict[str, asyncio.Lock] = {}
        self._walled: dict[str, tuple[str, int | None]] = {}
        self._cookies: dict[str, dict[str, str]] = {}
        self.stats: Counter = Counter()

    # -- lifecycle ---------------------------------------------------------------------
    async def __aenter__(self) -> "Fetcher":
        s = self.settings
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(connect=s.connect_timeout, read=s.read_timeout,
                                  write=s.write_timeout, pool=s.pool_timeout),
            limits=httpx.Limits(max_connections=max(10, s.max_concurrency * 2),
                                max_keepalive_connections=s.max_concurrency),
            follow_redirects=False, trust_env=False, verify=s.verify_tls,
            cookies=http.cookiejar.CookieJar(policy=_RejectAllCookies()))
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def configure_host(self, host: str, *, delay: float | None = None,
                       concurrency: int | None = None) -> None:
        """Per-host politeness from the source registry (``[politeness]``)."""
        self.limiter.configure(host, delay=delay, concurrency=concurrency)

    def robots_rules(self, url: str) -> RobotsRules | None:
        parts = urlsplit(url)
        return self._robots.get(f"{parts.scheme}://{parts.netloc}".lower())

    # -- public requests ---------------------------------------------------------------
    async def get(self, url: str, headers: dict | None = None, validators: dict | None = None,
                  *, raise_for_status: bool = True) -> Response:
        extra = dict(headers or {})
        for key, header in (("etag", "If-None-Match"), ("last_modified", "If-Modified-Since")):
            if validators and validators.get(key):
                extra[header] = validators[key]
        return await self.request("GET", url, headers=extra, raise_for_status=raise_for_status)

    async def post(self, url: str, json=None, data=None, headers: dict | None = None, *,
                   raise_for_status: bool = True) -> Response:
        extra = dict(headers or {})
        body = b""
        if json is not None:
            body = _json.dumps(json, ensure_ascii=False).encode("utf-8")
            extra.setdefault("Content-Type", "application/json; charset=utf-8")
        elif data is not None:
            body = data if isinstance(data, bytes) else urlencode(data).encode("utf-8")
            extra.setdefault("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
        return await self.request("POST", url, headers=extra, body=body,
                                  raise_for_status=raise_for_status)

    async def request(self, method: str, url: str, *, headers: dict | None = None,
                      body: bytes = b"", raise_for_status: bool = True,
                      obey_robots: bool = True, max_bytes: int | None = None) -> Response:
        if self._client is None:
            raise RuntimeError("use `async with Fetcher(...) as f:` before fetching")
        url = self._check_url(url)
        deadline = self.clock.monotonic() + self.settings.total_budget
        chain: list[str] = []
        kinds: list[str] = []
        visited = {url}
        current, first_headers = url, dict(headers or {})
        hop_headers = first_headers
        attempts = 0
        while True:
            resp = await self._fetch_one(method, current, hop_headers, body, deadline,
                                         obey_robots=obey_robots, max_bytes=max_bytes)
            attempts += resp.attempts
            target = kind = None
            if resp.status in REDIRECT_STATUSES:
                target, kind = resp.headers.get("location"), str(resp.status)
                if not target:
                    raise RedirectError(current, f"HTTP {resp.status} without a Location header",
                                        attempts=attempts, archive_ref=resp.archive_ref,
                                        status=resp.status, response=resp)
            elif 200 <= resp.status < 300 and _is_html(resp.content_type, resp.content) and (
                    self.settings.follow_meta_refresh or self.settings.follow_js_redirects):
                soft = soft_redirect(resp.text, len(resp.content),
                                     meta=self.settings.follow_meta_refresh,
                                     js=self.settings.follow_js_redirects)
                if soft:
                    kind, target = soft
            if target is None:
                break
            nxt = urldefrag(urljoin(current, target.strip()))[0]
            chain.append(current)
            kinds.append(kind)
            if urlsplit(nxt).scheme not in ("http", "https"):
                raise RedirectError(current, f"redirect ({kind}) to a non-HTTP URL {nxt!r}",
                                    attempts=attempts, archive_ref=resp.archive_ref)
            if nxt in visited:
                raise RedirectError(url, "redirect loop: " + " → ".join(chain + [nxt]),
                                    hint="the portal redirects in a circle; the page has "
                                         "probably moved: look for its new address",
                                    attempts=attempts, archive_ref=resp.archive_ref)
            if len(chain) > self.settings.max_redirects:
                raise RedirectError(url, f"more than {self.settings.max_redirects} redirects: "
                                    + " → ".join(chain + [nxt]), attempts=attempts,
                                    archive_ref=resp.archive_ref)
            visited.add(nxt)
            if kind in ("meta", "js", "303") or (kind in ("301", "302") and method == "POST"):
                method, body = "GET", b""
            # Validators belong to the first URL; a body's type only travels with the body.
            dropped = {"if-none-match", "if-modified-since"} | (set() if body else
                                                                {"content-type"})
            hop_headers = {k: v for k, v in first_headers.items() if k.lower() not in dropped}
            current = nxt
        resp.url, resp.final_url = url, current
        resp.redirects, resp.redirect_kinds, resp.attempts = chain, kinds, attempts
        if raise_for_status and not resp.ok:
            self._raise_for_status(resp)
        return resp

    # -- helpers -----------------------------------------------------------------------
    @staticmethod
    def _check_url(url: str) -> str:
        parts = urlsplit(url.strip() if isinstance(url, str) else "")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError(str(url), "not an http(s) URL with a host name",
                             hint="give a full URL such as http://www.luding.gov.cn/")
        return urldefrag(url.strip())[0]

    @staticmethod
    def _raise_for_status(resp: Response):
        common = dict(attempts=resp.attempts, archive_ref=resp.archive_ref, status=resp.status,
                      response=resp)
        if resp.status in (404, 410):
            raise PageNotFound(resp.final_url, f"HTTP {resp.status}: the page is not there",
                               hint="check the URL; the portal may have moved or removed it",
                               **common)
        if is_retryable_status(resp.status):
            raise RetriesExhausted(resp.final_url,
                                   f"HTTP {resp.status} after {resp.attempts} attempt(s)",
                                   hint="the portal is failing or overloaded; try again later",
                                   **common)
        raise HTTPStatusError(resp.final_url, f"HTTP {resp.status}", **common)

    def _backoff(self, attempt: int) -> float:
        s = self.settings
        d = min(s.backoff_max, s.backoff_base * (2 ** (attempt - 1)))
        return d / 2 + self._rng.uniform(0, d / 2)

    # -- one URL, with retries ----------------------------------------------------------
    async def _fetch_one(self, method: str, url: str, headers: dict, body: bytes,
                         deadline: float, *, obey_robots: bool,
                         max_bytes: int | None) -> Response:
        s = self.settings
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if s.stop_host_after_block and host in self._walled:
            kind, _ = self._walled[host]
            raise BlockedByAntiBot(url, kind, None, earlier=True)
        physical, host_header, via = url, None, None
        if self.mirror is not None:
            routed = self.mirror.route(url)
            if routed is None:
                raise Unreachable(url, f"host {host} is not in the offline mirror "
                                       f"({len(self.mirror.hosts())} hosts); there is no network",
                                  hint="add a replica site folder for this host, or fix the URL")
            physical, host_header = routed
            via = physical.split("/", 3)[2]
        if obey_robots and s.obey_robots:
            await self._check_robots(url, host)

        attempt = 0
        problem = "no attempt made"
        while True:
            attempt += 1
            try:
                async with self.limiter.slot(host, deadline) as sent:
                    out = await self._attempt(method, url, physical, host, host_header,
                                              headers, body, max_bytes, sent)
            except BudgetExceeded as exc:
                raise RetriesExhausted(url, f"gave up after {attempt - 1} attempt(s): the host "
                                            f"needs {exc.wait:.0f}s more, past the "
                                            f"{s.total_budget:.0f}s budget (last: {problem})",
                                       attempts=attempt - 1) from None
            fetched_at = datetime.now(timezone.utc)
            ref = None
            if self.archive is not None:
                ref = self.archive.write_exchange(
                    url=url, method=method, request_headers=out.sent_headers or {},
                    request_body=body, status=out.status, reason=out.reason,
                    response_headers=out.headers, body=out.body, fetched_at=fetched_at,
                    via=via, error=out.error, truncated=out.truncated)
            self.stats["attempts"] += 1

            if out.error is None:
                status, rh = out.status, out.headers or {}
                if status != 304 and status not in REDIRECT_STATUSES:
                    wall = antibot.detect(status, rh, out.body)
                    if wall:
                        kind, evidence = wall
                        self._walled[host] = (kind, status)
                        self.stats["blocked"] += 1
                        log.warning("blocked: %s %s (%s, %s)", url, status, kind, evidence)
                        raise BlockedByAntiBot(url, kind, status, archive_ref=ref,
                                               evidence=evidence)
                self._keep_cookies(host, out.set_cookies)
                if is_retryable_status(status):
                    wait = parse_retry_after(rh.get("retry-after"), self.clock.time())
                    if wait is not None:
                        self.limiter.cool_down(host, min(wait, s.retry_after_cap))
                    problem = f"HTTP {status}"
                    if attempt < s.max_attempts:
                        await self._sleep_before_retry(url, attempt, deadline, problem)
                        continue
                resp = Response(url=url, final_url=url, status=status, headers=rh,
                                content=out.body, sha256=hashlib.sha256(out.body).hexdigest(),
                                fetched_at=fetched_at, not_modified=status == 304,
                                archive_ref=ref, attempts=attempt, method=method)
                return resp

            problem = out.error
            if not out.retryable:
                raise (out.failure or FetchError)(url, out.error, attempts=attempt,
                                                  archive_ref=ref, status=out.status)
            if attempt >= s.max_attempts:
                raise RetriesExhausted(url, f"{out.error} (gave up after {attempt} attempts)",
                                       hint="the portal is unreachable or failing; try later",
                                       attempts=attempt, archive_ref=ref, status=out.status)
            await self._sleep_before_retry(url, attempt, deadline, problem)

    async def _sleep_before_retry(self, url: str, attempt: int, deadline: float,
                                  problem: str) -> None:
        delay = self._backoff(attempt)
        if self.clock.monotonic() + delay > deadline:
            raise RetriesExhausted(url, f"gave up after {attempt} attempt(s): the next retry "
                                        f"would pass the {self.settings.total_budget:.0f}s "
                                        f"budget (last: {problem})", attempts=attempt)
        self.stats["retries"] += 1
        log.info("retry %d for %s in %.2fs (%s)", attempt, url, delay, problem)
        await self.clock.sleep(delay)

    def _keep_cookies(self, host: str, set_cookies: tuple[str, ...]) -> None:
        """A minimal per-host jar (name=value only): enough for JSP session-gated listings."""
        for header in set_cookies:
            first = header.split(";", 1)[0]
            if "=" in first:
                name, value = first.split("=", 1)
                if name.strip():
                    self._cookies.setdefault(host, {})[name.strip()] = value.strip()

    # -- one attempt ---------------------------------------------------------------------
    async def _attempt(self, method: str, url: str, physical: str, host: str,
                       host_header: str | None, headers: dict, body: bytes,
                       max_bytes: int | None, sent=lambda: None) -> _Outcome:
        s = self.settings
        sent_headers = {
            "User-Agent": s.user_agent,
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "Accept-Language": s.accept_language,
            "Accept-Encoding": "gzip, deflate"}
        sent_headers.update(headers)
        if host_header:
            sent_headers["Host"] = host_header
        cookies = self._cookies.get(host)
        if cookies and not any(k.lower() == "cookie" for k in sent_headers):
            sent_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        out = _Outcome(sent_headers=dict(sent_headers))
        if "Host" not in sent_headers:
            out.sent_headers["Host"] = urlsplit(url).netloc
        decoder: BodyDecoder | None = None

        async def trace(event: str, info: dict) -> None:
            # The limiter books the host's next start from the moment our request is out.
            if event.endswith("send_request_headers.complete"):
                sent()

        try:
            async with asyncio.timeout(s.attempt_timeout):
                async with self._client.stream(method, physical, headers=sent_headers,
                                               content=body or None,
                                               extensions={"trace": trace}) as r:
                    sent()
                    out.status, out.reason = r.status_code, r.reason_phrase
                    out.headers = _lower_headers(r.headers)
                    out.set_cookies = tuple(r.headers.get_list("set-cookie"))
                    ctype = out.headers.get("content-type", "")
                    limit = max_bytes or (s.max_html_bytes if "html" in ctype.lower()
                                          else s.max_bytes)
                    declared = out.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > limit and \
                            "content-encoding" not in out.headers:
                        out.error = (f"declared size {int(declared):,} bytes is over the "
                                     f"{limit:,}-byte cap; not downloaded")
                        out.failure, out.truncated = TooLarge, "length"
                        return out
                    decoder = BodyDecoder(out.headers.get("content-encoding"), limit)
                    if method != "HEAD" and out.status not in (204, 304):
                        async for chunk in r.aiter_raw():
                            decoder.feed(chunk)
                    out.body = decoder.finish()
                    if decoder.encoding:
                        out.headers.pop("content-encoding", None)
                        out.headers["x-ogi-original-content-encoding"] = decoder.encoding
                    self.stats["bytes"] += decoder.wire
            return out
        except BodyTooLarge as exc:
            out.error, out.failure, out.truncated = str(exc), TooLarge, "length"
        except BadEncoding as exc:
            out.error, out.retryable, out.truncated = str(exc), True, "disconnect"
        except (httpx.TimeoutException, TimeoutError) as exc:
            phase = {httpx.ConnectTimeout: "connecting", httpx.ReadTimeout: "reading",
                     httpx.WriteTimeout: "sending", httpx.PoolTimeout: "waiting for a "
                     "connection"}.get(type(exc), "the whole attempt")
            out.error, out.retryable = f"timed out {phase}", True
            if out.status is not None:
                out.truncated = "time"
        except httpx.ConnectError as exc:
            if _tls_failure(exc):
                out.error, out.failure = f"TLS certificate verification failed: {exc}", TLSError
            else:
                out.error, out.retryable = f"could not connect: {exc or type(exc).__name__}", True
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError,
                httpx.NetworkError) as exc:
            got = f" after {decoder.wire:,} body bytes" if decoder and decoder.wire else ""
            what = "connection broke" + got if out.status is not None else \
                "connection closed without a response"
            out.error, out.retryable = f"{what}: {exc or type(exc).__name__}", True
            if out.status is not None:
                out.truncated = "disconnect"
        except (httpx.UnsupportedProtocol, httpx.InvalidURL, httpx.LocalProtocolError) as exc:
            out.error = f"cannot request this URL: {exc}"
        if decoder is not None:
            out.body = decoder.partial(_EVIDENCE_BYTES)
        return out

    # -- robots.txt ------------------------------------------------------------------------
    async def _check_robots(self, url: str, host: str) -> None:
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}".lower()
        if parts.path == "/robots.txt":
            return
        rules = self._robots.get(key)
        if rules is None:
            lock = self._robots_locks.setdefault(key, asyncio.Lock())
            async with lock:
                rules = self._robots.get(key)
                if rules is None:
                    rules = await self._load_robots(key, host)
                    self._robots[key] = rules
        if not rules.allowed(url, self.settings.user_agent):
            self.stats["robots_disallowed"] += 1
            raise RobotsDisallowed(url, f"robots.txt of {key} does not allow this URL "
                                        f"({rules.reason})",
                                   hint="the portal asks crawlers to stay away; with the "
                                        "owner's permission run with robots disabled")

    async def _load_robots(self, key: str, host: str) -> RobotsRules:
        try:
            resp = await self.request("GET", key + "/robots.txt", raise_for_status=False,
                                      obey_robots=False, max_bytes=self.settings.robots_max_bytes)
            rules = rules_from_answer(resp.status, resp.content_type, resp.content)
        except BlockedByAntiBot:
            raise
        except FetchFailed as exc:
            rules = rules_from_answer(None, "", b"", failure=getattr(exc, "message", str(exc)))
        delay = rules.crawl_delay(self.settings.user_agent)
        if delay:
            if delay > self.settings.max_crawl_delay:
                log.warning("%s asks Crawl-delay %.0fs; clipping to %.0fs", key, delay,
                            self.settings.max_crawl_delay)
            self.limiter.raise_delay(host, min(delay, self.settings.max_crawl_delay))
        log.info("robots %s: %s", key, rules.reason)
        return rules
