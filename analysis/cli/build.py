"""``python -m analysis build``: run every build step whose inputs changed."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .options import add_project_options, project_root


def register(sub: Any) -> None:
    p = sub.add_parser("build", help="compute results, tables, figures and manuscript variables into build/",
                       description="Run every build step whose inputs changed (data/, analysis code). "
                                   "Outputs go to build/ and _variables.yml; data/ is only read.")
    add_project_options(p)
    p.add_argument("--force", action="store_true", help="rerun every step even if its inputs did not change")
    p.add_argument("--only", nargs="+", metavar="STEP", help="run only these steps")
    p.add_argument("--strict", action="store_true", help="turn warnings (e.g. PRISMA arithmetic) into errors")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..pipeline.runner import BuildContext, run_build

    ctx = BuildContext(root=project_root(args), strict=args.strict,
                       log=(lambda msg: None) if args.quiet else (lambda msg: print(msg, file=sys.stderr)))
    ran = run_build(ctx, force=args.force, only=args.only)
    if not args.quiet:
        print(f"build: {len(ran)} step(s) ran; outputs in {ctx.build_dir}", file=sys.stderr)
    return 0
