"""Living review: a trial added to data/trials.csv changes the text, the abstract and the tables, with no
other edit. Expected values are computed here by hand from the added row."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import yaml

from analysis.quarto.check import check_project
from tests.manuscript_project import build, copy_project

STEPS = ["results", "tables", "manuscript-variables"]

NEW_TRIAL = {
    "study_id": "newman2026", "nct_id": "NCT09999999", "first_author": "Newman", "year": "2026",
    "reference_key": "newman2026", "reference_number": "", "publication_type": "full_paper",
    "population": "prior_cart", "regimen": "monotherapy", "antibody": "mosunetuzumab", "partner_drug": "",
    "partner_abbreviation": "", "n_patients": "40", "orr_events": "30", "cr_events": "20",
    "prior_lines_median": "3", "prior_lines_min": "2", "prior_lines_max": "8", "refractory_to_cart": "0.7",
    "dor_status": "median", "dor_value": "12.5", "dor_ci_low": "6.0", "dor_ci_high": "NR",
    "docr_status": "not_reported", "pfs_status": "median", "pfs_value": "7.2", "os_status": "not_reported",
    "followup_months": "50", "notes": "hypothetical trial added by tests/pipeline/test_living_review.py",
}
NEW_BIB = """
@article{newman2026,
  author  = {Newman, Ann},
  title   = {A hypothetical trial of mosunetuzumab after {CAR-T}},
  journal = {Test Journal},
  year    = {2026}
}
"""
WORDS = {9: "nine", 10: "ten"}

#: A second prior-CAR-T cohort of an existing trial (Chong 2025, NCT02500407): same trial, other regimen.
SECOND_COHORT = {
    "study_id": "chong2025-pola", "nct_id": "NCT02500407", "first_author": "Chong", "year": "2025",
    "reference_key": "chong2025", "reference_number": "8", "publication_type": "full_paper",
    "population": "prior_cart", "regimen": "combination", "antibody": "mosunetuzumab",
    "partner_drug": "lenalidomide", "partner_abbreviation": "Len", "n_patients": "20", "orr_events": "",
    "cr_events": "5", "dor_status": "not_reported", "docr_status": "not_reported", "pfs_status": "not_reported",
    "os_status": "not_reported", "followup_months": "",
    "notes": "hypothetical second cohort added by tests/pipeline/test_living_review.py",
}


def ft_dl_pooled(events: list[int], totals: list[int]) -> float:
    """Freeman-Tukey (metafor scale) + DerSimonian-Laird + Miller's inverse with the harmonic mean n,
    written out from the formulas (Miller 1978; DerSimonian & Laird 1986), independent of analysis/."""
    y = [0.5 * (math.asin(math.sqrt(x / (n + 1))) + math.asin(math.sqrt((x + 1) / (n + 1))))
         for x, n in zip(events, totals)]
    v = [1 / (4 * n + 2) for n in totals]
    w = [1 / vi for vi in v]
    mean_fixed = sum(wi * yi for wi, yi in zip(w, y)) / sum(w)
    q = sum(wi * (yi - mean_fixed) ** 2 for wi, yi in zip(w, y))
    c = sum(w) - sum(wi ** 2 for wi in w) / sum(w)
    tau2 = max(0.0, (q - (len(y) - 1)) / c)
    ws = [1 / (vi + tau2) for vi in v]
    t = sum(wi * yi for wi, yi in zip(ws, y)) / sum(ws)
    n_hm = len(totals) / sum(1 / n for n in totals)
    s = math.sin(2 * t)
    return 0.5 * (1 - math.copysign(1, math.cos(2 * t)) * math.sqrt(1 - (s + (s - 1 / s) / n_hm) ** 2))


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def add_row(root: Path, row: dict[str, str]) -> None:
    path = root / "data" / "trials.csv"
    fields, _ = read_csv(path)
    with open(path, "a", newline="", encoding="utf-8") as f:
        csv.DictWriter(f, fieldnames=fields).writerow({k: row.get(k, "") for k in fields})


def add_trial(root: Path) -> None:
    add_row(root, NEW_TRIAL)
    with open(root / "data" / "references.bib", "a", encoding="utf-8") as f:
        f.write(NEW_BIB)


def outputs(root: Path) -> dict:
    return {
        "vars": yaml.safe_load((root / "_variables.yml").read_text()),
        "abstract": yaml.safe_load((root / "build" / "abstract.yml").read_text())["abstract"],
        "table1": (root / "build" / "tables" / "table1.md").read_text(),
        "table2": (root / "build" / "tables" / "table2.md").read_text(),
        "tte": (root / "build" / "manuscript" / "time-to-event.md").read_text(),
    }


def test_adding_a_trial_updates_text_abstract_and_tables(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "project")
    build(root, only=STEPS)
    before = outputs(root)

    _, rows = read_csv(root / "data" / "trials.csv")
    prior = [r for r in rows if r["population"] == "prior_cart"]
    mono = [r for r in prior if r["regimen"] == "monotherapy" and r["orr_events"]]
    n_trials = len({r["nct_id"] for r in rows}) + 1
    participants = sum(int(r["n_patients"]) for r in prior) + int(NEW_TRIAL["n_patients"])
    mono_events = [int(r["orr_events"]) for r in mono]
    mono_totals = [int(r["n_patients"]) for r in mono]
    # The independent calculation reproduces the paper's 54.5% before the trial is added.
    assert f"{100 * ft_dl_pooled(mono_events, mono_totals):.1f}%" == before["vars"]["orr"]["mono"]["est"] == "54.5%"
    expected_pooled = ft_dl_pooled(mono_events + [30], mono_totals + [40])

    add_trial(root)
    build(root, only=STEPS)
    after = outputs(root)
    v = after["vars"]

    # counts
    assert v["trials"]["total"] == f"{WORDS[n_trials]} trials" != before["vars"]["trials"]["total"]
    assert v["trials"]["participants_prior_cart"] == f"{participants} patients" == "390 patients"
    assert v["orr"]["mono"]["cohorts"] == "six cohorts" and before["vars"]["orr"]["mono"]["cohorts"] == "five cohorts"
    assert v["cohorts"]["monotherapy"] == "six cohorts"
    # pooled values
    assert v["orr"]["mono"]["est"] == f"{100 * expected_pooled:.1f}%" != before["vars"]["orr"]["mono"]["est"]
    assert v["orr"]["mono"]["patients"] == f"{sum(mono_totals) + 40} patients"
    # ranges: mosunetuzumab monotherapy now spans Chong (11/27) to the new trial (30/40)
    assert f"mosunetuzumab, ORR {100 * 11 / 27:.1f}\u2013{100 * 30 / 40:.1f}% and CR " \
           f"{100 * 6 / 27:.1f}\u2013{100 * 20 / 40:.1f}%" in v["rates"]["mono"]
    followups = [float(r["followup_months"]) for r in prior] + [50.0]
    assert v["tte"]["followup_sentence"] == (f"Median follow-up, reported for ten cohorts, was {min(followups):g}"
                                             f"\u2013{max(followups):g} months") == (
        "Median follow-up, reported for ten cohorts, was 13\u201350 months")
    assert v["tte"]["dor"]["cohorts"] == "six cohorts" and "12.5" in v["tte"]["dor"]["summary"]
    # abstract and fragments
    assert after["abstract"].startswith(before["abstract"][:40])
    assert f"We included {WORDS[n_trials]} trials with {participants} patients" in after["abstract"]
    assert v["orr"]["mono"]["est_ci"] in after["abstract"]
    assert "@newman2026" in after["tte"]
    # tables
    assert "| Newman 2026 [@newman2026]" in after["table1"] and "Newman" not in before["table1"]
    assert f"30 ({100 * 30 / 40:.1f})" in after["table2"] and f"20 ({100 * 20 / 40:.1f})" in after["table2"]


def test_a_second_cohort_of_an_existing_trial_keeps_trial_and_cohort_counts_apart(tmp_path: Path) -> None:
    """Chong 2025 gains a combination cohort: still nine trials, now ten prior-CAR-T cohorts. Counted by hand from
    trials.csv: cohorts 5 monotherapy + 5 combination = 10; ORR reported by 8 of 10 (Abramson and the new cohort
    give none), CR by all 10; the new cohort's 20 patients lie inside the 13-61 range."""
    root = copy_project(tmp_path / "project")
    add_row(root, SECOND_COHORT)
    build(root)
    v = outputs(root)["vars"]
    assert v["trials"]["total"] == v["trials"]["prior_cart"] == "nine trials"
    assert v["cohorts"]["prior_cart"] == "ten cohorts" and v["cohorts"]["total"] == "13 cohorts"
    assert v["cohorts"]["monotherapy"] == "five cohorts" and v["cohorts"]["combination"] == "five cohorts"
    words = {"five": 5, "eight": 8, "ten": 10}
    mono, combo = (words[v["cohorts"][k].split()[0]] for k in ("monotherapy", "combination"))
    assert mono + combo == words[v["cohorts"]["prior_cart"].split()[0]]
    assert v["cohorts"]["orr_reported_n"] == "eight" and v["cohorts"]["cr_reported_n"] == "ten"
    assert v["cohorts"]["orr_missing"] == "two cohorts"
    assert v["cohorts"]["size_range_prior_cart"] == "13\u201361 patients"
    assert v["trials"]["partner_drugs"] == "polatuzumab vedotin, gemcitabine plus oxaliplatin or lenalidomide"
    # The CR analysis of the combination group gains a fifth cohort; the ORR analysis does not.
    assert v["cr"]["combo"]["cohorts"] == "five cohorts" and v["orr"]["combo"]["cohorts"] == "three cohorts"
    assert v["tte"]["followup_sentence"].startswith("Median follow-up, reported for nine cohorts,")
    table1 = outputs(root)["table1"]
    assert table1.count("| Chong 2025 [@chong2025]") == 2  # one trial, two cohorts, one label
    assert "Mosunetuzumab + Len" in table1 and "Len, lenalidomide" in table1  # abbreviation explained from the data
    _, problems = check_project(root)
    assert [p.render(root) for p in problems] == []
