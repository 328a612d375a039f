"""Reproduction rules: every value of data/reported.yaml against the value the build computed.

A printed value matches when the computed value rounds to it at the precision
it was printed with (see :mod:`analysis.audit.precision`). Mismatches that a
known software convention reproduces (``registry["compat"]``) say so.
"""

from __future__ import annotations

import re
from typing import Any

from ..formatting import number as fmt
from ..results.paths import PathError, resolve
from .common import as_list, location, printed, study_label
from .context import AuditContext
from .model import Evidence, Finding, match, mismatch, note
from .precision import agrees, decimals_of, difference_text

FAMILY = "reproduction"
OUTCOME_NAMES = {"orr": "ORR", "cr": "CR"}
SUBGROUP_NAMES = {"prior_cart_monotherapy": "prior CAR-T, monotherapy", "prior_cart_combination":
                  "prior CAR-T, combination", "cart_naive": "CAR-T-naive", "overall": "all cohorts"}


def compare_number(rule: str, loc: str, claim: str, printed_value: float, decimals: int, computed: float | None,
                   unit: str = "", explanation_if_wrong: str = "", scope: str = "paper") -> Finding:
    """One printed number against its computed value at the printed precision."""
    if computed is None:
        return mismatch(rule, scope, loc, claim, Evidence(f"{fmt(printed_value, decimals)}{unit}", "not computed"),
                        "The build has no value for this; the data may not support it.", severity="warning")
    ev = Evidence(f"{fmt(printed_value, decimals)}{unit}", f"{fmt(computed, decimals + 2)}{unit}",
                  difference_text(computed, printed_value, decimals))
    if agrees(computed, printed_value, decimals):
        return match(rule, scope, loc, claim, ev, f"reproduced at the printed precision ({decimals} decimals)")
    return mismatch(rule, scope, loc, claim, ev, explanation_if_wrong or
                    f"The data give {fmt(computed, decimals)}{unit} at the printed precision.")


# ----------------------------------------------------------------------------- pooled estimates

def _meta(ctx: AuditContext, outcome: str, group: str) -> dict[str, Any] | None:
    res = ctx.registry["outcomes"].get(outcome)
    if res is None:
        return None
    return res["overall"] if group == "overall" else res["subgroups"].get(group)


def pooled(ctx: AuditContext) -> list[Finding]:
    out: list[Finding] = []
    for o, groups in (ctx.reported.data.get("pooled") or {}).items():
        for g, item in groups.items():
            m = _meta(ctx, o, g)
            name = f"{OUTCOME_NAMES.get(o, o)}, {SUBGROUP_NAMES.get(g, g)}"
            where = item.get("where")
            if m is None:
                out.append(note("reproduction.pooled", "paper", location(ctx, ("pooled", o, g), where), name,
                                "No such analysis in the registry.", "warning"))
                continue
            fields = [("estimate", "pooled estimate", 100 * m["estimate"], "%")]
            if "ci" in item:
                fields += [(("ci", 0), "lower 95% limit", 100 * m["ci_low"], "%"),
                           (("ci", 1), "upper 95% limit", 100 * m["ci_high"], "%")]
            fields += [("i2", "I²", m.get("i2"), "%"), ("p_heterogeneity", "heterogeneity P", m.get("q_p"), "")]
            for key, label, computed, unit in fields:
                keys = ("pooled", o, g) + (key if isinstance(key, tuple) else (key,))
                value = item.get(key) if isinstance(key, str) else item[key[0]][key[1]]
                if value is None:
                    continue
                v, d = printed(ctx, keys, value)
                out.append(compare_number("reproduction.pooled", location(ctx, keys, where),
                                          f"{name}: {label} {ctx.reported.text(*keys)}{unit}", v, d, computed, unit))
    return out


# ----------------------------------------------------------------------------- Egger

