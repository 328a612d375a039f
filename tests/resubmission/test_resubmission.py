"""Snapshots and the diff between builds, on a temporary copy of the project."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from analysis.cli import main
from analysis.pipeline.runner import BuildContext, run_build
from analysis.resubmission.changes import table_cells
from analysis.resubmission.markup import markup_html, word_diff
from analysis.resubmission.snapshot import SnapshotError, create_snapshot, read_manifest


def _build(root: Path, only: list[str] | None = None) -> None:
    run_build(BuildContext(root=root, log=lambda msg: None), only=only)


def _build_steps(root: Path) -> list[str]:
    return run_build(BuildContext(root=root, log=lambda msg: None))


def _change_chong_orr(root: Path, new: int) -> None:
    path = root / "data" / "trials.csv"
    lines = path.read_text().splitlines()
    i = next(i for i, ln in enumerate(lines) if ln.startswith("chong2025,"))
    cells = lines[i].split(",")
    assert cells[12:14] == ["27", "11"]  # n_patients, orr_events of Chong 2025
    cells[13] = str(new)
    lines[i] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")


def test_word_diff_by_hand():
    ops = word_diff("The ORR was 40.7% in one trial.", "The ORR was 48.1% in one trial.")
    assert ("delete", "40.7%") in ops and ("insert", "48.1%") in ops
    assert "".join(t for k, t in ops if k != "insert") == "The ORR was 40.7% in one trial."
    page = markup_html(ops, "t", "n")
    assert "<del>40.7%</del><ins>48.1%</ins>" in page


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
    (project_copy / ".gitignore").write_text("/build/\n/_snapshots/\n/_variables.yml\n")
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.org"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "submission"]):
        subprocess.run(git + args, cwd=project_copy, check=True, capture_output=True)
    _build(project_copy)
    clean = read_manifest(create_snapshot(project_copy, "clean"))["provenance"]
    assert clean["git_dirty"] == "no" and clean["build_git_dirty"] == "no"

    qmd = project_copy / "manuscript" / "index.qmd"
    qmd.write_text(qmd.read_text() + "\nOne more sentence.\n")
    (project_copy / "notes.md").write_text("untracked, not ignored\n")
    assert _build_steps(project_copy) == []  # nothing to recompute: the registry still says 'clean'
    dirty = read_manifest(create_snapshot(project_copy, "dirty"))["provenance"]
    assert dirty["git_dirty"].startswith("yes") and dirty["build_git_dirty"] == "no"
    assert dirty["git_changes"] == "manuscript/index.qmd, notes.md"
    assert dirty["git_commit"] == clean["git_commit"]

    assert main(["diff", "clean", "--to", "dirty", "--root", str(project_copy), "--no-build"]) == 0
    header = (project_copy / "build" / "diff" / "changes.md").read_text().split("\n\n")[1]
    assert "| git_dirty | no | yes: uncommitted changes |" in header


def test_diff_lists_changed_pooled_values(project_copy):
    _build(project_copy)
    sidecar = json.loads((project_copy / "build" / "provenance.json").read_text())
    table = project_copy / "build" / "tables" / "table2.md"
    assert sidecar["files"]["build/tables/table2.md"] == hashlib.sha256(table.read_bytes()).hexdigest()
    assert sidecar["provenance"]["data_trials.csv_sha256"] == hashlib.sha256(
        (project_copy / "data" / "trials.csv").read_bytes()).hexdigest()
    assert main(["snapshot", "submission-1", "--root", str(project_copy), "--no-build"]) == 0
    _change_chong_orr(project_copy, 13)
    assert main(["diff", "submission-1", "--root", str(project_copy)]) == 0
    out = project_copy / "build" / "diff"
    changes = (out / "changes.md").read_text()
    # Chong's ORR enters the monotherapy and the overall ORR analyses, not the CR analyses.
    assert "trials[study_id=chong2025].orr_events | 11 | 13" in changes
    assert "outcomes.orr.subgroups.prior_cart_monotherapy.estimate" in changes
    assert "outcomes.orr.overall.estimate" in changes
    assert not re.search(r"\| outcomes\.cr\.", changes)
    assert "outcomes.orr.subgroups.prior_cart_combination.estimate" not in changes
    assert "11 (40.7) | 13 (48.1)" in changes  # Table 2 cell: 13/27 = 48.1%
    assert (out / "changes.html").exists()
    markup = (out / "markup.html").read_text()
    assert "<del>40.7%</del><ins>48.1%</ins>" in markup
    docx = out / "markup.docx"
    if docx.exists():  # python-docx installed: real tracked changes
        xml = zipfile.ZipFile(docx).read("word/document.xml").decode()
        assert "<w:ins " in xml and "<w:delText" in xml


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
