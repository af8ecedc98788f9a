"""Word (.docx) reports → the HTML the HTML front end reads.

Some bodies publish their report only as a Word attachment (research/portals.md §1: "部分为
Office/PDF 附件"; VSB pages offer 【下载Word】). A .docx is structured: its tables say which
cell spans which grid columns (``w:gridSpan``) and which cells continue a vertical merge
(``w:vMerge``), so it converts to an HTML table exactly, with nothing to guess, and the
parser's one HTML path (grid rebuild, mapping, checks) reads it like any report page.

What the conversion keeps and drops, as a reader of the printed document would:

* paragraphs (``w:p``) become ``<p>``, line breaks ``<br>``, tabs a space; text in tracked
  insertions, hyperlinks, smart tags, fields and content controls is kept;
* a footnote reference run (its mark typed by hand after the number, ``customMarkFollows``)
  is a marker like a superscript run;
* deleted text (``w:del``), struck-through runs (``w:strike``, ``w:dstrike``: a corrected
  figure) and hidden runs (``w:vanish``, Word's "hidden text", never printed) are dropped, as
  hidden and struck HTML is; superscript and subscript runs (``w:vertAlign``, set on the
  run or by its character style in ``word/styles.xml``: footnote markers) become ``<sup>``,
  read as an annotation (``2629(1)``); ``mc:AlternateContent`` is read in one branch;
* tables become ``<table>`` with ``colspan`` from ``w:gridSpan`` and ``rowspan`` from the
  ``w:vMerge`` runs below a ``restart`` cell; cells skipped at a row's start or end
  (``w:gridBefore``/``w:gridAfter``) become empty cells so columns keep their place; nested
  tables nest;
* text boxes, headers, footers, footnotes and comments are not part of the body and are left out.

Archives are read defensively: only ``word/document.xml`` is read, its declared and actual
size is capped (a zip bomb gives a clear error, not a full memory), and XML entities are
never resolved.
"""

from __future__ import annotations

import html
import io
import zipfile

from lxml import etree

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
DOCUMENT_PART = "word/document.xml"
STYLES_PART = "word/styles.xml"
MAX_PART_BYTES = 16 * 1024 * 1024      # a 50-page report's document.xml is well under 5 MB
MAX_DEPTH = 40                         # nested tables deeper than this are not a report

# Containers whose children are read as if they stood in the parent (content controls,
# custom XML, tracked insertions, hyperlinks, smart tags, simple fields).
_TRANSPARENT = {f"{W}{n}" for n in ("sdt", "sdtContent", "customXml", "ins", "hyperlink",
                                    "smartTag", "fldSimple", "moveTo", "dir", "bdo")}
_DROPPED = {f"{W}{n}" for n in ("del", "moveFrom", "sdtPr", "sdtEndPr", "customXmlPr", "rPr",
                                "pPr", "tcPr", "trPr", "tblPr", "tblGrid", "sectPr", "drawing",
                                "pict", "object", "footnoteReference", "endnoteReference",
                                "commentReference", "instrText", "delText")}
_ON = {None, "1", "true", "on"}


class DocxError(ValueError):
    """The file is not a Word document we can read; the message says why."""


def is_docx(data: bytes) -> bool:
    """A zip archive holding a Word main document (an .xlsx or .pptx is a zip too)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return DOCUMENT_PART in zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _parts(data: bytes) -> tuple[bytes, bytes | None]:
    """(word/document.xml, word/styles.xml or None)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise DocxError(f"not a readable zip archive ({exc})") from exc
    with zf:
        if DOCUMENT_PART not in zf.namelist():
            raise DocxError(f"no {DOCUMENT_PART} in the archive: not a Word document "
                            "(an Excel or PowerPoint file?)")
        styles = _read_part(zf, STYLES_PART) if STYLES_PART in zf.namelist() else None
        return _read_part(zf, DOCUMENT_PART), styles


def _read_part(zf: zipfile.ZipFile, name: str) -> bytes:
    info = zf.getinfo(name)
    if info.file_size > MAX_PART_BYTES:
        raise DocxError(f"{name} declares {info.file_size} bytes, over the {MAX_PART_BYTES} limit")
    try:
        with zf.open(info) as part:
            xml = part.read(MAX_PART_BYTES + 1)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise DocxError(f"{name} cannot be unpacked ({exc})") from exc
    if len(xml) > MAX_PART_BYTES:
        raise DocxError(f"{name} unpacks to more than {MAX_PART_BYTES} bytes")
    return xml


# Run properties the conversion acts on, as set directly on a run or through its style.
_RUN_PROPS = ("vanish", "specVanish", "strike", "dstrike", "vertAlign", "position")


