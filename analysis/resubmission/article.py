"""The article of a build as a reader sees it: a sequence of blocks with their structure.

Title, authors and keywords, the abstract, headings with their level, paragraphs, list items (with their
nesting), tables (rows of cells), figure and table captions and the reference list, each with its inline
emphasis (bold, italic, superscript, subscript). Read from the HTML that Quarto renders (``_manuscript/``),
or, for a build without a rendered article, from the Quarto source turned into HTML
(:mod:`analysis.resubmission.article_source`); both go through :func:`blocks_from_html`, so the two builds of
a comparison always have the same kind of blocks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator

import lxml.html
from lxml.html import HtmlElement

from ..quarto.rendered import rendered_article
from .article_source import markdown_html, source_html

#: Inline emphasis kept from the HTML: tag -> mark.
MARKS = {"strong": "strong", "b": "strong", "em": "em", "i": "em", "sup": "sup", "sub": "sub"}
#: Elements whose text is never article text.
SKIP_TAGS = {"script", "style", "nav", "svg", "button", "noscript", "template", "head", "img", "input", "select"}
#: Quarto's page furniture (table of contents, alternate formats, appendix with licence and citation).
SKIP_IDS = {"quarto-appendix", "TOC", "quarto-sidebar", "quarto-margin-sidebar", "quarto-header", "toc-title"}
SKIP_CLASSES = {"sidebar", "quarto-alternate-formats", "anchorjs-link", "quarto-appendix-contents", "visually-hidden",
                "quarto-title-breadcrumbs", "quarto-title-meta"}
LISTS = {"ul", "ol"}
WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Span:
    """A run of text with one set of marks ('strong', 'em', 'sup', 'sub')."""

    text: str
    marks: frozenset[str] = frozenset()


Inline = tuple[Span, ...]


@dataclass(frozen=True)
class Block:
    """One block of the article.

    ``kind``: title, meta (authors, keywords), heading, paragraph, item (of a list), caption, table or
    reference. ``level``: a heading's level (1 = a section such as Methods or the abstract, 2 = a subsection) or a
    list item's depth (1 = top level).
    """

    kind: str
    content: Inline = ()
    level: int = 0
    ordered: bool = False  # an item of a numbered list
    rows: tuple[tuple[Inline, ...], ...] = ()  # a table's rows of cells
    header_rows: int = 0
    landscape: bool = False  # set on a landscape page (Quarto's ``.landscape`` div), like a wide table

    @property
    def text(self) -> str:
        if self.kind == "table":
            return "\n".join(" | ".join(plain(cell) for cell in row) for row in self.rows)
        return plain(self.content)

    @property
    def key(self) -> tuple[object, ...]:
        """Equal keys: the same block (text, structure and emphasis)."""
        return (self.kind, self.level, self.ordered, self.header_rows, self.content, self.rows)


def plain(inline: Inline) -> str:
    return "".join(span.text for span in inline)


# ----------------------------------------------------------------------------- inline text

def _normalise(spans: list[Span]) -> Inline:
    """Collapse white space (within and across spans), trim the ends, merge neighbours with the same marks."""
    out: list[Span] = []
    for span in spans:
        text = WHITESPACE.sub(" ", span.text)
        if not text:
            continue
        if out and out[-1].text.endswith(" ") and text.startswith(" "):
            text = text[1:]
        if not text:
            continue
        if out and out[-1].marks == span.marks:
            out[-1] = Span(out[-1].text + text, span.marks)
        else:
            out.append(Span(text, span.marks))
    if out:
        out[0] = Span(out[0].text.lstrip(), out[0].marks)
        out[-1] = Span(out[-1].text.rstrip(), out[-1].marks)
    return tuple(s for s in out if s.text)


def _skipped(el: HtmlElement) -> bool:
    if not isinstance(el.tag, str) or el.tag in SKIP_TAGS:
        return True
    classes = set((el.get("class") or "").split())
    return el.get("id") in SKIP_IDS or bool(classes & SKIP_CLASSES) or el.get("aria-hidden") == "true"


def _collect(el: HtmlElement, marks: frozenset[str], out: list[Span], stop: set[str]) -> None:
    """Append the inline text of ``el``'s content (not its tail); elements in ``stop`` are left out."""
    if el.text:
        out.append(Span(el.text, marks))
    for child in el:
        if isinstance(child.tag, str) and not _skipped(child) and child.tag not in stop:
            if child.tag == "br":
                out.append(Span(" ", marks))
            else:
                _collect(child, marks | {MARKS[child.tag]} if child.tag in MARKS else marks, out, stop)
        if child.tail:
            out.append(Span(child.tail, marks))


def inline(el: HtmlElement, stop: set[str] | None = None) -> Inline:
    spans: list[Span] = []
    _collect(el, frozenset(), spans, stop or set())
    return _normalise(spans)


# ----------------------------------------------------------------------------- blocks

