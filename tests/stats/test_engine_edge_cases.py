"""The engine against metafor on the GLMM validation datasets and the edge cases (values in
tests/reference/edge/metafor_edge_reference.json, produced by metafor_edge_reference.R).

Tolerances as tests/reference/README.md. Where metafor answers with rounding noise or a degenerate value
(Egger's test on studies whose effects are all equal; a Hartung-Knapp-Sidik-Jonkman standard error of exactly 0),
the engine must say "not estimable" instead, with a reason.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import stats

from analysis.stats.bias import begg_test, egger_test
from analysis.stats.errors import NotEstimableError
from analysis.stats.leave_one_out import leave_one_out
from analysis.stats.models import pool_effects
from analysis.stats.transforms import get_transform

from ..conftest import REFERENCE

MEASURES = {"PFT": "ft", "PLO": "logit", "PAS": "arcsine", "PR": "raw"}
METHODS = {"EE": "ee", "DL": "dl", "REML": "reml", "PM": "pm", "ML": "ml"}
ITERATIVE = {"REML", "PM", "ML"}
EDGE = json.loads((REFERENCE / "edge" / "metafor_edge_reference.json").read_text())


def _fits():
    return [pytest.param(f, id=f"{f['dataset']}-{f['measure']}-{f['method']}-{f['test']}") for f in EDGE["fits"]]


def close(actual, expected, rel, abs_=1e-12):
    np.testing.assert_allclose(actual, expected, rtol=rel, atol=abs_)


def _estimable_or_raises(test, effects, undefined: bool):
    """The test's result, or None after checking that it raises NotEstimableError where it is undefined."""
    if undefined:
        with pytest.raises(NotEstimableError):
            test(effects.yi, effects.vi)
        return None
    return test(effects.yi, effects.vi)


def _loglik(y, v, tau2, method):
    """ML / REML profile log-likelihood up to a constant, by hand (Viechtbauer 2005, eqs. 4 and 5)."""
    w = 1 / (v + tau2)
    mu = np.sum(w * y) / np.sum(w)
    ll = -0.5 * (np.sum(np.log(v + tau2)) + np.sum(w * (y - mu) ** 2))
    return ll - 0.5 * np.log(np.sum(w)) if method == "REML" else ll


@pytest.mark.parametrize("fit", _fits())
def test_fit_matches_metafor(fit):
    d = EDGE["datasets"][fit["dataset"]]
    x, n = np.array(d["events"], float), np.array(d["total"], float)
    effects = get_transform(MEASURES[fit["measure"]]).effect_sizes(x, n)
    close(effects.yi, fit["yi"], 1e-10)
    close(effects.vi, fit["vi"], 1e-10)
    assert "error" not in fit, fit.get("error")  # metafor fits every one (some only with step halving)
    method, hksj = METHODS[fit["method"]], fit["test"] == "knha"
    res = pool_effects(effects.yi, effects.vi, tau2_method=method, hksj=hksj)
    r = fit["rma"]
    # metafor stops its iterations when tau² moves by < 1e-12: on raw proportions of rare events (tau² ~ 1e-7)
    # that leaves ~1e-6 relative in tau² (ours: within 1e-10 of R's own root, checked below), and in what follows
    rel = 1e-6 if fit["method"] in ITERATIVE else 1e-9
    close(res.heterogeneity.tau2, r["tau2"], 1e-6, 1e-12)
    if fit["method"] == "PM":  # the root found independently in R, at machine precision
        close(res.heterogeneity.tau2, fit["tau2_root"], 1e-10, 1e-15)
    elif fit["method"] in ITERATIVE:  # the likelihood is at least as high as at R's root and R's optimum
        for other in (fit["tau2_root"], fit["tau2_optimum"]):
            assert _loglik(effects.yi, effects.vi, res.heterogeneity.tau2, fit["method"]) >= \
                _loglik(effects.yi, effects.vi, other, fit["method"]) - 1e-9
    close(res.estimate, r["b"], rel, 1e-10)
    identical = np.ptp(effects.yi) == 0
    if hksj and r["se"] == 0:  # metafor: a zero-width interval; the engine: not estimable, with the reason
        assert identical and math.isnan(res.se) and math.isnan(res.ci_low)
        assert {n.statistic for n in res.not_estimable} >= {"confidence_interval", "prediction_interval"}
    else:
        for ours, theirs in [(res.se, "se"), (res.ci_low, "ci.lb"), (res.ci_high, "ci.ub")]:
            close(ours, r[theirs], rel, 1e-10)
        close(res.statistic, r["zval"], rel, 1e-10)
        if fit["method"] not in ITERATIVE:  # P amplifies the iterative estimators' stopping error (~z² times)
            close(res.p, r["pval"], 1e-7, 1e-12)
    if x.size > 1:
        close(res.heterogeneity.q, r["QE"], 1e-9, 1e-10)
        close(res.heterogeneity.i2, r["I2"], rel, 1e-5)  # percent; metafor's tau² can sit 1e-12 above 0

    if x.size >= 3:
        reg, rank = fit["regtest_lm"], fit["ranktest"]
        # equal effects (metafor: rounding noise or NaN) or equal SEs (metafor: an error) for Egger's test;
        # metafor's NA ("the standard deviation is zero") for Begg's
        eg = _estimable_or_raises(egger_test, effects, identical or "error" in reg)
        if eg is not None:
            close(eg.t, reg["zval"], 1e-8, 1e-10)
            close(eg.p, reg["pval"], 1e-8, 1e-12)
        bg = _estimable_or_raises(begg_test, effects, rank["tau"] is None)
        if bg is not None:
            close(bg.tau, rank["tau"], 1e-10, 1e-12)
            close(bg.p, rank["pval"], 1e-8, 1e-12)

    if x.size >= 3:  # metafor switches to z when each omission leaves one study
        loo = leave_one_out(effects.yi, effects.vi, tau2_method=method, hksj=hksj)
        ref = fit["leave1out"]
        close(loo.estimate, ref["estimate"], rel, 1e-9)
        close(loo.q, ref["Q"], rel, 1e-9)
        if fit["method"] != "EE":
            close(loo.tau2, ref["tau2"], rel, 1e-7)
        degenerate = np.array(ref["se"]) == 0
        assert np.all(np.isnan(loo.se[degenerate]))
        close(loo.se[~degenerate], np.array(ref["se"])[~degenerate], rel, 1e-9)
        close(loo.ci_low[~degenerate], np.array(ref["ci.lb"])[~degenerate], rel, 1e-9)


