"""A terminal view of a parse result for a person: the three tables as grids, flagged
cells marked, failed checks listed. Uses rich when the output is a terminal (colours),
plain text otherwise, so the view can be piped into a file or a pager unchanged."""

from __future__ import annotations

from typing import TextIO

from ogi_scrape.parse import templates as T
from ogi_scrape.parse.result import ParseResult

MARK = {"blank": "·", "not_applicable": "/", "truncated": "✂", "conflict": "!",
        "text_in_numeric": "?", "spaced_digits": "?", "label_inferred": "~", "position_inferred": "~",
        "unit_conflict": "!", "non_integer": "!", "negative": "!"}
STATUS_STYLE = {"ok": "bold green", "partial": "bold yellow", "failed": "bold red"}


def _cell(v) -> str:
    if v is None:
        return "—"
    text = v.raw if v.value is None else (format(v.value, "f") if not isinstance(v.value, int) else str(v.value))
    return (text or "") + "".join(MARK[f] for f in v.flags if f in MARK)


def _tables(result: ParseResult):
    """Yield (title, header, rows) for each section present in the result."""
    by_code = {v.code: v for v in result.values}
    tpl = T.load(result.template) if result.template in T.FORMATS else T.load("gb2021")
    s2_rows = []
    for block in tpl.s2:
        for row in block.rows:
            cells = [f"{c.label}={_cell(by_code.get(f's2.{row.key}.{c.key}'))}" for c in block.columns]
            s2_rows.append([f"（{block.item}）{row.label}", "  ".join(cells)])
    yield "二、主动公开政府信息情况", ["row", "values"], s2_rows
    header = ["row"] + [c.label for c in tpl.s3_columns]
    s3_rows = [[r.label[:18]] + [_cell(by_code.get(f"s3.{r.key}.{c.key}")) for c in tpl.s3_columns]
               for r in tpl.s3_rows]
    yield "三、收到和处理政府信息公开申请情况", header, s3_rows
    header = ["proceeding"] + [label for _, label in tpl.s4_outcomes]
    s4_rows = [[label] + [_cell(by_code.get(f"s4.{p}.{o}")) for o, _ in tpl.s4_outcomes]
               for p, label in tpl.s4_proceedings]
    yield "四、政府信息公开行政复议、行政诉讼情况", header, s4_rows


def render_table(result: ParseResult, out: TextIO) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(file=out, highlight=False, soft_wrap=False,
                      force_terminal=None if out.isatty() else False, width=160)
    name = result.source.get("url") or result.source.get("name")
    console.print(f"[bold]{escape(str(name))}[/bold]")
    console.print(escape(f"  title: {result.title or '?'}   org: {result.org or '?'}   year: {result.year or '?'}"))
    console.print(escape(f"  format: {result.template} ({result.template_basis})"))
    console.print(f"  status: [{STATUS_STYLE.get(result.status, 'bold')}]{result.status}[/]"
                  f"   values: {sum(1 for v in result.values if v.value is not None)} numbers, "
                  f"{sum(1 for v in result.values if v.value is None)} without a number")
    for reason in result.reasons:
        console.print(f"  [yellow]! {escape(reason)}[/yellow]")
    if result.template in T.FORMATS:
        for title, header, rows in _tables(result):
            table = Table(title=title, title_justify="left", show_lines=False)
            for h in header:
                table.add_column(h, overflow="fold")
            for row in rows:
                table.add_row(*[f"[red]{escape(c)}[/red]" if any(m in c for m in "!?✂~") else escape(c)
                                for c in row])
            console.print(table)
    failed = [c for c in result.checks if c["outcome"] == "fail"]
    na = sum(1 for c in result.checks if c["outcome"] == "not_assessable")
    passed = sum(1 for c in result.checks if c["outcome"] == "pass")
    console.print(f"  checks: {passed} pass, {len(failed)} fail, {na} not assessable")
    for c in failed:
        inst = f"[{c['instance']}]" if c.get("instance") else ""
        console.print(f"  [red]✗ {escape(c['rule'] + inst + ': ' + c['detail'])}[/red]")
    console.print("  legend: · blank  / not applicable  ✂ cut  ! conflict/type  ? text  ~ inferred position")
    console.print()
