"""The ``pool`` command's output: a report in the registry's layout (per-study tables as columns) and its
plain-text rendering. Every statistic the data do not allow is printed as "not estimable" with the reason."""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any

from .. import formatting as fmt
from ..inputs.proportions_csv import ProportionTable
from ..results.serialize import Rows, clean, meta_layout, subgroups_layout
from ..stats.meta import Settings, analyse_proportions, analyse_subgroups


def pool_report(table: ProportionTable, *, transform: str = "ft", tau2_method: str = "dl", hksj: bool = False,
                level: float = 0.95) -> dict[str, Any]:
    settings = Settings(transform=transform, tau2_method=tau2_method, hksj=hksj, level=level)
    if table.subgroups is None:
        return {"model": "transformed", **meta_layout(analyse_proportions(table.events, table.totals,
                                                                          table.studies, settings))}
    result = analyse_subgroups(table.events, table.totals, table.subgroups, table.studies, settings)
    return {"model": "transformed", **subgroups_layout(result)}


def _glmm_dict(events: list[int], totals: list[int], level: float) -> dict[str, Any]:
    """One GLMM fit; ``status``/``reason``/``warnings`` say whether it can be reported (``error`` when k < 2)."""
    from ..stats.glmm import DEFAULT_QUADRATURE_POINTS, fit_logistic_glmm

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
    events, totals = table.events.tolist(), table.totals.tolist()
    if table.subgroups is None:
        return {"model": "glmm", **_glmm_dict(events, totals, level)}
    groups: dict[str, Any] = {}
    for g in dict.fromkeys(table.subgroups):
        idx = [i for i, s in enumerate(table.subgroups) if s == g]
        groups[g] = _glmm_dict([events[i] for i in idx], [totals[i] for i in idx], level)
    return {"model": "glmm", "subgroups": groups, "overall": _glmm_dict(events, totals, level)}


def _absent(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _not_estimable(reason: str) -> str:
    return f"{fmt.NOT_ESTIMABLE_TEXT} ({reason})"


def _interval(lo: Any, hi: Any) -> str:
    return fmt.NOT_ESTIMABLE_TEXT if _absent(lo) or _absent(hi) else fmt.interval(lo, hi)


def _table(rows: Rows, columns: list[tuple[str, Any]]) -> str:
    from tabulate import tabulate

    cells = [[render(row) for _, render in columns]
             for row in (dict(zip(rows.columns, values)) for values in zip(*rows.columns.values()))]
    return tabulate(cells, headers=[name for name, _ in columns], tablefmt="simple", disable_numparse=True)


def _meta_text(m: dict[str, Any], title: str) -> str:
    lvl = fmt.level_label(m["level"])
    notes = m.get("not_estimable") or {}
    lines = [title, _table(m["studies"], [
        ("Study", lambda r: str(r["study"])), ("Events/N", lambda r: f"{r['events']}/{r['total']}"),
        ("Proportion", lambda r: fmt.percent(r["proportion"])), (f"{lvl} CI", lambda r: _interval(r["ci_low"], r["ci_high"])),
        ("Weight %", lambda r: fmt.number(r["weight"], 1))])]
    model = f"{fmt.method_name(m['transform'])}, {fmt.method_name(m['tau2_method'])}{', HKSJ' if m['hksj'] else ''}"
    if "confidence_interval" in notes:
        lines.append(f"Pooled ({model}): {fmt.percent(m['estimate'])}; {lvl} CI "
                     f"{_not_estimable(notes['confidence_interval'])}")
    else:
        lines.append(f"Pooled ({model}): "
                     f"{fmt.estimate_with_ci(m['estimate'], m['ci_low'], m['ci_high'], level=m['level'])}")
    if "prediction_interval" in notes:
        lines.append(f"Prediction interval: {_not_estimable(notes['prediction_interval'])}")
    elif not _absent(m["pi_low"]):
        lines.append(f"Prediction interval: {fmt.interval(m['pi_low'], m['pi_high'])}")
    if "heterogeneity" in notes:
        lines.append(f"Heterogeneity: {_not_estimable(notes['heterogeneity'])}")
    else:
        lines.append(f"Heterogeneity: Q = {fmt.number(m['q'], 2)} on {m['q_df']} df, {fmt.p_value(m['q_p'])}, "
                     f"I² = {fmt.i2(m['i2'], 2)}, H² = {fmt.number(m['h2'], 2)}, tau² = {fmt.number(m['tau2'], 4)}")
    if m["egger"]:
        e = m["egger"]
        lines.append(f"Egger's test: intercept {fmt.number(e['intercept'], 3)} (SE {fmt.number(e['se'], 3)}), "
                     f"t = {fmt.number(e['t'], 3)} on {e['df']} df, {fmt.p_value(e['p'])}")
    elif "egger" in notes:
        lines.append(f"Egger's test: {_not_estimable(notes['egger'])}")
    if m["begg"]:
        b = m["begg"]
        lines.append(f"Begg's test: Kendall's tau = {fmt.number(b['tau'], 3)}, {fmt.p_value(b['p'])}"
                     f" ({'exact' if b['exact'] else 'normal approximation'})")
    elif "begg" in notes:
        lines.append(f"Begg's test: {_not_estimable(notes['begg'])}")
    if m["leave_one_out"]:
        lines.append("Leave-one-out:")
        lines.append(_table(m["leave_one_out"], [
            ("Omitted", lambda r: str(r["omitted"])), ("Estimate", lambda r: fmt.percent(r["estimate"])),
            (f"{lvl} CI", lambda r: _interval(r["ci_low"], r["ci_high"])), ("I²", lambda r: fmt.i2(r["i2"]))]))
    for key in ("leave_one_out", "leave_one_out_confidence_interval"):
        if key in notes:
            lines.append(f"Leave-one-out{' intervals' if key.endswith('interval') else ''}: "
                         f"{_not_estimable(notes[key])}")
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
    elif "subgroup_difference" in (report.get("not_estimable") or {}):
        parts.append(f"Test for subgroup differences: {_not_estimable(report['not_estimable']['subgroup_difference'])}")
    return "\n\n".join(parts)
