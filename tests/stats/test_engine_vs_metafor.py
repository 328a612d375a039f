"""The engine against R's metafor 3.8 (values in tests/reference, produced by metafor_reference.R).

Tolerances follow tests/reference/README.md. Prediction intervals differ by
design (we use t with k-2 df, Higgins et al. 2009; metafor 3.8 uses z), so the
expected PI is computed here by hand from metafor's b, se and tau².
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from analysis.stats.bias import begg_test, egger_test
from analysis.stats.leave_one_out import leave_one_out
from analysis.stats.glmm import fit_logistic_glmm
from analysis.stats.meta import Settings, analyse_proportions, analyse_subgroups
from analysis.stats.models import pool_effects
from analysis.stats.study_ci import clopper_pearson, wilson
from analysis.stats.transforms import get_transform

from ..conftest import REFERENCE

MEASURES = {"PFT": "ft", "PLO": "logit", "PAS": "arcsine", "PR": "raw"}
METHODS = {"EE": "ee", "DL": "dl", "REML": "reml", "PM": "pm", "ML": "ml"}
ITERATIVE = {"REML", "PM", "ML"}


def _fits():
    import json
    ref = json.loads((REFERENCE / "metafor_reference.json").read_text())
    return [pytest.param(f, id=f"{f['dataset']}-{f['measure']}-{f['method']}-{f['test']}") for f in ref["fits"]]


def _data(metafor, name):
    d = metafor["datasets"][name]
    return np.array(d["events"], float), np.array(d["total"], float)


def close(actual, expected, rel, abs_=1e-12):
    if expected is None:
        assert actual is None or (isinstance(actual, float) and math.isnan(actual)), actual
        return
    np.testing.assert_allclose(actual, expected, rtol=rel, atol=abs_)


@pytest.mark.parametrize("fit", _fits())
def test_fit_matches_metafor(metafor, fit):
    x, n = _data(metafor, fit["dataset"])
    k = x.size
    effects = get_transform(MEASURES[fit["measure"]]).effect_sizes(x, n)
    close(effects.yi, fit["escalc"]["yi"], 1e-10)
    close(effects.vi, fit["escalc"]["vi"], 1e-10)
    assert effects.corrected.tolist() == fit["escalc"]["zero_cell_corrected"]

    method, hksj = METHODS[fit["method"]], fit["test"] == "knha"
    res = pool_effects(effects.yi, effects.vi, tau2_method=method, hksj=hksj)
    r = fit["rma"]
    rel = 1e-7 if fit["method"] in ITERATIVE else 1e-9
    close(res.heterogeneity.tau2, r["tau2"], 1e-7, 1e-9)
    for ours, theirs in [(res.estimate, "b"), (res.se, "se"), (res.statistic, "zval"), (res.ci_low, "ci.lb"),
                         (res.ci_high, "ci.ub")]:
        close(ours, r[theirs], rel, 1e-10)
    close(res.p, r["pval"], 1e-7, 1e-12)
    close(res.weights, r["weights"], rel, 1e-10)
    if k > 1:
        close(res.heterogeneity.q, r["QE"], 1e-9, 1e-10)
        close(res.heterogeneity.q_p, r["QEp"], 1e-7, 1e-12)
        close(res.heterogeneity.i2, r["I2"], rel, 1e-8)
        close(res.heterogeneity.h2, r["H2"], rel, 1e-8)
    else:  # one study: metafor reports Q = 0, P = 1, I² = 0 by convention; we report them as undefined
        assert math.isnan(res.heterogeneity.q_p) and math.isnan(res.heterogeneity.i2)
    if fit["method"] != "EE" and k >= 3:  # PI by hand: b ± t(k-2) sqrt(se² + tau²)
        half = stats.t.ppf(0.975, k - 2) * math.sqrt(r["se"] ** 2 + r["tau2"])
        close(res.pi_low, r["b"] - half, rel, 1e-10)
        close(res.pi_high, r["b"] + half, rel, 1e-10)
    else:
        assert math.isnan(res.pi_low)

    back = fit["back"]
    settings = Settings(transform=MEASURES[fit["measure"]], tau2_method=method, hksj=hksj)
    m = analyse_proportions(x, n, settings=settings, with_leave_one_out=False)
    for ours, theirs in [(m.pooled.estimate, "back_est"), (m.pooled.ci_low, "back_ci_lb"),
                         (m.pooled.ci_high, "back_ci_ub")]:
        close(ours, back[theirs], 1e-7, 1e-9)

    if fit["regtest_lm"] is not None:
        eg = egger_test(effects.yi, effects.vi)
        reg = fit["regtest_lm"]
        # Egger's intercept on y/se ~ 1/se is metafor's slope on sei in yi ~ sei.
        close(eg.intercept, reg["sei"]["estimate"], 1e-8, 1e-10)
        close(eg.se, reg["sei"]["se"], 1e-8, 1e-10)
        close(eg.t, reg["zval"], 1e-8, 1e-10)
        close(eg.p, reg["pval"], 1e-8, 1e-12)
        assert eg.df == reg["dfs"]
        close(eg.slope, reg["intercept"]["estimate"], 1e-8, 1e-10)
    if fit["ranktest"] is not None:
        bg = begg_test(effects.yi, effects.vi)
        close(bg.tau, fit["ranktest"]["tau"], 1e-10, 1e-12)
        assert bg.exact == fit["ranktest"]["p_type"].startswith("exact")
        close(bg.p, fit["ranktest"]["pval"], 1e-8, 1e-12)
    if fit["leave1out"] is not None and k >= 3:  # metafor switches to z when k - 1 = 1
        loo = leave_one_out(effects.yi, effects.vi, tau2_method=method, hksj=hksj)
        ref = fit["leave1out"]
        for ours, theirs in [(loo.estimate, "estimate"), (loo.se, "se"), (loo.ci_low, "ci.lb"),
                             (loo.ci_high, "ci.ub"), (loo.q, "Q")]:
            close(ours, ref[theirs], rel, 1e-9)
        if fit["method"] != "EE":  # metafor's leave1out reports no tau² for common-effect fits
            # Fisher scoring in metafor stops a hair above a boundary optimum (~1e-8); 1e-7 is well inside 1e-6.
            close(loo.tau2, ref["tau2"], rel, 1e-7)
        close(loo.q_p, ref["Qp"], 1e-7, 1e-12)
        close(loo.p, ref["pval"], 1e-7, 1e-12)
        close(loo.i2, ref["I2"], rel, 1e-6)  # percent; see the tau² note above


@pytest.mark.parametrize("name", ["seed_orr", "seed_cr", "pritz1997", "hannum2020", "edge_zero", "edge_full",
                                  "edge_k1", "edge_k2"])
def test_study_confidence_intervals(metafor, name):
    x, n = _data(metafor, name)
    ref = metafor["study_ci"][name]
    cp, wi = clopper_pearson(x, n), wilson(x, n)
    close(cp.lower, ref["cp_lower"], 1e-10)
    close(cp.upper, ref["cp_upper"], 1e-10)
    close(wi.lower, ref["wilson_lower"], 1e-10)
    close(wi.upper, ref["wilson_upper"], 1e-10)


@pytest.mark.parametrize("name", sorted(["seed_orr", "seed_cr", "pritz1997", "debruin2009", "pagliaro1992_control",
                                         "hasselblad1998_nocontact", "hannum2020", "edge_zero", "edge_full",
                                         "edge_tau0", "edge_k2"]))
def test_glmm_matches_metafor(metafor, name):
    x, n = _data(metafor, name)
    ref = metafor["glmm"][name]
    fit = fit_logistic_glmm(x, n)
    assert fit.quadrature_points == ref["settings"]["nAGQ"]
    np.testing.assert_allclose(fit.estimate, ref["b"], atol=2e-5)
    np.testing.assert_allclose(fit.se, ref["se"], atol=2e-5)
    np.testing.assert_allclose([fit.ci_low, fit.ci_high], [ref["ci.lb"], ref["ci.ub"]], atol=2e-5)
    np.testing.assert_allclose(fit.tau2, ref["tau2"], atol=5e-5, rtol=1e-4)


def test_glmm_needs_two_studies(metafor):
    x, n = _data(metafor, "edge_k1")
    assert "error" in metafor["glmm"]["edge_k1"]
    with pytest.raises(ValueError, match="at least 2 studies"):
        fit_logistic_glmm(x, n)


@pytest.mark.parametrize("dataset", ["seed_orr", "seed_cr"])
@pytest.mark.parametrize("measure", ["PFT", "PLO"])
@pytest.mark.parametrize("method", ["DL", "REML"])
def test_subgroups_match_metafor(metafor, dataset, measure, method):
    d = metafor["datasets"][dataset]
    ref = metafor["subgroups"][dataset][measure][method]
    settings = Settings(transform=MEASURES[measure], tau2_method=METHODS[method])
    res = analyse_subgroups(d["events"], d["total"], d["subgroup"], d["study"], settings)
    for g, r in ref["groups"].items():
        ours = res.groups[g]
        close(ours.random.estimate, r["b"], 1e-7, 1e-10)
        close(ours.random.se, r["se"], 1e-7, 1e-10)
        close(ours.random.heterogeneity.tau2, r["tau2"], 1e-7, 1e-9)
        close(ours.pooled.estimate, r["back_est"], 1e-7, 1e-9)
        close(ours.pooled.ci_low, r["back_ci_lb"], 1e-7, 1e-9)
        close(ours.pooled.ci_high, r["back_ci_ub"], 1e-7, 1e-9)
    close(res.difference.q, ref["Q_between"], 1e-7, 1e-10)
    assert res.difference.df == ref["df"]
    close(res.difference.p, ref["p"], 1e-7, 1e-12)
