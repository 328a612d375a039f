"""Confidence intervals for a single study's proportion."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats


@dataclass(frozen=True)
class ProportionCI:
    proportion: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    method: str


def clopper_pearson(events: ArrayLike, totals: ArrayLike, level: float = 0.95) -> ProportionCI:
    """Exact (Clopper & Pearson 1934) interval from beta quantiles; R's ``binom.test``."""
    x = np.asarray(events, dtype=float)
    n = np.asarray(totals, dtype=float)
    alpha = 1 - level
    with np.errstate(invalid="ignore"):
        lower = np.where(x > 0, stats.beta.ppf(alpha / 2, x, n - x + 1), 0.0)
        upper = np.where(x < n, stats.beta.ppf(1 - alpha / 2, x + 1, n - x), 1.0)
    return ProportionCI(x / n, lower, upper, "clopper-pearson")


def wilson(events: ArrayLike, totals: ArrayLike, level: float = 0.95) -> ProportionCI:
    """Wilson (1927) score interval without continuity correction; R's ``prop.test(correct=FALSE)``."""
    x = np.asarray(events, dtype=float)
    n = np.asarray(totals, dtype=float)
    z = stats.norm.ppf(1 - (1 - level) / 2)
    p = x / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z / (1 + z**2 / n) * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return ProportionCI(p, np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1), "wilson")


STUDY_CI_METHODS = {"clopper-pearson": clopper_pearson, "wilson": wilson}
