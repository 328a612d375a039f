"""The build reproduces the seed paper's pooled results to the decimal it prints.

Expected values are typed from the published paper (Shen et al. 2025, abstract,
results and Figure 3), not from our output. Where the paper's words disagree
with its own data (it calls subgroups with I² > 0 "without heterogeneity"),
the computed value stands and is checked against a hand calculation instead.
"""

from __future__ import annotations

import pytest

from analysis.inputs.load import load_inputs
from analysis.results.registry import build_registry

from ..conftest import ROOT


@pytest.fixture(scope="module")
def registry() -> dict:
    return build_registry(load_inputs(ROOT / "data"))


def _printed(value: float, decimals: int) -> float:
    return round(100 * value, decimals)


PUBLISHED = [  # outcome, subgroup, estimate, ci_low, ci_high (percent, as printed)
    ("orr", "prior_cart_monotherapy", 54.5, 43.1, 65.7),
    ("cr", "prior_cart_monotherapy", 35.6, 29.1, 42.2),
    ("orr", "prior_cart_combination", 70.0, 56.4, 82.2),
    ("cr", "prior_cart_combination", 44.2, 34.5, 54.1),
    ("orr", "cart_naive", 73.9, 55.3, 88.9),
    ("cr", "cart_naive", 53.2, 38.1, 68.0),
]


@pytest.mark.parametrize("outcome, group, est, lo, hi", PUBLISHED)
def test_subgroup_pooled_estimates(registry, outcome, group, est, lo, hi):
    m = registry["outcomes"][outcome]["subgroups"][group]
    assert (_printed(m["estimate"], 1), _printed(m["ci_low"], 1), _printed(m["ci_high"], 1)) == (est, lo, hi)


def test_monotherapy_heterogeneity(registry):
    orr = registry["outcomes"]["orr"]["subgroups"]["prior_cart_monotherapy"]
    cr = registry["outcomes"]["cr"]["subgroups"]["prior_cart_monotherapy"]
    assert round(orr["i2"], 2) == 68.24 and round(orr["q_p"], 3) == 0.013
    assert round(cr["i2"], 1) == 13.5 and round(cr["q_p"], 2) == 0.33


def test_overall_orr_of_figure_3(registry):
    m = registry["outcomes"]["orr"]["overall"]
    assert m["k"] == 11  # Abramson 2024 reports no ORR
    assert (round(m["estimate"], 3), round(m["ci_low"], 3), round(m["ci_high"], 3)) == (0.644, 0.546, 0.735)


def test_combination_orr_is_not_homogeneous(registry):
    """The paper says 'no heterogeneity'; by hand, Q for 21/27, 20/35, 22/29 on the FT scale is about 3.61."""
    import math
    counts = [(21, 27), (20, 35), (22, 29)]
    y = [0.5 * (math.asin(math.sqrt(x / (n + 1))) + math.asin(math.sqrt((x + 1) / (n + 1)))) for x, n in counts]
    w = [4 * n + 2 for _, n in counts]
    mean = sum(wi * yi for wi, yi in zip(w, y)) / sum(w)
    q = sum(wi * (yi - mean) ** 2 for wi, yi in zip(w, y))
    m = registry["outcomes"]["orr"]["subgroups"]["prior_cart_combination"]
    assert m["q"] == pytest.approx(q, rel=1e-12)
    assert m["i2"] == pytest.approx(100 * (q - 2) / q, rel=1e-12)
    assert m["i2"] > 40


def test_counts_in_text(registry):
    s = registry["summary"]
    assert (s["n_trials"], s["participants_prior_cart"], s["participants_cart_naive"]) == (9, 350, 233)
    assert s["trials_by_year"] == {"2025": 4, "2024": 3, "2023": 2}
    assert s["trials_by_antibody"] == {"glofitamab": 4, "epcoritamab": 2, "mosunetuzumab": 2, "odronextamab": 1}
    assert [round(100 * v, 1) for v in s["refractory_to_cart_range"]] == [66.7, 88.5]
    assert s["followup_months_range"] == [13, 42]
