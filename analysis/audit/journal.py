"""Journal rules: the manuscript within the target journal's limits (``data/journal.yaml``): words of the
generated abstract, number of keywords, figures plus tables (:mod:`analysis.quarto.journal`)."""

from __future__ import annotations

from ..inputs.errors import DataError
from ..quarto.journal import JOURNAL_FILE, limit_checks, load_limits
from ..quarto.project import load_project
from ..quarto.sources import collect
from .context import AuditContext
from .model import Evidence, Finding, match, mismatch, note


def check(ctx: AuditContext) -> list[Finding]:
    if not (ctx.root / JOURNAL_FILE).exists():
        return [note("journal.limits", "manuscript", JOURNAL_FILE.as_posix(), "the journal's limits",
                     "No target journal named (data/journal.yaml is absent): no limits checked.")]
    try:
        limits = load_limits(ctx.root)
    except DataError as exc:
        return [mismatch("journal.limits", "manuscript", JOURNAL_FILE.as_posix(), "the journal's limits can be read",
                         Evidence("; ".join(exc.problems)), "Fix data/journal.yaml (see its comments).")]
    project = load_project(ctx.root)
    out: list[Finding] = []
    for limit in limit_checks(project, collect(project).lines, limits):
        where = f"{limit.path.relative_to(ctx.root) if limit.path.is_relative_to(ctx.root) else limit.path}" \
                f":{limit.line}"
        claim = f"{limit.name} within the limit of {limit.journal}"
        ev = Evidence(str(limit.counted), limit.bounds)
        out.append(match("journal.limits", "manuscript", where, claim, ev) if limit.ok else
                   mismatch("journal.limits", "manuscript", where, claim, ev,
                            f"{limit.message()}. The journal would return the manuscript; the abstract is generated "
                            "from manuscript/_templates/abstract.md.j2, the keywords are in the front matter of "
                            "manuscript/index.qmd."))
    return out
