"""Load and validate ``prisma.yaml`` (PRISMA 2020 flow counts) and ``review.yaml`` (protocol and methods).

Every problem is reported with the key it concerns, and all problems of a file together.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import yaml

from .errors import DataError, require_file
from .text_file import read_text


def _read_yaml(path: Path) -> Any:
    require_file(path)
    try:
        content = yaml.safe_load(read_text(path))
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
#: Counts a flow diagram may state in its 'included' box; when given, the build checks them against trials.csv.
PRISMA_OPTIONAL_COUNTS = ["included.cohorts", "included.participants"]


def load_prisma(path: Path | str) -> dict[str, Any]:
    """Read ``prisma.yaml``: counts are whole numbers >= 0 or null (not reported)."""
    path = Path(path)
    content = _read_yaml(path)
    problems: list[str] = []
    for key in PRISMA_COUNTS:
        _get(content, key, problems, _count_or_null)
    for key in PRISMA_OPTIONAL_COUNTS:
        section, _, name = key.partition(".")
        if isinstance(content.get(section), dict) and name in content[section]:
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


#: Limits of ``journal.yaml`` (whole numbers), each with what it bounds.
JOURNAL_LIMITS = ("abstract_words_max", "keywords_min", "keywords_max", "figures_tables_max")


def load_journal(path: Path | str) -> dict[str, Any]:
    """Read ``journal.yaml``: the target journal, its article type and its limits (whole numbers > 0)."""
    path = Path(path)
    content = _read_yaml(path)
    problems: list[str] = []
    for key in ("journal", "article_type"):
        _get(content, key, problems, lambda v: None if isinstance(v, str) and v.strip() else "expected text")
    for key in JOURNAL_LIMITS:
        _get(content, key, problems, lambda v: None if isinstance(v, int) and not isinstance(v, bool) and v > 0
             else f"expected a whole number above 0, got {v!r}")
    if not problems and content["keywords_min"] > content["keywords_max"]:
        problems.append("keys keywords_min, keywords_max: the minimum is above the maximum")
    if problems:
        raise DataError(path, problems)
    return content
