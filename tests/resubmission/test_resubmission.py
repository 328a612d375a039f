"""Snapshots and the diff between builds, on a temporary copy of the project."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import lxml.html
import pytest

from analysis.cli import main
from analysis.pipeline.runner import BuildContext, run_build
from analysis.resubmission.changes import compare, diff_mappings, load_view, table_cells
from analysis.resubmission.snapshot import SnapshotError, create_snapshot, read_manifest
from tests.conftest import ROOT


def _build(root: Path, only: list[str] | None = None) -> list[str]:
    return run_build(BuildContext(root=root, log=lambda msg: None), only=only)


def _change_chong_orr(root: Path, new: int) -> None:
    path = root / "data" / "trials.csv"
    lines = path.read_text().splitlines()
    i = next(i for i, ln in enumerate(lines) if ln.startswith("chong2025,"))
    cells = lines[i].split(",")
    assert cells[12:14] == ["27", "11"]  # n_patients, orr_events of Chong 2025
    cells[13] = str(new)
    lines[i] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")


def test_table_rows_are_named_by_their_citation_so_a_renamed_trial_is_a_changed_cell():
    old = table_cells("| Reference | N |\n|:--|--:|\n| Chong 2025 [@chong2025] | 27 |\n| Topp 2025 [@topp2025] | 60 |\n")
    new = table_cells("| Reference | N |\n|:--|--:|\n| O\\'Brien \\<b\\> 2025 [@chong2025] | 27 |\n"
                      "| Topp 2025 [@topp2025] | 60 |\n")
    assert [(c.item, c.old, c.new) for c in diff_mappings(old, new)] == [
        ("@chong2025 / Reference", "Chong 2025 [@chong2025]", "O'Brien <b> 2025 [@chong2025]")]


def test_table_cells_key_repeated_rows():
    text = "| Ref | N | ORR |\n|:--|--:|--:|\n| A | 27 | 11 (40.7) |\n| B | 52 | 26 (50.0) |\n| A | 96 | 66 (68.8) |\n"
    cells = table_cells(text)
    assert cells["A / ORR"] == "11 (40.7)" and cells["A #2 / ORR"] == "66 (68.8)" and cells["B / N"] == "52"


def test_snapshot_refuses_overwrite_and_bad_names(project_copy):
    _build(project_copy, only=["results"])
    dest = create_snapshot(project_copy, "submission-1")
    manifest = read_manifest(dest)
    assert "build/results.json" in manifest["files"] and manifest["name"] == "submission-1"
    assert set(manifest["provenance"]) >= {"git_commit", "code_sha256", "data_trials.csv_sha256"}
    with pytest.raises(SnapshotError, match="exists"):
        create_snapshot(project_copy, "submission-1")
    create_snapshot(project_copy, "submission-1", force=True)
    with pytest.raises(SnapshotError, match="letters"):
        create_snapshot(project_copy, "../escape")


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_snapshot_records_the_tree_as_it_is_when_the_snapshot_is_taken(project_copy):
    """The registry keeps the git state of the moment it was computed; an edit that does not touch the analysis's
    inputs (the article, a README) leaves the registry current, and the snapshot must still say 'dirty'."""
    shutil.copy2(ROOT / ".gitignore", project_copy / ".gitignore")
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.org"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "submission"]):
        subprocess.run(git + args, cwd=project_copy, check=True, capture_output=True)
    _build(project_copy, only=["results"])
    clean = read_manifest(create_snapshot(project_copy, "clean"))["provenance"]
    assert clean["git_dirty"] == "no" and clean["build_git_dirty"] == "no"

    qmd = project_copy / "manuscript" / "index.qmd"
    qmd.write_text(qmd.read_text() + "\nOne more sentence.\n")
    (project_copy / "notes.md").write_text("untracked, not ignored\n")
    assert _build(project_copy, only=["results"]) == []  # nothing to recompute: the registry still says 'clean'
    dirty = read_manifest(create_snapshot(project_copy, "dirty"))["provenance"]
    assert dirty["git_dirty"].startswith("yes") and dirty["build_git_dirty"] == "no"
    assert dirty["git_changes"] == "manuscript/index.qmd, notes.md"
    assert dirty["git_commit"] == clean["git_commit"]

    assert main(["diff", "clean", "--to", "dirty", "--root", str(project_copy), "--no-build"]) == 0
    header = (project_copy / "build" / "diff" / "changes.md").read_text().split("\n\n")[1]
    assert "| git_dirty | no | yes: uncommitted changes |" in header


def test_diff_lists_changed_pooled_values(built_copy):
    sidecar = json.loads((built_copy / "build" / "provenance.json").read_text())
    table = built_copy / "build" / "tables" / "table2.md"
    assert sidecar["files"]["build/tables/table2.md"] == hashlib.sha256(table.read_bytes()).hexdigest()
    assert sidecar["provenance"]["data_trials.csv_sha256"] == hashlib.sha256(
        (built_copy / "data" / "trials.csv").read_bytes()).hexdigest()
    assert main(["snapshot", "submission-1", "--root", str(built_copy), "--no-build"]) == 0
    _change_chong_orr(built_copy, 13)
    assert main(["diff", "submission-1", "--root", str(built_copy)]) == 0
    out = built_copy / "build" / "diff"
    changes = (out / "changes.md").read_text()
    # Chong's ORR enters the monotherapy and the overall ORR analyses, not the CR analyses.
    assert "trials[study_id=chong2025].orr_events | 11 | 13" in changes
    assert "outcomes.orr.subgroups.prior_cart_monotherapy.estimate" in changes
    assert "outcomes.orr.overall.estimate" in changes
    assert not re.search(r"\| outcomes\.cr\.", changes)
    assert "outcomes.orr.subgroups.prior_cart_combination.estimate" not in changes
    assert "11 (40.7) | 13 (48.1)" in changes  # Table 2 cell: 13/27 = 48.1%
    # The abstract word by word, as text (not two raw Markdown blocks).
    page = lxml.html.document_fromstring((out / "changes.html").read_text())
    abstract = page.xpath("//div[@class='abstract']")[0]
    results = abstract.xpath(".//p[strong[text()='Results:']]")[0]
    # The abstract gives the single-cohort rates as a range (Chong's ORR is its lower end), then the pooled ORR.
    assert [d.text for d in results.xpath(".//del")][:2] == ["40.7–76.1%", "54.5%"]
    assert [i.text for i in results.xpath(".//ins")][:2] == ["48.1–76.1%", "55.7%"]
    assert "**" not in abstract.text_content()
    assert "<del>40.7–76.1%</del><ins>48.1–76.1%</ins>" in changes  # the changed abstract paragraph, in Markdown too

    # No rendered article here: the marked-up manuscript comes from the Quarto source, whole and structured.
    markup = lxml.html.document_fromstring((out / "markup.html").read_text())
    assert markup.xpath("string(//article/h1)").startswith("CD20×CD3 bispecific antibodies")
    assert markup.xpath("//article/h2")[0].text_content() == "Abstract"
    assert len(markup.xpath("//article//table")) == 2  # Tables 1 and 2
    cell = markup.xpath("//article//table")[1].xpath(".//tr[td[1][starts-with(., 'Chong 2025')]]/td")[-2]
    assert cell.xpath("string(.//del)") == "11 (40.7)" and cell.xpath("string(.//ins)") == "13 (48.1)"
    xml = zipfile.ZipFile(out / "markup.docx").read("word/document.xml").decode()
    assert "<w:ins " in xml and "<w:delText" in xml


def _figure_changes(root: Path) -> tuple[list, list[str]]:
    comparison = compare(load_view(root / "_snapshots" / "before", "before"), load_view(root, "now"))
    return comparison.figures, comparison.figures_redrawn


def test_figures_redrawn_from_the_same_numbers_are_not_changes(built_copy):
    """A data edit that changes no number (a note) recomputes the registry, so every figure drawn from it is
    redrawn and its files, which embed the data's hash, get new bytes: the figures show the same thing."""
    create_snapshot(built_copy, "before")
    trials = built_copy / "data" / "trials.csv"
    trials.write_text(trials.read_text().replace("not used)", "not used; checked)"))
    assert _build(built_copy)[:2] == ["results", "figure2"]  # figure 1 reads prisma.yaml only
    old, new = (root / "build" / "figures" for root in (built_copy / "_snapshots" / "before", built_copy))
    assert all((old / n).read_bytes() != (new / n).read_bytes() for n in ("figure3_forest_orr.pdf",
                                                                         "figure3_forest_orr.png"))
    changed, redrawn = _figure_changes(built_copy)
    assert changed == []
    assert redrawn == ["figure2_funnel_loo", "figure3_forest_orr", "figure4_forest_cr", "figure_s1_glmm_comparison"]
    assert main(["diff", "before", "--root", str(built_copy), "--no-build"]) == 0
    report = (built_copy / "build" / "diff" / "changes.md").read_text()
    assert "0 figures" in report and "Redrawn with identical content, not a change" in report


