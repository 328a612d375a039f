"""Meta-analysis of single proportions: effect sizes, pooling and back-transformation together.

This is the one entry point the rest of the package (registry, CLI) calls. It
combines :mod:`transforms` (escalc), :mod:`models` (rma), :mod:`bias` and
:mod:`study_ci`, and reports everything a reader needs on the proportion
scale. Defaults are the seed paper's: Freeman-Tukey, DerSimonian-Laird, Wald
CI, Clopper-Pearson study intervals, Miller's back-transformation.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .bias import BeggTest, EggerTest, begg_test, egger_test
from .errors import NotEstimable, NotEstimableError, too_few_studies
from .leave_one_out import LeaveOneOut, leave_one_out
from .models import (
    PooledEstimate,
    SubgroupDifference,
    pool_effects,
    subgroup_difference,
)
from .study_ci import STUDY_CI_METHODS
from .transforms import EffectSizes, get_transform, inverse_freeman_tukey

FloatArray = NDArray[np.float64]

#: From this many studies, Begg's test runs in a second thread beside the leave-one-out analysis (both spend
#: their time in numpy, which releases the GIL); below it a thread costs more than it saves.
PARALLEL_FROM_K = 20_000


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
    #: Every statistic left out (``egger`` and ``begg`` are then None, intervals NaN), with the reason.
    not_estimable: tuple[NotEstimable, ...] = ()


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
    values = np.stack([loo.estimate, loo.ci_low, loo.ci_high])
    if settings.transform == "ft":  # Miller's back-transform with the harmonic mean of the remaining studies
        hm = (k - 1) / (np.sum(1.0 / totals) - 1.0 / totals)
        back = inverse_freeman_tukey(values, hm)
    else:
        back = tr.back(values, totals)
    back = np.where(np.isnan(values), np.nan, back)
    return LeaveOneOutRows(labels, loo, back[0], back[1], back[2])


def _test_or_reason(name: str, test, *args):
    """``(result, None)``, or ``(None, NotEstimable)`` when the data do not allow the test."""
    try:
        return test(*args), None
    except NotEstimableError as exc:
        return None, NotEstimable(name, exc.reason)


def _loo_notes(k: int, settings: Settings, loo: LeaveOneOutRows | None) -> list[NotEstimable]:
    if k < 2:
        return [NotEstimable("leave_one_out", too_few_studies(2, k))]
    if loo is not None and settings.hksj and np.any(np.isnan(loo.transformed.ci_low)):
        why = ("each omission leaves a single study" if k == 2 else
               "omitting some studies leaves studies that all have the same effect")
        return [NotEstimable("leave_one_out_confidence_interval",
                             f"the Hartung-Knapp-Sidik-Jonkman interval is not estimable where {why} "
                             "(those rows have no interval)")]
    return []


def analyse_proportions(events: ArrayLike, totals: ArrayLike, labels: Sequence[str] | None = None,
                        settings: Settings = Settings(), *, with_leave_one_out: bool = True) -> ProportionMetaAnalysis:
    """Meta-analyse single proportions ``events/totals`` with the given settings.

    The pooled estimate is always reported; a secondary statistic that the data do not allow (heterogeneity
    with one study, a prediction interval with fewer than three, Egger's or Begg's test on identical studies,
    ...) is left out and listed in ``not_estimable`` with the reason.
    """
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

    def loo() -> LeaveOneOutRows | None:
        return _leave_one_out_rows(settings, labels, effects.yi, effects.vi, n) if with_leave_one_out and k >= 2 \
            else None

    if k >= PARALLEL_FROM_K:
        with ThreadPoolExecutor(max_workers=1) as executor:
            begg_future = executor.submit(_test_or_reason, "begg", begg_test, effects.yi, effects.vi)
            leave_out = loo()
            begg, begg_note = begg_future.result()
    else:
        leave_out, (begg, begg_note) = loo(), _test_or_reason("begg", begg_test, effects.yi, effects.vi)
    egger, egger_note = _test_or_reason("egger", egger_test, effects.yi, effects.vi)
    notes = [*random.not_estimable, *(note for note in (egger_note, begg_note) if note)]
    if with_leave_one_out:
        notes += _loo_notes(k, settings, leave_out)
    return ProportionMetaAnalysis(
        settings=settings, k=k, total_events=int(x.sum()), total_patients=int(n.sum()), effects=effects,
        random=random, common=common, pooled=_back(settings, random, n), pooled_common=_back(settings, common, n),
        studies=studies, egger=egger, begg=begg, leave_one_out=leave_out, not_estimable=tuple(notes),
    )


@dataclass(frozen=True)
class SubgroupAnalysis:
    groups: dict[str, ProportionMetaAnalysis]
    overall: ProportionMetaAnalysis
    difference: SubgroupDifference | None
    #: Why ``difference`` is None when there are subgroups to compare.
    not_estimable: tuple[NotEstimable, ...] = ()


def analyse_subgroups(events: ArrayLike, totals: ArrayLike, groups: Sequence[str],
                      labels: Sequence[str] | None = None, settings: Settings = Settings()) -> SubgroupAnalysis:
    """Pool each subgroup (own tau²), all studies together, and test subgroup differences."""
    x = np.asarray(events, dtype=float)
    n = np.asarray(totals, dtype=float)
    groups = list(groups)
    labels = list(labels) if labels is not None else [f"study {i + 1}" for i in range(x.size)]
    order = list(dict.fromkeys(groups))
    members = np.asarray(groups, dtype=object)
    results = {}
    for g in order:
        idx = np.flatnonzero(members == g)
        results[g] = analyse_proportions(x[idx], n[idx], [labels[i] for i in idx], settings)
    overall = analyse_proportions(x, n, labels, settings)
    difference, notes = None, ()
    if len(order) > 1:
        ses = [r.random.se for r in results.values()]
        unusable = [g for g, se in zip(order, ses) if not np.isfinite(se) or se <= 0]
        if unusable:
            notes = (NotEstimable("subgroup_difference", "the pooled estimate of subgroup(s) "
                                  f"{', '.join(unusable)} has no standard error (see their confidence intervals)"),)
        else:
            difference = subgroup_difference([r.random.estimate for r in results.values()], ses)
    return SubgroupAnalysis(results, overall, difference, notes)
