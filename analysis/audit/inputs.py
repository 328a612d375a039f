"""Input rules: our own data files agreeing with each other, and references verified before submission.

* ``inputs.counts-agree``: counts stated twice (``prisma.yaml``'s included studies, reports, cohorts and
  participants against ``trials.csv``; cohort sizes against the eligibility minimum of ``review.yaml``), from the
  registry's ``cross_checks`` (:mod:`analysis.results.cross_checks`): an error naming the file to update;
* ``inputs.reference-verified``: every ``references.bib`` entry that is not fully established (``verified`` not
  ``yes`` or ``match`` not ``seed``): a warning with its key and reason.
"""

from __future__ import annotations

from .context import AuditContext
from .model import Evidence, Finding, match, mismatch


def counts_agree(ctx: AuditContext) -> list[Finding]:
    out: list[Finding] = []
    for c in ctx.registry.get("cross_checks", []):
        claim = f"{c['name']}: {c['stated_in']} agrees with {c['counted_in']}"
        ev = Evidence(str(c["stated"]), str(c["counted"]),
                      None if c["status"] == "ok" else f"{c['counted'] - c['stated']:+d}")
        if c["status"] == "ok":
            out.append(match("inputs.counts-agree", "data", c["stated_in"], claim, ev))
        else:
            out.append(mismatch("inputs.counts-agree", "data", c["stated_in"], claim, ev,
                                f"{c['message']}. Until both files agree the manuscript states two different "
                                "counts (the PRISMA sentence and Figure 1 against the rest of the text)."))
    return out


def references_verified(ctx: AuditContext) -> list[Finding]:
    refs = ctx.registry.get("references") or {}
    pending = refs.get("unverified", [])
    out = [mismatch("inputs.reference-verified", "data", f"data/references.bib:{r['line']} ({r['key']})",
                    f"reference {r['key']} is verified", Evidence(f"verified = {r['verified']}, match = {r['match']}",
                                                                  "verified = yes, match = seed"),
                    f"{r['reason']} Check it against the publication before submission (data/README.md).",
                    severity="warning") for r in pending]
    if refs and not pending:
        out.append(match("inputs.reference-verified", "data", "data/references.bib",
                         f"all {refs.get('entries', 0)} references verified", Evidence(computed="verified")))
    return out


def check(ctx: AuditContext) -> list[Finding]:
    return counts_agree(ctx) + references_verified(ctx)
