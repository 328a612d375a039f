"""Names of the files written for each figure (kept free of matplotlib so the build can list them cheaply)."""

from __future__ import annotations

from pathlib import Path

#: Vector PDF and SVG, 300-dpi PNG, and TIFF for journal upload.
FORMATS = ("pdf", "svg", "png", "tif")
#: Provenance sidecar: inputs with their hashes, code version, output hashes.
SIDECAR = "json"


def output_paths(stem: Path) -> dict[str, Path]:
    """``{format: path}`` for a stem such as ``build/figures/figure3_forest_orr``, sidecar included."""
    return {fmt: stem.with_name(f"{stem.name}.{fmt}") for fmt in (*FORMATS, SIDECAR)}
