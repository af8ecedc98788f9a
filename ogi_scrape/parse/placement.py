"""Place table rows in sections and recognise their labels (the first pass of the mapping).

Walks the groups of a document in order: section headings and 第二十条 captions move the
current section and sub-table, marker labels open a section whose heading is missing,
header rows are remembered (section 二's printed column order, section 三's header
geometry in HTML), format signatures are counted, and each row with values is matched to
a template row by its last label.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ogi_scrape.parse import templates as T
from ogi_scrape.parse.structure import Group, caption_item, heading_section
from ogi_scrape.parse.tokens import Token
from ogi_scrape.parse.vocabulary import S2_BLOCK_ORDER, match_row, vocabulary

MAX_LABEL_FOR_MARKER = 16


@dataclass
class RowMatch:
    section: str
    row_key: str | None
    group: Group
    label: Token | None = None
    inferred: bool = False
    order: int = 0


class Placer:
    """First pass over a document's groups; ``matches`` holds every row with values."""

    def __init__(self) -> None:
        self.section: str | None = None
        self.block: str | None = None
        self.matches: list[RowMatch] = []
        self.sig_hits: Counter = Counter()
        self.block_hits: dict[str, Counter] = {}
        self.sections_seen: set[str] = set()
        self.vocab = vocabulary()
        self.headers: dict[int, dict[int, str]] = {}
        self.headers_above: dict[int, dict[int, str]] = {}
        self.s2_header_order: dict[tuple[str, str], list[str]] = {}

    def _enter(self, section: str) -> None:
        if section != self.section:
            self.section = section
            self.block = None
            self.sections_seen.add(section)

    def _markers(self, tok: Token, group: Group) -> None:
        key = tok.key
        if len(key) > MAX_LABEL_FOR_MARKER * 2 or tok.paragraph and len(tok.text) > 40:
            return
        if self.section in (None, "s1", "s2") and key.startswith(self.vocab.s3_markers):
            self._enter("s3")
        elif self.section in (None, "s1", "s2", "s3") and len(key) <= MAX_LABEL_FOR_MARKER:
            if key in self.vocab.s4_markers or any(
                    key == first and any(t.key == second for t in group.labels)
                    for first, second in self.vocab.s4_pairs):
                self._enter("s4")

    def _starts_section_two(self, tok: Token) -> bool:
        """Section 二's table without its heading (or under a heading we do not read, such
        as （二）主动公开…): its column headers say so; before any heading, its row labels do."""
        key = tok.key
        if key.startswith("信息内容") or key.startswith(self.vocab.any_col_key):
            return True
        return self.section is None and match_row(tok, "s2", [], None) is not None

    def _signatures(self, key: str) -> None:
        """Count format signatures in a header label. A label may hold several headers run
        together (``信息内容 本年制发件数 …`` on one line of a PDF rendering): each counts."""
        vocab = self.vocab
        if key.startswith(vocab.any_signature) or len(key) > 8:
            for fmt, sigs in vocab.signatures.items():
                hits = sum(1 for sig in sigs if sig in key)
                if hits:
                    self.sig_hits[fmt] += hits
                    if self.section == "s2" and self.block:
                        self.block_hits.setdefault(self.block, Counter())[fmt] += hits
        # Column headers also tell which format a sub-table is in.
        if self.section == "s2" and (key.startswith(vocab.any_col_key) or len(key) > 8):
            for m, owners in vocab.col_keys.items():
                if m in key:
                    for fmt, item in owners:
                        if self.block in (None, item):
                            self.block_hits.setdefault(item, Counter())[fmt] += 1

    def place(self, groups: list[Group]) -> None:
        for n, g in enumerate(groups):
            start = 0
            for i, tok in enumerate(g.labels):
                sec = heading_section(tok) if (tok.paragraph or len(tok.text) <= 60 or
                                               tok.source == "text") else None
                if sec:
                    self._enter(sec)
                    start = i + 1
                    continue
                item = caption_item(tok) if len(tok.text) <= 30 else None
                if item is not None:
                    if self.section != "s2":
                        self._enter("s2")
                    if item:
                        self.block = item
                    else:
                        pos = S2_BLOCK_ORDER.index(self.block) + 1 if self.block in S2_BLOCK_ORDER else 0
                        self.block = S2_BLOCK_ORDER[min(pos, len(S2_BLOCK_ORDER) - 1)]
                    start = i + 1
                    continue
                if tok.is_label:
                    self._markers(tok, g)
                    self._signatures(tok.key)
                    if self.section in (None, "s1") and self._starts_section_two(tok):
                        self._enter("s2")
            if self.section == "s3" and g.html_row and not g.values:
                self._remember_header(g)
            if self.section == "s2":
                self._remember_s2_header(g.labels[start:])
            self._place_row(g, start, n)

    def _remember_s2_header(self, labels: list[Token]) -> None:
        """Printed order of a section 二 sub-table's column headers, per format."""
        found: dict[tuple[str, str], list[str]] = {}
        for tok in labels:
            key = tok.key
            if not key or tok.paragraph or not key.startswith(self.vocab.any_col_key):
                continue
            for (fmt, item), cols in self.vocab.block_columns.items():
                if self.block not in (None, item):
                    continue
                for col_key, matches in cols:
                    if any(key == m or key.startswith(m) for m in matches):
                        seq = found.setdefault((fmt, item), [])
                        if col_key not in seq:
                            seq.append(col_key)
                        break
        for block, seq in found.items():
            if len(seq) >= 2:
                self.s2_header_order.setdefault(block, seq)

    def _remember_header(self, g: Group) -> None:
        """Grid column → the lowest header label above it, per HTML table (section 三)."""
        for tok in g.labels:
            if tok.table is None or tok.col is None:
                continue
            cols = self.headers.setdefault(tok.table, {})
            above = self.headers_above.setdefault(tok.table, {})
            for c in range(tok.col, tok.col + max(tok.colspan, 1)):
                if c in cols and cols[c] != tok.key:
                    above[c] = cols[c]      # a header split over two rows: 商业 / 企业
                cols[c] = tok.key

    def _place_row(self, g: Group, start: int, order: int) -> None:
        sec = self.section
        if sec not in ("s2", "s3", "s4") or not g.values:
            return
        if sec == "s4":
            self.matches.append(RowMatch("s4", "s4", g, order=order))
            return
        labels = g.labels[start:]
        prev = next((m for m in reversed(self.matches) if m.section == sec and m.row_key), None)
        for i in range(len(labels) - 1, -1, -1):
            spec = match_row(labels[i], sec, labels[:i], prev)
            if spec is None:
                continue
            if sec == "s2":
                self.block = spec.block
            extra = [t for t in labels[i + 1:] if t.is_label and not t.paragraph]
            if extra:   # text printed in value cells (e.g. project names under 采购项目数量)
                g = Group(labels=g.labels, values=extra + g.values, html_row=g.html_row)
            self.matches.append(RowMatch(sec, spec.key, g, label=labels[i], order=order))
            return
        if sec == "s3" and labels:
            group = T.s3_groups().get(labels[-1].key)
            if group:
                self.matches.append(RowMatch(sec, f"subtotal.{group}", g, label=labels[-1], order=order))
                return
        self.matches.append(RowMatch(sec, None, g, order=order))


