"""Leave-one-out sensitivity analysis: every study omitted in turn, exactly, in O(k) time and memory.

The counterpart of metafor's ``leave1out``. Every pooled quantity of a fit is a function of a few weighted sums
over its studies (:class:`analysis.stats.tau2.WeightSums`: ``sum r^a w^p`` for ``a`` in 0..2, ``p`` in 1..3,
``w = 1/(v + t)``). For the fit without study ``i`` these are the sums over all studies minus study ``i``'s own
term, evaluated at that fit's own ``t_i``:

* at ``t = 0`` (Q, I², H² and the DerSimonian-Laird tau²) the sums are the full sums minus the left-out study,
  O(k) for all omissions. With ``W = sum w``, ``A = sum w r``, ``B = sum w r²``, ``C = sum w²`` (``w = 1/v``,
  ``r = y - mu_FE``): ``Q_-i = (B - w_i r_i²) - (A - w_i r_i)² / (W - w_i)`` and
  ``tau²_-i = max(0, (Q_-i - (k-2)) / ((W - w_i) - (C - w_i²)/(W - w_i)))`` (DerSimonian & Laird 1986 on the
  k - 1 remaining studies);
* at ``t = t_i`` (the random-effects weights, and every step of the REML/ML/Paule-Mandel solver) the ``t_i``
  differ, so each sum is expanded around a centre ``c`` close to them:
  ``(v_j + c + d)^-p = sum_m C(p+m-1, m) (-d)^m (v_j + c)^-(p+m)`` (the binomial series, convergent for
  ``|d| < v_j + c``). The moments ``sum r^a (v + c)^-q`` are computed once per centre, so every omission costs
  O(number of terms). Omissions are grouped around a few centres so that ``|d| / (min v + c) <= 0.1``, and the
  series is cut where its remainder is below 2^-60 of the leading term: the result is exact to rounding.

An omission is computed directly (O(k)) only where subtracting its own term would cancel (a study holding most
of a sum, at most one per sum and centre). The leave-one-out fits then go through the same
:func:`analysis.stats.models.summarise` as every other fit.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import comb

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .models import summarise
from .tau2 import ALL_SUMS, WeightSums, likelihood_bound

FloatArray = NDArray[np.float64]

#: Largest ``|t_i - c| / (min v + c)`` served by one centre of the expansion.
RADIUS = 0.1
#: Relative size of the first omitted term of the series.
SERIES_TOLERANCE = 2.0**-60
#: A study holding more than this share of a sum is left out by summing the others directly.
DIRECT_SHARE = 0.9

#: Each sum as (power of r, power of w); "slog" (sum log(v + t)) is written as power 0 of w.
_SUMS = {"s1": (0, 1), "s2": (0, 2), "s3": (0, 3), "sr": (1, 1), "sr2": (1, 2), "srr": (2, 1), "srr2": (2, 2),
         "slog": (0, 0)}


@dataclass(frozen=True)
class LeaveOneOut:
    """Pooled results with each study omitted in turn (row i omits study i)."""

    estimate: FloatArray
    se: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray
    p: FloatArray
    tau2: FloatArray
    q: FloatArray
    q_p: FloatArray
    i2: FloatArray
    h2: FloatArray


def _terms_needed(rho: float) -> int:
    """Terms of the series for ``(1 + x)^-3``, ``|x| <= rho``, until the remainder is below SERIES_TOLERANCE."""
    if rho == 0:
        return 1
    m = 1
    while comb(m + 2, m) * rho**m / (1 - rho) > SERIES_TOLERANCE:
        m += 1
    return m


def _centres(t: FloatArray, v_min: float) -> list[tuple[float, NDArray[np.intp]]]:
    """Group the omissions by their ``t``: ``(c, rows)`` with ``|t - c| <= RADIUS (v_min + c)``."""
    lo, hi = float(t.min()), float(t.max())
    if (v_min + hi) <= (v_min + lo) * (1 + RADIUS) / (1 - RADIUS):  # one centre serves all (the usual case)
        return [((lo + hi) / 2, np.arange(t.size))]
    order = np.argsort(t, kind="stable")
    u = v_min + t[order]
    groups = []
    start = 0
    while start < u.size:
        reach = u[start] * (1 + RADIUS) / (1 - RADIUS)
        stop = int(np.searchsorted(u, reach, side="right"))
        groups.append((float((u[start] + u[stop - 1]) / 2 - v_min), order[start:stop]))
        start = stop
    return groups


def _direct(r: FloatArray, v: FloatArray, t: float, i: int, names: tuple[str, ...]) -> dict[str, float]:
    keep = np.arange(r.size) != i
    w = 1.0 / (v[keep] + t)
    return {name: float(np.log(v[keep] + t).sum() if name == "slog" else
                        (r[keep] ** _SUMS[name][0] * w ** _SUMS[name][1]).sum()) for name in names}


def excluded_sums(r: FloatArray, v: FloatArray, t: FloatArray, names: tuple[str, ...] = ALL_SUMS) -> WeightSums:
    """For every study i, the sums ``names`` of :class:`WeightSums` over the other studies at ``t[i]``
    (module docstring). ``r`` are the effects minus one common centre; ``t`` has one trial tau² per omission.

    Written with in-place operations on a few buffers: at a million studies, fresh temporaries would cost
    more than the arithmetic.
    """
    k = r.size
    t = np.asarray(t, dtype=float)
    wanted = {name: _SUMS[name] for name in names}
    a_pows = sorted({a_pow for a_pow, _ in wanted.values()})
    ps = sorted({p for _, p in wanted.values() if p > 0})
    out = {name: np.zeros(k) for name in wanted}
    v_min = float(v.min())
    r_pow = {0: None, 1: r, 2: r * r}
    abs_r = np.abs(r)
    for c, rows in _centres(t, v_min):
        every = rows.size == k  # rows is then 0..k-1: index nothing
        a = 1.0 / (v + c)
        d = t - c if every else t[rows] - c
        m_terms = _terms_needed(float(np.max(np.abs(d))) / (v_min + c))
        a_rows = a if every else a[rows]
        r_rows = {e: (x if every or x is None else x[rows]) for e, x in r_pow.items()}
        acc = out if every else {name: np.zeros(rows.size) for name in wanted}
        neg_d_powers = [None, -d]  # (-d)^m
        for _ in range(2, m_terms):
            neg_d_powers.append(neg_d_powers[-1] * neg_d_powers[1])
        # binomial series coefficients C(p+m-1, m) (-d)^m of (v + c + d)^-p; for log(v + c + d) - log(v + c),
        # the series of log(1 + d a) has coefficients -(-d)^m / m (p = 0 below)
        coefficients = {(p, m): comb(p + m - 1, m) * neg_d_powers[m] if p > 1 else neg_d_powers[m]
                        for p in ps for m in range(1, m_terms)}
        if "slog" in wanted:
            coefficients.update({(0, m): neg_d_powers[m] * (-1.0 / m) for m in range(1, m_terms)})
            logs = np.log(v + c)
            acc["slog"] = logs.sum() - (logs if every else logs[rows])
        direct = np.zeros(rows.size, dtype=bool)
        aq = a.copy()
        aq_rows = aq if every else a_rows.copy()
        term = np.empty(rows.size)
        scaled = np.empty(rows.size)
        for q in range(1, max(ps, default=0) + m_terms):
            if q > 1:
                aq *= a
                if not every:
                    aq_rows *= a_rows
            totals = {e: (aq.sum() if e == 0 else float(r_pow[e] @ aq)) for e in a_pows}
            if q in ps:  # a study holding most of a base sum: subtracting its term would cancel
                for e in a_pows:
                    own = aq_rows if e == 0 else np.multiply(r_rows[e], aq_rows, out=term)
                    scale = float(abs_r @ aq) if e == 1 else totals[e]
                    direct |= np.abs(own) > DIRECT_SHARE * scale
            for e in a_pows:
                # term = (sum over all studies) - (the omitted study's own term)
                if e == 0:
                    np.subtract(totals[0], aq_rows, out=term)
                else:
                    np.multiply(r_rows[e], aq_rows, out=term)
                    np.subtract(totals[e], term, out=term)
                for name, (e_name, p) in wanted.items():
                    m = q - p
                    if e_name != e or not 0 <= m < m_terms or (p == 0 and m == 0):
                        continue
                    if m == 0:
                        acc[name] += term
                    else:
                        acc[name] += np.multiply(term, coefficients[p, m], out=scaled)
        if not every:
            for name in wanted:
                out[name][rows] = acc[name]
        for j in np.flatnonzero(direct):
            i = int(rows[j])
            for name, value in _direct(r, v, float(t[i]), i, names).items():
                out[name][i] = value
    return WeightSums(**out)


def _all_others_equal(y: FloatArray) -> NDArray[np.bool_]:
    """Whether the studies left after omitting each one all have the same effect."""
    lo, hi = y.min(), y.max()
    if lo == hi:
        return np.ones(y.size, dtype=bool)
    at_lo, at_hi = y == lo, y == hi
    n_lo, n_hi = int(at_lo.sum()), int(at_hi.sum())
    if n_lo + n_hi < y.size or min(n_lo, n_hi) > 1:
        return np.zeros(y.size, dtype=bool)
    return at_lo if n_lo == 1 else at_hi


def leave_one_out(y: ArrayLike, v: ArrayLike, *, tau2_method: str = "dl", hksj: bool = False,
                  level: float = 0.95) -> LeaveOneOut:
    """Re-pool with each study left out, for any tau² estimator."""
    y = np.asarray(y, dtype=float)
    v = np.asarray(v, dtype=float)
    k = y.size
    if k < 2:
        raise ValueError(f"leave-one-out needs at least 2 studies, got {k}")
    w = 1.0 / v
    centre = float(np.sum(w * y) / np.sum(w))
    r = y - centre
    counts = np.full(k, k - 1.0)

    at_zero: dict[tuple[str, ...], WeightSums] = {}  # the sums at t = 0 are asked for repeatedly

    def sums_at(t: FloatArray, names: tuple[str, ...] = ALL_SUMS) -> WeightSums:
        if np.any(t):
            return excluded_sums(r, v, t, names)
        for known, sums in at_zero.items():
            if set(names) <= set(known):
                return sums
        at_zero[names] = excluded_sums(r, v, np.zeros(k), names)
        return at_zero[names]

    upper = np.full(k, likelihood_bound(y, v))  # a bound for every omission: range and max v cannot grow
    res = summarise(np.full(k, centre), counts, upper, sums_at, tau2_method=tau2_method, hksj=hksj, level=level,
                    all_equal=_all_others_equal(y))
    return LeaveOneOut(**{name: np.asarray(res[name], dtype=float) for name in LeaveOneOut.__dataclass_fields__})


def leave_one_out_by_refitting(y: ArrayLike, v: ArrayLike, *, tau2_method: str = "dl", hksj: bool = False,
                               level: float = 0.95) -> LeaveOneOut:
    """The same, by refitting k times (O(k²)); the reference the fast path is tested against."""
    from .models import pool_arrays

    y = np.asarray(y, dtype=float)
    v = np.asarray(v, dtype=float)
    rows = [pool_arrays(np.delete(y, i), np.delete(v, i), tau2_method=tau2_method, hksj=hksj, level=level)
            for i in range(y.size)]
    return LeaveOneOut(**{name: np.array([float(row[name]) for row in rows])
                          for name in LeaveOneOut.__dataclass_fields__})
