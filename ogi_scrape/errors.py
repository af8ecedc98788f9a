"""Exit codes and the exceptions that map to them.

Exit codes are part of the CLI contract (documented in README.md): a nightly job or a
shell script must be able to tell "nothing published yet" from "the portal blocked us"
from "we could not read the tables" without parsing our messages.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_INTERNAL = 1          # a bug: please report it
EXIT_USAGE = 2             # bad input on the command line (argparse uses 2 as well)
EXIT_NOT_FOUND = 3         # the report (or the county, or the file) does not exist
EXIT_BLOCKED = 4           # an anti-bot wall answered instead of the portal
EXIT_FETCH_FAILED = 5      # network failure after all retries
EXIT_PARSE_PARTIAL = 6     # parsed, but a table is missing or a check failed
EXIT_PARSE_FAILED = 7      # no standard table could be read (or not a report)
EXIT_TOO_MANY_FAILURES = 8 # crawl: failures passed the configured threshold


class OgiError(Exception):
    """An error we expect and can explain to the user; ``exit_code`` says which kind."""

    exit_code = EXIT_INTERNAL

    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class UsageError(OgiError):
    exit_code = EXIT_USAGE


class NotFound(OgiError):
    exit_code = EXIT_NOT_FOUND


class Blocked(OgiError):
    exit_code = EXIT_BLOCKED


class FetchFailed(OgiError):
    exit_code = EXIT_FETCH_FAILED
