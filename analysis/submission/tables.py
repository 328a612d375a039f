"""Each table of the article as its own Word file, cut from the rendered review DOCX.

Frontiers wants tables "in an editable format in order for them to be typeset e.g. .docx or .xlsx", with the
legend "immediately before the table"
(https://zendesk.frontiersin.org/hc/en-us/articles/209997645-How-should-I-format-my-figures-). The tables are taken
from the article as Quarto rendered it, so their citation numbers, notes and styles are the article's: the float
Quarto marks with the table's bookmark (``tbl-…``) and the notes paragraph after it are kept, everything else is
removed, the caption is moved above the table, and the page is that of the table's section (landscape for Table 1)
without line numbers.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

from ..io import atomic_path

NOTES_PREFIX = "Notes:"
TABLE_BOOKMARK_PREFIX = "tbl-"


@dataclass(frozen=True)
class TableFile:
    number: int
    label: str  # tbl-characteristics
    caption: str
    landscape: bool


def _text(element) -> str:  # type: ignore[no-untyped-def]
    from docx.oxml.ns import qn

    return "".join(t.text or "" for t in element.iter(qn("w:t")))


def _table_floats(body) -> list[tuple[str, object]]:  # type: ignore[no-untyped-def]
    """(label, body-level element) of each table float, in document order."""
    from docx.oxml.ns import qn

    out = []
    for mark in body.iter(qn("w:bookmarkStart")):
        name = mark.get(qn("w:name")) or ""
        if name.startswith(TABLE_BOOKMARK_PREFIX):
            element = mark
            while element.getparent() is not body:
                element = element.getparent()
            out.append((name, element))
    return out


def _section_properties(body, element):  # type: ignore[no-untyped-def]
    """The section properties that govern ``element``: those of the first section break after it, else the
    document's last ones."""
    from docx.oxml.ns import qn

    for sibling in element.itersiblings():
        found = sibling.find(f"{qn('w:pPr')}/{qn('w:sectPr')}")
        if found is not None:
            return found
    return body.find(qn("w:sectPr"))


def _caption_first(float_table) -> str:  # type: ignore[no-untyped-def]
    """Move the caption paragraph above the inner table of Quarto's layout table; return the caption text."""
    from docx.oxml.ns import qn

    for cell in float_table.iter(qn("w:tc")):
        inner = cell.find(qn("w:tbl"))
        if inner is None:
            continue
        paragraphs = [p for p in inner.itersiblings(qn("w:p")) if _text(p).strip()]
        if paragraphs:
            inner.addprevious(paragraphs[0])
            return _text(paragraphs[0]).strip()
    return ""


def _drop_unused_relationships(document) -> None:  # type: ignore[no-untyped-def]
    """Figures and links of the removed text would otherwise stay in the file."""
    part = document.part
    xml = part._element.xml
    for rel_id in [r for r in part.rels if f'"{r}"' not in xml]:
        rel = part.rels[rel_id]
        if rel.reltype.endswith(("/image", "/hyperlink")):
            part.drop_rel(rel_id)


def _single_spaced(document) -> None:  # type: ignore[no-untyped-def]
    """The review variant double-spaces text styles (and so the notes and cells based on them): a table file is
    set single-spaced, as the journal's typesetters will set it."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_LINE_SPACING

    for style in document.styles:
        if style.type == WD_STYLE_TYPE.PARAGRAPH and style.paragraph_format.line_spacing_rule is not None:
            style.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE


def write_table(source: Path, index: int, target: Path) -> TableFile:
    """The ``index``-th table (0-based) of the rendered DOCX ``source`` alone in ``target``."""
    from docx import Document
    from docx.oxml.ns import qn

    document = Document(str(source))
    body = document.element.body
    floats = _table_floats(body)
    label, float_table = floats[index]
    notes = float_table.getnext()
    keep = [float_table] + ([notes] if notes is not None and _text(notes).strip().startswith(NOTES_PREFIX) else [])
    section = copy.deepcopy(_section_properties(body, float_table))
    landscape = section.find(qn("w:pgSz")).get(qn("w:orient")) == "landscape"
    final = body.find(qn("w:sectPr"))
    for child in list(body):
        if child not in keep:
            body.remove(child)
    for name in ("w:pgSz", "w:pgMar"):
        old, new = final.find(qn(name)), section.find(qn(name))
        if old is not None and new is not None:
            old.getparent().replace(old, new)
    for numbering in final.findall(qn("w:lnNumType")):
        final.remove(numbering)
    body.append(final)
    caption = _caption_first(float_table)
    _single_spaced(document)
    _drop_unused_relationships(document)
    with atomic_path(target) as tmp:
        document.save(str(tmp))
    return TableFile(index + 1, label, caption, landscape)


def write_tables(source: Path, out_dir: Path) -> list[TableFile]:
    """``Table1.docx``, ``Table2.docx``, … from the rendered DOCX, in the article's order."""
    from docx import Document

    count = len(_table_floats(Document(str(source)).element.body))
    return [write_table(source, i, out_dir / f"Table{i + 1}.docx") for i in range(count)]
