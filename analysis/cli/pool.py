"""``python -m analysis pool FILE``: the engine on any CSV of study,events,total[,subgroup]."""

from __future__ import annotations

import argparse
from typing import Any

from ..stats.methods import TAU2_METHOD_NAMES, TRANSFORM_NAMES
from .options import EPILOG, confidence_level


def register(sub: Any) -> None:
    p = sub.add_parser("pool", help="meta-analyse proportions from any CSV of study,events,total[,subgroup]",
                       description="Pool single proportions from a CSV with columns study,events,total "
                                   "(and optionally a subgroup column). Prints a table, or JSON with --json.",
                       epilog=EPILOG)
    p.add_argument("file", help="CSV file with columns study,events,total")
    p.add_argument("--transform", choices=sorted(TRANSFORM_NAMES), default="ft",
                   help="ft = Freeman-Tukey double arcsine (default), logit, arcsine, raw")
    p.add_argument("--tau2", choices=[m for m in TAU2_METHOD_NAMES if m != "ee"], default="dl",
                   help="tau² estimator: dl = DerSimonian-Laird (default), reml, pm = Paule-Mandel, ml")
    p.add_argument("--hksj", action="store_true", help="Hartung-Knapp-Sidik-Jonkman CI (t distribution)")
    p.add_argument("--glmm", action="store_true",
                   help="fit the random-intercept logistic model (ML) instead of a transformed-scale model")
    p.add_argument("--subgroup", metavar="COLUMN", help="pool within the groups of this column and test differences")
    p.add_argument("--level", type=confidence_level, default=0.95, help="confidence level (default 0.95)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import sys

    from ..inputs.proportions_csv import load_proportions_csv
    from .pool_report import glmm_report, pool_report, render_text

    table = load_proportions_csv(args.file, args.subgroup)
    if args.glmm:
        report = glmm_report(table, level=args.level)
    else:
        report = pool_report(table, transform=args.transform, tau2_method=args.tau2, hksj=args.hksj,
                             level=args.level)
    if args.json:
        from .pool_json import write_json

        sys.stdout.flush()
        write_json(report, sys.stdout.buffer)
        sys.stdout.buffer.flush()
    else:
        print(render_text(report))
    return 0
