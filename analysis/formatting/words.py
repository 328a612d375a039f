"""Counts in words and nouns that agree with them, lists, dates, word counts: the house style for prose.

**Numbers in prose** (one rule, applied by every caller through :func:`count_word` and :func:`count_noun`):
zero to nine are words, 10 and above numerals (the Chicago Manual of Style's alternative rule, the usual one in
scientific writing: https://cmosshoptalk.com/tag/quiz/); counts of one kind of thing are written alike throughout
the article, so when any count of a kind reaches 10 every count of that kind is a numeral ("10 trials … 3 trials",
never "ten trials … 13 cohorts" style mixtures within a kind: pass ``largest``, the largest count of that kind the
article states); a count that starts a sentence is spelled out whatever its size ("Twelve trials …"). Frontiers'
author guidelines (https://www.frontiersin.org/guidelines/author-guidelines) set UK English but state no rule for
numbers, so this house rule fills the gap.
"""

from __future__ import annotations

import datetime
import re
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


NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
#: The first count written as a numeral.
NUMERALS_FROM = len(NUMBER_WORDS)


def numerals_for(largest: int | None) -> bool:
    """Whether counts of a kind whose largest count is ``largest`` are all written as numerals."""
    return largest is not None and largest >= NUMERALS_FROM


def spelled_out(n: int) -> str:
    """Any whole number in words: 23 -> 'twenty-three' (British English, as the article)."""
    from num2words import num2words

    return num2words(n, lang="en_GB") if n >= NUMERALS_FROM else NUMBER_WORDS[n]


def count_word(n: int, capital: bool = False, largest: int | None = None) -> str:
    """A count by the house rule: 'four', '14'; all numerals when ``largest`` (the largest count of the same kind
    in the article) is 10 or more; spelled out at the start of a sentence (``capital``)."""
    if capital:
        word = spelled_out(n)
        return word[:1].upper() + word[1:]
    if n < 0 or n >= NUMERALS_FROM or numerals_for(largest):
        return str(n)
    return NUMBER_WORDS[n]


def plural(n: int, singular: str, plural_form: str | None = None) -> str:
    return singular if n == 1 else (plural_form or singular + "s")


def count_noun(n: int | None, singular: str, plural_form: str | None = None, capital: bool = False,
               words: bool = True, largest: int | None = None) -> str:
    """A count with its noun in the right number, by the house rule (:func:`count_word`): 'one trial',
    'nine trials', 'no trials', '14 trials', '3 trials' when ``largest`` is 10 or more; 'an unreported number
    of trials' when the count is missing. ``words=False`` writes numerals (a series of counts that includes large
    ones, as in the PRISMA flow)."""
    if n is None:
        text = f"an unreported number of {plural(2, singular, plural_form)}"
    elif n == 0:
        text = f"no {plural(0, singular, plural_form)}"
    else:
        number_text = (count_word(n, capital=capital, largest=largest) if words else integer(n))
        text = f"{number_text} {plural(n, singular, plural_form)}"
    return text[:1].upper() + text[1:] if capital else text


#: Markdown emphasis and code marks, which a word count skips.
MARKDOWN_MARKS = re.compile(r"[*_`]+")


def word_count(text: str) -> int:
    """Words of a (Markdown) text as a word processor counts them: runs of characters between spaces, emphasis
    marks ignored ('**Results:** 54.5% (95% CI 43.1–65.7%)' is five words)."""
    return len(MARKDOWN_MARKS.sub("", text).split())


MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]  # fixed English names (strftime would follow the locale)


def long_date(value: str) -> str:
    """ISO date -> '1 January 2019'."""
    d = datetime.date.fromisoformat(str(value))
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"
