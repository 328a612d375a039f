"""What several figures read from the registry: cohorts, their labels, subgroup order and names.

Pure functions of the registry dictionary (``build/results.json``); nothing here
computes a statistic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Cohort:
    """One row of ``trials.csv`` as the figures need it."""

    study_id: str
    label: str  # 'Hutchings 2023a': distinct across trials, shared by cohorts of one trial
    treatment: str
    subgroup: str
    population: str
    n_patients: int


def cohorts(registry: dict[str, Any]) -> dict[str, Cohort]:
    """Cohorts by study id, in the order of ``trials.csv`` (labels are the registry's, distinct per trial)."""
    return {t["study_id"]: Cohort(t["study_id"], t["label"], t["treatment"], t["subgroup"], t["population"],
                                  int(t["n_patients"]))
            for t in registry["trials"]}


def cohort_label(registry: dict[str, Any], cohort: Cohort) -> str:
    """Label for a plot without subgroup headings: CAR-T-naive cohorts are marked as such."""
    if cohort.population == "prior_cart":
        return cohort.label
    return f"{cohort.label} ({registry['populations'].get(cohort.population, cohort.population)})"


def subgroups(registry: dict[str, Any]) -> list[tuple[str, str]]:
    """(key, label) of the analysis subgroups in display order."""
    return [(s["key"], s["label"]) for s in registry["subgroups"]]


def outcome(registry: dict[str, Any], key: str) -> dict[str, Any]:
    return registry["outcomes"][key]


def outcome_name(registry: dict[str, Any], key: str, capital: bool = True) -> str:
    """'Overall response rate' (from the registry's outcome label)."""
    label = registry["outcomes"][key]["label"]
    return label[0].upper() + label[1:] if capital else label


def outcome_abbreviation(key: str) -> str:
    return key.upper()


def level(registry: dict[str, Any]) -> float:
    return float(registry["settings"]["level"])
