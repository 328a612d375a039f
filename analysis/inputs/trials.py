"""``trials.csv``: its columns, and reading and validating it.

Every problem is reported with the file, the line (as a text editor counts
it), the row's ``study_id`` and the column, and all problems of a file are
reported together. Loading never writes anything.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pandas as pd

from .cells import Column, parse_cell
from .errors import DataError, require_file
from .text_file import read_text


# ----------------------------------------------------------------------------- trials.csv schema

POPULATIONS = {"prior_cart": "prior CAR-T", "cart_naive": "CAR-T-naive"}
REGIMENS = {"monotherapy": "monotherapy", "combination": "combination"}
PUBLICATION_TYPES = {"full_paper": "full paper", "abstract": "conference abstract"}
TTE_STATUSES = {"median", "not_reached", "not_estimable", "landmark", "not_reported"}
TTE_OUTCOMES = {"dor": "duration of response", "docr": "duration of complete response",
                "pfs": "progression-free survival", "os": "overall survival"}


def _tte_columns(o: str) -> list[Column]:
    return [
        Column(f"{o}_status", "category", True, frozenset(TTE_STATUSES)),
        Column(f"{o}_value", "float", minimum=0),
        Column(f"{o}_ci_low", "ci_bound", minimum=0),
        Column(f"{o}_ci_high", "ci_bound", minimum=0),
        Column(f"{o}_landmark_months", "float", minimum=0),
    ]


TRIAL_COLUMNS: list[Column] = [
    Column("study_id", "text", True),
    Column("nct_id", "text", True),
    Column("first_author", "text", True),
    Column("year", "int", True, minimum=1900, maximum=2100),
    Column("reference_key", "text", True),
    Column("reference_number", "int", minimum=1),
    Column("publication_type", "category", True, frozenset(PUBLICATION_TYPES)),
    Column("population", "category", True, frozenset(POPULATIONS)),
    Column("regimen", "category", True, frozenset(REGIMENS)),
    Column("antibody", "text", True),
    Column("partner_drug", "text"),
    Column("partner_abbreviation", "text"),
    Column("n_patients", "int", True, minimum=1),
    Column("orr_events", "int", minimum=0),
    Column("cr_events", "int", minimum=0),
    Column("prior_lines_median", "float", minimum=0),
    Column("prior_lines_min", "float", minimum=0),
    Column("prior_lines_max", "float", minimum=0),
    Column("refractory_to_cart", "float", minimum=0, maximum=1),
    *[c for o in TTE_OUTCOMES for c in _tte_columns(o)],
    Column("followup_months", "float", minimum=0),
    Column("notes", "text"),
]
TRIAL_COLUMN_NAMES = [c.name for c in TRIAL_COLUMNS]
STUDY_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def _row_checks(row: dict[str, Any]) -> list[tuple[str, str]]:
    """Cross-column rules for one parsed row: (column, message) pairs."""
    problems: list[tuple[str, str]] = []
    n = row.get("n_patients")
    for col in ("orr_events", "cr_events"):
        x = row.get(col)
        if n is not None and x is not None and x > n:
            problems.append((col, f"{x} events exceed n_patients = {n}"))
    orr, cr = row.get("orr_events"), row.get("cr_events")
    if orr is not None and cr is not None and cr > orr:
        problems.append(("cr_events", f"{cr} complete responses exceed {orr} overall responses"))
    if orr is None and cr is None:
        problems.append(("orr_events", "neither orr_events nor cr_events is given; the cohort has no outcome"))
    lo, med, hi = (row.get(f"prior_lines_{s}") for s in ("min", "median", "max"))
    if None not in (lo, med, hi) and not lo <= med <= hi:
        problems.append(("prior_lines_median", f"need min <= median <= max, got {lo}, {med}, {hi}"))
    if row.get("regimen") == "combination" and not row.get("partner_drug"):
        problems.append(("partner_drug", "a combination regimen needs its partner drug"))
    if row.get("regimen") == "monotherapy" and row.get("partner_drug"):
        problems.append(("partner_drug", "a monotherapy row has a partner drug; is the regimen a combination?"))
    if bool(row.get("partner_drug")) != bool(row.get("partner_abbreviation")):
        problems.append(("partner_abbreviation", "partner_drug and partner_abbreviation go together"))
    for o in TTE_OUTCOMES:
        status, value = row.get(f"{o}_status"), row.get(f"{o}_value")
        lo_, hi_ = row.get(f"{o}_ci_low"), row.get(f"{o}_ci_high")
        months = row.get(f"{o}_landmark_months")
        if status in ("median", "landmark") and value is None:
            problems.append((f"{o}_value", f"status {status!r} needs a value"))
        if status not in ("median", "landmark") and value is not None:
            problems.append((f"{o}_value", f"status {status!r} takes no value (got {value})"))
        if status == "landmark":
            if months is None:
                problems.append((f"{o}_landmark_months", "a landmark rate needs its time point in months"))
            if value is not None and value > 1:
                problems.append((f"{o}_value", f"a landmark rate is a proportion in [0, 1], got {value}"))
        elif months is not None:
            problems.append((f"{o}_landmark_months", f"only a landmark status takes a time point (status {status!r})"))
        if status == "not_reported" and (lo_ is not None or hi_ is not None):
            problems.append((f"{o}_ci_low", "status 'not_reported' takes no confidence interval"))
        if isinstance(lo_, float) and isinstance(hi_, float) and lo_ > hi_:
            problems.append((f"{o}_ci_low", f"lower bound {lo_} exceeds upper bound {hi_}"))
        if status == "median" and isinstance(value, float):
            if isinstance(lo_, float) and lo_ > value or isinstance(hi_, float) and hi_ < value:
                problems.append((f"{o}_value", f"median {value} lies outside its CI ({lo_}, {hi_})"))
    return problems


def load_trials(path: Path | str) -> pd.DataFrame:
    """Read and validate ``trials.csv``; return a typed DataFrame (blank cells -> None/NaN)."""
    path = Path(path)
    require_file(path)
    try:
        raw = pd.read_csv(io.StringIO(read_text(path)), dtype=str, keep_default_na=False, skipinitialspace=False)
    except pd.errors.EmptyDataError:
        raise DataError(path, ["the file is empty (no header row)"]) from None
    except pd.errors.ParserError as exc:
        raise DataError(path, [f"not a well-formed CSV file: {exc}"]) from None
    problems: list[str] = []
    header = [c.strip() for c in raw.columns]
    missing = [c for c in TRIAL_COLUMN_NAMES if c not in header]
    unknown = [c for c in header if c not in TRIAL_COLUMN_NAMES]
    if missing:
        problems.append(f"missing required column(s): {', '.join(missing)}")
    if unknown:
        problems.append(f"unknown column(s): {', '.join(unknown)} (see data/README.md for the columns)")
    dupes = sorted({c for c in header if header.count(c) > 1})
    if dupes:
        problems.append(f"duplicate column(s): {', '.join(dupes)}")
    if problems:
        raise DataError(path, problems)
    raw.columns = header
    if raw.empty:
        raise DataError(path, ["the file has a header but no data rows"])

    records: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for i, cells in enumerate(raw.to_dict("records")):
        line = i + 2  # header is line 1
        sid = cells.get("study_id", "").strip() or "?"
        where = f"line {line} (study_id {sid})"
        row: dict[str, Any] = {}
        for col in TRIAL_COLUMNS:
            value, err = parse_cell(cells[col.name], col)
            if err:
                problems.append(f"{where}, column {col.name}: {err}")
            row[col.name] = value
        if sid != "?" and not STUDY_ID_PATTERN.match(sid):
            problems.append(f"{where}, column study_id: use lower-case letters, digits, '-' or '_'")
        if sid in seen:
            problems.append(f"{where}, column study_id: duplicate of line {seen[sid]}")
        seen.setdefault(sid, line)
        for column, message in _row_checks(row):
            problems.append(f"{where}, column {column}: {message}")
        records.append(row)
    if problems:
        raise DataError(path, problems)
    frame = pd.DataFrame.from_records(records, columns=TRIAL_COLUMN_NAMES)
    for col in TRIAL_COLUMNS:
        if col.kind == "int":
            frame[col.name] = frame[col.name].astype("Int64")
        elif col.kind == "float":
            frame[col.name] = frame[col.name].astype("Float64")
    return frame
