"""Living review: a trial added as the README says (trials.csv, references.bib, the PRISMA counts) changes the text,
the abstract, the tables and Figure 1; a trial added to trials.csv alone is caught by the build and the audit.
Expected values are computed here by hand from the added row."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import yaml

import pytest

from analysis import formatting as fmt
from analysis.audit import load_context, run_audit
from analysis.inputs.errors import DataError
from analysis.pipeline.runner import BuildContext, run_build
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
  year    = {2026},
  verified = {no},
  match   = {seed},
  unverified-reason = {A hypothetical trial added by tests/pipeline/test_living_review.py.}
}
"""

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


def add_trial(root: Path, update_prisma: bool = True) -> None:
    """The README's steps: a row in trials.csv, its entry in references.bib, and the PRISMA counts (one more record
    found, screened, assessed and included) in prisma.yaml."""
    add_row(root, NEW_TRIAL)
    with open(root / "data" / "references.bib", "a", encoding="utf-8") as f:
        f.write(NEW_BIB)
    if update_prisma:
        path = root / "data" / "prisma.yaml"
        prisma = yaml.safe_load(path.read_text())
        prisma["identification"]["databases"] += 1
        prisma["screening"]["records_screened"] += 1
        prisma["eligibility"]["reports_assessed"] += 1
        prisma["included"]["studies"] += 1
        path.write_text(yaml.safe_dump(prisma, sort_keys=False))


def logged_build(root: Path, only: list[str] | None = None, strict: bool = False) -> list[str]:
    log: list[str] = []
    run_build(BuildContext(root=root, strict=strict, log=log.append), only=only)
    return log


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
    log = logged_build(root, only=STEPS)
    after = outputs(root)
    v = after["vars"]

    # counts: ten trials are written as numerals (house rule), and the PRISMA sentence says the same
    assert not [m for m in log if "counts disagree" in m]
    assert v["trials"]["total"] == f"{n_trials} trials" == "10 trials" != before["vars"]["trials"]["total"]
    assert v["prisma"]["included"] == v["trials"]["total"] and before["vars"]["prisma"]["included"] == "9 trials"
    assert v["trials"]["participants_prior_cart"] == f"{participants} patients" == "390 patients"
    assert v["orr"]["mono"]["cohorts"] == "6 cohorts" and before["vars"]["orr"]["mono"]["cohorts"] == "5 cohorts"
    assert v["cohorts"]["monotherapy"] == "6 cohorts" and v["cohorts"]["total"] == "13 cohorts"
    # pooled values
    assert v["orr"]["mono"]["est"] == f"{100 * expected_pooled:.1f}%" != before["vars"]["orr"]["mono"]["est"]
    assert v["orr"]["mono"]["patients"] == f"{sum(mono_totals) + 40} patients"
    # ranges: mosunetuzumab monotherapy now spans Chong (11/27) to the new trial (30/40)
    assert f"mosunetuzumab, ORR {100 * 11 / 27:.1f}\u2013{100 * 30 / 40:.1f}% and CR " \
           f"{100 * 6 / 27:.1f}\u2013{100 * 20 / 40:.1f}%" in v["rates"]["mono"]
    followups = [float(r["followup_months"]) for r in prior] + [50.0]
    assert v["tte"]["followup_sentence"] == (f"Median follow-up, reported for 10 cohorts, was {min(followups):g}"
                                             f"\u2013{max(followups):g} months") == (
        "Median follow-up, reported for 10 cohorts, was 13\u201350 months")
    assert v["tte"]["dor"]["cohorts"] == "6 cohorts" and "12.5" in v["tte"]["dor"]["summary"]
    # abstract and fragments: single-cohort ORR with monotherapy now spans Chong 11/27 to Cartron 35/46
    assert after["abstract"].startswith(before["abstract"][:40])
    assert f"We included {n_trials} trials with {participants} patients" in after["abstract"]
    assert v["orr"]["mono"]["est_ci"] in after["abstract"]
    assert f"ORR ranged over {100 * 11 / 27:.1f}\u2013{100 * 35 / 46:.1f}%" in after["abstract"]
    assert fmt.word_count(after["abstract"]) <= 350
    assert "@newman2026" in after["tte"]
    # tables
    assert "| Newman 2026 [@newman2026]" in after["table1"] and "Newman" not in before["table1"]
    assert f"30 ({100 * 30 / 40:.1f})" in after["table2"] and f"20 ({100 * 20 / 40:.1f})" in after["table2"]
    # Figure 1 is drawn from the updated PRISMA counts
    import pymupdf

    logged_build(root, only=["figure1"])
    with pymupdf.open(root / "build" / "figures" / "figure1_prisma.pdf") as figure:
        assert "Studies included in review\n(n = 10)" in figure[0].get_text().replace("\xa0", " ")


