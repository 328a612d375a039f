"""The ``pool`` command's input: any CSV of ``study,events,total[,subgroup]``, every cell validated."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import DataError, require_file
from .trials import Column, parse_cell


@dataclass(frozen=True)
class ProportionTable:
    studies: list[str]
    events: list[int]
    totals: list[int]
    subgroups: list[str] | None


def load_proportions_csv(path: Path | str, subgroup_column: str | None = None) -> ProportionTable:
    """Read a ``study,events,total[,subgroup]`` CSV for the ``pool`` command, validating every cell."""
    path = Path(path)
    require_file(path)
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
        x, err_x = parse_cell(cells["events"], count)
        n, err_n = parse_cell(cells["total"], Column("total", "int", True, minimum=1))
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
