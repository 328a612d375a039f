"""Claims rules: words about the results against the computed results.

* heterogeneity statements ("no", "low", "significant" heterogeneity) against
  the computed I² and Q P value, with the thresholds of the methods section
  (``review.yaml``);
* ranges quoted in the text against the range of the data;
* time-to-event outcomes: how many trials report each, the values listed, the
  references cited, and landmark time points.
"""

from __future__ import annotations

import re
from typing import Any

from ..formatting import heterogeneity_class, p_value
from ..formatting import number as fmt
from ..results.paths import PathError, resolve
from .common import location
from .context import AuditContext
from .model import Evidence, Finding, match, mismatch, note
from .precision import agrees, decimals_of
from .reproduction import OUTCOME_NAMES, SUBGROUP_NAMES

FAMILY = "claims"
#: Significance level for "significant heterogeneity" (the paper states none; 0.05 is the usual one).
HETEROGENEITY_ALPHA = 0.05
CLAIM_WORDS = {"none": "no heterogeneity", "significant": "significant heterogeneity"}
METAPROP_CONVENTION = ("Stata metaprop with by() leaves Q, P and I² blank for subgroups of three or fewer studies "
                       "(metaprop.ado, program metanby: `if $S_8 < 3` with $S_8 = studies - 1), so the output "
                       "shows no heterogeneity statistic at all for such subgroups.")


def judge_heterogeneity(claim: str, i2: float | None, q_p: float | None, low: float, moderate: float) -> tuple[bool, str]:
    """Whether a heterogeneity word fits the computed I² (percent) and Q P value; and what the data say."""
    cls = heterogeneity_class(i2, low, moderate)
    said = f"I² = {fmt(i2, 1)}% ({cls} by the stated thresholds), Q test {p_value(q_p)}" if i2 is not None \
        else "I² not estimable"
    if i2 is None:
        return False, said
    if claim == "none":
        return round(i2, 1) == 0.0, said
    if claim == "significant":
        return q_p is not None and q_p < HETEROGENEITY_ALPHA, said
    if claim in ("low", "moderate", "substantial"):
        return cls == claim, said
    raise ValueError(f"unknown heterogeneity claim {claim!r}; use none, low, moderate, substantial or significant")


def heterogeneity(ctx: AuditContext) -> list[Finding]:
    low, moderate = ctx.thresholds
    display = ctx.registry.get("compat", {}).get("heterogeneity_display", {})
    out: list[Finding] = []
    for o, groups in (ctx.reported.data.get("pooled") or {}).items():
        for g, item in groups.items():
            claim = item.get("heterogeneity_claim")
            if claim is None:
                continue
            res = ctx.registry["outcomes"][o]
            m = res["overall"] if g == "overall" else res["subgroups"].get(g)
            keys = ("pooled", o, g, "heterogeneity_claim")
            loc = location(ctx, keys, item.get("where"))
            words = CLAIM_WORDS.get(claim, f"{claim} heterogeneity")
            text = f"{OUTCOME_NAMES.get(o, o)}, {SUBGROUP_NAMES.get(g, g)}: '{words}'"
            if m is None:
                out.append(note("claims.heterogeneity", "paper", loc, text, "no such analysis", "warning"))
                continue
            ok, said = judge_heterogeneity(claim, m.get("i2"), m.get("q_p"), low, moderate)
            ev = Evidence(words, f"{said}; k = {m['k']}")
            if ok:
                out.append(match("claims.heterogeneity", "paper", loc, text, ev))
                continue
            shown = display.get(o, {}).get(g, {}).get("shown", True)
            out.append(mismatch(
                "claims.heterogeneity", "paper", loc, text, ev,
                f"The data show {said}, which is not '{words}'."
                + ("" if shown else f" With k = {m['k']} studies Stata metaprop prints no I², Q or P for this "
                                    "subgroup; the blank appears to have been read as 'no heterogeneity'."),
                convention=None if shown else METAPROP_CONVENTION))
    return out


def _range_text(lo: float, hi: float, d_lo: int, d_hi: int) -> str:
    return f"{fmt(lo, d_lo)}–{fmt(hi, d_hi)}"


