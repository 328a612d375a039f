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


# ----------------------------------------------------------------------------- figure labels (issue 3)

NOT_REPORTED = "not reported"


def percent_ci(p: float | None, lo: float | None, hi: float | None, decimals: int = 1, sign: bool = False) -> str:
    """Forest-plot column: '40.7 (22.4–61.2)' (percent sign in the column header), or 'not reported'."""
    if p is None:
        return NOT_REPORTED
    return f"{percent(p, decimals, sign)} ({interval(lo, hi, decimals, sign)})"


def fraction(events: int | None, total: int | None) -> str:
    """'11/27'; 'NR/13' when the numerator is not reported."""
    return f"{integer(events)}/{integer(total)}"


def n_equals(n: int | None) -> str:
    """PRISMA box count: '(n = 413)', '(n = not reported)'."""
    return f"(n = {NOT_REPORTED if n is None else integer(n)})"


def tau_squared(value: float | None, decimals: int = 4) -> str:
    """τ² on the transformed scale: '0.0110', '0' when exactly zero, '< 0.0001' when smaller than shown."""
    if value is None or math.isnan(value):
        return MISSING
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
    return f"Q = {number(q, 2)}, df = {integer(df)}, {p_value(p)}"


#: Names of the methods behind the settings codes in ``results.json`` (``settings``).
METHOD_NAMES = {
    "ft": "Freeman\u2013Tukey double arcsine", "logit": "logit", "arcsine": "arcsine square root",
    "raw": "untransformed proportion", "dl": "DerSimonian\u2013Laird", "reml": "restricted maximum likelihood",
    "pm": "Paule\u2013Mandel", "ml": "maximum likelihood", "clopper-pearson": "exact Clopper\u2013Pearson",
    "wilson": "Wilson score",
}


def method_name(code: str) -> str:
    """'dl' -> 'DerSimonian–Laird'; unknown codes are returned as given."""
    return METHOD_NAMES.get(code, code)


def transform_scale(code: str) -> str:
    """Axis wording for a transformed scale; the Freeman–Tukey scale is metafor's, half of Stata's sum."""
    if code == "ft":
        return "Freeman\u2013Tukey double arcsine (metafor scale, \u00bd \u00d7 Stata)"
    return method_name(code)


def distinct_labels(labels: Sequence[str]) -> list[str]:
    """Append a, b, ... to labels that occur more than once, in order ('Hutchings 2023a', 'Hutchings 2023b')."""
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        if counts[label] == 1:
            out.append(label)
            continue
        seen[label] = seen.get(label, 0) + 1
        out.append(f"{label}{chr(ord('a') + seen[label] - 1)}")
    return out


# ----------------------------------------------------------------------------- manuscript text and tables (issue 4)

CI_TOKEN_TEXT = {"NR": "NR", "NE": "NE"}  # not reached / not estimable, as printed in Table 1
NOT_REPORTED_CELL = "\u2013"  # en dash: a value the source does not report (explained in the table notes)


def count_percent(events: int | None, total: int | None, decimals: int = 1) -> str:
    """Table cell 'n (%)' with the percentage computed from n/N: (11, 27) -> '11 (40.7)'."""
    if events is None or total is None:
        return NOT_REPORTED_CELL
    return f"{events} ({percent(events / total, decimals, sign=False)})"


def ci_bound(value: float | str | None, decimals: int = 1) -> str:
    """A CI bound in months: 4.0 -> '4.0'; the tokens 'NR' / 'NE' are kept."""
    if isinstance(value, str):
        return CI_TOKEN_TEXT.get(value, value)
    return number(value, decimals)


def time_to_event_cell(status: str, value: float | None, ci_low: float | str | None, ci_high: float | str | None,
                       landmark_months: float | None) -> str:
    """Table 1 cell for a time-to-event outcome (months): '19.7 (4.0–NR)', 'NR (19.7–NR)', 'NE',
    '25.0% at 12 mo', or the not-reported dash."""
    ci = f" ({ci_bound(ci_low)}{DASH}{ci_bound(ci_high)})" if ci_low is not None and ci_high is not None else ""
    if status == "median":
        return f"{number(value)}{ci}"
    if status == "not_reached":
        return f"NR{ci}"
    if status == "not_estimable":
        return "NE" if ci in ("", f" (NE{DASH}NE)") else f"NE{ci}"
    if status == "landmark":
        return f"{percent(value)} at {compact(landmark_months)} mo"
    return NOT_REPORTED_CELL


def median_range(median: float | None, low: float | None, high: float | None) -> str:
    """'3 (2–13)'."""
    if median is None:
        return NOT_REPORTED_CELL
    rng = f" ({compact(low)}{DASH}{compact(high)})" if low is not None and high is not None else ""
    return f"{compact(median)}{rng}"


def long_date(value: str) -> str:
    """ISO date -> '1 January 2019'."""
    import datetime

    d = datetime.date.fromisoformat(str(value))
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]  # fixed English names (strftime would follow the locale)


def percentage_points(difference: float, decimals: int = 1) -> str:
    """Absolute difference of two proportions: 0.0123 -> '1.2 percentage points'."""
    return f"{100 * abs(difference):.{decimals}f} percentage points"
