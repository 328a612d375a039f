"""Where a build came from: hashes of the data files and the code version."""

from __future__ import annotations

import platform
import subprocess
from pathlib import Path

from .. import __version__
from ..io import sha256_file, sha256_files

PACKAGE_DIR = Path(__file__).resolve().parents[1]


def code_files() -> list[Path]:
    """Every Python source of the analysis package."""
    return sorted(p for p in PACKAGE_DIR.rglob("*.py") if "__pycache__" not in p.parts)


#: How many changed paths a dirty state lists (the count is always given).
LISTED_CHANGES = 20


def git_version(repo: Path) -> dict[str, object]:
    """Current commit and whether the working tree differs from it (None outside a git checkout).

    Dirty means ``git status --porcelain`` lists anything: a modified, staged, deleted or renamed tracked file, or
    an untracked file that ``.gitignore`` does not exclude (a new data file or module changes what a build makes
    as much as an edit does; generated outputs are ignored and do not count). ``changes`` names the first paths.
    """
    def git(*args: str) -> str | None:
        try:
            res = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return res.stdout if res.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain=v1", "--untracked-files=all")
    if commit is None or status is None:
        return {"commit": commit and commit.strip(), "dirty": None, "changes": []}
    lines = [line for line in status.splitlines() if line.strip()]
    return {"commit": commit.strip(), "dirty": bool(lines), "n_changes": len(lines),
            "changes": [line[3:] for line in lines[:LISTED_CHANGES]]}


def source_provenance(data_files: list[Path], repo: Path) -> dict[str, object]:
    """Which data files (SHA-256), code and git state an output comes from."""
    return {
        "data_sha256": {p.name: sha256_file(p) for p in sorted(data_files)},
        "code_sha256": sha256_files(code_files(), PACKAGE_DIR),
        "analysis_version": __version__,
        "git": git_version(repo),
    }


def provenance(data_files: list[Path], repo: Path) -> dict[str, object]:
    """:func:`source_provenance` and the versions of the numerical libraries (for the registry)."""
    import numpy
    import scipy

    return {
        **source_provenance(data_files, repo),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
    }
