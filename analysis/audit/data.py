"""Data rules: events within totals, totals that add up, percentages that their counts give (GRIM)."""

from __future__ import annotations

from typing import Any

from ..formatting import number as fmt
from ..results.paths import PathError, resolve_one
from .common import location, study_label
from .context import AuditContext
from .model import Evidence, Finding, match, mismatch, note
from .precision import agrees, decimals_of, difference_text, grim_numerators

FAMILY = "data"


def events_within_totals(trials: list[dict[str, Any]]) -> list[Finding]:
    """Every cohort: ORR and CR events <= patients, and CR <= ORR."""
    problems: list[Finding] = []
    for i, t in enumerate(trials):  # the registry keeps the CSV's row order; line 1 is the header
        where = f"data/trials.csv:{i + 2} (study_id {t['study_id']})"
        n = t["n_patients"]
        for o in ("orr", "cr"):
            x = t.get(f"{o}_events")
            if x is not None and x > n:
                problems.append(mismatch("data.events-within-total", "data", where, f"{o.upper()} events <= patients",
                                         Evidence(str(x), f"<= {n}", f"{x - n:+d}"),
                                         f"{x} {o.upper()} events exceed the cohort's {n} patients."))
        orr, cr = t.get("orr_events"), t.get("cr_events")
        if orr is not None and cr is not None and cr > orr:
            problems.append(mismatch("data.events-within-total", "data", where, "complete responses <= responses",
                                     Evidence(str(cr), f"<= {orr}"), f"{cr} complete responses exceed {orr} responses."))
    if problems:
        return problems
    return [match("data.events-within-total", "data", "data/trials.csv",
                  f"events <= patients and CR <= ORR in all {len(trials)} cohorts",
                  Evidence(computed=f"{len(trials)} cohorts checked"))]


def registry_totals(registry: dict[str, Any]) -> list[Finding]:
    """Subgroup counts add up to the overall analysis; participant totals equal the sum over trials."""
    out: list[Finding] = []
    for o, res in registry["outcomes"].items():
        for field in ("k", "patients", "events"):
            parts = [m[field] for m in res["subgroups"].values()]
            total = res["overall"][field]
            claim = f"{o.upper()}: sum of subgroup {field} = overall {field}"
            ev = Evidence(reported=f"{' + '.join(map(str, parts))} = {sum(parts)}", computed=str(total),
                          difference=str(sum(parts) - total))
            out.append(match("data.totals", "data", "build/results.json", claim, ev) if sum(parts) == total else
                       mismatch("data.totals", "data", "build/results.json", claim, ev,
                                "The subgroup analyses do not partition the overall analysis."))
    trials = registry["trials"]
    for pop, key in (("prior_cart", "participants_prior_cart"), ("cart_naive", "participants_cart_naive")):
        total = sum(t["n_patients"] for t in trials if t["population"] == pop)
        stated = registry["summary"][key]
        ev = Evidence(reported=str(stated), computed=str(total), difference=str(stated - total))
        claim = f"summary.{key} = sum of n_patients of {pop} cohorts"
        out.append(match("data.totals", "data", "build/results.json", claim, ev) if stated == total else
                   mismatch("data.totals", "data", "build/results.json", claim, ev, "Registry summary is inconsistent."))
    return out


def stated_subtotals(ctx: AuditContext) -> list[Finding]:
    """Parts the paper gives for a group against the whole (printed or from the registry)."""
    out: list[Finding] = []
    for i, item in enumerate(ctx.reported.data.get("subtotals") or []):
        keys = ("subtotals", i)
        loc = location(ctx, keys, item.get("where"))
        parts = [int(p) for p in item["parts"]]
        if "total_data" in item:
            try:
                total = int(resolve_one(ctx.registry, item["total_data"]))
            except PathError as exc:
                out.append(note("data.subtotals", "paper", loc, item["what"],
                                f"registry value {item['total_data']} not found ({exc})", "warning"))
                continue
            source = f"{item['total_data']} in the data"
        else:
            total, source = int(item["total"]), "the total printed in the paper"
        ev = Evidence(reported=f"{' + '.join(map(str, parts))} = {sum(parts)}", computed=f"{total} ({source})",
                      difference=f"{sum(parts) - total:+d}")
        if sum(parts) == total:
            out.append(match("data.subtotals", "paper", loc, item["what"], ev))
        else:
            out.append(mismatch("data.subtotals", "paper", loc, item["what"], ev,
                                f"The parts add up to {sum(parts)}, not {total}. If some patients were not evaluable "
                                "for this breakdown the paper should say so.", severity="warning"))
    return out


