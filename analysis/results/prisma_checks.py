"""PRISMA 2020 flow arithmetic: which steps of the flow add up and which do not."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FlowCheck:
    """One equation of the flow, e.g. ``screened - excluded = assessed``."""

    name: str
    equation: str
    expected: int | None  # what the left-hand side gives
    reported: int | None  # the count printed for the right-hand side
    status: str  # "ok", "mismatch" or "incomplete" (a count is not reported)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def describe(self) -> str:
        if self.status == "ok":
            return f"{self.equation}: {self.expected} = {self.reported}"
        if self.status == "incomplete":
            return f"{self.equation}: cannot be checked, a count is not reported"
        return f"{self.equation}: gives {self.expected}, but {self.reported} is reported"


def _flow(counts: dict[str, Any]) -> dict[str, int | None]:
    ident, screen, elig, incl = (counts.get(k, {}) for k in ("identification", "screening", "eligibility", "included"))
    reasons = elig.get("exclusion_reasons") or []
    return {
        "databases": ident.get("databases"),
        "other_sources": ident.get("other_sources"),
        "duplicates_removed": ident.get("duplicates_removed"),
        "records_screened": screen.get("records_screened"),
        "records_excluded": screen.get("records_excluded"),
        "reports_sought": screen.get("reports_sought"),
        "reports_not_retrieved": screen.get("reports_not_retrieved"),
        "reports_assessed": elig.get("reports_assessed"),
        "reports_excluded": elig.get("reports_excluded"),
        "reasons_total": sum(r["n"] for r in reasons) if reasons else None,
        "studies_included": incl.get("studies"),
    }


def _check(name: str, equation: str, terms: list[tuple[int, int | None]], reported: int | None) -> FlowCheck:
    if reported is None or any(v is None for _, v in terms):
        return FlowCheck(name, equation, None, reported, "incomplete")
    expected = sum(sign * v for sign, v in terms)  # type: ignore[operator]
    return FlowCheck(name, equation, expected, reported, "ok" if expected == reported else "mismatch")


def check_flow(counts: dict[str, Any]) -> list[FlowCheck]:
    """Check each step of the PRISMA 2020 flow (Page et al. 2021) that the counts allow."""
    f = _flow(counts)
    sought = f["reports_sought"]
    checks = [
        _check("identification", "records identified - duplicates removed = records screened",
               [(1, f["databases"]), (1, f["other_sources"]), (-1, f["duplicates_removed"])], f["records_screened"]),
        _check("screening", "records screened - records excluded = reports assessed"
               if sought is None else "records screened - records excluded = reports sought",
               [(1, f["records_screened"]), (-1, f["records_excluded"])],
               f["reports_assessed"] if sought is None else sought),
    ]
    if sought is not None:
        checks.append(_check("retrieval", "reports sought - reports not retrieved = reports assessed",
                             [(1, sought), (-1, f["reports_not_retrieved"])], f["reports_assessed"]))
    checks += [
        _check("eligibility", "reports assessed - reports excluded = studies included",
               [(1, f["reports_assessed"]), (-1, f["reports_excluded"])], f["studies_included"]),
        _check("exclusion reasons", "sum of exclusion reasons = reports excluded",
               [(1, f["reasons_total"])], f["reports_excluded"]),
    ]
    return checks


def implied_duplicates(counts: dict[str, Any]) -> int | None:
    """Duplicates implied by identified minus screened records, when the paper omits them."""
    f = _flow(counts)
    if None in (f["databases"], f["other_sources"], f["records_screened"]):
        return None
    return f["databases"] + f["other_sources"] - f["records_screened"]  # type: ignore[operator]
