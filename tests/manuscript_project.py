"""A scratch copy of the project (inputs and manuscript sources), built once per test session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analysis.pipeline.runner import BuildContext, run_build

ROOT = Path(__file__).resolve().parents[1]
PROJECT_FILES = ["_quarto.yml", "_quarto-latex.yml"]
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


def build(root: Path, only: list[str] | None = None) -> None:
    run_build(BuildContext(root=root, log=lambda msg: None), only=only)


@pytest.fixture(scope="session")
def built_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("built") / "project")
    build(root)
    return root
