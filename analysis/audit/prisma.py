"""PRISMA rules: the flow's arithmetic (via analysis/results/prisma_checks.py in the build) and text against figure."""

from __future__ import annotations

from typing import Any

from .common import location
from .context import AuditContext
from .model import Evidence, Finding, match, mismatch, note

FLOW_FIGURE_KEYS = {  # reported.yaml prisma.figure key -> path in data/prisma.yaml
    "databases": ("identification", "databases"),
    "other_sources": ("identification", "other_sources"),
    "records_screened": ("screening", "records_screened"),
    "records_excluded": ("screening", "records_excluded"),
    "reports_assessed": ("eligibility", "reports_assessed"),
    "reports_excluded": ("eligibility", "reports_excluded"),
    "studies_included": ("included", "studies"),
}


def _flow_explanation(check: dict[str, Any]) -> str:
    if check["name"] == "exclusion reasons":
        return (f"The reasons listed account for {check['expected']} of the {check['reported']} excluded full texts; "
                "PRISMA 2020 (Page et al. 2021, item 16a) asks for a reason for every excluded report.")
    return (f"{check['message']}. In a PRISMA 2020 flow each box is the previous box minus the records "
            "excluded at that step (Page et al. 2021).")


def flow_arithmetic(checks: list[dict[str, Any]]) -> list[Finding]:
    """One finding per step of the flow, from the registry's PRISMA checks."""
    out: list[Finding] = []
    for c in checks:
        loc = f"Figure 1 (PRISMA flow), step '{c['name']}' (data/prisma.yaml)"
        ev = Evidence(reported=None if c["reported"] is None else str(c["reported"]),
                      computed=None if c["expected"] is None else str(c["expected"]),
                      difference=None if c["status"] != "mismatch" else f"{c['reported'] - c['expected']:+d}")
        if c["status"] == "ok":
            out.append(match("prisma.flow", "data", loc, c["equation"], ev))
        elif c["status"] == "mismatch":
            out.append(mismatch("prisma.flow", "data", loc, c["equation"], ev, _flow_explanation(c)))
        else:
            out.append(note("prisma.flow", "data", loc, c["equation"],
                            "Cannot be checked: the paper does not report a count this step needs.", "info", ev))
    return out


def figure_matches_data(ctx: AuditContext) -> list[Finding]:
    """reported.yaml's Figure 1 counts against data/prisma.yaml (two transcriptions of one figure)."""
    figure = (ctx.reported.data.get("prisma") or {}).get("figure") or {}
    counts = ctx.registry["prisma"]["counts"]
    out: list[Finding] = []
    for key, value in figure.items():
        path = FLOW_FIGURE_KEYS.get(key)
        if path is None:
            continue
        actual = counts.get(path[0], {}).get(path[1])
        ev = Evidence(str(value), str(actual))
        loc = location(ctx, ("prisma", "figure", key), "Figure 1")
        claim = f"Figure 1 {key.replace('_', ' ')} = {value}"
        out.append(match("prisma.figure-vs-data", "data", loc, claim, ev) if actual == value else
                   mismatch("prisma.figure-vs-data", "data", loc, claim, ev,
                            "data/prisma.yaml and reported.yaml disagree on a count of Figure 1; one is mistyped."))
    return out


def text_vs_figure(ctx: AuditContext) -> list[Finding]:
    """The 'Description of trials' paragraph against Figure 1, and the paragraph's own arithmetic."""
    prisma = ctx.reported.data.get("prisma") or {}
    text, figure = prisma.get("text") or {}, prisma.get("figure") or {}
    where = text.get("where", "Results: Description of trials")
    out: list[Finding] = []
    identified = (figure.get("databases") or 0) + (figure.get("other_sources") or 0)
    if "records_identified" in text:
        n = text["records_identified"]
        loc = location(ctx, ("prisma", "text", "records_identified"), where)
        ev = Evidence(f"{n} records identified (text)",
                      f"{identified} identified (Figure 1: {figure.get('databases')} + {figure.get('other_sources')}); "
                      f"{figure.get('reports_assessed')} full texts assessed",
                      f"{n - identified:+d}")
        out.append(mismatch("prisma.text-vs-figure", "paper", loc, f"the search identified {n} relevant records", ev,
                            f"The text's {n} records match no box of Figure 1 (identified, screened or assessed)."
                            if n not in (identified, figure.get("records_screened"), figure.get("reports_assessed"))
                            else "")
                   if n != identified else match("prisma.text-vs-figure", "paper", loc, "records identified", ev))
    for key, fig_key in (("reports_excluded", "reports_excluded"), ("studies_included", "studies_included")):
        if key in text and fig_key in figure:
            loc = location(ctx, ("prisma", "text", key), where)
            ev = Evidence(f"{text[key]} (text)", f"{figure[fig_key]} (Figure 1)", f"{text[key] - figure[fig_key]:+d}")
            claim = f"{key.replace('_', ' ')} in the text = Figure 1"
            out.append(match("prisma.text-vs-figure", "paper", loc, claim, ev) if text[key] == figure[fig_key] else
                       mismatch("prisma.text-vs-figure", "paper", loc, claim, ev,
                                f"The text gives {text[key]}, Figure 1 gives {figure[fig_key]}."))
    reasons = text.get("exclusion_reasons") or {}
    if reasons and "reports_excluded" in text:
        total = sum(reasons.values())
        loc = location(ctx, ("prisma", "text", "exclusion_reasons"), where)
        ev = Evidence(f"{' + '.join(map(str, reasons.values()))} = {total}", f"{text['reports_excluded']} excluded (text)",
                      f"{total - text['reports_excluded']:+d}")
        out.append(match("prisma.text-arithmetic", "paper", loc, "exclusion reasons add up to the exclusions", ev)
                   if total == text["reports_excluded"] else
                   mismatch("prisma.text-arithmetic", "paper", loc, "exclusion reasons add up to the exclusions", ev,
                            "The reasons do not add up to the number excluded."))
    if {"records_identified", "studies_included", "reports_excluded"} <= text.keys():
        left = text["records_identified"] - text["reports_excluded"]
        loc = location(ctx, ("prisma", "text"), where)
        ev = Evidence(f"{text['records_identified']} - {text['reports_excluded']} = {left}",
                      f"{text['studies_included']} included", f"{left - text['studies_included']:+d}")
        claim = "records identified - excluded = included (text)"
        out.append(match("prisma.text-arithmetic", "paper", loc, claim, ev) if left == text["studies_included"] else
                   mismatch("prisma.text-arithmetic", "paper", loc, claim, ev, "The paragraph's own counts disagree."))
    implied = ctx.registry["prisma"].get("implied_duplicates_removed")
    if implied is not None and ctx.registry["prisma"]["counts"]["identification"].get("duplicates_removed") is None:
        out.append(note("prisma.flow", "data", "Figure 1 (data/prisma.yaml)", "duplicates removed not reported",
                        f"Identified minus screened implies {implied} duplicates removed; the figure does not say.",
                        "info", Evidence(computed=f"{identified} - {figure.get('records_screened')} = {implied}")))
    return out


def check(ctx: AuditContext) -> list[Finding]:
    return flow_arithmetic(ctx.registry["prisma"]["checks"]) + figure_matches_data(ctx) + text_vs_figure(ctx)
