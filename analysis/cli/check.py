"""``python -m analysis check``: run the audit, write build/audit.{md,html,json}, print a summary."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .options import add_project_options, update_build_unless_told_not

#: The audit's rule families and finding scopes (``analysis.audit.RULE_FAMILIES`` and ``SCOPES``; a test keeps
#: them equal), named here so that ``--help`` does not load the audit.
RULE_FAMILY_NAMES = ("data", "inputs", "prisma", "reproduction", "claims", "manuscript", "journal", "checklist")
SCOPE_NAMES = ("data", "paper", "manuscript")


def register(sub: Any) -> None:
    p = sub.add_parser("check", help="audit every number: data, inputs, reproduction of the paper, claims, PRISMA, "
                                     "manuscript, journal limits, PRISMA checklist",
                       description="Run every consistency rule and write build/audit.md and build/audit.html. "
                                   "Exits 1 when a rule finds an error (with --strict, also a warning).")
    add_project_options(p, "audit build/ as it is (default: update the build first)")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors for the exit code")
    p.add_argument("--only", nargs="+", choices=RULE_FAMILY_NAMES, metavar="FAMILY",
                   help=f"run only these rule families ({', '.join(RULE_FAMILY_NAMES)})")
    p.add_argument("--scope", nargs="+", choices=SCOPE_NAMES,
                   help="keep only findings about these: data (inputs), paper (the published values), "
                        "manuscript (our rendered output)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..audit import exit_code, load_context, run_audit
    from ..audit.report import render_html, render_markdown, terminal_summary
    from ..io import write_text

    root = Path(args.root).resolve()
    update_build_unless_told_not(root, args)
    ctx = load_context(root)
    findings = run_audit(ctx, args.only)
    if args.scope:
        findings = [f for f in findings if f.scope in args.scope]
    out_dir = root / "build"
    write_text(out_dir / "audit.md", render_markdown(findings, ctx.registry))
    write_text(out_dir / "audit.html", render_html(findings, ctx.registry))
    write_text(out_dir / "audit.json", json.dumps([f.as_dict() for f in findings], indent=2, ensure_ascii=False) + "\n")
    print(terminal_summary(findings, str((out_dir / "audit.html").relative_to(root))))
    code = exit_code(findings, args.strict)
    if code:
        print(f"check: failed ({'errors or warnings (--strict)' if args.strict else 'errors'} found)", file=sys.stderr)
    return code
