"""Tail probabilities and quantiles of the normal, t, chi-squared and beta distributions, vectorised.

Thin names over :mod:`scipy.special` (the same Cephes/Boost routines ``scipy.stats`` calls), so the engine
never imports ``scipy.stats``: that import alone takes longer than pooling a million studies.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

FloatArray = NDArray[np.float64]


def normal_sf(z: ArrayLike) -> FloatArray:
    """``P(Z > z)`` for a standard normal ``Z`` (``scipy.stats.norm.sf``)."""
    return special.ndtr(-np.asarray(z, dtype=float))


def normal_quantile(p: ArrayLike) -> FloatArray:
    """The ``p`` quantile of the standard normal (``scipy.stats.norm.ppf``)."""
    return special.ndtri(np.asarray(p, dtype=float))


def t_sf(t: ArrayLike, df: ArrayLike) -> FloatArray:
    """``P(T > t)`` for Student's t with ``df`` degrees of freedom (``scipy.stats.t.sf``)."""
    return special.stdtr(np.asarray(df, dtype=float), -np.asarray(t, dtype=float))


def t_quantile(p: float, df: ArrayLike) -> FloatArray:
    """The ``p`` quantile of Student's t with ``df`` degrees of freedom (``scipy.stats.t.ppf``).

    The quantile is slow to compute, so one ``df`` shared by a whole array (leave-one-out fits) is done once.
    """
    df = np.asarray(df, dtype=float)
    if df.size > 1 and df.min() == df.max():
        return np.full(df.shape, special.stdtrit(df.flat[0], p))
    return special.stdtrit(df, p)


def chi2_sf(x: ArrayLike, df: ArrayLike) -> FloatArray:
    """``P(X > x)`` for chi-squared with ``df`` degrees of freedom (``scipy.stats.chi2.sf``)."""
    return special.chdtrc(np.asarray(df, dtype=float), np.asarray(x, dtype=float))


def beta_quantile(p: ArrayLike, a: ArrayLike, b: ArrayLike) -> FloatArray:
    """The ``p`` quantile of Beta(a, b) (``scipy.stats.beta.ppf``)."""
    return special.betaincinv(np.asarray(a, dtype=float), np.asarray(b, dtype=float), np.asarray(p, dtype=float))
