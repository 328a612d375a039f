"""The article's prose as a reader sees it, read from each rendered format by its structure.

The audit compares this text with the build's numbers, so everything that is not the authors' running text is
left out *by its markup*, never by guessing from the characters:

* the front matter (title, authors, affiliations, correspondence, keywords): typed in ``index.qmd``'s YAML, not
  results; the abstract is kept;
* the reference list (its volumes, pages and DOIs are not ours to check);
* citation markers ("(8,10–12,14)") and cross-reference labels ("Figure 1", "Table 2"), which the formats run
  into neighbouring digits when the text is flattened;
* page furniture of the PDF (page numbers).

Each format keeps its paragraphs (and table cells) apart, so numbers of two blocks are never glued together.

* HTML (Quarto's web page): ``header#title-block-header`` except ``div.abstract``, ``#refs``, ``span.citation``,
  ``a.quarto-xref``, navigation and scripts are skipped;
* DOCX (Pandoc's Word writer): paragraphs styled ``Title``, ``Author``, ``Affiliation``, ``AbstractTitle`` and
  ``Bibliography`` are skipped, and hyperlinks to the bookmarks ``ref-*`` (citations), ``fig-*`` and ``tbl-*``
  (cross-references);
* PDF (Typst): text before the named destination ``abstract`` (the title block), the section from the outline
  entry "References" to the next outline entry, text inside internal links (citations, cross-references) and a
  page's bare page number at its foot.

Figure and table captions lose their numbered label ("Figure 3:") in every format.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

from .rendered import normalise

#: Typographic characters a format may print for what the sources write plainly.
TYPOGRAPHIC = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u00ad": "",
                             "\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl"})
#: A caption's numbered label, as Quarto writes it in each format.
CAPTION_LABEL = re.compile(r"^\s*(?:Figure|Table|Supplementary Figure|Supplementary Table)\s+[\dA-Z.]+\s*:\s*")


def comparable(text: str) -> str:
    """Text as a reader compares it: smart quotes as plain quotes, ligatures and soft hyphens resolved, one space
    between words (see :func:`analysis.quarto.rendered.normalise`)."""
    return normalise(text.translate(TYPOGRAPHIC))


@dataclass(frozen=True)
class Prose:
    """The prose blocks (paragraphs, list items, table cells, captions) of one rendered file, in reading order."""

    path: Path
    blocks: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.blocks)


def article_prose(path: Path) -> Prose:
    """The prose of a rendered article (``.html``, ``.docx`` or ``.pdf``)."""
    readers = {".html": html_blocks, ".docx": docx_blocks, ".pdf": pdf_blocks}
    try:
        reader = readers[path.suffix]
    except KeyError:
        raise ValueError(f"{path}: no prose reader for {path.suffix!r} files") from None
    blocks = [comparable(b) for b in reader(path)]
    return Prose(path, tuple(b for b in blocks if b))


# ----------------------------------------------------------------------------- HTML

class _HtmlProse(HTMLParser):
    """Blocks of visible article text; an element is shown or hidden by its tag, id and classes."""

    BLOCKS = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "tr", "table", "section",
              "figcaption", "caption", "blockquote", "dd", "dt", "header", "main", "figure", "ul", "ol"}
    VOID = {"br", "img", "hr", "meta", "link", "input", "source", "wbr", "col", "area", "base", "embed", "param",
            "track"}
    HIDDEN_TAGS = {"script", "style", "head", "nav", "svg", "math", "button", "noscript", "template"}
    HIDDEN_IDS = {"refs", "title-block-header", "quarto-header", "quarto-margin-sidebar", "quarto-sidebar", "TOC"}
    HIDDEN_CLASSES = {"citation", "quarto-xref", "csl-bib-body", "block-title", "sidebar", "toc-actions",
                      "quarto-alternate-formats"}
    SHOWN_CLASSES = {"abstract"}  # shown even inside a hidden title block
    CAPTIONS = {"figcaption", "caption"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._current: list[str] = []
        self._stack: list[tuple[str, bool]] = []  # (tag, visible)

    def _visible(self) -> bool:
        return self._stack[-1][1] if self._stack else True

    def _flush(self) -> None:
        text = "".join(self._current).strip()
        if text:
            self.blocks.append(text)
        self._current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            if tag == "br" and self._visible():
                self._current.append(" ")
            return
        a = dict(attrs)
        classes = set((a.get("class") or "").split())
        visible = self._visible()
        if classes & self.SHOWN_CLASSES:
            visible = True
        if tag in self.HIDDEN_TAGS or a.get("id") in self.HIDDEN_IDS or classes & self.HIDDEN_CLASSES:
            visible = False
        if tag in self.BLOCKS:
            self._flush()
        self._stack.append((tag, visible))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br" and self._visible():
            self._current.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID or not any(t == tag for t, _ in self._stack):
            return
        while self._stack:
            open_tag, _ = self._stack.pop()
            if open_tag == tag:
                break
        if tag in self.BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self._visible():
            return
        at_start = not "".join(self._current).strip()
        if at_start and any(tag in self.CAPTIONS for tag, _ in self._stack):
            data = CAPTION_LABEL.sub("", data.replace("\u00a0", " "))
        self._current.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def html_blocks(path: Path) -> list[str]:
    parser = _HtmlProse()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser.blocks


# ----------------------------------------------------------------------------- DOCX

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
#: Paragraph styles that are not prose: the title block (Pandoc's styles and ours) and the reference list.
DOCX_HIDDEN_STYLES = {"Title", "Subtitle", "Author", "Affiliation", "Date", "AbstractTitle", "Bibliography"}
DOCX_CAPTION_STYLES = {"ImageCaption", "TableCaption", "Caption"}
#: Bookmarks that internal hyperlinks point to when they are citations or cross-references.
GENERATED_ANCHOR = re.compile(r"^(?:ref|fig|tbl|sec|eq)-")


def _docx_run_text(element: ElementTree.Element) -> str:
    """Text of a paragraph, without the citations and cross-references it links to."""
    parts: list[str] = []
    for child in element:
        tag = child.tag
        if tag == f"{W}hyperlink" and GENERATED_ANCHOR.match(child.get(f"{W}anchor") or ""):
            continue
        if tag == f"{W}t":
            parts.append(child.text or "")
        elif tag in (f"{W}tab", f"{W}br", f"{W}cr"):
            parts.append(" ")
        elif tag == f"{W}noBreakHyphen":
            parts.append("-")
        elif tag in (f"{W}del", f"{W}pPr", f"{W}rPr", f"{W}instrText"):
            continue
        else:
            parts.append(_docx_run_text(child))
    return "".join(parts)


def docx_blocks(path: Path) -> list[str]:
    """Each paragraph of the body (table cells included) that is prose."""
    with zipfile.ZipFile(path) as z:
        root = ElementTree.fromstring(z.read("word/document.xml"))
    blocks: list[str] = []
    for p in root.iter(f"{W}p"):
        style = p.find(f"{W}pPr/{W}pStyle")
        name = style.get(f"{W}val") if style is not None else ""
        if name in DOCX_HIDDEN_STYLES:
            continue
        text = _docx_run_text(p)
        if name in DOCX_CAPTION_STYLES:
            text = CAPTION_LABEL.sub("", text.replace("\u00a0", " "))
        blocks.append(text)
    return blocks


# ----------------------------------------------------------------------------- PDF

#: Named destination of the abstract's heading (manuscript/_typst/typst-template.typ labels it).
PDF_ABSTRACT_DEST = "abstract"
PDF_REFERENCES_TITLE = "References"


@dataclass(frozen=True, order=True)
class _Position:
    page: int  # 0-based
    y: float  # from the top of the page


def _pdf_regions(document) -> tuple[_Position | None, tuple[_Position, _Position] | None]:  # noqa: ANN001
    """Where the prose starts (the abstract) and the span of the reference list, from the PDF's own structure."""
    names = document.resolve_names() if hasattr(document, "resolve_names") else {}
    start = None
    if PDF_ABSTRACT_DEST in names:
        dest = names[PDF_ABSTRACT_DEST]
        height = document[dest["page"]].rect.height
        start = _Position(dest["page"], height - dest["to"][1])  # named destinations count y from the bottom
    toc = document.get_toc(simple=False)
    references = None
    for i, entry in enumerate(toc):
        if entry[1].strip() == PDF_REFERENCES_TITLE:
            begin = _Position(entry[3]["page"], entry[3]["to"].y)
            after = toc[i + 1][3] if i + 1 < len(toc) else None
            end = (_Position(after["page"], after["to"].y) if after else
                   _Position(document.page_count, 0.0))
            references = (begin, end)
            break
    return start, references


