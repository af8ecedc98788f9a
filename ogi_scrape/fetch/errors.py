"""The ways a fetch can end badly, each naming the URL and what a person can do about it.

All are ``ogi_scrape.errors.Blocked`` or ``FetchFailed`` (so the CLI maps them to exit
codes 4 and 5) except ``PageNotFound``, which is also a ``NotFound`` (exit 3): a 404 on a
report URL means "not published (any more)", not "the network failed".
"""

from __future__ import annotations

from ogi_scrape.errors import EXIT_NOT_FOUND, Blocked, FetchFailed, NotFound

_BLOCK_HINTS = {
    "ruishu-412": "the site sits behind the 瑞数 (Ruishu) WAF, which wants a browser to run its "
                  "JS challenge; fetch these pages from a real browser or an allowed network "
                  "and add them as local files",
    "jiasule-521": "the site sits behind 加速乐 (Jiasule), which sets a cookie with obfuscated JS; "
                   "fetch from a browser, or try again later from a different network",
    "captcha": "the portal asks for a CAPTCHA (安全验证); slow down (raise the host delay) and "
               "retry later, or download the page by hand",
    "waf": "a web application firewall rejected the request; retry later with a larger host "
           "delay, or download the page by hand",
}


class BlockedByAntiBot(Blocked):
    """An anti-bot wall answered instead of the portal; never retried, never parsed."""

    def __init__(self, url: str, kind: str, status: int | None, *, archive_ref=None,
                 evidence: str = "", earlier: bool = False):
        what = f"HTTP {status}" if status is not None else "an earlier answer"
        when = " earlier in this run; not asking again" if earlier else "; not retried"
        super().__init__(f"{url}: blocked by an anti-bot answer ({kind}, {what}){when}",
                         hint=_BLOCK_HINTS.get(kind))
        self.url, self.kind, self.status = url, kind, status
        self.archive_ref, self.evidence = archive_ref, evidence


class FetchError(FetchFailed):
    """Base of our fetch failures: carries the URL, attempts made and the archived answer."""

    def __init__(self, url: str, message: str, *, hint: str | None = None, attempts: int = 0,
                 archive_ref=None, status: int | None = None, response=None):
        super().__init__(f"{url}: {message}", hint=hint)
        self.url, self.attempts, self.archive_ref = url, attempts, archive_ref
        self.status, self.response = status, response


class RetriesExhausted(FetchError):
    """Transient failures (timeouts, resets, 5xx, 429) outlasted the attempts or time budget."""


class HTTPStatusError(FetchError):
    """The server gave a definitive non-success answer (e.g. 403, 500 after retries)."""


class PageNotFound(HTTPStatusError, NotFound):
    """404 / 410: the page is not there; never retried."""

    exit_code = EXIT_NOT_FOUND


class RobotsDisallowed(FetchError):
    """robots.txt forbids this URL (or could not be read: RFC 9309 says assume disallow)."""


class TooLarge(FetchError):
    """The body (after decompression) passed the size cap; the download was aborted."""


class RedirectError(FetchError):
    """A redirect loop, too many hops, or a redirect without a usable Location."""


class Unreachable(FetchError):
    """The host cannot be reached at all (not in the offline mirror, DNS failure)."""


class TLSError(FetchError):
    """TLS certificate verification failed; retrying will not help."""
