"""Generated Markdown for the article's code cells.

Quarto expands ``{{< include >}}`` while it reads the project, before the pre-render step has built anything,
so a generated table cannot be included on a clean checkout. The article pulls generated Markdown in through
code cells instead (executed by Jupyter after the pre-render step)::

    ```{python}
    #| output: asis
    generated("tables/table1.md")
    ```

The cell only prints a file that the build wrote; it computes nothing.
"""

from __future__ import annotations

from pathlib import Path

PROJECT_FILE = "_quarto.yml"
BUILD_DIR = "build"


def project_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` (default: the working folder) that holds ``_quarto.yml``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / PROJECT_FILE).is_file():
            return folder
    raise FileNotFoundError(f"no {PROJECT_FILE} at or above {here}: run Quarto from the project folder")


def generated_markdown(name: str, root: Path | None = None) -> str:
    """The text of ``build/<name>``, with a clear error when the build has not made it."""
    path = (root or project_root()) / BUILD_DIR / name
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist: run `make` (python -m analysis build) before rendering")
    return path.read_text(encoding="utf-8")


def generated(name: str) -> None:
    """Print ``build/<name>`` so that a cell with ``output: asis`` places it in the article as Markdown."""
    print(generated_markdown(name))
