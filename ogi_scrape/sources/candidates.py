"""Report candidates found by discovery, and picking the one report a user asked for.

Why this is its own module: every platform adapter (ganzi, trs, hanweb, gkmlpt, generic) ends
with the same question — of the 20–60 "年度报告" on a county portal, which one is the county
government's report for year N? Portals file department, township and office reports next to
the county's own, put reports in the wrong year folder (平川: a 2025 report under ``2024n``),
publish image or attachment-only versions, and post news whose title mentions 政府信息公开.
So the evidence rules live here once, with the vocabulary as data in
``data/title_patterns.toml``:

* the year comes from the title; failing that from the body's statistics period; failing that,
  the publication date minus one is a *weak* hint (reports appear Jan–Mar of N+1). Never from
  the URL path or folder.
* the kind of issuing body (government / government-office / department / township / other)
  is a vote of the column kind, the title's issuer, the page's 发布机构 (``ContentSource``) and
  the body's wording (全县/我县 vs 我局 vs 我镇), each vote recorded as a reason.
* ``pick`` returns the best match with its reasons, or raises ``NotFound`` saying what was
  searched and what came nearest, so "not published yet" is distinguishable from "we looked in
  the wrong place".
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable
from urllib.parse import urljoin, urlsplit

from ogi_scrape.errors import NotFound, UsageError
from ogi_scrape.hanzi import t2s_converter

PATTERNS_FILE = Path(__file__).with_name("data") / "title_patterns.toml"
BODY_KINDS = ("government", "government-office", "department", "township", "other")
REQUESTABLE_KINDS = ("government", "department", "township")


@lru_cache(maxsize=1)
def vocabulary() -> dict:
    """The title grammar and kind vocabulary (``data/title_patterns.toml``), compiled once."""
    raw = tomllib.loads(PATTERNS_FILE.read_text("utf-8"))
    title = raw["report_title"]
    issuer = raw["issuer"]
    return {
        "title": re.compile(title["pattern"]),
        "variant_prefix": re.compile(title["variant_prefix"]),
        "alternates": {normalise_text(v) for v in title["alternate_variants"]},
        "not_report": {normalise_text(v) for v in title["not_report_variants"]},
        "column": re.compile(raw["column"]["pattern"], re.IGNORECASE),
        "place": re.compile("^.*(?:" + "|".join(map(re.escape, issuer["place_suffixes"])) + ")"),
        "government_rest": set(issuer["government_rest"]),
        "office": re.compile(issuer["office_pattern"]),
        "township": re.compile(issuer["township_pattern"]),
        "department_words": tuple(issuer["department_words"]),
        "body_words": raw["body_words"],
        "column_words": raw["column_words"],
        "attachment_ext": tuple(raw["attachments"]["extensions"]),
        "body_selectors": tuple(raw["body"]["selectors"]),
    }


# --------------------------------------------------------------------------- text


_HALF = str.maketrans({"（": "(", "）": ")", "：": ":", "【": "[", "】": "]", "〔": "[", "〕": "]",
                       "［": "[", "］": "]", "　": " "})


def normalise_text(text: str) -> str:
    """Traditional → simplified, full-width → half-width (NFKC for digits and brackets),
    and no whitespace at all: titles wrap mid-word (…政府信息公开工作\\n年度报) and mirrors
    publish traditional copies (蓬江區…年度報告)."""
    text = unicodedata.normalize("NFKC", text or "").translate(_HALF)
    converter = t2s_converter()
    if converter is not None:
        text = converter.convert(text)
    return re.sub(r"\s+", "", text)


# --------------------------------------------------------------------------- title


@dataclass(frozen=True)
class TitleInfo:
    """What a report title says: its year (if printed), issuer string and version marker."""

    title: str              # normalised
    year: int | None
    issuer: str
    variant: str | None     # e.g. "图解版本"; None for the plain report
    alternate: bool         # an image/hyperlink/graphic version of the report


def parse_title(title: str) -> TitleInfo | None:
    """The report-title grammar of portals.md §6; ``None`` when the title is not a report
    (news about 政府信息公开, a 解读 of the report, a notice)."""
    vocab = vocabulary()
    text = normalise_text(title)
    variant = None
    m = vocab["variant_prefix"].match(text)
    if m:
        variant = m.group("variant")
        text_core = text[m.end():]
    else:
        text_core = text
    m = vocab["title"].match(text_core)
    if not m:
        return None
    if m.group("variant"):
        variant = m.group("variant")
    if variant and (variant in vocab["not_report"] or any(w in variant for w in vocab["not_report"])):
        return None
    year_text = m.group("year") or m.group("year_lead")
    issuer = re.sub(r"(关于|印发|公布)$", "", m.group("issuer") or "")
    if not year_text and not issuer:
        return None       # "政府信息公开年报": a menu or column name, not a document
    return TitleInfo(title=text, year=int(year_text) if year_text else None, issuer=issuer,
                     variant=variant, alternate=variant is not None)


def is_report_title(title: str) -> bool:
    return parse_title(title) is not None


def looks_like_report_link(text: str, href: str = "") -> bool:
    """A link worth following when hunting for report lists (text or URL slug)."""
    pattern = vocabulary()["column"]
    return bool(pattern.search(normalise_text(text)) or pattern.search(urlsplit(href).path))


# --------------------------------------------------------------------------- issuer kind


def split_place(issuer: str) -> tuple[str, str]:
    """``("泸定县", "交通运输局")``: everything up to the last place suffix is the place."""
    m = vocabulary()["place"].match(issuer)
    if not m:
        return "", issuer
    return m.group(0), issuer[m.end():]


def issuer_kind(issuer: str) -> tuple[str | None, str]:
    """Kind of body named by an issuer string (title issuer or 发布机构), with the reason.
    ``None`` when the string says nothing (empty)."""
    vocab = vocabulary()
    issuer = normalise_text(issuer)
    if not issuer:
        return None, "no issuer named"
    place, rest = split_place(issuer)
    if vocab["township"].search(rest):
        return "township", f"issuer {issuer!r} names a township (镇/乡/街道)"
    if vocab["office"].search(rest):
        return "government-office", f"issuer {issuer!r} is the government office (ambiguous: it also publishes the county report)"
    if rest in vocab["government_rest"]:
        return "government", f"issuer {issuer!r} is the government itself (place name{' + ' + rest if rest else ''})"
    if any(w in rest for w in vocab["department_words"]):
        return "department", f"issuer {issuer!r} names a department ({rest})"
    return "other", f"issuer {issuer!r} is not a government, department or township name"


def column_kind_from_name(name: str, url: str = "") -> str | None:
    """Kind of reports a column holds, from its name or URL slug (portals.md §5)."""
    words = vocabulary()["column_words"]
    text = normalise_text(name)
    path = urlsplit(url).path.lower() if url else ""
    for kind in ("department", "township", "government"):
        if any(w in text or (w.isascii() and w.lower() in path) for w in words[kind]):
            return kind
    return None


def body_wording(text: str) -> dict[str, int]:
    """How often the body speaks as the county (全县/我县), a department (我局) or a township
    (我镇): the signal that survives when titles and metadata are vague."""
    text = normalise_text(text)
    return {kind: sum(text.count(w) for w in words)
            for kind, words in vocabulary()["body_words"].items()}


# --------------------------------------------------------------------------- candidate


@dataclass
class Candidate:
    """One document that may be an annual report, with the evidence gathered about it.

    ``year`` and ``body_kind`` are conclusions; ``year_source``, ``kind_confidence`` and
    ``evidence`` say how they were reached, so a wrong pick can be explained and fixed.
    """

    url: str
    title: str
    year: int | None = None
    body_kind: str = "other"
    org: str | None = None
    published: str | None = None            # as the portal printed it (e.g. "2025-01-24 17:05:38")
    attachments: list[str] = field(default_factory=list)
    via: str = ""                           # how it was found (adapter + column/list URL)
    column_kind: str | None = None          # government | department | township | mixed | None
    year_source: str | None = None          # title | body | published (weak) | None
    kind_confidence: float = 0.0
    variant: str | None = None              # 图解/图片/超链 marker from the title
    source_org: str | None = None           # 发布机构 / ContentSource of the page
    has_body: bool | None = None            # None: page not read; False: attachment-only
    wording: dict[str, int] = field(default_factory=dict)
    body_year: int | None = None            # from the body's statistics period, if read
    evidence: list[str] = field(default_factory=list)

    @property
    def alternate(self) -> bool:
        """An image/graphic/hyperlink version of the report rather than the text."""
        return self.variant is not None

    @classmethod
    def from_listing(cls, url: str, title: str, *, published: str | None = None, via: str = "",
                     column_kind: str | None = None) -> "Candidate | None":
        """A candidate from a list entry, or ``None`` if the title is not a report title."""
        info = parse_title(title)
        if info is None:
            return None
        cand = cls(url=url, title=title.strip(), published=published, via=via,
                   column_kind=column_kind, variant=info.variant, org=info.issuer or None)
        cand.reassess()
        return cand

    # -- evidence ------------------------------------------------------------------------

    def add_page(self, page: "PageEvidence") -> None:
        """Fold in what the article page says (metadata, body wording, attachments)."""
        self.source_org = page.source_org or self.source_org
        self.published = self.published or page.published
        self.attachments = list(dict.fromkeys([*self.attachments, *page.attachments]))
        self.has_body = page.has_body
        self.wording = page.wording
        self.body_year = page.body_year
        self.reassess()

    def reassess(self) -> None:
        """Recompute year and body kind from all evidence gathered so far."""
        info = parse_title(self.title)
        evidence: list[str] = []
        body_year = self.body_year
        if info and info.year:
            self.year, self.year_source = info.year, "title"
            evidence.append(f"year {info.year} from the title")
        elif body_year:
            self.year, self.year_source = body_year, "body"
            evidence.append(f"year {body_year} from the body's statistics period (title has none)")
        elif published_year(self.published):
            self.year, self.year_source = published_year(self.published) - 1, "published"
            evidence.append(f"year {self.year} guessed from publication date {self.published} "
                            f"minus one (weak: title and body name no year)")
        else:
            self.year, self.year_source = None, None
            evidence.append("no year in title, body or publication date")
        kind, confidence, reasons = classify(
            title_issuer=info.issuer if info else "", column_kind=self.column_kind,
            source_org=self.source_org, wording=self.wording)
        self.body_kind, self.kind_confidence = kind, confidence
        self.evidence = evidence + reasons


def published_year(published: str | None) -> int | None:
    m = re.match(r"\s*((?:19|20)\d{2})", published or "")
    return int(m.group(1)) if m else None


# Vote weights: the title's issuer is what the report says about itself; the column is the
# portal's own filing (usually right, sometimes wrong); the body wording and 发布机构 are
# tie-breakers (the office publishes the county's report, so 发布机构 is weak).
WEIGHTS = {"title": 3.0, "column": 2.0, "body": 1.5, "source": 1.0}


def classify(*, title_issuer: str = "", column_kind: str | None = None,
             source_org: str | None = None, wording: dict[str, int] | None = None
             ) -> tuple[str, float, list[str]]:
    """Vote on the kind of body; returns (kind, confidence 0–1, reasons)."""
    votes: dict[str, float] = {}
    reasons: list[str] = []

    def vote(kind: str | None, weight: float, reason: str) -> None:
        if kind is None:
            return
        if kind == "government-office":   # could be either: split the vote
            votes["government-office"] = votes.get("government-office", 0) + weight * 0.6
            votes["government"] = votes.get("government", 0) + weight * 0.4
        else:
            votes[kind] = votes.get(kind, 0) + weight
        reasons.append(reason)

    if title_issuer:
        kind, why = issuer_kind(title_issuer)
        vote(kind, WEIGHTS["title"], f"title: {why}")
    else:
        reasons.append("title: no issuer before the year")
    if column_kind in REQUESTABLE_KINDS:
        vote(column_kind, WEIGHTS["column"], f"column: filed in a {column_kind} report column")
    if source_org:
        kind, why = issuer_kind(source_org)
        vote(kind, WEIGHTS["source"], f"发布机构: {why}")
    if wording:
        top = max(wording.items(), key=lambda kv: kv[1])
        if top[1] > 0:
            tied = [k for k, n in wording.items() if n == top[1]]
            if len(tied) == 1:
                vote(top[0], WEIGHTS["body"], f"body wording: speaks as {top[0]} ({wording})")
    if not votes:
        return "other", 0.0, reasons + ["no signal about the issuing body"]
    total = sum(votes.values())
    kind = max(votes, key=lambda k: votes[k])
    return kind, round(votes[kind] / total, 2), reasons


# --------------------------------------------------------------------------- article pages


@dataclass
class PageEvidence:
    """What an article page says about the document (read by ``read_page``)."""

    title: str | None = None
    source_org: str | None = None
    published: str | None = None
    attachments: list[str] = field(default_factory=list)
    has_body: bool = False
    wording: dict[str, int] = field(default_factory=dict)
    body_year: int | None = None
    site_id_code: str | None = None


_PERIOD = re.compile(r"((?:19|20)\d{2})年1月1日(?:起)?至\1年12月31日")
_ONCLICK_URL = re.compile(r"""['"]([^'"]+\.(?:pdf|docx?|wps|rtf|xlsx?|ofd))['"]""", re.IGNORECASE)
_CHROME_TEXT = re.compile(r"^语音播报[:：]?")
# Section words every report body has; two of them, so one menu entry in the chrome
# ("依申请公开") does not make a list page look like a report.
_REPORT_WORDS = ("总体情况", "主动公开", "依申请公开", "行政复议", "存在的主要问题")


def attachment_links(container, base_url: str) -> list[str]:
    """PDF/DOC/DOCX/WPS… links in ``container`` (lxml element), from ``href`` and ``onclick``."""
    exts = vocabulary()["attachment_ext"]
    found: list[str] = []
    for a in container.iter("a"):
        for raw in (a.get("href") or "", *(_ONCLICK_URL.findall(a.get("onclick") or ""))):
            path = urlsplit(raw).path.lower()
            if raw and path.endswith(exts):
                found.append(urljoin(base_url, raw.strip()))
    return list(dict.fromkeys(found))


def read_page(html_text: str, url: str, *, body_selector: str | None = None) -> PageEvidence:
    """Metadata, body wording, statistics year and attachments of an article page.

    ``body_selector`` is a CSS id/class selector such as ``#contentBox``; without one (generic
    platforms) the known containers of portals.md §3 are tried, then the largest text block. Only links *inside the body* count as
    attachments: site chrome links to other documents are not this document's files.
    """
    from lxml import html as lxml_html  # local: keep import cost off CLI start-up

    try:
        doc = lxml_html.fromstring(html_text or "<html></html>")
    except Exception:  # lxml raises on empty/odd documents: treat as no page
        return PageEvidence()
    meta = {(m.get("name") or "").lower(): (m.get("content") or "").strip() for m in doc.iter("meta")}
    ev = PageEvidence(title=meta.get("articletitle") or None,
                      source_org=meta.get("contentsource") or None,
                      published=meta.get("pubdate") or None,
                      site_id_code=meta.get("siteidcode") or None)
    body = _select(doc, body_selector) if body_selector else None
    if body is None and not body_selector:
        for selector in vocabulary()["body_selectors"]:
            found = _select(doc, selector)
            if found is not None and len(normalise_text(found.text_content())) > 50:
                body = found
                break
    if body is None:
        body = _largest_text_block(doc)
    if body is None:
        return ev
    text = _CHROME_TEXT.sub("", normalise_text(body.text_content()))
    ev.attachments = attachment_links(body, url)
    for extra in doc.find_class("file_item"):          # the Ganzi attachment box
        ev.attachments = list(dict.fromkeys([*ev.attachments, *attachment_links(extra, url)]))
    # A body is "there" when it holds report text, not just a pointer to the attachment
    # ("全文见附件") or, on a list page mistaken for an article, site chrome.
    ev.has_body = len(text) > 200 and sum(w in text for w in _REPORT_WORDS) >= 2
    ev.wording = body_wording(text)
    m = _PERIOD.search(text)
    ev.body_year = int(m.group(1)) if m else None
    return ev


def _select(doc, selector: str):
    selector = selector.strip()
    if selector.startswith("#"):
        found = doc.xpath(f'//*[@id="{selector[1:]}"]')
    elif selector.startswith("."):
        found = doc.find_class(selector[1:])
    else:
        found = doc.xpath(f"//{selector}")
    return found[0] if found else None


def _largest_text_block(doc):
    best, best_len = None, 0
    for el in doc.iter("div", "td", "article", "section"):
        length = len(normalise_text(el.text_content()))
        # prefer the innermost block holding most of the text: nav/footers are short
        if length > best_len * 1.5 or (best is not None and el in best.iterdescendants()
                                       and length > best_len * 0.8):
            best, best_len = el, length
    return best


# --------------------------------------------------------------------------- results


class CandidateList(list):
    """A discovery result: the candidates plus what was searched (for NotFound messages)."""

    def __init__(self, items: Iterable[Candidate] = (), *, source: str = "",
                 searched: Iterable[str] = (), skipped: int = 0):
        super().__init__(items)
        self.source = source
        self.searched = list(searched)
        self.skipped = skipped          # list entries whose titles were not report titles


@dataclass
class Pick:
    """The chosen report and why; ``alternatives`` are the runners-up, best first."""

    candidate: Candidate
    score: float
    reasons: list[str]
    alternatives: list[Candidate] = field(default_factory=list)


def _county_matches(candidate: Candidate, county: str | None) -> tuple[bool, str | None]:
    """Does the title's place name fit the county asked for? (A prefecture prefix is fine.)"""
    if not county:
        return True, None
    info = parse_title(candidate.title)
    if not info or not info.issuer:
        return True, None
    county_n = normalise_text(county)
    short = re.sub(r"(自治县|自治旗|县|区|市|旗)$", "", county_n)
    place, _ = split_place(info.issuer)
    if not place:
        return True, None
    if county_n in info.issuer or (short and short in place):
        return True, f"issuer place {place!r} matches {county_n}"
    return False, f"issuer place {place!r} is not {county_n}"


