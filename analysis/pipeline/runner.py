"""The build runner: run each step whose inputs changed, atomically, and never leave stale outputs.

A step declares the files it reads (data, earlier outputs; its code is derived)
and the files it writes. Its key is a hash of everything it reads; when the key
matches the one recorded in ``build/manifest.json`` and its outputs exist, the
step is skipped. When a step fails, its outputs and those of every later step
are removed, so nothing downstream (e.g. a Quarto render) can pick up numbers
that no longer match the data.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import time
from pathlib import Path
from typing import Any, Callable

from ..io import read_json, sha256_files, write_json
from .plan import STEPS
from .step import BuildContext, Step


def resolve(action: str) -> Callable[..., Any]:
    """The function named by ``"package.module:function"`` (its module is imported now)."""
    module, _, function = action.partition(":")
    return getattr(importlib.import_module(module), function)


def step_key(ctx: BuildContext, step: Step) -> str:
    files = step.all_inputs(ctx)
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
    selected = [s for s in STEPS if only is None or s.name in only]
    manifest = _read_manifest(ctx)
    ran: list[str] = []
    try:
        _run_steps(ctx, selected, manifest, ran, force)
    finally:
        ctx.import_cache.save()
    return ran


def _run_steps(ctx: BuildContext, selected: list[Step], manifest: dict[str, Any], ran: list[str], force: bool) -> None:
    for i, step in enumerate(selected, 1):
        prefix = f"[{i}/{len(selected)}] {step.description}"
        try:
            key = step_key(ctx, step)
            current = manifest.get(step.name, {}).get("key") == key and all(p.exists() for p in step.outputs(ctx))
            if current and not force:
                ctx.log(f"{prefix}: up to date")
                continue
            started = time.perf_counter()
            ctx.log(f"{prefix} ...")
            step.run(ctx, resolve(step.action))
            manifest[step.name] = {"key": key,
                                   "outputs": [str(p.relative_to(ctx.root)) for p in step.outputs(ctx)]}
            write_json(_manifest_path(ctx), manifest)
            ran.append(step.name)
            ctx.log(f"{prefix}: done ({time.perf_counter() - started:.1f} s)")
        except BaseException:
            later = STEPS[STEPS.index(step):]
            _remove_outputs(ctx, later, manifest)
            ctx.log(f"{prefix}: FAILED; removed the outputs of this and later steps so none are stale")
            raise


def update_quietly(root: Path) -> None:
    """Bring build/ up to date without progress output (for commands that read it: check, snapshot, diff)."""
    run_build(BuildContext(root=root, log=lambda msg: None))


__all__ = ["BuildContext", "Step", "STEPS", "resolve", "run_build", "step_key", "update_quietly"]
