"""The git state recorded as provenance: a dirty tree is reported as dirty, whatever made it so."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from analysis.results.output_provenance import provenance_metadata
from analysis.results.provenance import git_version

ROOT = Path(__file__).resolve().parents[2]
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=test", "-c", "user.email=test@example.org", *args], cwd=repo,
                          check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A committed repository with a tracked data file and a .gitignore for generated output."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "trials.csv").write_text("study_id,n\na,10\n")
    (tmp_path / ".gitignore").write_text("/build/\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "start")
    return tmp_path


@needs_git
def test_a_clean_tree_is_clean_and_ignored_output_does_not_count(repo: Path) -> None:
    (repo / "build").mkdir()
    (repo / "build" / "results.json").write_text("{}")  # generated, ignored
    state = git_version(repo)
    assert state["dirty"] is False and state["changes"] == []
    assert state["commit"] == git(repo, "rev-parse", "HEAD").strip()
    assert provenance_metadata({"provenance": {"git": state}})["git_dirty"] == "no"


@needs_git
@pytest.mark.parametrize("change", ["modified", "staged", "deleted", "untracked"])
def test_every_kind_of_change_makes_the_tree_dirty(repo: Path, change: str) -> None:
    csv = repo / "data" / "trials.csv"
    if change == "modified":
        csv.write_text("study_id,n\na,11\n")
    elif change == "staged":
        csv.write_text("study_id,n\na,12\n")
        git(repo, "add", "data/trials.csv")
    elif change == "deleted":
        csv.unlink()
    else:  # a new input nobody committed: the build reads it, so the tree is not what the commit says
        (repo / "data" / "extra.yaml").write_text("n: 1\n")
    state = git_version(repo)
    assert state["dirty"] is True
    expected = "data/extra.yaml" if change == "untracked" else "data/trials.csv"
    assert state["changes"] == [expected]
    meta = provenance_metadata({"provenance": {"git": state}})
    assert meta["git_dirty"].startswith("yes") and meta["git_changes"] == expected


def test_outside_a_checkout_the_state_is_unknown(tmp_path: Path) -> None:
    state = git_version(tmp_path)
    assert state["commit"] is None and state["dirty"] is None
    assert provenance_metadata({"provenance": {"git": state}})["git_dirty"] == "unknown"


@needs_git
def test_the_repository_tracks_nothing_it_ignores() -> None:
    """A tracked file under an ignored folder (e.g. a rendered _manuscript-review/) is rewritten by every render
    and leaves the tree dirty after `make`."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    tracked_but_ignored = git(ROOT, "ls-files", "--cached", "--ignored", "--exclude-standard").split()
    assert tracked_but_ignored == []
