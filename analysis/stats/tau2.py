"""Estimators of the between-study variance tau² for the random-effects model.

Every estimator needs only a handful of weighted sums over the studies of a fit, evaluated at a trial value
``t`` of tau² (:class:`WeightSums`). The sums come from a function ``sums_at(t, names)``: for ordinary fits it
adds up the studies (:func:`direct_sums`, vectorised over a batch axis with an optional mask); the
leave-one-out analysis supplies the same sums for every omission at once (:mod:`analysis.stats.leave_one_out`).

* DerSimonian & Laird (1986): ``max(0, (Q - (k-1)) / (S1 - S2/S1))`` with ``Sp = sum w^p``, ``w = 1/v``.
* Paule & Mandel (1982): the root of ``Q(t) - (k-1)`` with the generalised ``Q(t) = sum w r²``, ``r = y - mu(t)``;
  ``Q(t)`` decreases strictly, so there is one root (or the boundary 0 when ``Q(0) <= k - 1``).
* ML and REML (Viechtbauer 2005, eqs. 9-12; metafor's ``rma.uni``): the maximum over ``t >= 0`` of the profile
  log-likelihood ``-(sum log(v+t) + Q(t))/2`` (ML) or ``-(sum log(v+t) + log sum w + Q(t))/2`` (REML), whose
  score is ``sum w² r² - sum w`` (ML) or ``y'PPy - tr(P)`` (REML), ``P = W - W11'W/sum w``. The likelihood need
  not be unimodal (e.g. one very large study), so the score is scanned on a grid ``U 2^-j``, j = 0..60, below
  the bound ``U = 2 range(y)² + 2 max v`` above which it is negative; every sign change from + to - holds a
  local maximum, solved as below, and the boundary 0 is one more candidate when the score there is <= 0. The
  candidate with the largest log-likelihood is the estimate.

Roots are found by Fisher-scoring (Newton) steps ``t - f(t)/f'(t)`` with the expected information as slope,
kept inside a bracket ``[lo, hi]`` with ``f(lo) > 0 >= f(hi)`` that shrinks at every step, with bisection
whenever a step would leave it (Press et al., *Numerical Recipes*, 3rd ed., sec. 9.4 ``rtsafe``). Unlike plain
Fisher scoring, which oscillates and fails on e.g. raw proportions with very unequal variances (as metafor does
unless told to halve its steps), this cannot diverge: it always ends on a sign change.
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
    s3: FloatArray | None = None  # the others only when asked for (the iterative estimators)
    sr2: FloatArray | None = None
    srr2: FloatArray | None = None
    slog: FloatArray | None = None  # sum log(v + t), for the log-likelihood

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
LOGLIK_SUMS = ("s1", "s2", "sr", "srr", "slog")

#: ``sums_at(t, names)``: the sums named (POOLING_SUMS or ALL_SUMS) for every fit at its trial tau² ``t``.
SumsAt = Callable[[FloatArray, tuple[str, ...]], WeightSums]


def likelihood_bound(y: FloatArray, v: FloatArray, mask: NDArray[np.bool_] | None = None) -> FloatArray:
    """``2 range(y)² + 2 max v`` of each fit: above it the ML and REML scores and ``Q(t) - (k-1)`` are negative."""
    if mask is None:
        spread, v_max = np.ptp(y, axis=-1), np.max(v, axis=-1)
    else:
        spread = np.where(mask, y, -np.inf).max(axis=-1) - np.where(mask, y, np.inf).min(axis=-1)
        v_max = np.where(mask, v, -np.inf).max(axis=-1)
    return 2 * spread**2 + 2 * v_max


def direct_sums(y: FloatArray, v: FloatArray, mask: NDArray[np.bool_] | None = None
                ) -> tuple[FloatArray, FloatArray, FloatArray, SumsAt]:
    """``(centre, k, upper, sums_at)`` for effects ``y`` and variances ``v`` of shape ``(..., k)``; ``mask`` drops
    studies. ``centre`` is the common-effect (inverse-variance) mean of each fit, ``upper`` its
    :func:`likelihood_bound`."""
    y = np.asarray(y, dtype=float)
    v = np.asarray(v, dtype=float)
    w0 = 1.0 / v if mask is None else np.where(mask, 1.0 / v, 0.0)
    centre = np.sum(w0 * y, axis=-1) / np.sum(w0, axis=-1)
    r = y - centre[..., None]
    k = np.full(y.shape[:-1], y.shape[-1], dtype=float) if mask is None else mask.sum(axis=-1).astype(float)

    def sums_at(t: FloatArray, names: tuple[str, ...] = ALL_SUMS) -> WeightSums:
        vt = v + np.asarray(t, dtype=float)[..., None]
        w = 1.0 / vt
        if mask is not None:
            w = np.where(mask, w, 0.0)
        w2 = w * w
        wr = w * r
        sums = dict(s1=w.sum(-1), s2=w2.sum(-1), sr=wr.sum(-1), srr=(wr * r).sum(-1))
        if "s3" in names:
            w2r = w2 * r
            sums.update(s3=(w2 * w).sum(-1), sr2=w2r.sum(-1), srr2=(w2r * r).sum(-1))
        if "slog" in names:
            logs = np.log(vt)
            sums["slog"] = (logs if mask is None else np.where(mask, logs, 0.0)).sum(-1)
        return WeightSums(**sums)

    return centre, k, likelihood_bound(y, v, mask), sums_at


def cochran_q(y: FloatArray, v: FloatArray, mask: NDArray[np.bool_] | None = None) -> FloatArray:
    """Cochran's Q with common-effect weights ``1/v``: ``sum w (y - mu_FE)²``."""
    _, _, _, sums_at = direct_sums(y, v, mask)
    return sums_at(np.zeros(np.shape(y)[:-1]), POOLING_SUMS).q()


