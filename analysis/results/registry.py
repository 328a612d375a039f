"""The results registry: every number the manuscript, tables, figures and audit use.

``build_registry`` turns validated inputs into one plain dictionary (written as
``build/results.json``). Numbers are stored at full precision; formatting is
done by the readers through :mod:`analysis.formatting`. The schema is
described in ``analysis/results/schema.md``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..inputs import DATA_FILES
from ..inputs.load import Inputs, load_inputs
from ..inputs.trials import POPULATIONS, PUBLICATION_TYPES, TTE_OUTCOMES
from ..io import write_json
from ..stats.glmm import fit_logistic_glmm
from ..stats.meta import Settings, analyse_subgroups
from ..inputs.bibliography import unverified
from .compat import compat_section
from .cross_checks import cross_checks
from .prisma_checks import check_flow, implied_duplicates
from .provenance import provenance as build_provenance
from .serialize import clean, subgroups_to_dict

SCHEMA_VERSION = 1

#: Analysis subgroups in display order: (key, label, rule on a trials row).
SUBGROUPS: list[tuple[str, str]] = [
    ("prior_cart_monotherapy", "Prior CAR-T, BsAb monotherapy"),
    ("prior_cart_combination", "Prior CAR-T, BsAb combination"),
    ("cart_naive", "CAR-T-naive"),
]

OUTCOMES = {"orr": "overall response rate", "cr": "complete response rate"}


def subgroup_of(row: pd.Series) -> str:
    """Prior-CAR-T cohorts split by regimen; CAR-T-naive cohorts form one group."""
    if row["population"] == "cart_naive":
        return "cart_naive"
    return f"prior_cart_{row['regimen']}"


def treatment_label(row: pd.Series) -> str:
    """'Glofitamab' or 'Glofitamab + Pola'."""
    name = str(row["antibody"]).capitalize()
    partner = row["partner_abbreviation"]
    return f"{name} + {partner}" if isinstance(partner, str) and partner else name


def study_label(row: pd.Series) -> str:
    """Forest-plot label: 'Chong 2025'."""
    return f"{row['first_author']} {row['year']}"


def distinct_labels(labels: Sequence[str]) -> list[str]:
    """Append a, b, ... to labels that occur more than once, in order ('Hutchings 2023a', 'Hutchings 2023b')."""
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        if counts[label] == 1:
            out.append(label)
            continue
        seen[label] = seen.get(label, 0) + 1
        out.append(f"{label}{chr(ord('a') + seen[label] - 1)}")
    return out


def _none(value: Any) -> Any:
    return None if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)) else value


def _trial_records(trials: pd.DataFrame) -> list[dict[str, Any]]:
    """One record per cohort. ``label`` ('Hutchings 2023a') tells trials apart: two trials (NCT ids) with the
    same first author and year get letters a, b in file order; cohorts of one trial share their label."""
    first_rows = trials.drop_duplicates("nct_id")
    labels = dict(zip(first_rows["nct_id"], distinct_labels([study_label(r) for _, r in first_rows.iterrows()])))
    records = []
    for _, row in trials.iterrows():
        rec = {k: _none(v) for k, v in row.items()}
        rec["subgroup"] = subgroup_of(row)
        rec["label"] = labels[row["nct_id"]]
        rec["treatment"] = treatment_label(row)
        for o in ("orr", "cr"):
            x = rec[f"{o}_events"]
            rec[f"{o}_proportion"] = None if x is None else x / rec["n_patients"]
        records.append(rec)
    return records


def _range(values: list[float]) -> list[float] | None:
    vals = [v for v in values if v is not None]
    return [min(vals), max(vals)] if vals else None


def _span(lows: list[float], highs: list[float]) -> list[float] | None:
    """[smallest of ``lows``, largest of ``highs``], or None when either is empty."""
    lo, hi = _range(lows), _range(highs)
    return [lo[0], hi[1]] if lo and hi else None


def _reports(record: dict[str, Any], outcome: str) -> bool:
    if outcome in ("orr", "cr"):
        return record[f"{outcome}_events"] is not None
    if outcome == "followup":
        return record["followup_months"] is not None
    return record[f"{outcome}_status"] != "not_reported"


REPORTABLE = ("orr", "cr", *TTE_OUTCOMES, "followup")


def _summary(trials: pd.DataFrame, records: list[dict[str, Any]]) -> dict[str, Any]:
    prior = trials[trials["population"] == "prior_cart"]
    naive = trials[trials["population"] == "cart_naive"]
    # One row per trial (NCT id), taking the prior-CAR-T cohort's row where there is one.
    per_trial = trials.sort_values("population", key=lambda s: s != "prior_cart").drop_duplicates("nct_id")
    prior_recs = [r for r in records if r["population"] == "prior_cart"]
    return {
        "n_cohorts": int(len(trials)),
        "n_cohorts_prior_cart": int(len(prior)),
        "n_cohorts_cart_naive": int(len(naive)),
        "n_trials": int(per_trial["nct_id"].nunique()),
        "n_trials_prior_cart": int(prior["nct_id"].nunique()),
        "n_trials_cart_naive": int(naive["nct_id"].nunique()),
        "participants_prior_cart": int(prior["n_patients"].sum()),
        "participants_cart_naive": int(naive["n_patients"].sum()),
        "participants_total": int(trials["n_patients"].sum()),
        "trials_by_year": {str(k): int(v) for k, v in sorted(Counter(per_trial["year"]).items(), reverse=True)},
        "trials_by_antibody": {str(k): int(v) for k, v in Counter(per_trial["antibody"]).items()},
        "trials_by_regimen": {str(k): int(v) for k, v in prior.groupby("regimen")["nct_id"].nunique().items()},
        "cohorts_by_regimen": {str(k): int(v) for k, v in prior["regimen"].value_counts().items()},
        "trials_by_publication_type": {k: int((per_trial["publication_type"] == k).sum()) for k in PUBLICATION_TYPES},
        "year_range": [int(per_trial["year"].min()), int(per_trial["year"].max())],
        "refractory_to_cart_range": _range([r["refractory_to_cart"] for r in prior_recs]),
        "followup_months_range": _range([r["followup_months"] for r in prior_recs]),
        "prior_lines_median_range": _range([r["prior_lines_median"] for r in prior_recs]),
        "prior_lines_overall_range": _span([r["prior_lines_min"] for r in prior_recs],
                                           [r["prior_lines_max"] for r in prior_recs]),
        "n_patients_range": _range([r["n_patients"] for r in records]),
        "n_patients_range_prior_cart": _range([r["n_patients"] for r in prior_recs]),
        "cohorts_reporting": {o: sum(_reports(r, o) for r in prior_recs) for o in REPORTABLE},
        "trials_reporting": {o: len({r["nct_id"] for r in prior_recs if _reports(r, o)}) for o in REPORTABLE},
    }


def _rates_by_treatment(records: list[dict[str, Any]], outcome: str) -> dict[str, dict[str, Any]]:
    """Per subgroup and treatment: the study proportions and their range."""
    out: dict[str, dict[str, Any]] = {}
    for key, _ in SUBGROUPS:
        group: dict[str, Any] = {}
        for r in records:
            if r["subgroup"] != key:
                continue
            entry = group.setdefault(r["treatment"], {"studies": [], "proportions": []})
            entry["studies"].append(r["study_id"])
            if r[f"{outcome}_proportion"] is not None:
                entry["proportions"].append(r[f"{outcome}_proportion"])
        for entry in group.values():
            entry["range"] = _range(entry["proportions"])
        out[key] = group
    return out


def _outcome(records: list[dict[str, Any]], outcome: str, settings: Settings) -> dict[str, Any]:
    rows = [r for r in records if r[f"{outcome}_events"] is not None]
    order = [k for k, _ in SUBGROUPS if any(r["subgroup"] == k for r in rows)]
    rows.sort(key=lambda r: order.index(r["subgroup"]))  # stable: keeps the CSV order within a subgroup
    events = [r[f"{outcome}_events"] for r in rows]
    totals = [r["n_patients"] for r in rows]
    groups = [r["subgroup"] for r in rows]
    analysis = analyse_subgroups(events, totals, groups, [r["label"] for r in rows], settings)
    ids = {g: [r["study_id"] for r in rows if r["subgroup"] == g] for g in order}
    result = subgroups_to_dict(analysis, ids, [r["study_id"] for r in rows])
    glmm: dict[str, Any] = {}
    for g in order + ["overall"]:
        sel = [i for i, r in enumerate(rows) if g == "overall" or r["subgroup"] == g]
        try:
            fit = fit_logistic_glmm([events[i] for i in sel], [totals[i] for i in sel], level=settings.level)
        except ValueError as exc:  # e.g. a subgroup with one study
            glmm[g] = {"error": str(exc)}
            continue
        # a fit that is not estimable or not trustworthy is reported as such, never with numbers
        glmm[g] = asdict(fit) if fit.trustworthy else {"error": fit.reason, "status": fit.status,
                                                         "warnings": list(fit.warnings)}
    prior_props = [r[f"{outcome}_proportion"] for r in records
                   if r["population"] == "prior_cart" and r[f"{outcome}_proportion"] is not None]
    by_regimen = {key: _range([r[f"{outcome}_proportion"] for r in records if r["subgroup"] == key])
                  for key, _ in SUBGROUPS}
    return {
        "label": OUTCOMES[outcome],
        "not_reported": [r["study_id"] for r in records if r[f"{outcome}_events"] is None],
        **result,
        "glmm": glmm,
        "range_prior_cart": _range(prior_props),
        "range_by_subgroup": by_regimen,
        "by_treatment": _rates_by_treatment(records, outcome),
    }


def _time_to_event(records: list[dict[str, Any]], summary: dict[str, Any]) -> dict[str, Any]:
    """Per outcome, the prior-CAR-T cohorts that report it; ``n_trials`` counts distinct trials."""
    out: dict[str, Any] = {}
    rank = {"median": 0, "not_reached": 1, "not_estimable": 2, "landmark": 3}
    for o, label in TTE_OUTCOMES.items():
        rows = [{
            "study_id": r["study_id"], "label": r["label"], "reference_key": r["reference_key"],
            "status": r[f"{o}_status"], "value": r[f"{o}_value"], "ci_low": r[f"{o}_ci_low"],
            "ci_high": r[f"{o}_ci_high"], "landmark_months": r[f"{o}_landmark_months"],
        } for r in records if r["population"] == "prior_cart" and _reports(r, o)]
        # Medians in increasing order, then not reached / not estimable, then landmark rates.
        rows.sort(key=lambda x: (rank[x["status"]], x["value"] or 0))
        out[o] = {"label": label, "n_trials": summary["trials_reporting"][o], "rows": rows}
    out["followup"] = {"label": "median follow-up", "n_trials": summary["trials_reporting"]["followup"],
                       "range": summary["followup_months_range"]}
    return out


def _prisma(counts: dict[str, Any]) -> dict[str, Any]:
    checks = check_flow(counts)
    return {
        "counts": {k: v for k, v in counts.items() if k != "source"},
        "implied_duplicates_removed": implied_duplicates(counts),
        "checks": [{"name": c.name, "equation": c.equation, "expected": c.expected, "reported": c.reported,
                    "status": c.status, "message": c.describe()} for c in checks],
    }


def build_registry(inputs: Inputs, settings: Settings | None = None, provenance: dict[str, Any] | None = None
                   ) -> dict[str, Any]:
    """Compute every result from the validated inputs."""
    review = inputs.review
    settings = settings or Settings(level=float(review["confidence_level"]))
    records = _trial_records(inputs.trials)
    summary = _summary(inputs.trials, records)
    registry = {
        "schema_version": SCHEMA_VERSION,
        "provenance": provenance or {},
        "settings": asdict(settings),
        "review": review,
        "subgroups": [{"key": k, "label": label} for k, label in SUBGROUPS],
        "populations": POPULATIONS,
        "trials": records,
        "summary": summary,
        "outcomes": {o: _outcome(records, o, settings) for o in OUTCOMES},
        "time_to_event": _time_to_event(records, summary),
        "prisma": _prisma(inputs.prisma),
        "cross_checks": cross_checks(inputs.prisma, review, inputs.trials),
        "references": {"entries": len(inputs.references),
                       "unverified": [vars(u) for u in unverified(inputs.references)]},
    }
    # Labelled compatibility section (Stata metaprop conventions), read only by the audit.
    registry["compat"] = compat_section(records, registry["outcomes"])
    return clean(registry)


def write_registry(target: Path, data_dir: Path, repo: Path, settings: Settings | None = None) -> dict[str, Any]:
    """Load ``data_dir``, compute the registry with its provenance (``repo`` for the git commit) and write it
    to ``target`` (atomically); return it."""
    registry = build_registry(load_inputs(data_dir), settings,
                              build_provenance([data_dir / name for name in DATA_FILES], repo))
    write_json(target, registry)
    return registry
