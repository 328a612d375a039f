"""One cell of an input table: its column's rules and its parsing, with the message a reader can act on."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

#: Tokens a confidence-interval bound may hold instead of a number.
CI_TOKENS = {"NR": "not reached", "NE": "not estimable"}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # text, int, float, category, ci_bound
    required: bool = False
    choices: frozenset[str] | None = None
    minimum: float | None = None
    maximum: float | None = None


def parse_cell(cell: str, col: Column) -> tuple[Any, str | None]:
    """Parse one cell; return (value, error message or None). Blank -> None."""
    text = cell.strip()
    if text == "":
        return None, ("is required but empty" if col.required else None)
    if col.kind == "text":
        return text, None
    if col.kind == "category":
        assert col.choices is not None
        if text not in col.choices:
            return None, f"unknown value {text!r}; allowed: {', '.join(sorted(col.choices))}"
        return text, None
    if col.kind == "ci_bound" and text in CI_TOKENS:
        return text, None
    try:
        number = float(text)
    except ValueError:
        extra = " or NR/NE" if col.kind == "ci_bound" else ""
        return None, f"cannot read {text!r} as a number{extra}"
    if not math.isfinite(number):
        return None, f"{text!r} is not a finite number"
    if col.kind == "int":
        if number != int(number):
            return None, f"{text!r} is not a whole number"
        number = int(number)
    if col.minimum is not None and number < col.minimum:
        return None, f"{text} is below the minimum {col.minimum:g}"
    if col.maximum is not None and number > col.maximum:
        return None, f"{text} is above the maximum {col.maximum:g}"
    return number, None
