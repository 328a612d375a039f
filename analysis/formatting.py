"""How numbers are written, in one place: tables, prose and figure labels all call these.

Conventions (the seed paper's): proportions as percentages with one decimal,
CIs as "lo-hi" with an en dash, P values with three decimals (or "< 0.001"),
I² with one decimal, heterogeneity classes from the thresholds the methods
section states (``review.yaml``).
"""

from __future__ import annotations

import math
from typing import Iterable, Sequence

DASH = "\u2013"  # en dash for ranges
MISSING = "NR"


def percent(p: float | None, decimals: int = 1, sign: bool = True) -> str:
    """0.5449 -> '54.5%'."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return MISSING
    return f"{100 * p:.{decimals}f}" + ("%" if sign else "")


def interval(lo: float | None, hi: float | None, decimals: int = 1, sign: bool = True) -> str:
    """(0.431, 0.657) -> '43.1–65.7%'."""
    return f"{percent(lo, decimals, False)}{DASH}{percent(hi, decimals, sign)}"


def estimate_with_ci(p: float, lo: float, hi: float, decimals: int = 1, level: float = 0.95) -> str:
    """'54.5% (95% CI 43.1–65.7%)'."""
    return f"{percent(p, decimals)} ({level_label(level)} CI {interval(lo, hi, decimals)})"


def level_label(level: float) -> str:
    return f"{100 * level:g}%"


def p_value(p: float | None, decimals: int = 3) -> str:
    """'P = 0.013', 'P < 0.001'."""
    if p is None or math.isnan(p):
        return "P not estimable"
    threshold = 10 ** (-decimals)
    if p < threshold:
        return f"P < {threshold:.{decimals}f}"
    return f"P = {p:.{decimals}f}"


def p_number(p: float | None, decimals: int = 3) -> str:
    """The number part only: '0.013', '< 0.001'."""
    text = p_value(p, decimals)
    return text.split("= ", 1)[-1] if "=" in text else text[2:]


def i2(value: float | None, decimals: int = 1) -> str:
    """I² in percent: 68.24 -> '68.2%'."""
    if value is None or math.isnan(value):
        return MISSING
    return f"{value:.{decimals}f}%"


def number(value: float | None, decimals: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    return f"{value:.{decimals}f}"


def integer(value: float | int | None) -> str:
    return MISSING if value is None else f"{int(round(value))}"


def compact(value: float) -> str:
    """A number without trailing zeros: 13.0 -> '13', 15.3 -> '15.3'."""
    return f"{value:g}"


def value_range(lo: float, hi: float, unit: str = "") -> str:
    """'13–42 months'."""
    return f"{compact(lo)}{DASH}{compact(hi)}{(' ' + unit) if unit else ''}"


def heterogeneity_class(i2_percent: float | None, low: float, moderate: float) -> str:
    """'low' (<= low), 'moderate' (<= moderate) or 'substantial' (> moderate); thresholds in percent."""
    if i2_percent is None or math.isnan(i2_percent):
        return "not estimable"
    if i2_percent <= low:
        return "low"
    if i2_percent <= moderate:
        return "moderate"
    return "substantial"


def join_words(items: Sequence[str], conjunction: str = "and") -> str:
    """['a', 'b', 'c'] -> 'a, b and c'."""
    items = list(items)
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                "eleven", "twelve"]


def count_word(n: int, capital: bool = False) -> str:
    """Counts up to twelve in words (journal style), larger as digits."""
    word = NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else str(n)
    return word.capitalize() if capital else word


def plural(n: int, singular: str, plural_form: str | None = None) -> str:
    return singular if n == 1 else (plural_form or singular + "s")


def sorted_unique(values: Iterable[float]) -> list[float]:
    return sorted(set(values))
