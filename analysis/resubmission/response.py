"""A response-to-reviewers skeleton (``build/diff/response.docx``, written by ``make diff``).

One row per change a reader of the manuscript can see, old → new, with the page and line where the revised
manuscript shows it, and an empty column for the authors' reply. Pages and lines are those of the line-numbered
review PDF of the revised build (``_manuscript-review/``, in the project or in the snapshot compared to), found by
searching the printed text:

* a manuscript value: in the sections whose text uses the variable;
* the abstract: each changed stretch of words, in the abstract;
* a table cell or a figure: the caption of that table or figure.

Values the manuscript does not print (the registry's full-precision results) are left to ``changes.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..io import atomic_path
from ..quarto.floats import Float, article_floats
from ..quarto.review_pdf import Position, ReviewPdf, newer_render_inputs, read_review_pdf, review_article
from .changes import Change, Comparison

NOT_FOUND = "not found in the review PDF"
HEADER = ("No.", "Change", "Old", "New", "Revised manuscript", "Reply to the reviewers")
COLUMNS_CM = (1.2, 5.0, 4.2, 4.2, 4.3, 7.8)
CONTEXT_WORDS = 3
CITATION = re.compile(r"\s*\[@[^\]]*\]")


@dataclass(frozen=True)
class ResponseRow:
    change: str
    old: str
    new: str
    where: str


@dataclass(frozen=True)
class ResponseGroup:
    title: str
    rows: tuple[ResponseRow, ...]


def _where(pdf: ReviewPdf, hits: list[Position]) -> str:
    lines = []
    for hit in hits:
        line = pdf.line_at(hit)
        text = f"p. {hit.page}, line {line.number}" if line else f"p. {hit.page}"
        if text not in lines:
            lines.append(text)
    return "; ".join(lines) if lines else NOT_FOUND


def _value(value: object) -> str:
    return "" if value is None else str(value)


def _variable_rows(comparison: Comparison, pdf: ReviewPdf | None) -> list[ResponseRow]:
    uses = comparison.target.var_uses or comparison.base.var_uses
    rows = []
    for ch in comparison.variables:
        sections = list(dict.fromkeys(u.section for u in uses if u.name == ch.item))
        if not sections:
            continue  # not printed by the article's text (the abstract is compared on its own)
        where = "–"
        if pdf is not None and ch.new is not None:
            hits: list[Position] = []
            for heading in (h for h in pdf.headings if h.title in sections):
                hits += pdf.find(str(ch.new), heading.position, pdf.section_end(heading))
            where = _where(pdf, hits)
        rows.append(ResponseRow(f"{ch.item} ({', '.join(sections)})", _value(ch.old), _value(ch.new), where))
    return rows


def _abstract_end(pdf: ReviewPdf) -> Position | None:
    return pdf.headings[0].position if pdf.headings else None


def _abstract_rows(comparison: Comparison, pdf: ReviewPdf | None) -> list[ResponseRow]:
    """One row per changed stretch of words in the abstract (deletions and insertions side by side), from the
    comparison's word-level marking of each changed paragraph."""
    rows = []
    for block in comparison.abstract:
        pieces = [(piece.tag, piece.span.text) for piece in block.pieces]
        context = ""
        i = 0
        while i < len(pieces):
            kind, text = pieces[i]
            if kind == "equal":
                context = " ".join(text.split()[-CONTEXT_WORDS:])
                i += 1
                continue
            old = new = ""
            while i < len(pieces) and pieces[i][0] != "equal":
                old, new = (old + pieces[i][1], new) if pieces[i][0] == "delete" else (old, new + pieces[i][1])
                i += 1
            where = "–"
            if pdf is not None and new.strip():
                hits = (pdf.find(f"{context} {new.strip()}", None, _abstract_end(pdf))
                        or pdf.find(new.strip(), None, _abstract_end(pdf)))
                where = _where(pdf, hits[:1])
            rows.append(ResponseRow("Abstract", old.strip(), new.strip(), where))
    return rows


def _caption_where(pdf: ReviewPdf | None, found: Float | None) -> str:
    if pdf is None or found is None:
        return "–"
    hits = pdf.find(found.caption_phrase)
    return f"{found.kind} {found.number} caption: {_where(pdf, hits[:1])}"


def _table_rows(comparison: Comparison, pdf: ReviewPdf | None, floats: list[Float]) -> list[ResponseRow]:
    rows = []
    for ch in comparison.tables:
        name, _, cell = ch.item.partition(" / ")
        table = next((f for f in floats if f.kind == "Table" and f.source.name == name), None)
        label = f"Table {table.number}" if table else name
        rows.append(ResponseRow(f"{label}: {_readable_row(cell, comparison) or ch.kind}", _value(ch.old),
                                _value(ch.new), _caption_where(pdf, table)))
    return rows