def _classes(el: HtmlElement) -> set[str]:
    return set((el.get("class") or "").split())


def _items(el: HtmlElement, depth: int) -> Iterator[Block]:
    ordered = el.tag == "ol"
    for li in el:
        if not isinstance(li.tag, str) or li.tag != "li":
            continue
        content = inline(li, stop=LISTS | {"table"})
        if content:
            yield Block("item", content, depth, ordered)
        for child in li.iter(*LISTS):
            if child.getparent() is li or child.getparent().getparent() is li:  # a list nested in the item
                yield from _items(child, depth + 1)


def _table(el: HtmlElement) -> Block | None:
    rows: list[tuple[Inline, ...]] = []
    header_rows = 0
    for tr in el.iter("tr"):
        cells = tuple(inline(cell) for cell in tr if isinstance(cell.tag, str) and cell.tag in ("td", "th"))
        if not cells:
            continue
        if tr.getparent() is not None and tr.getparent().tag == "thead":
            header_rows += 1
        rows.append(cells)
    return Block("table", rows=tuple(rows), header_rows=header_rows) if rows else None


def _title_block(header: HtmlElement) -> Iterator[Block]:
    """Quarto's title block: title, authors, abstract and keywords, in that order."""
    for title in header.find_class("title"):
        yield Block("title", inline(title))
    authors = [plain(inline(p)) for p in header.find_class("author")]
    if authors:
        yield Block("meta", (Span("Authors: " + ", ".join(a for a in authors if a)),))
    for abstract in header.find_class("abstract"):
        yield Block("heading", (Span("Abstract"),), 1)
        for child in abstract:
            if isinstance(child.tag, str) and "block-title" not in _classes(child):
                yield from _blocks(child)
    for keywords in header.find_class("keywords"):
        words = " ".join(plain(inline(p)) for p in keywords.iter("p"))
        if words:
            yield Block("meta", (Span("Keywords: " + words),))


def _leaf_blocks(el: HtmlElement) -> Iterator[Block]:
    """The blocks of ``el`` and everything in it, in reading order."""
    if _skipped(el):
        return
    tag, classes = el.tag, _classes(el)
    if tag == "header" and el.get("id") == "title-block-header":
        yield from _title_block(el)
    elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
        content = inline(el)
        if content:
            yield Block("title", content) if "title" in classes else Block("heading", content, max(int(tag[1]) - 1, 1))
    elif tag in LISTS:
        yield from _items(el, 1)
    elif tag == "table":
        table = _table(el)
        if table is not None:
            yield table
    elif tag == "figcaption" or "caption" in classes:
        content = inline(el)
        if content:
            yield Block("caption", content)
    elif "csl-entry" in classes:
        content = inline(el)
        if content:
            yield Block("reference", content)
    elif tag in ("p", "dt", "dd", "pre", "address") or (tag == "div" and not len(el) and (el.text or "").strip()):
        content = inline(el)
        if content:
            yield Block("paragraph", content)
    else:  # a container: section, div, figure, main, blockquote ...
        for child in el:
            if isinstance(child.tag, str):
                yield from _blocks(child)


def _blocks(el: HtmlElement) -> Iterator[Block]:
    if "landscape" in _classes(el):
        for block in _leaf_blocks(el):
            yield replace(block, landscape=True)
    else:
        yield from _leaf_blocks(el)


def blocks_from_html(html: str) -> list[Block]:
    """The article's blocks from a Quarto HTML page (or any HTML: the ``<main>`` element, else the body)."""
    if not html.strip():
        return []
    doc = lxml.html.document_fromstring(html)
    mains = doc.xpath("//main")
    root = mains[0] if mains else (doc.body if doc.find("body") is not None else doc)
    return list(_blocks(root))


def markdown_blocks(markdown: str) -> list[Block]:
    """Blocks of a Markdown text (e.g. the generated abstract)."""
    return blocks_from_html(f"<main>{markdown_html(markdown)}</main>") if markdown.strip() else []


def article_plain_text(blocks: list[Block]) -> str:
    """The blocks as plain text, one paragraph per block (for snapshots' ``article.txt``)."""
    out = []
    for block in blocks:
        prefix = {"heading": "#" * block.level + " ", "item": "  " * (block.level - 1) + "- "}.get(block.kind, "")
        out.append(prefix + block.text)
    return "\n\n".join(out)


def article_blocks(folder: Path, source: str = "auto") -> tuple[list[Block] | None, str]:
    """(blocks, source) of a build folder: 'rendered' (Quarto's HTML) or 'source' (``manuscript/index.qmd``);
    'auto' prefers the rendered HTML. None when the folder has no such article."""
    if source in ("auto", "rendered"):
        path = rendered_article(folder, ".html")
        if path is not None:
            return blocks_from_html(path.read_text(encoding="utf-8")), "rendered"
        if source == "rendered":
            return None, "rendered"
    page = source_html(folder)
    return (blocks_from_html(page) if page is not None else None), "source"
