"""Confidence intervals for a single study's proportion."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .distributions import beta_quantile, normal_quantile


@dataclass(frozen=True)
class ProportionCI:
    proportion: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    method: str


def _distinct_pairs(x: NDArray[np.float64], n: NDArray[np.float64]
                    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.intp]]:
    """The distinct (x, n) pairs of whole counts and, for each study, the index of its pair."""
    n_max = float(n.max(initial=0))
    if x.size < 64 or n_max >= 2**31 or np.any(x != np.floor(x)) or np.any(n != np.floor(n)):
        return x, n, np.arange(x.size).reshape(x.shape)
    base = int(n_max) + 1
    keys, where = np.unique(n.astype(np.int64) * base + x.astype(np.int64), return_inverse=True)
    return (keys % base).astype(float), (keys // base).astype(float), where.reshape(x.shape)


def clopper_pearson(events: ArrayLike, totals: ArrayLike, level: float = 0.95) -> ProportionCI:
    """Exact (Clopper & Pearson 1934) interval from beta quantiles; R's ``binom.test``.

    ``lower = B(alpha/2; x, n-x+1)`` (0 when x = 0), ``upper = B(1-alpha/2; x+1, n-x)`` (1 when x = n). The
    quantiles are slow, and counts repeat in large data, so each distinct (x, n) pair is computed once.
    """
    x = np.asarray(events, dtype=float)
    n = np.asarray(totals, dtype=float)
    alpha = 1 - level
    ux, un, where = _distinct_pairs(x, n)
    with np.errstate(invalid="ignore"):
        lower = np.where(ux > 0, beta_quantile(alpha / 2, ux, un - ux + 1), 0.0)
        upper = np.where(ux < un, beta_quantile(1 - alpha / 2, ux + 1, un - ux), 1.0)
    return ProportionCI(x / n, lower[where], upper[where], "clopper-pearson")


def wilson(events: ArrayLike, totals: ArrayLike, level: float = 0.95) -> ProportionCI:
    """Wilson (1927) score interval without continuity correction; R's ``prop.test(correct=FALSE)``."""
    x = np.asarray(events, dtype=float)
    n = np.asarray(totals, dtype=float)
    z = normal_quantile(1 - (1 - level) / 2)
    p = x / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z / (1 + z**2 / n) * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return ProportionCI(p, np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1), "wilson")


STUDY_CI_METHODS = {"clopper-pearson": clopper_pearson, "wilson": wilson}
