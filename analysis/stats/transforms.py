"""Effect sizes for single proportions and their back-transformations.

The counterpart of metafor's ``escalc`` (measures ``PFT``, ``PLO``, ``PAS``,
``PR``) and ``transf.*`` functions: events and totals in, transformed values
``yi`` and sampling variances ``vi`` out. Nothing here pools anything.

Scales follow metafor. In particular the Freeman-Tukey double arcsine is
metafor's ``PFT``: half the sum used by Stata ``metaprop`` and R ``meta``
(variance ``1/(4n+2)`` instead of ``1/(n+1/2)``). Back-transformed proportions,
weights, Q, I² and P are identical on both scales.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

#: Added to both cells of a study with zero events or zero non-events for the
#: transforms that cannot handle them (logit, and the raw proportion whose
#: variance would be zero). metafor's default (``add = 1/2, to = "only0"``).
CONTINUITY_CORRECTION = 0.5


@dataclass(frozen=True)
class EffectSizes:
    """Transformed study proportions ``yi`` with sampling variances ``vi``."""

    yi: FloatArray
    vi: FloatArray
    transform: str
    #: True for studies that received the continuity correction.
    corrected: NDArray[np.bool_]


def _as_counts(events: ArrayLike, totals: ArrayLike) -> tuple[FloatArray, FloatArray]:
    x = np.asarray(events, dtype=float)
    n = np.asarray(totals, dtype=float)
    if x.shape != n.shape:
        raise ValueError(f"events and totals differ in shape: {x.shape} vs {n.shape}")
    if np.any(n <= 0) or np.any(x < 0) or np.any(x > n):
        raise ValueError("need 0 <= events <= totals and totals > 0 for every study")
    return x, n


def _correct_zero_cells(x: FloatArray, n: FloatArray, add: float) -> tuple[FloatArray, FloatArray, NDArray[np.bool_]]:
    """metafor's ``to = "only0"``: add ``add`` to events and non-events of studies with a zero cell."""
    needs = (x == 0) | (x == n)
    xc = np.where(needs, x + add, x)
    nc = np.where(needs, n + 2 * add, n)
    return xc, nc, needs


def freeman_tukey(events: ArrayLike, totals: ArrayLike) -> EffectSizes:
    """Freeman-Tukey double arcsine, metafor scale (Freeman & Tukey 1950; Miller 1978).

    ``y = (asin(sqrt(x/(n+1))) + asin(sqrt((x+1)/(n+1)))) / 2``, ``v = 1/(4n+2)``.
    Defined for zero events and x = n; no correction needed.
    """
    x, n = _as_counts(events, totals)
    y = 0.5 * (np.arcsin(np.sqrt(x / (n + 1))) + np.arcsin(np.sqrt((x + 1) / (n + 1))))
    return EffectSizes(y, 1.0 / (4 * n + 2), "ft", np.zeros(x.shape, dtype=bool))


def logit(events: ArrayLike, totals: ArrayLike, add: float = CONTINUITY_CORRECTION) -> EffectSizes:
    """Log odds, ``y = log(x/(n-x))``, ``v = 1/x + 1/(n-x)``; zero cells get ``add``."""
    x, n = _as_counts(events, totals)
    xc, nc, corrected = _correct_zero_cells(x, n, add)
    with np.errstate(divide="ignore"):
        y = np.log(xc / (nc - xc))
        v = 1.0 / xc + 1.0 / (nc - xc)
    return EffectSizes(y, v, "logit", corrected)


def arcsine(events: ArrayLike, totals: ArrayLike) -> EffectSizes:
    """Arcsine square root, ``y = asin(sqrt(x/n))``, ``v = 1/(4n)`` (metafor ``PAS``)."""
    x, n = _as_counts(events, totals)
    return EffectSizes(np.arcsin(np.sqrt(x / n)), 1.0 / (4 * n), "arcsine", np.zeros(x.shape, dtype=bool))