def _own_props(rpr) -> dict[str, str | None]:
    """The properties a ``w:rPr`` sets: toggles as "1"/"0", vertAlign and position values."""
    out: dict[str, str | None] = {}
    if rpr is None:
        return out
    for name in _RUN_PROPS:
        el = rpr.find(f"{W}{name}")
        if el is None:
            continue
        if name in ("vertAlign", "position"):
            out[name] = el.get(f"{W}val")
        else:
            out[name] = "1" if _on(el) else "0"
    return out


def _style_props(styles_xml: bytes | None, parser) -> dict[str, dict]:
    """Character-style id → the run properties it sets, its ``basedOn`` chain resolved:
    a footnote mark typed by hand is superscript only through a style (脚注引用)."""
    if not styles_xml:
        return {}
    try:
        root = etree.fromstring(styles_xml, parser=parser)
    except etree.XMLSyntaxError:
        return {}
    if root is None:
        return {}
    own: dict[str, tuple[str | None, dict]] = {}
    for style in root.iter(f"{W}style"):
        sid = style.get(f"{W}styleId")
        if sid:
            based = style.find(f"{W}basedOn")
            own[sid] = (based.get(f"{W}val") if based is not None else None,
                        _own_props(style.find(f"{W}rPr")))
    resolved: dict[str, dict] = {}
    for sid in own:
        chain, seen, cur = [], set(), sid
        while cur in own and cur not in seen and len(chain) < 20:
            seen.add(cur)
            chain.append(own[cur][1])
            cur = own[cur][0]
        props: dict = {}
        for layer in reversed(chain):      # the base first, the style's own last
            props.update(layer)
        resolved[sid] = props
    return resolved


def _on(el) -> bool:
    """A Word toggle property (``<w:vanish/>``, ``w:val="true"``) is set."""
    return el is not None and el.get(f"{W}val") in _ON


def _attr_int(el, default: int) -> int:
    if el is None:
        return default
    try:
        return max(0, int(el.get(f"{W}val", default)))
    except ValueError:
        return default


