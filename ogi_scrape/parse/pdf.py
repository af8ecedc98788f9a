"""PDF reports → the HTML the HTML front end reads, where the PDF's geometry makes it exact.

Many bodies publish their report only as a PDF attachment (research/portals.md §1). A PDF
has no tables, only characters at positions and lines drawn on the page. Where a table is
ruled — every cell boxed by drawn lines, as Word and WPS export their tables — the lines
say exactly which grid columns and rows each cell covers: ``pdfplumber``'s table finder
returns one box per cell, and a box that covers two grid columns is a ``colspan`` of 2. The
conversion then writes an HTML table with nothing guessed, and the parser's one HTML path
(grid rebuild, mapping, checks) reads it like any report page.

What is read, and what is refused:

* **Ruled tables** become ``<table>``; a box empty of characters is an empty cell (a blank,
  never 0). Characters are placed in the box that holds their centre.
* **Everything else** on the page (headings, paragraphs, page numbers, and tables drawn
  without lines) becomes ``<p>`` lines, in reading order around the tables. An unruled table
  is then read by the strict text reader (``pipetext``), as a text rendering is: a row is
  mapped only when its numbers fit the columns unambiguously.
* **Invisible text** is dropped as hidden HTML is: characters drawn in render mode 3 or 7
  (never painted), painted near-white or smaller than one point, and characters outside the
  page. Watermark-light and rotated characters, and glyphs with no Unicode mapping, become
  U+FFFD, so the cell they fall in is refused rather than read with an extra digit.
* **A scanned page** (an image over most of the page) is refused, with or without a text
  layer: an OCR layer's digits are a machine's reading, not the printed figures, and this
  tool never publishes a number it cannot trace to what the government printed.
* Encrypted, damaged and oversized files give ``PdfError`` with the reason.

Provenance: the PDF's lines are no lines of an HTML source, so values carry their table,
row and column (as a converted Word file's do); the table's page is written on the table
(``data-pdf-page``) for a person checking the file.
"""

from __future__ import annotations

import bisect
import html
import io
import logging

MAX_PDF_BYTES = 40 * 1024 * 1024
MAX_PAGES = 80               # a county report runs to 10–30 pages; more is not one report
MAX_CHARS_PER_PAGE = 60_000
SNAP = 1.5                   # points: edges closer than this are one grid line
SCANNED_AREA = 0.5           # an image covering this share of a page makes it a scan
_RULED = {"vertical_strategy": "lines", "horizontal_strategy": "lines",
          "snap_tolerance": 3, "join_tolerance": 3, "intersection_tolerance": 3}
INVISIBLE_LIGHTNESS = 0.9    # text this close to white is not meant to be seen: dropped
FAINT_LIGHTNESS = 0.6        # watermark-light: not dropped, not read (becomes U+FFFD)
UNMAPPED = "\ufffd"
MAX_UNMAPPED_SHARE = 0.2     # more unreadable glyphs than this: the text is not the print


class PdfError(ValueError):
    """The file is not a PDF we can read; the message says why."""


def pdf_to_html(data: bytes) -> bytes:
    """The document as a UTF-8 HTML page, or ``PdfError`` saying what is wrong."""
    if len(data) > MAX_PDF_BYTES:
        raise PdfError(f"{len(data):,} bytes, more than the {MAX_PDF_BYTES:,} a report runs to")
    import pdfplumber

    _mark_invisible_render_modes()
    logging.getLogger("pdfminer").setLevel(logging.ERROR)     # it warns on every odd font
    out: list[str] = []
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            if len(pdf.pages) > MAX_PAGES:
                raise PdfError(f"{len(pdf.pages)} pages, more than the {MAX_PAGES} a report runs to")
            chars_seen = 0
            for number, page in enumerate(pdf.pages, start=1):
                chars_seen += _page_html(page, number, out)
            if not chars_seen:
                raise PdfError("no text in the file: a scanned or image-only PDF (no OCR is done)")
            unmapped = sum(part.count(UNMAPPED) for part in out)
            if unmapped > MAX_UNMAPPED_SHARE * chars_seen:
                raise PdfError(f"{unmapped} of {chars_seen} characters have no Unicode mapping in "
                               "their font or are watermark-faint or rotated: the text cannot be "
                               "read as printed")
    except PdfError:
        raise
    except Exception as exc:
        raise _pdf_error(exc) from exc
    page = ('<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body>\n'
            + "".join(out) + "</body></html>\n")
    return page.encode("utf-8")


