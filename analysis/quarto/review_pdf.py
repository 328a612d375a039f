"""The line-numbered review PDF (``quarto render --profile review``) as a reader finds things in it: pages, line
numbers, section headings, the PRISMA markers and the text.

Read with PyMuPDF. Typst writes the line numbers as small digits in the left margin, one per line of text (headings
included), the headings into the PDF outline (with their page and position), and the markers of
``manuscript/_filters/prisma-markers.lua`` as zero-size link annotations whose URI starts with ``x-prisma:``.
Positions are (page, y) with pages counted from 1 and y from the top of the page in points.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from .rendered import rendered_article

REVIEW_OUTPUT_DIR = "_manuscript-review"
MARKER_SCHEME = "x-prisma:"
#: Line numbers sit left of the text block (2.5 cm margin = 70.9 pt); page numbers are centred below it.
LINE_NUMBER_MAX_X = 60.0
#: A marker belongs to the numbered line whose box (widened by this much, in points) contains it.
LINE_TOLERANCE = 3.0
SECTION_SEPARATOR = " › "
#: A space after a dash that ends a word is dropped from searched phrases, as from the text (see _text_stream).
GLUED_DASH = re.compile(r"(?<=\S-)\s+")


#: What a render of the article reads (relative to the project): its sources, the profiles, and what the build
#: generated for it. Provenance metadata is left out: it changes with any code edit and moves nothing on the page.
RENDER_INPUTS = ("manuscript/**/*", "_quarto*.yml", "_variables.yml", "build/abstract.yml", "build/tables/*",
                 "build/manuscript/*", "build/figures/*", "build/*.csl", "data/references.bib")


def review_article(folder: Path, suffix: str) -> Path | None:
    """The review variant of the article ('.pdf', '.docx') under ``folder/_manuscript-review``, if rendered."""
    return rendered_article(folder, suffix, REVIEW_OUTPUT_DIR)


def newer_render_inputs(root: Path, output: Path) -> list[Path]:
    """Render inputs changed after ``output`` was written (empty when the output is current)."""
    written = output.stat().st_mtime
    found = {p for pattern in RENDER_INPUTS for p in root.glob(pattern) if p.is_file()}
    return sorted(p for p in found if p.stat().st_mtime > written)


@dataclass(frozen=True, order=True)
class Position:
    page: int
    y: float


@dataclass(frozen=True)
class NumberedLine:
    number: int
    page: int
    top: float
    bottom: float

    @property
    def position(self) -> Position:
        return Position(self.page, self.top)


@dataclass(frozen=True)
class Heading:
    level: int
    title: str
    position: Position
    path: str  # "Methods › Search strategy"


@dataclass(frozen=True)
class Marker:
    """A PRISMA marker: where a labelled heading, span or front-matter part starts or ends."""

    edge: str  # "start", "end" or "heading"
    number: str  # pairs a start with its end
    items: tuple[str, ...]
    part: str | None  # "Title", "Abstract › Methods" for front-matter parts; None in the body
    position: Position


@dataclass(frozen=True)
class Word:
    text: str
    position: Position


@dataclass(frozen=True)
class ReviewPdf:
    path: Path
    title: str  # the document title in the PDF's metadata
    page_count: int
    lines: tuple[NumberedLine, ...]
    headings: tuple[Heading, ...]
    markers: tuple[Marker, ...]
    words: tuple[Word, ...]  # the text in reading order, without line and page numbers

    # ------------------------------------------------------------------ lines
    def line_at(self, position: Position) -> NumberedLine | None:
        """The numbered line at a position: the one whose box contains it, else the nearest on that page."""
        on_page = [ln for ln in self.lines if ln.page == position.page]
        if not on_page:
            return None
        for ln in on_page:
            if ln.top - LINE_TOLERANCE <= position.y <= ln.bottom + LINE_TOLERANCE:
                return ln
        return min(on_page, key=lambda ln: min(abs(ln.top - position.y), abs(ln.bottom - position.y)))

    def last_line_before(self, position: Position) -> NumberedLine | None:
        """The last numbered line that starts above ``position`` (for the end of a section)."""
        before = [ln for ln in self.lines if ln.position < position]
        return before[-1] if before else None

    # --------------------------------------------------------------- sections
    def section_at(self, position: Position) -> Heading | None:
        """The heading the position falls under (the last one at or above it), if any."""
        above = [h for h in self.headings if h.position <= Position(position.page, position.y + LINE_TOLERANCE)]
        return above[-1] if above else None

    def section_end(self, heading: Heading) -> Position:
        """Where the section of ``heading`` ends: at the next heading of the same or a higher level."""
        later = [h for h in self.headings if h.position > heading.position and h.level <= heading.level]
        return later[0].position if later else Position(self.page_count + 1, 0.0)

    # ------------------------------------------------------------------- text
    def find(self, phrase: str, start: Position | None = None, end: Position | None = None) -> list[Position]:
        """Where ``phrase`` is printed (word sequence, whitespace and typography normalised), between two
        positions; each hit is the position of its first word."""
        words = [w for w in self.words if (start is None or w.position >= start) and (end is None or w.position < end)]
        stream, owners = _text_stream(words)
        needle = GLUED_DASH.sub("", normalise_text(phrase))
        hits: list[Position] = []
        if not needle:
            return hits
        at = stream.find(needle)
        while at != -1:
            hits.append(words[owners[at]].position)
            at = stream.find(needle, at + 1)
        return hits


def normalise_text(text: str) -> str:
    """Compatibility characters folded (ligatures, no-break and thin spaces, superscript digits), typographic
    quotes, minus and dashes unified, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text)
    for chars, plain in (("‘’‚′", "'"), ("“”„″", '"'), ("−–—‒", "-")):
        text = re.sub(f"[{chars}]", plain, text)
    return re.sub(r"\s+", " ", text).strip()


