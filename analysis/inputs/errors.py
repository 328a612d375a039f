"""The one error type of bad input: it names the file and lists every problem, by line and column."""

from __future__ import annotations

from pathlib import Path


class DataError(Exception):
    """One or more problems in an input file; ``str()`` lists them all."""

    def __init__(self, path: Path | str, problems: list[str]):
        self.path = Path(path)
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{self.path}: {len(problems)} problem(s)\n{lines}")


def require_file(path: Path) -> None:
    """Stop with a DataError unless ``path`` is an existing file."""
    if not path.exists():
        raise DataError(path, ["file not found"])
    if not path.is_file():
        raise DataError(path, ["not a file (is it a folder?)"])
