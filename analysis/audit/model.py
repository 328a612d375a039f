"""What the audit reports: findings, each with a rule, a severity, a location and its evidence."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Severities of a problem, most serious first. ``info`` also carries reproduced values.
SEVERITIES = ("error", "warning", "info")
#: Outcomes of one check.
MATCH, MISMATCH, NOT_CHECKABLE, NOTE = "match", "mismatch", "not_checkable", "note"
#: Which thing a finding is about: the input data, the published paper (reported.yaml), our rendered manuscript.
SCOPES = ("data", "paper", "manuscript")


@dataclass(frozen=True)
class Evidence:
    """Reported vs computed, as text at the precision that was judged, and their difference."""

    reported: str | None = None
    computed: str | None = None
    difference: str | None = None


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    outcome: str
    scope: str
    location: str
    claim: str
    evidence: Evidence = field(default_factory=Evidence)
    explanation: str = ""
    #: A software convention that explains the mismatch (named in the report), if any.
    convention: str | None = None

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}")
        if self.scope not in SCOPES:
            raise ValueError(f"unknown scope {self.scope!r}")

    @property
    def is_problem(self) -> bool:
        return self.outcome == MISMATCH or (self.outcome == NOTE and self.severity != "info")

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "severity": self.severity, "outcome": self.outcome, "scope": self.scope,
                "location": self.location, "claim": self.claim, "reported": self.evidence.reported,
                "computed": self.evidence.computed, "difference": self.evidence.difference,
                "explanation": self.explanation, "convention": self.convention}


def match(rule: str, scope: str, location: str, claim: str, evidence: Evidence, explanation: str = "") -> Finding:
    return Finding(rule, "info", MATCH, scope, location, claim, evidence, explanation)


def mismatch(rule: str, scope: str, location: str, claim: str, evidence: Evidence, explanation: str,
             severity: str = "error", convention: str | None = None) -> Finding:
    return Finding(rule, severity, MISMATCH, scope, location, claim, evidence, explanation, convention)


def not_checkable(rule: str, scope: str, location: str, claim: str, explanation: str,
                  evidence: Evidence | None = None) -> Finding:
    return Finding(rule, "info", NOT_CHECKABLE, scope, location, claim, evidence or Evidence(), explanation)


def note(rule: str, scope: str, location: str, claim: str, explanation: str, severity: str = "info",
         evidence: Evidence | None = None) -> Finding:
    return Finding(rule, severity, NOTE, scope, location, claim, evidence or Evidence(), explanation)


def exit_code(findings: list[Finding], strict: bool = False) -> int:
    """1 when any finding is an error (or, with ``strict``, a warning); else 0."""
    failing = {"error", "warning"} if strict else {"error"}
    return int(any(f.severity in failing for f in findings))
