"""Kendall's rank correlation tau-b with its test, in O(k log k): the rank correlation behind Begg's test.

As R's ``cor.test(method = "kendall")`` (which metafor's ``ranktest`` calls) and ``scipy.stats.kendalltau``:

* ``S = (concordant - discordant pairs)``, ``tau_b = S / sqrt((n0 - n1)(n0 - n2))`` with ``n0 = k(k-1)/2`` and
  ``n1``, ``n2`` the pairs tied in x and in y (Kendall 1970, ch. 3);
* the discordant pairs are the inversions of y once sorted by (x, y) (Knight 1966, JASA 61:436-439), counted
  here bit by bit of y's ranks, one vectorised pass per bit;
* exact P (no ties, k < 50) from the distribution of the number of inversions of a random permutation, built
  by the recurrence ``f_k(s) = sum_{j<k} f_{k-1}(s - j)`` (Kendall 1970; R's ``ckendall``);
* otherwise the normal approximation with the tie-corrected variance (Kendall 1970, eq. 4.4), no continuity
  correction.

Written out rather than calling ``scipy.stats.kendalltau`` because importing ``scipy.stats`` costs more than
the whole ``pool`` command on a small file; ``tests/stats`` checks it against scipy and metafor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .distributions import normal_sf

#: Below this many observations, and without ties, the P value is exact (as R's ``cor.test``).
EXACT_BELOW = 50


@dataclass(frozen=True)
class KendallTau:
    tau: float  # tau-b; NaN when one variable is constant
    s: int  # concordant minus discordant pairs
    p: float  # two-sided
    exact: bool


def _run_lengths(sorted_values: NDArray[np.float64]) -> NDArray[np.int64]:
    """Lengths of the runs of equal values in a sorted array."""
    starts = np.flatnonzero(np.concatenate(([True], sorted_values[1:] != sorted_values[:-1])))
    return np.diff(np.append(starts, sorted_values.size))


def _dense_ranks(values: NDArray[np.float64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """0-based ranks with ties sharing a rank and no gaps, and the sizes of the tie groups."""
    order = np.argsort(values)
    sorted_values = values[order]
    step = np.concatenate(([0], (sorted_values[1:] != sorted_values[:-1]).astype(np.int64)))
    ranks = np.empty(values.size, dtype=np.int64)
    ranks[order] = np.cumsum(step)
    return ranks, _run_lengths(sorted_values)


def count_inversions(sequence: ArrayLike) -> int:
    """Pairs ``i < j`` with ``a_i > a_j`` in a sequence of non-negative integers, in O(k log(max a)).

    An inversion is decided at the highest bit where ``a_i`` and ``a_j`` differ. For each bit, the elements are
    grouped by their higher bits (a stable sort, radix for these small keys, keeps sequence order within a
    group); every 0 after a 1 of its group makes one inversion. With ``c1`` the running count of ones, a 0 at
    position i of a group starting at s has ``c1[i] - c1[s-1]`` ones before it: the level's count is
    ``sum over zeros of c1 - sum over groups of (zeros in group) c1[s-1]``.
    """
    a = np.asarray(sequence)
    n = a.size
    if n < 2:
        return 0
    top = int(a.max())
    a = a.astype(np.uint16 if top < 2**16 else np.uint32)
    inversions = 0
    for bit in range(top.bit_length() - 1, -1, -1):
        prefix = a >> (bit + 1)
        order = np.argsort(prefix, kind="stable")
        prefix = prefix[order]
        ones = ((a[order] >> bit) & 1).astype(np.int32)
        c1 = np.cumsum(ones, dtype=np.int64)
        starts = np.flatnonzero(np.concatenate(([True], prefix[1:] != prefix[:-1])))
        zeros_in_group = np.diff(np.append(starts, n)) - np.add.reduceat(ones, starts)
        inversions += int(c1[ones == 0].sum() - np.sum(zeros_in_group * (c1[starts] - ones[starts])))
    return inversions


def _tie_sums(group_sizes: NDArray[np.int64]) -> tuple[int, float, float]:
    """``sum t(t-1)/2`` (exact), ``sum t(t-1)(t-2)`` and ``sum t(t-1)(2t+5)`` over tie groups of sizes t."""
    t = group_sizes[group_sizes > 1].astype(np.int64)
    tf = t.astype(float)
    return int(np.sum(t * (t - 1) // 2)), float(np.sum(tf * (tf - 1) * (tf - 2))), float(np.sum(tf * (tf - 1) * (2 * tf + 5)))


def inversion_distribution(k: int) -> NDArray[np.float64]:
    """``P(number of inversions = s)``, s = 0..k(k-1)/2, for a uniformly random permutation of k items."""
    dist = np.ones(1)
    for n in range(2, k + 1):
        dist = np.convolve(dist, np.full(n, 1.0 / n))
    return dist


def kendall_tau(x: ArrayLike, y: ArrayLike) -> KendallTau:
    """Kendall's tau-b of ``x`` and ``y`` and its two-sided test (module docstring)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    k = x.size
    if k != y.size or k < 2:
        raise ValueError("Kendall's tau needs two samples of the same size, at least 2")
    x_ranks, x_groups = _dense_ranks(x)
    y_ranks, y_groups = _dense_ranks(y)
    # tau is symmetric: sort by the variable with more distinct values and count the inversions of the other,
    # whose ranks have fewer bits (Begg's test: the variances often take few values).
    (many, many_groups), (few, few_groups) = sorted([(x_ranks, x_groups), (y_ranks, y_groups)],
                                                    key=lambda item: -item[1].size)
    key = many * (int(few.max()) + 1) + few
    order = np.argsort(key)
    discordant = count_inversions(few[order])
    n0 = k * (k - 1) // 2
    n1, x3, x5 = _tie_sums(x_groups)
    n2, y3, y5 = _tie_sums(y_groups)
    n3 = _tie_sums(_run_lengths(key[order]))[0]
    concordant = n0 - n1 - n2 + n3 - discordant
    s = concordant - discordant
    denominator = math.sqrt((n0 - n1) * (n0 - n2))
    tau = s / denominator if denominator > 0 else float("nan")
    ties = n1 > 0 or n2 > 0
    if denominator == 0:
        return KendallTau(tau, s, float("nan"), False)
    if k < EXACT_BELOW and not ties:
        dist = inversion_distribution(k)
        c = concordant  # concordant pairs have the distribution of the inversions
        p = 2 * min(dist[: c + 1].sum(), dist[c:].sum())
        return KendallTau(tau, s, min(1.0, float(p)), True)
    variance = ((k * (k - 1) * (2 * k + 5) - x5 - y5) / 18
                + x3 * y3 / (9 * k * (k - 1) * (k - 2) if k > 2 else math.inf)
                + (2 * n1) * (2 * n2) / (2 * k * (k - 1)))
    z = s / math.sqrt(variance)
    return KendallTau(tau, s, float(2 * normal_sf(abs(z))), False)