def percent_finding(rule: str, scope: str, loc: str, claim: str, percent_text: str, n: int | None, total: int,
                    in_data: bool = True) -> Finding:
    """Check a printed percentage against n/N at its printed precision, or by GRIM when only N is given."""
    percent, d = float(percent_text), decimals_of(percent_text)
    candidates = grim_numerators(percent, d, total)
    if n is not None:
        computed = 100 * n / total
        ev = Evidence(reported=f"{percent_text}% ({n}/{total})", computed=f"{fmt(computed, d + 2)}% = {n}/{total}",
                      difference=difference_text(computed, percent, d))
        if agrees(computed, percent, d):
            return match(rule, scope, loc, claim, ev)
        hint = (f"{percent_text}% would need {' or '.join(f'{c}/{total}' for c in candidates)}"
                if candidates else f"no whole count out of {total} gives {percent_text}% (GRIM-inconsistent)")
        return mismatch(rule, scope, loc, claim, ev,
                        f"{n}/{total} = {fmt(computed, d + 2)}%, which prints as {fmt(computed, d)} at the "
                        f"{d} decimal(s) used; {hint}.")
    near = sorted({max(0, min(total, round(percent * total / 100) + k)) for k in (-1, 0, 1)})
    ev = Evidence(reported=f"{percent_text}% of {total}",
                  computed=", ".join(f"{x}/{total} = {fmt(100 * x / total, d + 1)}%" for x in (candidates or near)))
    if candidates:
        return match(rule, scope, loc, claim, ev, f"consistent: {candidates[0]}/{total}"
                     + ("" if in_data else " (sub-cohort not in our data; arithmetic only)"))
    return mismatch(rule, scope, loc, claim, ev,
                    f"No whole number of patients out of {total} gives {percent_text}% (GRIM test): the "
                    "percentage or the denominator is misprinted.")


def table2_percentages(ctx: AuditContext) -> list[Finding]:
    """Table 2 'n (%)' cells: the printed percentage against the printed n over the cohort's N."""
    out: list[Finding] = []
    for sid, cells in (ctx.reported.data.get("table2") or {}).items():
        trial = ctx.trial(sid)
        if trial is None:
            out.append(note("data.percent-of-count", "paper", location(ctx, ("table2", sid), "Table 2"),
                            f"Table 2 row {sid}", f"study_id {sid} is not in trials.csv", "warning"))
            continue
        for o, cell in cells.items():
            if cell is None:
                continue
            keys = ("table2", sid, o)
            pct_text = ctx.reported.text(*keys, 1) or str(cell[1])
            claim = f"Table 2, {study_label(ctx, sid)}: {o.upper()} {cell[0]} ({pct_text}%)"
            out.append(percent_finding("data.percent-of-count", "paper", location(ctx, keys, "Table 2"), claim,
                                       pct_text, int(cell[0]), int(trial["n_patients"])))
    return out


def stated_percentages(ctx: AuditContext) -> list[Finding]:
    """Percentages printed with a denominator anywhere in the paper (GRIM when no numerator)."""
    out: list[Finding] = []
    for i, item in enumerate(ctx.reported.data.get("percentages") or []):
        keys = ("percentages", i)
        pct_text = ctx.reported.text(*keys, "percent") or str(item["percent"])
        claim = f"{item['what']}: {pct_text}%" + (f" ({item['n']}/{item['N']})" if item.get("n") is not None
                                                   else f" (n={item['N']})")
        out.append(percent_finding("data.percent-of-count", "paper", location(ctx, keys, item.get("where")), claim,
                                   pct_text, item.get("n"), int(item["N"]), bool(item.get("in_data", True))))
    return out


def check(ctx: AuditContext) -> list[Finding]:
    return (events_within_totals(ctx.registry["trials"]) + registry_totals(ctx.registry) + stated_subtotals(ctx)
            + table2_percentages(ctx) + stated_percentages(ctx))


__all__ = ["check", "percent_finding", "events_within_totals", "registry_totals"]