# ----------------------------------------------------------------------------- the estimators


def dersimonian_laird_from_sums(at_zero: WeightSums, k: FloatArray) -> FloatArray:
    """``max(0, (Q - (k-1)) / (S1 - S2/S1))`` from the sums at t = 0 (DerSimonian & Laird 1986, eq. 7)."""
    c = at_zero.s1 - at_zero.s2 / at_zero.s1  # 0 for one study, up to rounding: hence the test of k
    with np.errstate(divide="ignore", invalid="ignore"):
        tau2 = np.where((c > 0) & (k >= 2), (at_zero.q() - (k - 1)) / c, 0.0)
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


def _ml_loglik(s: WeightSums) -> FloatArray:
    return -0.5 * (s.slog + s.q())


def _reml_loglik(s: WeightSums) -> FloatArray:
    return -0.5 * (s.slog + np.log(s.s1) + s.q())


Equation = Callable[[WeightSums, FloatArray], tuple[FloatArray, FloatArray]]

#: Points of the scan for local maxima of the likelihood: U 2^-j, j = 0..SCAN_POINTS-1 (and 0).
SCAN_POINTS = 61


def _bracketed_root(equation: Equation, sums_at: SumsAt, k: FloatArray, lo: FloatArray, hi: FloatArray,
                    active: NDArray[np.bool_], name: str) -> FloatArray:
    """The root of ``equation`` in ``[lo, hi]`` (``f(lo) > 0 >= f(hi)``) for the active fits, 0 for the others."""
    scale = k / sums_at(np.zeros(k.shape), POOLING_SUMS).s1  # a typical within-study variance (harmonic mean)
    tol = TOLERANCE * scale
    lo, hi = np.where(active, lo, 0.0), np.where(active, hi, 0.0)
    t = (lo + hi) / 2
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


def paule_mandel_from_sums(sums_at: SumsAt, k: FloatArray, upper: FloatArray) -> FloatArray:
    """The one root of ``Q(t) - (k-1)`` in ``[0, upper]``, or 0 when ``Q(0) <= k - 1``."""
    f0, _ = _pm_equation(sums_at(np.zeros(k.shape), ALL_SUMS), k)
    active = (f0 > 0) & (k >= 2)
    if not np.any(active):
        return np.zeros(k.shape)
    return _bracketed_root(_pm_equation, sums_at, k, np.zeros(k.shape), upper, active, "Paule-Mandel")


