"""Random-effects and common-effect pooling of transformed effects.

The counterpart of metafor's ``rma.uni``: ``y`` and ``v`` in (already on the
analysis scale), estimates on the same scale out. Back-transformation is the
caller's business (see :mod:`analysis.stats.meta`).

Formulas: inverse-variance pooling with ``w = 1/(v + tau²)``; heterogeneity
``Q``, ``I²`` and ``H²`` as in Higgins & Thompson (2002) and metafor
(``I² = tau²/(tau² + s²)`` with the typical within-study variance ``s²``, which
equals ``(Q - df)/Q`` for DerSimonian-Laird); Hartung-Knapp-Sidik-Jonkman CI
(Hartung & Knapp 2001; Sidik & Jonkman 2002); prediction interval with
``t(k-2)`` (Higgins, Thompson & Spiegelhalter 2009), for random-effects models with k >= 3.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from .tau2 import cochran_q, estimate_tau2

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Heterogeneity:
    q: float
    q_df: int
    q_p: float
    i2: float  # percent
    h2: float
    tau2: float


@dataclass(frozen=True)
class PooledEstimate:
    """One pooled estimate on the transformed scale (NaN where undefined)."""

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    statistic: float  # z, or t with HKSJ
    p: float
    pi_low: float
    pi_high: float
    k: int
    tau2_method: str
    hksj: bool
    level: float
    heterogeneity: Heterogeneity
    weights: FloatArray = field(repr=False)  # percent, sums to 100


def _nan_where(cond: NDArray[np.bool_], values: FloatArray) -> FloatArray:
    return np.where(cond, np.nan, values)


def pool_arrays(y: FloatArray, v: FloatArray, mask: NDArray[np.bool_] | None = None, *,
                tau2_method: str = "dl", hksj: bool = False, level: float = 0.95) -> dict[str, FloatArray]:
    """Vectorised pooling over the last axis; returns a dict of arrays of shape ``(...)``.

    The workhorse behind :func:`pool_effects` and the leave-one-out analysis.
    """
    y = np.asarray(y, dtype=float)
    v = np.asarray(v, dtype=float)
    k = np.full(y.shape[:-1], y.shape[-1]) if mask is None else mask.sum(axis=-1)
    k = np.asarray(k, dtype=float)
    tau2 = estimate_tau2(tau2_method, y, v, mask)
    w = 1.0 / (v + tau2[..., None] if np.ndim(tau2) else v + tau2)
    if mask is not None:
        w = np.where(mask, w, 0.0)
    sw = w.sum(axis=-1)
    mu = np.sum(w * y, axis=-1) / sw
    se = np.sqrt(1.0 / sw)

    w_fe = 1.0 / v if mask is None else np.where(mask, 1.0 / v, 0.0)
    q = cochran_q(y, v, mask)
    df = k - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        q_p = _nan_where(df < 1, stats.chi2.sf(q, np.maximum(df, 1)))
        s1, s2 = w_fe.sum(axis=-1), (w_fe**2).sum(axis=-1)
        s2_typical = df * s1 / (s1**2 - s2)
        if tau2_method == "ee":
            i2 = np.where(q > 0, np.maximum(0.0, (q - df) / q) * 100, 0.0)
            h2 = np.where(df > 0, q / df, np.nan)
        else:
            i2 = 100 * tau2 / (tau2 + s2_typical)
            h2 = (tau2 + s2_typical) / s2_typical
    i2 = _nan_where(df < 1, i2)
    h2 = _nan_where(df < 1, h2)

    alpha = 1 - level
    if hksj:
        with np.errstate(divide="ignore", invalid="ignore"):
            se = np.sqrt(np.sum(w * (y - mu[..., None]) ** 2, axis=-1) / (df * sw))
            crit = stats.t.ppf(1 - alpha / 2, df)
            statistic = mu / se
            p = 2 * stats.t.sf(np.abs(statistic), df)
        se, crit, statistic, p = (_nan_where(df < 1, a) for a in (se, crit, statistic, p))
    else:
        crit = stats.norm.ppf(1 - alpha / 2)
        statistic = mu / se
        p = 2 * stats.norm.sf(np.abs(statistic))
    with np.errstate(invalid="ignore"):
        pi_crit = stats.t.ppf(1 - alpha / 2, np.maximum(k - 2, 1))
        pi_half = _nan_where((k < 3) | (tau2_method == "ee"), pi_crit * np.sqrt(se**2 + tau2))
    return {
        "estimate": mu, "se": se, "ci_low": mu - crit * se, "ci_high": mu + crit * se,
        "statistic": statistic, "p": p, "pi_low": mu - pi_half, "pi_high": mu + pi_half,
        "k": k, "tau2": tau2, "q": q, "q_df": df, "q_p": q_p, "i2": i2, "h2": h2,
        "weights": 100 * w / sw[..., None],
    }


def pool_effects(y: ArrayLike, v: ArrayLike, *, tau2_method: str = "dl", hksj: bool = False,
                 level: float = 0.95) -> PooledEstimate:
    """Pool one set of studies; ``tau2_method`` in dl, reml, pm, ml, ee (common effect)."""
    y = np.atleast_1d(np.asarray(y, dtype=float))
    v = np.atleast_1d(np.asarray(v, dtype=float))
    if y.ndim != 1 or y.shape != v.shape or y.size == 0:
        raise ValueError("pool_effects needs two 1-D arrays of equal, non-zero length")
    r = pool_arrays(y, v, tau2_method=tau2_method, hksj=hksj, level=level)
    het = Heterogeneity(q=float(r["q"]), q_df=int(r["q_df"]), q_p=float(r["q_p"]), i2=float(r["i2"]),
                        h2=float(r["h2"]), tau2=float(r["tau2"]))
    return PooledEstimate(
        estimate=float(r["estimate"]), se=float(r["se"]), ci_low=float(r["ci_low"]), ci_high=float(r["ci_high"]),
        statistic=float(r["statistic"]), p=float(r["p"]), pi_low=float(r["pi_low"]), pi_high=float(r["pi_high"]),
        k=int(r["k"]), tau2_method=tau2_method, hksj=hksj, level=level, heterogeneity=het,
        weights=np.asarray(r["weights"]),
    )


@dataclass(frozen=True)
class SubgroupDifference:
    """Test for subgroup differences: Q between subgroup estimates (separate tau² per subgroup)."""

    q: float
    df: int
    p: float


def subgroup_difference(estimates: ArrayLike, ses: ArrayLike) -> SubgroupDifference:
    """``Q_between = sum((mu_g - mu_bar)² / se_g²)`` on ``G - 1`` df (Borenstein et al. 2009, ch. 19)."""
    mu = np.asarray(estimates, dtype=float)
    se = np.asarray(ses, dtype=float)
    q = float(cochran_q(mu, se**2))
    df = mu.size - 1
    return SubgroupDifference(q=q, df=df, p=float(stats.chi2.sf(q, df)) if df > 0 else float("nan"))
