"""Estimators of the between-study variance tau² for the random-effects model.

All functions take transformed effects ``y`` and sampling variances ``v`` of
shape ``(..., k)`` and an optional boolean ``mask`` of the same shape (studies
with ``False`` are left out), and return tau² of shape ``(...)``. The batch
axis lets leave-one-out analyses run all omissions at once.

References: DerSimonian & Laird (1986); REML and ML by Fisher scoring as in
Viechtbauer (2005) and metafor's ``rma.uni``; Paule & Mandel (1982).
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

#: Convergence tolerance (absolute change of tau²) for the iterative estimators.
TOLERANCE = 1e-12
MAX_ITERATIONS = 1000


class ConvergenceError(RuntimeError):
    """An iterative tau² estimator did not converge."""


def _weights(v: FloatArray, mask: NDArray[np.bool_] | None, tau2: FloatArray | float = 0.0) -> FloatArray:
    t = np.asarray(tau2, dtype=float)[..., None] if np.ndim(tau2) else tau2
    w = 1.0 / (v + t)
    return w if mask is None else np.where(mask, w, 0.0)


def _count(v: FloatArray, mask: NDArray[np.bool_] | None) -> FloatArray:
    return np.full(v.shape[:-1], v.shape[-1], dtype=float) if mask is None else mask.sum(axis=-1).astype(float)


def weighted_mean(y: FloatArray, w: FloatArray) -> FloatArray:
    """Inverse-variance weighted mean along the last axis."""
    return np.sum(w * y, axis=-1) / np.sum(w, axis=-1)


def cochran_q(y: FloatArray, v: FloatArray, mask: NDArray[np.bool_] | None = None) -> FloatArray:
    """Cochran's Q with common-effect weights ``1/v``."""
    w = _weights(v, mask)
    mu = weighted_mean(y, w)
    return np.sum(w * (y - mu[..., None]) ** 2, axis=-1)


def dersimonian_laird(y: FloatArray, v: FloatArray, mask: NDArray[np.bool_] | None = None) -> FloatArray:
    """Method-of-moments estimator: ``max(0, (Q - (k-1)) / (S1 - S2/S1))``."""
    w = _weights(v, mask)
    s1 = w.sum(axis=-1)
    s2 = (w**2).sum(axis=-1)
    q = cochran_q(y, v, mask)
    k = _count(v, mask)
    c = s1 - s2 / s1
    with np.errstate(divide="ignore", invalid="ignore"):
        tau2 = np.where(c > 0, (q - (k - 1)) / c, 0.0)
    return np.maximum(tau2, 0.0)


def _fisher_scoring(y: FloatArray, v: FloatArray, mask: NDArray[np.bool_] | None,
                    step: Callable[[FloatArray, FloatArray], FloatArray], name: str) -> FloatArray:
    """Iterate ``tau2 <- max(0, tau2 + step)`` from the DL estimate until it settles."""
    tau2 = dersimonian_laird(y, v, mask)
    for _ in range(MAX_ITERATIONS):
        w = _weights(v, mask, tau2)
        new = np.maximum(tau2 + step(y, w), 0.0)
        done = np.abs(new - tau2) <= TOLERANCE * (1 + tau2)
        tau2 = new
        if np.all(done):
            return tau2
    raise ConvergenceError(f"{name} estimate of tau² did not converge in {MAX_ITERATIONS} iterations")


def _residuals(y: FloatArray, w: FloatArray) -> FloatArray:
    return y - weighted_mean(y, w)[..., None]


def _reml_step(y: FloatArray, w: FloatArray) -> FloatArray:
    # Score (y'PPy - tr P) over information tr(PP), P = W - W11'W / sum(W).
    s1, s2, s3 = (np.sum(w**p, axis=-1) for p in (1, 2, 3))
    r = _residuals(y, w)
    ypy = np.sum(w**2 * r**2, axis=-1)
    tr_p = s1 - s2 / s1
    tr_pp = s2 - 2 * s3 / s1 + s2**2 / s1**2
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(tr_pp > 0, (ypy - tr_p) / tr_pp, 0.0)