def test_a_trial_added_to_trials_csv_alone_is_caught_by_the_build_and_the_audit(tmp_path: Path) -> None:
    """Forgetting the PRISMA counts leaves 'left 9 trials (Figure 1)' beside 'We included 10 trials': the build
    warns naming data/prisma.yaml, --strict stops it, and the audit reports an error."""
    root = copy_project(tmp_path / "project")
    add_trial(root, update_prisma=False)
    log = logged_build(root, only=STEPS)
    drift = [m for m in log if "counts disagree" in m]
    assert len(drift) == 1, log
    assert "data/prisma.yaml included.studies says 9 studies, but data/trials.csv (distinct nct_id) gives 10" in drift[0]
    assert "update included.studies in data/prisma.yaml" in drift[0]
    v = outputs(root)["vars"]
    assert (v["prisma"]["included"], v["trials"]["total"]) == ("9 trials", "10 trials")  # what the reader would see
    findings = [f for f in run_audit(load_context(root), ["inputs"]) if f.rule == "inputs.counts-agree"]
    bad = [f for f in findings if f.outcome == "mismatch"]
    assert len(bad) == 1 and bad[0].severity == "error" and (bad[0].evidence.reported, bad[0].evidence.computed) == \
        ("9", "10") and "data/prisma.yaml" in bad[0].location
    with pytest.raises(DataError, match=r"counts disagree \(--strict\): data/prisma.yaml included.studies"):
        logged_build(root, only=["results"], strict=True)


def test_a_cohort_below_the_stated_minimum_is_caught(tmp_path: Path) -> None:
    """The Methods say at least ten patients per cohort (review.yaml); a row with eight contradicts them."""
    root = copy_project(tmp_path / "project")
    add_row(root, {**SECOND_COHORT, "n_patients": "8", "cr_events": "2"})
    log = logged_build(root, only=["results"])
    drift = [m for m in log if "counts disagree" in m]
    assert len(drift) == 1 and "line 14 (study_id chong2025-pola), column n_patients: 8 patients" in drift[0]
    assert "eligibility.min_patients_per_cohort" in drift[0]


def test_a_second_cohort_of_an_existing_trial_keeps_trial_and_cohort_counts_apart(tmp_path: Path) -> None:
    """Chong 2025 gains a combination cohort: still nine trials, now ten prior-CAR-T cohorts. Counted by hand from
    trials.csv: cohorts 5 monotherapy + 5 combination = 10; ORR reported by 8 of 10 (Abramson and the new cohort
    give none), CR by all 10; the new cohort's 20 patients lie inside the 13-61 range."""
    root = copy_project(tmp_path / "project")
    add_row(root, SECOND_COHORT)
    build(root)
    v = outputs(root)["vars"]
    assert v["trials"]["total"] == v["trials"]["prior_cart"] == "nine trials"
    assert v["cohorts"]["prior_cart"] == "10 cohorts" and v["cohorts"]["total"] == "13 cohorts"
    assert v["cohorts"]["monotherapy"] == "5 cohorts" and v["cohorts"]["combination"] == "5 cohorts"
    mono, combo = (int(v["cohorts"][k].split()[0]) for k in ("monotherapy", "combination"))
    assert mono + combo == int(v["cohorts"]["prior_cart"].split()[0])
    assert v["cohorts"]["orr_reported_n"] == "8" and v["cohorts"]["cr_reported_n"] == "10"
    assert v["cohorts"]["orr_missing"] == "2 cohorts"
    assert v["cohorts"]["size_range_prior_cart"] == "13\u201361 patients"
    assert v["trials"]["partner_drugs"] == "polatuzumab vedotin, gemcitabine plus oxaliplatin or lenalidomide"
    # The CR analysis of the combination group gains a fifth cohort; the ORR analysis does not.
    assert v["cr"]["combo"]["cohorts"] == "5 cohorts" and v["orr"]["combo"]["cohorts"] == "3 cohorts"
    assert v["tte"]["followup_sentence"].startswith("Median follow-up, reported for 9 cohorts,")
    table1 = outputs(root)["table1"]
    assert table1.count("| Chong 2025 [@chong2025]") == 2  # one trial, two cohorts, one label
    assert "Mosunetuzumab + Len" in table1 and "Len, lenalidomide" in table1  # abbreviation explained from the data
    _, problems = check_project(root)
    assert [p.render(root) for p in problems] == []
