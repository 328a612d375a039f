"""The manuscript's variables as Quarto addresses them (``_variables.yml``), and where the sources use each one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import yaml

from ..results.paths import flatten

VAR_SHORTCODE = re.compile(r"\{\{<\s*var\s+([\w.-]+)\s*>\}\}")


def flatten_variables(value: Any) -> dict[str, str]:
    """_variables.yml as Quarto addresses it: nested keys joined with dots, values as text."""
    return {k: str(v) for k, v in flatten(value).items() if v is not None}


def load_variables(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    return flatten_variables(yaml.safe_load(path.read_text(encoding="utf-8")) or {})


@dataclass(frozen=True)
class VarUse:
    name: str
    file: str
    line: int
    section: str


def variable_uses(sources: Iterable[Path], root: Path) -> list[VarUse]:
    """Every ``{{< var name >}}`` in the manuscript sources, with file, line and the heading above it."""
    uses: list[VarUse] = []
    for path in sources:
        section = "(before the first heading)"
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            heading = re.match(r"^#{1,6}\s+(.*?)\s*(\{.*\})?\s*$", line)
            if heading:
                section = heading.group(1)
            for m in VAR_SHORTCODE.finditer(line):
                uses.append(VarUse(m.group(1), str(path.relative_to(root)), i, section))
    return uses


def manuscript_sources(root: Path) -> list[Path]:
    folder = root / "manuscript"
    return sorted(folder.rglob("*.qmd")) if folder.is_dir() else []