def likelihood_maximum(equation: Equation, loglik: Callable[[WeightSums], FloatArray], sums_at: SumsAt,
                       k: FloatArray, upper: FloatArray, name: str) -> FloatArray:
    """The tau² >= 0 of the largest profile likelihood: boundary or local maxima found by a scan (docstring)."""
    fits = k >= 2
    grid = np.concatenate([np.zeros(k.shape + (1,)),
                           upper[..., None] * 2.0 ** -np.arange(SCAN_POINTS - 1, -1, -1.0)], axis=-1)
    scores = np.stack([equation(sums_at(grid[..., j], ALL_SUMS), k)[0] for j in range(grid.shape[-1])], axis=-1)
    boundary = fits & (scores[..., 0] <= 0)
    rising = fits[..., None] & (scores[..., :-1] > 0) & (scores[..., 1:] <= 0)  # a local maximum in (g_j, g_j+1]
    candidates = [np.where(boundary, 0.0, np.nan)]
    order = np.cumsum(rising, axis=-1) * rising  # 1 for a fit's first sign change, 2 for its second, ...
    for slot in range(1, int(order.max(initial=0)) + 1):
        has = (order == slot).any(axis=-1)
        j = np.argmax(order == slot, axis=-1)
        lo = np.take_along_axis(grid, j[..., None], axis=-1)[..., 0]
        hi = np.take_along_axis(grid, j[..., None] + 1, axis=-1)[..., 0]
        root = _bracketed_root(equation, sums_at, k, lo, hi, has, name)
        candidates.append(np.where(has, root, np.nan))
    candidates_ = np.stack(candidates, axis=-1)
    found = ~np.isnan(candidates_)
    if np.all(found.sum(axis=-1)[fits] == 1):
        return np.where(fits, np.nanmax(np.where(found, candidates_, -np.inf), axis=-1), 0.0)
    values = np.stack([np.where(found[..., c], loglik(sums_at(np.nan_to_num(candidates_[..., c]), LOGLIK_SUMS)),
                                -np.inf) for c in range(candidates_.shape[-1])], axis=-1)
    best = np.take_along_axis(candidates_, np.argmax(values, axis=-1)[..., None], axis=-1)[..., 0]
    return np.where(fits, np.nan_to_num(best), 0.0)


def _estimator(method: str) -> Callable[..., FloatArray]:
    def estimator(y: FloatArray, v: FloatArray, mask: NDArray[np.bool_] | None = None) -> FloatArray:
        _, k, upper, sums_at = direct_sums(y, v, mask)
        return tau2_from_sums(method, sums_at, k, upper)

    return estimator


def dersimonian_laird(y: FloatArray, v: FloatArray, mask: NDArray[np.bool_] | None = None) -> FloatArray:
    """Method-of-moments estimator: ``max(0, (Q - (k-1)) / (S1 - S2/S1))``."""
    _, k, _, sums_at = direct_sums(y, v, mask)
    return dersimonian_laird_from_sums(sums_at(np.zeros(k.shape), POOLING_SUMS), k)


restricted_maximum_likelihood = _estimator("reml")
restricted_maximum_likelihood.__doc__ = "REML: the maximum of the restricted likelihood (Viechtbauer 2005, eq. 11)."
maximum_likelihood = _estimator("ml")
maximum_likelihood.__doc__ = "ML: the maximum of the profile likelihood (Viechtbauer 2005, eq. 9)."
paule_mandel = _estimator("pm")
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

#: The likelihood-based estimators: score, log-likelihood and name.
LIKELIHOODS: dict[str, tuple[Equation, Callable[[WeightSums], FloatArray], str]] = {
    "reml": (_reml_score, _reml_loglik, "REML"),
    "ml": (_ml_score, _ml_loglik, "ML"),
}


def tau2_from_sums(method: str, sums_at: SumsAt, k: FloatArray, upper: FloatArray) -> FloatArray:
    """tau² of every fit whose sums ``sums_at`` gives; ``method`` as in :data:`TAU2_ESTIMATORS`; ``upper`` a
    bound as :func:`likelihood_bound`."""
    k = np.asarray(k, dtype=float)
    upper = np.broadcast_to(np.asarray(upper, dtype=float), k.shape)
    if method == "ee":
        return np.zeros(k.shape)
    if method == "dl":
        return dersimonian_laird_from_sums(sums_at(np.zeros(k.shape), POOLING_SUMS), k)
    if method == "pm":
        return paule_mandel_from_sums(sums_at, k, upper)
    try:
        equation, loglik, name = LIKELIHOODS[method]
    except KeyError:
        raise ValueError(f"unknown tau² estimator {method!r}; choose one of {', '.join(TAU2_ESTIMATORS)}") from None
    return likelihood_maximum(equation, loglik, sums_at, k, upper, name)


def estimate_tau2(method: str, y: FloatArray, v: FloatArray, mask: NDArray[np.bool_] | None = None) -> FloatArray:
    try:
        estimator = TAU2_ESTIMATORS[method]
    except KeyError:
        raise ValueError(f"unknown tau² estimator {method!r}; choose one of {', '.join(TAU2_ESTIMATORS)}") from None
    return estimator(np.asarray(y, dtype=float), np.asarray(v, dtype=float), mask)