def test_a_changed_figure_is_reported_with_what_changed(built_copy):
    create_snapshot(built_copy, "before")
    _change_chong_orr(built_copy, 13)
    _build(built_copy)
    changed, redrawn = _figure_changes(built_copy)
    by_name = {c.item: c for c in changed}
    # Chong's ORR enters Figure 2 (Egger's test), Figure 3 and the GLMM figure; the CR plot is only redrawn, and
    # Figure 1 (PRISMA) is not even redrawn.
    assert set(by_name) == {"figure2_funnel_loo", "figure3_forest_orr", "figure_s1_glmm_comparison"}
    assert redrawn == ["figure4_forest_cr"]
    forest = by_name["figure3_forest_orr"]
    assert forest.old.startswith("11/27; 40.7 (22.4–61.2)")  # 11/27 with its Clopper-Pearson CI
    assert forest.new.startswith("13/27; 48.1 (28.7–68.1)")  # 13/27 = 48.1%
    assert forest.difference.startswith("drawing changed: ") and "% of the pixels differ" in forest.difference


def test_diff_between_two_snapshots(project_copy):
    _build(project_copy, only=["results"])
    create_snapshot(project_copy, "a")
    _change_chong_orr(project_copy, 12)
    _build(project_copy, only=["results"])
    create_snapshot(project_copy, "b")
    assert main(["diff", "a", "--to", "b", "--root", str(project_copy), "--no-build"]) == 0
    changes = (project_copy / "build" / "diff" / "changes.md").read_text()
    assert "# Changes from a to b" in changes and "trials[study_id=chong2025].orr_events | 11 | 12" in changes


def test_check_command_writes_reports(project_copy):
    _build(project_copy, only=["results"])
    assert main(["check", "--root", str(project_copy), "--no-build"]) == 1  # the seed paper has errors
    assert (project_copy / "build" / "audit.md").read_text().startswith("# Number audit")
    assert "<html" in (project_copy / "build" / "audit.html").read_text()
    assert main(["check", "--root", str(project_copy), "--no-build", "--scope", "manuscript"]) == 0


def test_provenance_metadata_is_flat_text():
    from analysis.results.output_provenance import provenance_comment, provenance_metadata

    registry = {"provenance": {"data_sha256": {"trials.csv": "ab" * 32}, "code_sha256": "cd" * 32,
                               "analysis_version": "0.1.0", "git": {"commit": "ef" * 20, "dirty": True}}}
    meta = provenance_metadata(registry)
    assert meta["git_dirty"].startswith("yes") and meta["data_trials.csv_sha256"] == "ab" * 32
    assert all(isinstance(v, str) for v in meta.values())
    assert provenance_metadata({})["git_commit"].startswith("unknown")
    assert provenance_comment(registry).startswith("<!--") and "trials.csv abababababab" in provenance_comment(registry)
