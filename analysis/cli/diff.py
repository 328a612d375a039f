"""``python -m analysis diff BASE [--to NAME]``: every number changed since a snapshot, and a marked-up manuscript."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .options import add_project_options, update_build_unless_told_not


def register(sub: Any) -> None:
    p = sub.add_parser("diff", help="list every number that changed since a snapshot; write a marked-up manuscript",
                       description="Compare _snapshots/BASE with the current build (or with --to NAME). Writes "
                                   "build/diff/changes.{md,html}, build/diff/markup.{html,docx} and "
                                   "build/diff/response.docx (a response-to-reviewers skeleton).")
    p.add_argument("base", help="snapshot to compare from, e.g. submission-1")
    p.add_argument("--to", metavar="NAME", help="compare with this snapshot instead of the current build")
    add_project_options(p, "use build/ as it is (default: update it first)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..resubmission.report import write_diff
    from ..resubmission.response import write_response
    from ..resubmission.snapshot import read_manifest, snapshot_path

    root = Path(args.root).resolve()
    base = snapshot_path(root, args.base)
    read_manifest(base)
    if args.to:
        target, target_label = snapshot_path(root, args.to), args.to
        read_manifest(target)
    else:
        update_build_unless_told_not(root, args)
        target, target_label = root, "current build"
    out_dir = root / "build" / "diff"
    c, info = write_diff(root, base, args.base, target, target_label, out_dir)
    redrawn = f" ({len(c.figures_redrawn)} redrawn with identical content)" if c.figures_redrawn else ""
    print(f"diff {args.base} → {target_label}: {len(c.variables)} manuscript values, {len(c.tables)} table cells, "
          f"{len(c.figures)} figures{redrawn}, {len(c.results)} results changed")
    for ch in c.variables[:10]:
        print(f"  {ch.item}: {ch.old} → {ch.new}")
    rows, warning = write_response(c, target, out_dir / "response.docx")
    written = ["changes.md", "changes.html"] + (["markup.html"] if info["markup"] else []) \
        + (["markup.docx"] if info["docx"] else []) + ["response.docx"]
    print(f"wrote {', '.join(str((out_dir / w).relative_to(root)) for w in written)}")
    print(f"  response.docx: {rows} changes a reader can see, each with its page and line in the revised review PDF")
    if warning:
        print(f"  (response.docx: {warning})", file=sys.stderr)
    if not info["markup"]:
        print("  (no marked-up manuscript: manuscript/index.qmd is missing in one of the builds)", file=sys.stderr)
    return 0
