"""Printed-precision judgement and GRIM, against hand arithmetic."""

from __future__ import annotations

import pytest

from analysis.audit.precision import agrees, decimals_of, grim_numerators


@pytest.mark.parametrize("text, d", [("40", 0), ("76.1", 1), ("0.013", 3), ("68.24", 2), ("70.0", 1)])
def test_decimals_of(text, d):
    assert decimals_of(text) == d


def test_agrees_at_printed_precision():
    assert agrees(54.49, 54.5, 1) and agrees(54.54, 54.5, 1)
    assert not agrees(54.56, 54.5, 1)
    assert agrees(68.75, 68.8, 1) and agrees(68.75, 68.7, 1)  # an exact tie may go either way
    assert not agrees(11 / 27 * 100, 40, 0)                    # 40.74 prints as 41


@pytest.mark.parametrize("percent, total, expected", [
    ("40", 27, []),        # 10/27 = 37.0, 11/27 = 40.7
    ("23", 27, []),        # 6/27 = 22.2, 7/27 = 25.9
    ("37", 52, [19]),      # 19/52 = 36.5 -> 37
    ("84.2", 17, []),      # 14/17 = 82.4, 15/17 = 88.2
    ("34.9", 43, [15]),    # 15/43 = 34.88
    ("33.3", 6, [2]),
    ("20", 10, [2]),
])
def test_grim(percent, total, expected):
    assert grim_numerators(float(percent), decimals_of(percent), total) == expected