def _join_lines(lines: list[str]) -> str:
    """Lines of one block as running text: a line that ends in a dash or slash continues without a space
    ("Freeman–" + "Tukey"), as the line break fell after it."""
    text = lines[0]
    for line in lines[1:]:
        text += line if text.endswith(("\u2013", "-", "/", "\u2010")) else " " + line
    return text


def pdf_blocks(path: Path) -> list[str]:
    """Text blocks of every page, outside the title block, the reference list, links and page numbers."""
    import pymupdf

    blocks: list[str] = []
    with pymupdf.open(path) as document:
        start, references = _pdf_regions(document)
        flags = pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_MEDIABOX_CLIP
        for index, page in enumerate(document):
            links = [pymupdf.Rect(link["from"]) for link in page.get_links()
                     if link.get("kind") in (pymupdf.LINK_GOTO, pymupdf.LINK_NAMED)]

            def shown(x: float, y: float) -> bool:
                here = _Position(index, y)
                if start is not None and here < start:
                    return False
                if references is not None and references[0] <= here < references[1]:
                    return False
                return not any(r.contains(pymupdf.Point(x, y)) for r in links)

            for block in page.get_text("rawdict", flags=flags)["blocks"]:
                lines = []
                for line in block.get("lines", []):
                    chars = [c for span in line["spans"] for c in span["chars"]
                             if shown((c["bbox"][0] + c["bbox"][2]) / 2, (c["bbox"][1] + c["bbox"][3]) / 2)]
                    text = "".join(c["c"] for c in chars).strip()
                    bottom = line["bbox"][3]
                    if text == str(index + 1) and bottom > 0.85 * page.rect.height:
                        continue  # the page number
                    if text:
                        lines.append(text)
                if lines:
                    blocks.append(CAPTION_LABEL.sub("", _join_lines(lines)))
    return blocks
