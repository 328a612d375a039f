"""The render: ``quarto render`` only when something the article shows changed, and never a result that looks
current when it is not.

The render key is a SHA-256 over every render input: the build's outputs (the registry ``build/results.json``,
figures, tables, ``_variables.yml``, abstract, provenance, CSL), every file of ``manuscript/`` (the article,
Typst partials, Word reference documents, Lua filters, styles, scripts, templates), ``_quarto.yml``, the
profiles' files, ``_environment``, the bibliography, the code the render runs itself (the article's cells and
the post-render step, with their imports), the Quarto version and the profile. The build's code and data reach
the key through the outputs they make. The key is recorded in the output folder's ``render.json``
(:mod:`analysis.quarto.render_output`); a render whose key matches and whose recorded outputs are intact is
skipped.

A render runs into a staging folder beside the output folder, which replaces the output folder in one step
when Quarto succeeds. When it fails, the staging folder, the old output folder (it no longer matches the
sources) and Quarto's intermediate files in ``manuscript/`` are all removed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..io import replace_dir, sha256_files
from ..quarto.render_output import (RenderSettings, intermediate_files, read_record, record_intact,
                                    render_settings, set_render_key)
from .code_inputs import PACKAGE_DIR, import_closure
from .plan import STEPS
from .runner import run_build
from .step import BuildContext

#: Set for Quarto's pre-render step when the build has just run, so that it does not run again.
BUILD_DONE_ENV = "ANALYSIS_BUILD_UP_TO_DATE"
SOURCES_DIR = "manuscript"
PROJECT_GLOBS = ("_quarto*.yml", "_environment")
#: Modules that run during a render: the article's cells and the post-render step.
RENDER_TIME_MODULES = ("quarto.embed", "quarto.rendered", "quarto.render_output")


class RenderError(RuntimeError):
    """The render failed; the message says why and what was removed."""


@dataclass(frozen=True)
class RenderOutcome:
    rendered: bool  # False: the recorded render was current
    output_dir: Path
    key: str


def render_inputs(ctx: BuildContext, settings: RenderSettings) -> list[Path]:
    """Every file a render reads (see the module's docstring), sorted."""
    root = ctx.root
    outputs = [path for step in STEPS for path in step.outputs(ctx)]
    leftovers = set(intermediate_files(settings.article))
    sources = [p for p in (root / SOURCES_DIR).rglob("*")
               if p.is_file() and "__pycache__" not in p.parts and p not in leftovers
               and not any(parent in leftovers for parent in p.parents)]
    project = [p for pattern in PROJECT_GLOBS for p in root.glob(pattern) if p.is_file()]
    code: set[Path] = set()
    for module in RENDER_TIME_MODULES:
        code |= import_closure(f"{PACKAGE_DIR.name}.{module}", ctx.import_cache)
    return sorted({*outputs, *sources, *project, *settings.bibliography, *settings.profile_files, *code})


def render_key(ctx: BuildContext, settings: RenderSettings, quarto_version: str) -> str:
    """SHA-256 of the render inputs, the Quarto version and the profile."""
    files = render_inputs(ctx, settings)
    missing = [p for p in files if not p.exists()]
    if missing:
        raise RenderError(f"the render needs {', '.join(str(p) for p in missing)}: run `python -m analysis build`")
    digest = hashlib.sha256(sha256_files(files, ctx.root).encode())
    digest.update(f"\0quarto {quarto_version}\0profile {settings.profile}".encode())
    return digest.hexdigest()


def quarto_version(quarto: str) -> str:
    """The version of the Quarto at ``quarto``: its ``share/version`` file, else ``quarto --version``."""
    installed = Path(quarto).resolve().parents[1] / "share" / "version"
    if installed.is_file():
        return installed.read_text(encoding="utf-8").strip()
    result = subprocess.run([quarto, "--version"], capture_output=True, text=True, check=True)
    return result.stdout.strip()


def staging_dir(output_dir: Path) -> Path:
    """Where a render is written before it replaces ``output_dir`` (``_`` keeps Quarto from reading it)."""
    return output_dir.with_name(f"{output_dir.name}.rendering")


def remove_intermediates(settings: RenderSettings) -> list[Path]:
    """Delete Quarto's intermediate files beside the article (a failed render leaves them); return them."""
    found = intermediate_files(settings.article)
    for path in found:
        shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
    return found


def render(root: Path, quarto: str, *, profile: str | None = None, force: bool = False,
           log: Callable[[str], None] = lambda msg: print(msg, file=sys.stderr)) -> RenderOutcome:
    """Build, then render unless the recorded render is current.

    Raises :class:`RenderError` when Quarto or the static check fails, and the build's own errors (e.g.
    :class:`~analysis.inputs.errors.DataError`) when the build does; either way the render's outputs are gone.
    """
    ctx = BuildContext(root=root, log=log)
    settings = render_settings(root, profile)
    out, staging = settings.output_dir, staging_dir(settings.output_dir)
    shown = out.relative_to(root) if out.is_relative_to(root) else out
    try:
        run_build(ctx)
        version = quarto_version(quarto)
        key = render_key(ctx, settings, version)
        ctx.import_cache.save()
        if not force and read_record(out).get("render_key") == key and record_intact(out):
            log(f"render: {shown}/ is up to date (profile {settings.profile})")
            return RenderOutcome(False, out, key)
        _check_sources(root)
        shutil.rmtree(staging, ignore_errors=True)
        remove_intermediates(settings)
        log(f"render: quarto render{f' --profile {settings.profile}' if settings.profile else ''} "
            f"(Quarto {version}) into {staging.name}/ ...")
        _run_quarto(root, quarto, settings, staging)
        remove_intermediates(settings)
        if render_key(ctx, settings, version) != key:
            raise RenderError("the render's inputs changed while Quarto ran: render again")
        if not read_record(staging).get("outputs"):
            raise RenderError(f"Quarto wrote no render record ({staging.name}/render.json): did the post-render "
                              "step run?")
        set_render_key(staging, key)
        replace_dir(staging, out)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
        remove_intermediates(settings)
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        log(f"render: FAILED ({reason}); removed {shown}/ and Quarto's intermediate files so that no output "
            "looks current")
        raise
    log(f"render: done; outputs in {shown}/")
    return RenderOutcome(True, out, key)


def _check_sources(root: Path) -> None:
    """The static check of the sources (no Quarto needed): a render of broken sources would fail later."""
    from ..quarto.check import check_project

    _, problems = check_project(root)
    if problems:
        details = "\n".join(p.render(root) for p in problems)
        raise RenderError(f"the static check of the sources found {len(problems)} problem(s):\n{details}")


def _run_quarto(root: Path, quarto: str, settings: RenderSettings, staging: Path) -> None:
    """``quarto render`` into ``staging``, with this interpreter for the project's scripts and cells."""
    command = [quarto, "render", *(["--profile", settings.profile] if settings.profile else []),
               "--output-dir", staging.relative_to(root).as_posix()]
    env = {**os.environ, "QUARTO_PYTHON": sys.executable, BUILD_DONE_ENV: "1"}
    result = subprocess.run(command, cwd=root, env=env)
    if result.returncode != 0:
        raise RenderError(f"quarto render exited with status {result.returncode}")
