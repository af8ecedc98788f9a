"""Place table rows in sections and recognise their labels (the first pass of the mapping).

Walks the groups of a document in order: section headings and 第二十条 captions move the
current section and sub-table, marker labels open a section whose heading is missing,
header rows are remembered (section 二's printed column order, section 三's header
geometry in HTML, section 四's label rows), format signatures are counted, and each row with values is matched to
a template row by its last label.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cache

from ogi_scrape.parse import templates as T
from ogi_scrape.parse.cells import is_clean_value_like
from ogi_scrape.parse.structure import caption_item, heading_section
from ogi_scrape.parse.textnorm import label_key
from ogi_scrape.parse.tokens import MAX_LABEL_CHARS, Token
from ogi_scrape.parse.vocabulary import (
    S2_BLOCK_ORDER,
    RowSpec,
    pick_row,
    row_candidates,
    vocabulary,
)

MAX_LABEL_FOR_MARKER = 16
MAX_KEYED_CHARS = 4 * MAX_LABEL_CHARS   # longer texts are narrative: no label key (Token.key)
MAX_CAPTION_CHARS = 30
MAX_MARKER_PARAGRAPH = 40

_SPLIT_CHANGE = ("本年增加", "本年减少", "本年新增", "本年取消")


def _unit_in(text: str) -> str:
    """The money unit a header or caption prints: 本年收费金额（单位：万元）, 采购总金额(元),
    （单位为人民币元）. 元 in a money header is a unit whatever the words around it."""
    text = "".join(text.split())      # 万 元: a word split by a space or a line break
    return "万元" if "万元" in text or "萬元" in text else "元"


@dataclass(slots=True)
class RowMatch:
    section: str
    row_key: str | None
    labels: list[Token]
    values: list[Token]
    html_row: bool
    label: Token | None = None
    inferred: bool = False
    order: int = 0


@dataclass(frozen=True, slots=True)
class LabelFacts:
    """What the placer asks of a label text regardless of where it stands: its key, whether
    it is a heading, caption, marker, format signature or column header, and which template
    rows it matches. Pages print the same few hundred labels, so this is worked out once per
    distinct text (``label_facts``) and placing a token is one dict lookup plus the
    decisions that depend on the current section and sub-table."""

    key: str
    long: bool                    # longer than a table label (MAX_LABEL_CHARS)
    label: bool                   # a label when printed in a table cell
    para_label: bool              # a label when printed as a paragraph
    heading: str | None           # section of a heading, read from the text's first 48 chars
    caption: str | None           # 第二十条 caption item ("" when the number is lost)
    over_marker_paragraph: bool   # too long for a marker when printed as a paragraph
    s3_marker: bool
    s4_marker: bool
    s4_pair_seconds: tuple[str, ...]   # labels that make this one a section 四 marker
    signature_hits: tuple[tuple[str, int], ...]   # (format, hits)
    column_owners: tuple[tuple[str, str], ...]    # (format, item) per column header hit
    s2_column_header: bool        # 信息内容 or a section 二 column header
    s2_row: bool                  # a section 二 row label without any context
    s2_header_columns: tuple[tuple[tuple[str, str], str], ...]   # ((format, item), column)
    rows: dict[str, tuple]        # section → ``row_candidates``
    row: dict[str, RowSpec | None]   # section → the row matched whatever the context, if any
    s3_group: str | None          # section 三 outcome group of a subtotal row label
    acts: bool                    # a marker, signature or column header
    inert: bool                   # none of the above, no heading, caption or s2 column header:
                                  # the placer's label loop skips it (unless ``s2_row`` applies)


def _label_facts(text: str) -> LabelFacts:
    vocab = vocabulary()
    key = label_key(text) if len(text) <= MAX_KEYED_CHARS else ""
    marker_len = len(key) <= MAX_LABEL_FOR_MARKER * 2
    short_key = len(key) <= MAX_LABEL_FOR_MARKER
    s3_marker = marker_len and key.startswith(vocab.s3_markers)
    s4_marker = short_key and key in vocab.s4_markers
    pairs = tuple(second for first, second in vocab.s4_pairs if short_key and key == first)
    sig_hits: tuple[tuple[str, int], ...] = ()
    if key.startswith(vocab.any_signature) or len(key) > 8:
        sig_hits = tuple((fmt, hits) for fmt, sigs in vocab.signatures.items()
                         if (hits := sum(1 for sig in sigs if sig in key)))
    owners: tuple[tuple[str, str], ...] = ()
    col_header = key.startswith(vocab.any_col_key)
    if col_header or len(key) > 8:
        owners = tuple(owner for m, found in vocab.col_keys.items() if m in key for owner in found)
    header_columns = []
    if key and col_header:
        for block, cols in vocab.block_columns.items():
            for col_key, matches in cols:
                if any(key == m or key.startswith(m) for m in matches):
                    header_columns.append((block, col_key))
                    break
    rows = {sec: row_candidates(key, sec) for sec in ("s2", "s3")}
    row = {sec: pick_row(found, [], None) if not any(needs for _, _, needs in found) else None
           for sec, found in rows.items()}
    s2_column_header = key.startswith("信息内容") or col_header
    s2_row = any(not needs_group for _, _, needs_group in rows["s2"])
    return LabelFacts(
        key=key, long=len(text) > MAX_LABEL_CHARS,
        label=0 < len(text) <= MAX_LABEL_CHARS and not is_clean_value_like(text),
        para_label=0 < len(text) <= MAX_LABEL_CHARS,
        heading=(heading := heading_section(text)),
        caption=(caption := caption_item(text) if len(text) <= MAX_CAPTION_CHARS else None),
        over_marker_paragraph=len(text) > MAX_MARKER_PARAGRAPH,
        s3_marker=s3_marker, s4_marker=s4_marker, s4_pair_seconds=pairs,
        signature_hits=sig_hits, column_owners=owners, s2_column_header=s2_column_header,
        s2_row=s2_row, s2_header_columns=tuple(header_columns), rows=rows, row=row,
        s3_group=T.s3_groups().get(key),
        acts=(acts := bool(s3_marker or s4_marker or pairs or sig_hits or owners or s2_column_header)),
        inert=not (acts or header_columns or heading or caption is not None),
    )


@cache    # one per section heading, and one for none
def _narrative_facts(heading: str | None) -> LabelFacts:
    """Facts of a text too long to have a label key: only a heading run into it can count."""
    blank = _label_facts("")
    return replace(blank, long=True, over_marker_paragraph=True, heading=heading,
                   inert=blank.inert and not heading)


# Label text → facts. Only texts short enough to have a key are kept, and the table is
# emptied when it grows past MAX_FACTS (~0.5 kB a text), so a long crawl stays bounded.
_FACTS: dict[str, LabelFacts] = {}
MAX_FACTS = 16384


def label_facts(text: str) -> LabelFacts:
    facts = _FACTS.get(text)
    if facts is None:
        if len(text) > MAX_KEYED_CHARS:
            return _narrative_facts(heading_section(text))
        if len(_FACTS) >= MAX_FACTS:
            _FACTS.clear()
        facts = _FACTS[text] = _label_facts(text)
    return facts


class Placer:
    """First pass over a document's groups; ``matches`` holds every row with values."""

    def __init__(self) -> None:
        self.section: str | None = None
        self.block: str | None = None
        self.matches: list[RowMatch] = []
        self.sig_hits: Counter = Counter()
        self.block_hits: dict[str, Counter] = {}
        self.sections_seen: set[str] = set()
        self.headers: dict[int, dict[int, str]] = {}
        self.headers_above: dict[int, dict[int, str]] = {}
        self.s2_header_order: dict[tuple[str, str], list[str]] = {}
        self.s2_header_units: dict[tuple[str, str], dict[str, str]] = {}   # block → column → unit
        self.s2_caption_units: dict[str, str] = {}    # sub-table item → unit its caption prints
        self.s2_split_columns: dict[str, list[str]] = {}   # sub-table item → headers splitting a column
        # Section 四's rows without values, as (group number, labels after any heading): its
        # header rows, whose outcome and proceeding labels say in which order the fifteen
        # positions were printed, and whatever sits between the pieces of a split table.
        self.s4_headers: list[tuple[int, list[Token]]] = []
        self._last_row: dict[str, RowMatch] = {}   # section → its latest recognised row
        self._dangling: Token | None = None   # last label of a text line holding labels only
        # HTML tables whose header names section 三's rows as its columns (本年新收, 上年结转,
        # 予以公开…): a breakdown by unit or a transposed table, not the national table.
        self.foreign_tables: dict[int, list[str]] = {}
        self._tables_with_values: set[int] = set()

    def _enter(self, section: str) -> None:
        if section != self.section:
            self.section = section
            self.block = None
            self.sections_seen.add(section)

    def _markers(self, tok: Token, facts: LabelFacts, labels: list[Token]) -> None:
        """Marker labels open section 三 or 四 where the page prints no heading."""
        if tok.paragraph and facts.over_marker_paragraph:
            return
        if facts.s3_marker and self.section in (None, "s1", "s2"):
            self._enter("s3")
        elif self.section in (None, "s1", "s2", "s3") and (facts.s4_marker or any(
                label_facts(t.text).key == second for second in facts.s4_pair_seconds for t in labels)):
            self._enter("s4")

    def _signatures(self, facts: LabelFacts) -> None:
        """Count format signatures in a header label. A label may hold several headers run
        together (``信息内容 本年制发件数 …`` on one line of a PDF rendering): each counts."""
        for fmt, hits in facts.signature_hits:
            self.sig_hits[fmt] += hits
            if self.section == "s2" and self.block:
                self._block_counter(self.block)[fmt] += hits
        # Column headers also tell which format a sub-table is in.
        if self.section == "s2":
            for fmt, item in facts.column_owners:
                if self.block in (None, item):
                    self._block_counter(item)[fmt] += 1

    def _block_counter(self, item: str) -> Counter:
        counter = self.block_hits.get(item)
        if counter is None:
            counter = self.block_hits[item] = Counter()
        return counter

    def place(self, groups: Iterable[tuple[list[Token], list[Token], bool]]) -> None:
        known = _FACTS      # label_facts inlined for the cached case: this loop sees every label
        for n, (labels, values, html_row) in enumerate(groups):
            start = 0
            header_at = -1      # the last label that may be a section 二 column header
            for i, tok in enumerate(labels):
                facts = known.get(tok.text) or label_facts(tok.text)
                if facts.inert and (self.section is not None or not facts.s2_row):
                    continue
                if facts.s2_header_columns and not tok.paragraph:
                    header_at = i
                sec = facts.heading
                if sec and (not facts.long or tok.paragraph or tok.source == "text"):
                    self._enter(sec)
                    start = i + 1
                    continue
                item = facts.caption
                if item is not None:
                    if self.section != "s2":
                        self._enter("s2")
                    if item:
                        self.block = item
                    else:
                        pos = S2_BLOCK_ORDER.index(self.block) + 1 if self.block in S2_BLOCK_ORDER else 0
                        self.block = S2_BLOCK_ORDER[min(pos, len(S2_BLOCK_ORDER) - 1)]
                    if "元" in tok.text:     # 第二十条第（八）项（单位：元）
                        self.s2_caption_units[self.block] = _unit_in(tok.text)
                    start = i + 1
                    continue
                if (facts.acts or facts.s2_row and self.section is None) and \
                        (facts.para_label if tok.paragraph else facts.label):
                    if facts.acts:
                        self._markers(tok, facts, labels)
                        self._signatures(facts)
                    # Section 二's table without its heading (or under a heading we do not
                    # read, such as （二）主动公开…): its column headers say so; before any
                    # heading, its row labels do.
                    if self.section in (None, "s1") and (
                            facts.s2_column_header or self.section is None and facts.s2_row):
                        self._enter("s2")
            if self.section == "s3" and html_row and not values:
                self._remember_header(labels)
            elif self.section == "s4" and not values:
                self.s4_headers.append((n, labels[start:] if start else labels))
            if self.section == "s2" and header_at >= start:
                self._remember_s2_header(labels[start:])
            if values:
                self._place_row(labels, values, html_row, start, n)
            self._dangling = labels[-1] if labels and not values and not html_row \
                and labels[-1].source == "text" else None

    def _remember_s2_header(self, labels: list[Token]) -> None:
        """Printed order of a section 二 sub-table's column headers, per format, and the unit
        a header prints (``本年收费金额（单位：元）``)."""
        found: dict[tuple[str, str], list[str]] = {}
        for tok in labels:
            if tok.paragraph:
                continue
            for block, col_key in label_facts(tok.text).s2_header_columns:
                if self.block in (None, block[1]):
                    seq = found.setdefault(block, [])
                    if col_key not in seq:
                        seq.append(col_key)
                    if "元" in tok.text:
                        self.s2_header_units.setdefault(block, {}).setdefault(col_key, _unit_in(tok.text))
        # 本年增/减 printed as two columns, 本年增加 | 本年减少 (one filled per row)
        split = [tok.text for tok in labels if label_facts(tok.text).key.startswith(_SPLIT_CHANGE)]
        if len(split) >= 2 and self.block:
            self.s2_split_columns.setdefault(self.block, []).extend(split)
        for block, seq in found.items():
            if len(seq) >= 2:
                self.s2_header_order.setdefault(block, seq)

    def _remember_header(self, labels: list[Token]) -> None:
        """Grid column → the lowest header label above it, per HTML table (section 三)."""
        # Row labels that need no context (其他 and 总计 are also column headers).
        row_headers = [tok.text for tok in labels if not tok.covered
                       and (row := label_facts(tok.text).row["s3"]) is not None and row.key != "total"]
        # Three or more: a data row of the national table can hold two (a group and its
        # item) when its numbers could not be read.
        if len(row_headers) >= 3 and labels[0].table is not None \
                and labels[0].table not in self._tables_with_values:     # a header, above any values
            self.foreign_tables[labels[0].table] = row_headers
            return
        for tok in labels:
            table, col = tok.table, tok.col
            if table is None or col is None:
                continue
            cols = self.headers.get(table)
            if cols is None:
                cols = self.headers[table] = {}
                self.headers_above[table] = {}
            above = self.headers_above[table]
            key = label_facts(tok.text).key   # the token's key, cached per text
            for c in range(col, col + max(tok.colspan, 1)):
                if c in cols and cols[c] != key:
                    above[c] = cols[c]      # a header split over two rows: 商业 / 企业
                cols[c] = key

    def _place_row(self, all_labels: list[Token], values: list[Token], html_row: bool,
                   start: int, order: int) -> None:
        sec = self.section
        if sec not in ("s2", "s3", "s4"):
            return
        if sec == "s4":
            self.matches.append(RowMatch("s4", "s4", all_labels, values, html_row, order=order))
            return
        if sec == "s3" and html_row:
            if values[0].table in self.foreign_tables:
                return      # a row of a breakdown table: not a row of the national table
            self._tables_with_values.add(values[0].table)
        labels = all_labels[start:] if start else all_labels
        for i in range(len(labels) - 1, -1, -1):
            tok = labels[i]
            if tok.paragraph and len(tok.text) > MAX_LABEL_CHARS:
                continue
            facts = label_facts(tok.text)
            candidates = facts.rows[sec]
            spec = None
            if candidates:
                spec = facts.row[sec] or pick_row(candidates, labels[:i], self._last_row.get(sec))
            if spec is None and (i or self._dangling is not None):
                spec = self._wrapped_label(labels, i, sec)
            if spec is None:
                continue
            if sec == "s2" and spec.block:      # a 合计 row stands in whatever sub-table it is
                self.block = spec.block
            extra = [t for t in labels[i + 1:] if not t.paragraph and label_facts(t.text).label] \
                if i + 1 < len(labels) else None
            if extra:   # text printed in value cells (e.g. project names under 采购项目数量)
                values = extra + values
            self._add(RowMatch(sec, spec.key, all_labels, values, html_row, label=tok, order=order))
            return
        if sec == "s3" and labels:
            group = label_facts(labels[-1].text).s3_group
            if group:
                self._add(RowMatch(sec, f"subtotal.{group}", all_labels, values, html_row,
                                   label=labels[-1], order=order))
                return
        self._add(RowMatch(sec, None, all_labels, values, html_row, order=order))

    def _wrapped_label(self, labels: list[Token], i: int, sec: str) -> RowSpec | None:
        """A label the renderer wrapped over two cells or lines (``1.申请人无正当理由逾期不补正、``
        / ``行政机关不再处理其政府信息公开申请``): tried only where the last piece alone matches
        no row, or several; the joined text must match one row on its own. The first piece
        may end the text line before (``_dangling``): a line of labels only."""
        first, last = labels[i - 1] if i else self._dangling, labels[i]
        if last.source != "text" or first.source != "text" or first.paragraph or last.paragraph \
                or len(first.text) + len(last.text) > MAX_LABEL_CHARS:
            return None      # an HTML cell holds its whole label: two cells are two labels
        candidates = label_facts(first.text + last.text).rows[sec]
        if not candidates:
            return None
        return pick_row(candidates, labels[:max(i - 1, 0)], self._last_row.get(sec))

    def _add(self, match: RowMatch) -> None:
        self.matches.append(match)
        if match.row_key:
            self._last_row[match.section] = match


