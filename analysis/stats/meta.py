"""Meta-analysis of single proportions: effect sizes, pooling and back-transformation together.

This is the one entry point the rest of the package (registry, CLI) calls. It
combines :mod:`transforms` (escalc), :mod:`models` (rma), :mod:`bias` and
:mod:`study_ci`, and reports everything a reader needs on the proportion
scale. Defaults are the seed paper's: Freeman-Tukey, DerSimonian-Laird, Wald
CI, Clopper-Pearson study intervals, Miller's back-transformation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .bias import BeggTest, EggerTest, LeaveOneOut, begg_test, egger_test, leave_one_out
from .models import (
    PooledEstimate,
    SubgroupDifference,
    pool_effects,
    subgroup_difference,
)
from .study_ci import STUDY_CI_METHODS
from .transforms import EffectSizes, get_transform, inverse_freeman_tukey

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Settings:
    transform: str = "ft"
    tau2_method: str = "dl"
    hksj: bool = False
    level: float = 0.95
    study_ci: str = "clopper-pearson"


@dataclass(frozen=True)
class StudyRows:
    labels: list[str]
    events: FloatArray
    totals: FloatArray
    proportion: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray
    weight_random: FloatArray  # percent
    weight_common: FloatArray  # percent
    yi: FloatArray
    vi: FloatArray


@dataclass(frozen=True)
class BackTransformed:
    """A pooled estimate on the proportion scale (NaN where undefined)."""

    estimate: float
    ci_low: float
    ci_high: float
    pi_low: float
    pi_high: float


@dataclass(frozen=True)
class LeaveOneOutRows:
    omitted: list[str]
    transformed: LeaveOneOut
    estimate: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray


@dataclass(frozen=True)
class ProportionMetaAnalysis:
    settings: Settings
    k: int
    total_events: int
    total_patients: int
    effects: EffectSizes
    random: PooledEstimate
    common: PooledEstimate
    pooled: BackTransformed
    pooled_common: BackTransformed
    studies: StudyRows
    egger: EggerTest | None
    begg: BeggTest | None
    leave_one_out: LeaveOneOutRows | None = field(repr=False)


def _back(settings: Settings, pooled: PooledEstimate, totals: FloatArray) -> BackTransformed:
    tr = get_transform(settings.transform)
    vals = tr.back(np.array([pooled.estimate, pooled.ci_low, pooled.ci_high, pooled.pi_low, pooled.pi_high]),
                   totals)
    vals = np.where(np.isnan([pooled.estimate, pooled.ci_low, pooled.ci_high, pooled.pi_low, pooled.pi_high]),
                    np.nan, vals)
    return BackTransformed(*map(float, vals))


def _leave_one_out_rows(settings: Settings, labels: list[str], yi: FloatArray, vi: FloatArray,
                        totals: FloatArray) -> LeaveOneOutRows:
    loo = leave_one_out(yi, vi, tau2_method=settings.tau2_method, hksj=settings.hksj, level=settings.level)
    tr = get_transform(settings.transform)
    k = totals.size
    if settings.transform == "ft":  # Miller's back-transform with the harmonic mean of the remaining studies
        hm = (k - 1) / (np.sum(1.0 / totals) - 1.0 / totals)
        back = [inverse_freeman_tukey(arr, hm) for arr in (loo.estimate, loo.ci_low, loo.ci_high)]
    else:
        back = [tr.back(arr, totals) for arr in (loo.estimate, loo.ci_low, loo.ci_high)]
    return LeaveOneOutRows(labels, loo, *back)


def analyse_proportions(events: ArrayLike, totals: ArrayLike, labels: Sequence[str] | None = None,
                        settings: Settings = Settings(), *, with_leave_one_out: bool = True) -> ProportionMetaAnalysis:
    """Meta-analyse single proportions ``events/totals`` with the given settings."""
    x = np.asarray(events, dtype=float)
    n = np.asarray(totals, dtype=float)
    k = x.size
    if k == 0:
        raise ValueError("no studies to pool")
    labels = list(labels) if labels is not None else [f"study {i + 1}" for i in range(k)]
    effects = get_transform(settings.transform).effect_sizes(x, n)
    random = pool_effects(effects.yi, effects.vi, tau2_method=settings.tau2_method, hksj=settings.hksj,
                          level=settings.level)
    common = pool_effects(effects.yi, effects.vi, tau2_method="ee", level=settings.level)
    ci = STUDY_CI_METHODS[settings.study_ci](x, n, settings.level)
    studies = StudyRows(labels, x, n, ci.proportion, ci.lower, ci.upper, random.weights, common.weights,
                        effects.yi, effects.vi)
    return ProportionMetaAnalysis(
        settings=settings, k=k, total_events=int(x.sum()), total_patients=int(n.sum()), effects=effects,
        random=random, common=common, pooled=_back(settings, random, n), pooled_common=_back(settings, common, n),
        studies=studies,
        egger=egger_test(effects.yi, effects.vi) if k >= 3 else None,
        begg=begg_test(effects.yi, effects.vi) if k >= 3 else None,
        leave_one_out=_leave_one_out_rows(settings, labels, effects.yi, effects.vi, n)
        if with_leave_one_out and k >= 2 else None,
    )


@dataclass(frozen=True)
class SubgroupAnalysis:
    groups: dict[str, ProportionMetaAnalysis]
    overall: ProportionMetaAnalysis
    difference: SubgroupDifference | None


def analyse_subgroups(events: ArrayLike, totals: ArrayLike, groups: Sequence[str],
                      labels: Sequence[str] | None = None, settings: Settings = Settings()) -> SubgroupAnalysis:
    """Pool each subgroup (own tau²), all studies together, and test subgroup differences."""
    x = np.asarray(events, dtype=float)
    n = np.asarray(totals, dtype=float)
    groups = list(groups)
    labels = list(labels) if labels is not None else [f"study {i + 1}" for i in range(x.size)]
    order = list(dict.fromkeys(groups))
    results = {}
    for g in order:
        idx = [i for i, gi in enumerate(groups) if gi == g]
        results[g] = analyse_proportions(x[idx], n[idx], [labels[i] for i in idx], settings)
    overall = analyse_proportions(x, n, labels, settings)
    difference = None
    if len(order) > 1:
        difference = subgroup_difference([r.random.estimate for r in results.values()],
                                         [r.random.se for r in results.values()])
    return SubgroupAnalysis(results, overall, difference)
