"""Quarto post-render step: make the rendered article the landing page of the manuscript site, and record which
results each output was made from (``<output folder>/render.json``, read by the audit).

Run by Quarto with QUARTO_PYTHON (see ``_environment``) after every successful render, with the project folder as
the working folder; Quarto names the output folder (the profile's, or ``--output-dir``), the files it wrote and
the active profile in its environment.
"""

import os
from pathlib import Path

from analysis.quarto.render_output import DEFAULT_OUTPUT_DIR, record_render
from analysis.quarto.rendered import write_landing_page

root = Path.cwd()
out = Path(os.environ.get("QUARTO_PROJECT_OUTPUT_DIR") or root / DEFAULT_OUTPUT_DIR)
written = [root / name for name in os.environ.get("QUARTO_PROJECT_OUTPUT_FILES", "").splitlines() if name]
write_landing_page(out)
record_render(root, out, written, os.environ.get("QUARTO_PROFILE") or None)
