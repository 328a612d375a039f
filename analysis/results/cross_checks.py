"""Counts the inputs state twice, checked against each other (a living-review edit must update both).

* ``prisma.yaml`` ``included.studies`` (the flow diagram's and the text's "left N trials") against the trials of
  ``trials.csv`` (distinct ``nct_id``);
* ``included.reports``, ``included.cohorts`` and ``included.participants``, where ``prisma.yaml`` states them,
  against the distinct ``reference_key`` values, the rows and the summed ``n_patients`` of ``trials.csv``;
* every cohort's ``n_patients`` against the minimum cohort size of ``review.yaml`` (the Methods' eligibility rule).

Each check says which file to update. The build warns (``--strict``: fails); the audit reports an error.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

PRISMA_FILE = "data/prisma.yaml"
TRIALS_FILE = "data/trials.csv"
REVIEW_FILE = "data/review.yaml"
#: What the flow's later boxes are computed from, named in the message so the author updates the whole flow.
FLOW_KEYS = ("identification", "screening", "eligibility")


@dataclass(frozen=True)
class CrossCheck:
    name: str
    stated_in: str  # file and key that state the count
    stated: int
    counted_in: str  # what the count is computed from
    counted: int
    status: str  # "ok" or "mismatch"
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _compare(name: str, key: str, stated: int | None, counted: int, counted_in: str, noun: str,
             advice: str) -> CrossCheck | None:
    if stated is None:
        return None
    where = f"{PRISMA_FILE} included.{key}"
    if stated == counted:
        return CrossCheck(name, where, stated, counted_in, counted, "ok", f"{where} = {stated} = {counted_in}")
    message = (f"{where} says {stated} {noun}, but {counted_in} gives {counted}: {advice}")
    return CrossCheck(name, where, stated, counted_in, counted, "mismatch", message)


def included_counts(prisma: dict[str, Any], trials: pd.DataFrame) -> list[CrossCheck]:
    """The flow's 'included' box against the trials table."""
    included = prisma.get("included") or {}
    flow = ("update included.studies in data/prisma.yaml and the flow counts before it (records identified, "
            "screened and excluded, full texts assessed and excluded, exclusion reasons), which Figure 1 and the "
            "Results draw from, or correct data/trials.csv")
    checks = [
        _compare("included studies", "studies", included.get("studies"), int(trials["nct_id"].nunique()),
                 f"{TRIALS_FILE} (distinct nct_id)", "studies", flow),
        _compare("included reports", "reports", included.get("reports"), int(trials["reference_key"].nunique()),
                 f"{TRIALS_FILE} (distinct reference_key)", "reports",
                 "update included.reports in data/prisma.yaml, or the reference_key column of data/trials.csv"),
        _compare("included cohorts", "cohorts", included.get("cohorts"), int(len(trials)),
                 f"{TRIALS_FILE} (rows)", "cohorts",
                 "update included.cohorts in data/prisma.yaml, or the rows of data/trials.csv"),
        _compare("included participants", "participants", included.get("participants"),
                 int(trials["n_patients"].sum()), f"{TRIALS_FILE} (sum of n_patients)", "participants",
                 "update included.participants in data/prisma.yaml, or n_patients in data/trials.csv"),
    ]
    return [c for c in checks if c is not None]


def cohort_sizes(review: dict[str, Any], trials: pd.DataFrame) -> list[CrossCheck]:
    """Each cohort against the eligibility rule the Methods state (at least N patients per cohort)."""
    minimum = (review.get("eligibility") or {}).get("min_patients_per_cohort")
    if minimum is None:
        return []
    out = []
    small = trials[trials["n_patients"] < minimum]
    for index, row in small.iterrows():
        line = int(index) + 2  # header on line 1
        out.append(CrossCheck(
            "cohort size", f"{REVIEW_FILE} eligibility.min_patients_per_cohort", int(minimum),
            f"{TRIALS_FILE} line {line} (study_id {row['study_id']}), column n_patients", int(row["n_patients"]),
            "mismatch",
            f"{TRIALS_FILE} line {line} (study_id {row['study_id']}), column n_patients: {int(row['n_patients'])} "
            f"patients, below the minimum of {int(minimum)} per cohort that the Methods state "
            f"({REVIEW_FILE} eligibility.min_patients_per_cohort): correct the row or the criterion"))
    if not out:
        out.append(CrossCheck("cohort size", f"{REVIEW_FILE} eligibility.min_patients_per_cohort", int(minimum),
                              f"{TRIALS_FILE} (smallest n_patients)", int(trials["n_patients"].min()), "ok",
                              f"every cohort has at least {int(minimum)} patients"))
    return out


def cross_checks(prisma: dict[str, Any], review: dict[str, Any], trials: pd.DataFrame) -> list[dict[str, Any]]:
    """All checks, as plain dictionaries for the registry."""
    return [c.as_dict() for c in (*included_counts(prisma, trials), *cohort_sizes(review, trials))]
