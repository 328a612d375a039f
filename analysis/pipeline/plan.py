"""The build plan: every step in the order it runs, declared once, here.

Each step names the function that does its work as ``"module:function"``; the
runner imports it only when the step runs, so a build with nothing to do
imports neither the engine nor matplotlib, and no producer imports the build.
A step's code inputs are not listed: they are its action's import closure
(:mod:`.code_inputs`). The glue below hands the context's paths and registry
to the action and uses nothing outside that closure (and this file, which is a
code input of every step).

Order: the registry first, then the figures and manuscript inputs that read
it, and the provenance sidecar last, because it hashes every other output.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..figures.outputs import output_paths
from ..inputs.errors import DataError
from ..io import display_name, sha256_file
from ..manuscript.citation_style import style_digest
from ..manuscript.outputs import STYLE, style_target, table_paths, template_files, text_file_paths
from ..results.output_provenance import manifest_path, output_files
from ..results.provenance import source_provenance
from .step import BuildContext, Step


# ----------------------------------------------------------------------------- results

def _write_results(ctx: BuildContext, write_registry: Callable[..., dict[str, Any]]) -> None:
    registry = write_registry(ctx.results_path, ctx.data_dir, ctx.root, ctx.settings)
    ctx.use_registry(registry)
    broken = [c["message"] for c in registry["prisma"]["checks"] if c["status"] == "mismatch"]
    # The published flow's arithmetic is a finding about the source, stated in the manuscript and raised by the
    # audit (`make check`); the build notes it (an error with --strict) without warning on every render.
    for message in broken:
        ctx.log(f"  note: the PRISMA flow as published does not add up: {message}")
    # Our own inputs disagreeing with each other (a trial added to trials.csv but not to the PRISMA counts): a
    # warning naming the file to update, which --strict turns into an error. References not yet verified: one
    # note naming them (a check before submission, not a wrong number; the audit gives each one's reason), so
    # that a render is not a wall of repeated warnings.
    drift = [c["message"] for c in registry["cross_checks"] if c["status"] == "mismatch"]
    for message in drift:
        ctx.log(f"  WARNING: counts disagree: {message}")
    pending = registry["references"]["unverified"]
    if pending:
        ctx.log(f"  note: data/references.bib: {len(pending)} entries are not fully verified "
                f"({', '.join(ref['key'] for ref in pending)}); `make check` gives each one's reason")
    if ctx.strict and (broken or drift):  # --strict: the same findings stop the build (issue 3)
        problems = [f"prisma.yaml: PRISMA flow does not add up (--strict): {message}" for message in broken]
        raise DataError(ctx.data_dir / "prisma.yaml" if not drift else ctx.data_dir,
                        problems + [f"counts disagree (--strict): {message}" for message in drift])


RESULTS = Step(
    name="results",
    description="meta-analyses and results registry",
    action="analysis.results.registry:write_registry",
    inputs=lambda ctx: ctx.data_files,
    outputs=lambda ctx: [ctx.results_path],
    run=_write_results,
    params=lambda ctx: json.dumps(vars(ctx.settings) if ctx.settings else {}, sort_keys=True)
    + (" strict" if ctx.strict else ""),  # a strict build re-checks even when the registry is current
)


# ----------------------------------------------------------------------------- figures

FIGURES_DIR = "figures"


@dataclass(frozen=True)
class FigureSpec:
    step: str  # build step name
    stem: str  # file name without suffix, in build/figures/
    title: str  # written into the files' metadata
    module: str  # analysis/figures/<module>.py
    function: str  # draws (registry, **kwargs) -> (Figure, layout), or (*data files, **kwargs) without the registry
    kwargs: dict[str, Any] = field(default_factory=dict)
    data: tuple[str, ...] = ()  # data files it reads (besides the registry, if it reads that)
    #: False: drawn from ``data`` alone, so a change elsewhere (a new trial) neither redraws it nor enters its files.
    registry: bool = True


FIGURES: list[FigureSpec] = [
    FigureSpec("figure1", "figure1_prisma", "Figure 1. PRISMA 2020 flow diagram", "prisma_flow",
               "draw_prisma_from_file", data=("prisma.yaml",), registry=False),
    FigureSpec("figure2", "figure2_funnel_loo", "Figure 2. Funnel plots and leave-one-out analyses of ORR and CR",
               "funnel_loo", "draw_funnel_loo"),
    FigureSpec("figure3", "figure3_forest_orr", "Figure 3. Forest plot of the overall response rate", "forest",
               "draw_forest", {"outcome_key": "orr"}),
    FigureSpec("figure4", "figure4_forest_cr", "Figure 4. Forest plot of the complete response rate", "forest",
               "draw_forest", {"outcome_key": "cr"}),
    FigureSpec("figure_s1", "figure_s1_glmm_comparison",
               "Supplementary figure. Freeman-Tukey and GLMM estimates of ORR and CR", "glmm_comparison",
               "draw_glmm_comparison"),
]


def figure_stem(ctx: BuildContext, spec: FigureSpec) -> Path:
    return ctx.build_dir / FIGURES_DIR / spec.stem


def _draw_figure(ctx: BuildContext, spec: FigureSpec, draw: Callable[..., Any], inputs: list[Path]) -> None:
    from ..figures import style  # matplotlib, only when a figure is drawn; every figure module imports it

    data = [ctx.data_dir / name for name in spec.data]
    if spec.registry:
        args: tuple[Any, ...] = (ctx.registry,)
        provenance = ctx.registry.get("provenance") or {}
    else:  # its files name only the data it shows
        args, provenance = tuple(data), source_provenance(data, ctx.root)
    record = style.FigureRecord(name=spec.stem, title=spec.title,
                                inputs={display_name(p, ctx.root): sha256_file(p) for p in inputs},
                                provenance=provenance)
    with style.figure_style():
        fig, _ = draw(*args, **spec.kwargs)
        style.save_figure(fig, figure_stem(ctx, spec), record)


def _figure_step(spec: FigureSpec) -> Step:
    def run(ctx: BuildContext, draw: Callable[..., Any]) -> None:
        _draw_figure(ctx, spec, draw, step.all_inputs(ctx))

    step = Step(name=spec.step, description=spec.title.split(". ", 1)[0].lower() + f" ({spec.stem})",
                action=f"analysis.figures.{spec.module}:{spec.function}",
                inputs=lambda ctx: [*([ctx.results_path] if spec.registry else []),
                                    *(ctx.data_dir / name for name in spec.data)],
                outputs=lambda ctx: list(output_paths(figure_stem(ctx, spec)).values()),
                run=run)
    return step


# ----------------------------------------------------------------------------- manuscript inputs and provenance

TABLES = Step(
    name="tables",
    description="manuscript Tables 1 and 2",
    action="analysis.manuscript.tables:write_tables",
    inputs=lambda ctx: [ctx.results_path],
    outputs=lambda ctx: list(table_paths(ctx.root).values()),
    run=lambda ctx, write_tables: write_tables(ctx.root, ctx.registry) and None,
)

MANUSCRIPT_TEXT = Step(
    name="manuscript-variables",
    description="manuscript variables, abstract and text fragments",
    action="analysis.manuscript.text_files:write_manuscript_files",
    # The target journal's limits (the abstract's length is checked here), when the project names a journal.
    inputs=lambda ctx: [ctx.results_path, *template_files(ctx.root),
                        *(p for p in [ctx.data_dir / "journal.yaml"] if p.exists())],
    outputs=lambda ctx: list(text_file_paths(ctx.root).values()),
    run=lambda ctx, write_files: write_files(ctx.root, ctx.registry) and None,
)

CITATION_STYLE = Step(
    name="citation-style",
    description=f"citation style ({STYLE}.csl)",
    action="analysis.manuscript.citation_style:copy_style",
    inputs=lambda ctx: [],
    outputs=lambda ctx: [style_target(ctx.root)],
    run=lambda ctx, copy_style: copy_style(ctx.root) and None,
    # The style file lives in site-packages (maybe outside the project), so its content hash is a param.
    params=lambda ctx: style_digest(),
)

PROVENANCE = Step(
    name="provenance",
    description="provenance sidecar for tables and figures (build/provenance.json)",
    action="analysis.results.output_provenance:write_outputs_manifest",
    inputs=lambda ctx: output_files(ctx.root),
    outputs=lambda ctx: [manifest_path(ctx.root)],
    run=lambda ctx, write_manifest: write_manifest(ctx.root, ctx.registry) and None,
)

#: Every build step, in the order it runs.
STEPS: list[Step] = [RESULTS, *(_figure_step(spec) for spec in FIGURES), TABLES, MANUSCRIPT_TEXT, CITATION_STYLE,
                     PROVENANCE]