def egger(ctx: AuditContext) -> list[Finding]:
    section = ctx.reported.data.get("small_study_effects") or {}
    out: list[Finding] = []
    compat = ctx.registry.get("compat", {}).get("egger", {})
    ps = section.get("egger_p") or {}
    for o, value in ps.items():
        if o not in ctx.registry["outcomes"]:
            continue
        keys = ("small_study_effects", "egger_p", o)
        loc = location(ctx, keys, ps.get("where", section.get("where")))
        v, d = printed(ctx, keys, value)
        ours = ctx.registry["outcomes"][o]["overall"].get("egger") or {}
        claim = f"Egger's test P for {OUTCOME_NAMES.get(o, o)} = {ctx.reported.text(*keys)}"
        finding = compare_number("reproduction.egger", loc, claim, v, d, ours.get("p"))
        if finding.outcome == "match":
            out.append(finding)
            continue
        variants = [x for x in compat.get(o, []) if agrees(x["p"], v, d)]
        tried = "; ".join(f"{x['cohorts'].replace('_', ' ')} / {x['scale'].replace('_', ' ')} (k = {x['k']}): "
                          f"{fmt(x['p'], 3)}" for x in compat.get(o, []))
        if variants:
            x = variants[0]
            out.append(mismatch(
                "reproduction.egger", "paper", loc, claim,
                Evidence(finding.evidence.reported, f"{fmt(ours['p'], d + 2)} (Egger on the Freeman-Tukey scale, "
                                                    f"k = {ours.get('df', 0) + 2}); Stata compatibility: {fmt(x['p'], d + 2)}",
                         finding.evidence.difference),
                f"Our Egger test (effect and SE on one scale) gives P = {fmt(ours['p'], 3)}. The paper's value is "
                f"reproduced exactly by {x['description']}, k = {x['k']}: P = {fmt(x['p'], d + 1)}. "
                f"Variants tried: {tried}.",
                severity="warning",
                convention="Stata metaprop saves _ES as the raw proportion x/n but _seES as the Freeman-Tukey "
                           "standard error 1/sqrt(n+1/2); Egger's test on these variables mixes scales "
                           "(metaprop.ado, program iv_init; metaprop.sthlp 'Stored').",
            ))
        else:
            out.append(mismatch("reproduction.egger", "paper", loc, claim, finding.evidence,
                                f"Not reproduced by our test or any compatibility variant. Variants tried: {tried}."))
    return out


# ----------------------------------------------------------------------------- Table 2 counts

def table2_counts(ctx: AuditContext) -> list[Finding]:
    out: list[Finding] = []
    for sid, cells in (ctx.reported.data.get("table2") or {}).items():
        trial = ctx.trial(sid)
        if trial is None:
            continue
        for o in ("orr", "cr"):
            cell = cells.get(o)
            keys = ("table2", sid, o)
            loc = location(ctx, keys, "Table 2")
            actual = trial.get(f"{o}_events")
            claim = f"Table 2, {study_label(ctx, sid)}: {OUTCOME_NAMES[o]} responders"
            printed_n = None if cell is None else int(cell[0])
            ev = Evidence("NR" if printed_n is None else str(printed_n), "not reported" if actual is None else
                          f"{actual} of {trial['n_patients']}")
            out.append(match("reproduction.table2", "paper", loc, claim, ev) if printed_n == actual else
                       mismatch("reproduction.table2", "paper", loc, claim, ev,
                                "data/trials.csv and Table 2 disagree on the number of responders."))
    return out


# ----------------------------------------------------------------------------- quoted rates

def _by_treatment(ctx: AuditContext, outcome: str, group: str, treatment: str) -> list[float] | None:
    groups = ctx.registry["outcomes"][outcome]["by_treatment"].get(group, {})
    for name, entry in groups.items():
        if name.lower().replace(" ", "") == treatment.lower().replace(" ", ""):
            return sorted(100 * p for p in entry["proportions"])
    return None


def quoted_rates(ctx: AuditContext) -> list[Finding]:
    section = ctx.reported.data.get("quoted_rates") or {}
    where = section.get("where")
    out: list[Finding] = []
    for group, treatments in section.items():
        if group == "where":
            continue
        for treatment, rates in treatments.items():
            for o, values in rates.items():
                keys = ("quoted_rates", group, treatment, o)
                loc = location(ctx, keys, where)
                computed = _by_treatment(ctx, o, group, treatment)
                name = f"{treatment} ({SUBGROUP_NAMES.get(group, group)}): {OUTCOME_NAMES[o]}"
                if values is None:
                    ev = Evidence("not given", "not reported" if not computed else ", ".join(fmt(c, 1) for c in computed))
                    out.append(match("reproduction.quoted-rate", "paper", loc, name + " not given", ev) if not computed
                               else mismatch("reproduction.quoted-rate", "paper", loc, name, ev,
                                             "The text omits a rate the data have.", "warning"))
                    continue
                texts = [ctx.reported.text(*keys, i) or str(v) for i, v in enumerate(values)]
                if computed is None or len(computed) != len(values):
                    out.append(mismatch("reproduction.quoted-rate", "paper", loc, name,
                                        Evidence(", ".join(texts), "none" if computed is None else
                                                 ", ".join(fmt(c, 2) for c in computed)),
                                        "The number of rates quoted differs from the cohorts in the data."))
                    continue
                pairs = sorted(zip(values, texts), key=lambda p: float(p[0]))
                for (v, t), c in zip(pairs, computed):
                    d = decimals_of(t)
                    out.append(compare_number("reproduction.quoted-rate", loc, f"{name} {t}%", float(v), d, c, "%"))
    return out


