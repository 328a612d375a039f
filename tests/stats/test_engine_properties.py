"""Engine behaviour checked by hand calculation and by internal consistency."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analysis.stats.leave_one_out import leave_one_out
from analysis.stats.meta import Settings, analyse_proportions
from analysis.stats.models import pool_arrays, pool_effects
from analysis.stats.tau2 import estimate_tau2
from analysis.stats.transforms import freeman_tukey, harmonic_mean, inverse_freeman_tukey, logit, raw_proportion


def test_freeman_tukey_by_hand():
    es = freeman_tukey([11], [27])
    by_hand = (math.asin(math.sqrt(11 / 28)) + math.asin(math.sqrt(12 / 28))) / 2
    assert es.yi[0] == pytest.approx(by_hand, rel=1e-15)
    assert es.vi[0] == pytest.approx(1 / 110, rel=1e-15)


@pytest.mark.parametrize("x, n", [(0, 10), (3, 10), (10, 10), (57, 200)])
def test_miller_inverse_recovers_single_study_proportion(x, n):
    """With one study, Miller's inverse at that study's n returns x/n exactly (Miller 1978)."""
    t = freeman_tukey([x], [n]).yi
    assert inverse_freeman_tukey(t, n)[0] == pytest.approx(x / n, abs=1e-12)


def test_zero_cells_get_continuity_correction():
    es = logit([0, 5, 10], [10, 10, 10])
    assert es.corrected.tolist() == [True, False, True]
    assert es.yi[0] == pytest.approx(math.log(0.5 / 10.5))
    assert es.vi[2] == pytest.approx(1 / 10.5 + 1 / 0.5)
    raw = raw_proportion([0], [10])
    assert raw.yi[0] == pytest.approx(0.5 / 11) and raw.vi[0] > 0


def test_dersimonian_laird_by_hand():
    y = np.array([0.1, 0.3, 0.35, 0.6])
    v = np.array([0.01, 0.02, 0.015, 0.03])
    w = 1 / v
    mu_fe = (w * y).sum() / w.sum()
    q = (w * (y - mu_fe) ** 2).sum()
    tau2 = max(0.0, (q - 3) / (w.sum() - (w**2).sum() / w.sum()))
    ws = 1 / (v + tau2)
    res = pool_effects(y, v)
    assert res.heterogeneity.tau2 == pytest.approx(tau2, rel=1e-12)
    assert res.estimate == pytest.approx((ws * y).sum() / ws.sum(), rel=1e-12)
    assert res.se == pytest.approx(ws.sum() ** -0.5, rel=1e-12)
    assert res.heterogeneity.i2 == pytest.approx(100 * (q - 3) / q, rel=1e-10)


@pytest.mark.parametrize("method", ["dl", "reml", "pm", "ml"])
def test_masked_batch_equals_separate_fits(method):
    rng = np.random.default_rng(1)
    y = rng.normal(0.8, 0.2, 9)
    v = rng.uniform(0.002, 0.02, 9)
    mask = rng.random((5, 9)) > 0.3
    mask[:, :2] = True
    batch = estimate_tau2(method, np.broadcast_to(y, mask.shape), np.broadcast_to(v, mask.shape), mask)
    single = [float(estimate_tau2(method, y[m], v[m])) for m in mask]
    np.testing.assert_allclose(batch, single, rtol=1e-9, atol=1e-12)


def test_leave_one_out_equals_refitting_without_each_study():
    rng = np.random.default_rng(7)
    y = rng.normal(0.9, 0.25, 25)
    v = rng.uniform(0.002, 0.02, 25)
    fast = leave_one_out(y, v, tau2_method="dl")
    for i in (0, 11, 24):
        keep = np.arange(25) != i
        ref = pool_arrays(y[keep], v[keep], tau2_method="dl")
        for name in ("estimate", "se", "tau2", "q", "q_p", "i2"):
            assert getattr(fast, name)[i] == pytest.approx(float(ref[name]), rel=1e-9, abs=1e-12)


def test_single_study_and_two_studies():
    one = analyse_proportions([7], [20])
    assert one.pooled.estimate == pytest.approx(7 / 20, abs=1e-12)
    assert math.isnan(one.random.heterogeneity.i2) and one.egger is None and one.leave_one_out is None
    two = analyse_proportions([3, 8], [10, 12])
    assert two.egger is None and math.isnan(two.pooled.pi_low)
    assert two.leave_one_out.estimate[0] == pytest.approx(8 / 12, abs=1e-9)


def test_all_zero_and_all_full_studies():
    zero = analyse_proportions([0, 0, 0], [10, 20, 15])
    assert zero.pooled.estimate == pytest.approx(0.0, abs=1e-3) and zero.pooled.ci_low == 0.0
    full = analyse_proportions([10, 20, 15], [10, 20, 15])
    assert full.pooled.estimate == pytest.approx(1.0, abs=1e-3) and full.pooled.ci_high == 1.0


def test_hksj_widens_with_t_quantile():
    from scipy import stats
    x, n = [11, 26, 35, 33, 29], [27, 52, 46, 61, 60]
    es = freeman_tukey(x, n)
    res = pool_effects(es.yi, es.vi, hksj=True)
    w = 1 / (es.vi + res.heterogeneity.tau2)
    mu = (w * es.yi).sum() / w.sum()
    se_hk = math.sqrt((w * (es.yi - mu) ** 2).sum() / (4 * w.sum()))
    assert res.se == pytest.approx(se_hk, rel=1e-12)
    assert res.ci_high - res.estimate == pytest.approx(stats.t.ppf(0.975, 4) * se_hk, rel=1e-12)


def test_harmonic_mean():
    assert harmonic_mean([27, 52, 46, 61, 60]) == pytest.approx(5 / sum(1 / n for n in [27, 52, 46, 61, 60]))


def test_settings_change_results():
    x, n = [11, 26, 35, 33, 29], [27, 52, 46, 61, 60]
    base = analyse_proportions(x, n)
    other = analyse_proportions(x, n, settings=Settings(transform="logit", tau2_method="reml"))
    assert base.pooled.estimate != other.pooled.estimate


def test_leave_one_out_back_transform_is_the_refit_without_that_study():
    x, n = [11, 26, 35, 33, 29, 21], [27, 52, 46, 61, 60, 27]
    full = analyse_proportions(x, n)
    for i in range(len(x)):
        rest = analyse_proportions(np.delete(x, i), np.delete(n, i), with_leave_one_out=False)
        assert full.leave_one_out.estimate[i] == pytest.approx(rest.pooled.estimate, rel=1e-12)
        assert full.leave_one_out.ci_low[i] == pytest.approx(rest.pooled.ci_low, rel=1e-12)


def _simulated(k: int, seed: int, transform):
    rng = np.random.default_rng(seed)
    n = rng.integers(10, 500, size=k)
    x = rng.binomial(n, 1 / (1 + np.exp(-(0.2 + 0.6 * rng.standard_normal(k)))))
    return transform(x, n)


@pytest.mark.parametrize("k", [2, 3, 10, 200, 2000])
@pytest.mark.parametrize("hksj", [False, True])
def test_dersimonian_laird_leave_one_out_is_exact(k, hksj):
    """The O(k) leave-one-out equals k brute-force refits to 1e-10 relative (the issue's bar, k <= 2,000)."""
    from analysis.stats.leave_one_out import leave_one_out_by_refitting

    for transform in (freeman_tukey, logit, raw_proportion):
        es = _simulated(k, k, transform)
        fast = leave_one_out(es.yi, es.vi, tau2_method="dl", hksj=hksj)
        slow = leave_one_out_by_refitting(es.yi, es.vi, tau2_method="dl", hksj=hksj)
        for name in ("estimate", "se", "ci_low", "ci_high", "tau2", "i2", "h2", "q"):
            ours, ref = getattr(fast, name), getattr(slow, name)
            np.testing.assert_array_equal(np.isnan(ours), np.isnan(ref))
            scale = np.max(np.abs(ref[~np.isnan(ref)]), initial=0.0)  # Q of one study is 0 up to rounding
            np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-13 * max(scale, 1.0), err_msg=name)


