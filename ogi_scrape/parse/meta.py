"""Title, year and issuing body of a report, from its title and the start of its text.

The year comes from the title (``…2024年政府信息公开工作年度报告``) or from the statistics
period stated in the text (``统计期限为2024年1月1日至2024年12月31日``) — never from a URL
path or a folder name, which portals get wrong (research/portals.md §5).
"""

from __future__ import annotations

import re

from ogi_scrape.parse.textnorm import nfkc, to_simplified

# The body's name never holds a separator of page chrome (a breadcrumb's >, a site prefix's
# -, _ or |, book-title quotes 《》) nor 、 (two years: 2022年、2023年): the name is what
# follows the last of them.
_ORG = r"[^\s。，,；;:：、>»/|_《》<\-—]"
_TITLE_RE = re.compile(
    rf"(?P<pre>(?:20\d\d)年)?\s*(?P<org>{_ORG}{{0,40}}?)\s*(?P<year>(?:19|20)\d\d)\s*年?度?\s*"
    r"(?:政府)?(?:信息公开|资讯公开|政务公开)(?:工作)?(?:年度)?(?:工作)?(?:年度)?(?:报\s*告|年\s*报)")
# 某管委会政府信息公开工作年度报告（2023年度）: the year after the words.
_YEAR_AFTER_TITLE_RE = re.compile(
    rf"(?P<org>{_ORG}{{2,40}}?)\s*(?:政府)?(?:信息公开|资讯公开|政务公开)(?:工作)?(?:年度)?(?:工作)?"
    r"(?:年度)?(?:报\s*告|年\s*报)\s*[(（]\s*(?P<year>(?:19|20)\d\d)\s*年?度?\s*[)）]")
_PERIOD_RE = re.compile(r"((?:19|20)\d\d)\s*年\s*1\s*月\s*1\s*日\s*(?:起)?\s*(?:至|到|—|-|～|~)\s*"
                        r"(?:((?:19|20)\d\d)\s*年\s*)?12\s*月\s*31\s*日")
# Body cues for the report year, most reliable first (a report with no title in the text).
_BODY_YEAR_RES = (
    re.compile(r"((?:19|20)\d\d)\s*年度?\s*(?:的)?\s*(?:政府|政务)?(?:信息|资讯)公开"),
    re.compile(r"截[至止]\s*((?:19|20)\d\d)\s*年\s*12\s*月\s*31\s*日"),
    re.compile(r"(?m)^\s*((?:19|20)\d\d)\s*年\s*(?:度|[,，]|以来|[^\d\s月])"),
)


_YEAR_FIRST_TITLE_RE = re.compile(
    rf"(?P<year>(?:19|20)\d\d)\s*年\s*度?\s*(?P<org>{_ORG}{{2,40}}?)\s*"
    r"(?:政府)?(?:信息公开|资讯公开|政务公开)(?:工作)?(?:年度)?(?:工作)?(?:年度)?(?:报\s*告|年\s*报)")


_CHINESE_DIGITS = {"〇": "0", "零": "0", "○": "0", "Ｏ": "0", "O": "0", "一": "1", "二": "2", "三": "3",
                   "四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
_CHINESE_YEAR = re.compile(
    r"(?<![〇零○ＯO一二三四五六七八九十])(?:一九|二[〇零○ＯO])[〇零○ＯO一二三四五六七八九]{2}(?=\s*年)")
_CHINESE_PERIOD_DAYS = (("一月一日", "1月1日"), ("十二月三十一日", "12月31日"))


def arabic_years(text: str) -> str:
    """``二〇二三年`` → ``2023年`` (official documents write years in Chinese numerals), and
    the statistics period's ``一月一日`` / ``十二月三十一日``; nothing else changes."""
    if "年" not in text:
        return text
    text = _CHINESE_YEAR.sub(lambda m: "".join(_CHINESE_DIGITS[ch] for ch in m.group()), text)
    for chinese, digits in _CHINESE_PERIOD_DAYS:
        if chinese in text:
            text = text.replace(chinese, digits)
    return text


def _title_form(text: str) -> str:
    """A title as the title patterns match it: NFKC, simplified by character only (names
    keep their words: an 档案局 stays one), years in digits."""
    return arabic_years(to_simplified(nfkc(text), phrases=False))


def _title_match(t: str) -> re.Match | None:
    """The first title pattern that matches ``t`` (in title form). Every pattern ends with
    报告/年报, and the year-after pattern needs a bracket: checking those first spares the
    patterns' backtracking (~18 µs a line for the year-after one) on the lines of a page
    that are no title."""
    if "报" not in t:
        return None
    m = (_YEAR_AFTER_TITLE_RE.search(t) if "(" in t or "（" in t else None) or _TITLE_RE.search(t)
    return m or _YEAR_FIRST_TITLE_RE.search(t)


def parse_title(title: str | None) -> tuple[int | None, str | None]:
    if not title:
        return None, None
    t = _title_form(title).replace("\n", "")
    m = _title_match(t)
    if not m:
        return None, None
    if m.re is _YEAR_AFTER_TITLE_RE:
        return int(m.group("year")), m.group("org").removeprefix("关于") or None
    if m.re is _YEAR_FIRST_TITLE_RE:
        return int(m.group("year")), m.group("org")
    # 关于…年度报告的公告: 关于 is the notice's wording, not part of the body's name.
    org = (m.group("org") or "").strip(" -_|")
    # 某县人民政府办公室关于某县人民政府…年度报告的公告: the notice's issuer, then the body.
    org = org.rsplit("关于", 1)[-1] or None
    year = int(m.group("year"))
    if m.group("pre") and not org:
        year = int(m.group("pre")[:4])
    return year, org


# Lines of page chrome that name another report: 上一篇：…2021年…年度报告, 相关文章.
_OTHER_REPORT = ("上一篇", "下一篇", "上篇", "下篇", "相关", "推荐", "热点")
_ORG_LINE = re.compile(r"(?:政府|局|委|委员会|办|办公室|镇|乡|街道|办事处|中心|院|所|公司|管委会|区|县|市)$")


def find_title(text_head: str) -> str | None:
    """The first line that reads as a report title, in the first 80 lines (a navigation
    menu printed one item per line pushes the title down). A title broken after the body's
    name (org on one line, ``2021年…年度报告`` on the next) is joined."""
    lines = [line.strip(" |") for line in text_head.splitlines()[:80]]
    prev = ""
    for line in lines:
        if not line:
            continue
        if line.startswith(_OTHER_REPORT) or ">" in line or "»" in line:   # links, breadcrumbs
            prev = ""
            continue
        t = _title_form(line)
        m = _title_match(t)
        # A title ends with its words (…年度报告, …的公告); a sentence that mentions a report
        # goes on (会议通报了2023年…年度报告编制情况).
        if len(line) <= 80 and m and len(t.rstrip("》）)。 ")) - m.end() <= 3:
            if prev and parse_title(line)[1] is None and len(prev) <= 30 and _ORG_LINE.search(prev):
                return prev + line
            return line
        prev = line
    return None


def year_from_text(text_head: str) -> int | None:
    t = arabic_years(nfkc(text_head))
    m = _PERIOD_RE.search(t)
    if m:
        return int(m.group(1))
    for pattern in _BODY_YEAR_RES:
        m = pattern.search(t)
        if m:
            return int(m.group(1))
    return None
