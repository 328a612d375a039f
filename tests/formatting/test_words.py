"""The house rule for numbers in prose (analysis/formatting/words.py), written out by hand."""

from __future__ import annotations

import pytest

from analysis import formatting as fmt


@pytest.mark.parametrize("n, expected", [(0, "zero"), (1, "one"), (9, "nine"), (10, "10"), (13, "13"), (350, "350")])
def test_words_below_ten_numerals_from_ten(n: int, expected: str) -> None:
    assert fmt.count_word(n) == expected


def test_one_kind_is_written_alike_once_any_count_of_it_reaches_ten() -> None:
    # "ten trials … a total of 13 cohorts" mixed words and numerals; with 13 cohorts in the article every cohort
    # count is a numeral, and with ten trials every trial count is one.
    assert fmt.count_noun(3, "cohort", largest=13) == "3 cohorts"
    assert fmt.count_noun(1, "cohort", largest=13) == "1 cohort"
    assert fmt.count_noun(3, "cohort", largest=9) == "three cohorts"
    assert fmt.count_noun(10, "trial", largest=10) == "10 trials"
    assert fmt.count_word(8, largest=12) == "8" and fmt.count_word(8, largest=8) == "eight"
    assert fmt.count_noun(0, "cohort", largest=13) == "no cohorts"


def test_a_count_that_starts_a_sentence_is_spelled_out() -> None:
    assert fmt.count_noun(9, "trial", capital=True) == "Nine trials"
    assert fmt.count_noun(12, "trial", capital=True, largest=12) == "Twelve trials"
    assert fmt.count_noun(23, "cohort", capital=True) == "Twenty-three cohorts"
    assert fmt.count_noun(1, "step", capital=True) == "One step"


def test_numerals_on_request_for_series_with_large_counts() -> None:
    assert fmt.count_noun(9, "trial", words=False) == "9 trials"


@pytest.mark.parametrize("text, words", [
    ("**Results:** 54.5% (95% CI 43.1–65.7%)", 5),
    ("We included nine trials with 350 patients treated after CAR-T.", 10),
    ("**Objective:**  two\nlines", 3),
    ("", 0),
])
def test_word_count_as_a_word_processor_counts(text: str, words: int) -> None:
    assert fmt.word_count(text) == words