def ranges(ctx: AuditContext) -> list[Finding]:
    out: list[Finding] = []
    for key, item in (ctx.reported.data.get("ranges") or {}).items():
        if "data" not in item:
            continue
        keys = ("ranges", key, "range")
        loc = location(ctx, keys, item.get("where"))
        texts = [ctx.reported.text(*keys, i) or str(v) for i, v in enumerate(item["range"])]
        (lo, hi), (d_lo, d_hi) = [float(t) for t in texts], [decimals_of(t) for t in texts]
        scale = float(item.get("scale", 1))
        claim = f"{item.get('statement', key.replace('_', ' '))}: {texts[0]}–{texts[1]}"
        try:
            data_lo, data_hi = (scale * v for v in resolve(ctx.registry, item["data"]))
        except (PathError, TypeError, ValueError) as exc:
            out.append(note("claims.range", "paper", loc, claim, f"registry range not found: {exc}", "warning"))
            continue
        ev = Evidence(f"{texts[0]}–{texts[1]}", f"{fmt(data_lo, d_lo + 2)}–{fmt(data_hi, d_hi + 2)}",
                      f"{lo - data_lo:+.{d_lo + 1}f} / {hi - data_hi:+.{d_hi + 1}f}")
        ok_lo, ok_hi = agrees(data_lo, lo, d_lo), agrees(data_hi, hi, d_hi)
        if ok_lo and ok_hi:
            out.append(match("claims.range", "paper", loc, claim, ev))
            continue
        wrong = [name for name, ok in (("lower", ok_lo), ("upper", ok_hi)) if not ok]
        explanation = (f"The data range is {_range_text(data_lo, data_hi, d_lo, d_hi)} at the printed precision; "
                       f"the {' and '.join(wrong)} bound{'s' if len(wrong) > 1 else ''} differ{'' if len(wrong) > 1 else 's'} "
                       f"({item['data']}).")
        for alt in item.get("alternatives") or []:
            a_lo, a_hi = (scale * v for v in resolve(ctx.registry, alt))
            if agrees(a_lo, lo, d_lo) and agrees(a_hi, hi, d_hi):
                explanation += (f" The quoted range does match {alt} ({_range_text(a_lo, a_hi, d_lo, d_hi)}): "
                                "the sentence describes a wider set of studies than the range covers.")
        out.append(mismatch("claims.range", "paper", loc, claim, ev, explanation))
    return out


# ----------------------------------------------------------------------------- time-to-event

_LANDMARK_TEXT = re.compile(r"landmark\s+(?P<months>\d+(?:\.\d+)?)\s+months?\s+(?P<rate>\d+(?:\.\d+)?)%")
TOKEN_WORDS = {"NR": "not reached", "NE": "not estimable"}


def _row_text(row: dict[str, Any]) -> str:
    status = row["status"]
    if status == "median":
        return f"{row['value']:g} months"
    if status == "landmark":
        return f"{100 * row['value']:g}% at {row['landmark_months']:g} months"
    return {"not_reached": "not reached", "not_estimable": "not estimable"}.get(status, status)


def _value_agrees(text: str, row: dict[str, Any]) -> bool:
    text = text.strip()
    if text == "NR":
        return row["status"] == "not_reached"
    if text == "NE":
        return row["status"] == "not_estimable"
    m = _LANDMARK_TEXT.fullmatch(text)
    if m:
        return (row["status"] == "landmark" and row["landmark_months"] == float(m.group("months"))
                and agrees(100 * row["value"], float(m.group("rate")), decimals_of(m.group("rate"))))
    return row["status"] == "median" and agrees(row["value"], float(text), decimals_of(text))


def match_values(stated: list[str], rows: list[dict[str, Any]]) -> tuple[list[str], list[dict[str, Any]]]:
    """Pair stated values with data rows; return what is left unpaired on each side."""
    left_rows = list(rows)
    unpaired: list[str] = []
    for text in stated:
        hit = next((r for r in left_rows if _value_agrees(str(text), r)), None)
        if hit is None:
            unpaired.append(str(text))
        else:
            left_rows.remove(hit)
    return unpaired, left_rows


