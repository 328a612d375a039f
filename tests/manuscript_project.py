"""A scratch copy of the project (inputs and manuscript sources), built once per test session, and rendered once
by Quarto for the tests that read the HTML, DOCX and PDF."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from analysis.pipeline.runner import BuildContext, run_build

ROOT = Path(__file__).resolve().parents[1]
PROJECT_FILES = ["_quarto.yml", "_quarto-journal.yml", "_quarto-review.yml", "_environment", ".gitignore"]
PROJECT_DIRS = ["data", "manuscript"]


def copy_project(dest: Path) -> Path:
    """Copy what a render needs (never build/ or _variables.yml: those must be regenerated)."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_DIRS:
        shutil.copytree(ROOT / name, dest / name)
    for name in PROJECT_FILES:
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, dest / name)
    return dest


def commit_all(root: Path, message: str = "project") -> bool:
    """Make ``root`` a git repository with everything in it committed (as a clone is); False without git."""
    if shutil.which("git") is None:
        return False
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", message]):
        subprocess.run(["git", "-c", "user.name=test", "-c", "user.email=test@example.org", *args], cwd=root,
                       check=True, capture_output=True)
    return True


def git_status(root: Path) -> list[str]:
    """``git status --porcelain`` lines, untracked files included (ignored ones are not)."""
    out = subprocess.run(["git", "status", "--porcelain=v1", "--untracked-files=all"], cwd=root, check=True,
                         capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if line.strip()]


def build(root: Path, only: list[str] | None = None) -> None:
    run_build(BuildContext(root=root, log=lambda msg: None), only=only)


@pytest.fixture(scope="session")
def built_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("built") / "project")
    build(root)
    return root


QUARTO = shutil.which("quarto")
NO_QUARTO = ("Quarto not installed: install it (bash ../shared/tools/quarto/install.sh, or "
             "https://quarto.org/docs/get-started/) to run the render tests")


@dataclass(frozen=True)
class Rendered:
    """A rendered copy of the project: ``_manuscript/`` (profile journal) and ``_manuscript-review/``."""
    root: Path
    log: str  # what `quarto render` printed (empty when the render was made outside the tests)
    review_log: str


def _env() -> dict[str, str]:
    return {**os.environ, "QUARTO_PYTHON": sys.executable,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}


def quarto_render(root: Path, *args: str) -> str:
    """Run plain ``quarto render`` in ``root`` with this interpreter as QUARTO_PYTHON; return its output."""
    result = subprocess.run([QUARTO, "render", *args], cwd=root, env=_env(), capture_output=True, text=True,
                            timeout=900)
    log = result.stdout + result.stderr
    assert result.returncode == 0, f"quarto render {' '.join(args)} failed:\n{log[-5000:]}"
    return log


def analysis_render(root: Path, *args: str) -> subprocess.CompletedProcess:
    """Run ``python -m analysis render`` (what `make` runs) on the project at ``root``."""
    return subprocess.run([sys.executable, "-m", "analysis", "render", "--root", str(root), *args], cwd=ROOT,
                          env=_env(), capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="session")
def rendered_project(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """Both profiles rendered once per session in a scratch copy, or, with ``MANUSCRIPT_RENDERED_DIR``, a project
    folder rendered beforehand (e.g. by CI's `make manuscript manuscript-review`). The journal profile is rendered
    the way `make` does it (``python -m analysis render``), the review profile by a plain ``quarto render``, so
    both ways are tested."""
    if QUARTO is None:
        pytest.skip(NO_QUARTO)
    given = os.environ.get("MANUSCRIPT_RENDERED_DIR")
    if given:
        return Rendered(Path(given), "", "")
    root = copy_project(tmp_path_factory.mktemp("render") / "project")
    commit_all(root)  # a committed checkout, so that the tests can see what a render leaves in `git status`
    journal = analysis_render(root)
    assert journal.returncode == 0, f"python -m analysis render failed:\n{(journal.stdout + journal.stderr)[-5000:]}"
    return Rendered(root, journal.stdout + journal.stderr, quarto_render(root, "--profile", "review"))
