"""Quarto pre-render step: bring the analysis outputs up to date (``python -m analysis build``).

Quarto runs a ``.py`` project script with QUARTO_PYTHON (``_environment`` points it at the project's
``.venv``), so a bare ``quarto render`` uses the same interpreter as ``make`` without an activated shell.
``python -m analysis render`` builds before it starts Quarto and says so with ANALYSIS_BUILD_UP_TO_DATE=1; the
step then has nothing to do (the render command checks afterwards that no input changed meanwhile).
"""

import os
import runpy
import sys

if os.environ.get("ANALYSIS_BUILD_UP_TO_DATE") != "1":
    sys.argv = ["analysis", "build"]
    runpy.run_module("analysis", run_name="__main__", alter_sys=True)
