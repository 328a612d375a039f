"""Finding printed text in the review PDF: typography and line breaks do not hide a phrase."""

from __future__ import annotations

from pathlib import Path

from analysis.quarto.review_pdf import NumberedLine, Position, ReviewPdf, Word, normalise_text


def _pdf(words: list[tuple[str, int, float]]) -> ReviewPdf:
    lines = (NumberedLine(1, 1, 95, 105), NumberedLine(2, 1, 115, 125), NumberedLine(3, 2, 95, 105))
    return ReviewPdf(Path("x.pdf"), "", 2, lines, (), (), tuple(Word(t, Position(p, y)) for t, p, y in words))


def test_a_range_broken_after_its_dash_is_found_at_its_first_word():
    pdf = _pdf([("pooled", 1, 100), ("ORR", 1, 100), ("64.9%", 1, 100), ("(95%", 1, 100), ("CI", 1, 100),
                ("55.5–", 1, 120), ("73.8%)", 1, 120), ("and", 1, 120)])
    hits = pdf.find("64.9% (95% CI 55.5–73.8%)")
    assert hits == [Position(1, 100)]
    assert pdf.line_at(hits[0]).number == 1


def test_typographic_variants_match_plain_text_and_hits_respect_the_range():
    pdf = _pdf([("Egger’s", 1, 100), ("test", 1, 100), ("P", 1, 100), ("=", 1, 100), ("0.579", 1, 120),
                ("Egger's", 2, 100), ("test", 2, 100)])
    assert pdf.find("Egger's test") == [Position(1, 100), Position(2, 100)]
    assert pdf.find("Egger's test", start=Position(2, 0)) == [Position(2, 100)]
    assert pdf.find("test P = 0.579") == [Position(1, 100)]
    assert pdf.find("0.578") == []
    assert normalise_text("I²\u00a0=\u200968.2%  –  x") == "I2 = 68.2% - x"
