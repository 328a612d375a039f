"""The ``pool`` command's output: a JSON-ready report and its plain-text rendering."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from tabulate import tabulate

from .. import formatting as fmt
from ..inputs.proportions_csv import ProportionTable
from ..results.serialize import clean, meta_to_dict, subgroups_to_dict
from ..stats.glmm import DEFAULT_QUADRATURE_POINTS, fit_logistic_glmm
from ..stats.meta import Settings, analyse_proportions, analyse_subgroups


def pool_report(table: ProportionTable, *, transform: str = "ft", tau2_method: str = "dl", hksj: bool = False,
                level: float = 0.95) -> dict[str, Any]:
    settings = Settings(transform=transform, tau2_method=tau2_method, hksj=hksj, level=level)
    if table.subgroups is None:
        return {"model": "transformed", **meta_to_dict(analyse_proportions(table.events, table.totals,
                                                                           table.studies, settings))}
    result = analyse_subgroups(table.events, table.totals, table.subgroups, table.studies, settings)
    return {"model": "transformed", **subgroups_to_dict(result)}


def _glmm_dict(events: list[int], totals: list[int], level: float) -> dict[str, Any]:
    """One GLMM fit; ``status``/``reason``/``warnings`` say whether it can be reported (``error`` when k < 2)."""
    try:
        fit = fit_logistic_glmm(events, totals, level=level)
    except ValueError as exc:  # fewer than two studies
        return {"k": len(events), "status": "not_estimable", "reason": str(exc), "error": str(exc),
                "warnings": [str(exc)], "level": level, "quadrature_points": DEFAULT_QUADRATURE_POINTS}
    d = asdict(fit)
    return clean({"k": fit.k, "estimate": fit.proportion, "ci_low": fit.proportion_ci_low,
                  "ci_high": fit.proportion_ci_high, "tau2": fit.tau2, "level": level,
                  "logit": {k: d[k] for k in ("estimate", "se", "ci_low", "ci_high")},
                  "loglik": fit.loglik, "quadrature_points": fit.quadrature_points,
                  "status": fit.status, "reason": fit.reason, "converged": fit.converged,
                  "warnings": list(fit.warnings),
                  "quadrature_check": {"points": fit.check_quadrature_points,
                                       "discrepancy_se": fit.quadrature_discrepancy}})


def glmm_report(table: ProportionTable, *, level: float = 0.95) -> dict[str, Any]:
    if table.subgroups is None:
        return {"model": "glmm", **_glmm_dict(table.events, table.totals, level)}
    groups: dict[str, Any] = {}
    for g in dict.fromkeys(table.subgroups):
        idx = [i for i, s in enumerate(table.subgroups) if s == g]
        groups[g] = _glmm_dict([table.events[i] for i in idx], [table.totals[i] for i in idx], level)
    return {"model": "glmm", "subgroups": groups, "overall": _glmm_dict(table.events, table.totals, level)}


def _meta_text(m: dict[str, Any], title: str) -> str:
    lvl = fmt.level_label(m["level"])
    rows = [[s["study"], f"{s['events']}/{s['total']}", fmt.percent(s["proportion"]),
             fmt.interval(s["ci_low"], s["ci_high"]), fmt.number(s["weight"], 1)] for s in m["studies"]]
    lines = [title, tabulate(rows, headers=["Study", "Events/N", "Proportion", f"{lvl} CI", "Weight %"],
                             tablefmt="simple", disable_numparse=True)]
    lines.append(f"Pooled ({fmt.method_name(m['transform'])}, {fmt.method_name(m['tau2_method'])}"
                 f"{', HKSJ' if m['hksj'] else ''}): {fmt.estimate_with_ci(m['estimate'], m['ci_low'], m['ci_high'], level=m['level'])}")
    if m["pi_low"] is not None:
        lines.append(f"Prediction interval: {fmt.interval(m['pi_low'], m['pi_high'])}")
    lines.append(f"Heterogeneity: Q = {fmt.number(m['q'], 2)} on {m['q_df']} df, {fmt.p_value(m['q_p'])}, "
                 f"I² = {fmt.i2(m['i2'], 2)}, H² = {fmt.number(m['h2'], 2)}, tau² = {fmt.number(m['tau2'], 4)}")
    if m["egger"]:
        e = m["egger"]
        lines.append(f"Egger's test: intercept {fmt.number(e['intercept'], 3)} (SE {fmt.number(e['se'], 3)}), "
                     f"t = {fmt.number(e['t'], 3)} on {e['df']} df, {fmt.p_value(e['p'])}")
    if m["begg"]:
        b = m["begg"]
        lines.append(f"Begg's test: Kendall's tau = {fmt.number(b['tau'], 3)}, {fmt.p_value(b['p'])}"
                     f" ({'exact' if b['exact'] else 'normal approximation'})")
    if m["leave_one_out"]:
        loo = [[r["omitted"], fmt.percent(r["estimate"]), fmt.interval(r["ci_low"], r["ci_high"]),
                fmt.i2(r["i2"])] for r in m["leave_one_out"]]
        lines.append("Leave-one-out:")
        lines.append(tabulate(loo, headers=["Omitted", "Estimate", f"{lvl} CI", "I²"], tablefmt="simple",
                              disable_numparse=True))
    return "\n".join(lines)


def _glmm_text(m: dict[str, Any], title: str) -> str:
    model = f"Random-intercept logistic model (ML, {m['quadrature_points']}-point adaptive quadrature)"
    if m["status"] == "not_estimable":
        return f"{title}\n{model}, k = {m['k']}: not estimable: {m['reason']}"
    result = (f"{fmt.estimate_with_ci(m['estimate'], m['ci_low'], m['ci_high'], level=m['level'])}, "
              f"tau² (logit scale) = {fmt.number(m['tau2'], 4)}")
    if m["status"] != "ok":
        lines = [f"{model}, k = {m['k']}: NOT TRUSTWORTHY: {m['reason']}",
                 f"Unreliable fit, shown for diagnosis only (do not report): {result}"]
    else:
        lines = [f"{model}, k = {m['k']}: {result}"]
        lines += [f"Note: {w}" for w in m["warnings"]]
    return "\n".join([title, *lines])


def render_text(report: dict[str, Any]) -> str:
    """Readable tables for a terminal."""
    one = _glmm_text if report["model"] == "glmm" else _meta_text
    if "subgroups" not in report:
        return one(report, "All studies")
    parts = [one(m, f"Subgroup: {g}") for g, m in report["subgroups"].items()]
    parts.append(one(report["overall"], "All studies"))
    diff = report.get("subgroup_difference")
    if diff:
        parts.append(f"Test for subgroup differences: Q = {fmt.number(diff['q'], 2)} on {diff['df']} df, "
                     f"{fmt.p_value(diff['p'])}")
    return "\n\n".join(parts)
