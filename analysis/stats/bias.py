"""Small-study effects: Egger's regression test and Begg's rank correlation test.

Counterparts of metafor's ``regtest(model = "lm")`` and ``ranktest``. Inputs are effects on the analysis
scale. Data on which a test is undefined (too few studies, every study with the same standard error, every
study with the same effect) raise :class:`NotEstimableError` with the reason, never a numerical error or a
number made of rounding noise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .distributions import t_sf
from .errors import NotEstimableError, too_few_studies
from .kendall import kendall_tau

#: Residual variation below this fraction (relative, per study) of the response is rounding error.
_ROUNDING = 64 * np.finfo(float).eps


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


def _needs_three(k: int) -> None:
    if k < 3:
        raise NotEstimableError(too_few_studies(3, k))


def egger_test(y: ArrayLike, v: ArrayLike) -> EggerTest:
    """Classic Egger regression test (needs k >= 3 and studies of different precision).

    Ordinary least squares of ``z = y/se`` on ``x = 1/se`` from centred sums:
    ``slope = Sxz/Sxx``, ``intercept = mean(z) - slope mean(x)``, residual variance ``(Szz - Sxz²/Sxx)/(k-2)``,
    ``SE(intercept)² = s² (1/k + mean(x)²/Sxx)`` (e.g. Draper & Smith 1998, ch. 1), t on k - 2 df; ``s²`` is the
    sum of squared residuals over k - 2.
    """
    y = np.asarray(y, dtype=float)
    v = np.asarray(v, dtype=float)
    k = y.size
    _needs_three(k)
    if np.ptp(v) == 0:
        raise NotEstimableError("every study has the same standard error, so the regression on precision "
                                "cannot separate a small-study effect from the pooled effect")
    se = np.sqrt(v)
    x = 1.0 / se
    z = y / se
    xc = x - x.mean()
    zc = z - z.mean()
    sxx, sxz = float(xc @ xc), float(xc @ zc)
    slope = sxz / sxx
    intercept = float(z.mean() - slope * x.mean())
    residuals = zc - slope * xc  # summed directly: Szz - Sxz²/Sxx cancels when the fit is close
    rss = float(residuals @ residuals)
    if np.ptp(y) == 0 or rss <= k * (_ROUNDING * float(np.max(np.abs(z)))) ** 2:
        raise NotEstimableError("the studies lie exactly on the regression line (every study has the same "
                                "effect), so the intercept has no standard error")
    df = k - 2
    se_intercept = math.sqrt(rss / df * (1.0 / k + x.mean() ** 2 / sxx))
    t = intercept / se_intercept
    return EggerTest(intercept=intercept, se=se_intercept, t=t, df=df, p=float(2 * t_sf(abs(t), df)),
                     slope=float(slope))


def begg_test(y: ArrayLike, v: ArrayLike) -> BeggTest:
    """Rank correlation test as metafor's ``ranktest``: Kendall's tau of ``(y - mu_FE)/sqrt(v - 1/sum w)``
    and ``v``; exact P without ties and k < 50 (as R's ``cor.test``)."""
    y = np.asarray(y, dtype=float)
    v = np.asarray(v, dtype=float)
    k = y.size
    _needs_three(k)
    if np.ptp(y) == 0:
        raise NotEstimableError("every study has the same effect, so there is no order to correlate")
    if np.ptp(v) == 0:
        raise NotEstimableError("every study has the same variance, so there is no order to correlate")
    w = 1.0 / v
    mu = np.sum(w * y) / np.sum(w)
    y_star = (y - mu) / np.sqrt(v - 1.0 / np.sum(w))
    result = kendall_tau(y_star, v)
    return BeggTest(tau=result.tau, p=result.p, exact=result.exact)