def _pdf_error(exc: Exception) -> PdfError:
    """pdfplumber wraps pdfminer's errors in ``PdfminerException(original)``: name the
    original, which says what is wrong (a password, a broken cross-reference table)."""
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfplumber.utils.exceptions import PdfminerException

    inner = exc.args[0] if isinstance(exc, PdfminerException) and exc.args \
        and isinstance(exc.args[0], Exception) else exc
    if isinstance(inner, (PDFPasswordIncorrect, PDFEncryptionError)):
        return PdfError(f"encrypted PDF that needs a password to open ({type(inner).__name__})")
    return PdfError(f"unreadable PDF ({type(inner).__name__}: {str(inner)[:120]})")


_PATCHED = False


def _mark_invisible_render_modes() -> None:
    """Text drawn in render mode 3 (neither filled nor stroked) or 7 (clip only) is never
    seen on the page: an OCR layer, or a decoy digit an anti-copy tool slips before each
    number. pdfminer keeps no render mode on its characters, so pdfplumber's page device
    is given a subclass that empties the text of characters drawn in those modes (their
    positions still advance the line). Set once, for this process's pdfplumber only."""
    global _PATCHED
    if _PATCHED:
        return
    import pdfplumber.page as plumber_page
    from pdfminer.layout import LTChar

    base = plumber_page.PDFPageAggregatorWithMarkedContent

    class InvisibleTextAware(base):
        def render_string(self, textstate, seq, ncs, graphicstate):
            start = len(self.cur_item._objs)
            super().render_string(textstate, seq, ncs, graphicstate)
            if textstate.render in (3, 7):
                for obj in self.cur_item._objs[start:]:
                    if isinstance(obj, LTChar):
                        obj._text = ""

    plumber_page.PDFPageAggregatorWithMarkedContent = InvisibleTextAware
    _PATCHED = True


def _visible_chars(page) -> list[dict]:
    width, height = page.width, page.height
    kept = []
    for ch in page.chars:
        if not ch["text"] or ch.get("size", 0) < 1:
            continue
        lightness = _lightness(ch.get("non_stroking_color"))
        if lightness >= INVISIBLE_LIGHTNESS:
            continue
        if ch["text"].startswith("(cid:") or lightness >= FAINT_LIGHTNESS or _rotated(ch):
            # A glyph the font gives no Unicode for (pdfminer writes "(cid:18)", which a
            # number reader would take for 18), a watermark-light or a rotated one (a
            # watermark across a table): it becomes U+FFFD, which no reader accepts, so
            # the cell it falls in is refused rather than read with an extra digit.
            ch = {**ch, "text": UNMAPPED}
        cx, cy = _centre(ch)
        if not (0 <= cx <= width and 0 <= cy <= height):
            continue
        kept.append(ch)
    return kept


