"""The logistic GLMM against metafor ``rma.glmm`` / lme4 on real and synthetic data (tests/reference/glmm).

Reference values: ``tests/reference/glmm/glmm_reference.json`` from ``glmm_reference.R`` (metafor 3.8-1, lme4 1.1-31);
data sources in ``tests/reference/glmm/SOURCES.md``; the tolerances and the evidence for them in
``tests/reference/glmm/README.md``.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest
from scipy import optimize, special

from analysis.stats.glmm import (QUADRATURE_TOLERANCE_SE, STATUS_NOT_ESTIMABLE, STATUS_OK, STATUS_UNRELIABLE,
                           conditional_modes, fit_logistic_glmm, log_marginal_likelihood)

from tests.conftest import REFERENCE, ROOT

REF = json.loads((REFERENCE / "glmm" / "glmm_reference.json").read_text())
DATASETS = REF["datasets"]
Z975 = 1.959963984540054

#: Estimate (logit scale) vs metafor: lme4 fitted with bobyqa (rhoend 1e-10) and tolPwrss 1e-10; observed <= 1.1e-6.
ESTIMATE_ATOL = 5e-6
#: tau² vs metafor: observed <= 2.6e-6 (absolute) on the real data; relative part for the tau² = 202 edge case.
TAU2_ATOL, TAU2_RTOL = 2e-5, 1e-5
#: SE vs the SE from a Richardson-extrapolated (numDeriv) Hessian of lme4's own deviance: observed <= 8e-7, or
#: 9e-6 relative for the SE of 8.3 of the tau² = 202 edge case (both sides are finite-difference Hessians).
SE_ATOL, SE_RTOL = 2e-6, 2e-5
#: SE and CI vs metafor, whose SE comes from lme4's plain finite-difference Hessian: 2e-5 (the project's GLMM
#: tolerance) plus that Hessian's own error on the dataset, |se(vcov) - se(numDeriv)| (up to 4.9e-4, huge studies).
SE_METAFOR_ATOL = 2e-5
#: log-likelihood vs lme4's deviance at its optimum, and at fixed (mu, tau) points; observed <= 1.1e-8 / 2.9e-8.
LOGLIK_ATOL = 1e-6

NOT_ESTIMABLE = {"edge_all_zero", "edge_all_full", "edge_zero_or_full"}
UNRELIABLE = {"edge_quadrature_poor"}
REAL = sorted(n for n, d in DATASETS.items()
              if (d["origin"] != "edge" or n == "edge_huge_study") and len(d["events"]) >= 2)
FITTED_BY_METAFOR = sorted(n for n, d in DATASETS.items() if d["rma_glmm"].get("error") is None
                           and n not in NOT_ESTIMABLE)
NEW_REAL = sorted(n for n, d in DATASETS.items() if d["origin"] == "glmm")


@pytest.fixture(scope="module")
def fits() -> dict:
    out = {}
    for name, d in DATASETS.items():
        if len(d["events"]) >= 2:
            out[name] = fit_logistic_glmm(d["events"], d["total"])
    return out


def test_reference_covers_ten_new_real_datasets_and_records_versions():
    assert len(NEW_REAL) >= 10
    assert REF["meta"]["metafor_version"] == "3.8.1" and REF["meta"]["lme4_version"] == "1.1.31"
    assert REF["meta"]["nAGQ"] == 7
    rare_with_zeros = [n for n in NEW_REAL if min(DATASETS[n]["events"]) == 0]
    very_heterogeneous = [n for n in NEW_REAL if DATASETS[n]["rma_glmm"]["tau2"] > 2]
    assert len(rare_with_zeros) >= 4 and len(very_heterogeneous) >= 2


@pytest.mark.parametrize("name", [n for n in FITTED_BY_METAFOR if n not in UNRELIABLE])
def test_matches_metafor_rma_glmm(fits, name):
    ref, lme4 = DATASETS[name]["rma_glmm"], DATASETS[name]["glmer"]
    fit = fits[name]
    assert fit.quadrature_points == REF["meta"]["nAGQ"]
    assert fit.estimate == pytest.approx(ref["b"], abs=ESTIMATE_ATOL)
    assert fit.tau2 == pytest.approx(ref["tau2"], abs=TAU2_ATOL, rel=TAU2_RTOL)
    assert fit.se == pytest.approx(lme4["se_numderiv"], abs=SE_ATOL, rel=SE_RTOL)
    lme4_hessian_error = abs(lme4["se"] - lme4["se_numderiv"])
    assert fit.se == pytest.approx(ref["se"], abs=SE_METAFOR_ATOL + lme4_hessian_error)
    ci_atol = ESTIMATE_ATOL + Z975 * (SE_METAFOR_ATOL + lme4_hessian_error)
    assert fit.ci_low == pytest.approx(ref["ci.lb"], abs=ci_atol)
    assert fit.ci_high == pytest.approx(ref["ci.ub"], abs=ci_atol)
    assert fit.proportion == pytest.approx(ref["back_est"], abs=ESTIMATE_ATOL)
    assert fit.proportion_ci_low == pytest.approx(ref["back_ci_lb"], abs=ci_atol)
    assert fit.proportion_ci_high == pytest.approx(ref["back_ci_ub"], abs=ci_atol)


@pytest.mark.parametrize("name", FITTED_BY_METAFOR)
def test_loglik_matches_lme4_deviance(fits, name):
    d = DATASETS[name]
    saturated = d["deviance_points"]["saturated"]
    assert fits[name].loglik == pytest.approx(-(d["glmer"]["deviance"] + saturated) / 2, abs=LOGLIK_ATOL)


@pytest.mark.parametrize("name", FITTED_BY_METAFOR)
def test_quadrature_matches_lme4_deviance_function(name):
    """Optimiser-free: the 7-point marginal likelihood at fixed (mu, tau) equals lme4's deviance function."""
    d = DATASETS[name]
    pts = d["deviance_points"]
    for mu, tau, dev in zip(pts["mu"], pts["tau"], pts["deviance"]):
        ours = log_marginal_likelihood(mu, tau, d["events"], d["total"], quadrature_points=7)
        assert ours == pytest.approx(-(dev + pts["saturated"]) / 2, abs=LOGLIK_ATOL)


