"""The submission package and the PRISMA 2020 checklists, on rendered scratch copies of the project.

`rendered_project` (tests/manuscript_project.py) is the project as it is; `edited` is a second copy, rendered with
the review profile only, in which the Methods section "Outcomes" has been moved after "Statistical analysis" and the
sentence that reports the registration has been deleted. Locations are checked against the PDF itself, read here
with PyMuPDF: the numbered line a checklist names must show the labelled text.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from pathlib import Path

import pymupdf
import pytest
from docx import Document
from docx.oxml.ns import qn
from PIL import Image

from analysis.checklist.locate import Location, resolve_project
from analysis.cli import main
from analysis.quarto.review_pdf import review_article
from analysis.submission.package import SubmissionError, build_package
from tests.checklist.test_standard import PUBLISHED_ABSTRACT, PUBLISHED_MAIN
from tests.manuscript_project import QUARTO, Rendered, build, copy_project, quarto_render

REGISTRATION = re.compile(r"^\[The review protocol was registered in .*\]\{prisma=\"24a 24b\"\}\n", re.M)


def _move_outcomes_after_statistical_analysis(text: str) -> str:
    start, stats, results = text.index("### Outcomes"), text.index("### Statistical analysis"), text.index("## Results")
    outcomes = text[start:stats]
    return text[:start] + text[stats:results] + outcomes + text[results:]


@pytest.fixture(scope="module")
def edited(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if QUARTO is None:
        pytest.skip("Quarto not installed")
    root = copy_project(tmp_path_factory.mktemp("edited") / "project")
    article = root / "manuscript" / "index.qmd"
    text = article.read_text(encoding="utf-8")
    assert len(REGISTRATION.findall(text)) == 1
    article.write_text(_move_outcomes_after_statistical_analysis(REGISTRATION.sub("", text)), encoding="utf-8")
    build(root)
    quarto_render(root, "--profile", "review")
    return root


def _line_words(pdf_path: Path, location_line) -> list[str]:  # type: ignore[no-untyped-def]
    """The words printed on a numbered line, found by the line number in the left margin (read here directly)."""
    with pymupdf.open(pdf_path) as doc:
        words = doc[location_line.page - 1].get_text("words")
    number = next(w for w in words if w[4] == str(location_line.number) and w[2] < 60)
    centre = (number[1] + number[3]) / 2
    return [w[4] for w in words if w[0] > 60 and w[1] <= centre <= w[3]]


def _first(root: Path, ref: str) -> Location:
    resolution = resolve_project(root)
    assert resolution is not None and resolution.problems == ()
    return resolution.row(ref).locations[0]


# ------------------------------------------------------------------------------------------------ the checklists

def test_every_item_is_located_on_the_line_that_shows_it(rendered_project: Rendered) -> None:
    root = rendered_project.root
    pdf = review_article(root, ".pdf")
    resolution = resolve_project(root)
    assert resolution.problems == ()
    assert [r.item.number for r in resolution.rows["main"]] == PUBLISHED_MAIN
    assert [r.item.number for r in resolution.rows["abstract"]] == PUBLISHED_ABSTRACT
    expected_words = {"24a": "registered", "27": "Data", "4": "We", "A12": "registration:", "1": "CD20×CD3",
                      "10a": "Outcomes", "3": "Introduction"}
    for ref, word in expected_words.items():
        location = resolution.row(ref).locations[0]
        assert word in _line_words(pdf, location.first), (ref, location.text())
    assert resolution.row("10a").locations[0].section == "Methods › Outcomes"
    assert resolution.row("A12").locations[0].section == "Abstract › Systematic review registration"
    # Items the manuscript leaves out, as the issue lists them, are not given a location.
    for ref in ("15", "22", "24c", "26", "11"):
        assert not resolution.row(ref).reported, ref


def test_moving_a_section_moves_its_reported_location(rendered_project: Rendered, edited: Path) -> None:
    before_outcomes, before_stats = _first(rendered_project.root, "10a"), _first(rendered_project.root, "13d")
    after_outcomes, after_stats = _first(edited, "10a"), _first(edited, "13d")
    assert before_outcomes.first.number < before_stats.first.number
    assert after_outcomes.first.number > after_stats.first.number
    assert after_outcomes.section == "Methods › Outcomes"
    assert "Outcomes" in _line_words(review_article(edited, ".pdf"), after_outcomes.first)


def test_deleting_the_registration_sentence_leaves_item_24a_not_reported_and_warned(
        rendered_project: Rendered, edited: Path) -> None:
    assert resolve_project(rendered_project.root).row("24a").reported
    resolution = resolve_project(edited)
    assert not resolution.row("24a").reported
    assert resolution.row("24a").location_text() == "Not reported"
    assert resolution.row("A12").reported  # the abstract still names the registry

    assert main(["check", "--root", str(edited), "--no-build", "--only", "checklist"]) == 0  # warnings only
    findings = json.loads((edited / "build" / "audit.json").read_text())
    warned = [f for f in findings if f["rule"] == "checklist.not-reported" and "item 24a " in f["claim"]]
    assert len(warned) == 1 and warned[0]["severity"] == "warning"
    assert main(["check", "--root", str(edited), "--no-build", "--only", "checklist", "--strict"]) == 1


# ----------------------------------------------------------------------------------------------------- the package

@pytest.fixture(scope="module")
def package(rendered_project: Rendered, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("package") / "submission"
    assert main(["submission", "--root", str(rendered_project.root), "--no-build", "--out", str(out)]) == 0
    return out


def test_the_package_holds_what_the_journal_asks_for(package: Path) -> None:
    names = sorted(p.relative_to(package).as_posix() for p in package.rglob("*") if p.is_file())
    assert names == sorted([
        "Manuscript.pdf", "Manuscript.docx", "Manuscript-meca.zip", "README.txt", "manifest.json",
        *[f"figures/Figure{n}.{ext}" for n in range(1, 6) for ext in ("tif", "jpg")],
        "tables/Table1.docx", "tables/Table2.docx",
        *[f"checklists/PRISMA2020_{kind}checklist.{ext}" for kind in ("", "abstract_") for ext in ("docx", "pdf")]])
    manifest = json.loads((package / "manifest.json").read_text())
    with zipfile.ZipFile(package.with_suffix(".zip")) as archive:
        zipped = {n.split("/", 1)[1]: archive.read(n) for n in archive.namelist()}
    assert sorted(zipped) == names
    assert set(manifest["files"]) == set(names) - {"manifest.json"}
    with zipfile.ZipFile(package / "Manuscript-meca.zip") as meca:
        inside = meca.namelist()
        manifest_xml = meca.read("manifest.xml").decode()
    assert {"manifest.xml", "manuscript/index.xml", "manuscript/index.docx"} <= set(inside)
    assert 'item-type="article-metadata"' in manifest_xml and "manuscript/index.docx" in manifest_xml
    with pymupdf.open(package / "Manuscript.pdf") as doc:
        assert doc.page_count > 10


def test_figures_are_85_or_180_mm_wide_at_300_dpi_in_tiff_and_jpeg(package: Path) -> None:
    for n in range(1, 6):
        for ext in ("tif", "jpg"):
            with Image.open(package / "figures" / f"Figure{n}.{ext}") as im:
                dpi = im.info["dpi"][0]
                width_mm = im.width / dpi * 25.4
                assert round(dpi) == 300 and im.mode == "RGB", (n, ext)
                assert min(abs(width_mm - 85), abs(width_mm - 180)) < 0.5, (n, ext, width_mm)
                assert im.height / dpi * 25.4 < 247
    with Image.open(package / "figures" / "Figure1.tif") as im:
        assert round(im.width / im.info["dpi"][0] * 25.4) == 85  # the PRISMA flow diagram: one column
        assert im.info.get("compression") == "tiff_lzw"


def test_each_table_is_its_own_word_file_with_the_legend_above(package: Path) -> None:
    for n in (1, 2):
        document = Document(str(package / "tables" / f"Table{n}.docx"))
        body = document.element.body
        inner = [t for t in body.iter(qn("w:tbl")) if t.find(f".//{qn('w:tbl')}") is None]
        assert len(inner) == 1
        caption = inner[0].getprevious()
        assert "".join(t.text or "" for t in caption.iter(qn("w:t"))).startswith(f"Table\u00a0{n}:")
        assert "".join(t.text or "" for t in inner[0].iter(qn("w:t"))).startswith("Reference")
        assert not list(body.iter(qn("w:lnNumType"))) and not list(body.iter(qn("w:drawing")))
    assert Document(str(package / "tables" / "Table1.docx")).sections[-1].orientation == 1  # landscape


def test_the_checklist_documents_cover_every_item(package: Path) -> None:
    summary = json.loads((package / "manifest.json").read_text())["checklists"]
    for kind, published, header in (("", PUBLISHED_MAIN, "Location where item is reported"),
                                    ("abstract_", PUBLISHED_ABSTRACT, "Reported (Yes/No)")):
        table = Document(str(package / "checklists" / f"PRISMA2020_{kind}checklist.docx")).tables[0]
        rows = [[c.text for c in r.cells] for r in table.rows]
        assert rows[0] == ["Section and Topic", "Item #", "Checklist item", header]
        items = [r for r in rows[1:] if len(set(r)) > 1]  # section rows are one cell merged across the table
        assert [r[1] for r in items] == published
        assert all(r[3] for r in items)
        expected = {e["item"].lstrip("A"): e for e in summary["main" if not kind else "abstract"]}
        for r in items:
            entry = expected[r[1]]
            if kind:
                assert (r[3] == "No") == (not entry["reported"]), r
            else:
                assert r[3] == entry["location"], r
        with pymupdf.open(package / "checklists" / f"PRISMA2020_{kind}checklist.pdf") as doc:
            text = " ".join(" ".join(page.get_text().split()) for page in doc)
        for r in items:
            assert " ".join(r[2].split()[:6]) in text, r[1]
        assert "CC BY 4.0" in text and "BMJ 2021;372:n71" in text


def test_a_render_older_than_its_sources_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "_manuscript-review"
    (out / "manuscript").mkdir(parents=True)
    for name in ("manuscript/index.pdf", "manuscript/index.docx", "index-meca.zip"):
        (out / name).write_bytes(b"rendered")
    source = tmp_path / "manuscript" / "index.qmd"
    source.parent.mkdir()
    source.write_text("edited after the render\n")
    os.utime(source, (out.stat().st_mtime + 60, out.stat().st_mtime + 60))
    with pytest.raises(SubmissionError, match=r"older than 1 of its inputs \(e.g. manuscript/index.qmd\)"):
        build_package(tmp_path)
    (out / "index-meca.zip").unlink()
    with pytest.raises(SubmissionError, match="not rendered: index-meca.zip"):
        build_package(tmp_path)
