"""Locating checklist items on a made-up review PDF: numbered lines, headings and markers placed by hand."""

from __future__ import annotations

from pathlib import Path

from analysis.checklist.locate import NOT_REPORTED, resolve
from analysis.quarto.review_pdf import Heading, Marker, NumberedLine, Position, ReviewPdf, Word


def _pdf(markers: list[Marker], words: tuple[Word, ...] = ()) -> ReviewPdf:
    """Two pages of 10 numbered lines each (20 pt apart); 'Methods' on line 3, 'Methods › Search' on line 5,
    'Results' on line 14."""
    lines = tuple(NumberedLine(n, 1 + (n - 1) // 10, 100 + 20 * ((n - 1) % 10), 108 + 20 * ((n - 1) % 10))
                  for n in range(1, 21))
    at = {ln.number: ln for ln in lines}
    headings = (Heading(1, "Methods", Position(1, at[3].top - 10), "Methods"),
                Heading(2, "Search", Position(1, at[5].top - 10), "Methods › Search"),
                Heading(1, "Results", Position(2, at[14].top - 10), "Results"))
    return ReviewPdf(Path("review.pdf"), "Title", 2, lines, headings, tuple(markers), words)


def _on(line: int) -> Position:
    """A point on the baseline of numbered line ``line`` of ``_pdf``."""
    return Position(1 + (line - 1) // 10, 106 + 20 * ((line - 1) % 10))


def test_a_span_is_located_from_its_start_to_its_end_line():
    pdf = _pdf([Marker("start", "1", ("24a", "24b"), None, _on(6)), Marker("end", "1", ("24a", "24b"), None, _on(7))])
    r = resolve(pdf)
    assert r.row("24a").location_text() == "Methods › Search: p. 1, lines 6–7"
    assert r.row("24b").location_text() == "Methods › Search: p. 1, lines 6–7"
    assert r.row("24c").location_text() == NOT_REPORTED and not r.row("24c").reported
    assert r.problems == ()


def test_a_labelled_heading_covers_its_section_up_to_the_next_heading_of_its_level():
    # "Methods" (level 1) runs until "Results" on line 14 of page 2; it spans a page break.
    r = resolve(_pdf([Marker("heading", "1", ("5",), None, _on(3))]))
    assert r.row("5").location_text() == "Methods: pp. 1–2, lines 3–13"
    # "Search" (level 2) also ends at "Results": no later heading of level 2 or 1 before it.
    r = resolve(_pdf([Marker("heading", "1", ("6",), None, _on(5))]))
    assert r.row("6").location_text() == "Methods › Search: pp. 1–2, lines 5–13"


def test_front_matter_parts_are_named_by_their_marker_and_adjacent_places_merge():
    r = resolve(_pdf([Marker("start", "1", ("A4",), "Abstract › Methods", _on(1)),
                      Marker("end", "1", ("A4",), "Abstract › Methods", _on(1)),
                      Marker("start", "2", ("13f",), None, _on(8)), Marker("end", "2", ("13f",), None, _on(9)),
                      Marker("start", "3", ("13f",), None, _on(10)), Marker("end", "3", ("13f",), None, _on(10)),
                      Marker("start", "4", ("13f",), None, _on(16)), Marker("end", "4", ("13f",), None, _on(16))]))
    assert r.row("A4").location_text() == "Abstract › Methods: p. 1, line 1"
    assert r.row("13f").location_text() == "Methods › Search: p. 1, lines 8–10; Results: p. 2, line 16"


def test_unknown_items_and_unpaired_markers_are_problems_not_locations():
    r = resolve(_pdf([Marker("start", "1", ("24d",), None, _on(6)), Marker("end", "1", ("24d",), None, _on(6)),
                      Marker("start", "2", ("7",), None, _on(8))]))
    assert any("unknown PRISMA item '24d'" in p for p in r.problems)
    assert any("items 7" in p and "no end" in p for p in r.problems)
    assert not r.row("7").reported


def test_a_pdf_without_markers_is_a_problem():
    r = resolve(_pdf([]))
    assert len(r.not_reported) == 54
    assert any("no PRISMA markers" in p for p in r.problems)
