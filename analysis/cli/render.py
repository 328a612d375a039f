"""``python -m analysis render [--profile NAME]``: build, then render the manuscript unless the recorded render is
current."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from typing import Any

from .options import add_project_options, project_root

NO_QUARTO = ("render: Quarto is not installed (or not on PATH). Install Quarto >= 1.5 (bash "
             "../shared/tools/quarto/install.sh, or https://quarto.org/docs/get-started/) and run it again; the "
             "analysis outputs (build/, _variables.yml) are built already.")


def register(sub: Any) -> None:
    p = sub.add_parser("render", help="build, then render the manuscript with Quarto unless nothing it shows changed",
                       description="Run the build, then `quarto render` into a staging folder that replaces the "
                                   "output folder when Quarto succeeds. Skipped when the render key (the build's "
                                   "outputs, manuscript sources, project files, bibliography, Quarto version, "
                                   "profile) matches the recorded one and the outputs are intact. A failed render "
                                   "removes the output folder and Quarto's intermediate files.")
    add_project_options(p)
    p.add_argument("--profile", help="Quarto profile (default: QUARTO_PROFILE, else the project's default)")
    p.add_argument("--force", action="store_true", help="render even if the recorded render is current")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..pipeline.render import RenderError, render

    root = project_root(args)
    quarto = shutil.which("quarto")
    if quarto is None:
        from ..pipeline.runner import BuildContext, run_build

        run_build(BuildContext(root=root))
        print(NO_QUARTO, file=sys.stderr)
        return 1
    try:
        render(root, quarto, profile=args.profile or os.environ.get("QUARTO_PROFILE") or None, force=args.force)
    except RenderError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
