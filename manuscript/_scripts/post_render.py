"""Quarto post-render step: make the rendered article the landing page of the manuscript site.

Run by Quarto with QUARTO_PYTHON (see ``_environment``) after every render.
"""

from pathlib import Path

from analysis.quarto.rendered import write_landing_page

write_landing_page(Path.cwd())
