"""Tables 1 and 2 of the manuscript as Markdown pipe tables (pandas + tabulate).

Each file holds the table, a Quarto caption line with a ``tbl-`` label
(https://quarto.org/docs/authoring/tables.html) and a notes paragraph that
explains abbreviations and the cells the sources do not report. Cells cite the
trial's publication with ``[@key]``. Percentages are computed from n/N (the
seed paper's printed percentages are not copied). Numbers are formatted by
:mod:`analysis.formatting`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from tabulate import tabulate

from .. import formatting as fmt
from ..io import write_text
from .markdown import markdown_text
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
    """'Chong 2025 [@chong2025]': the label as written (escaped for Markdown), then the citation."""
    return f"{markdown_text(trial['label'])} [@{trial['reference_key']}]"


def partner_abbreviations(trials: list[dict[str, Any]]) -> dict[str, str]:
    """Abbreviations of partner drugs in the Treatment column, from trials.csv ('Pola': 'polatuzumab vedotin')."""
    return {t["partner_abbreviation"]: t["partner_drug"] for t in trials if t.get("partner_abbreviation")}


def abbreviation_note(keys: list[str], extra: dict[str, str] | None = None) -> str:
    names = {**ABBREVIATIONS, **(extra or {})}
    return "; ".join(f"{k}, {names[k]}" for k in sorted({*keys, *(extra or {})}, key=str.lower))


#: Text width in characters of table type (0.8 x 11 pt Libertinus Serif, about 1.4 mm a character; cell padding
#: is counted apart, below) on an A4 page with the 2.5 cm margins of _quarto.yml: 160 mm portrait, 247 mm landscape.
PAGE_CHARACTERS = {"portrait": 160 / 1.4, "landscape": 247 / 1.4}
#: Cell padding in characters: 3 mm a column (1.4 mm a side in the PDF, manuscript/_typst/, and in the DOCX,
#: manuscript/_word/make_reference_docs.py).
COLUMN_PADDING_CHARACTERS = 3 / 1.4
CITATION = re.compile(r"\[@[^\]]+\]")
ESCAPE = re.compile(r"\\(.)")  # a Markdown backslash escape prints as the character
#: How a citation prints in a cell (a bracketed reference number).
CITATION_PLACEHOLDER = "[00]"
#: A header may wrap over this many lines; a data cell is kept on one line where the page allows.
HEADER_LINES = 3


def text_width(text: str) -> int:
    """Printed width of ``text`` in average lower-case characters of a proportional serif font: capitals and
    digits are wider than the average, spaces and punctuation narrower."""
    def width(ch: str) -> float:
        if ch.isupper():
            return 1.4
        if ch.isdigit():
            return 1.15
        if ch.isspace():
            return 0.5
        return 1.0 if ch.isalpha() else 0.8
    return math.ceil(sum(width(ch) for ch in text))


def printed_length(cell: str) -> int:
    """Width a cell takes in print on one line; citations print as a short reference number, escapes as the
    character they escape."""
    return text_width(CITATION.sub(CITATION_PLACEHOLDER, ESCAPE.sub(r"\1", str(cell))))


def longest_word(cell: str) -> int:
    """The widest part of a cell that cannot wrap (text is never hyphenated, so a word never breaks)."""
    printed = CITATION.sub(CITATION_PLACEHOLDER, ESCAPE.sub(r"\1", str(cell)))
    return max((text_width(word) for word in printed.split()), default=1)


@dataclass(frozen=True)
class ColumnLayout:
    """Relative column widths (characters) and the page orientation a table needs."""
    widths: tuple[int, ...]
    orientation: str  # "portrait" or "landscape"


def column_layout(frame: pd.DataFrame) -> ColumnLayout:
    """Widths from the content: each column as wide as its longest cell (headers may wrap over a few lines), never
    narrower than its longest word, so no cell can spill into its neighbour; landscape when portrait is too narrow.
    """
    natural, minimum = [], []
    for name in frame.columns:
        cells = [str(c) for c in frame[name]]
        # Header words are bold, about a sixth wider than the body type.
        floor = max([-(-longest_word(name) * 7 // 6) + 1, *(longest_word(c) for c in cells)])
        header = -(-printed_length(name) // HEADER_LINES)  # ceiling division
        natural.append(max(floor, header, *(printed_length(c) for c in cells)))
        minimum.append(floor)
    padding = COLUMN_PADDING_CHARACTERS * len(natural)
    orientation = "portrait" if sum(natural) + padding <= PAGE_CHARACTERS["portrait"] else "landscape"
    room = PAGE_CHARACTERS[orientation] - padding
    if sum(natural) > room:  # too wide even in landscape: long cells wrap, words never break
        spare = max(room - sum(minimum), 0)
        excess = [n - m for n, m in zip(natural, minimum)]
        natural = [m + round(spare * e / sum(excess)) for m, e in zip(minimum, excess)]
    return ColumnLayout(tuple(natural), orientation)


def pipe_table(frame: pd.DataFrame, align: list[str], layout: ColumnLayout | None = None) -> str:
    """A pipe table whose separator line carries the designed widths: Pandoc sets each column's share of the text
    width from its number of dashes (https://pandoc.org/MANUAL.html#extension-pipe_tables)."""
    layout = layout or column_layout(frame)
    lines = tabulate(frame, headers="keys", tablefmt="pipe", showindex=False, colalign=align,
                     disable_numparse=True).splitlines()
    marks = {"left": (":", "-"), "right": ("-", ":"), "center": (":", ":")}
    # Each column's share includes its cell padding, which is the same for every column whatever its content, and
    # Pandoc measures a column by its whole separator cell, alignment colons included.
    padding = round(COLUMN_PADDING_CHARACTERS)
    separator = "|" + "|".join(left + "-" * max(width + padding - len(left + right), 1) + right
                               for (left, right), width in zip((marks[a] for a in align), layout.widths)) + "|"
    return "\n".join([lines[0], separator, *lines[2:]])


def table_block(frame: pd.DataFrame, align: list[str], caption: str, label: str, note: str) -> str:
    """The table, its Quarto caption line and its notes; a table too wide for a portrait page is set on a landscape
    page (Quarto's ``.landscape`` div, honoured by the Typst PDF and DOCX, ignored by HTML)."""
    layout = column_layout(frame)
    block = f"{pipe_table(frame, align, layout)}\n\n: {caption} {{#{label}}}\n\n{note}\n"
    return f"::: {{.landscape}}\n\n{block}\n:::\n" if layout.orientation == "landscape" else block


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
    return table_block(frame, ["left", "left", "right", "left", "left", "right", "left", "left", "left", "left",
                               "right"], "Characteristics of the cohorts treated after CAR-T", TABLE1_LABEL, note)


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
            + (f" ({fmt.join_words([reference_cell(t) for t in missing])})"
               if missing else "")
            + ". Prior lines for the CAR-T-naive cohorts are those given for the whole trial. "
            + abbreviation_note(["CAR-T", "CR", "N", "NCT", "ORR"], partner_abbreviations(registry["trials"])) + ".")
    return table_block(frame, ["left", "left", "left", "right", "left", "left", "right", "right"],
                       "Objective and complete responses in each cohort", TABLE2_LABEL, note)


# ----------------------------------------------------------------------------- output

def write_tables(root: Path, registry: dict[str, Any]) -> dict[str, Path]:
    """Write Tables 1 and 2 under ``build/tables/`` (atomically); return their paths."""
    paths = table_paths(root)
    write_text(paths["table1"], table1_markdown(registry))
    write_text(paths["table2"], table2_markdown(registry))
    return paths
