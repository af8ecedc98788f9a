"""PDF renderings of synthetic reports, laid out the way Word and WPS export them.

ReportLab draws each table as a grid of ruled boxes, merged cells as one box (``SPAN``), in
the CID font STSong-Light (Adobe-GB1, not embedded; text is extracted through its standard
Unicode map, as from most government PDFs). Long tables break across pages. ``Quirks``
adds what real files carry: a white decoy digit before each number (anti-copy text, never
printed visibly), a table drawn without lines, and a page-sized image over the page (a scan).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import reportgen as G
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import (
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
BODY = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=16, wordWrap="CJK")
CELL = ParagraphStyle("cell", fontName=FONT, fontSize=7, leading=9, wordWrap="CJK")


@dataclass
class Quirks:
    white_decoys: bool = False     # a white "9" before every number in the tables
    unruled: tuple[str, ...] = ()  # sections whose table is drawn without lines
    scanned: bool = False          # an image over the whole first page
    split_s3_at: int = 0           # section 三's table broken over a page before this row


def _cell(text: str, quirks: Quirks, number: bool):
    if number and text and quirks.white_decoys:
        return Paragraph(f'<font color="white">9</font>{text}', CELL)
    return Paragraph(text, CELL) if text else ""


WIDTHS = {"s2": [50, 40, 40, 40], "s3": [16, 20, 38] + [13.7] * 7, "s4": [170 / 15] * 15}


def split_rows(rows: list[list[tuple]], at: int) -> tuple[list[list[tuple]], list[list[tuple]]]:
    """The rows before and from ``at``, as a page break cuts a Word table: a merged cell
    crossing the cut keeps its text above; below, an empty box spans the rest of it."""
    columns = G.cell_columns(rows)
    top = [list(row) for row in rows[:at]]
    first = list(zip(columns[at], rows[at]))          # the first row below the cut, by column
    for r, (row, starts) in enumerate(zip(rows[:at], columns)):
        for i, (c, (text, colspan, rowspan, kind, code)) in enumerate(zip(starts, row)):
            if r + rowspan > at:
                top[r][i] = (text, colspan, at - r, kind, code)
                first.append((c, ("", colspan, r + rowspan - at, kind, None)))
    first.sort(key=lambda placed: placed[0])
    return top, [[cell for _, cell in first]] + [list(row) for row in rows[at + 1:]]


def _table(rows: list[list[tuple]], quirks: Quirks, ruled: bool, widths: list[float]) -> Table:
    """``reportgen.table_rows`` rows as a ReportLab table: a merged cell is one SPAN box."""
    grid: dict[tuple[int, int], object] = {}
    spans = []
    width = 0
    for r, (row, starts) in enumerate(zip(rows, G.cell_columns(rows))):
        for c, (text, colspan, rowspan, kind, _code) in zip(starts, row):
            grid[(r, c)] = _cell(text, quirks, kind == "value")
            if colspan > 1 or rowspan > 1:
                spans.append(("SPAN", (c, r), (c + colspan - 1, r + rowspan - 1)))
            width = max(width, c + colspan)
    data = [[grid.get((r, c), "") for c in range(width)] for r in range(len(rows))]
    style = [("FONTNAME", (0, 0), (-1, -1), FONT), ("FONTSIZE", (0, 0), (-1, -1), 7),
             ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), *spans]
    if ruled:
        style.append(("GRID", (0, 0), (-1, -1), 0.5, "black"))
    return Table(data, colWidths=[w * mm for w in widths[:width]], style=TableStyle(style))


def render_pdf(report: G.Report, quirks: Quirks | None = None, tables: dict | None = None) -> bytes:
    quirks = quirks or Quirks()
    tables = tables or G.table_rows(report)
    story = [Paragraph(report.title, BODY),
             Paragraph(f"本报告统计期限为{report.year}年1月1日至{report.year}年12月31日。", BODY),
             Paragraph("一、总体情况", BODY), Paragraph(G.NARRATIVE, BODY)]
    for sec in ("s2", "s3", "s4"):
        story.append(Paragraph(G.HEADINGS[sec], BODY))
        ruled = sec not in quirks.unruled
        if sec == "s3" and quirks.split_s3_at:
            top, bottom = split_rows(tables[sec], quirks.split_s3_at)
            story += [_table(top, quirks, ruled, WIDTHS[sec]), PageBreak(),
                      _table(bottom, quirks, ruled, WIDTHS[sec])]
        else:
            story.append(_table(tables[sec], quirks, ruled, WIDTHS[sec]))
        story.append(Spacer(1, 6))
    story += [Paragraph("五、存在的主要问题及改进情况", BODY), Paragraph("公开内容还不够全面。", BODY),
              Paragraph("六、其他需要报告的事项", BODY), Paragraph("无。", BODY)]
    buf = io.BytesIO()

    def scan(canvas, doc):
        if quirks.scanned and doc.page == 1:
            from PIL import Image
            from reportlab.lib.utils import ImageReader
            canvas.drawImage(ImageReader(Image.new("L", (60, 80), 255)), 0, 0, *A4)

    doc = SimpleDocTemplate(buf, pagesize=A4, title=report.title, invariant=1,
                            leftMargin=20 * mm, rightMargin=20 * mm)
    doc.build(story, onFirstPage=scan, onLaterPages=scan)
    return buf.getvalue()
