"""Counts in words and nouns that agree with them, lists, dates: journal style for prose."""

from __future__ import annotations

import datetime
from typing import Sequence

from .numbers import integer


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


MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]  # fixed English names (strftime would follow the locale)


def long_date(value: str) -> str:
    """ISO date -> '1 January 2019'."""
    d = datetime.date.fromisoformat(str(value))
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"
