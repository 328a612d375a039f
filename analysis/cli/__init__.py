"""Command line: ``python -m analysis <command>``; see ``--help`` of each command.

Each command is one module with ``register(subparsers)``; :data:`COMMANDS` is the
one list of them. The commands import the layers below; nothing imports the CLI.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from ..inputs.errors import DataError
from ..stats.tau2 import ConvergenceError
from . import build, check, check_manuscript, diff, pool, snapshot, submission
from .options import EPILOG

#: Every command, in the order ``--help`` lists them.
COMMANDS = (build, pool, check, snapshot, diff, submission, check_manuscript)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m analysis",
        description="Reproducible meta-analysis of single proportions and the manuscript built from it.",
        epilog=EPILOG)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.register(sub)
    return parser


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
