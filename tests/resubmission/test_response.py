"""The response-to-reviewers skeleton of `make diff`, on the rendered scratch copy of the project.

The revised build is a copy of `rendered_project`; the earlier submission is the same build with a manuscript value,
a number of the abstract, a table cell and two figure files changed by hand (one figure redrawn, one only re-saved
with other metadata), stored as a snapshot. Each row must point to the line of the revised review PDF that shows
the new value, checked here by reading the PDF directly.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from docx import Document
from PIL import Image, PngImagePlugin

from analysis.cli import main
from analysis.io import sha256_pixels
from analysis.quarto.review_pdf import review_article
from analysis.resubmission.response import NOT_FOUND
from analysis.resubmission.snapshot import create_snapshot
from tests.manuscript_project import Rendered
from tests.submission.test_submission import _line_words

COPIED = ("build", "_variables.yml", "manuscript", "data", "_manuscript-review")


def _copy(source: Path, dest: Path) -> Path:
    dest.mkdir(parents=True)
    for name in COPIED:
        path = source / name
        (shutil.copytree if path.is_dir() else shutil.copy2)(path, dest / name)
    return dest


def _earlier_submission(revised: Path, folder: Path) -> None:
    """The revised build as it was before: other values in four places."""
    base = _copy(revised, folder)
    variables = yaml.safe_load((base / "_variables.yml").read_text(encoding="utf-8"))
    variables["orr"]["mono"]["est_ci"] = "50.0% (95% CI 40.0–60.0%)"
    (base / "_variables.yml").write_text(yaml.safe_dump(variables, allow_unicode=True), encoding="utf-8")
    abstract = base / "build" / "abstract.yml"
    text = abstract.read_text(encoding="utf-8")
    pooled = f"the pooled ORR was {variables['orr']['mono']['est']}"  # the monotherapy estimate, as the abstract words it
    assert pooled in text
    abstract.write_text(text.replace(pooled, "the pooled ORR was 50.0%", 1), encoding="utf-8")
    table = base / "build" / "tables" / "table2.md"
    text = table.read_text(encoding="utf-8")
    assert text.count("11 (40.7)") == 1
    table.write_text(text.replace("11 (40.7)", "12 (44.4)"), encoding="utf-8")
    with Image.open(base / "build" / "figures" / "figure3_forest_orr.png") as im:
        drawn = im.copy()
    drawn.putpixel((10, 10), (255, 0, 0, 255))
    drawn.save(base / "build" / "figures" / "figure3_forest_orr.png")
    sidecar = base / "build" / "figures" / "figure3_forest_orr.json"  # the earlier build recorded what it drew
    record = json.loads(sidecar.read_text(encoding="utf-8"))
    record["content"]["pixels_sha256"] = sha256_pixels(base / "build" / "figures" / "figure3_forest_orr.png")
    sidecar.write_text(json.dumps(record), encoding="utf-8")
    with Image.open(base / "build" / "figures" / "figure1_prisma.png") as im:
        info = PngImagePlugin.PngInfo()
        info.add_text("Comment", "an earlier build")
        im.save(base / "build" / "figures" / "figure1_prisma.png", pnginfo=info)
    create_snapshot(base, "submission-1")
    shutil.move(base / "_snapshots", revised / "_snapshots")


@pytest.fixture(scope="module")
def response(rendered_project: Rendered,
             tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[list[list[str]]]]:
    work = tmp_path_factory.mktemp("response")
    revised = _copy(rendered_project.root, work / "revised")
    _earlier_submission(revised, work / "earlier")
    assert main(["diff", "submission-1", "--root", str(revised), "--no-build"]) == 0
    document = Document(str(revised / "build" / "diff" / "response.docx"))
    return revised, [[[c.text for c in row.cells] for row in table.rows] for table in document.tables]


def _where(text: str) -> tuple[int, int]:
    page, line = text.replace("p. ", "").replace(" line ", "").split(",")[-2:]
    return int(page.split(": ")[-1]), int(line)


def _shows(revised: Path, where: str, word: str) -> bool:
    page, number = _where(where)
    line = type("Line", (), {"page": page, "number": number})()
    return word in _line_words(review_article(revised, ".pdf"), line)


def test_a_changed_value_points_to_the_line_that_prints_it(response) -> None:  # type: ignore[no-untyped-def]
    revised, tables = response
    text_rows = tables[0]
    assert text_rows[0] == ["No.", "Change", "Old", "New", "Revised manuscript", "Reply to the reviewers"]
    new = yaml.safe_load((revised / "_variables.yml").read_text(encoding="utf-8"))["orr"]["mono"]["est_ci"]
    (row,) = [r for r in text_rows[1:] if r[1].startswith("orr.mono.est_ci")]
    assert row[2:4] == ["50.0% (95% CI 40.0–60.0%)", new] and "Primary outcomes" in row[1]
    assert row[4] != NOT_FOUND and _shows(revised, row[4], new.split()[0])


def test_the_abstract_table_cells_and_redrawn_figures_are_located(response) -> None:  # type: ignore[no-untyped-def]
    revised, tables = response
    (abstract,) = tables[1][1:]
    assert abstract[1:4] == ["Abstract", "50.0%", "54.5%"]
    page, _ = _where(abstract[4])
    assert page <= 2 and _shows(revised, abstract[4], "54.5%")
    (cell,) = tables[2][1:]
    assert cell[1:4] == ["Table 2: Chong 2025 / ORR, n (%)", "12 (44.4)", "11 (40.7)"]
    assert cell[4].startswith("Table 2 caption: ") and _shows(revised, cell[4], "Table")
    # Figure 1 differs only in its file metadata: a reader sees nothing new, so it is not listed.
    (figure,) = tables[3][1:]
    assert figure[1] == "Figure 3 (figure3_forest_orr)" and figure[4].startswith("Figure 3 caption: ")
    assert _shows(revised, figure[4], "Figure")


def test_every_row_leaves_the_reply_to_the_authors(response) -> None:  # type: ignore[no-untyped-def]
    _, tables = response
    numbers = [row[0] for table in tables for row in table[1:]]
    assert numbers == [str(n) for n in range(1, len(numbers) + 1)]
    assert all(row[5] == "" for table in tables for row in table[1:])
