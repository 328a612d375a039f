"""The build: run each step whose inputs changed, atomically, and never leave stale outputs.

A step declares the files it reads (data, code, earlier outputs) and the files
it writes. Its key is a hash of everything it reads; when the key matches the
one recorded in ``build/manifest.json`` and its outputs exist, the step is
skipped. When a step fails, its outputs and those of every later step are
removed, so nothing downstream (e.g. a Quarto render) can pick up numbers that
no longer match the data.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..inputs.trials import DATA_FILES, DataError, Inputs, load_inputs
from ..io import dumps_json, read_json, write_json, write_text
from ..stats.meta import Settings
from ..results.provenance import PACKAGE_DIR, provenance, sha256_files

BUILD_DIR_NAME = "build"


@dataclass
class BuildContext:
    root: Path
    settings: Settings | None = None
    strict: bool = False
    log: Callable[[str], None] = field(default=lambda msg: print(msg, file=sys.stderr))
    _inputs: Inputs | None = None
    _registry: dict[str, Any] | None = None

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def build_dir(self) -> Path:
        return self.root / BUILD_DIR_NAME

    @property
    def results_path(self) -> Path:
        return self.build_dir / "results.json"

    @property
    def data_files(self) -> list[Path]:
        return [self.data_dir / name for name in DATA_FILES]

    @property
    def inputs(self) -> Inputs:
        if self._inputs is None:
            self._inputs = load_inputs(self.data_dir)
        return self._inputs

    @property
    def registry(self) -> dict[str, Any]:
        if self._registry is None:
            self._registry = read_json(self.results_path)
        return self._registry


@dataclass(frozen=True)
class Step:
    name: str
    description: str
    inputs: Callable[[BuildContext], list[Path]]
    outputs: Callable[[BuildContext], list[Path]]
    run: Callable[[BuildContext], None]
    #: Extra text that changes the key (e.g. settings).
    params: Callable[[BuildContext], str] = lambda ctx: ""


def code(*modules: str) -> list[Path]:
    """Source files of the analysis package, by path relative to it (folders expand to their .py files)."""
    paths: list[Path] = []
    for m in modules:
        p = PACKAGE_DIR / m
        paths += sorted(p.rglob("*.py")) if p.is_dir() else [p]
    return paths


STATISTICS_CODE = ["__init__.py", "inputs/trials.py", "stats/transforms.py", "stats/tau2.py", "stats/models.py",
                   "stats/bias.py", "stats/glmm.py", "stats/study_ci.py", "stats/meta.py", "results/serialize.py",
                   "results/prisma_checks.py", "results/registry.py", "results/provenance.py",
                   "stats/stata_compat.py"]


def _run_results(ctx: BuildContext) -> None:
    from ..results.registry import build_registry

    inputs = ctx.inputs
    registry = build_registry(inputs, ctx.settings, provenance(ctx.data_files, ctx.root))
    write_json(ctx.results_path, registry)
    ctx._registry = registry
    broken = [c["message"] for c in registry["prisma"]["checks"] if c["status"] == "mismatch"]
    for message in broken:
        ctx.log(f"  warning: PRISMA flow does not add up: {message}")
    if broken and ctx.strict:  # --strict: the same findings stop the build (issue 3)
        raise DataError(ctx.data_dir / "prisma.yaml",
                        [f"PRISMA flow does not add up (--strict): {message}" for message in broken])


RESULTS = Step(
    name="results",
    description="meta-analyses and results registry",
    inputs=lambda ctx: ctx.data_files + code(*STATISTICS_CODE),
    outputs=lambda ctx: [ctx.results_path],
    run=_run_results,
    params=lambda ctx: json.dumps(vars(ctx.settings) if ctx.settings else {}, sort_keys=True)
    + (" strict" if ctx.strict else ""),  # a strict build re-checks even when the registry is current
)


def steps() -> list[Step]:
    """All build steps in order: registry, figures, manuscript inputs, then the provenance sidecar
    (last, because it hashes every other output)."""
    from ..manuscript import citation_style, tables
    from ..manuscript import text_files as manuscript_text
    from ..results import output_provenance
    from ..figures.catalog import figure_steps

    return [RESULTS, *figure_steps(), tables.build_step(), manuscript_text.build_step(), citation_style.build_step(),
            output_provenance.build_step()]


def _key(ctx: BuildContext, step: Step) -> str:
    files = [p for p in step.inputs(ctx)]
    missing = [p for p in files if not p.exists()]
    if missing:
        raise FileNotFoundError(f"step {step.name!r} needs {', '.join(str(p) for p in missing)}")
    digest = hashlib.sha256(sha256_files(files, ctx.root).encode())
    digest.update(step.params(ctx).encode())
    return digest.hexdigest()


def _manifest_path(ctx: BuildContext) -> Path:
    return ctx.build_dir / "manifest.json"


def _read_manifest(ctx: BuildContext) -> dict[str, Any]:
    path = _manifest_path(ctx)
    if not path.exists():
        return {}
    try:
        return read_json(path)
    except (json.JSONDecodeError, OSError):
        return {}


def _remove_outputs(ctx: BuildContext, stale: list[Step], manifest: dict[str, Any]) -> None:
    for step in stale:
        for path in step.outputs(ctx):
            if path.exists():
                path.unlink()
        manifest.pop(step.name, None)
    write_json(_manifest_path(ctx), manifest)


def run_build(ctx: BuildContext, *, force: bool = False, only: list[str] | None = None) -> list[str]:
    """Run the build; return the names of the steps that ran. Raises on the first failing step."""
    all_steps = steps()
    selected = [s for s in all_steps if only is None or s.name in only]
    manifest = _read_manifest(ctx)
    ran: list[str] = []
    for i, step in enumerate(selected, 1):
        prefix = f"[{i}/{len(selected)}] {step.description}"
        try:
            key = _key(ctx, step)
            current = manifest.get(step.name, {}).get("key") == key and all(p.exists() for p in step.outputs(ctx))
            if current and not force:
                ctx.log(f"{prefix}: up to date")
                continue
            started = time.perf_counter()
            ctx.log(f"{prefix} ...")
            step.run(ctx)
            manifest[step.name] = {"key": key,
                                   "outputs": [str(p.relative_to(ctx.root)) for p in step.outputs(ctx)]}
            write_json(_manifest_path(ctx), manifest)
            ran.append(step.name)
            ctx.log(f"{prefix}: done ({time.perf_counter() - started:.1f} s)")
        except BaseException:
            later = all_steps[all_steps.index(step):]
            _remove_outputs(ctx, later, manifest)
            ctx.log(f"{prefix}: FAILED; removed the outputs of this and later steps so none are stale")
            raise
    return ran


def update_quietly(root: Path) -> None:
    """Bring build/ up to date without progress output (for commands that read it: check, snapshot, diff)."""
    run_build(BuildContext(root=root, log=lambda msg: None))


__all__ = ["BuildContext", "Step", "run_build", "update_quietly", "steps", "code", "dumps_json", "write_text"]