@pytest.mark.parametrize("method", ["reml", "ml", "pm"])
def test_iterative_leave_one_out_equals_refitting(method):
    from analysis.stats.leave_one_out import leave_one_out_by_refitting

    for transform in (freeman_tukey, logit, raw_proportion):
        es = _simulated(150, 5, transform)
        fast = leave_one_out(es.yi, es.vi, tau2_method=method)
        slow = leave_one_out_by_refitting(es.yi, es.vi, tau2_method=method)
        for name in ("estimate", "se", "tau2", "i2"):
            np.testing.assert_allclose(getattr(fast, name), getattr(slow, name), rtol=1e-9, atol=1e-14, err_msg=name)


def test_leave_one_out_with_a_study_holding_almost_all_the_weight():
    """Subtracting a dominant study's term would cancel: those omissions are summed directly."""
    from analysis.stats.leave_one_out import leave_one_out_by_refitting

    y = np.array([0.1, 0.12, 0.3, 0.25, 0.2])
    v = np.array([0.01, 0.02, 0.015, 0.03, 1e-9])
    for method in ("dl", "reml"):
        fast, slow = leave_one_out(y, v, tau2_method=method), leave_one_out_by_refitting(y, v, tau2_method=method)
        np.testing.assert_allclose(fast.estimate, slow.estimate, rtol=1e-10)
        np.testing.assert_allclose(fast.tau2, slow.tau2, rtol=1e-9, atol=1e-15)


