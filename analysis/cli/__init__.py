"""Command line: ``python -m analysis <command>``; see ``--help`` of each command."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Sequence

from ..inputs.trials import DataError
from ..stats.tau2 import TAU2_ESTIMATORS, ConvergenceError
from ..stats.transforms import TRANSFORMS

EPILOG = "Defaults reproduce the seed paper: Freeman-Tukey transform, DerSimonian-Laird tau², Wald CI."


def _root(args: argparse.Namespace) -> Path:
    root = Path(args.root).resolve()
    if not (root / "data").is_dir():
        raise DataError(root, ["no data/ folder here; run from the project folder or pass --root"])
    return root


def confidence_level(text: str) -> float:
    """argparse type: a confidence level strictly between 0 and 1 (0.95, not 95)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 1 (write 0.95 for 95%)")
    return value


def add_project_options(parser: argparse.ArgumentParser, no_build_help: str | None = None) -> None:
    """``--root`` for every command that works on a project; ``--no-build`` for those that update build/ first."""
    parser.add_argument("--root", default=".", help="project folder (default: current folder)")
    if no_build_help:
        parser.add_argument("--no-build", action="store_true", help=no_build_help)


def cmd_build(args: argparse.Namespace) -> int:
    from ..pipeline.runner import BuildContext, run_build

    ctx = BuildContext(root=_root(args), strict=args.strict,
                       log=(lambda msg: None) if args.quiet else (lambda msg: print(msg, file=sys.stderr)))
    ran = run_build(ctx, force=args.force, only=args.only)
    if not args.quiet:
        print(f"build: {len(ran)} step(s) ran; outputs in {ctx.build_dir}", file=sys.stderr)
    return 0


def cmd_pool(args: argparse.Namespace) -> int:
    from ..inputs.trials import load_proportions_csv
    from .pool_report import glmm_report, pool_report, render_text

    table = load_proportions_csv(args.file, args.subgroup)
    if args.glmm:
        report = glmm_report(table, level=args.level)
    else:
        report = pool_report(table, transform=args.transform, tau2_method=args.tau2, hksj=args.hksj,
                             level=args.level)
    if args.json:
        print(json.dumps(report, indent=2, allow_nan=False))
    else:
        print(render_text(report))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m analysis",
        description="Reproducible meta-analysis of single proportions and the manuscript built from it.",
        epilog=EPILOG)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("build", help="compute results, tables, figures and manuscript variables into build/",
                       description="Run every build step whose inputs changed (data/, analysis code). "
                                   "Outputs go to build/ and _variables.yml; data/ is only read.")
    add_project_options(p)
    p.add_argument("--force", action="store_true", help="rerun every step even if its inputs did not change")
    p.add_argument("--only", nargs="+", metavar="STEP", help="run only these steps")
    p.add_argument("--strict", action="store_true", help="turn warnings (e.g. PRISMA arithmetic) into errors")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("pool", help="meta-analyse proportions from any CSV of study,events,total[,subgroup]",
                       description="Pool single proportions from a CSV with columns study,events,total "
                                   "(and optionally a subgroup column). Prints a table, or JSON with --json.",
                       epilog=EPILOG)
    p.add_argument("file", help="CSV file with columns study,events,total")
    p.add_argument("--transform", choices=sorted(TRANSFORMS), default="ft",
                   help="ft = Freeman-Tukey double arcsine (default), logit, arcsine, raw")
    p.add_argument("--tau2", choices=[m for m in TAU2_ESTIMATORS if m != "ee"], default="dl",
                   help="tau² estimator: dl = DerSimonian-Laird (default), reml, pm = Paule-Mandel, ml")
    p.add_argument("--hksj", action="store_true", help="Hartung-Knapp-Sidik-Jonkman CI (t distribution)")
    p.add_argument("--glmm", action="store_true",
                   help="fit the random-intercept logistic model (ML) instead of a transformed-scale model")
    p.add_argument("--subgroup", metavar="COLUMN", help="pool within the groups of this column and test differences")
    p.add_argument("--level", type=confidence_level, default=0.95, help="confidence level (default 0.95)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=cmd_pool)

    for register in _extra_commands():
        register(sub)
    return parser


def _extra_commands() -> list[Any]:
    """Sub-commands defined by other modules (manuscript check, audit, snapshots)."""
    from .check import register_check
    from ..quarto.check import register_check_manuscript
    from ..resubmission.report import register_diff, register_snapshot

    return [register_check, register_snapshot, register_diff, register_check_manuscript]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (ConvergenceError, ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
