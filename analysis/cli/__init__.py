"""Command line: ``python -m analysis <command>``; see ``--help`` of each command.

Each command is one module with ``register(subparsers)``; :data:`COMMANDS` is the
one table of them. A command's module is imported only when it is asked for (or
for the top-level ``--help``), so ``build`` and ``render`` with nothing to do load
neither numpy nor the audit. The commands import the layers below; nothing
imports the CLI.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from types import ModuleType
from typing import Sequence

from ..inputs.errors import DataError
from .options import EPILOG

#: Every command (name -> module of this package), in the order ``--help`` lists them.
COMMANDS = {
    "build": "build",
    "render": "render",
    "pool": "pool",
    "check": "check",
    "snapshot": "snapshot",
    "diff": "diff",
    "submission": "submission",
    "check-manuscript": "check_manuscript",
}


def command_module(name: str) -> ModuleType:
    return importlib.import_module(f"{__name__}.{COMMANDS[name]}")


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; given ``argv`` that names a command, only that command's module is imported."""
    parser = argparse.ArgumentParser(
        prog="python -m analysis",
        description="Reproducible meta-analysis of single proportions and the manuscript built from it.",
        epilog=EPILOG)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    named = argv[0] if argv else None
    for name in [named] if named in COMMANDS else COMMANDS:
        command_module(name).register(sub)
    return parser


def _stop_writing_to_closed_pipe() -> int:
    """The reader of our output went away (``... | head``): the standard handling of Python's documentation
    (signal module, "Note on SIGPIPE"): point stdout at devnull so the exit does not fail again, exit 1."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(argv).parse_args(argv)
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        return _stop_writing_to_closed_pipe()
    except (DataError, ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except RuntimeError as exc:
        from ..stats.errors import ConvergenceError  # only on this path: a no-op build loads no engine module

        if not isinstance(exc, ConvergenceError):
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
