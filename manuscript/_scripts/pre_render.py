"""Quarto pre-render step: bring the analysis outputs up to date (``python -m analysis build``).

Quarto runs a ``.py`` project script with QUARTO_PYTHON (``_environment`` points it at the project's
``.venv``), so a bare ``quarto render`` uses the same interpreter as ``make`` without an activated shell.
"""

import runpy
import sys

sys.argv = ["analysis", "build"]
runpy.run_module("analysis", run_name="__main__", alter_sys=True)