@pytest.mark.parametrize("name", [n for n in FITTED_BY_METAFOR if n not in UNRELIABLE])
def test_30_point_fit_matches_lme4_nagq30(name):
    d, ref = DATASETS[name], DATASETS[name]["nAGQ30"]
    fit = fit_logistic_glmm(d["events"], d["total"], quadrature_points=30)
    assert fit.estimate == pytest.approx(ref["b"], abs=ESTIMATE_ATOL)
    assert fit.tau2 == pytest.approx(ref["tau2"], abs=TAU2_ATOL, rel=TAU2_RTOL)


@pytest.mark.parametrize("name", REAL)
def test_real_data_fits_are_trusted_with_a_proper_interval(fits, name):
    fit = fits[name]
    assert fit.status == STATUS_OK and fit.reason == "" and fit.converged
    assert fit.quadrature_discrepancy <= QUADRATURE_TOLERANCE_SE
    assert math.isfinite(fit.se) and fit.se > 0
    assert fit.ci_low < fit.estimate < fit.ci_high
    assert fit.proportion_ci_low < fit.proportion < fit.proportion_ci_high


@pytest.mark.parametrize("name, expected", [("axfors2021_hcq", (0.020, 0.007, 0.056)),
                                            ("bcg_control", (0.016, 0.007, 0.037))])
def test_issue_datasets_no_longer_give_a_zero_width_interval(fits, name, expected):
    """Issue 10: 7.6% (7.6-7.6%) and 4.6% before; metafor (rounded, from the issue/JSON) 2.0% (0.7-5.6%), 1.6%."""
    fit = fits[name]
    got = (fit.proportion, fit.proportion_ci_low, fit.proportion_ci_high)
    assert np.round(got, 3).tolist() == list(expected)


def test_tau2_zero_boundary_is_reported_as_zero(fits):
    for name in ("edge_tau0", "hine1989_control", "edge_one_event", "edge_full"):
        fit = fits[name]
        assert DATASETS[name]["glmer"]["is_singular"]
        assert fit.tau2 == 0.0 and fit.status == STATUS_OK
        assert any("boundary" in w for w in fit.warnings)
        # tau² = 0 is the common binomial model: glm() gives b and se
        glm = DATASETS[name]["glm_common"]
        assert fit.estimate == pytest.approx(glm["b"], abs=1e-9)
        assert fit.se == pytest.approx(glm["se"], abs=1e-8)
        assert fit.loglik == pytest.approx(glm["logLik"], abs=1e-8)


