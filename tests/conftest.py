"""Shared fixtures: the project root, the metafor reference values, a scratch copy of the project."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "reference"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def metafor() -> dict:
    return json.loads((REFERENCE / "metafor_reference.json").read_text())


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A copy of the project's inputs and sources in a temporary folder (never the real data/)."""
    dest = tmp_path / "project"
    for name in ("data", "manuscript"):
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, dest / name)
    for name in ("_quarto.yml",):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, dest / name)
    return dest


# A fully built scratch copy of the project, shared by the manuscript tests (defined with its helpers).
from tests.manuscript_project import built_project, rendered_project  # noqa: E402, F401


@pytest.fixture
def built_copy(built_project: Path, tmp_path: Path) -> Path:
    """A private copy of the session's built project (build/ included and up to date), to change freely."""
    dest = tmp_path / "project"
    shutil.copytree(built_project, dest, ignore=shutil.ignore_patterns("_snapshots", ".git"))
    return dest
