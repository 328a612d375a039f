"""The render (``python -m analysis render``, what `make` runs): skipped exactly when nothing the article shows
changed; a render records the results it was made from, and the audit reports one that no longer matches; a
failed render leaves no output that looks current.

The render key is checked without Quarto on a built copy, against every file the article can show. The rest
uses the session's rendered copy (tests/manuscript_project.py: journal by the render command, review by a plain
``quarto render``) or copies of it.
"""

from __future__ import annotations

import csv
import hashlib
import shutil
from pathlib import Path

import pytest

from analysis.audit.manuscript import check_render_records
from analysis.audit.model import MATCH, MISMATCH
from analysis.pipeline import code_inputs
from analysis.pipeline.plan import STEPS
from analysis.pipeline.render import quarto_version, remove_intermediates, render_key, staging_dir
from analysis.pipeline.runner import BuildContext
from analysis.quarto.render_output import (article_outputs, intermediate_files, read_record, record_render,
                                           render_settings)
from tests.manuscript_project import NO_QUARTO, QUARTO, ROOT, Rendered, analysis_render, build

VERSION = "1.10.18"

def edited(path: Path, original: bytes) -> bytes:
    """``original`` with a harmless edit appended (a comment in YAML and Python, which the key parses)."""
    return original + (b"\n# an edit by a test\n" if path.suffix in (".yml", ".py") else b"\n<!-- an edit by a test -->\n")


def key(root: Path, profile: str | None = None, version: str = VERSION) -> str:
    return render_key(BuildContext(root=root, log=lambda msg: None), render_settings(root, profile), version)


