"""Render the manuscript with Quarto and inspect HTML, DOCX and PDF. Skipped when Quarto is not installed.

By default the project is copied to a scratch folder and rendered there (about a minute). Set
``MANUSCRIPT_RENDERED_DIR`` to a project folder that has just been rendered (e.g. in CI after
``quarto render``) to inspect its ``_manuscript/`` instead.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.manuscript_project import copy_project

QUARTO = shutil.which("quarto")
pytestmark = pytest.mark.skipif(
    QUARTO is None, reason="Quarto not installed: install Quarto >= 1.5 from https://quarto.org/docs/get-started/ "
                           "to run the render tests")

AUTHORS = ["Jing Shen", "Jingyi Zhang", "Zhengyu Zhu", "Haobo Ma", "Xiayan Li", "Junpeng Zhang", "Fan Zhou",
           "Hua Tian", "Jinghua Liu"]
UNRESOLVED = re.compile(r"\?var:|\?meta:|\?@(?:fig|tbl)-|\{\{<|\{\{&lt;|\?invalid var")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """(project root, render log)."""
    given = os.environ.get("MANUSCRIPT_RENDERED_DIR")
    if given:
        return Path(given), ""
    root = copy_project(tmp_path_factory.mktemp("render") / "project")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "QUARTO_PYTHON": sys.executable}
    result = subprocess.run([QUARTO, "render"], cwd=root, env=env, capture_output=True, text=True, timeout=900)
    log = result.stdout + result.stderr
    assert result.returncode == 0, f"quarto render failed:\n{log[-5000:]}"
    return root, log


def output(root: Path, suffix: str) -> Path:
    found = sorted((root / "_manuscript").rglob(f"index{suffix}"))
    assert found, f"no index{suffix} under {root / '_manuscript'}"
    return found[0]


def variables(root: Path) -> dict:
    return yaml.safe_load((root / "_variables.yml").read_text())


def test_render_log_has_no_unresolved_references(rendered: tuple[Path, str]) -> None:
    _, log = rendered
    for warning in ("Unknown var", "Unknown meta", "Unable to resolve crossref", "Citeproc: citation"):
        assert not [line for line in log.splitlines() if "WARN" in line and warning in line], log[-3000:]


def test_html(rendered: tuple[Path, str]) -> None:
    root, _ = rendered
    html = output(root, ".html").read_text(encoding="utf-8")
    assert not UNRESOLVED.findall(html)
    title = re.search(r'<meta name="citation_title" content="([^"]*)"', html)
    assert title and title.group(1).startswith("CD20")
    for name in AUTHORS:
        assert name in html
    assert variables(root)["orr"]["mono"]["est_ci"] in html


def test_docx_title_block_tables_and_text(rendered: tuple[Path, str]) -> None:
    docx = pytest.importorskip("docx")
    root, _ = rendered
    document = docx.Document(str(output(root, ".docx")))  # opening it validates the package structure
    head = "\n".join(p.text for p in document.paragraphs[:40])
    missing = [name for name in AUTHORS if name not in head]
    assert not missing, f"authors missing from the DOCX title block: {missing}"
    assert len(document.tables) >= 2
    cells = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert "Chong 2025" in cells and "11 (40.7)" in cells
    body = "\n".join(p.text for p in document.paragraphs)
    assert not UNRESOLVED.findall(body + cells)
    assert variables(root)["orr"]["mono"]["est_ci"] in body


def test_pdf_text(rendered: tuple[Path, str], tmp_path: Path) -> None:
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext (poppler-utils) not installed: cannot read the PDF text")
    root, _ = rendered
    target = tmp_path / "index.txt"
    subprocess.run([pdftotext, "-layout", str(output(root, ".pdf")), str(target)], check=True)
    text = target.read_text(encoding="utf-8", errors="replace")
    assert "bispecific" in text and "Jinghua Liu" in text
    assert not UNRESOLVED.findall(text)
    assert variables(root)["orr"]["mono"]["est"] in text


def test_docx_xml_has_no_known_caption_defects(rendered: tuple[Path, str]) -> None:
    """Defects that make Word 'repair' a file (quarto-cli issues 10587, 12154): a paragraph with two
    <w:pPr>, or a nested table not followed by a paragraph."""
    import zipfile
    from xml.etree import ElementTree

    root, _ = rendered
    with zipfile.ZipFile(output(root, ".docx")) as z:
        xml = z.read("word/document.xml")
    ns = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}
    tree = ElementTree.fromstring(xml)
    doubled = [p for p in tree.iter(f"{{{ns['w']}}}p") if len(p.findall("w:pPr", ns)) > 1]
    assert not doubled, f"{len(doubled)} paragraph(s) with more than one <w:pPr>"
    for cell in tree.iter(f"{{{ns['w']}}}tc"):
        children = list(cell)
        for i, child in enumerate(children):
            if child.tag == f"{{{ns['w']}}}tbl":
                assert i + 1 < len(children) and children[i + 1].tag == f"{{{ns['w']}}}p", \
                    "a table nested in a cell must be followed by a paragraph"


def test_figures_resolve_to_each_formats_image_extension(rendered: tuple[Path, str]) -> None:
    """index.qmd names figures without an extension; the web page must use the PNG (default-image-extension of
    html in _quarto.yml), and no figure may be left without a file."""
    root, _ = rendered
    html = output(root, ".html").read_text(encoding="utf-8")
    sources = re.findall(r'<img[^>]+src="([^"]*figure[^"]*)"', html)
    assert sources and all(src.endswith(".png") for src in sources), sources
    assert "figure1_prisma.png" in " ".join(sources)
