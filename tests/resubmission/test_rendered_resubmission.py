"""A resubmission as an author makes one, with Quarto: snapshot the rendered submission, change the data, render
again, diff. The change renames a trial's first author to a name full of markup characters and corrects its
ORR (11 -> 13 of 27), so one render checks both that the label prints as written in the web page, DOCX and PDF,
and that the marked-up manuscript and the change report cover the rendered article.

Expected structure is read off the rendered HTML with lxml here, never from the code under test. Skipped, with
the reason, where Quarto is not installed.
"""

from __future__ import annotations

import csv
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import lxml.html
import pymupdf
import pytest
from docx import Document

from analysis.cli import main
from analysis.resubmission.snapshot import create_snapshot
from tests.manuscript_project import Rendered, quarto_render

FIRST_AUTHOR = "O'Brien <b>&_#% $x$"
LABEL = f"{FIRST_AUTHOR} 2025"  # Chong 2025 renamed
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@dataclass(frozen=True)
class Resubmission:
    root: Path
    diff: Path  # build/diff


def _edit_chong(data_dir: Path) -> None:
    path = data_dir / "trials.csv"
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    row = next(r for r in rows if r["study_id"] == "chong2025")
    assert (row["first_author"], row["year"], row["n_patients"], row["orr_events"]) == ("Chong", "2025", "27", "11")
    row.update(first_author=FIRST_AUTHOR, orr_events="13")
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def resubmission(rendered_project: Rendered, tmp_path_factory: pytest.TempPathFactory) -> Resubmission:
    root = tmp_path_factory.mktemp("resubmission") / "project"
    shutil.copytree(rendered_project.root, root, ignore=shutil.ignore_patterns(".git", ".quarto", "_snapshots",
                                                                               "_manuscript-review"))
    create_snapshot(root, "submission-1")
    _edit_chong(root / "data")
    quarto_render(root)  # the journal profile: web page, DOCX and PDF
    assert main(["diff", "submission-1", "--root", str(root), "--no-build"]) == 0
    return Resubmission(root, root / "build" / "diff")


def _html(path: Path) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(path.read_text(encoding="utf-8"))


def _article(root: Path, suffix: str) -> Path:
    return root / "_manuscript" / "manuscript" / f"index{suffix}"


def test_the_label_prints_as_written_in_the_web_page_docx_and_pdf(resubmission: Resubmission) -> None:
    page = _html(_article(resubmission.root, ".html"))
    table1 = page.xpath("//div[@id='tbl-characteristics']//table")[0]
    cell = table1.xpath(".//tbody/tr[1]/td[1]")[0]
    assert cell.text_content().startswith(LABEL + " ")  # then the citation number
    assert cell.xpath(".//b") == [] and "’" not in cell.text_content()  # no element, no curly quote

    document = Document(str(_article(resubmission.root, ".docx")))
    cells = ["".join(t.text or "" for t in cell.iter(f"{W}t")) for cell in document.element.body.iter(f"{W}tc")]
    assert sum(c.startswith(LABEL + " ") for c in cells) == 2, [c for c in cells if "Brien" in c]  # Tables 1, 2

    with pymupdf.open(_article(resubmission.root, ".pdf")) as pdf:
        text = " ".join(" ".join(p.get_text().split()) for p in pdf)
    assert text.count(LABEL) >= 2  # Tables 1 and 2
    assert FIRST_AUTHOR.replace("'", "’") not in text


def test_the_marked_up_manuscript_covers_the_rendered_article(resubmission: Resubmission) -> None:
    rendered = _html(_article(resubmission.root, ".html"))
    main_part = rendered.xpath("//main")[0]
    sections = [h.text_content().strip() for h in main_part.xpath(".//section[contains(@class, 'level2')]/h2")]
    subsections = [h.text_content().strip() for h in main_part.xpath(".//section[contains(@class, 'level3')]/h3")]
    tables = main_part.xpath(".//table")

    markup = _html(resubmission.diff / "markup.html").xpath("//article")[0]
    assert markup.xpath("string(./h1)") == rendered.xpath("string(//h1[@class='title'])").strip()
    assert [h.text_content() for h in markup.xpath("./h2")] == ["Abstract", *sections]
    assert [h.text_content() for h in markup.xpath("./h3")] == subsections
    marked_tables = markup.xpath(".//table")
    assert [len(t.xpath(".//tr")) for t in marked_tables] == [len(t.xpath(".//tr")) for t in tables]
    results = markup.xpath("./p[strong[text()='Results:']]")[0]  # the abstract, word by word
    # the single-cohort ORR range under monotherapy, whose lower end is Chong's rate
    assert results.xpath("string(.//del)") == "40.7–76.1%" and results.xpath("string(.//ins)") == "48.1–76.1%"
    table2_row = marked_tables[1].xpath(".//tbody/tr[1]")[0]
    assert table2_row.xpath("string(./td[1]/del)") == "Chong"  # the year stays
    assert table2_row.xpath("string(./td[1]/ins)") == FIRST_AUTHOR
    assert table2_row.xpath("string(./td[last()-1]/del)") == "11 (40.7)"
    assert table2_row.xpath("string(./td[last()-1]/ins)") == "13 (48.1)"

    docx = Document(str(resubmission.diff / "markup.docx"))
    headings = [p for p in docx.paragraphs if p.style.name.startswith("Heading")]
    assert [p.style.name for p in headings].count("Heading 1") == len(sections) + 1  # and the abstract
    assert [p.style.name for p in headings].count("Heading 2") == len(subsections)
    assert len(docx.tables) == len(tables)
    assert docx.element.body.find(f".//{W}ins") is not None and docx.element.body.find(f".//{W}del") is not None


def test_the_change_report_names_what_changed(resubmission: Resubmission) -> None:
    report = (resubmission.diff / "changes.md").read_text(encoding="utf-8")
    figures = report[report.index("## Figures"):report.index("## All results")]
    assert "figure1_prisma" not in figures  # the PRISMA counts did not change: not redrawn, not reported
    forest = next(line for line in figures.splitlines() if line.startswith("| figure3_forest_orr |"))
    assert "Chong 2025" in forest and LABEL in forest and "13/27" in forest
    page = _html(resubmission.diff / "changes.html")
    abstract = page.xpath("//div[@class='abstract']")[0]
    assert [d.text for d in abstract.xpath(".//del")][:1] == ["40.7–76.1%"]
    assert not re.search(r"\*\*\w", abstract.text_content())
