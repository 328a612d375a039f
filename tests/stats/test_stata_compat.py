"""Stata metaprop compatibility: hand-calculated mixed-scale Egger test and the k <= 3 heterogeneity blank.

Expected values are computed here from first principles (closed-form OLS, the
t distribution with 1 df in closed form) or taken from the seed paper's printed
P values; nothing is copied from the implementation's output.
"""

from __future__ import annotations

import math

import pytest

from analysis.results.compat import egger_variants
from analysis.stats.stata_compat import (consistent_egger, metafor_scale_mixed_egger, metaprop_heterogeneity_display,
                                         metaprop_saved_variables, metaprop_shows_heterogeneity, mixed_scale_egger,
                                         stata_freeman_tukey)


def _hand_egger(y: list[float], se: list[float]) -> tuple[float, float]:
    """Classic Egger by hand: OLS of y/se on 1/se; returns (intercept, t)."""
    z = [a / s for a, s in zip(y, se)]
    w = [1 / s for s in se]
    k = len(z)
    wm, zm = sum(w) / k, sum(z) / k
    sxx = sum((a - wm) ** 2 for a in w)
    sxy = sum((a - wm) * (b - zm) for a, b in zip(w, z))
    slope = sxy / sxx
    intercept = zm - slope * wm
    ssr = sum((b - intercept - slope * a) ** 2 for a, b in zip(w, z))
    se_int = math.sqrt(ssr / (k - 2) * (1 / k + wm**2 / sxx))
    return intercept, intercept / se_int


TINY = ([2, 5, 9], [4, 10, 12])


def test_mixed_scale_egger_by_hand():
    x, n = TINY
    y = [a / b for a, b in zip(x, n)]                  # metaprop's _ES: the raw proportion
    se = [1 / math.sqrt(b + 0.5) for b in n]           # metaprop's _seES: the Freeman-Tukey SE
    intercept, t = _hand_egger(y, se)
    p_df1 = 1 - 2 / math.pi * math.atan(abs(t))        # two-sided P of a t with 1 df, in closed form
    res = mixed_scale_egger(x, n)
    assert res.df == 1
    assert res.intercept == pytest.approx(intercept, rel=1e-12)
    assert res.t == pytest.approx(t, rel=1e-12)
    assert res.p == pytest.approx(p_df1, rel=1e-10)


def test_consistent_scale_egger_by_hand_and_scale_free():
    x, n = TINY
    t_ft = [math.asin(math.sqrt(a / (b + 1))) + math.asin(math.sqrt((a + 1) / (b + 1))) for a, b in zip(x, n)]
    se = [1 / math.sqrt(b + 0.5) for b in n]
    _, t = _hand_egger(t_ft, se)
    assert consistent_egger(x, n).t == pytest.approx(t, rel=1e-12)
    # Scaling effect and SE by the same constant (metafor's PFT is half of Stata's sum) leaves t unchanged:
    _, t_half = _hand_egger([v / 2 for v in t_ft], [s / 2 for s in se])
    assert t_half == pytest.approx(t, rel=1e-12)
    # ... and so does the mixed-scale test with metafor's SE 1/sqrt(4n+2) = half of Stata's.
    assert metafor_scale_mixed_egger(x, n).p == pytest.approx(mixed_scale_egger(x, n).p, rel=1e-12)


def test_saved_es_is_the_raw_proportion():
    """Miller's inversion of a study's own FT value with its own n gives back x/n (and the SE stays FT)."""
    x, n = [0, 3, 11, 27], [10, 10, 27, 27]
    es, se = metaprop_saved_variables(x, n)
    assert es.tolist() == pytest.approx([0.0, 0.3, 11 / 27, 1.0], abs=1e-12)
    assert se.tolist() == pytest.approx([1 / math.sqrt(10.5), 1 / math.sqrt(10.5), 1 / math.sqrt(27.5),
                                         1 / math.sqrt(27.5)])
    t, _ = stata_freeman_tukey([11], [27])
    assert t[0] == pytest.approx(math.asin(math.sqrt(11 / 28)) + math.asin(math.sqrt(12 / 28)))


@pytest.mark.parametrize("k, shown", [(1, False), (2, False), (3, False), (4, True), (12, True)])
def test_metaprop_blanks_heterogeneity_for_three_or_fewer_studies(k, shown):
    """metaprop.ado (metanby): `if $S_8 < 3` blanks Q, P and I², with $S_8 = k - 1."""
    assert metaprop_shows_heterogeneity(k) is shown
    row = metaprop_heterogeneity_display(k, q=3.6, q_p=0.16, i2=44.6)
    assert (row["i2"] is not None) is shown and row["computed_i2"] == 44.6


def test_seed_egger_reproduces_paper_only_with_mixed_scale_all_cohorts(root):
    """Paper: Egger P = 0.602 (ORR) and 0.558 (CR). Only all cohorts on the mixed scale give both."""
    from analysis.inputs.load import load_inputs
    from analysis.results.registry import build_registry

    trials = build_registry(load_inputs(root / "data"))["trials"]
    printed = {"orr": 0.602, "cr": 0.558}
    for outcome, value in printed.items():
        hits = [v.key for v in egger_variants(trials, outcome) if abs(v.p - value) <= 0.0005]
        assert "all_cohorts/mixed_stata" in hits
        assert not any(h.endswith("consistent_ft") for h in hits)
        assert not any(h.startswith("prior_cart") for h in hits)
