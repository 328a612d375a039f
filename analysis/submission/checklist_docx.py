"""A PRISMA 2020 checklist as a Word document in the layout of the official template (python-docx).

A4 portrait, one table with a repeated, shaded header row, shaded section rows across the table, the topic cell
merged over the sub-items of one topic, "Not reported" in italics, and the template's footer (source and
licence) at the foot of every page.
"""

from __future__ import annotations

from pathlib import Path

from ..io import atomic_path
from .checklist_table import ChecklistTable

#: Column widths (cm) of Section and Topic, Item #, Checklist item, Location: 18 cm of text width.
COLUMNS_CM = (3.3, 1.3, 8.4, 5.0)
HEADER_FILL = "D9D9D9"
SECTION_FILL = "EDEDED"
FONT = "Arial"
FONT_PT = 8.5


def _shade(cell, fill: str) -> None:  # type: ignore[no-untyped-def]
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _repeat_as_header(row) -> None:  # type: ignore[no-untyped-def]
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(flag)


def _write(cell, text: str, bold: bool = False, italic: bool = False,  # type: ignore[no-untyped-def]
           centred: bool = False) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    paragraph = cell.paragraphs[0]
    run = paragraph.add_run(text)
    run.bold, run.italic = bold, italic
    if centred:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _set_widths(row) -> None:  # type: ignore[no-untyped-def]
    """Word sizes columns from every cell's width (set before merging: a merged cell adds them up)."""
    from docx.shared import Cm

    for cell, width in zip(row.cells, COLUMNS_CM):
        cell.width = Cm(width)


def write_checklist_docx(table: ChecklistTable, target: Path) -> None:
    from docx import Document
    from docx.shared import Cm, Pt

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(1.5)
    section.top_margin = section.bottom_margin = Cm(1.8)
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(FONT_PT)
    normal.paragraph_format.space_after = Pt(2)

    title = document.add_paragraph()
    run = title.add_run(table.title)
    run.bold, run.font.size = True, Pt(14)
    document.add_paragraph(f"Manuscript: {table.manuscript}")
    document.add_paragraph(table.note).runs[0].italic = True

    grid = document.add_table(rows=1, cols=len(table.header))
    grid.style = document.styles["Table Grid"]
    grid.autofit = False
    for column, width in zip(grid.columns, COLUMNS_CM):
        column.width = Cm(width)
    _set_widths(grid.rows[0])
    for cell, text in zip(grid.rows[0].cells, table.header):
        _write(cell, text, bold=True)
        _shade(cell, HEADER_FILL)
    _repeat_as_header(grid.rows[0])
    topic_start: dict[int, int] = {}
    for row in table.rows:
        new_row = grid.add_row()
        _set_widths(new_row)
        cells = new_row.cells
        index = len(grid.rows) - 1
        if row.kind == "section":
            merged = cells[0].merge(cells[-1])
            _write(merged, row.text, bold=True)
            _shade(merged, SECTION_FILL)
            continue
        if row.topic_rows:
            _write(cells[0], row.topic, bold=True)
            topic_start[index] = row.topic_rows
        _write(cells[1], row.number, centred=True)
        _write(cells[2], row.text)
        _write(cells[3], row.location, italic=not row.reported)
    for start, span in topic_start.items():
        if span > 1:
            grid.cell(start, 0).merge(grid.cell(start + span - 1, 0))

    footer = section.footer.paragraphs[0]
    footer.text = table.footer
    footer.runs[0].font.size = Pt(7)
    with atomic_path(target) as tmp:
        document.save(str(tmp))
