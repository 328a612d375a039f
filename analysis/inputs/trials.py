"""Load and validate the input files in ``data/``.

Every problem is reported with the file, the line (as a text editor counts
it), the row's ``study_id`` and the column, and all problems of a file are
reported together. Loading never writes anything.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pandas as pd
import yaml


class DataError(Exception):
    """One or more problems in an input file; ``str()`` lists them all."""

    def __init__(self, path: Path | str, problems: list[str]):
        self.path = Path(path)
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{self.path}: {len(problems)} problem(s)\n{lines}")


# ----------------------------------------------------------------------------- trials.csv schema

POPULATIONS = {"prior_cart": "prior CAR-T", "cart_naive": "CAR-T-naive"}
REGIMENS = {"monotherapy": "monotherapy", "combination": "combination"}
PUBLICATION_TYPES = {"full_paper": "full paper", "abstract": "conference abstract"}
TTE_STATUSES = {"median", "not_reached", "not_estimable", "landmark", "not_reported"}
TTE_OUTCOMES = {"dor": "duration of response", "docr": "duration of complete response",
                "pfs": "progression-free survival", "os": "overall survival"}
CI_TOKENS = {"NR": "not reached", "NE": "not estimable"}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # text, int, float, category, ci_bound
    required: bool = False
    choices: frozenset[str] | None = None
    minimum: float | None = None
    maximum: float | None = None


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


def _parse(cell: str, col: Column) -> tuple[Any, str | None]:
    """Parse one cell; return (value, error message or None). Blank -> None."""
    text = cell.strip()
    if text == "":
        return None, ("is required but empty" if col.required else None)
    if col.kind == "text":
        return text, None
    if col.kind == "category":
        assert col.choices is not None
        if text not in col.choices:
            return None, f"unknown value {text!r}; allowed: {', '.join(sorted(col.choices))}"
        return text, None
    if col.kind == "ci_bound" and text in CI_TOKENS:
        return text, None
    try:
        number = float(text)
    except ValueError:
        extra = " or NR/NE" if col.kind == "ci_bound" else ""
        return None, f"cannot read {text!r} as a number{extra}"
    if not math.isfinite(number):
        return None, f"{text!r} is not a finite number"
    if col.kind == "int":
        if number != int(number):
            return None, f"{text!r} is not a whole number"
        number = int(number)
    if col.minimum is not None and number < col.minimum:
        return None, f"{text} is below the minimum {col.minimum:g}"
    if col.maximum is not None and number > col.maximum:
        return None, f"{text} is above the maximum {col.maximum:g}"
    return number, None


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
    _require_file(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=False)
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
            value, err = _parse(cells[col.name], col)
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


# ----------------------------------------------------------------------------- YAML files

def _require_file(path: Path) -> None:
    if not path.exists():
        raise DataError(path, ["file not found"])
    if not path.is_file():
        raise DataError(path, ["not a file (is it a folder?)"])


def _read_yaml(path: Path) -> Any:
    _require_file(path)
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise DataError(path, [f"{where}not valid YAML ({getattr(exc, 'problem', exc)})"]) from None
    except ValueError as exc:  # e.g. a date such as 2019-13-01, rejected while YAML builds the value
        raise DataError(path, [f"a value cannot be read: {exc} (dates are written YYYY-MM-DD)"]) from None
    if content is None:
        raise DataError(path, ["the file is empty"])
    if not isinstance(content, dict):
        raise DataError(path, ["expected a mapping of keys at the top level"])
    return content


def _get(mapping: dict[str, Any], dotted: str, problems: list[str], check: Callable[[Any], str | None]) -> Any:
    node: Any = mapping
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            problems.append(f"key {dotted}: missing")
            return None
        node = node[part]
    err = check(node)
    if err:
        problems.append(f"key {dotted}: {err}")
        return None
    return node


def _count_or_null(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        return f"expected a whole number or null, got {value!r}"
    return None if value >= 0 else f"a count cannot be negative ({value})"


PRISMA_COUNTS = [
    "identification.databases", "identification.other_sources", "identification.duplicates_removed",
    "screening.records_screened", "screening.records_excluded", "screening.reports_sought",
    "screening.reports_not_retrieved", "eligibility.reports_assessed", "eligibility.reports_excluded",
    "included.studies", "included.reports",
]


def load_prisma(path: Path | str) -> dict[str, Any]:
    """Read ``prisma.yaml``: counts are whole numbers >= 0 or null (not reported)."""
    path = Path(path)
    content = _read_yaml(path)
    problems: list[str] = []
    for key in PRISMA_COUNTS:
        _get(content, key, problems, _count_or_null)
    reasons = _get(content, "eligibility.exclusion_reasons", problems,
                   lambda v: None if isinstance(v, list) else "expected a list of {reason, n}")
    for i, item in enumerate(reasons or []):
        if not isinstance(item, dict) or not isinstance(item.get("reason"), str):
            problems.append(f"key eligibility.exclusion_reasons[{i}]: needs a text 'reason'")
            continue
        err = _count_or_null(item.get("n"))
        if err or item.get("n") is None:
            problems.append(f"key eligibility.exclusion_reasons[{i}].n: {err or 'missing'}")
    if problems:
        raise DataError(path, problems)
    return content


def load_review(path: Path | str) -> dict[str, Any]:
    """Read ``review.yaml`` (protocol, search and methods settings)."""
    path = Path(path)
    content = _read_yaml(path)
    problems: list[str] = []
    text = lambda v: None if isinstance(v, str) and v.strip() else "expected text"  # noqa: E731
    for key in ("registration.registry", "registration.identifier", "registration.url", "original_software"):
        _get(content, key, problems, text)
    for key in ("search.start", "search.end"):
        _get(content, key, problems, lambda v: None if hasattr(v, "year") else "expected a date YYYY-MM-DD")
    for key in ("search.databases", "search.conferences"):
        _get(content, key, problems, lambda v: None if isinstance(v, list) and v else "expected a non-empty list")
    _get(content, "eligibility.min_patients_per_cohort", problems, _count_or_null)
    _get(content, "confidence_level", problems,
         lambda v: None if isinstance(v, float) and 0 < v < 1 else "expected a number between 0 and 1")
    low = _get(content, "heterogeneity_thresholds.low", problems,
               lambda v: None if isinstance(v, (int, float)) and 0 <= v <= 100 else "expected a percentage")
    mod = _get(content, "heterogeneity_thresholds.moderate", problems,
               lambda v: None if isinstance(v, (int, float)) and 0 <= v <= 100 else "expected a percentage")
    if low is not None and mod is not None and low >= mod:
        problems.append("key heterogeneity_thresholds: 'low' must be below 'moderate'")
    if problems:
        raise DataError(path, problems)
    return content


BIB_KEY = re.compile(r"^\s*@\w+\s*\{\s*([^,\s]+)\s*,", re.MULTILINE)


def bibliography_keys(path: Path | str) -> list[str]:
    """Citation keys defined in a BibTeX file."""
    path = Path(path)
    _require_file(path)
    return BIB_KEY.findall(path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Inputs:
    """Everything the build reads from ``data/``, validated."""

    trials: pd.DataFrame
    prisma: dict[str, Any]
    review: dict[str, Any]
    bibliography_keys: list[str]


def load_inputs(data_dir: Path | str) -> Inputs:
    """Load and cross-check all inputs (e.g. each trial's reference key is in the bibliography)."""
    data_dir = Path(data_dir)
    trials = load_trials(data_dir / "trials.csv")
    prisma = load_prisma(data_dir / "prisma.yaml")
    review = load_review(data_dir / "review.yaml")
    keys = bibliography_keys(data_dir / "references.bib")
    missing = [(i + 2, sid, key) for i, (sid, key) in enumerate(zip(trials["study_id"], trials["reference_key"]))
               if key not in keys]
    if missing:
        raise DataError(data_dir / "trials.csv", [
            f"line {line} (study_id {sid}), column reference_key: {key!r} is not in references.bib"
            for line, sid, key in missing])
    return Inputs(trials, prisma, review, keys)


# ----------------------------------------------------------------------------- generic study,events,total CSV

@dataclass(frozen=True)
class ProportionTable:
    studies: list[str]
    events: list[int]
    totals: list[int]
    subgroups: list[str] | None


def load_proportions_csv(path: Path | str, subgroup_column: str | None = None) -> ProportionTable:
    """Read a ``study,events,total[,subgroup]`` CSV for the ``pool`` command, validating every cell."""
    path = Path(path)
    _require_file(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise DataError(path, ["the file is empty (no header row)"]) from None
    except pd.errors.ParserError as exc:
        raise DataError(path, [f"not a well-formed CSV file: {exc}"]) from None
    raw.columns = [c.strip() for c in raw.columns]
    required = ["study", "events", "total"] + ([subgroup_column] if subgroup_column else [])
    missing = [c for c in required if c not in raw.columns]
    if missing:
        raise DataError(path, [f"missing required column(s): {', '.join(missing)} "
                               f"(found: {', '.join(raw.columns) or 'none'})"])
    if raw.empty:
        raise DataError(path, ["the file has a header but no data rows"])
    problems: list[str] = []
    studies, events, totals, groups = [], [], [], []
    seen: dict[str, int] = {}
    count = Column("count", "int", True, minimum=0)
    for i, cells in enumerate(raw.to_dict("records")):
        line = i + 2
        name = cells["study"].strip()
        where = f"line {line} (study {name or '?'})"
        if not name:
            problems.append(f"line {line}, column study: is required but empty")
        elif name in seen:
            problems.append(f"{where}, column study: duplicate of line {seen[name]}")
        seen.setdefault(name, line)
        x, err_x = _parse(cells["events"], count)
        n, err_n = _parse(cells["total"], Column("total", "int", True, minimum=1))
        if err_x:
            problems.append(f"{where}, column events: {err_x}")
        if err_n:
            problems.append(f"{where}, column total: {err_n}")
        if x is not None and n is not None and x > n:
            problems.append(f"{where}, column events: {x} events exceed total = {n}")
        if subgroup_column:
            g = cells[subgroup_column].strip()
            if not g:
                problems.append(f"{where}, column {subgroup_column}: is required but empty")
            groups.append(g)
        studies.append(name)
        events.append(x)
        totals.append(n)
    if problems:
        raise DataError(path, problems)
    return ProportionTable(studies, events, totals, groups if subgroup_column else None)
