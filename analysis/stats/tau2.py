"""Estimators of the between-study variance tau² for the random-effects model.

Every estimator needs only a handful of weighted sums over the studies of a fit, evaluated at a trial value
``t`` of tau² (:class:`WeightSums`). The sums come from a function ``sums_at(t)``: for ordinary fits it adds
up the studies (:func:`direct_sums`, vectorised over a batch axis with an optional mask); the leave-one-out
analysis supplies the same sums for every omission at once (:mod:`analysis.stats.leave_one_out`).

* DerSimonian & Laird (1986): ``max(0, (Q - (k-1)) / (S1 - S2/S1))`` with ``Sp = sum w^p``, ``w = 1/v``.
* REML and ML (Viechtbauer 2005, eqs. 9-12; metafor's ``rma.uni``): the root of the score in tau²,
  ``y'PPy - tr(P)`` (REML) or ``sum w² r² - sum w`` (ML), ``P = W - W11'W/sum w``, ``r = y - mu(t)``.
* Paule & Mandel (1982): the root of ``Q(t) - (k-1)`` with the generalised ``Q(t) = sum w r²``.

The three iterative estimators share one solver: Fisher-scoring (Newton) steps ``t - f(t)/f'(t)`` with the
expected information as slope, kept inside a bracket ``[lo, hi]`` with ``f(lo) > 0 >= f(hi)`` that shrinks at
every step, and bisection whenever a step would leave it (Press et al., *Numerical Recipes*, 3rd ed., sec. 9.4
``rtsafe``). Unlike plain Fisher scoring, which oscillates and fails on e.g. raw proportions with very unequal
variances (as metafor does without ``stepadj``), it cannot diverge: it always ends on a sign change of ``f``.
When ``f(0) <= 0`` the estimate is the boundary 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from numpy.typing import NDArray

from .errors import ConvergenceError

FloatArray = NDArray[np.float64]

#: The iterative estimators stop when a step moves tau² by less than this times (tau² + typical variance).
TOLERANCE = 1e-14
MAX_ITERATIONS = 500


@dataclass(frozen=True)
class WeightSums:
    """Sums over the studies of each fit at a trial tau² ``t``, with ``w = 1/(v + t)`` and ``r = y - centre``.

    ``centre`` is a fixed value per fit close to its weighted mean (subtracted for accuracy). ``s1, s2, s3`` are
    ``sum w, sum w², sum w³``; ``sr, sr2`` are ``sum w r, sum w² r``; ``srr, srr2`` are ``sum w r², sum w² r²``.
    """

    s1: FloatArray
    s2: FloatArray
    sr: FloatArray
    srr: FloatArray
    s3: FloatArray | None = None  # the last three only when asked for (the iterative estimators)
    sr2: FloatArray | None = None
    srr2: FloatArray | None = None

    def offset(self) -> FloatArray:
        """The weighted mean minus the centre: ``sum w r / sum w``."""
        return self.sr / self.s1

    def q(self) -> FloatArray:
        """``sum w (y - mu)²`` (Cochran's Q at t = 0, the generalised Q otherwise)."""
        return np.maximum(self.srr - self.sr**2 / self.s1, 0.0)

    def ypy(self) -> FloatArray:
        """``y'PPy = sum w² (y - mu)²``."""
        m = self.offset()
        return np.maximum(self.srr2 - 2 * m * self.sr2 + m**2 * self.s2, 0.0)


#: The sums pooling needs (Q, tau² by DerSimonian-Laird, the weighted mean and its variance), and all of them.
POOLING_SUMS = ("s1", "s2", "sr", "srr")
ALL_SUMS = ("s1", "s2", "sr", "srr", "s3", "sr2", "srr2")

#: ``sums_at(t, names)``: the sums named (POOLING_SUMS or ALL_SUMS) for every fit at its trial tau² ``t``.
SumsAt = Callable[[FloatArray, tuple[str, ...]], WeightSums]


def direct_sums(y: FloatArray, v: FloatArray, mask: NDArray[np.bool_] | None = None
                ) -> tuple[FloatArray, FloatArray, SumsAt]:
    """``(centre, k, sums_at)`` for effects ``y`` and variances ``v`` of shape ``(..., k)``; ``mask`` drops studies.

    ``centre`` is the common-effect (inverse-variance) mean of each fit.
    """
    y = np.asarray(y, dtype=float)
    v = np.asarray(v, dtype=float)
    w0 = 1.0 / v if mask is None else np.where(mask, 1.0 / v, 0.0)
    centre = np.sum(w0 * y, axis=-1) / np.sum(w0, axis=-1)
    r = y - centre[..., None]
    k = np.full(y.shape[:-1], y.shape[-1], dtype=float) if mask is None else mask.sum(axis=-1).astype(float)

    def sums_at(t: FloatArray, names: tuple[str, ...] = ALL_SUMS) -> WeightSums:
        w = 1.0 / (v + np.asarray(t, dtype=float)[..., None])
        if mask is not None:
            w = np.where(mask, w, 0.0)
        w2 = w * w
        wr = w * r
        pooling = dict(s1=w.sum(-1), s2=w2.sum(-1), sr=wr.sum(-1), srr=(wr * r).sum(-1))
        if names == POOLING_SUMS:
            return WeightSums(**pooling)
        w2r = w2 * r
        return WeightSums(**pooling, s3=(w2 * w).sum(-1), sr2=w2r.sum(-1), srr2=(w2r * r).sum(-1))

    return centre, k, sums_at


def cochran_q(y: FloatArray, v: FloatArray, mask: NDArray[np.bool_] | None = None) -> FloatArray:
    """Cochran's Q with common-effect weights ``1/v``: ``sum w (y - mu_FE)²``."""
    _, _, sums_at = direct_sums(y, v, mask)
    return sums_at(np.zeros(np.shape(y)[:-1]), POOLING_SUMS).q()


# ----------------------------------------------------------------------------- the estimators


def dersimonian_laird_from_sums(at_zero: WeightSums, k: FloatArray) -> FloatArray:
    """``max(0, (Q - (k-1)) / (S1 - S2/S1))`` from the sums at t = 0 (DerSimonian & Laird 1986, eq. 7)."""
    c = at_zero.s1 - at_zero.s2 / at_zero.s1
    with np.errstate(divide="ignore", invalid="ignore"):
        tau2 = np.where(c > 0, (at_zero.q() - (k - 1)) / c, 0.0)
    return np.maximum(tau2, 0.0)


def _reml_score(s: WeightSums, k: FloatArray) -> tuple[FloatArray, FloatArray]:
    # Twice the REML score, y'PPy - tr(P), and minus twice the expected information, -tr(PP).
    tr_p = s.s1 - s.s2 / s.s1
    tr_pp = s.s2 - 2 * s.s3 / s.s1 + (s.s2 / s.s1) ** 2
    return s.ypy() - tr_p, -tr_pp


def _ml_score(s: WeightSums, k: FloatArray) -> tuple[FloatArray, FloatArray]:
    return s.ypy() - s.s1, -s.s2


def _pm_equation(s: WeightSums, k: FloatArray) -> tuple[FloatArray, FloatArray]:
    # Q(t) - (k - 1) and its derivative -sum w² r².
    return s.q() - (k - 1), -s.ypy()


Equation = Callable[[WeightSums, FloatArray], tuple[FloatArray, FloatArray]]


def solve_tau2(equation: Equation, sums_at: SumsAt, k: FloatArray, name: str,
               start: FloatArray | None = None) -> FloatArray:
    """The root in tau² >= 0 of a decreasing estimating equation, by bracketed Fisher scoring (module docstring).

    ``start`` (default: DerSimonian-Laird) only speeds things up; the answer does not depend on it.
    """
    k = np.asarray(k, dtype=float)
    at_zero = sums_at(np.zeros(k.shape), ALL_SUMS)
    f0, _ = equation(at_zero, k)
    active = (f0 > 0) & (k >= 2)
    if not np.any(active):
        return np.zeros(k.shape)
    scale = k / at_zero.s1  # a typical within-study variance (harmonic mean of v)
    tol = TOLERANCE * scale
    if start is None:
        start = dersimonian_laird_from_sums(at_zero, k)
    lo = np.zeros(k.shape)
    hi = np.maximum(2 * start, scale)
    for _ in range(200):  # grow hi until f(hi) <= 0
        f_hi, _ = equation(sums_at(np.where(active, hi, 0.0), ALL_SUMS), k)
        grow = active & (f_hi > 0)
        if not np.any(grow):
            break
        lo = np.where(grow, hi, lo)
        hi = np.where(grow, hi * 4, hi)
    else:
        raise ConvergenceError(f"{name} estimate of tau² is unbounded (the estimating equation stays positive)")
    t = np.where(active, np.clip(start, lo, hi), 0.0)
    t = np.where(active & ((t <= lo) | (t >= hi)), (lo + hi) / 2, t)
    for _ in range(MAX_ITERATIONS):
        f, slope = equation(sums_at(t, ALL_SUMS), k)
        lo = np.where(active & (f > 0), t, lo)
        hi = np.where(active & (f <= 0), t, hi)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = t - f / slope
        inside = (newton > lo) & (newton < hi)
        new = np.where(active, np.where(inside, newton, (lo + hi) / 2), 0.0)
        done = (np.abs(new - t) <= tol * (1 + t / scale)) | (hi - lo <= tol * (1 + t / scale))
        t = new
        if np.all(done | ~active):
            return t
    raise ConvergenceError(f"{name} estimate of tau² did not converge in {MAX_ITERATIONS} bracketed steps")


def _iterative(equation: Equation, name: str) -> Callable[..., FloatArray]:
    def estimator(y: FloatArray, v: FloatArray, mask: NDArray[np.bool_] | None = None) -> FloatArray:
        _, k, sums_at = direct_sums(y, v, mask)
        return solve_tau2(equation, sums_at, k, name)

    return estimator


def dersimonian_laird(y: FloatArray, v: FloatArray, mask: NDArray[np.bool_] | None = None) -> FloatArray:
    """Method-of-moments estimator: ``max(0, (Q - (k-1)) / (S1 - S2/S1))``."""
    _, k, sums_at = direct_sums(y, v, mask)
    return dersimonian_laird_from_sums(sums_at(np.zeros(k.shape), POOLING_SUMS), k)


restricted_maximum_likelihood = _iterative(_reml_score, "REML")
restricted_maximum_likelihood.__doc__ = "REML: the root of ``y'PPy - tr(P)`` (Viechtbauer 2005, eq. 11)."
maximum_likelihood = _iterative(_ml_score, "ML")
maximum_likelihood.__doc__ = "ML: the root of ``sum w² r² - sum w`` (Viechtbauer 2005, eq. 9)."
paule_mandel = _iterative(_pm_equation, "Paule-Mandel")
paule_mandel.__doc__ = "Paule-Mandel: the tau² at which the generalised Q equals k - 1 (Paule & Mandel 1982)."


def common_effect(y: FloatArray, v: FloatArray, mask: NDArray[np.bool_] | None = None) -> FloatArray:
    """tau² = 0: the common-effect (fixed-effect) model."""
    return np.zeros(np.shape(v)[:-1])


TAU2_ESTIMATORS: dict[str, Callable[..., FloatArray]] = {
    "dl": dersimonian_laird,
    "reml": restricted_maximum_likelihood,
    "pm": paule_mandel,
    "ml": maximum_likelihood,
    "ee": common_effect,
}

#: The estimating equation of each iterative estimator (for fits whose sums come from elsewhere).
EQUATIONS: dict[str, tuple[Equation, str]] = {
    "reml": (_reml_score, "REML"),
    "ml": (_ml_score, "ML"),
    "pm": (_pm_equation, "Paule-Mandel"),
}


def tau2_from_sums(method: str, sums_at: SumsAt, k: FloatArray, start: FloatArray | None = None) -> FloatArray:
    """tau² of every fit whose sums ``sums_at`` gives; ``method`` as in :data:`TAU2_ESTIMATORS`."""
    k = np.asarray(k, dtype=float)
    if method == "ee":
        return np.zeros(k.shape)
    if method == "dl":
        return dersimonian_laird_from_sums(sums_at(np.zeros(k.shape), POOLING_SUMS), k)
    try:
        equation, name = EQUATIONS[method]
    except KeyError:
        raise ValueError(f"unknown tau² estimator {method!r}; choose one of {', '.join(TAU2_ESTIMATORS)}") from None
    return solve_tau2(equation, sums_at, k, name, start)


def estimate_tau2(method: str, y: FloatArray, v: FloatArray, mask: NDArray[np.bool_] | None = None) -> FloatArray:
    try:
        estimator = TAU2_ESTIMATORS[method]
    except KeyError:
        raise ValueError(f"unknown tau² estimator {method!r}; choose one of {', '.join(TAU2_ESTIMATORS)}") from None
    return estimator(np.asarray(y, dtype=float), np.asarray(v, dtype=float), mask)
