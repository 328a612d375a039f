"""The audit on our own rendered article (web page, DOCX, PDF): no false alarm, and every planted fault caught.

Faults are planted in a copy of the real render, inside real paragraphs of each format: a number typed into the
prose, a ``?var:`` marker Quarto prints for an unknown variable, and inputs newer than the render."""

from __future__ import annotations

import os
import re
import shutil
import time
import zipfile
from pathlib import Path

import pytest

from analysis.audit import load_context, run_audit
from analysis.audit.model import MISMATCH, exit_code
from analysis.quarto.prose import article_prose
from tests.manuscript_project import Rendered

FORMATS = (".html", ".docx", ".pdf")
PLANTED = "61.3%"


def article(root: Path, suffix: str) -> Path:
    return root / "_manuscript" / "manuscript" / f"index{suffix}"


def manuscript_findings(root: Path) -> list:
    return run_audit(load_context(root), ["manuscript", "journal"])


def planted_findings(root: Path) -> list:
    """Problems found after planting a fault. Planting rewrites an output after its render, which the render
    record rightly reports (rule manuscript.render-current, tested in tests/audit); here only the text rules count."""
    return [f for f in manuscript_findings(root) if f.outcome == MISMATCH and f.rule != "manuscript.render-current"]


def test_no_false_alarm_on_our_own_render(rendered_project: Rendered) -> None:
    findings = manuscript_findings(rendered_project.root)
    problems = [(f.rule, f.location, f.evidence.reported, f.explanation[:150]) for f in findings if f.is_problem]
    assert problems == []
    assert exit_code(findings, strict=True) == 0  # STRICT=1 make check --scope manuscript passes
    checked = {f.location.split(" -> ")[-1] for f in findings if f.rule == "manuscript.variable-present"}
    assert {Path(p).suffix for p in checked} == set(FORMATS)  # every format was read


def test_prose_leaves_out_front_matter_references_and_citation_numbers(rendered_project: Rendered) -> None:
    for suffix in FORMATS:
        prose = article_prose(article(rendered_project.root, suffix))
        text = prose.text
        first = next(b for b in prose.blocks if b != "Abstract")  # the PDF keeps the abstract's heading
        assert first.startswith("Objective:"), (suffix, first[:80])  # title block left out
        assert "Large B-cell lymphoma (LBCL) covers" in text
        assert "mtljh7646" not in text and "doi" not in text.lower() and "10.1182" not in text, suffix
        # citation markers and cross-reference labels are markup of the formats, not prose
        assert "(5,6)" not in text and "(8,10–12,14)" not in text and "(Figure" not in text, suffix
        assert "Miller's" in text and "Miller\u2019s" not in text  # typographic quotes made plain


