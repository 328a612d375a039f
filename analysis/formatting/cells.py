"""Table and figure cells: n (%), medians with ranges, time-to-event values, counts and PRISMA boxes."""

from __future__ import annotations

from .numbers import DASH, NOT_ESTIMABLE, NOT_REPORTED, NOT_REPORTED_CELL, compact, integer, interval, number, percent


NOT_REACHED = "NR"  # a median not reached, in Table 1 (explained in the table notes)
CI_TOKEN_TEXT = {"NR": NOT_REACHED, "NE": NOT_ESTIMABLE}  # CI bounds given as not reached / not estimable


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
