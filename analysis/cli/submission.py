"""``python -m analysis submission``: the folder and zip to upload to the journal (``make submission``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..io import display_name
from .options import add_project_options, update_build_unless_told_not


def register(sub: Any) -> None:
    p = sub.add_parser("submission", help="assemble build/submission/ and build/submission.zip for the journal",
                       description="Collect the line-numbered article (PDF, DOCX), the MECA bundle, each figure and "
                                   "table as its own file, and both PRISMA 2020 checklists filled from the rendered "
                                   "review PDF. Needs a current review render: `make submission` makes one first.")
    add_project_options(p, "use build/ as it is (default: update it first)")
    p.add_argument("--out", metavar="FOLDER", help="write the package here (and FOLDER.zip) instead of "
                                                   "build/submission/")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..submission.checklist_pdf import TypstError
    from ..submission.package import build_package

    root = Path(args.root).resolve()
    update_build_unless_told_not(root, args)
    try:
        package = build_package(root, Path(args.out).resolve() if args.out else None)
    except TypstError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"submission: {len(package.files)} files in {display_name(package.folder, root)}, zipped as "
          f"{display_name(package.zip, root)} ({package.zip.stat().st_size / 1e6:.1f} MB)")
    missing = package.resolution.not_reported
    reported = sum(len(rows) for rows in package.resolution.rows.values()) - len(missing)
    print(f"  PRISMA 2020: {reported} items located in Manuscript.pdf, {len(missing)} not reported: "
          + ", ".join(r.item.ref for r in missing))
    return 0