def _copy(rendered: Rendered, tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(rendered.root, root, symlinks=True, ignore=shutil.ignore_patterns(".quarto", "_manuscript-review"))
    return root


def _plant_html(path: Path, words: str) -> None:
    html = path.read_text(encoding="utf-8")
    assert "Large B-cell lymphoma (LBCL) covers" in html
    path.write_text(html.replace("Large B-cell lymphoma (LBCL) covers", f"Large B-cell lymphoma (LBCL), {words}, covers",
                                 1), encoding="utf-8")


def _plant_docx(path: Path, words: str) -> None:
    with zipfile.ZipFile(path) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    xml = parts["word/document.xml"].decode("utf-8")
    assert "Large B-cell lymphoma (LBCL) covers" in xml
    parts["word/document.xml"] = xml.replace("Large B-cell lymphoma (LBCL) covers",
                                             f"Large B-cell lymphoma (LBCL), {words}, covers", 1).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def _plant_pdf(path: Path, words: str) -> None:
    import pymupdf

    with pymupdf.open(path) as document:
        page = document[1]  # the second page: running text, after the title block and before the references
        page.insert_text((90, 400), f"as typed: {words}", fontsize=9)
        document.save(path.with_suffix(".tmp.pdf"))
    path.with_suffix(".tmp.pdf").replace(path)


PLANT = {".html": _plant_html, ".docx": _plant_docx, ".pdf": _plant_pdf}


def _keep_fresh(root: Path) -> None:
    """Planting rewrote the outputs; date them as the render was, so only the planted fault shows."""
    later = time.time() + 30
    for suffix in FORMATS:
        os.utime(article(root, suffix), (later, later))


@pytest.mark.parametrize("suffix", FORMATS)
def test_a_hand_typed_number_is_caught_in_every_format(rendered_project: Rendered, tmp_path: Path,
                                                       suffix: str) -> None:
    root = _copy(rendered_project, tmp_path)
    PLANT[suffix](article(root, suffix), f"seen in {PLANTED} of cases")
    _keep_fresh(root)
    bad = planted_findings(root)
    assert [(f.rule, f.evidence.reported, Path(f.location).suffix) for f in bad] == \
        [("manuscript.unknown-number", "61.3", suffix)]
    assert bad[0].severity == "warning" and exit_code(bad, strict=True) == 1


@pytest.mark.parametrize("suffix", FORMATS)
def test_an_unresolved_variable_is_caught_in_every_format(rendered_project: Rendered, tmp_path: Path,
                                                          suffix: str) -> None:
    root = _copy(rendered_project, tmp_path)
    PLANT[suffix](article(root, suffix), "?var:orr.mono.estimate")
    _keep_fresh(root)
    bad = planted_findings(root)
    assert [(f.rule, f.evidence.reported, f.severity) for f in bad] == \
        [("manuscript.unresolved-variable", "?var:orr.mono.estimate", "error")]


def test_a_stale_render_is_caught_in_every_format(rendered_project: Rendered, tmp_path: Path) -> None:
    root = _copy(rendered_project, tmp_path)
    later = time.time() + 60
    os.utime(root / "data" / "trials.csv", (later, later))
    stale = [f for f in manuscript_findings(root) if f.rule == "manuscript.fresh" and f.outcome == MISMATCH]
    assert sorted(Path(f.location).suffix for f in stale) == sorted(FORMATS)
    assert all("data/trials.csv" in f.evidence.computed for f in stale)


# ----------------------------------------------------------------------------- the reference list as printed

def _reference_lists(root: Path) -> dict[str, str]:
    import pymupdf

    html = article(root, ".html").read_text(encoding="utf-8")
    refs_html = html[html.index('id="refs"'):html.index("</section>", html.index('id="refs"'))]
    with zipfile.ZipFile(article(root, ".docx")) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    docx = " ".join("".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", p))
                    for p in re.findall(r"<w:p>(?:(?!</w:p>).)*?Bibliography.*?</w:p>", xml, re.S))
    with pymupdf.open(article(root, ".pdf")) as document:
        toc = document.get_toc(simple=False)
        start = next(i for i, e in enumerate(toc) if e[1] == "References")
        first, last = toc[start][3], toc[start + 1][3]
        pages = []
        for index in range(first["page"], last["page"] + 1):
            top = first["to"].y if index == first["page"] else 0
            bottom = last["to"].y if index == last["page"] else document[index].rect.height
            pages.append(document[index].get_text(clip=pymupdf.Rect(0, top, 10_000, bottom)))
    return {"html": re.sub(r"<[^>]+>", "", refs_html), "docx": docx, "pdf": " ".join(pages)}


def test_reference_lists_print_no_placeholder_dangling_volume_or_glued_year(rendered_project: Rendered) -> None:
    for fmt, text in _reference_lists(rendered_project.root).items():
        flat = " ".join(text.split())
        assert "Brody et al. Blood (2025) 145." in flat, fmt
        assert "[" not in flat and "not verified" not in flat, fmt
        assert not re.search(r"\d:(?:\s|$|\.)", flat), (fmt, re.search(r".{40}\d:(?:\s|$|\.)", flat))
        assert not re.search(r"\(\d{4}\)\d", flat), fmt
        assert "CD20×CD3 bispecific antibody achieved" in flat, fmt


def test_the_web_page_shows_reference_titles_without_a_cdn(rendered_project: Rendered) -> None:
    html = article(rendered_project.root, ".html").read_text(encoding="utf-8")
    assert not re.search(r"mathjax|katex", html, re.I)  # no maths engine, so nothing to fetch for a title
    refs = html[html.index('id="refs"'):html.index("</section>", html.index('id="refs"'))]
    assert 'class="math' not in refs and "\\times" not in refs and "$" not in refs
    shown = re.sub(r"<[^>]+>", "", refs)  # case-protection spans aside, the title is plain text
    assert "CD20×CD3 bispecific antibody achieved significant efficacy" in shown  # the character itself
    external = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?://[^"]+)"', html)
    assert external == [], external
