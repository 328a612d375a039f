"""One build step per figure: declared inputs (registry, data, the code that draws it), declared outputs.

A figure is redrawn when ``build/results.json``, one of its own modules, the
shared style, or the formatting rules change, and only then (the build runner
compares a hash of the inputs with ``build/manifest.json``). matplotlib is
imported only when a figure is actually drawn.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..pipeline.runner import BuildContext, Step, code
from ..results.provenance import PACKAGE_DIR, sha256_file
from .outputs import output_paths

FIGURES_DIR = "figures"
#: Code every figure depends on (relative to the analysis package).
SHARED_CODE = ("figures/__init__.py", "figures/style.py", "figures/outputs.py", "figures/catalog.py",
               "formatting/__init__.py", "formatting/numbers.py", "io.py")


@dataclass(frozen=True)
class FigureSpec:
    step: str  # build step name
    stem: str  # file name without suffix, in build/figures/
    title: str  # written into the files' metadata
    module: str  # analysis/figures/<module>.py
    function: str  # draws (registry, **kwargs) -> (Figure, layout)
    kwargs: dict[str, Any] = field(default_factory=dict)
    modules: tuple[str, ...] = ()  # further code it reads, e.g. figures/common.py
    data: tuple[str, ...] = ()  # data files it reads besides the registry


FIGURES: list[FigureSpec] = [
    FigureSpec("figure1", "figure1_prisma", "Figure 1. PRISMA 2020 flow diagram", "prisma_flow", "draw_prisma",
               data=("prisma.yaml",)),
    FigureSpec("figure2", "figure2_funnel_loo", "Figure 2. Funnel plots and leave-one-out analyses of ORR and CR",
               "funnel_loo", "draw_funnel_loo", modules=("figures/common.py",)),
    FigureSpec("figure3", "figure3_forest_orr", "Figure 3. Forest plot of the overall response rate", "forest",
               "draw_forest", {"outcome_key": "orr"}, modules=("figures/common.py",)),
    FigureSpec("figure4", "figure4_forest_cr", "Figure 4. Forest plot of the complete response rate", "forest",
               "draw_forest", {"outcome_key": "cr"}, modules=("figures/common.py",)),
    FigureSpec("figure_s1", "figure_s1_glmm_comparison",
               "Supplementary figure. Freeman-Tukey and GLMM estimates of ORR and CR", "glmm_comparison",
               "draw_glmm_comparison", modules=("figures/common.py",)),
]


def figure_stem(ctx: BuildContext, spec: FigureSpec) -> Path:
    return ctx.build_dir / FIGURES_DIR / spec.stem


def figure_inputs(ctx: BuildContext, spec: FigureSpec) -> list[Path]:
    return ([ctx.results_path] + [ctx.data_dir / name for name in spec.data]
            + code(f"figures/{spec.module}.py", *spec.modules, *SHARED_CODE))


def figure_outputs(ctx: BuildContext, spec: FigureSpec) -> list[Path]:
    return list(output_paths(figure_stem(ctx, spec)).values())


def _relative(path: Path, root: Path) -> str:
    for base in (root, PACKAGE_DIR.parent):
        try:
            return path.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
    return path.name


def draw(spec: FigureSpec, registry: dict[str, Any]) -> tuple[Any, Any]:
    """The figure and its layout object (call inside ``style.figure_style()``)."""
    module = importlib.import_module(f"{__package__}.{spec.module}")
    return getattr(module, spec.function)(registry, **spec.kwargs)


def run_figure(ctx: BuildContext, spec: FigureSpec) -> None:
    from . import style

    registry = ctx.registry
    record = style.FigureRecord(
        name=spec.stem, title=spec.title,
        inputs={_relative(p, ctx.root): sha256_file(p) for p in figure_inputs(ctx, spec)},
        provenance=registry.get("provenance") or {})
    with style.figure_style():
        fig, _ = draw(spec, registry)
        style.save_figure(fig, figure_stem(ctx, spec), record)


def _step(spec: FigureSpec) -> Step:
    return Step(name=spec.step, description=spec.title.split(". ", 1)[0].lower() + f" ({spec.stem})",
                inputs=lambda ctx: figure_inputs(ctx, spec),
                outputs=lambda ctx: figure_outputs(ctx, spec),
                run=lambda ctx: run_figure(ctx, spec))


def figure_steps() -> list[Step]:
    """The build steps of all figures, in figure order."""
    return [_step(spec) for spec in FIGURES]
