"""The marked-up manuscript as a Word document with tracked changes, for a journal's reviewers.

The whole article with Word's own structure: the Title style, Heading 1–3 at the article's levels, List Bullet /
List Number (nested), real tables, the Caption style, bold/italic/superscript/subscript runs. Every change is a
revision Word lets the reader accept or reject (ECMA-376 Part 1, 17.13.5): changed words are ``w:ins`` /
``w:del`` runs; a block that is new or gone also has its paragraph mark (``w:pPr/w:rPr/w:ins``) or table row
(``w:trPr/w:ins``) marked, so accepting or rejecting removes it cleanly.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.shared import Cm

from ..io import atomic_path
from .block_diff import MarkedBlock, Pieces

STYLES = {"title": "Title", "meta": "Subtitle", "caption": "Caption", "paragraph": "Normal", "reference": "Normal"}
LIST_STYLES = {False: "List Bullet", True: "List Number"}
VERT_ALIGN = {"sup": "superscript", "sub": "subscript"}


class _Revisions:
    """Numbered revision marks, all by one author at one time."""

    def __init__(self, author: str, date: str) -> None:
        self.author, self.date, self.next_id = author, date, 0

    def mark(self, kind: str) -> Any:
        """A ``w:ins`` or ``w:del`` element with its id, author and date."""
        self.next_id += 1
        el = OxmlElement(f"w:{kind}")
        el.set(qn("w:id"), str(self.next_id))
        el.set(qn("w:author"), self.author)
        el.set(qn("w:date"), self.date)
        return el


#: Table text, in half-points (8 pt): Table 1 has eleven columns.
TABLE_TEXT_SIZE = 16
#: A4 with the manuscript's 2.5 cm margins (_quarto.yml): 16 cm of text width.
PAGE_CM, MARGIN_CM = (21.0, 29.7), 2.5
#: Widths of 8-pt table text in cm: a capital or digit, any other character; and the cell margins of a column
#: (Word's default, 0.19 cm a side). Words are measured a tenth wider (bold headers, font differences).
WIDE_CHAR_CM, CHAR_CM, PADDING_CM = 0.17, 0.13, 0.4
#: A long cell may wrap over this many lines before its column takes more width.
WRAP_LINES = 3


def _run(text: str, marks: frozenset[str], deleted: bool, size: int | None = None) -> Any:
    """A ``w:r`` with its properties in the schema's order (b, i, sz, vertAlign; ECMA-376 17.3.2.28)."""
    r = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    for mark, tag in (("strong", "w:b"), ("em", "w:i")):
        if mark in marks:
            props.append(OxmlElement(tag))
    if size is not None:
        sz = OxmlElement("w:sz")
        sz.set(qn("w:val"), str(size))
        props.append(sz)
    for mark, value in VERT_ALIGN.items():
        if mark in marks:
            align = OxmlElement("w:vertAlign")
            align.set(qn("w:val"), value)
            props.append(align)
    if len(props):
        r.append(props)
    t = OxmlElement("w:delText" if deleted else "w:t")
    t.set(qn("xml:space"), "preserve")
    t.text = text
    r.append(t)
    return r


def _fill(paragraph: Any, pieces: Pieces, revisions: _Revisions, extra_marks: frozenset[str] = frozenset(),
          size: int | None = None) -> None:
    for piece in pieces:
        marks = piece.span.marks | extra_marks
        if piece.tag == "equal":
            paragraph._p.append(_run(piece.span.text, marks, False, size))
            continue
        kind = "ins" if piece.tag == "insert" else "del"
        wrapper = revisions.mark(kind)
        wrapper.append(_run(piece.span.text, marks, kind == "del", size))
        paragraph._p.append(wrapper)


def _mark_paragraph(paragraph: Any, status: str, revisions: _Revisions) -> None:
    """A new or removed paragraph: its paragraph mark is a revision too."""
    if status not in ("inserted", "deleted"):
        return
    props = OxmlElement("w:rPr")
    props.append(revisions.mark("ins" if status == "inserted" else "del"))
    paragraph._p.get_or_add_pPr().append(props)