def _ml_step(y: FloatArray, w: FloatArray) -> FloatArray:
    s1, s2 = np.sum(w, axis=-1), np.sum(w**2, axis=-1)
    r = _residuals(y, w)
    return (np.sum(w**2 * r**2, axis=-1) - s1) / s2


def restricted_maximum_likelihood(y: FloatArray, v: FloatArray, mask: NDArray[np.bool_] | None = None) -> FloatArray:
    """REML estimate of tau² by Fisher scoring (Viechtbauer 2005)."""
    return _fisher_scoring(y, v, mask, _reml_step, "REML")


def maximum_likelihood(y: FloatArray, v: FloatArray, mask: NDArray[np.bool_] | None = None) -> FloatArray:
    """ML estimate of tau² by Fisher scoring (Viechtbauer 2005)."""
    return _fisher_scoring(y, v, mask, _ml_step, "ML")


def paule_mandel(y: FloatArray, v: FloatArray, mask: NDArray[np.bool_] | None = None) -> FloatArray:
    """Paule-Mandel: the tau² at which the generalised Q equals k - 1.

    Solved by Newton steps kept inside a bisection bracket; ``dQ/dtau² = -sum w² r²``.
    """
    k = _count(v, mask)

    def q_and_slope(tau2: FloatArray) -> tuple[FloatArray, FloatArray]:
        w = _weights(v, mask, tau2)
        r = _residuals(y, w)
        return np.sum(w * r**2, axis=-1) - (k - 1), -np.sum(w**2 * r**2, axis=-1)

    f0, _ = q_and_slope(np.zeros(k.shape))
    active = f0 > 0
    lo = np.zeros(k.shape)
    hi = np.maximum(dersimonian_laird(y, v, mask), 1e-8) * 2
    for _ in range(200):
        f_hi, _ = q_and_slope(hi)
        grow = active & (f_hi > 0)
        if not np.any(grow):
            break
        hi = np.where(grow, hi * 4, hi)
    tau2 = np.where(active, np.clip(dersimonian_laird(y, v, mask), lo, hi), 0.0)
    for _ in range(MAX_ITERATIONS):
        f, slope = q_and_slope(tau2)
        lo = np.where(active & (f > 0), tau2, lo)
        hi = np.where(active & (f <= 0), tau2, hi)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = tau2 - f / slope
        inside = (newton > lo) & (newton < hi)
        new = np.where(active, np.where(inside, newton, (lo + hi) / 2), 0.0)
        done = np.abs(new - tau2) <= TOLERANCE * (1 + tau2)
        tau2 = new
        if np.all(done):
            return tau2
    raise ConvergenceError(f"Paule-Mandel estimate of tau² did not converge in {MAX_ITERATIONS} iterations")


def common_effect(y: FloatArray, v: FloatArray, mask: NDArray[np.bool_] | None = None) -> FloatArray:
    """tau² = 0: the common-effect (fixed-effect) model."""
    return np.zeros(v.shape[:-1])


TAU2_ESTIMATORS: dict[str, Callable[..., FloatArray]] = {
    "dl": dersimonian_laird,
    "reml": restricted_maximum_likelihood,
    "pm": paule_mandel,
    "ml": maximum_likelihood,
    "ee": common_effect,
}



def estimate_tau2(method: str, y: FloatArray, v: FloatArray, mask: NDArray[np.bool_] | None = None) -> FloatArray:
    try:
        estimator = TAU2_ESTIMATORS[method]
    except KeyError:
        raise ValueError(f"unknown tau² estimator {method!r}; choose one of {', '.join(TAU2_ESTIMATORS)}") from None
    return estimator(np.asarray(y, dtype=float), np.asarray(v, dtype=float), mask)