def _text_stream(words: list[Word]) -> tuple[str, list[int]]:
    """The words joined by single spaces, and for each character the index of its word. A word that ends in a
    dash joins the next without a space: lines break after the dash of a range ("55.5–" / "73.8%")."""
    parts: list[str] = []
    owners: list[int] = []
    for i, w in enumerate(words):
        text = normalise_text(w.text)
        if not text:
            continue
        if parts and not (len(parts[-1]) > 1 and parts[-1].endswith("-")):
            parts.append(" ")
            owners.append(i)
        parts.append(text)
        owners.extend([i] * len(text))
    return "".join(parts), owners


def _marker(uri: str, page: int, y: float) -> Marker | None:
    if not uri.startswith(MARKER_SCHEME):
        return None
    query = parse_qs(urlsplit(uri).query)
    first = lambda key: (query.get(key) or [None])[0]  # noqa: E731
    items = tuple((first("items") or "").split())
    return Marker(first("edge") or "", first("n") or "", items, first("part"), Position(page, y))


def read_review_pdf(path: Path) -> ReviewPdf:
    """Read the line numbers, headings, markers and words of a rendered review PDF."""
    import pymupdf

    lines: list[NumberedLine] = []
    markers: list[Marker] = []
    words: list[Word] = []
    with pymupdf.open(path) as doc:
        page_count = doc.page_count
        title = (doc.metadata or {}).get("title") or ""
        for index, page in enumerate(doc):
            number = index + 1
            height = page.rect.height
            for x0, y0, x1, y1, text, *_ in page.get_text("words", sort=False):
                if text.isdigit() and x1 < LINE_NUMBER_MAX_X:
                    lines.append(NumberedLine(int(text), number, y0, y1))
                elif text.isdigit() and y0 > height - 70.9:  # the page number, in the bottom margin
                    continue
                else:  # placed at its vertical centre, which lies inside its line's number box
                    words.append(Word(text, Position(number, (y0 + y1) / 2)))
            for link in page.get_links():
                marker = _marker(link.get("uri") or "", number, link["from"].y0)
                if marker is not None:
                    markers.append(marker)
        headings: list[Heading] = []
        trail: list[str] = []
        for entry in doc.get_toc(simple=False):
            level, heading, page_number, dest = entry[0], entry[1], entry[2], entry[3]
            trail = trail[:level - 1] + [heading]
            point = dest.get("to")
            y = float(point.y) if point is not None else 0.0
            headings.append(Heading(level, heading, Position(page_number, y), SECTION_SEPARATOR.join(trail)))
    lines.sort(key=lambda ln: (ln.page, ln.top))
    return ReviewPdf(path, title, page_count, tuple(lines), tuple(headings), tuple(markers), tuple(words))