def test_identical_studies_give_the_common_binomial_answer(fits):
    """lme4 refuses ("Response is constant"); the ML answer is tau² = 0 and the pooled proportion 100/500."""
    assert "Response is constant" in DATASETS["edge_identical"]["glmer"]["error"]
    fit = fits["edge_identical"]
    assert fit.status == STATUS_OK and fit.tau2 == 0.0
    assert fit.estimate == pytest.approx(math.log(0.2 / 0.8), abs=1e-12)   # hand calculation
    assert fit.se == pytest.approx(1 / math.sqrt(500 * 0.2 * 0.8), rel=1e-10)
    assert fit.proportion_ci_low < 0.2 < fit.proportion_ci_high


@pytest.mark.parametrize("name, words", [("edge_all_zero", "no study has an event"),
                                         ("edge_all_full", "every participant has the event"),
                                         ("edge_zero_or_full", "no events or only events")])
def test_no_finite_estimate_is_flagged_not_estimable(fits, name, words):
    fit = fits[name]
    assert fit.status == STATUS_NOT_ESTIMABLE and words in fit.reason and fit.reason in fit.warnings
    assert not fit.converged and not fit.trustworthy
    values = [fit.estimate, fit.se, fit.ci_low, fit.ci_high, fit.tau2, fit.proportion, fit.proportion_ci_low,
              fit.proportion_ci_high]
    assert all(math.isnan(v) for v in values)


def test_k1_is_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="at least 2 studies"):
        fit_logistic_glmm([7], [20])


def _discrepancy(a: dict, b: dict, se_tau: float) -> float:
    """The module's cross-check measure, computed from lme4's own fits at two quadratures."""
    changes = [abs(a["b"] - b["b"]), abs(a["ci.lb"] - b["ci.lb"]), abs(a["ci.ub"] - b["ci.ub"])]
    return max([c / b["se"] for c in changes] + [abs(math.sqrt(a["tau2"]) - math.sqrt(b["tau2"])) / se_tau])


def test_quadrature_check_flags_a_7_point_fit_that_lme4_also_gets_wrong(fits):
    """metafor reports this fit without a warning; we reproduce its numbers but flag them."""
    d = DATASETS["edge_quadrature_poor"]
    assert d["rma_glmm"]["warnings"] == [] and d["glmer"]["lme4_messages"] == []
    r_discrepancy = _discrepancy(d["glmer"], d["nAGQ30"], d["glmer"]["se_tau_numderiv"])
    assert r_discrepancy > QUADRATURE_TOLERANCE_SE   # lme4: tau² 202 with 7 points, 124 with 30
    fit = fits["edge_quadrature_poor"]
    assert fit.estimate == pytest.approx(d["rma_glmm"]["b"], abs=ESTIMATE_ATOL)
    assert fit.tau2 == pytest.approx(d["rma_glmm"]["tau2"], abs=TAU2_ATOL, rel=TAU2_RTOL)
    assert fit.status == STATUS_UNRELIABLE and not fit.trustworthy
    assert "quadrature" in fit.reason and fit.quadrature_discrepancy > QUADRATURE_TOLERANCE_SE


def test_quadrature_check_flags_laplace_on_sparse_heterogeneous_data():
    d = DATASETS["axfors2021_hcq"]
    r_discrepancy = _discrepancy(d["nAGQ1"], d["nAGQ30"], d["glmer"]["se_tau_numderiv"])
    assert r_discrepancy > QUADRATURE_TOLERANCE_SE  # lme4's Laplace fit is off by more than 0.1 SE here
    fit = fit_logistic_glmm(d["events"], d["total"], quadrature_points=1)
    assert fit.status == STATUS_UNRELIABLE and "1-point quadrature" in fit.reason


@pytest.mark.parametrize("name", [n for n in REAL if DATASETS[n]["glmer"].get("se_tau_numderiv")])
def test_quadrature_check_agrees_with_lme4_that_7_points_suffice(fits, name):
    d = DATASETS[name]
    assert _discrepancy(d["glmer"], d["nAGQ30"], d["glmer"]["se_tau_numderiv"]) <= QUADRATURE_TOLERANCE_SE
    assert fits[name].quadrature_discrepancy <= QUADRATURE_TOLERANCE_SE