def _centre(ch: dict) -> tuple[float, float]:
    """Where a character is placed: the point its box is centred on."""
    return (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2


def _rotated(ch: dict) -> bool:
    """Drawn turned or skewed (a diagonal watermark): its text matrix is no plain scale."""
    matrix = ch.get("matrix")
    if not matrix or len(matrix) < 4:
        return not ch.get("upright", True)
    return abs(matrix[1]) > 1e-3 or abs(matrix[2]) > 1e-3 or not ch.get("upright", True)


def _lightness(color) -> float:
    """0 (black) … 1 (white) for a gray, RGB or CMYK fill; 0 when unknown (a pattern)."""
    if color is None:
        return 0.0
    if isinstance(color, (int, float)):
        color = (color,)
    try:
        values = [float(v) for v in color]
    except (TypeError, ValueError):
        return 0.0
    if len(values) == 1:
        return values[0]
    if len(values) == 3:
        r, g, b = values
        return 0.299 * r + 0.587 * g + 0.114 * b
    if len(values) == 4:
        c, m, y, k = values
        return (1 - c) * (1 - m) * (1 - y) * (1 - k)
    return 0.0


def _is_scanned(page) -> bool:
    area = page.width * page.height
    for image in page.images:
        w = min(image["x1"], page.width) - max(image["x0"], 0)
        h = min(image["bottom"], page.height) - max(image["top"], 0)
        if area and w > 0 and h > 0 and w * h / area >= SCANNED_AREA:
            return True
    return False


def _page_html(page, number: int, out: list[str]) -> int:
    """Append the page's lines and tables to ``out``; return how many characters it held."""
    if _is_scanned(page):
        raise PdfError(f"page {number} is a scanned image; its text, if any, is a machine's "
                       "reading (OCR), not the printed figures")
    chars = _visible_chars(page)
    if len(chars) > MAX_CHARS_PER_PAGE:
        raise PdfError(f"page {number} holds {len(chars):,} characters, more than a report page")
    tables = [t for t in page.find_tables(_RULED) if len(t.cells) >= 2]
    tables.sort(key=lambda t: (t.bbox[1], t.bbox[0]))
    in_table: list[list[dict]] = [[] for _ in tables]
    outside: list[dict] = []
    for ch in chars:
        cx, cy = _centre(ch)
        for i, t in enumerate(tables):
            x0, top, x1, bottom = t.bbox
            if x0 <= cx <= x1 and top <= cy <= bottom:
                in_table[i].append(ch)
                break
        else:
            outside.append(ch)
    # Reading order: the text above each table, the table, then what follows the last one.
    outside.sort(key=lambda ch: (ch["top"], ch["x0"]))
    cursor = 0
    for i, table in enumerate(tables):
        top = table.bbox[1]
        end = cursor
        while end < len(outside) and _centre(outside[end])[1] < top:
            end += 1
        _paragraphs(outside[cursor:end], out)
        cursor = end
        out.append(_table_html(table, in_table[i], number))
    _paragraphs(outside[cursor:], out)
    return len(chars)


def _paragraphs(chars: list[dict], out: list[str]) -> None:
    for line in _text(chars).split("\n"):
        if line.strip():
            out.append(f"<p>{html.escape(line.strip())}</p>\n")


def _text(chars: list[dict]) -> str:
    """Characters → lines of text, as pdfplumber reads them (a gap wider than about a
    character's width is a space; the parser's normaliser joins words split by one)."""
    if not chars:
        return ""
    from pdfplumber.utils import extract_text

    return extract_text(chars, x_tolerance=1.5, y_tolerance=3)


def _grid_lines(values: list[float]) -> list[float]:
    lines: list[float] = []
    for v in sorted(values):
        if not lines or v - lines[-1] > SNAP:
            lines.append(v)
    return lines


def _index(lines: list[float], v: float) -> int:
    """The grid line at ``v`` (within SNAP)."""
    i = bisect.bisect_left(lines, v - SNAP)
    return min(i, len(lines) - 1)


def _table_html(table, chars: list[dict], page_number: int) -> str:
    """A ruled table as HTML: each cell box spans the grid columns and rows between its
    edges; grid slots no box covers (an irregular drawing) become empty cells, and any
    character inside one is kept there, so no printed text is lost."""
    boxes = [tuple(c) for c in table.cells]
    xs = _grid_lines([b[0] for b in boxes] + [b[2] for b in boxes])
    ys = _grid_lines([b[1] for b in boxes] + [b[3] for b in boxes])
    placed: dict[tuple[int, int], dict] = {}      # the cell starting at each grid slot
    owner: dict[tuple[int, int], dict] = {}       # the cell covering each grid slot
    for x0, top, x1, bottom in boxes:
        c0, c1 = _index(xs, x0), _index(xs, x1)
        r0, r1 = _index(ys, top), _index(ys, bottom)
        slots = [(r, c) for r in range(r0, r1) for c in range(c0, c1)]
        if not slots or any(slot in owner for slot in slots):
            continue                # overlapping boxes: keep the first, the slots stay its
        cell = placed[(r0, c0)] = {"rowspan": r1 - r0, "colspan": c1 - c0, "chars": []}
        owner.update(dict.fromkeys(slots, cell))
    for r in range(len(ys) - 1):
        for c in range(len(xs) - 1):
            if (r, c) not in owner:
                owner[(r, c)] = placed[(r, c)] = {"rowspan": 1, "colspan": 1, "chars": []}
    for ch in chars:
        cx, cy = _centre(ch)
        c = bisect.bisect_right(xs, cx) - 1
        r = bisect.bisect_right(ys, cy) - 1
        cell = owner.get((min(max(r, 0), len(ys) - 2), min(max(c, 0), len(xs) - 2)))
        if cell is not None:
            cell["chars"].append(ch)
    rows = []
    for r in range(len(ys) - 1):
        tds = []
        for c in range(len(xs) - 1):
            cell = placed.get((r, c))
            if cell is None:
                continue
            spans = "".join(f' {k}="{cell[k]}"' for k in ("rowspan", "colspan") if cell[k] > 1)
            text = "<br>".join(html.escape(line) for line in _text(cell["chars"]).split("\n"))
            tds.append(f"<td{spans}>{text}</td>")
        rows.append("<tr>" + "".join(tds) + "</tr>")
    return f'<table data-pdf-page="{page_number}">\n' + "\n".join(rows) + "\n</table>\n"