def test_the_method_names_the_command_line_offers_are_the_engines():
    from analysis.stats.methods import TAU2_METHOD_NAMES, TRANSFORM_NAMES
    from analysis.stats.tau2 import TAU2_ESTIMATORS
    from analysis.stats.transforms import TRANSFORMS

    assert tuple(TRANSFORMS) == TRANSFORM_NAMES and tuple(TAU2_ESTIMATORS) == TAU2_METHOD_NAMES


@pytest.mark.parametrize("size", [1, 2, 7, 60])
def test_count_inversions_by_brute_force(size):
    from analysis.stats.kendall import count_inversions

    rng = np.random.default_rng(size)
    for high in (2, 5, 1000):
        a = rng.integers(0, high, size=size)
        assert count_inversions(a) == sum(int(a[i] > a[j]) for i in range(size) for j in range(i + 1, size))


def test_kendall_exact_p_matches_scipy():
    from scipy import stats

    from analysis.stats.kendall import kendall_tau

    rng = np.random.default_rng(3)
    for k in (3, 4, 9, 30, 49):
        x, y = rng.normal(size=k), rng.normal(size=k)
        ours, theirs = kendall_tau(x, y), stats.kendalltau(x, y, method="exact")
        assert ours.exact and ours.tau == pytest.approx(theirs.statistic, abs=1e-14)
        assert ours.p == pytest.approx(theirs.pvalue, rel=1e-10)


@pytest.mark.parametrize("method", ["reml", "ml", "pm"])
def test_iterative_estimators_where_plain_fisher_scoring_fails(method):
    """Raw proportions with very unequal variances (gurusamy2011 control arms; metafor's default REML fails)."""
    from analysis.stats.tau2 import estimate_tau2

    x = np.array([1, 3, 4, 3, 2, 0, 2, 1, 1, 0, 0, 0])
    n = np.array([30, 41, 48, 20, 20, 16, 16, 62, 19, 10, 10, 13])
    es = raw_proportion(x, n)
    tau2 = float(estimate_tau2(method, es.yi, es.vi))
    # the root of the estimating equation by bisection, by hand
    def f(t):
        w = 1 / (es.vi + t)
        mu = np.sum(w * es.yi) / np.sum(w)
        r2 = (es.yi - mu) ** 2
        return {"pm": np.sum(w * r2) - 11, "ml": np.sum(w**2 * r2) - np.sum(w),
                "reml": np.sum(w**2 * r2) - np.sum(w) + np.sum(w**2) / np.sum(w)}[method]
    if f(0.0) <= 0:
        assert tau2 == 0
        return
    lo, hi = 0.0, 1.0
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if f(mid) > 0 else (lo, mid)
    assert tau2 == pytest.approx(lo, rel=1e-9)