# ----------------------------------------------------------------------------- counts and reference lists

def _count_value(ctx: AuditContext, item: dict[str, Any]) -> Any:
    value = resolve(ctx.registry, item["data"])
    return len(value) if item.get("measure") == "length" else value


def counts(ctx: AuditContext) -> list[Finding]:
    out: list[Finding] = []
    for key, item in (ctx.reported.data.get("counts") or {}).items():
        where = item.get("where")
        if "data" in item:
            keys = ("counts", key, "value")
            loc = location(ctx, keys, where)
            try:
                actual = _count_value(ctx, item)
            except PathError as exc:
                out.append(note("reproduction.count", "paper", loc, key, f"registry path not found: {exc}", "warning"))
                actual = None
            else:
                stated = item["value"]
                if isinstance(stated, dict):
                    stated_n = {str(k): v for k, v in stated.items()}
                    actual_n = {str(k): v for k, v in (actual or {}).items()}
                    ev = Evidence(_dict_text(stated_n), _dict_text(actual_n))
                    ok = stated_n == actual_n
                else:
                    ev = Evidence(str(stated), str(actual), None if stated == actual else f"{stated - actual:+d}")
                    ok = stated == actual
                claim = f"{key.replace('_', ' ')} = {ev.reported}"
                out.append(match("reproduction.count", "paper", loc, claim, ev) if ok else
                           mismatch("reproduction.count", "paper", loc, claim, ev, "The data give a different count."))
        if "references" in item and "references_data" in item:
            keys = ("counts", key, "references")
            loc = location(ctx, keys, where)
            stated_refs = sorted(int(r) for r in item["references"])
            actual_refs = sorted({int(r) for r in as_list(resolve(ctx.registry, item["references_data"]))
                                  if r is not None})
            ev = Evidence(_refs(stated_refs), _refs(actual_refs))
            claim = f"{key.replace('_', ' ')}: cited references ({_refs(stated_refs)})"
            out.append(match("reproduction.references", "paper", loc, claim, ev) if stated_refs == actual_refs else
                       mismatch("reproduction.references", "paper", loc, claim, ev,
                                "The citations do not name the trials the data assign to this group.", "warning"))
    return out


def _dict_text(d: dict[str, Any]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in sorted(d.items()))


def _refs(refs: list[int]) -> str:
    return ", ".join(map(str, refs)) if refs else "none"


# ----------------------------------------------------------------------------- Table 1 cells

_CELL = re.compile(r"^(?P<head>NR|NE|[\d.]+m)\s*(?:\((?P<lo>NR|NE|[\d.]+)(?:-(?P<hi>NR|NE|[\d.]+))?\))?$")
_LANDMARK = re.compile(r"^(?P<years>\d+(?:\.\d+)?)-y\s*(?P<rate>\d+(?:\.\d+)?)%$")
EMPTY = {"–", "-", "—", ""}


def parse_tte_cell(text: str) -> dict[str, Any]:
    """'22.0m (6.7-NR)' -> status median, value 22.0 (1 decimal), CI ('6.7', 'NR'); '1-y 25%' -> landmark."""
    text = text.strip()
    if text in EMPTY:
        return {"status": "not_reported"}
    m = _LANDMARK.match(text)
    if m:
        return {"status": "landmark", "months": 12 * float(m.group("years")), "value": float(m.group("rate")) / 100,
                "decimals": decimals_of(m.group("rate")) + 2}
    m = _CELL.match(text)
    if not m:
        raise ValueError(f"cannot read the time-to-event cell {text!r}")
    head = m.group("head")
    cell: dict[str, Any] = {"ci": (m.group("lo"), m.group("hi") or (m.group("lo") if head == "NE" else None))}
    if m.group("lo") is None:
        cell["ci"] = None
    if head == "NR":
        cell["status"] = "not_reached"
    elif head == "NE":
        cell["status"] = "not_estimable"
    else:
        cell.update(status="median", value=float(head[:-1]), decimals=decimals_of(head[:-1]))
    return cell


def _ci_agrees(printed_bound: str | None, actual: Any) -> bool:
    if printed_bound is None:
        return actual is None
    if printed_bound in ("NR", "NE"):
        return actual == printed_bound
    return isinstance(actual, (int, float)) and agrees(float(actual), float(printed_bound), decimals_of(printed_bound))