def test_raw_reml_where_fisher_scoring_fails():
    """metafor's Fisher scoring does not converge here (it needs step halving); the bracketed solver does."""
    fits = [f for f in EDGE["fits"] if f.get("retry")]
    assert {(f["dataset"], f["measure"], f["method"]) for f in fits} == {("gurusamy2011_control", "PR", "REML")}
    d = EDGE["datasets"]["gurusamy2011_control"]
    effects = get_transform("raw").effect_sizes(d["events"], d["total"])
    tau2 = pool_effects(effects.yi, effects.vi, tau2_method="reml").heterogeneity.tau2
    assert tau2 == pytest.approx(fits[0]["rma"]["tau2"], rel=1e-9)
    assert tau2 == pytest.approx(fits[0]["tau2_optimum"], rel=1e-6)  # the maximum by R's optimize


def test_ml_maximum_away_from_a_boundary_where_the_score_is_negative():
    """One huge study: the ML score is negative at tau² = 0, yet the likelihood peaks inside."""
    fit = next(f for f in EDGE["fits"] if (f["dataset"], f["measure"], f["method"], f["test"])
               == ("edge_huge_study", "PLO", "ML", "z"))
    assert fit["tau2_root"] == 0 and fit["tau2_optimum"] > 0.5  # R: the score at 0 is <= 0; the optimum is not 0
    effects = get_transform("logit").effect_sizes(*(np.array(EDGE["datasets"]["edge_huge_study"][c], float)
                                                     for c in ("events", "total")))
    assert pool_effects(effects.yi, effects.vi, tau2_method="ml").heterogeneity.tau2 == pytest.approx(
        fit["rma"]["tau2"], rel=1e-7)


def test_scipy_agrees_with_the_rank_test_on_ties():
    """Begg's P on data with ties in both variables, against scipy's implementation of the same test."""
    rng = np.random.default_rng(11)
    for k in (3, 12, 60, 500):
        y, v = np.round(rng.normal(size=k), 1), rng.integers(1, 6, size=k).astype(float)
        from analysis.stats.kendall import kendall_tau

        ours = kendall_tau(y, v)
        theirs = stats.kendalltau(y, v, method="exact" if ours.exact else "asymptotic")
        assert ours.tau == pytest.approx(theirs.statistic, abs=1e-12)
        assert ours.p == pytest.approx(theirs.pvalue, rel=1e-9)
