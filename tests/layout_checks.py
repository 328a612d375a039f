"""Checks of rendered pages as a reader sees them: words printed over other words, text outside the margins,
drug names split at a line end. They read word boxes from a PDF with PyMuPDF and know nothing of how the PDF was
made, so they apply to the Typst PDF and to the DOCX converted by LibreOffice alike."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pymupdf

CM = 72 / 2.54
#: The page margins of every format (_quarto.yml, manuscript/_word/): 2.5 cm on each side.
MARGIN = 2.5 * CM
#: How far a word's box may reach into a margin before it counts as outside: glyph boxes are rounded sideways, and
#: reach above the first line's cap height by the font's ascender (about 4 pt at 11 pt).
TOLERANCE = 2.0
VERTICAL_TOLERANCE = 5.0
#: Words overlapping by more than this share of the smaller box are printed over each other.
OVERLAP_SHARE = 0.2
NUMBER = re.compile(r"^\d+$")
#: What a line-end hyphen can be in extracted text: hyphen-minus, soft hyphen (Typst's hyphenation), hyphen.
HYPHENS = ("-", "\u00ad", "\u2010")


@dataclass(frozen=True)
class Word:
    page: int  # 1-based
    x0: float
    y0: float
    x1: float
    y1: float
    text: str

    @property
    def area(self) -> float:
        return max(self.x1 - self.x0, 0) * max(self.y1 - self.y0, 0)

    def overlap(self, other: "Word") -> float:
        width = min(self.x1, other.x1) - max(self.x0, other.x0)
        height = min(self.y1, other.y1) - max(self.y0, other.y0)
        return max(width, 0) * max(height, 0)

    def __str__(self) -> str:
        return f"page {self.page}: {self.text!r} at ({self.x0:.0f}, {self.y0:.0f})"


@dataclass(frozen=True)
class Page:
    number: int
    width: float
    height: float
    words: tuple[Word, ...]


def read_pages(pdf: Path) -> list[Page]:
    pages = []
    with pymupdf.open(pdf) as document:
        for index, page in enumerate(document, 1):
            words = tuple(Word(index, x0, y0, x1, y1, text)
                          for x0, y0, x1, y1, text, *_ in page.get_text("words") if text.strip())
            pages.append(Page(index, page.rect.width, page.rect.height, words))
    return pages


def overprinted(page: Page) -> list[tuple[Word, Word]]:
    """Pairs of words whose boxes overlap: text printed over text (e.g. a cell spilling into the next)."""
    pairs = []
    words = sorted(page.words, key=lambda w: w.x0)
    for i, a in enumerate(words):
        for b in words[i + 1:]:
            if b.x0 >= a.x1:
                break
            smaller = min(a.area, b.area)
            if smaller > 0 and a.overlap(b) > OVERLAP_SHARE * smaller:
                pairs.append((a, b))
    return pairs


def outside_margins(page: Page, line_numbers: bool = False) -> list[Word]:
    """Words outside the text block. Allowed there: the page number, centred in the bottom margin, and (review
    variant) line numbers in the left margin."""
    left, right = MARGIN - TOLERANCE, page.width - MARGIN + TOLERANCE
    top, bottom = MARGIN - VERTICAL_TOLERANCE, page.height - MARGIN + VERTICAL_TOLERANCE
    outside = []
    for word in page.words:
        if left <= word.x0 and word.x1 <= right and top <= word.y0 and word.y1 <= bottom:
            continue
        centre = (word.x0 + word.x1) / 2
        if NUMBER.match(word.text) and word.y1 > bottom and abs(centre - page.width / 2) < 2 * CM:
            continue  # page number (in the footer, which may start just above the bottom margin)
        if line_numbers and NUMBER.match(word.text) and word.x1 <= left and word.x0 > 0:
            continue  # line number
        outside.append(word)
    return outside


def split_names(pages: list[Page], names: set[str]) -> list[str]:
    """Names broken at line ends with hyphens ('Glofi-' + 'ta-' + 'mab'): a run of words each ending in '-'
    whose join (hyphens dropped) with the next word starts with one of ``names`` (case-insensitive)."""
    lowered = {n.lower() for n in names}
    found = []
    for page in pages:
        words = [w.text for w in page.words]
        for i, first in enumerate(words):
            if not first.endswith(HYPHENS) or len(first) < 2 or first[:-1].lower() in lowered:
                continue
            joined, j = first[:-1], i + 1
            while j < len(words) and words[j].endswith(HYPHENS) and len(joined) < 40:
                joined, j = joined + words[j][:-1], j + 1
            if j < len(words):
                joined += words[j]
            if any(joined.lower().startswith(name) for name in lowered):
                found.append(f"page {page.number}: {' + '.join(words[i:j + 1])!r}")
    return found


#: Where a line may legitimately break inside a printed word: after a dash or a hyphen ("(2.8–" + "NR)").
BREAK_AFTER = re.compile(r"(?<=[\u2013\u2014\-\u2010/])|\s+")


def pieces(text: str) -> list[str]:
    """``text`` cut where a line may break: at spaces and after dashes and hyphens."""
    return [piece for piece in BREAK_AFTER.split(text) if piece]


def broken_words(pages: list[Page], cells: list[str]) -> list[str]:
    """Words of ``cells`` (table cells, as written) that no page prints whole: a cell too narrow for a word breaks it
    inside ("NCT0250040" + "7"). Breaks after a dash or a hyphen are allowed."""
    printed: set[str] = set()
    for page in pages:
        for word in page.words:
            printed.update(pieces(word.text))
    return sorted({piece for cell in cells for piece in pieces(cell) if piece not in printed})
