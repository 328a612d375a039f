"""Regenerate the Word reference documents (page set-up and paragraph styles of the DOCX article).

    python manuscript/_word/make_reference_docs.py        # needs Quarto (for its Pandoc) and python-docx

Starts from Pandoc's own reference document (``quarto pandoc --print-default-data-file reference.docx``), so
every style Pandoc writes exists, and changes only what a journal submission needs:

* ``reference.docx``: A4 with 2.5 cm margins (Pandoc's default has no page size, so Word falls back to Letter);
* ``reference-review.docx``: the same, double-spaced, with continuous line numbers (profile ``review``).

The two files are committed (Quarto reads them at render time); run this script again only to change the
styles, and commit the result.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.oxml import OxmlElement
from docx.shared import Cm, Pt

HERE = Path(__file__).resolve().parent
#: A4 and the margins of the PDF (_quarto.yml); manuscript/_filters/docx-layout.lua writes the same geometry into
#: the section breaks around landscape tables.
PAGE_WIDTH_CM, PAGE_HEIGHT_CM, MARGIN_CM = 21.0, 29.7, 2.5
#: Styles whose paragraphs are double-spaced in the review variant (text, abstract, references; table cells, in
#: 'Compact' paragraphs, stay single-spaced).
DOUBLE_SPACED = ("Normal", "Body Text", "First Paragraph", "Abstract", "Bibliography")
SERIF = "Times New Roman"
#: Left and right cell margins of tables: 1.4 mm, as in the PDF (manuscript/_typst/), rather than Word's 1.9 mm;
#: the column widths of analysis/manuscript/tables.py allow for this padding.
CELL_MARGIN_TWIPS = 80


def pandoc_reference(target: Path) -> None:
    quarto = shutil.which("quarto")
    if quarto is None:
        sys.exit("make_reference_docs: Quarto is not on PATH (its Pandoc provides the base reference document)")
    with target.open("wb") as out:
        subprocess.run([quarto, "pandoc", "--print-default-data-file", "reference.docx"], stdout=out, check=True)


def page_setup(document) -> None:
    """A4, 2.5 cm margins (every attribute of <w:pgMar> set, as the schema requires) and a centred page number."""
    for section in document.sections:
        section.page_width, section.page_height = Cm(PAGE_WIDTH_CM), Cm(PAGE_HEIGHT_CM)
        section.left_margin = section.right_margin = Cm(MARGIN_CM)
        section.top_margin = section.bottom_margin = Cm(MARGIN_CM)
        section.header_distance = section.footer_distance = Cm(1.25)
        section.gutter = Cm(0)
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        field = OxmlElement("w:fldSimple")
        field.set(qn("w:instr"), "PAGE")
        footer._p.append(field)


def fonts(document) -> None:
    """Times New Roman throughout (what most journals ask of a Word submission; Pandoc's default uses the theme's
    Cambria/Calibri), and table cells ('Compact' paragraphs) at 9 pt so that wide tables stay readable."""
    defaults = document.styles.element.find(qn("w:docDefaults"))
    run_fonts = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")).find(qn("w:rFonts"))
    for attribute in list(run_fonts.attrib):
        del run_fonts.attrib[attribute]
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        run_fonts.set(qn(attribute), SERIF)
    for style in document.styles:
        if style.type == WD_STYLE_TYPE.PARAGRAPH or style.type == WD_STYLE_TYPE.CHARACTER:
            properties = style.element.rPr
            found = properties.find(qn("w:rFonts")) if properties is not None else None
            if found is not None:
                properties.remove(found)
    document.styles["Compact"].font.size = Pt(9)


def captions(document) -> None:
    """Captions of tables and figures: spaced from what they label (Quarto used to set this on each caption)."""
    for name in ("Table Caption", "Image Caption"):
        document.styles[name].paragraph_format.space_before = Pt(10)


def table_cells(document) -> None:
    """Cell margins of the table style Pandoc writes ('Table'), so that a table's widest words (trial identifiers)
    fit the columns designed for them."""
    margins = document.styles["Table"].element.find(qn("w:tblPr")).find(qn("w:tblCellMar"))
    for side in ("w:left", "w:right"):
        margins.find(qn(side)).set(qn("w:w"), str(CELL_MARGIN_TWIPS))


def review_variant(document) -> None:
    for name in DOUBLE_SPACED:
        document.styles[name].paragraph_format.line_spacing_rule = WD_LINE_SPACING.DOUBLE
    for section in document.sections:
        numbering = OxmlElement("w:lnNumType")
        numbering.set(qn("w:countBy"), "1")
        numbering.set(qn("w:restart"), "continuous")
        numbering.set(qn("w:distance"), "284")  # 0.5 cm from the text
        section._sectPr.append(numbering)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "pandoc-reference.docx"
        pandoc_reference(base)
        for name, review in (("reference.docx", False), ("reference-review.docx", True)):
            document = Document(str(base))
            page_setup(document)
            fonts(document)
            captions(document)
            table_cells(document)
            if review:
                review_variant(document)
            document.save(str(HERE / name))
            print(f"wrote {HERE / name}")


if __name__ == "__main__":
    main()
