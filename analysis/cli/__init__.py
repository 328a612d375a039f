"""Command line: ``python -m analysis <command>``; see ``--help`` of each command.

Each command is one module with ``register(subparsers)``; :data:`COMMANDS` is the
one list of them. The commands import the layers below; nothing imports the CLI.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Sequence

from ..inputs.errors import DataError
from ..stats.errors import ConvergenceError
from . import build, check, check_manuscript, diff, pool, snapshot
from .options import EPILOG

#: Every command, in the order ``--help`` lists them.
COMMANDS = (build, pool, check, snapshot, diff, check_manuscript)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m analysis",
        description="Reproducible meta-analysis of single proportions and the manuscript built from it.",
        epilog=EPILOG)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.register(sub)
    return parser


def _stop_writing_to_closed_pipe() -> int:
    """The reader of our output went away (``... | head``): the standard handling of Python's documentation
    (signal module, "Note on SIGPIPE"): point stdout at devnull so the exit does not fail again, exit 1."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        return _stop_writing_to_closed_pipe()
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (ConvergenceError, ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
