"""Turn analysis results into plain JSON-ready dictionaries (NaN -> None).

One flat layout for a meta-analysis is shared by the results registry and the
``pool`` command, so a number has the same name wherever it is read.
"""

from __future__ import annotations

import datetime
import math
from typing import Any

import numpy as np

from ..stats.meta import ProportionMetaAnalysis, SubgroupAnalysis


def clean(value: Any) -> Any:
    """Recursively convert numpy scalars/arrays to Python types and NaN/inf to None."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if isinstance(value, np.ndarray):
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


def meta_to_dict(m: ProportionMetaAnalysis, study_ids: list[str] | None = None) -> dict[str, Any]:
    """Flat description of one meta-analysis; proportions on the 0-1 scale."""
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
        "studies": [
            {"study": ids[i], "label": s.labels[i], "events": int(s.events[i]), "total": int(s.totals[i]),
             "proportion": s.proportion[i], "ci_low": s.ci_low[i], "ci_high": s.ci_high[i],
             "weight": s.weight_random[i], "weight_common": s.weight_common[i], "yi": s.yi[i], "vi": s.vi[i]}
            for i in range(m.k)
        ],
        "egger": None if m.egger is None else vars(m.egger),
        "begg": None if m.begg is None else vars(m.begg),
        "leave_one_out": None,
    }
    if m.leave_one_out is not None:
        loo = m.leave_one_out
        out["leave_one_out"] = [
            {"omitted": ids[i], "label": s.labels[i], "estimate": loo.estimate[i], "ci_low": loo.ci_low[i],
             "ci_high": loo.ci_high[i], "tau2": loo.transformed.tau2[i], "i2": loo.transformed.i2[i],
             "q_p": loo.transformed.q_p[i]}
            for i in range(m.k)
        ]
    return clean(out)


def subgroups_to_dict(s: SubgroupAnalysis, study_ids: dict[str, list[str]] | None = None,
                      overall_ids: list[str] | None = None) -> dict[str, Any]:
    return clean({
        "subgroups": {g: meta_to_dict(m, (study_ids or {}).get(g)) for g, m in s.groups.items()},
        "overall": meta_to_dict(s.overall, overall_ids),
        "subgroup_difference": None if s.difference is None else vars(s.difference),
    })