def raw_proportion(events: ArrayLike, totals: ArrayLike, add: float = CONTINUITY_CORRECTION) -> EffectSizes:
    """Untransformed proportion, ``y = x/n``, ``v = y(1-y)/n`` (metafor ``PR``).

    The variance is zero when x = 0 or x = n; such studies get ``add`` in both
    cells for the variance and the estimate, as metafor's default does.
    """
    x, n = _as_counts(events, totals)
    xc, nc, corrected = _correct_zero_cells(x, n, add)
    p = xc / nc
    return EffectSizes(p, p * (1 - p) / nc, "raw", corrected)


def inverse_freeman_tukey(t: ArrayLike, n_harmonic: ArrayLike) -> FloatArray:
    """Miller's (1978) inverse of the Freeman-Tukey transform, metafor's ``transf.ipft.hm``.

    ``p = (1 - sign(cos 2t) sqrt(1 - (sin 2t + (sin 2t - 1/sin 2t)/n)^2)) / 2`` with
    ``n`` the harmonic mean of the study sizes (a scalar, or one per value of ``t``);
    values below the transform of 0 (above that of 1) map to 0 (1), as in metafor.
    """
    t = np.asarray(t, dtype=float)
    n = np.asarray(n_harmonic, dtype=float)
    lo = 0.5 * np.arcsin(np.sqrt(1 / (n + 1)))  # freeman_tukey(0, n)
    hi = 0.5 * (np.pi / 2 + np.arcsin(np.sqrt(n / (n + 1))))  # freeman_tukey(n, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.sin(2 * t)
        inner = 1 - (s + (s - 1 / s) / n) ** 2
        p = 0.5 * (1 - np.sign(np.cos(2 * t)) * np.sqrt(np.clip(inner, 0.0, None)))
    return np.where(t <= lo, 0.0, np.where(t >= hi, 1.0, p))


def inverse_logit(t: ArrayLike) -> FloatArray:
    """``p = 1 / (1 + exp(-t))`` (metafor ``transf.ilogit``)."""
    return 1.0 / (1.0 + np.exp(-np.asarray(t, dtype=float)))


def inverse_arcsine(t: ArrayLike) -> FloatArray:
    """``p = sin(t)^2`` with t clipped to [0, pi/2] (metafor ``transf.iarcsin``)."""
    return np.sin(np.clip(np.asarray(t, dtype=float), 0.0, np.pi / 2)) ** 2


def inverse_raw(t: ArrayLike) -> FloatArray:
    """Identity for the raw proportion (not truncated to [0, 1], as metafor)."""
    return np.asarray(t, dtype=float)


def harmonic_mean(values: ArrayLike) -> float:
    """Harmonic mean of the study sizes, used by Miller's back-transformation."""
    v = np.asarray(values, dtype=float)
    return float(v.size / np.sum(1.0 / v))


@dataclass(frozen=True)
class Transform:
    """A transformation: forward (events, totals -> yi, vi) and inverse. Human-readable names live in
    :mod:`analysis.formatting` (``method_name``)."""

    name: str
    forward: Callable[[ArrayLike, ArrayLike], EffectSizes]
    inverse: Callable[[ArrayLike, ArrayLike], FloatArray]

    def effect_sizes(self, events: ArrayLike, totals: ArrayLike) -> EffectSizes:
        return self.forward(events, totals)

    def back(self, t: ArrayLike, totals: ArrayLike) -> FloatArray:
        """Back-transform ``t`` to a proportion; ``totals`` are the pooled studies' sizes."""
        return self.inverse(t, totals)


TRANSFORMS: dict[str, Transform] = {
    "ft": Transform("ft", freeman_tukey, lambda t, n: inverse_freeman_tukey(t, harmonic_mean(n))),
    "logit": Transform("logit", logit, lambda t, n: inverse_logit(t)),
    "arcsine": Transform("arcsine", arcsine, lambda t, n: inverse_arcsine(t)),
    "raw": Transform("raw", raw_proportion, lambda t, n: inverse_raw(t)),
}


def get_transform(name: str) -> Transform:
    try:
        return TRANSFORMS[name]
    except KeyError:
        raise ValueError(f"unknown transform {name!r}; choose one of {', '.join(TRANSFORMS)}") from None
