"""Word (.docx) renderings of synthetic reports, written the way Word and WPS write them.

A table's merged cells are what makes a Word report hard: a horizontal merge is one ``w:tc``
with ``w:gridSpan``, a vertical merge a ``w:vMerge w:val="restart"`` cell followed, in every
row below, by a ``w:vMerge`` cell (no value) in the same grid column. Text is split into
several runs (Word splits at every formatting or spell-check boundary), and a document may
carry hidden text (``w:vanish``) and tracked changes, which a reader of the printed page
never sees. ``Quirks`` switches those on so tests can check the parser ignores them.
"""

from __future__ import annotations

import io
import random
import zipfile
from dataclasses import dataclass
from xml.sax.saxutils import escape

import reportgen as G

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
</Types>"""
RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
</Relationships>"""


@dataclass
class Quirks:
    split_runs: bool = False       # "12" written as runs "1" + "2"
    hidden_decoy: bool = False     # a hidden run "9" before every number (w:vanish)
    tracked_changes: bool = False  # every number was "7" before a tracked edit (w:del + w:ins)
    content_controls: bool = False  # tables and paragraphs inside w:sdt content controls
    grid_before: bool = False      # section 四's value row starts after an empty grid column

    @classmethod
    def random(cls, rnd: random.Random) -> Quirks:
        return cls(*(rnd.random() < 0.5 for _ in range(5)))


def _runs(text: str, quirks: Quirks, *, number: bool = False) -> str:
    out = []
    if number and text and quirks.hidden_decoy:
        out.append('<w:r><w:rPr><w:vanish/></w:rPr><w:t>9</w:t></w:r>')
    if number and text and quirks.tracked_changes:
        out.append('<w:del w:id="1" w:author="a"><w:r><w:delText>7</w:delText></w:r></w:del>')
    pieces = list(text) if quirks.split_runs and len(text) > 1 else [text] if text else []
    runs = "".join(f'<w:r><w:rPr><w:rFonts w:hint="eastAsia"/></w:rPr><w:t xml:space="preserve">'
                   f"{escape(p)}</w:t></w:r>" for p in pieces)
    if number and text and quirks.tracked_changes:
        runs = f'<w:ins w:id="2" w:author="a">{runs}</w:ins>'
    out.append(runs)
    return "".join(out)


def _paragraph(text: str, quirks: Quirks, *, number: bool = False) -> str:
    return f"<w:p><w:pPr><w:jc w:val=\"center\"/></w:pPr>{_runs(text, quirks, number=number)}</w:p>"


def _table(rows: list[list[tuple]], quirks: Quirks, *, grid_before_last: bool = False) -> str:
    """``reportgen.table_rows`` rows as a Word table: rowspans become vMerge runs."""
    placed: list[list[tuple]] = [[] for _ in rows]   # per row: (col, text, colspan, vmerge, is number)
    for r, (row, starts) in enumerate(zip(rows, G.cell_columns(rows))):
        for c, (text, colspan, rowspan, kind, _code) in zip(starts, row):
            placed[r].append((c, text, colspan, "restart" if rowspan > 1 else None, kind == "value"))
            for rr in range(r + 1, min(r + rowspan, len(rows))):
                placed[rr].append((c, "", colspan, "continue", False))
    width = max(c + span for row in placed for c, _, span, _, _ in row)
    out = ['<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/></w:tblPr><w:tblGrid>'
           + '<w:gridCol w:w="800"/>' * (width + 1) + "</w:tblGrid>"]
    for r, cells in enumerate(placed):
        cells.sort(key=lambda cell: cell[0])
        trpr = ""
        if grid_before_last and r == len(placed) - 1:
            trpr = '<w:trPr><w:gridBefore w:val="1"/></w:trPr>'
        out.append(f"<w:tr>{trpr}")
        for _c, text, colspan, vmerge, number in cells:
            props = ""
            if colspan > 1:
                props += f'<w:gridSpan w:val="{colspan}"/>'
            if vmerge == "restart":
                props += '<w:vMerge w:val="restart"/>'
            elif vmerge == "continue":
                props += "<w:vMerge/>"
            out.append(f'<w:tc><w:tcPr><w:tcW w:w="800" w:type="dxa"/>{props}</w:tcPr>'
                       f"{_paragraph(text, quirks, number=number)}</w:tc>")
        out.append("</w:tr>")
    out.append("</w:tbl>")
    table = "".join(out)
    if quirks.content_controls:
        table = f"<w:sdt><w:sdtPr/><w:sdtContent>{table}</w:sdtContent></w:sdt>"
    return table


def document_xml(report: G.Report, quirks: Quirks, tables: dict | None = None) -> str:
    tables = tables or G.table_rows(report)
    body = [_paragraph(report.title, quirks),
            _paragraph(f"本报告统计期限为{report.year}年1月1日至{report.year}年12月31日。", quirks),
            _paragraph("一、总体情况", quirks), _paragraph(G.NARRATIVE, quirks)]
    for sec in ("s2", "s3", "s4"):
        body.append(_paragraph(G.HEADINGS[sec], quirks))
        if sec == "s4":
            s4 = [list(row) for row in tables[sec]]
            if quirks.grid_before:
                # The value row shifted right by an empty leading grid column, as Word
                # writes a row whose first cell was deleted: the header rows get a
                # matching empty first column.
                s4 = [[("", 1, 1, "header", None)] + row for row in s4[:-1]] + [s4[-1]]
            body.append(_table(s4, quirks, grid_before_last=quirks.grid_before))
        else:
            body.append(_table(tables[sec], quirks))
    body += [_paragraph("五、存在的主要问题及改进情况", quirks), _paragraph("公开内容还不够全面。", quirks),
             _paragraph("六、其他需要报告的事项", quirks), _paragraph("无。", quirks)]
    if quirks.content_controls:
        body[1] = f"<w:sdt><w:sdtPr/><w:sdtContent>{body[1]}</w:sdtContent></w:sdt>"
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="{W_NS}">'
            f"<w:body>{''.join(body)}<w:sectPr/></w:body></w:document>")


def package(document: str, *, extra: dict[str, bytes] | None = None, fixed_time: bool = False) -> bytes:
    """The .docx archive; ``fixed_time`` stamps every member 2022-03-25 so that a fixture
    built twice is byte-identical."""
    buf = io.BytesIO()
    parts = {"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": RELS,
             "word/document.xml": document, **(extra or {})}
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            if fixed_time:
                zf.writestr(zipfile.ZipInfo(name, (2022, 3, 25, 9, 0, 0)), data,
                            compress_type=zipfile.ZIP_DEFLATED)
            else:
                zf.writestr(name, data)
    return buf.getvalue()


def render_docx(report: G.Report, rnd: random.Random, quirks: Quirks | None = None) -> bytes:
    return package(document_xml(report, quirks or Quirks.random(rnd)))
