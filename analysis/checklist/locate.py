"""Where the manuscript reports each PRISMA 2020 item, read from the rendered, line-numbered review PDF.

The labels of ``manuscript/index.qmd`` (a ``prisma`` attribute on a heading or a span, the ``prisma:`` key of the
front matter for the title and the abstract) become markers in the review PDF
(``manuscript/_filters/prisma-markers.lua``); each item's location is the section heading above its marker, the
page and the numbered lines from the start to the end of the labelled text (for a heading: of its whole section).
An item with no marker is "not reported".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..quarto.review_pdf import Marker, NumberedLine, Position, ReviewPdf, read_review_pdf, review_article
from .standard import Checklist, Item, all_refs, load_checklists

NOT_REPORTED = "Not reported"
#: Section name for the title block, which has no heading in the PDF outline.
FRONT_PAGE = "Title page"


@dataclass(frozen=True)
class Location:
    section: str  # "Methods › Search strategy", "Abstract › Methods"
    first: NumberedLine
    last: NumberedLine

    def text(self) -> str:
        """'Methods › Search strategy: p. 4, lines 68–75' (pages and lines as printed in the review PDF)."""
        pages = (f"p. {self.first.page}" if self.first.page == self.last.page
                 else f"pp. {self.first.page}–{self.last.page}")
        lines = (f"line {self.first.number}" if self.first.number == self.last.number
                 else f"lines {self.first.number}–{self.last.number}")
        return f"{self.section}: {pages}, {lines}"


@dataclass(frozen=True)
class Row:
    item: Item
    locations: tuple[Location, ...]

    @property
    def reported(self) -> bool:
        return bool(self.locations)

    def location_text(self) -> str:
        return "; ".join(loc.text() for loc in self.locations) if self.locations else NOT_REPORTED


@dataclass(frozen=True)
class Resolution:
    """Both checklists with the location of every item, and what went wrong reading the labels."""

    pdf: Path
    checklists: dict[str, Checklist]
    rows: dict[str, tuple[Row, ...]]  # "main" / "abstract" -> one row per item, in checklist order
    problems: tuple[str, ...]

    def row(self, ref: str) -> Row | None:
        return next((r for rows in self.rows.values() for r in rows if r.item.ref == ref), None)

    @property
    def not_reported(self) -> list[Row]:
        return [r for rows in self.rows.values() for r in rows if not r.reported]


def _labelled_spans(pdf: ReviewPdf) -> tuple[list[tuple[Marker, Location]], list[str]]:
    """Each labelled heading, span or front-matter part with its location; problems with unpaired markers."""
    problems: list[str] = []
    out: list[tuple[Marker, Location]] = []
    ends = {m.number: m for m in pdf.markers if m.edge == "end"}
    for marker in pdf.markers:
        if marker.edge == "heading":
            heading = pdf.section_at(marker.position)
            first = pdf.line_at(marker.position)
            last = pdf.last_line_before(pdf.section_end(heading)) if heading else first
            if heading is None or first is None or last is None:
                problems.append(f"a labelled heading on page {marker.position.page} is not in the PDF outline")
                continue
            out.append((marker, Location(heading.path, first, max(first, last, key=lambda ln: ln.number))))
        elif marker.edge == "start":
            end = ends.get(marker.number)
            first = pdf.line_at(marker.position)
            last = pdf.line_at(end.position) if end else None
            if end is None or first is None or last is None:
                problems.append(f"the label of items {' '.join(marker.items)} (page {marker.position.page}) has no "
                                "end in the PDF")
                continue
            section = marker.part or _section_name(pdf, marker.position)
            out.append((marker, Location(section, first, last)))
    return out, problems


def _section_name(pdf: ReviewPdf, position: Position) -> str:
    heading = pdf.section_at(position)
    return heading.path if heading else FRONT_PAGE


def merge_adjacent(locations: list[Location]) -> tuple[Location, ...]:
    """Locations in reading order; those of one section whose lines touch or overlap become one."""
    merged: list[Location] = []
    for loc in sorted(locations, key=lambda loc: (loc.first.number, loc.last.number)):
        prev = merged[-1] if merged else None
        if prev and prev.section == loc.section and loc.first.number <= prev.last.number + 1:
            merged[-1] = Location(prev.section, prev.first, max(prev.last, loc.last, key=lambda ln: ln.number))
        else:
            merged.append(loc)
    return tuple(merged)


def resolve(pdf: ReviewPdf, checklists: dict[str, Checklist] | None = None) -> Resolution:
    """Every item of both checklists with the places the review PDF reports it."""
    checklists = checklists or load_checklists()
    spans, problems = _labelled_spans(pdf)
    if not pdf.markers:
        problems.append(f"{pdf.path.name} carries no PRISMA markers: render it with the review profile "
                        "(make manuscript-review), which runs manuscript/_filters/prisma-markers.lua")
    known = all_refs()
    found: dict[str, list[Location]] = {}
    for marker, location in spans:
        for ref in marker.items:
            if ref not in known:
                problems.append(f"unknown PRISMA item '{ref}' in a label at {location.text()} (items are written "
                                "like 24a for the PRISMA 2020 checklist and A12 for the abstract checklist)")
                continue
            if location not in found.setdefault(ref, []):
                found[ref].append(location)
    rows = {key: tuple(Row(item, merge_adjacent(found.get(item.ref, []))) for item in checklist.items)
            for key, checklist in checklists.items()}
    return Resolution(pdf.path, checklists, rows, tuple(problems))


def resolve_project(root: Path) -> Resolution | None:
    """The checklists located in the project's rendered review PDF; None when it has not been rendered."""
    path = review_article(root, ".pdf")
    return resolve(read_review_pdf(path)) if path is not None else None