def _readable_row(cell: str, comparison: Comparison) -> str:
    """A table cell's name as a reader knows the row: the comparison keys rows by their citation
    ('@chong2025 / ORR, n (%)'); the response names the trial as the table prints it ('Chong 2025 / ORR, n (%)')."""
    labels = {f"@{t['reference_key']}": t["label"] for view in (comparison.base, comparison.target)
              for t in view.results.get("trials", []) if t.get("reference_key") and t.get("label")}
    row, sep, column = cell.partition(" / ")
    key, _, repeat = row.partition(" #")
    name = labels.get(key, key)
    return CITATION.sub("", f"{name}{' #' + repeat if repeat else ''}{sep}{column}")


def drawing_changed(old: Path, new: Path) -> bool:
    """Whether two raster files show different pixels (a file whose only change is its embedded provenance shows
    the reader nothing new)."""
    from PIL import Image

    if not (old.is_file() and new.is_file()):
        return True
    with Image.open(old) as a, Image.open(new) as b:
        return a.size != b.size or a.convert("RGBA").tobytes() != b.convert("RGBA").tobytes()


def _figure_rows(comparison: Comparison, pdf: ReviewPdf | None, floats: list[Float]) -> list[ResponseRow]:
    rows = []
    stems = list(dict.fromkeys(Path(ch.item).stem for ch in comparison.figures))
    for stem in stems:
        png = Path("build") / "figures" / f"{stem}.png"
        if not drawing_changed(comparison.base.folder / png, comparison.target.folder / png):
            continue
        figure = next((f for f in floats if f.kind == "Figure" and f.source.name == stem), None)
        label = f"Figure {figure.number} ({stem})" if figure else stem
        rows.append(ResponseRow(label, "previous drawing", f"redrawn: build/figures/{stem}.*",
                                _caption_where(pdf, figure)))
    return rows


def response_groups(comparison: Comparison, pdf: ReviewPdf | None, floats: list[Float]) -> list[ResponseGroup]:
    """The changes a reader can see, grouped as the document shows them."""
    return [ResponseGroup("Text of the article", tuple(_variable_rows(comparison, pdf))),
            ResponseGroup("Abstract", tuple(_abstract_rows(comparison, pdf))),
            ResponseGroup("Tables", tuple(_table_rows(comparison, pdf, floats))),
            ResponseGroup("Figures", tuple(_figure_rows(comparison, pdf, floats)))]


def _repeat_as_header(row) -> None:  # type: ignore[no-untyped-def]
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(flag)


def write_response_docx(groups: list[ResponseGroup], intro: list[str], title: str, target: Path) -> None:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm, Pt

    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = Cm(1.5)
    document.styles["Normal"].font.size = Pt(9.5)
    document.add_heading("Response to the reviewers", level=1)
    document.add_paragraph(f"Manuscript: {title}")
    for text in intro:
        document.add_paragraph(text)
    number = 0
    for group in groups:
        document.add_heading(f"{group.title} ({len(group.rows)} change{'' if len(group.rows) == 1 else 's'})",
                             level=2)
        if not group.rows:
            document.add_paragraph("No change.")
            continue
        grid = document.add_table(rows=1, cols=len(HEADER))
        grid.style = document.styles["Table Grid"]
        grid.autofit = False
        for column, width in zip(grid.columns, COLUMNS_CM):
            column.width = Cm(width)
        for cell, text in zip(grid.rows[0].cells, HEADER):
            cell.paragraphs[0].add_run(text).bold = True
        _repeat_as_header(grid.rows[0])
        for row in group.rows:
            number += 1
            cells = grid.add_row().cells
            for cell, text in zip(cells, (str(number), row.change, row.old, row.new, row.where, "")):
                cell.text = text
        for grid_row in grid.rows:
            for cell, width in zip(grid_row.cells, COLUMNS_CM):
                cell.width = Cm(width)
    with atomic_path(target) as tmp:
        document.save(str(tmp))


def write_response(comparison: Comparison, target_folder: Path, target: Path) -> tuple[int, str | None]:
    """Write the skeleton for the revised build in ``target_folder``; (rows, a warning or None)."""
    pdf_path = review_article(target_folder, ".pdf")
    pdf = read_review_pdf(pdf_path) if pdf_path is not None else None
    warning = None
    intro = [f"Revision: {comparison.base.label} → {comparison.target.label}. Each row is one change a reader of "
             "the manuscript can see; write the reply to the reviewers in the last column. Values the manuscript "
             "does not print are listed in changes.md."]
    if pdf_path is None:
        warning = ("no line-numbered review PDF of the revised build: pages and lines are left out "
                   "(run `make manuscript-review`, then `make diff` again)")
    else:
        intro.append(f"Pages and lines refer to the revised manuscript as rendered in the line-numbered review "
                     f"version ({pdf_path.relative_to(target_folder)}).")
        newer = newer_render_inputs(target_folder, pdf_path)
        if newer:
            warning = (f"{pdf_path.relative_to(target_folder)} is older than {len(newer)} of its inputs: pages and "
                       "lines may be out of date (run `make manuscript-review`, then `make diff` again)")
    if warning:
        intro.append(f"Note: {warning}.")
    groups = response_groups(comparison, pdf, article_floats(target_folder))
    title = pdf.title if pdf is not None and pdf.title else "(title not read: no review PDF)"
    write_response_docx(groups, intro, title, target)
    return sum(len(g.rows) for g in groups), warning
