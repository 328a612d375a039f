"""Tables 1 and 2 of the manuscript as Markdown pipe tables (pandas + tabulate).

Each file holds the table, a Quarto caption line with a ``tbl-`` label
(https://quarto.org/docs/authoring/tables.html) and a notes paragraph that
explains abbreviations and the cells the sources do not report. Cells cite the
trial's publication with ``[@key]``. Percentages are computed from n/N (the
seed paper's printed percentages are not copied). Numbers are formatted by
:mod:`analysis.formatting`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from tabulate import tabulate

from .. import formatting as fmt
from ..io import write_text
from .outputs import table_paths

TABLE1_LABEL = "tbl-characteristics"
TABLE2_LABEL = "tbl-responses"

ABBREVIATIONS = {
    "BsAb": "bispecific antibody",
    "CAR-T": "chimeric antigen receptor T-cell therapy",
    "CR": "complete response",
    "DoCR": "duration of complete response",
    "DOR": "duration of response",
    "mOS": "median overall survival",
    "mPFS": "median progression-free survival",
    "mo": "months",
    "N": "patients in the cohort",
    "NCT": "ClinicalTrials.gov identifier",
    "NE": "not estimable",
    "NR": "not reached",
    "ORR": "overall response rate",
}


def reference_cell(trial: dict[str, Any]) -> str:
    """'Chong 2025 [@chong2025]'."""
    return f"{trial['label']} [@{trial['reference_key']}]"


def partner_abbreviations(trials: list[dict[str, Any]]) -> dict[str, str]:
    """Abbreviations of partner drugs in the Treatment column, from trials.csv ('Pola': 'polatuzumab vedotin')."""
    return {t["partner_abbreviation"]: t["partner_drug"] for t in trials if t.get("partner_abbreviation")}


def abbreviation_note(keys: list[str], extra: dict[str, str] | None = None) -> str:
    names = {**ABBREVIATIONS, **(extra or {})}
    return "; ".join(f"{k}, {names[k]}" for k in sorted({*keys, *(extra or {})}, key=str.lower))


def pipe_table(frame: pd.DataFrame, align: list[str]) -> str:
    return tabulate(frame, headers="keys", tablefmt="pipe", showindex=False, colalign=align, disable_numparse=True)


def table1_frame(registry: dict[str, Any]) -> pd.DataFrame:
    """Characteristics of the prior-CAR-T cohorts, one row per cohort in the order of trials.csv."""
    level = fmt.level_label(registry["settings"]["level"])
    rows = []
    for t in registry["trials"]:
        if t["population"] != "prior_cart":
            continue
        tte = {o: fmt.time_to_event_cell(t[f"{o}_status"], t[f"{o}_value"], t[f"{o}_ci_low"], t[f"{o}_ci_high"],
                                         t[f"{o}_landmark_months"]) for o in ("dor", "docr", "pfs", "os")}
        rows.append({
            "Reference": reference_cell(t),
            "NCT": t["nct_id"],
            "N": fmt.integer(t["n_patients"]),
            "Prior lines, median (range)": fmt.median_range(t["prior_lines_median"], t["prior_lines_min"],
                                                            t["prior_lines_max"]),
            "Treatment": t["treatment"],
            "Refractory to CAR-T, %": (fmt.percent(t["refractory_to_cart"], sign=False)
                                       if t["refractory_to_cart"] is not None else fmt.NOT_REPORTED_CELL),
            f"DOR, mo ({level} CI)": tte["dor"],
            f"DoCR, mo ({level} CI)": tte["docr"],
            f"mPFS, mo ({level} CI)": tte["pfs"],
            f"mOS, mo ({level} CI)": tte["os"],
            "Median follow-up, mo": (fmt.compact(t["followup_months"]) if t["followup_months"] is not None
                                     else fmt.NOT_REPORTED_CELL),
        })
    return pd.DataFrame(rows)


def table1_markdown(registry: dict[str, Any]) -> str:
    frame = table1_frame(registry)
    level = fmt.level_label(registry["settings"]["level"])
    note = (f"*Notes:* time-to-event values are medians in months with {level} confidence intervals where "
            f"reported; \u201c% at \u2026 mo\u201d is an event-free rate at that time point. "
            f"{fmt.NOT_REPORTED_CELL}, not reported in the source. "
            "Percentages refractory to CAR-T are the proportion of the cohort whose disease did not respond "
            "to CAR-T. "
            + abbreviation_note(["CAR-T", "DoCR", "DOR", "mo", "mOS", "mPFS", "N", "NCT", "NE", "NR"],
                                partner_abbreviations([t for t in registry["trials"]
                                                       if t["population"] == "prior_cart"])) + ".")
    return (pipe_table(frame, ["left", "left", "right", "left", "left", "right", "left", "left", "left", "left",
                               "right"])
            + f"\n\n: Characteristics of the cohorts treated after CAR-T {{#{TABLE1_LABEL}}}\n\n{note}\n")


def table2_frame(registry: dict[str, Any]) -> pd.DataFrame:
    """Responses per cohort, prior-CAR-T cohorts first (trials.csv order), then the CAR-T-naive cohorts."""
    rows = []
    order = {"prior_cart": 0, "cart_naive": 1}
    trials = sorted(registry["trials"], key=lambda t: order[t["population"]])  # stable sort keeps the CSV order
    for t in trials:
        rows.append({
            "Reference": reference_cell(t),
            "NCT": t["nct_id"],
            "Prior CAR-T": "Yes" if t["population"] == "prior_cart" else "No",
            "N": fmt.integer(t["n_patients"]),
            "Prior lines, median (range)": fmt.median_range(t["prior_lines_median"], t["prior_lines_min"],
                                                            t["prior_lines_max"]),
            "Treatment": t["treatment"],
            "ORR, n (%)": fmt.count_percent(t["orr_events"], t["n_patients"]),
            "CR, n (%)": fmt.count_percent(t["cr_events"], t["n_patients"]),
        })
    return pd.DataFrame(rows)


def table2_markdown(registry: dict[str, Any]) -> str:
    frame = table2_frame(registry)
    missing = [t for t in registry["trials"] if t["orr_events"] is None or t["cr_events"] is None]
    note = ("*Notes:* percentages are computed from the number of responders and the cohort size. "
            f"{fmt.NOT_REPORTED_CELL}, not reported in the source"
            + (f" ({fmt.join_words([t['label'] + ' [@' + t['reference_key'] + ']' for t in missing])})"
               if missing else "")
            + ". Prior lines for the CAR-T-naive cohorts are those given for the whole trial. "
            + abbreviation_note(["CAR-T", "CR", "N", "NCT", "ORR"], partner_abbreviations(registry["trials"])) + ".")
    return (pipe_table(frame, ["left", "left", "left", "right", "left", "left", "right", "right"])
            + f"\n\n: Objective and complete responses in each cohort {{#{TABLE2_LABEL}}}\n\n{note}\n")


# ----------------------------------------------------------------------------- output

def write_tables(root: Path, registry: dict[str, Any]) -> dict[str, Path]:
    """Write Tables 1 and 2 under ``build/tables/`` (atomically); return their paths."""
    paths = table_paths(root)
    write_text(paths["table1"], table1_markdown(registry))
    write_text(paths["table2"], table2_markdown(registry))
    return paths
