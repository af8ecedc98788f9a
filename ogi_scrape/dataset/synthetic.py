"""Fabricated but realistic parse results, for tests and the export benchmark.

Why in the package (not in tests/): the benchmark and the kill test's subprocess need the same
generator, and the lead can compare its output shape with the real parser's. Every report
satisfies the printed rules (申请 balance, 总计 = sum of columns, §四 totals), uses every code
of its format from the code book, and has the cell forms seen in real reports: blanks, "/",
money with a unit suffix, signed changes. Deterministic for a given seed.
"""

from __future__ import annotations

import hashlib
import random
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from ogi_scrape.dataset.codes import codes_for_format
from ogi_scrape.dataset.records import ReportMeta

S3_COLS = ("natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org")
_OUTCOMES_2019 = ("granted", "partial", "denied.state_secret", "denied.law_forbidden",
                  "denied.security_stability", "denied.third_party", "denied.internal_affairs",
                  "denied.process_info", "denied.enforcement_file", "denied.admin_query",
                  "unable.not_held", "unable.needs_creation", "unable.unclear", "rejected.petition",
                  "rejected.repeat", "rejected.publication", "rejected.mass_repeat", "rejected.confirm")


def _cell(code: str, value, raw: str, n: int, *, unit=None, flags=()) -> dict:
    section, rest = code.split(".", 1)
    row, column = rest.rsplit(".", 1)
    return {"code": code, "section": section, "row": row, "column": column, "value": value,
            "raw": raw, "unit": unit, "flags": list(flags),
            "provenance": {"source": "html", "table": int(section[1]) - 1, "row": n // 8, "col": n % 8,
                           "line": 100 + n}}


def synthetic_parse(seed: int, *, fmt: str = "gb2021", year: int = 2024, org: str = "某县人民政府",
                    revision: int = 0) -> dict:
    """A ParseResult.to_dict()-shaped result using every code of ``fmt``."""
    rnd = random.Random(f"{seed}:{fmt}:{year}:{revision}")
    values: list[dict] = []
    n = 0

    def add(code, value, raw=None, **kw):
        nonlocal n
        values.append(_cell(code, value, str(value) if raw is None else raw, n, **kw))
        n += 1

    # 二: counts, a few not-applicable cells, money with and without unit suffix
    for c in codes_for_format(fmt):
        if c.section != "s2":
            continue
        if c.type == "money":
            if c.code == "s2.fee.amount":
                v = Decimal(rnd.randint(0, 5000)) / 10
                add(c.code, v, str(v), unit="万元")
            else:
                v = Decimal(rnd.randint(0, 3_000_000))
                add(c.code, v, f"{v}元", unit="元")
        elif c.type == "signed_count":
            v = rnd.randint(-5, 5)
            add(c.code, v, f"+{v}" if v > 0 else (f"减{-v}" if v < 0 and rnd.random() < .3 else str(v)))
        elif c.row == "regulation" and rnd.random() < 0.5:          # counties issue no 规章
            add(c.code, None, "/", flags=["not_applicable"])
        else:
            add(c.code, rnd.randint(0, 400))

    # 三: per applicant column, received = handled + carried forward
    s3_rows = [r for r in dict.fromkeys(c.row for c in codes_for_format(fmt) if c.section == "s3")]
    outcome_rows = [r for r in s3_rows if r not in ("new", "carried_over", "total", "carried_forward")]
    grid: dict[str, dict[str, int]] = {r: {} for r in s3_rows}
    for col in S3_COLS:
        busy = col == "natural_person" or rnd.random() < 0.4
        new = rnd.randint(0, 60) if busy else 0
        carried = rnd.randint(0, 5) if busy else 0
        forward = rnd.randint(0, min(3, new + carried))
        handled = new + carried - forward
        split = [0] * len(outcome_rows)
        for _ in range(handled):
            split[min(int(rnd.expovariate(0.6)), len(outcome_rows) - 1)] += 1
        grid["new"][col], grid["carried_over"][col] = new, carried
        grid["total"][col], grid["carried_forward"][col] = handled, forward
        for r, v in zip(outcome_rows, split):
            grid[r][col] = v
    for r in s3_rows:
        grid[r]["total"] = sum(grid[r][c] for c in S3_COLS)
        for col in (*S3_COLS, "total"):
            v = grid[r][col]
            if v == 0 and col != "total" and rnd.random() < 0.15:    # C1: blank detail cells
                add(f"s3.{r}.{col}", None, "", flags=["blank"])
            else:
                add(f"s3.{r}.{col}", v)

    # 四: per proceeding, total = sum of outcomes
    for p in ("reconsideration", "litigation_direct", "litigation_after"):
        parts = [rnd.randint(0, 3) if rnd.random() < 0.3 else 0 for _ in range(4)]
        for o, v in zip(("upheld", "corrected", "other", "pending"), parts):
            add(f"s4.{p}.{o}", v)
        add(f"s4.{p}.total", sum(parts))

    checks = [
        {"rule": "s3.balance", "outcome": "pass", "detail": "new + carried_over = total + carried_forward",
         "evidence": {"columns": 7}},
        {"rule": "s3.column_total", "outcome": "pass", "detail": "total = sum of applicant columns",
         "evidence": {"rows": len(s3_rows)}},
        {"rule": "s4.total", "outcome": "pass", "detail": "total = upheld + corrected + other + pending",
         "evidence": {"groups": 3}},
    ]
    return {
        "template": fmt, "template_basis": f"header signature of {fmt}", "year": year, "org": org,
        "title": f"{org}{year}年政府信息公开工作年度报告", "status": "ok", "reasons": [],
        "parser_version": "synthetic-1",
        "source": {"name": f"synthetic-{seed}.html", "url": None,
                   "sha256": page_sha256(seed, year, revision), "encoding": "utf-8"},
        "tables": {"s2": True, "s3": True, "s4": True},
        "values": values, "checks": checks, "unreadable": [],
    }


def page_sha256(seed: int, year: int, revision: int = 0) -> str:
    return hashlib.sha256(f"page:{seed}:{year}:{revision}".encode()).hexdigest()


def synthetic_report(seed: int, *, year: int = 2024, division_code: str = "513322",
                     body_name: str | None = None, body_kind: str = "government",
                     fmt: str | None = None, revision: int = 0) -> tuple[ReportMeta, dict]:
    """One (ReportMeta, parse dict) pair. ``revision`` > 0 models a re-published (changed) page."""
    fmt = fmt or ("gb2019" if year <= 2020 else "gb2021")
    body = body_name or ("泸定县人民政府" if seed == 0 else f"合成机关{seed}")
    meta = ReportMeta(
        division_code=division_code, body_name=body, body_kind=body_kind, year=year,
        province_code=division_code[:2] + "0000", province="四川省" if division_code.startswith("51") else None,
        prefecture_code=division_code[:4] + "00", prefecture=None, county=None,
        title=f"{body}{year}年政府信息公开工作年度报告",
        url=f"http://www.example.gov.cn/{division_code}/{year}/{seed}.html",
        published=date(year + 1, 1, 15) + timedelta(days=seed % 60),
        fetched_at=datetime(year + 1, 3, 1, tzinfo=timezone.utc) + timedelta(minutes=seed),
        content_sha256=page_sha256(seed, year, revision),
        archive_ref=f"crawl-{year}.warc.gz#{1000 * seed}",
    )
    return meta, synthetic_parse(seed, fmt=fmt, year=year, org=body, revision=revision)
