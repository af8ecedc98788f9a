"""What a crawl covers: the years asked and the sources in scope, from the command line.

Kept apart from the engine so the rules for ``--years 2019-2025`` / ``--since 2023`` have one
home, and so ``--resume`` can rebuild exactly the scope an interrupted run had from the JSON
the state store kept.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date

from ogi_scrape.errors import UsageError

FIRST_YEAR = 2008        # the 条例 took effect in 2008
_RANGE = re.compile(r"^\s*(\d{4})\s*(?:-\s*(\d{4})\s*)?$")


def latest_report_year(today: date | None = None) -> int:
    """Reports for year N appear by 31 March N+1; the newest year worth asking for is last year."""
    today = today or date.today()
    return today.year - 1


def parse_years(years: str | None, since: int | None, *, today: date | None = None) -> list[int]:
    """``"2019-2025"``, ``"2021,2023"``, ``"2024"`` or ``since=2023`` → a sorted list of years.

    Default (neither given): the last three report years, which covers late publications and
    corrections of the previous two reports."""
    last = latest_report_year(today)
    this_year = (today or date.today()).year
    if years and since:
        raise UsageError("give --years or --since, not both",
                         hint="--years 2019-2025 names a range; --since 2023 means 2023 up to last year")
    if since is not None:
        if not FIRST_YEAR <= since <= this_year:
            raise UsageError(f"--since {since}: no annual reports exist for that year",
                             hint=f"give a year between {FIRST_YEAR} and {this_year}")
        return list(range(since, max(since, last) + 1))
    if not years:
        return list(range(last - 2, last + 1))
    out: set[int] = set()
    for part in years.split(","):
        m = _RANGE.match(part)
        if not m:
            raise UsageError(f"--years {years}: {part.strip()!r} is not a year or a range",
                             hint="write e.g. --years 2019-2025 or --years 2021,2023")
        lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
        if lo > hi:
            raise UsageError(f"--years {years}: the range {lo}-{hi} runs backwards",
                             hint=f"write --years {hi}-{lo}")
        if lo < FIRST_YEAR or hi > this_year:
            raise UsageError(f"--years {years}: reports exist from {FIRST_YEAR} to {this_year} at most",
                             hint=f"give years between {FIRST_YEAR} and {this_year}")
        out.update(range(lo, hi + 1))
    return sorted(out)


@dataclass
class Scope:
    """The part of a run that ``--resume`` must reproduce exactly."""

    years: list[int]
    province: str | None = None
    county: str | None = None
    only: list[str] = field(default_factory=list)
    registry: list[str] = field(default_factory=list)   # extra registry files/folders
    mirror: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Scope":
        return cls(**{k: data.get(k) for k in ("years", "province", "county", "only", "registry", "mirror")
                      if k in data})

    def describe(self) -> str:
        where = ", ".join(x for x in (self.province and f"province {self.province}",
                                      self.county and f"division {self.county}",
                                      self.only and f"sources {' '.join(self.only)}") if x)
        ys = self.years
        span = f"{ys[0]}–{ys[-1]}" if ys == list(range(ys[0], ys[-1] + 1)) and len(ys) > 1 else \
            ", ".join(map(str, ys))
        return f"years {span}; {where or 'every registered source'}"
