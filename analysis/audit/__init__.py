"""Number consistency audit: every rule family over the registry, the paper's reported values and the output.

``run_audit(ctx)`` returns the findings; :mod:`analysis.audit.report` writes them
as Markdown, HTML and a terminal summary; ``python -m analysis check`` does both.
"""

from __future__ import annotations

import traceback
from typing import Callable

from . import checklist, claims, data, inputs, journal, manuscript, prisma, reproduction
from .context import AuditContext, load_context
from .model import Evidence, Finding, exit_code, mismatch

RuleFamily = Callable[[AuditContext], list[Finding]]

RULE_FAMILIES: dict[str, RuleFamily] = {
    "data": data.check,
    "inputs": inputs.check,
    "prisma": prisma.check,
    "reproduction": reproduction.check,
    "claims": claims.check,
    "manuscript": manuscript.check,
    "journal": journal.check,
    "checklist": checklist.check,
}


def run_audit(ctx: AuditContext, families: list[str] | None = None) -> list[Finding]:
    """Run the rule families in order; a family that fails becomes one error finding, not a traceback."""
    findings: list[Finding] = []
    for name, family in RULE_FAMILIES.items():
        if families and name not in families:
            continue
        try:
            findings += family(ctx)
        except Exception as exc:  # noqa: BLE001 - reported as a finding so the report is still written
            last = traceback.extract_tb(exc.__traceback__)[-1]
            findings.append(mismatch(f"{name}.failed", "data", f"{last.filename}:{last.lineno}",
                                     f"rule family '{name}' ran", Evidence(type(exc).__name__, str(exc)),
                                     "The rules could not run on these inputs; fix the input named above."))
    return findings


__all__ = ["AuditContext", "Finding", "RULE_FAMILIES", "exit_code", "load_context", "run_audit"]