class _Writer:
    def __init__(self, styles: dict[str, dict] | None = None) -> None:
        self.out: list[str] = []
        self.styles = styles or {}

    def props(self, rpr) -> dict:
        """A run's effective properties: its character style's, then its own."""
        if rpr is None:
            return {}
        style = rpr.find(f"{W}rStyle")
        props = dict(self.styles.get(style.get(f"{W}val"), {})) if style is not None else {}
        props.update(_own_props(rpr))
        return props

    # ------------------------------------------------------------------ blocks
    def blocks(self, parent, depth: int) -> None:
        """The block-level children of ``parent`` (body, cell, content control) in order."""
        for child in parent:
            tag = child.tag
            if tag == f"{W}p":
                self.paragraph(child)
            elif tag == f"{W}tbl":
                self.table(child, depth + 1)
            elif tag in _TRANSPARENT:
                self.blocks(child, depth)
            elif tag == _ALTERNATE:
                self.blocks(_one_branch(child), depth)

    def paragraph(self, p) -> None:
        pieces: list = []
        self.runs(p, pieces)
        if any(isinstance(piece, _Nudged) for piece in pieces):
            whole = "".join(map(str, pieces)).strip()
            pieces = [f"^{piece}" if isinstance(piece, _Nudged) and str(piece).strip() != whole
                      else str(piece) for piece in pieces]
        self.out.append("<p>" + "".join(pieces) + "</p>\n")

    def runs(self, parent, pieces: list[str]) -> None:
        for child in parent:
            tag = child.tag
            if tag == f"{W}r":
                props = self.props(child.find(f"{W}rPr"))
                if any(props.get(name) == "1" for name in ("vanish", "specVanish", "strike", "dstrike")):
                    continue            # hidden, or struck through: not the figure
                if props.get("vertAlign") in ("superscript", "subscript") \
                        or child.find(f"{W}footnoteReference") is not None \
                        or child.find(f"{W}endnoteReference") is not None:
                    inner: list[str] = []     # a footnote marker, as <sup> in HTML
                    self.run(child, inner)
                    pieces.append(f"<sup>{''.join(inner)}</sup>")
                elif props.get("position") not in (None, "0", ""):
                    inner = []
                    self.run(child, inner)
                    pieces.append(_Nudged("".join(inner)))
                else:
                    self.run(child, pieces)
            elif tag == _ALTERNATE:
                self.runs(_one_branch(child), pieces)
            elif tag in _TRANSPARENT:
                self.runs(child, pieces)

    @staticmethod
    def run(r, pieces: list[str]) -> None:
        for child in r:
            tag = child.tag
            if tag == f"{W}t":
                pieces.append(html.escape(child.text or "", quote=False))
            elif tag in (f"{W}tab", f"{W}ptab"):
                pieces.append(" ")
            elif tag in (f"{W}br", f"{W}cr"):
                pieces.append("<br>")
            elif tag == f"{W}noBreakHyphen":
                pieces.append("-")

    # ------------------------------------------------------------------ tables
    def table(self, tbl, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise DocxError(f"tables nested more than {MAX_DEPTH} deep")
        rows = [self._row_cells(tr, depth) for tr in _children(tbl, f"{W}tr")]
        _merge_vertically(rows)
        self.out.append("<table>\n")
        for cells in rows:
            self.out.append("<tr>")
            for cell in cells:
                if cell["continued"]:
                    continue
                attrs = ""
                if cell["colspan"] > 1:
                    attrs += f' colspan="{cell["colspan"]}"'
                if cell["rowspan"] > 1:
                    attrs += f' rowspan="{cell["rowspan"]}"'
                self.out.append(f"<td{attrs}>{cell['html']}</td>")
            self.out.append("</tr>\n")
        self.out.append("</table>\n")


    def _row_cells(self, tr, depth: int) -> list[dict]:
        trpr = tr.find(f"{W}trPr")
        before = _attr_int(trpr.find(f"{W}gridBefore"), 0) if trpr is not None else 0
        after = _attr_int(trpr.find(f"{W}gridAfter"), 0) if trpr is not None else 0
        cells: list[dict] = []
        col = 0
        if before:
            cells.append(_cell("", col, before, None))
            col += before
        for tc in _children(tr, f"{W}tc"):
            tcpr = tc.find(f"{W}tcPr")
            span = _attr_int(tcpr.find(f"{W}gridSpan"), 1) if tcpr is not None else 1
            vmerge = tcpr.find(f"{W}vMerge") if tcpr is not None else None
            state = None if vmerge is None else (
                "restart" if vmerge.get(f"{W}val") == "restart" else "continue")
            inner = _Writer(self.styles)
            inner.blocks(tc, depth)
            cells.append(_cell("".join(inner.out), col, max(span, 1), state))
            col += max(span, 1)
        if after:
            cells.append(_cell("", col, after, None))
        return cells



_ALTERNATE = "{http://schemas.openxmlformats.org/markup-compatibility/2006}AlternateContent"


def _one_branch(alternate):
    """``mc:AlternateContent`` holds the same content twice (WPS, Word's w14 features): the
    first ``mc:Choice``, else the ``mc:Fallback`` — one branch, never both."""
    for child in alternate:
        if child.tag.endswith("}Choice"):
            return child
    for child in alternate:
        if child.tag.endswith("}Fallback"):
            return child
    return []


def _children(parent, tag: str):
    """The ``tag`` children of ``parent``, looking through content controls and custom XML
    (rows and cells may sit inside a ``w:sdt``)."""
    for child in parent:
        if child.tag == tag:
            yield child
        elif child.tag in _TRANSPARENT:
            yield from _children(child, tag)


class _Nudged(str):
    """A run raised or lowered by ``w:position``: a footnote marker as often as an alignment
    nudge. Next to other text in its paragraph it gets a ``^`` (as ``mso-text-raise`` does
    in HTML, ``htmldoc._mark_nudged``), so a number holding one is not read."""


def _cell(content: str, col: int, colspan: int, vmerge: str | None) -> dict:
    return {"html": content, "col": col, "colspan": colspan, "vmerge": vmerge,
            "rowspan": 1, "continued": False}


def _merge_vertically(rows: list[list[dict]]) -> None:
    """A ``continue`` cell extends the merge started above it in the same grid column (its
    text, normally empty, is dropped as Word drops it); one with no merge above is kept as
    an ordinary cell."""
    open_merges: dict[int, dict] = {}      # grid column → the restart cell merging down
    for cells in rows:
        for cell in cells:
            origin = open_merges.get(cell["col"])
            if cell["vmerge"] == "continue" and origin is not None \
                    and origin["colspan"] == cell["colspan"]:
                origin["rowspan"] += 1
                cell["continued"] = True
                continue
            for c in range(cell["col"], cell["col"] + cell["colspan"]):
                open_merges.pop(c, None)
            if cell["vmerge"] == "restart":
                open_merges[cell["col"]] = cell


def docx_to_html(data: bytes) -> bytes:
    """The document's body as a UTF-8 HTML page, or ``DocxError`` saying what is wrong."""
    xml, styles_xml = _parts(data)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                             recover=True, remove_comments=True)
    try:
        root = etree.fromstring(xml, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise DocxError(f"{DOCUMENT_PART} is not XML ({exc})") from exc
    if root is None or root.tag != f"{W}document":
        raise DocxError(f"{DOCUMENT_PART} is not a Word main document (no w:document element)")
    body = root.find(f"{W}body")
    if body is None:
        raise DocxError(f"{DOCUMENT_PART} has no document body")
    writer = _Writer(_style_props(styles_xml, parser))
    writer.blocks(body, 0)
    page = ('<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body>\n'
            + "".join(writer.out) + "</body></html>\n")
    return page.encode("utf-8")