@pytest.fixture
def built_copy(built_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the built project with its own copy of the package (so that code can be edited)."""
    root = tmp_path / "project"
    shutil.copytree(built_project, root)
    shutil.copytree(ROOT / "analysis", root / "analysis", ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(code_inputs, "PACKAGE_DIR", root / "analysis")
    return root


def render_input_files(root: Path) -> list[str]:
    """What the article can show, listed here without the render module: every build output, every file of
    manuscript/, the project and profile files, the bibliography, and the code the render runs itself."""
    ctx = BuildContext(root=root, log=lambda msg: None)
    outputs = [p for step in STEPS for p in step.outputs(ctx)]
    sources = [p for p in (root / "manuscript").rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    project = [root / name for name in ("_quarto.yml", "_quarto-journal.yml", "_quarto-review.yml", "_environment",
                                        "data/references.bib")]
    code = [root / "analysis" / name for name in ("quarto/embed.py", "quarto/rendered.py", "quarto/render_output.py",
                                                  "io.py", "quarto/__init__.py", "__init__.py")]
    return sorted(p.relative_to(root).as_posix() for p in [*outputs, *sources, *project, *code])


def test_every_render_input_changes_the_key_and_nothing_else_does(built_copy: Path) -> None:
    root = built_copy
    before = key(root)
    inputs = render_input_files(root)
    assert len(inputs) > 40 and "build/results.json" in inputs and "manuscript/_typst/typst-show.typ" in inputs
    not_shown = ["data/reported.yaml", "data/trials.csv", "analysis/audit/manuscript.py", "analysis/stats/glmm.py",
                 "analysis/pipeline/render.py", "build/manifest.json"]
    for name in [*inputs, *not_shown]:
        path = root / name
        original = path.read_bytes()
        path.write_bytes(edited(path, original))
        try:
            changed = key(root) != before
        finally:
            path.write_bytes(original)
        assert changed == (name in inputs), name
    assert key(root) == before


def test_the_quarto_version_and_the_profile_change_the_key(built_copy: Path) -> None:
    assert len({key(built_copy), key(built_copy, version="1.10.19"), key(built_copy, "review")}) == 3
    assert key(built_copy, "journal") == key(built_copy)  # the project's default profile


def test_quartos_leftovers_are_not_inputs_and_are_removed(built_copy: Path) -> None:
    before = key(built_copy)
    article = built_copy / "manuscript" / "index.qmd"
    leftovers = [article.with_suffix(".typ"), article.with_suffix(".tex"), article.with_suffix(".quarto_ipynb"),
                 article.with_name("index.html"), article.with_name("index_files") / "figure.png"]
    for path in leftovers:
        path.parent.mkdir(exist_ok=True)
        path.write_text("left by a failed render")
    assert key(built_copy) == before
    remove_intermediates(render_settings(built_copy))
    assert intermediate_files(article) == [] and not any(p.exists() for p in leftovers)
    assert article.is_file() and (built_copy / "manuscript" / "_typst" / "typst-show.typ").is_file()


def test_a_partial_render_keeps_the_entries_of_untouched_outputs(tmp_path: Path) -> None:
    """`quarto render --to pdf` re-renders one format: the others keep their results hash while unchanged."""
    (tmp_path / "build").mkdir()
    results = tmp_path / "build" / "results.json"
    results.write_text("{}")
    out = tmp_path / "_manuscript"
    out.mkdir()
    html, pdf = out / "index.html", out / "index.pdf"
    html.write_text("<p>one</p>")
    pdf.write_bytes(b"%PDF one")
    record_render(tmp_path, out, [html, pdf], "journal")
    old = hashlib.sha256(b"{}").hexdigest()
    results.write_text('{"new": 1}')
    pdf.write_bytes(b"%PDF two")
    outputs = record_render(tmp_path, out, [pdf], "journal")["outputs"]
    new = hashlib.sha256(b'{"new": 1}').hexdigest()
    assert {name: entry["results_sha256"] for name, entry in outputs.items()} == {"index.html": old, "index.pdf": new}
    html.write_text("<p>edited</p>")
    assert set(record_render(tmp_path, out, [], "journal")["outputs"]) == {"index.pdf"}


# ----------------------------------------------------------------------------- with Quarto

needs_quarto = pytest.mark.skipif(QUARTO is None, reason=NO_QUARTO)


def installed_version() -> str:
    assert QUARTO is not None
    return quarto_version(QUARTO)


def copy_rendered(rendered: Rendered, dest: Path) -> Path:
    shutil.copytree(rendered.root, dest, symlinks=True, ignore=shutil.ignore_patterns(".quarto", "__pycache__"))
    return dest


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@needs_quarto
def test_a_render_records_the_results_it_was_made_from(rendered_project: Rendered) -> None:
    root = rendered_project.root
    results = sha256(root / "build" / "results.json")
    for folder in ("_manuscript", "_manuscript-review"):
        out = root / folder
        outputs = read_record(out)["outputs"]
        articles = article_outputs(out)
        assert {p.suffix for p in articles} == ({".html", ".docx", ".pdf"} if folder == "_manuscript"
                                                else {".docx", ".pdf"})
        for path in articles:
            entry = outputs[path.relative_to(out).as_posix()]
            assert entry == {"sha256": sha256(path), "results_sha256": results}
    # The render command records its key; a plain `quarto render` (the review profile here) records none.
    assert read_record(root / "_manuscript")["render_key"] == key(root, "journal", installed_version())
    assert "render_key" not in read_record(root / "_manuscript-review")
    assert [f.outcome for f in check_render_records(root)] == [MATCH] * 5


@needs_quarto
def test_a_second_render_with_nothing_changed_starts_no_quarto(rendered_project: Rendered) -> None:
    out = rendered_project.root / "_manuscript"
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    result = analysis_render(rendered_project.root)
    assert result.returncode == 0, result.stderr
    assert "render: _manuscript/ is up to date" in result.stderr and "quarto render" not in result.stderr
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before


@needs_quarto
def test_a_data_change_without_a_render_is_reported_stale(rendered_project: Rendered, tmp_path: Path) -> None:
    root = copy_rendered(rendered_project, tmp_path / "project")
    recorded_key = read_record(root / "_manuscript")["render_key"]
    trials = root / "data" / "trials.csv"
    with trials.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    first = rows[0]
    assert int(first["orr_events"]) < int(first["n_patients"])
    first["orr_events"] = str(int(first["orr_events"]) + 1)  # one number
    with trials.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(first))
        writer.writeheader()
        writer.writerows(rows)
    build(root)  # the build, no render
    findings = check_render_records(root)
    assert len(findings) == 5 and all(f.outcome == MISMATCH and f.severity == "error" for f in findings)
    assert {f.location for f in findings} == {
        "_manuscript/manuscript/index.html", "_manuscript/manuscript/index.docx", "_manuscript/manuscript/index.pdf",
        "_manuscript-review/manuscript/index.docx", "_manuscript-review/manuscript/index.pdf"}
    assert key(root, "journal", installed_version()) != recorded_key  # so `make` renders again


@needs_quarto
def test_a_failed_render_leaves_no_output_that_looks_current(rendered_project: Rendered, tmp_path: Path) -> None:
    root = copy_rendered(rendered_project, tmp_path / "project")
    show = root / "manuscript" / "_typst" / "typst-show.typ"
    show.write_text(show.read_text(encoding="utf-8") + "\n#this-function-does-not-exist()\n", encoding="utf-8")
    result = analysis_render(root)
    assert result.returncode == 1
    assert "this-function-does-not-exist" in result.stderr and "render: FAILED" in result.stderr
    assert not (root / "_manuscript").exists(), "the old render no longer matches the sources"
    assert not staging_dir(root / "_manuscript").exists(), "the partial render was not removed"
    assert intermediate_files(root / "manuscript" / "index.qmd") == []
    assert not list((root / "manuscript").rglob("*.quarto_ipynb*"))
    assert {f.location.split("/")[0] for f in check_render_records(root)} == {"_manuscript-review"}


@needs_quarto
def test_sources_the_static_check_rejects_are_not_rendered(rendered_project: Rendered, tmp_path: Path) -> None:
    root = copy_rendered(rendered_project, tmp_path / "project")
    article = root / "manuscript" / "index.qmd"
    article.write_text(article.read_text(encoding="utf-8") + "\nAs shown before [@nosuchkey2099].\n",
                       encoding="utf-8")
    result = analysis_render(root)
    assert result.returncode == 1
    assert "nosuchkey2099" in result.stderr and "manuscript/index.qmd:" in result.stderr
    assert "render: FAILED" in result.stderr and not (root / "_manuscript").exists()
