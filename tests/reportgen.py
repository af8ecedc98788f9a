"""Synthetic annual reports for the parser's property tests and its benchmark.

A generated report is *internally consistent* (every 勾稽 rule of templates.md §6 holds), so a
parser that reads it correctly must say ``ok``; and because we know every number we printed,
a test can compare each parsed value with the truth. The renderers imitate what real pages
do to the same numbers (research/portals.md §3, templates.md §5): Word-pasted HTML with labels
split into spans, ``&nbsp;`` padding, ``<br>``/``<p>`` inside header cells, full- or half-width
brackets, traditional-character mirrors; and text renderings with one row per line or one cell
per line. Randomness comes from a ``random.Random`` so hypothesis (``st.randoms``) and the
benchmark (a fixed seed) drive the same code.
"""

from __future__ import annotations

import html
import random
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

S3_COLUMNS = ("natural_person", "commercial", "research", "social_welfare", "legal_service",
              "other_org", "total")
S3_APPLICANTS = S3_COLUMNS[:-1]
S4_PROCS = ("reconsideration", "litigation_direct", "litigation_after")
S4_OUTCOMES = ("upheld", "corrected", "other", "pending", "total")

# (key, label, group label or None) in printed order; group labels are rowspan cells.
S3_ROWS_HEAD = (("granted", "（一）予以公开", None),
                ("partial", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", None))
S3_DENIED = ("属于国家秘密", "其他法律行政法规禁止公开", "危及“三安全一稳定”", "保护第三方合法权益",
             "属于三类内部事务信息", "属于四类过程性信息", "属于行政执法案卷", "属于行政查询事项")
S3_DENIED_KEYS = ("state_secret", "law_forbidden", "security_stability", "third_party",
                  "internal_affairs", "process_info", "enforcement_file", "admin_query")
S3_UNABLE = (("not_held", "本机关不掌握相关政府信息"), ("needs_creation", "没有现成信息需要另行制作"),
             ("unclear", "补正后申请内容仍不明确"))
S3_REJECTED = (("petition", "信访举报投诉类申请"), ("repeat", "重复申请"),
               ("publication", "要求提供公开出版物"), ("mass_repeat", "无正当理由大量反复申请"),
               ("confirm", "要求行政机关确认或重新出具已获取信息"))
S3_OTHER_2021 = (("overdue_correction", "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
                 ("overdue_fee", "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
                 ("other", "其他"))
S3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"


def s3_outcome_rows(template: str) -> list[str]:
    rows = ["granted", "partial"] + [f"denied.{k}" for k in S3_DENIED_KEYS]
    rows += [f"unable.{k}" for k, _ in S3_UNABLE] + [f"rejected.{k}" for k, _ in S3_REJECTED]
    rows += ["other"] if template == "gb2019" else [f"other.{k}" for k, _ in S3_OTHER_2021]
    return rows


# Section 二 layouts: item → (column labels, [(row key, row label)], column keys, kinds)
S2_2021 = {
    "一": (("本年制发件数", "本年废止件数", "现行有效件数"), (("regulation", "规章"), ("normative_doc", "行政规范性文件")),
          ("issued", "repealed", "in_force")),
    "五": (("本年处理决定数量",), (("licensing", "行政许可"),), ("decisions",)),
    "六": (("本年处理决定数量",), (("punishment", "行政处罚"), ("coercion", "行政强制")), ("decisions",)),
    "八": (("本年收费金额（单位：万元）",), (("fee", "行政事业性收费"),), ("amount",)),
}
S2_2019 = {
    "一": (("本年新制作数量", "本年新公开数量", "对外公开总数量"), (("regulation", "规章"), ("normative_doc", "规范性文件")),
          ("made", "published", "total")),
    "五": (("上一年项目数量", "本年增/减", "处理决定数量"),
          (("licensing", "行政许可"), ("other_service", "其他对外管理服务事项")), ("previous", "change", "decisions")),
    "六": (("上一年项目数量", "本年增/减", "处理决定数量"), (("punishment", "行政处罚"), ("coercion", "行政强制")),
          ("previous", "change", "decisions")),
    "八": (("上一年项目数量", "本年增/减"), (("fee", "行政事业性收费"),), ("previous", "change")),
    "九": (("采购项目数量", "采购总金额"), (("procurement", "政府集中采购"),), ("items", "amount")),
}


@dataclass
class Report:
    template: str                    # gb2019 | gb2021
    year: int
    org: str
    printed: dict[str, str]          # code → text printed in the cell ("" = blank)
    values: dict[str, int | Decimal | None] = field(default_factory=dict)   # code → truth

    @property
    def title(self) -> str:
        return f"{self.org}{self.year}年政府信息公开工作年度报告"

    def s2_layout(self) -> dict:
        return S2_2021 if self.template == "gb2021" else S2_2019


def _count(rnd: random.Random, hi: int) -> int:
    # Mostly small counts with many zeros, as in township reports; sometimes large.
    r = rnd.random()
    if r < 0.35:
        return 0
    if r < 0.9:
        return rnd.randint(1, hi)
    return rnd.randint(hi, hi * 500)


def make_report(rnd: random.Random, template: str | None = None) -> Report:
    """A random report whose tables satisfy every consistency rule of its format."""
    template = template or rnd.choice(("gb2019", "gb2021"))
    year = rnd.choice((2019, 2020)) if template == "gb2019" else rnd.randint(2021, 2025)
    org = rnd.choice(("泸定县人民政府", "平潭综合实验区管委会", "某县财政局", "长桥乡人民政府", "明照街道办事处"))
    values: dict[str, int | Decimal | None] = {}
    printed: dict[str, str] = {}

    def put(code: str, value, text: str | None = None) -> None:
        values[code] = value
        printed[code] = text if text is not None else str(value)

    layout = S2_2021 if template == "gb2021" else S2_2019
    for item, (_, rows, cols) in layout.items():
        for rkey, _ in rows:
            for ckey in cols:
                code = f"s2.{rkey}.{ckey}"
                if ckey == "change":
                    v = rnd.randint(-40, 200)
                    style = rnd.random()
                    text = (f"+{v}" if v > 0 and style < 0.5 else
                            f"增{v}" if v > 0 and style < 0.6 else
                            f"减{-v}" if v < 0 and style < 0.3 else str(v))
                    put(code, v, text)
                elif ckey == "amount" and template == "gb2021":
                    v = Decimal(rnd.randint(0, 999999)).scaleb(-rnd.randint(0, 4))
                    put(code, v, format(v, "f"))
                elif ckey == "amount":
                    cents = rnd.randint(0, 99999999)
                    v = Decimal(cents).scaleb(-rnd.choice((0, 0, 1, 2)))
                    text = format(v, "f") + rnd.choice(("元", "", "万元"))
                    put(code, v, text)
                else:
                    put(code, _count(rnd, 30))
    outcomes = s3_outcome_rows(template)
    for col in S3_APPLICANTS:
        total = 0
        for row in outcomes:
            v = _count(rnd, 6)
            put(f"s3.{row}.{col}", v)
            total += v
        put(f"s3.total.{col}", total)
        forward = _count(rnd, 4)
        carried = rnd.randint(0, total + forward)
        put(f"s3.carried_forward.{col}", forward)
        put(f"s3.carried_over.{col}", carried)
        put(f"s3.new.{col}", total + forward - carried)
    for row in ["new", "carried_over", *outcomes, "total", "carried_forward"]:
        put(f"s3.{row}.total", sum(values[f"s3.{row}.{c}"] for c in S3_APPLICANTS))
    for proc in S4_PROCS:
        parts = [_count(rnd, 3) for _ in range(4)]
        for out, v in zip(S4_OUTCOMES, parts + [sum(parts)]):
            put(f"s4.{proc}.{out}", v)
    return Report(template, year, org, printed, values)


def blank_out(report: Report, codes: list[str]) -> None:
    for code in codes:
        report.printed[code] = ""
        report.values[code] = None


# ----------------------------------------------------------------------------- styling
@lru_cache(maxsize=1)
def _s2t() -> dict[str, str]:
    """Simplified → traditional, only characters the parser's t→s table maps back."""
    from ogi_scrape.parse.textnorm import to_simplified
    import opencc

    path = Path(opencc.__file__).parent / "dictionary" / "STCharacters.txt"
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) == 2 and len(parts[0]) == 1:
            trad = parts[1].split(" ")[0]
            if trad != parts[0] and to_simplified(trad) == parts[0]:
                out[parts[0]] = trad
    return out


@dataclass
class Style:
    """How one page prints its tables; drawn at random per report."""

    split_spans: float = 0.0      # probability a label or number is split into spans
    nbsp: float = 0.0             # probability of &nbsp; padding around a cell's text
    br_headers: bool = False      # header cells wrapped with <br> / <p>…</p><p>…</p>
    halfwidth: bool = False       # (一) instead of （一）
    traditional: bool = False     # labels converted to traditional characters
    fullwidth_digits: float = 0.0
    word_markup: bool = False     # MsoNormal-style <p><span style=…> wrappers
    layout_table: bool = False    # the body inside a one-column layout table (Luding)
    thead: bool = False           # header rows of 三/四 as <thead><tr><th>

    @classmethod
    def random(cls, rnd: random.Random) -> "Style":
        return cls(split_spans=rnd.choice((0.0, 0.3, 1.0)), nbsp=rnd.choice((0.0, 0.5)),
                   br_headers=rnd.random() < 0.5, halfwidth=rnd.random() < 0.5,
                   traditional=rnd.random() < 0.3, fullwidth_digits=rnd.choice((0.0, 0.0, 0.3)),
                   word_markup=rnd.random() < 0.5, layout_table=rnd.random() < 0.3,
                   thead=rnd.random() < 0.3)


def _label(text: str, style: Style, rnd: random.Random) -> str:
    if style.halfwidth:
        text = text.replace("（", "(").replace("）", ")")
    if style.traditional:
        if rnd.random() < 0.3:   # Taiwan-style phrase conversion and over-conversion seen on mirrors
            text = text.replace("文件", "檔案").replace("制", "製")
        table = _s2t()
        text = "".join(table.get(ch, ch) for ch in text)
    return text


def _number(text: str, style: Style, rnd: random.Random) -> str:
    if style.fullwidth_digits and rnd.random() < style.fullwidth_digits:
        text = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)
    return text


def _spans(text: str, style: Style, rnd: random.Random, header: bool = False) -> str:
    """Escape text and wrap it the way Word pastes it."""
    if header and style.br_headers and len(text) >= 4 and rnd.random() < 0.6:
        cut = rnd.randint(1, len(text) - 1)
        sep = rnd.choice(("<br>", "<br />", "</p><p>"))
        inner = _spans(text[:cut], style, rnd) + sep + _spans(text[cut:], style, rnd)
        return inner
    if style.split_spans and len(text) > 1 and rnd.random() < style.split_spans:
        cuts = sorted(rnd.sample(range(1, len(text)), k=min(len(text) - 1, rnd.randint(1, 3))))
        pieces = [text[i:j] for i, j in zip([0] + cuts, cuts + [len(text)])]
    else:
        pieces = [text]
    out = "".join(f'<span style="font-family:仿宋_GB2312">{html.escape(p)}</span>' for p in pieces)
    if style.nbsp and rnd.random() < style.nbsp:
        out = "&nbsp;" * rnd.randint(1, 3) + out + "&nbsp;" * rnd.randint(0, 2)
    return out


def _td(text: str, style: Style, rnd: random.Random, *, header=False, colspan=1, rowspan=1,
        is_number=False) -> str:
    attrs = ""
    if colspan > 1:
        attrs += f' colspan="{colspan}"'
    if rowspan > 1:
        attrs += f' rowspan="{rowspan}"'
    shown = _number(text, style, rnd) if is_number else _label(text, style, rnd)
    body = _spans(shown, style, rnd, header=header) if shown else (
        "<o:p>&nbsp;</o:p>" if style.word_markup else "")
    if style.word_markup:
        body = f'<p class="MsoNormal" style="text-align:center">{body}</p>'
    return f'<td width="80" valign="center"{attrs}>{body}</td>'


# ----------------------------------------------------------------------------- table model
def table_rows(report: Report) -> dict[str, list[list[tuple]]]:
    """Each section's table as rows of cells: (text, colspan, rowspan, kind, code)."""
    tables: dict[str, list[list[tuple]]] = {}
    p = report.printed
    rows: list[list[tuple]] = []
    width = 4
    for item, (cols, rowspecs, ckeys) in report.s2_layout().items():
        rows.append([(f"第二十条第（{item}）项", width, 1, "caption", None)])
        spans = [1] * len(cols) if len(cols) == 3 else [3] if len(cols) == 1 else [1, 2]
        rows.append([("信息内容", 1, 1, "header", None)] +
                    [(c, s, 1, "header", None) for c, s in zip(cols, spans)])
        for rkey, rlabel in rowspecs:
            rows.append([(rlabel, 1, 1, "label", None)] +
                        [(p[f"s2.{rkey}.{k}"], s, 1, "value", f"s2.{rkey}.{k}")
                         for k, s in zip(ckeys, spans)])
    tables["s2"] = rows

    rows = [[(S3_NOTE, 3, 3, "header", None), ("申请人情况", 7, 1, "header", None)],
            [("自然人", 1, 2, "header", None), ("法人或其他组织", 5, 1, "header", None),
             ("总计", 1, 2, "header", None)],
            [(t, 1, 1, "header", None) for t in ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")]]

    def vals(row: str) -> list[tuple]:
        return [(p[f"s3.{row}.{c}"], 1, 1, "value", f"s3.{row}.{c}") for c in S3_COLUMNS]

    rows.append([("一、本年新收政府信息公开申请数量", 3, 1, "label", None)] + vals("new"))
    rows.append([("二、上年结转政府信息公开申请数量", 3, 1, "label", None)] + vals("carried_over"))
    n_outcome = len(s3_outcome_rows(report.template)) + 1
    rows.append([("三、本年度办理结果", 1, n_outcome, "label", None), ("（一）予以公开", 2, 1, "label", None)]
                + vals("granted"))
    rows.append([(S3_ROWS_HEAD[1][1], 2, 1, "label", None)] + vals("partial"))
    groups = [("（三）不予公开", [(f"denied.{k}", f"{i + 1}.{l}") for i, (k, l) in enumerate(zip(S3_DENIED_KEYS, S3_DENIED))]),
              ("（四）无法提供", [(f"unable.{k}", f"{i + 1}.{l}") for i, (k, l) in enumerate(S3_UNABLE)]),
              ("（五）不予处理", [(f"rejected.{k}", f"{i + 1}.{l}") for i, (k, l) in enumerate(S3_REJECTED)])]
    if report.template == "gb2021":
        groups.append(("（六）其他处理", [(f"other.{k}", f"{i + 1}.{l}") for i, (k, l) in enumerate(S3_OTHER_2021)]))
    for glabel, members in groups:
        for i, (rkey, rlabel) in enumerate(members):
            head = [(glabel, 1, len(members), "label", None)] if i == 0 else []
            rows.append(head + [(rlabel, 1, 1, "label", None)] + vals(rkey))
    if report.template == "gb2019":
        rows.append([("（六）其他处理", 2, 1, "label", None)] + vals("other"))
    rows.append([("（七）总计", 2, 1, "label", None)] + vals("total"))
    rows.append([("四、结转下年度继续办理", 3, 1, "label", None)] + vals("carried_forward"))
    tables["s3"] = rows

    outcome_labels = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
    rows = [[("行政复议", 5, 1, "header", None), ("行政诉讼", 10, 1, "header", None)],
            [(t, 1, 2, "header", None) for t in outcome_labels] +
            [("未经复议直接起诉", 5, 1, "header", None), ("复议后起诉", 5, 1, "header", None)],
            [(t, 1, 1, "header", None) for t in outcome_labels * 2],
            [(p[f"s4.{proc}.{o}"], 1, 1, "value", f"s4.{proc}.{o}") for proc in S4_PROCS for o in S4_OUTCOMES]]
    tables["s4"] = rows
    return tables


def cell_columns(rows: list[list[tuple]]) -> list[list[int]]:
    """The grid column where each cell of ``table_rows`` rows starts: cells merged down from
    the rows above push a row's own cells to the right, as in an HTML table."""
    occupied: set[tuple[int, int]] = set()
    columns = []
    for r, row in enumerate(rows):
        c, starts = 0, []
        for _text, colspan, rowspan, _kind, _code in row:
            while (r, c) in occupied:
                c += 1
            starts.append(c)
            occupied.update((rr, cc) for rr in range(r, r + rowspan) for cc in range(c, c + colspan))
            c += colspan
        columns.append(starts)
    return columns


HEADINGS = {"s2": "二、主动公开政府信息情况", "s3": "三、收到和处理政府信息公开申请情况",
            "s4": "四、政府信息公开行政复议、行政诉讼情况"}
NARRATIVE = ("本年度，我单位认真贯彻落实《中华人民共和国政府信息公开条例》，"
             "不断加强政务公开工作，主动公开政府信息，依法办理依申请公开。")


def render_html(report: Report, rnd: random.Random, style: Style | None = None,
                tables: dict | None = None) -> str:
    """The report as a portal page; ``tables`` (from ``table_rows``, possibly edited) overrides
    the report's own tables, so a test can damage their structure."""
    style = style or Style.random(rnd)
    tables = tables or table_rows(report)
    out = ['<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">',
           f"<title>{html.escape(report.title)}</title></head><body>",
           '<div class="nav">首页 &gt; 政府信息公开 &gt; 年度报告</div><div class="TRS_Editor">',
           '<table width="100%"><tr><td>' if style.layout_table else "",
           f'<p style="text-align:center">{html.escape(report.title)}</p>',
           f"<p>本报告统计期限为{report.year}年1月1日至{report.year}年12月31日。</p>",
           "<p>一、总体情况</p>", f"<p>{NARRATIVE}</p>"]
    for sec in ("s2", "s3", "s4"):
        out.append(f"<p>{_spans(_label(HEADINGS[sec], style, rnd), style, rnd)}</p>")
        out.append('<table class="MsoNormalTable" border="1" cellspacing="0" style="border-collapse:collapse">')
        heads = 3 if style.thead and sec in ("s3", "s4") else 0
        out.append("<thead>" if heads else "<tbody>")
        for i, row in enumerate(tables[sec]):
            if heads and i == heads:
                out.append("</thead><tbody>")
            cells = "".join(_td(text, style, rnd, header=kind in ("header", "caption"), colspan=cs,
                                rowspan=rs, is_number=kind == "value")
                            for text, cs, rs, kind, _ in row)
            if i < heads:
                cells = cells.replace("<td", "<th").replace("</td>", "</th>")
            out.append(f"<tr>{cells}</tr>")
        out.append("</tbody></table>")
    out.append("<p>五、存在的主要问题及改进情况</p><p>公开内容还不够全面。</p>")
    out.append("<p>六、其他需要报告的事项</p><p>无。</p>")
    out.append("</td></tr></table></div></body></html>" if style.layout_table else "</div></body></html>")
    return "\n".join(out)


def render_text(report: Report, rnd: random.Random, convention: str = "row") -> str:
    """A text rendering (the conventions of ../shared/corpus/pages/README.md):
    ``row`` = one table row per line ending in ``|``; ``cell`` = one cell per line ending in
    `` |`` with a lone ``|`` line for an empty cell; ``sep`` = cells on their own lines with
    lone ``|`` separator lines (two in a row: an empty cell); ``bare`` = no pipes, one cell
    per line, a whitespace-only line for an empty cell, a blank line after each row."""
    tables = table_rows(report)
    lines = [report.title, f"本报告统计期限为{report.year}年1月1日至{report.year}年12月31日。",
             "一、总体情况", NARRATIVE]
    for sec in ("s2", "s3", "s4"):
        lines.append(HEADINGS[sec])
        for row in tables[sec]:
            texts = [text for text, *_ in row]
            if convention == "row":
                lines.append(" | ".join(texts) + " |")
            elif convention == "cell":
                lines.extend(f"{t} |" if t else "|" for t in texts)
            elif convention == "sep":
                for t in texts:
                    if t:
                        lines.append(t)
                    lines.append("|")
            else:
                lines.extend(t if t else " " for t in texts)
                lines.append("")
    lines += ["五、存在的主要问题及改进情况", "公开内容还不够全面。", "六、其他需要报告的事项", "无。"]
    return "\n".join(lines) + "\n"


def value_codes(report: Report) -> list[str]:
    return list(report.printed)


STRUCTURAL_DAMAGE = ("drop_row", "dup_row", "empty_row", "unknown_label", "blank_label", "drop_cell",
                     "extra_cell", "swap_rows")


def damage(tables: dict, rnd: random.Random, kind: str) -> str:
    """Break the structure of one table the way real pages do; returns the section hit."""
    sec = rnd.choice(["s2", "s3", "s4"])
    rows = tables[sec]
    i = rnd.randrange(len(rows))
    row = rows[i]
    labels = [j for j, c in enumerate(row) if c[3] == "label"]
    values = [j for j, c in enumerate(row) if c[3] == "value"]
    if kind == "drop_row":
        del rows[i]
    elif kind == "dup_row":
        rows.insert(i, list(row))
    elif kind == "empty_row":
        rows.insert(i, [("", 1, 1, "value", None)])
    elif kind in ("unknown_label", "blank_label") and labels:
        c = row[labels[-1]]
        row[labels[-1]] = ("某某事项" if kind == "unknown_label" else "", *c[1:])
    elif kind == "drop_cell" and values:
        del row[rnd.choice(values)]
    elif kind == "extra_cell":
        row.append(("0", 1, 1, "value", None))
    elif kind == "swap_rows" and i + 1 < len(rows):
        rows[i], rows[i + 1] = rows[i + 1], rows[i]
    return sec
