"""Numbers as text: percentages, intervals, P values, I², τ², ranges; and the tokens for values that are not numbers.

Conventions (the seed paper's): proportions as percentages with one decimal,
CIs as "lo-hi" with an en dash, P values with three decimals (or "< 0.001"),
I² with one decimal, heterogeneity classes from the thresholds the methods
section states (``review.yaml``).

Words and judgements are decided on the value *as printed*: an I² of 25.04%
prints as "25.0%" and is therefore "low" at a 25% threshold; a P of 0.0496
prints as "0.050" and is therefore not significant at 0.05
(:func:`heterogeneity_class`, :func:`is_significant`).

Tokens for values that are not numbers:

* ``NE`` (:data:`NOT_ESTIMABLE`) / "not estimable" (:data:`NOT_ESTIMABLE_TEXT`):
  a statistic that cannot be computed (I² of a single study, a prediction
  interval with too few studies, a median the source calls not estimable);
* ``NR`` in Table 1: a median that was *not reached* (:data:`~analysis.formatting.cells.NOT_REACHED`);
* the en dash (:data:`NOT_REPORTED_CELL`) in tables and figure columns (e.g. events
  "–/13") and "not reported" (:data:`NOT_REPORTED`) in prose: a value the source
  does not report.
"""

from __future__ import annotations

import math
from typing import Sequence

DASH = "\u2013"  # en dash for ranges
NOT_ESTIMABLE = "NE"
NOT_ESTIMABLE_TEXT = "not estimable"
NOT_REPORTED = "not reported"
NOT_REPORTED_CELL = "\u2013"  # en dash: a value the source does not report (explained in the table notes)


def _absent(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def percent(p: float | None, decimals: int = 1, sign: bool = True) -> str:
    """0.5449 -> '54.5%'; 'NE' when there is no value."""
    if _absent(p):
        return NOT_ESTIMABLE
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
    if _absent(p):
        return f"P {NOT_ESTIMABLE_TEXT}"
    threshold = 10 ** (-decimals)
    if p < threshold:
        return f"P < {threshold:.{decimals}f}"
    return f"P = {p:.{decimals}f}"


def p_number(p: float | None, decimals: int = 3) -> str:
    """The number part only: '0.013', '< 0.001'."""
    text = p_value(p, decimals)
    return text.split("= ", 1)[-1] if "=" in text else text[2:]


def is_significant(p: float | None, alpha: float, decimals: int = 3) -> bool | None:
    """Whether P, *as printed* by :func:`p_value`, is below ``alpha``: 0.0496 prints '0.050', so it is not
    significant at 0.05; 'P < 0.001' is significant at any alpha >= 0.001. None when P is missing."""
    if _absent(p):
        return None
    threshold = 10 ** (-decimals)
    if p < threshold:
        return threshold <= alpha
    return printed(p, decimals) < alpha


def printed(value: float, decimals: int) -> float:
    """The value a reader sees with ``decimals`` decimals: printed(25.04, 1) == 25.0."""
    return float(f"{value:.{decimals}f}")


def i2(value: float | None, decimals: int = 1) -> str:
    """I² in percent: 68.24 -> '68.2%'."""
    if _absent(value):
        return NOT_ESTIMABLE
    return f"{value:.{decimals}f}%"


def number(value: float | None, decimals: int = 1) -> str:
    if _absent(value):
        return NOT_ESTIMABLE
    return f"{value:.{decimals}f}"


def integer(value: float | int | None) -> str:
    """A count; :data:`NOT_REPORTED_CELL` when the source does not give it."""
    return NOT_REPORTED_CELL if value is None else f"{int(round(value))}"


def compact(value: float) -> str:
    """A number without trailing zeros: 13.0 -> '13', 15.3 -> '15.3'."""
    return f"{value:g}"


def value_range(lo: float, hi: float, unit: str = "") -> str:
    """'13–42 months'."""
    return f"{compact(lo)}{DASH}{compact(hi)}{(' ' + unit) if unit else ''}"


def number_range(values: Sequence[float] | None, unit: str = "") -> str:
    """A [low, high] pair from the registry: '13–42 months', '13 months' when both ends print alike,
    'not reported' when the registry has no range (no cohort reports the value)."""
    if not values:
        return NOT_REPORTED
    lo, hi = values
    if compact(lo) == compact(hi):
        return f"{compact(lo)}{(' ' + unit) if unit else ''}"
    return value_range(lo, hi, unit)


def percent_range(values: Sequence[float] | None) -> str:
    """A [low, high] pair of proportions: '40.7–76.1%', '40.7%' when both ends print alike, or 'not reported'."""
    if not values:
        return NOT_REPORTED
    lo, hi = values
    return percent(lo) if percent(lo) == percent(hi) else interval(lo, hi)


def year_range(first: int, last: int) -> str:
    """'2023–2025', or '2025' for a single year."""
    return f"{first}" if first == last else f"{first}{DASH}{last}"


def percentage_points(difference: float, decimals: int = 1) -> str:
    """Absolute difference of two proportions: 0.0123 -> '1.2 percentage points'."""
    return f"{100 * abs(difference):.{decimals}f} percentage points"


def tau_squared(value: float | None, decimals: int = 4) -> str:
    """τ² on the transformed scale: '0.0110', '0' when exactly zero, '< 0.0001' when smaller than shown."""
    if _absent(value):
        return NOT_ESTIMABLE
    if value == 0:
        return "0"
    threshold = 10 ** (-decimals)
    if 0 < value < threshold:
        return f"< {threshold:.{decimals}f}"
    return f"{value:.{decimals}f}"


def heterogeneity_line(i2_percent: float | None, tau2: float | None, p: float | None) -> str:
    """'I² = 68.2%, τ² = 0.0110, P = 0.013'."""
    return f"I\u00b2 = {i2(i2_percent)}, \u03c4\u00b2 = {tau_squared(tau2)}, {p_value(p)}"


def q_test(q: float | None, df: int | None, p: float | None) -> str:
    """'Q = 4.62, df = 2, P = 0.099'."""
    if _absent(q):
        return f"Q {NOT_ESTIMABLE_TEXT}"
    return f"Q = {number(q, 2)}, df = {integer(df)}, {p_value(p)}"


def heterogeneity_class(i2_percent: float | None, low: float, moderate: float, decimals: int = 1) -> str:
    """'low' (<= low), 'moderate' (<= moderate) or 'substantial' (> moderate); thresholds in percent.
    Decided on I² as printed with ``decimals`` decimals (25.04 prints '25.0%', which is low)."""
    if _absent(i2_percent):
        return NOT_ESTIMABLE_TEXT
    shown = printed(i2_percent, decimals)
    if shown <= low:
        return "low"
    if shown <= moderate:
        return "moderate"
    return "substantial"
