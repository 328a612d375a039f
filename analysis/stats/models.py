"""Random-effects and common-effect pooling of transformed effects.

The counterpart of metafor's ``rma.uni``: ``y`` and ``v`` in (already on the
analysis scale), estimates on the same scale out. Back-transformation is the
caller's business (see :mod:`analysis.stats.meta`).

Formulas: inverse-variance pooling with ``w = 1/(v + tau²)``, ``mu = sum w y / sum w``,
``SE = 1/sqrt(sum w)``; heterogeneity ``Q``, ``I²`` and ``H²`` as in Higgins & Thompson (2002) and metafor
(``I² = tau²/(tau² + s²)`` with the typical within-study variance ``s² = (k-1) S1/(S1² - S2)``, which
equals ``(Q - df)/Q`` for DerSimonian-Laird); Hartung-Knapp-Sidik-Jonkman CI
(Hartung & Knapp 2001; Sidik & Jonkman 2002): ``SE² = sum w (y - mu)² / ((k-1) sum w)`` with t(k-1);
prediction interval ``mu ± t(k-2) sqrt(SE² + tau²)`` (Higgins, Thompson & Spiegelhalter 2009), for
random-effects models with k >= 3.

Everything is computed from the weighted sums of :mod:`analysis.stats.tau2` (:func:`summarise`), so an
ordinary fit, a batch of masked fits and the leave-one-out fits share one code path.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .distributions import chi2_sf, normal_quantile, normal_sf, t_quantile, t_sf
from .errors import NotEstimable, too_few_studies
from .tau2 import POOLING_SUMS, SumsAt, cochran_q, direct_sums, tau2_from_sums

FloatArray = NDArray[np.float64]

#: Why a statistic of one fit is missing (keys of :attr:`PooledEstimate.not_estimable`).
HKSJ_ZERO = ("every study has the same effect on the analysis scale, so the Hartung-Knapp-Sidik-Jonkman "
             "variance estimate is zero and its interval would have no width; without --hksj the Wald "
             "interval is reported")


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
    """One pooled estimate on the transformed scale (NaN where undefined; ``not_estimable`` says why)."""

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
    not_estimable: tuple[NotEstimable, ...] = ()


def _nan_where(cond: NDArray[np.bool_], values: FloatArray) -> FloatArray:
    return np.where(cond, np.nan, values)


def summarise(centre: FloatArray, k: FloatArray, upper: FloatArray, sums_at: SumsAt, *, tau2_method: str = "dl",
              hksj: bool = False, level: float = 0.95, all_equal: NDArray[np.bool_] | None = None
              ) -> dict[str, FloatArray]:
    """Pool every fit whose weighted sums ``sums_at(t)`` gives (shape ``(...)``); a dict of arrays.

    ``upper`` bounds tau² (:func:`analysis.stats.tau2.likelihood_bound`); ``all_equal`` marks fits whose
    studies all have the same effect (their HKSJ interval is not estimable).
    """
    k = np.asarray(k, dtype=float)
    at_zero = sums_at(np.zeros(k.shape), POOLING_SUMS)
    tau2 = tau2_from_sums(tau2_method, sums_at, k, upper)
    at_tau2 = at_zero if not np.any(tau2) else sums_at(tau2, POOLING_SUMS)
    sw = at_tau2.s1
    mu = centre + at_tau2.offset()
    se = np.sqrt(1.0 / sw)

    q = at_zero.q()
    df = k - 1
    no_df = df < 1
    with np.errstate(divide="ignore", invalid="ignore"):
        q_p = _nan_where(no_df, chi2_sf(q, np.maximum(df, 1)))
        if tau2_method == "ee":
            i2 = np.where(q > 0, np.maximum(0.0, (q - df) / q) * 100, 0.0)
            h2 = q / df
        else:
            s1, s2 = at_zero.s1, at_zero.s2
            s2_typical = df * s1 / (s1**2 - s2)
            i2 = 100 * tau2 / (tau2 + s2_typical)
            h2 = (tau2 + s2_typical) / s2_typical
    i2, h2 = _nan_where(no_df, i2), _nan_where(no_df, h2)

    alpha = 1 - level
    degenerate = np.zeros(k.shape, dtype=bool)
    if hksj:
        degenerate = no_df | (np.zeros(k.shape, dtype=bool) if all_equal is None else all_equal)
        with np.errstate(divide="ignore", invalid="ignore"):
            se = np.sqrt(at_tau2.q() / (df * sw))
            crit = t_quantile(1 - alpha / 2, np.maximum(df, 1))
            statistic = mu / se
            p = 2 * t_sf(np.abs(statistic), np.maximum(df, 1))
        se, crit, statistic, p = (_nan_where(degenerate, a) for a in (se, crit, statistic, p))
    else:
        crit = normal_quantile(1 - alpha / 2)
        statistic = mu / se
        p = 2 * normal_sf(np.abs(statistic))
    with np.errstate(invalid="ignore"):
        pi_crit = t_quantile(1 - alpha / 2, np.maximum(k - 2, 1))
        pi_half = _nan_where((k < 3) | (tau2_method == "ee"), pi_crit * np.sqrt(se**2 + tau2))
    return {
        "estimate": mu, "se": se, "ci_low": mu - crit * se, "ci_high": mu + crit * se,
        "statistic": statistic, "p": p, "pi_low": mu - pi_half, "pi_high": mu + pi_half,
        "k": k, "tau2": tau2, "q": q, "q_df": df, "q_p": q_p, "i2": i2, "h2": h2,
        "hksj_degenerate": degenerate & ~no_df,
    }


def _all_equal(y: FloatArray, mask: NDArray[np.bool_] | None) -> NDArray[np.bool_]:
    if mask is None:
        return np.ptp(y, axis=-1) == 0
    return np.where(mask, y, np.inf).min(axis=-1) == np.where(mask, y, -np.inf).max(axis=-1)


def pool_arrays(y: FloatArray, v: FloatArray, mask: NDArray[np.bool_] | None = None, *,
                tau2_method: str = "dl", hksj: bool = False, level: float = 0.95) -> dict[str, FloatArray]:
    """Vectorised pooling over the last axis (``mask`` drops studies); a dict of arrays of shape ``(...)``,
    plus ``weights`` (percent) of shape ``(..., k)``."""
    y = np.asarray(y, dtype=float)
    v = np.asarray(v, dtype=float)
    centre, k, upper, sums_at = direct_sums(y, v, mask)
    out = summarise(centre, k, upper, sums_at, tau2_method=tau2_method, hksj=hksj, level=level,
                    all_equal=_all_equal(y, mask))
    w = 1.0 / (v + out["tau2"][..., None])
    if mask is not None:
        w = np.where(mask, w, 0.0)
    out["weights"] = 100 * w / w.sum(axis=-1, keepdims=True)
    return out


def _not_estimable(r: dict[str, FloatArray], tau2_method: str, hksj: bool) -> tuple[NotEstimable, ...]:
    k = int(r["k"])
    out = []
    if k < 2:
        out.append(NotEstimable("heterogeneity", f"Q, I², H² and tau² {too_few_studies(2, k, 'need')}; "
                                                 "tau² is taken as 0"))
    if hksj and k < 2:
        out.append(NotEstimable("confidence_interval",
                                f"the Hartung-Knapp-Sidik-Jonkman interval {too_few_studies(2, k)}"))
    elif bool(r["hksj_degenerate"]):
        out.append(NotEstimable("confidence_interval", HKSJ_ZERO))
    if tau2_method != "ee":
        if k < 3:
            out.append(NotEstimable("prediction_interval", too_few_studies(3, k)))
        elif bool(r["hksj_degenerate"]):
            out.append(NotEstimable("prediction_interval", "its standard error is not estimable (see the "
                                                           "confidence interval)"))
    return tuple(out)


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
        weights=np.asarray(r["weights"]), not_estimable=_not_estimable(r, tau2_method, hksj),
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
    return SubgroupDifference(q=q, df=df, p=float(chi2_sf(q, df)) if df > 0 else float("nan"))
