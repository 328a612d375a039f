"""Options and checks shared by the commands: the project folder, --no-build, a confidence level."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..inputs.errors import DataError

#: Closing line of the top-level help and of ``pool --help``.
EPILOG = "Defaults reproduce the seed paper: Freeman-Tukey transform, DerSimonian-Laird tau², Wald CI."


def add_project_options(parser: argparse.ArgumentParser, no_build_help: str | None = None) -> None:
    """``--root`` for every command that works on a project; ``--no-build`` for those that update build/ first."""
    parser.add_argument("--root", default=".", help="project folder (default: current folder)")
    if no_build_help:
        parser.add_argument("--no-build", action="store_true", help=no_build_help)


def project_root(args: argparse.Namespace) -> Path:
    """The ``--root`` folder; it must hold ``data/``."""
    root = Path(args.root).resolve()
    if not (root / "data").is_dir():
        raise DataError(root, ["no data/ folder here; run from the project folder or pass --root"])
    return root


def update_build_unless_told_not(root: Path, args: argparse.Namespace) -> None:
    """Bring build/ up to date quietly, unless ``--no-build`` was given."""
    if not getattr(args, "no_build", False):
        from ..pipeline.runner import update_quietly

        update_quietly(root)


def confidence_level(text: str) -> float:
    """argparse type: a confidence level strictly between 0 and 1 (0.95, not 95)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 1 (write 0.95 for 95%)")
    return value
