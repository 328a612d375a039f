"""``python -m analysis snapshot NAME``: store the current build under _snapshots/NAME."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .options import add_project_options, update_build_unless_told_not


def register(sub: Any) -> None:
    p = sub.add_parser("snapshot", help="store the current build under _snapshots/NAME (e.g. submission-1)",
                       description="Copy results, manuscript variables, abstract, tables, figures and the rendered "
                                   "manuscript (if any) into _snapshots/NAME with a manifest of provenance and date.")
    p.add_argument("name", help="snapshot name, e.g. submission-1")
    p.add_argument("--force", action="store_true", help="replace an existing snapshot of that name")
    add_project_options(p, "snapshot build/ as it is (default: update it first)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..resubmission.snapshot import create_snapshot, read_manifest

    root = Path(args.root).resolve()
    update_build_unless_told_not(root, args)
    dest = create_snapshot(root, args.name, force=args.force)
    manifest = read_manifest(dest)
    print(f"snapshot {args.name}: {len(manifest['files'])} files in {dest.relative_to(root)} "
          f"(git {manifest['provenance']['git_commit'][:12]}, created {manifest['created']})")
    return 0
