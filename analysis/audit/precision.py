"""Judging a printed number against a computed one at the precision it was printed with.

A printed value with ``d`` decimals stands for every number within half a unit
of its last digit; both rounding conventions at an exact tie are accepted
(GRIM, Brown & Heathers 2017, Soc Psychol Personal Sci 8:363).
"""

from __future__ import annotations

import math
import re

_TOLERANCE = 1e-9


def decimals_of(text: str) -> int:
    """Decimals as printed: '40' -> 0, '76.1' -> 1, '0.013' -> 3, '68.24' -> 2."""
    m = re.fullmatch(r"\s*[-+]?\d*(?:\.(\d*))?(?:[eE][-+]?\d+)?\s*", str(text))
    if not m:
        raise ValueError(f"not a number as printed: {text!r}")
    return len(m.group(1) or "")


def half_unit(decimals: int) -> float:
    return 0.5 * 10.0 ** (-decimals)


def agrees(computed: float, printed: float, decimals: int) -> bool:
    """True when ``computed`` rounds to ``printed`` at ``decimals`` (either way at an exact tie)."""
    return abs(computed - printed) <= half_unit(decimals) + _TOLERANCE


def difference_text(computed: float, printed: float, decimals: int) -> str:
    """Printed minus computed, with one decimal more than printed: '-0.7'."""
    return f"{printed - computed:+.{decimals + 1}f}"


def grim_numerators(percent: float, decimals: int, total: int) -> list[int]:
    """Every whole count x in 0..total whose 100·x/total prints as ``percent`` (GRIM)."""
    lo = math.floor((percent - half_unit(decimals)) * total / 100) - 1
    hi = math.ceil((percent + half_unit(decimals)) * total / 100) + 1
    return [x for x in range(max(lo, 0), min(hi, total) + 1) if agrees(100 * x / total, percent, decimals)]