def _tte_data_text(trial: dict[str, Any], o: str) -> str:
    status = trial[f"{o}_status"]
    if status == "not_reported":
        return "not reported"
    if status == "landmark":
        return f"{trial[f'{o}_value']:.0%} at {trial[f'{o}_landmark_months']:g} months"
    head = {"median": f"{trial[f'{o}_value']}m", "not_reached": "NR", "not_estimable": "NE"}[status]
    lo, hi = trial[f"{o}_ci_low"], trial[f"{o}_ci_high"]
    return head + (f" ({lo}-{hi})" if lo is not None or hi is not None else "")


def tte_cell_agrees(cell: dict[str, Any], trial: dict[str, Any], o: str) -> bool:
    if cell["status"] != trial[f"{o}_status"]:
        return False
    if cell["status"] == "landmark":
        return (trial[f"{o}_landmark_months"] == cell["months"]
                and agrees(trial[f"{o}_value"], cell["value"], cell["decimals"]))
    if cell["status"] == "median" and not agrees(trial[f"{o}_value"], cell["value"], cell["decimals"]):
        return False
    ci = cell.get("ci")
    if ci is None:
        return True  # the table prints no interval; the data may hold one
    return _ci_agrees(ci[0], trial[f"{o}_ci_low"]) and _ci_agrees(ci[1], trial[f"{o}_ci_high"])


def table1(ctx: AuditContext) -> list[Finding]:
    section = ctx.reported.data.get("table1") or {}
    where = section.get("where", "Table 1")
    out: list[Finding] = []
    for sid, cells in (section.get("rows") or {}).items():
        trial = ctx.trial(sid)
        label = study_label(ctx, sid)
        if trial is None:
            out.append(note("reproduction.table1", "paper", location(ctx, ("table1", "rows", sid), where),
                            f"Table 1 row {sid}", "study_id not in trials.csv", "warning"))
            continue
        for col, value in cells.items():
            keys = ("table1", "rows", sid, col)
            loc = location(ctx, keys, where)
            claim = f"Table 1, {label}: {col} {value}"
            if col == "n":
                ev = Evidence(str(value), str(trial["n_patients"]))
                ok = int(value) == trial["n_patients"]
            elif col == "lopt":
                actual = [trial["prior_lines_median"], trial["prior_lines_min"], trial["prior_lines_max"]]
                ev = Evidence(f"{value[0]} ({value[1]}-{value[2]})", f"{actual[0]:g} ({actual[1]:g}-{actual[2]:g})")
                ok = [float(v) for v in value] == actual
            elif col in ("refractory", "followup"):
                field = "refractory_to_cart" if col == "refractory" else "followup_months"
                actual = trial[field]
                text = str(value).rstrip("m")
                if text in EMPTY:
                    ev, ok = Evidence("–", "not reported" if actual is None else str(actual)), actual is None
                else:
                    ev = Evidence(str(value), "not reported" if actual is None else f"{actual:g}")
                    ok = actual is not None and agrees(actual, float(text), decimals_of(text))
            else:
                cell = parse_tte_cell(str(value))
                ev = Evidence(str(value), _tte_data_text(trial, col))
                ok = tte_cell_agrees(cell, trial, col)
            out.append(match("reproduction.table1", "paper", loc, claim, ev) if ok else
                       mismatch("reproduction.table1", "paper", loc, claim, ev,
                                "data/trials.csv and Table 1 disagree."))
    return out


# ----------------------------------------------------------------------------- figure legends

def figures(ctx: AuditContext) -> list[Finding]:
    out: list[Finding] = []
    for i, item in enumerate(ctx.reported.data.get("figures") or []):
        keys = ("figures", i, "value")
        v, d = printed(ctx, keys, item["value"])
        try:
            computed = float(resolve(ctx.registry, item["data"]))
        except (PathError, TypeError) as exc:
            out.append(note("reproduction.figure", "paper", location(ctx, keys, item.get("where")), item["what"],
                            f"registry value not found: {exc}", "warning"))
            continue
        out.append(compare_number("reproduction.figure", location(ctx, keys, item.get("where")),
                                  f"{item['what']} {ctx.reported.text(*keys)}", v, d, computed))
    return out


def not_checkable_items(ctx: AuditContext) -> list[Finding]:
    from .model import not_checkable
    return [not_checkable("reproduction.not-checkable", "paper", location(ctx, ("not_checkable", i), item.get("where")),
                          item["what"], item.get("reason", ""))
            for i, item in enumerate(ctx.reported.data.get("not_checkable") or [])]


def check(ctx: AuditContext) -> list[Finding]:
    return (pooled(ctx) + egger(ctx) + table2_counts(ctx) + quoted_rates(ctx) + counts(ctx) + table1(ctx)
            + figures(ctx) + not_checkable_items(ctx))