@pytest.mark.parametrize("name", sorted(n for n in DATASETS if len(DATASETS[n]["events"]) >= 2))
def test_never_a_degenerate_interval(fits, name):
    fit = fits[name]
    if fit.status == STATUS_NOT_ESTIMABLE:
        assert math.isnan(fit.ci_low) and math.isnan(fit.ci_high)
    else:
        assert fit.ci_high - fit.ci_low > 0.01 or fit.status != STATUS_OK
        assert not (math.isfinite(fit.ci_low) and fit.ci_high - fit.ci_low <= 0)


@pytest.mark.parametrize("mu, tau", [(0.0, 1.0), (-40.0, 50.0), (40.0, 50.0), (-8.0, 1e-3), (3.0, 20.0)])
def test_conditional_mode_solver_converges_on_extreme_inputs(mu, tau):
    x = np.array([0, 1, 5e6, 1e7, 0, 3, 1e4])
    n = np.array([1e7, 1e7, 1e7, 1e7, 1, 3, 2e4])
    z, ok = conditional_modes(mu, tau, x, n)
    assert ok and np.all(np.isfinite(z))

    def score(zi, xi, ni):  # h'(z) (x - n p written as x (1 - p) - (n - x) p); root by Brent's method
        eta = mu + tau * zi
        return tau * (xi * special.expit(-eta) - (ni - xi) * special.expit(eta)) - zi

    for zi, xi, ni in zip(z, x, n):
        root = optimize.brentq(score, tau * (xi - ni) - 1, tau * xi + 1, args=(xi, ni), xtol=1e-14, rtol=1e-15)
        assert zi == pytest.approx(root, abs=1e-9 * (1 + abs(root)))


def test_result_is_frozen_and_flags_default_to_ok(fits):
    fit = fits["pritz1997"]
    with pytest.raises(AttributeError):
        fit.status = "x"  # type: ignore[misc]
    assert replace(fit, status=STATUS_UNRELIABLE).trustworthy is False


# ---------------------------------------------------------------- how the status surfaces in pool and results.json

def _pool(*args: str):
    import subprocess
    import sys
    return subprocess.run([sys.executable, "-m", "analysis", "pool", *args], capture_output=True, text=True,
                          cwd=ROOT)


def test_pool_glmm_json_reports_status_and_matches_metafor():
    res = _pool(str(REFERENCE / "glmm" / "datasets" / "axfors2021_hcq.csv"), "--glmm", "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    ref = DATASETS["axfors2021_hcq"]["rma_glmm"]
    assert out["status"] == "ok" and out["reason"] == "" and out["converged"] is True
    assert out["quadrature_check"]["points"] == 30
    assert out["logit"]["estimate"] == pytest.approx(ref["b"], abs=ESTIMATE_ATOL)
    assert out["ci_low"] == pytest.approx(ref["back_ci_lb"], abs=1e-4)


@pytest.mark.parametrize("path, status", [
    (REFERENCE / "glmm" / "edge" / "edge_all_zero.csv", "not_estimable"),
    (REFERENCE / "glmm" / "edge" / "edge_quadrature_poor.csv", "unreliable"),
    (REFERENCE / "datasets" / "edge_k1.csv", "not_estimable"),
])
def test_pool_glmm_flags_untrustworthy_fits_in_json_and_text(path, status):
    res = _pool(str(path), "--glmm", "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["status"] == status and out["reason"]
    if status == "not_estimable":
        assert out.get("estimate") is None and out.get("ci_low") is None
    text = _pool(str(path), "--glmm")
    assert text.returncode == 0 and "Traceback" not in text.stderr
    assert ("not estimable" if status == "not_estimable" else "NOT TRUSTWORTHY") in text.stdout
    assert out["reason"] in text.stdout


def test_results_json_never_carries_numbers_of_an_untrustworthy_fit(monkeypatch):
    from analysis.inputs.load import load_inputs
    from analysis.results import registry

    real_fit = registry.fit_logistic_glmm

    def flagged(events, totals, **kw):
        fit = real_fit(events, totals, **kw)
        return replace(fit, status=STATUS_UNRELIABLE, reason="test: flagged", warnings=("test: flagged",))

    monkeypatch.setattr(registry, "fit_logistic_glmm", flagged)
    result = registry.build_registry(load_inputs(ROOT / "data"))
    for outcome in result["outcomes"].values():
        for entry in outcome["glmm"].values():
            assert entry.get("error") in ("test: flagged",) or "at least 2 studies" in entry.get("error", "")
            assert "proportion" not in entry
