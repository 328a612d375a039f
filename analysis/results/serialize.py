"""Turn analysis results into plain JSON-ready dictionaries (NaN -> None).

One flat layout for a meta-analysis is shared by the results registry and the
``pool`` command, so a number has the same name wherever it is read. The per-study
tables (``studies``, ``leave_one_out``) are built column-wise as :class:`Rows`; the
registry expands them to one dictionary per row, while ``pool --json`` writes them
straight from the columns (a million rows in about a second).
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from ..stats.meta import ProportionMetaAnalysis, SubgroupAnalysis


@dataclass(frozen=True)
class Rows:
    """A table of one row per study, held as columns (name -> list of text or numpy array), in row order."""

    columns: dict[str, Sequence[Any]]

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0

    def to_list(self) -> list[dict[str, Any]]:
        """One dictionary per row, values JSON-ready (NaN -> None)."""
        cols = [clean(list(c)) if isinstance(c, (list, tuple)) else clean(c) for c in self.columns.values()]
        return [dict(zip(self.columns, row)) for row in zip(*cols)]


def clean(value: Any) -> Any:
    """Recursively convert numpy scalars/arrays to Python types, NaN/inf to None and :class:`Rows` to lists."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, Rows):
        return value.to_list()
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "f":
            return [f if math.isfinite(f) else None for f in value.tolist()]
        return [clean(v) for v in value.tolist()]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return f if math.isfinite(f) else None
    return value


def meta_layout(m: ProportionMetaAnalysis, study_ids: list[str] | None = None) -> dict[str, Any]:
    """Flat description of one meta-analysis with its per-study tables as :class:`Rows` (not yet cleaned).

    ``not_estimable`` maps every statistic that is left out (its value ``None``) to the reason.
    """
    r, het = m.random, m.random.heterogeneity
    s = m.studies
    ids = study_ids or s.labels
    out: dict[str, Any] = {
        "k": m.k,
        "events": m.total_events,
        "patients": m.total_patients,
        "transform": m.settings.transform,
        "tau2_method": m.settings.tau2_method,
        "hksj": m.settings.hksj,
        "level": m.settings.level,
        "estimate": m.pooled.estimate,
        "ci_low": m.pooled.ci_low,
        "ci_high": m.pooled.ci_high,
        "pi_low": m.pooled.pi_low,
        "pi_high": m.pooled.pi_high,
        "tau2": het.tau2,
        "i2": het.i2,
        "h2": het.h2,
        "q": het.q,
        "q_df": het.q_df,
        "q_p": het.q_p,
        "transformed": {
            "estimate": r.estimate, "se": r.se, "ci_low": r.ci_low, "ci_high": r.ci_high,
            "statistic": r.statistic, "p": r.p, "pi_low": r.pi_low, "pi_high": r.pi_high,
        },
        "common": {"estimate": m.pooled_common.estimate, "ci_low": m.pooled_common.ci_low,
                   "ci_high": m.pooled_common.ci_high, "transformed_estimate": m.common.estimate,
                   "transformed_se": m.common.se},
        "studies": Rows({
            "study": ids, "label": s.labels, "events": s.events.astype(np.int64), "total": s.totals.astype(np.int64),
            "proportion": s.proportion, "ci_low": s.ci_low, "ci_high": s.ci_high, "weight": s.weight_random,
            "weight_common": s.weight_common, "yi": s.yi, "vi": s.vi}),
        "egger": None if m.egger is None else vars(m.egger),
        "begg": None if m.begg is None else vars(m.begg),
        "leave_one_out": None,
        "not_estimable": {note.statistic: note.reason for note in m.not_estimable},
    }
    if m.leave_one_out is not None:
        loo = m.leave_one_out
        out["leave_one_out"] = Rows({
            "omitted": ids, "label": s.labels, "estimate": loo.estimate, "ci_low": loo.ci_low,
            "ci_high": loo.ci_high, "tau2": loo.transformed.tau2, "i2": loo.transformed.i2,
            "q_p": loo.transformed.q_p})
    return out


def subgroups_layout(s: SubgroupAnalysis, study_ids: dict[str, list[str]] | None = None,
                     overall_ids: list[str] | None = None) -> dict[str, Any]:
    return {
        "subgroups": {g: meta_layout(m, (study_ids or {}).get(g)) for g, m in s.groups.items()},
        "overall": meta_layout(s.overall, overall_ids),
        "subgroup_difference": None if s.difference is None else vars(s.difference),
        "not_estimable": {note.statistic: note.reason for note in s.not_estimable},
    }


def meta_to_dict(m: ProportionMetaAnalysis, study_ids: list[str] | None = None) -> dict[str, Any]:
    """Flat description of one meta-analysis; proportions on the 0-1 scale."""
    return clean(meta_layout(m, study_ids))


def subgroups_to_dict(s: SubgroupAnalysis, study_ids: dict[str, list[str]] | None = None,
                      overall_ids: list[str] | None = None) -> dict[str, Any]:
    return clean(subgroups_layout(s, study_ids, overall_ids))
