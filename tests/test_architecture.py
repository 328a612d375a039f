"""The layers of analysis/ point one way (ARCHITECTURE.md): import-linter checks the contracts in pyproject.toml."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .conftest import ROOT


def test_the_import_contracts_are_kept() -> None:
    installed = Path(sys.executable).with_name("lint-imports")  # from the test extras, beside this interpreter
    command = [str(installed) if installed.exists() else "lint-imports", "--no-cache", "--no-logo"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
