"""Small-study effects (Egger, Begg) and leave-one-out sensitivity analysis.

Counterparts of metafor's ``regtest(model = "lm")``, ``ranktest`` and
``leave1out``. Inputs are effects on the analysis scale.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from .models import pool_arrays

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class EggerTest:
    """Egger et al. (1997): OLS of ``y/se`` on ``1/se``; the intercept measures asymmetry."""

    intercept: float
    se: float
    t: float
    df: int
    p: float
    slope: float


@dataclass(frozen=True)
class BeggTest:
    """Begg & Mazumdar (1994): Kendall's tau between standardised effects and variances."""

    tau: float
    p: float
    exact: bool


def egger_test(y: ArrayLike, v: ArrayLike) -> EggerTest:
    """Classic Egger regression test (needs k >= 3)."""
    y = np.asarray(y, dtype=float)
    se = np.sqrt(np.asarray(v, dtype=float))
    k = y.size
    if k < 3:
        raise ValueError(f"Egger's test needs at least 3 studies, got {k}")
    design = np.column_stack([np.ones(k), 1.0 / se])
    response = y / se
    coef, *_ = np.linalg.lstsq(design, response, rcond=None)
    df = k - 2
    resid = response - design @ coef
    sigma2 = float(resid @ resid) / df
    cov = sigma2 * np.linalg.inv(design.T @ design)
    se_intercept = float(np.sqrt(cov[0, 0]))
    t = float(coef[0]) / se_intercept if se_intercept > 0 else np.copysign(np.inf, coef[0])
    return EggerTest(intercept=float(coef[0]), se=se_intercept, t=float(t), df=df,
                     p=float(2 * stats.t.sf(abs(t), df)), slope=float(coef[1]))


def begg_test(y: ArrayLike, v: ArrayLike) -> BeggTest:
    """Rank correlation test as metafor's ``ranktest``: exact P without ties and k < 50 (as R's ``cor.test``)."""
    y = np.asarray(y, dtype=float)
    v = np.asarray(v, dtype=float)
    k = y.size
    if k < 3:
        raise ValueError(f"Begg's test needs at least 3 studies, got {k}")
    w = 1.0 / v
    mu = np.sum(w * y) / np.sum(w)
    v_star = v - 1.0 / np.sum(w)
    y_star = (y - mu) / np.sqrt(v_star)
    ties = np.unique(y_star).size < k or np.unique(v).size < k
    exact = k < 50 and not ties
    result = stats.kendalltau(y_star, v, method="exact" if exact else "asymptotic")
    return BeggTest(tau=float(result.statistic), p=float(result.pvalue), exact=exact)


@dataclass(frozen=True)
class LeaveOneOut:
    """Pooled results with each study omitted in turn (row i omits study i)."""

    estimate: FloatArray
    se: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray
    p: FloatArray
    tau2: FloatArray
    q: FloatArray
    q_p: FloatArray
    i2: FloatArray
    h2: FloatArray


#: Upper bound on the number of (omission x study) cells processed at once.
LOO_CHUNK_CELLS = 2_000_000


def leave_one_out(y: ArrayLike, v: ArrayLike, *, tau2_method: str = "dl", hksj: bool = False,
                  level: float = 0.95) -> LeaveOneOut:
    """Re-pool with each study left out; vectorised in row blocks so memory stays bounded."""
    y = np.asarray(y, dtype=float)
    v = np.asarray(v, dtype=float)
    k = y.size
    if k < 2:
        raise ValueError(f"leave-one-out needs at least 2 studies, got {k}")
    if tau2_method == "dl" and not hksj:
        return _leave_one_out_dl(y, v, level)
    fields = ("estimate", "se", "ci_low", "ci_high", "p", "tau2", "q", "q_p", "i2", "h2")
    out = {name: np.empty(k) for name in fields}
    rows = max(1, LOO_CHUNK_CELLS // k)
    for start in range(0, k, rows):
        stop = min(k, start + rows)
        mask = np.ones((stop - start, k), dtype=bool)
        mask[np.arange(stop - start), np.arange(start, stop)] = False
        res = pool_arrays(np.broadcast_to(y, mask.shape), np.broadcast_to(v, mask.shape), mask,
                          tau2_method=tau2_method, hksj=hksj, level=level)
        for name in fields:
            out[name][start:stop] = res[name]
    return LeaveOneOut(**out)


def _leave_one_out_dl(y: FloatArray, v: FloatArray, level: float) -> LeaveOneOut:
    """DerSimonian-Laird leave-one-out in O(k) memory.

    Q, tau² and I² of each omission follow from the full sums minus the omitted
    study's terms (y centred first to avoid cancellation); only the
    random-effects sums need a pass over the other studies, done in blocks.
    """
    k = y.size
    w = 1.0 / v
    yc = y - np.sum(w * y) / np.sum(w)
    s1, s2 = np.sum(w) - w, np.sum(w**2) - w**2
    sy, syy = np.sum(w * yc) - w * yc, np.sum(w * yc**2) - w * yc**2
    q = np.maximum(syy - sy**2 / s1, 0.0)
    df = k - 2
    c = s1 - s2 / s1
    with np.errstate(divide="ignore", invalid="ignore"):
        tau2 = np.where(c > 0, np.maximum((q - df) / c, 0.0), 0.0)
        s2_typical = df * s1 / (s1**2 - s2)
        i2 = np.where(df > 0, 100 * tau2 / (tau2 + s2_typical), np.nan)
        h2 = np.where(df > 0, (tau2 + s2_typical) / s2_typical, np.nan)
        q_p = np.where(df > 0, stats.chi2.sf(q, max(df, 1)), np.nan)
    sw = np.empty(k)
    swy = np.empty(k)
    rows = max(1, LOO_CHUNK_CELLS // k)
    for start in range(0, k, rows):
        stop = min(k, start + rows)
        wr = 1.0 / (v[None, :] + tau2[start:stop, None])
        idx = np.arange(stop - start)
        wr[idx, np.arange(start, stop)] = 0.0
        sw[start:stop] = wr.sum(axis=1)
        swy[start:stop] = wr @ y
    mu = swy / sw
    se = np.sqrt(1.0 / sw)
    crit = stats.norm.ppf(1 - (1 - level) / 2)
    return LeaveOneOut(estimate=mu, se=se, ci_low=mu - crit * se, ci_high=mu + crit * se,
                       p=2 * stats.norm.sf(np.abs(mu / se)), tau2=tau2, q=q, q_p=q_p, i2=i2, h2=h2)
