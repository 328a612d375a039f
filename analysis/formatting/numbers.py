"""How numbers are written, in one place: tables, prose and figure labels all call these.

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
* ``NR`` in Table 1: a median that was *not reached* (time-to-event cells);
* the en dash (:data:`NOT_REPORTED_CELL`) in tables and figure columns (e.g. events
  "–/13") and "not reported" (:data:`NOT_REPORTED`) in prose: a value the source
  does not report.
"""

from __future__ import annotations

import math
from typing import Iterable, Sequence

DASH = "\u2013"  # en dash for ranges
NOT_ESTIMABLE = "NE"
NOT_ESTIMABLE_TEXT = "not estimable"


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


def count_noun(n: int | None, singular: str, plural_form: str | None = None, capital: bool = False,
               words: bool = True) -> str:
    """A count with its noun in the right number: 'one trial', 'nine trials', 'no trials', '14 trials';
    'an unreported number of trials' when the count is missing. ``words=False`` writes digits ('9 trials', for
    a series of counts that includes large ones)."""
    if n is None:
        text = f"an unreported number of {plural(2, singular, plural_form)}"
    else:
        number_text = ("no" if n == 0 else count_word(n)) if words else integer(n)
        text = f"{number_text} {plural(n, singular, plural_form)}"
    return text[:1].upper() + text[1:] if capital else text


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
    """'11/27'; '–/13' when the numerator is not reported."""
    return f"{integer(events)}/{integer(total)}"


def n_equals(n: int | None) -> str:
    """PRISMA box count: '(n = 413)', '(n = not reported)'."""
    return f"(n = {NOT_REPORTED if n is None else integer(n)})"


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


#: The one table of human-readable names of the methods behind the settings codes in ``results.json``
#: (``settings``: transform, tau2_method, study_ci; ``hksj`` true/false picks 'hksj' or 'wald'). Prose, figure
#: footnotes, tables and the ``pool`` command all name methods through :func:`method_name`.
METHOD_NAMES = {
    # transformations of proportions (analysis/transforms.py)
    "ft": "Freeman\u2013Tukey double arcsine", "logit": "logit", "arcsine": "arcsine square root",
    "raw": "untransformed proportion",
    # estimators of the between-study variance tau² (analysis/tau2.py)
    "dl": "DerSimonian\u2013Laird", "reml": "restricted maximum likelihood", "pm": "Paule\u2013Mandel",
    "ml": "maximum likelihood", "ee": "common effect (\u03c4\u00b2 = 0)",
    # confidence intervals of single proportions (analysis/study_ci.py)
    "clopper-pearson": "exact Clopper\u2013Pearson", "wilson": "Wilson score",
    # confidence intervals of pooled estimates (analysis/models.py)
    "hksj": "Hartung\u2013Knapp\u2013Sidik\u2013Jonkman", "wald": "normal (Wald-type)",
}

#: How each transformed scale is taken back to proportions (Miller 1978 for the Freeman–Tukey scale).
BACK_TRANSFORMATIONS = {
    "ft": "back-transformed with Miller's inversion using the harmonic mean of the cohort sizes",
    "logit": "back-transformed with the inverse logit",
    "arcsine": "back-transformed by squaring the sine",
    "raw": "which needs no back-transformation",
}


def method_name(code: str) -> str:
    """'dl' -> 'DerSimonian–Laird', 'ft' -> 'Freeman–Tukey double arcsine'; unknown codes are returned as given."""
    return METHOD_NAMES.get(code, code)


def transform_description(code: str) -> str:
    """'Freeman–Tukey double arcsine scale, back-transformed with Miller's inversion using ...'."""
    back = BACK_TRANSFORMATIONS.get(code)
    return f"{method_name(code)} scale" + (f", {back}" if back else "")


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

NOT_REACHED = "NR"  # a median not reached, in Table 1 (explained in the table notes)
CI_TOKEN_TEXT = {"NR": NOT_REACHED, "NE": NOT_ESTIMABLE}  # CI bounds given as not reached / not estimable
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
        return f"{NOT_REACHED}{ci}"
    if status == "not_estimable":
        both_ne = f" ({NOT_ESTIMABLE}{DASH}{NOT_ESTIMABLE})"
        return NOT_ESTIMABLE if ci in ("", both_ne) else f"{NOT_ESTIMABLE}{ci}"
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
