"""How every number and word of a result is written, in one place: tables, prose, figure labels, the audit and the
``pool`` command all call these (``from analysis import formatting as fmt``).

:mod:`.numbers`: percentages, intervals, P values, I², τ², ranges, and the tokens for values that are not numbers;
:mod:`.words`: counts in words, plurals, lists, dates; :mod:`.cells`: table and figure cells; :mod:`.methods`:
names of the statistical methods. Judgements are made on the value as printed (see :mod:`.numbers`).
"""

from __future__ import annotations

from .cells import (CI_TOKEN_TEXT, NOT_REACHED, ci_bound, count_percent, fraction, median_range, n_equals, percent_ci,
                    time_to_event_cell)
from .methods import BACK_TRANSFORMATIONS, METHOD_NAMES, method_name, transform_description, transform_scale
from .numbers import (DASH, NOT_ESTIMABLE, NOT_ESTIMABLE_TEXT, NOT_REPORTED, NOT_REPORTED_CELL, compact,
                      estimate_with_ci, heterogeneity_class, heterogeneity_line, i2, integer, interval, is_significant,
                      level_label, number, number_range, p_number, p_value, percent, percent_range, percentage_points,
                      printed, q_test, tau_squared, value_range, year_range)
from .words import (MONTHS, NUMBER_WORDS, NUMERALS_FROM, count_noun, count_word, join_words, long_date, numerals_for,
                    plural, spelled_out, word_count)

__all__ = [
    # cells
    "CI_TOKEN_TEXT", "NOT_REACHED", "ci_bound", "count_percent", "fraction", "median_range", "n_equals", "percent_ci",
    "time_to_event_cell",
    # methods
    "BACK_TRANSFORMATIONS", "METHOD_NAMES", "method_name", "transform_description", "transform_scale",
    # numbers
    "DASH", "NOT_ESTIMABLE", "NOT_ESTIMABLE_TEXT", "NOT_REPORTED", "NOT_REPORTED_CELL", "compact", "estimate_with_ci",
    "heterogeneity_class", "heterogeneity_line", "i2", "integer", "interval", "is_significant", "level_label",
    "number", "number_range", "p_number", "p_value", "percent", "percent_range", "percentage_points", "printed",
    "q_test", "tau_squared", "value_range", "year_range",
    # words
    "MONTHS", "NUMBER_WORDS", "NUMERALS_FROM", "count_noun", "count_word", "join_words", "long_date", "numerals_for",
    "plural", "spelled_out", "word_count",
]
