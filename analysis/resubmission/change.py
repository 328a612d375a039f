"""One difference between two builds, as every section of the diff report lists it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Change:
    kind: str  # "changed", "added" or "removed"
    item: str  # dotted path, variable name, "table / row / column" or figure
    old: Any
    new: Any
    location: str = ""
    difference: str = ""
