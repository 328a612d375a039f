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


def git_version(repo: Path) -> dict[str, object]:
    """Current commit and whether tracked files differ from it (None outside a git checkout)."""
    def git(*args: str) -> str | None:
        try:
            res = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return res.stdout.strip() if res.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": None if status is None else bool(status)}


def provenance(data_files: list[Path], repo: Path) -> dict[str, object]:
    import numpy
    import scipy

    return {
        "data_sha256": {p.name: sha256_file(p) for p in sorted(data_files)},
        "code_sha256": sha256_files(code_files(), PACKAGE_DIR),
        "analysis_version": __version__,
        "git": git_version(repo),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
    }