def _score(candidate: Candidate, year: int, kind: str) -> tuple[float, list[str]] | None:
    reasons: list[str] = []
    if candidate.year != year:
        return None
    score = {"title": 10.0, "body": 8.0, "published": 4.0}.get(candidate.year_source or "", 0.0)
    reasons.append(f"year {year} from {candidate.year_source}")
    if candidate.body_kind == kind:
        score += 10 * max(candidate.kind_confidence, 0.3)
        reasons.append(f"body kind {kind} (confidence {candidate.kind_confidence})")
    elif kind == "government" and candidate.body_kind == "government-office":
        score += 3 * max(candidate.kind_confidence, 0.3)
        reasons.append("issued by the government office: may be the office's own report (lower confidence)")
    else:
        return None
    if candidate.alternate:
        score -= 2
        reasons.append(f"an alternate version ({candidate.variant}) — ranked below the text version")
    if candidate.has_body:
        score += 1
        reasons.append("the page carries the report text")
    elif candidate.has_body is False and candidate.attachments:
        reasons.append(f"attachment-only: {', '.join(candidate.attachments)}")
    elif candidate.has_body is False and not candidate.alternate:
        return None     # read, yet neither report text nor a file: a list page or a stub
    return score, reasons


def pick(candidates: Iterable[Candidate], year: int, county: str | None = None,
         kind: str = "government", *, org: str | None = None, source: str | None = None,
         searched: Iterable[str] | None = None) -> Pick:
    """The best candidate for (year, kind) in ``county``, or ``NotFound`` naming what was
    searched, the report years seen and the nearest candidates. ``org`` narrows department
    and township picks to one body (e.g. "交通运输局", "兴隆镇")."""
    if kind not in REQUESTABLE_KINDS:
        raise UsageError(f"unknown report kind {kind!r}",
                         hint=f"use one of: {', '.join(REQUESTABLE_KINDS)}")
    source = source or getattr(candidates, "source", "") or "the source"
    if searched is None:
        searched = getattr(candidates, "searched", [])
    candidates = list(candidates)
    scored = []
    org_n = normalise_text(org) if org else None
    for cand in candidates:
        if org_n and org_n not in normalise_text(cand.title) and org_n not in normalise_text(cand.source_org or ""):
            continue
        fits, why = _county_matches(cand, county)
        if not fits:
            continue
        result = _score(cand, year, kind)
        if result is None:
            continue
        score, reasons = result
        if why:
            reasons.append(why)
        # deterministic tie-break: later publication (a corrected re-post), then URL
        scored.append((score, cand.published or "", cand.url, cand, reasons))
    if scored:
        scored.sort(key=lambda t: (t[0], t[1], t[2]), reverse=True)
        best = scored[0]
        return Pick(candidate=best[3], score=best[0], reasons=best[4],
                    alternatives=[t[3] for t in scored[1:]])
    raise NotFound(_not_found_message(candidates, year, county, kind, source, list(searched), org),
                   hint=("reports are due by 31 March of the following year, so it may not be "
                         "published yet; otherwise check the registry's columns for this portal "
                         "or give the report URL directly"))


def _not_found_message(candidates: list[Candidate], year: int, county: str | None, kind: str,
                       source: str, searched: list[str], org: str | None = None) -> str:
    where = f"{county} " if county else ""
    if org:
        where += f"{org} "
    years = sorted({c.year for c in candidates if c.year})
    lines = [f"no {kind} report of {where}for {year} found on {source}"]
    lines.append(f"  searched: {', '.join(searched) if searched else '(nothing listed)'}")
    lines.append(f"  report years seen: {', '.join(map(str, years)) if years else 'none'}"
                 f" ({len(candidates)} report-like titles)")

    def distance(c: Candidate) -> tuple:
        return (c.body_kind != kind, abs((c.year or 0) - year), c.title)

    nearest = sorted(candidates, key=distance)[:3]
    for c in nearest:
        lines.append(f"  nearest: {c.title} (year {c.year}, {c.body_kind}) {c.url}")
    return "\n".join(lines)
