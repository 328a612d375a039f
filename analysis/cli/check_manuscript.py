"""``python -m analysis check-manuscript``: the static check of the Quarto sources, without Quarto."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .options import add_project_options


def register(sub: Any) -> None:
    p = sub.add_parser("check-manuscript", help="check the Quarto sources without Quarto (vars, includes, "
                       "cross-references, citations, hand-typed numbers)",
                       description="Prove that every {{< var >}} key, include, embed, image, @fig-/@tbl- "
                                   "cross-reference and @citation in the manuscript resolves, that labels are "
                                   "valid and unique, and that no number is typed into the prose by hand. "
                                   "Needs the build outputs (_variables.yml, build/); pass --build to run it first.")
    add_project_options(p)
    p.add_argument("--build", action="store_true", help="run `python -m analysis build` first")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..pipeline.runner import update_quietly
    from ..quarto.check import check_project

    root = Path(args.root).resolve()
    if args.build:
        update_quietly(root)
    project, problems = check_project(root)
    for p in problems:
        print(p.render(root), file=sys.stderr)
    if problems:
        print(f"check-manuscript: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"check-manuscript: OK ({project.article.relative_to(root)} and its includes)", file=sys.stderr)
    return 0