def _stated_text(text: str) -> str:
    m = _LANDMARK_TEXT.fullmatch(text.strip())
    if m:
        return f"{m.group('rate')}% at {float(m.group('months')):g} months"
    return TOKEN_WORDS.get(text.strip(), f"{text} months")


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def _landmark_hint(unpaired: list[str], left: list[dict[str, Any]]) -> str:
    """Name a landmark stated at another time point than the data's."""
    for text in unpaired:
        m = _LANDMARK_TEXT.fullmatch(text.strip())
        for r in left:
            if m and r["status"] == "landmark" and agrees(100 * r["value"], float(m.group("rate")), 0):
                return (f" The text gives the {m.group('rate')}% rate at {float(m.group('months')):g} months; "
                        f"the data (Table 1, '{r['landmark_months'] / 12:g}-y') at {r['landmark_months']:g} months.")
    return ""


def time_to_event(ctx: AuditContext) -> list[Finding]:
    out: list[Finding] = []
    tte = ctx.registry["time_to_event"]
    ref_of = {t["study_id"]: t.get("reference_number") for t in ctx.registry["trials"]}
    for o, item in (ctx.reported.data.get("time_to_event") or {}).items():
        if o not in tte:
            continue
        rows = tte[o]["rows"]
        label = tte[o]["label"]
        where = item.get("where")
        if "trials" in item:
            keys = ("time_to_event", o, "trials")
            ev = Evidence(str(item["trials"]), f"{len(rows)} ({', '.join(r['label'] for r in rows)})",
                          f"{item['trials'] - len(rows):+d}")
            claim = f"{label}: reported by {item['trials']} trials"
            out.append(match("claims.tte-count", "paper", location(ctx, keys, where), claim, ev)
                       if item["trials"] == len(rows) else
                       mismatch("claims.tte-count", "paper", location(ctx, keys, where), claim, ev,
                                f"The data (Table 1) have {len(rows)} trials reporting {label}."
                                + (f" The sentence itself cites {len(item.get('references', []))} references."
                                   if len(item.get("references", [])) == len(rows) else "")))
        if "values" in item:
            keys = ("time_to_event", o, "values")
            unpaired, left = match_values(item["values"], rows)
            ev = Evidence("; ".join(_stated_text(str(v)) for v in item["values"]),
                          "; ".join(f"{r['label']}: {_row_text(r)}" for r in rows))
            claim = f"{label}: values listed in the text"
            if not unpaired and not left:
                out.append(match("claims.tte-values", "paper", location(ctx, keys, where), claim, ev))
            else:
                parts = []
                if unpaired:
                    parts.append("stated but not in the data: " + "; ".join(_stated_text(u) for u in unpaired))
                if left:
                    parts.append("in the data but not stated: " + "; ".join(f"{r['label']} {_row_text(r)}"
                                                                            for r in left))
                out.append(mismatch("claims.tte-values", "paper", location(ctx, keys, where), claim, ev,
                                    _sentence("; ".join(parts)) + _landmark_hint(unpaired, left)))
        if "references" in item:
            keys = ("time_to_event", o, "references")
            stated = sorted(int(r) for r in item["references"])
            actual = sorted({ref_of[r["study_id"]] for r in rows if ref_of.get(r["study_id"]) is not None})
            ev = Evidence(", ".join(map(str, stated)), ", ".join(map(str, actual)))
            claim = f"{label}: references cited"
            out.append(match("claims.tte-references", "paper", location(ctx, keys, where), claim, ev)
                       if stated == actual else
                       mismatch("claims.tte-references", "paper", location(ctx, keys, where), claim, ev,
                                "The citations do not name the trials that report this outcome.", "warning"))
    return out


def check(ctx: AuditContext) -> list[Finding]:
    return heterogeneity(ctx) + ranges(ctx) + time_to_event(ctx)


__all__ = ["check", "judge_heterogeneity", "match_values"]
