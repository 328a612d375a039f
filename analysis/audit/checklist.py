"""PRISMA 2020 reporting, on the line-numbered review PDF (``_manuscript-review/``) when there is one.

Every item of the PRISMA 2020 checklist and of the PRISMA 2020 for Abstracts checklist should be reported, and
labelled where it is (a ``prisma`` attribute in ``manuscript/index.qmd``; see :mod:`analysis.checklist`). An item
with no label is a warning, so that the authors see it before the editor does; a label naming no known item, or a
PDF older than its sources, is reported too.
"""

from __future__ import annotations

from ..checklist.locate import Row, resolve
from ..quarto.review_pdf import newer_render_inputs, read_review_pdf, review_article
from .context import AuditContext
from .model import Evidence, Finding, match, mismatch, note

FAMILY = "checklist"


def _item_name(row: Row) -> str:
    prefix = "PRISMA 2020 for Abstracts" if row.item.ref != row.item.number else "PRISMA 2020"
    return f"{prefix} item {row.item.number} ({row.item.topic})"


def check(ctx: AuditContext) -> list[Finding]:
    pdf = review_article(ctx.root, ".pdf")
    if pdf is None:
        return [note(f"{FAMILY}.not-rendered", "manuscript", "_manuscript-review", "PRISMA 2020 checklists",
                     "Not rendered: the checklists are read from the line-numbered review PDF. Run "
                     "`make manuscript-review` and then the audit again.")]
    name = str(pdf.relative_to(ctx.root))
    out: list[Finding] = []
    newer = newer_render_inputs(ctx.root, pdf)
    if newer:
        out.append(mismatch(f"{FAMILY}.fresh", "manuscript", name, "rendered after its sources changed",
                            Evidence(f"{len(newer)} newer source(s)",
                                     ", ".join(str(p.relative_to(ctx.root)) for p in newer[:5])),
                            "Pages and lines of the checklists come from this PDF: render it again "
                            "(make manuscript-review).", severity="warning"))
    resolution = resolve(read_review_pdf(pdf))
    for problem in resolution.problems:
        out.append(mismatch(f"{FAMILY}.label", "manuscript", name, "PRISMA labels are readable",
                            Evidence(problem), "Fix the `prisma` label in manuscript/index.qmd and render again."))
    for rows in resolution.rows.values():
        for row in rows:
            if row.reported:
                out.append(match(f"{FAMILY}.reported", "manuscript", name, f"{_item_name(row)} is reported",
                                 Evidence(computed=row.location_text())))
            else:
                out.append(mismatch(f"{FAMILY}.not-reported", "manuscript", name, f"{_item_name(row)} is reported",
                                    Evidence("not reported", "a `prisma` label where the manuscript reports it"),
                                    f"No part of the manuscript is labelled as reporting this item: "
                                    f"\u201c{row.item.text}\u201d Report it and label the text with "
                                    f"prisma=\"{row.item.ref}\" in manuscript/index.qmd, or explain in the "
                                    "checklist why it does not apply.", severity="warning"))
    return out