def _style(mb: MarkedBlock) -> str:
    b = mb.block
    if b.kind == "heading":
        return f"Heading {min(max(b.level, 1), 9)}"
    if b.kind == "item":
        depth = min(b.level, 3)
        return LIST_STYLES[b.ordered] + (f" {depth}" if depth > 1 else "")
    return STYLES.get(b.kind, "Normal")


def text_cm(text: str) -> float:
    return sum(WIDE_CHAR_CM if ch.isupper() or ch.isdigit() else CHAR_CM for ch in text)


def column_widths(rows: list[list[str]], width_cm: float) -> list[float]:
    """Column widths (cm) from the content: at least the longest word of the column where the page allows (words
    do not break), the rest shared by how much longer each column's longest cell is."""
    columns = max(len(r) for r in rows)
    cells = [[r[c] if c < len(r) else "" for r in rows] for c in range(columns)]
    longest = [max((text_cm(w) for text in col for w in text.split()), default=0) * 1.1 + PADDING_CM
               for col in cells]
    natural = [max(lo, max(text_cm(t) for t in col) / WRAP_LINES + PADDING_CM) for lo, col in zip(longest, cells)]
    if sum(natural) <= width_cm:
        return [n * width_cm / sum(natural) for n in natural]
    if sum(longest) >= width_cm:
        return [lo * width_cm / sum(longest) for lo in longest]
    spare, excess = width_cm - sum(longest), [n - lo for n, lo in zip(natural, longest)]
    return [lo + spare * e / sum(excess) for lo, e in zip(longest, excess)]


def _orient(doc: Any, landscape: bool, new_page: bool = True) -> None:
    """Start a new section (on a new page) in landscape or portrait, A4 with the manuscript's margins; without
    ``new_page``, set up the document's first section."""
    section = doc.add_section(WD_SECTION.NEW_PAGE) if new_page else doc.sections[0]
    width, height = PAGE_CM if not landscape else PAGE_CM[::-1]
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(width), Cm(height)
    section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = Cm(MARGIN_CM)


def _table(doc: Any, mb: MarkedBlock, revisions: _Revisions, landscape: bool) -> None:
    """A table at column widths fitted to its content and the page."""
    texts = [["".join(p.span.text for p in cell) for cell in r.cells] for r in mb.rows]
    columns = max(len(r.cells) for r in mb.rows)
    table = doc.add_table(rows=len(mb.rows), cols=columns)
    table.style = "Table Grid"
    table.autofit = False
    width = (PAGE_CM[1] if landscape else PAGE_CM[0]) - 2 * MARGIN_CM
    for column, width in zip(table.columns, column_widths(texts, width)):
        column.width = Cm(width)  # the grid (LibreOffice reads it) and each cell (Word reads those)
        for cell in column.cells:
            cell.width = Cm(width)
    for row, marked_row in zip(table.rows, mb.rows):
        if marked_row.status in ("inserted", "deleted"):
            row._tr.get_or_add_trPr().append(revisions.mark("ins" if marked_row.status == "inserted" else "del"))
        for cell, pieces in zip(row.cells, marked_row.cells):
            _fill(cell.paragraphs[0], pieces, revisions, frozenset({"strong"}) if marked_row.header else frozenset(),
                  TABLE_TEXT_SIZE)


def markup_docx(marked: list[MarkedBlock], path: Path, note: str, author: str = "analysis diff",
                date: datetime.datetime | None = None) -> None:
    """Write the marked-up article as a DOCX with tracked changes (atomically)."""
    stamp = (date or datetime.datetime.now(datetime.timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
    revisions = _Revisions(author, stamp)
    doc = Document()
    _orient(doc, False, new_page=False)
    doc.add_paragraph(note).runs[0].italic = True
    landscape = False
    for mb in marked:
        if mb.block.landscape != landscape:  # a landscape page as in the manuscript (Table 1, its caption, notes)
            landscape = mb.block.landscape
            _orient(doc, landscape)
        if mb.block.kind == "table":
            _table(doc, mb, revisions, landscape)
            continue
        paragraph = doc.add_paragraph(style=_style(mb))
        _fill(paragraph, mb.pieces, revisions)
        _mark_paragraph(paragraph, mb.status, revisions)
    with atomic_path(path) as tmp:
        doc.save(str(tmp))
