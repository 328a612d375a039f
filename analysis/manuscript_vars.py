"""Manuscript variables: every number, and every phrase whose wording depends on a number, in the article.

Reads the results registry (``build/results.json``) and returns plain nested
dictionaries of strings, written to ``_variables.yml`` by
:mod:`analysis.manuscript_text` and read by Quarto's ``{{< var key >}}``
(https://quarto.org/docs/authoring/variables.html; nested keys with dots).
Numbers are formatted by :mod:`analysis.formatting`; this module computes
nothing beyond choosing words from the numbers (e.g. the heterogeneity class
from the thresholds in ``review.yaml``).
"""

from __future__ import annotations

from typing import Any

from . import formatting as fmt

#: Short variable-name keys for the registry's subgroup keys.
SUBGROUP_KEYS = {
    "prior_cart_monotherapy": "mono",
    "prior_cart_combination": "combo",
    "cart_naive": "naive",
    "overall": "overall",
}

TRANSFORM_TEXT = {
    "ft": "Freeman\u2013Tukey double-arcsine scale, with Miller's back-transformation using the harmonic mean "
          "of the cohort sizes",
    "logit": "logit scale, back-transformed with the inverse logit",
    "arcsine": "arcsine square-root scale, back-transformed by squaring the sine",
    "raw": "untransformed proportion scale",
}
TRANSFORM_SHORT = {"ft": "Freeman\u2013Tukey double-arcsine", "logit": "logit", "arcsine": "arcsine",
                   "raw": "untransformed proportion"}
TAU2_TEXT = {"dl": "DerSimonian\u2013Laird", "reml": "restricted maximum-likelihood", "pm": "Paule\u2013Mandel",
             "ml": "maximum-likelihood"}
STUDY_CI_TEXT = {"clopper-pearson": "Clopper\u2013Pearson exact", "wilson": "Wilson score"}
TTE_UNIT = "months"


# ----------------------------------------------------------------------------- small helpers

def significance_level(registry: dict[str, Any]) -> float:
    """Two-sided alpha that matches the confidence level of ``review.yaml`` (0.95 -> 0.05)."""
    return round(1.0 - float(registry["review"]["confidence_level"]), 10)


def thresholds(registry: dict[str, Any]) -> tuple[float, float]:
    t = registry["review"]["heterogeneity_thresholds"]
    return float(t["low"]), float(t["moderate"])


def ci_label(registry: dict[str, Any]) -> str:
    """'95% CI'."""
    return f"{fmt.level_label(registry['settings']['level'])} CI"


def direction(a: float, b: float) -> str:
    """Word comparing estimate ``a`` with ``b`` as printed (one decimal in percent)."""
    if fmt.percent(a) == fmt.percent(b):
        return "the same as"
    return "higher than" if a > b else "lower than"


def heterogeneity_words(i2: float | None, p: float | None, low: float, moderate: float) -> str:
    """'substantial heterogeneity (I² = 68.2%, P = 0.013)'; 'no observable heterogeneity (I² = 0.0%, P = 0.871)'."""
    stats = f"I\u00b2 = {fmt.i2(i2)}, {fmt.p_value(p)}"
    if i2 is None:
        return f"heterogeneity that could not be estimated ({stats})"
    if i2 == 0:
        return f"no observable heterogeneity ({stats})"
    return f"{fmt.heterogeneity_class(i2, low, moderate)} heterogeneity ({stats})"


def range_text(values: list[float] | None) -> str:
    """Percent range of study proportions: '40.7–76.1%' (one value: '40.7%')."""
    if not values:
        return fmt.NOT_REPORTED
    lo, hi = values
    return fmt.percent(lo) if fmt.percent(lo) == fmt.percent(hi) else fmt.interval(lo, hi)


# ----------------------------------------------------------------------------- pooled results

def meta_vars(m: dict[str, Any], glmm: dict[str, Any] | None, registry: dict[str, Any]) -> dict[str, str]:
    """Strings for one meta-analysis (one outcome, one subgroup)."""
    low, moderate = thresholds(registry)
    level = m["level"]
    out = {
        "k": fmt.count_word(m["k"]),
        "k_num": fmt.integer(m["k"]),
        "patients": fmt.integer(m["patients"]),
        "events": fmt.integer(m["events"]),
        "est": fmt.percent(m["estimate"]),
        "ci": fmt.interval(m["ci_low"], m["ci_high"]),
        "est_ci": fmt.estimate_with_ci(m["estimate"], m["ci_low"], m["ci_high"], level=level),
        "i2": fmt.i2(m["i2"]),
        "p_het": fmt.p_value(m["q_p"]),
        "het_class": fmt.heterogeneity_class(m["i2"], low, moderate),
        "het": heterogeneity_words(m["i2"], m["q_p"], low, moderate),
        "pi": (fmt.interval(m["pi_low"], m["pi_high"]) if m.get("pi_low") is not None else "not estimable"),
    }
    if glmm and "error" not in glmm:
        out["glmm"] = fmt.estimate_with_ci(glmm["proportion"], glmm["proportion_ci_low"],
                                           glmm["proportion_ci_high"], level=level)
    else:
        out["glmm"] = "not estimable"
    return out


def loo_vars(m: dict[str, Any]) -> dict[str, str]:
    """Leave-one-out: the range of the pooled estimates and whether any left the full CI."""
    rows = m.get("leave_one_out") or []
    if not rows:
        return {"range": "not estimable", "stability": "could not be assessed"}
    estimates = [r["estimate"] for r in rows]
    outside = [r["label"] for r in rows if not (m["ci_low"] <= r["estimate"] <= m["ci_high"])]
    if outside:
        stability = (f"omitting {fmt.join_words(outside, 'or')} moved the pooled estimate outside the "
                     "confidence interval of the full analysis")
    else:
        stability = "no single cohort moved the pooled estimate outside the confidence interval of the full analysis"
    return {"range": fmt.interval(min(estimates), max(estimates)), "stability": stability}


def bias_vars(m: dict[str, Any], alpha: float) -> dict[str, str]:
    egger, begg = m.get("egger"), m.get("begg")
    egger_p = None if not egger else egger["p"]
    begg_p = None if not begg else begg["p"]
    significant = [p for p in (egger_p, begg_p) if p is not None and p < alpha]
    if egger_p is None and begg_p is None:
        verdict = "could not be assessed for small-study effects"
    elif significant:
        verdict = "showed evidence of small-study effects"
    else:
        verdict = "showed no evidence of small-study effects"
    return {"egger_p": fmt.p_value(egger_p), "begg_p": fmt.p_value(begg_p), "verdict": verdict}


def outcome_vars(registry: dict[str, Any], outcome: str) -> dict[str, Any]:
    block = registry["outcomes"][outcome]
    alpha = significance_level(registry)
    out: dict[str, Any] = {}
    for key, m in block["subgroups"].items():
        out[SUBGROUP_KEYS[key]] = meta_vars(m, block["glmm"].get(key), registry)
        out[SUBGROUP_KEYS[key]]["range"] = range_text(block["range_by_subgroup"].get(key))
    out["overall"] = meta_vars(block["overall"], block["glmm"].get("overall"), registry)
    out["overall"]["range"] = range_text(block["range_prior_cart"])
    out["range_prior_cart"] = range_text(block["range_prior_cart"])
    diff = block.get("subgroup_difference")
    if diff:
        out["difference"] = fmt.q_test(diff["q"], diff["df"], diff["p"])
        out["difference_verdict"] = ("differed significantly" if diff["p"] is not None and diff["p"] < alpha
                                     else "did not differ significantly")
    out["bias"] = bias_vars(block["overall"], alpha)
    out["loo"] = loo_vars(block["overall"])
    out["not_reported"] = fmt.count_word(len(block["not_reported"]))
    out["glmm_max_difference"] = glmm_max_difference(block)
    return out


def glmm_max_difference(block: dict[str, Any]) -> str:
    """Largest absolute gap between the GLMM and the transformed-scale estimates over the groups."""
    pairs = [(block["overall"], block["glmm"].get("overall"))]
    pairs += [(m, block["glmm"].get(key)) for key, m in block["subgroups"].items()]
    gaps = [abs(m["estimate"] - g["proportion"]) for m, g in pairs if g and "error" not in g]
    return fmt.percentage_points(max(gaps)) if gaps else "not estimable"


def comparison_vars(registry: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for outcome in ("orr", "cr"):
        g = registry["outcomes"][outcome]["subgroups"]
        est = {SUBGROUP_KEYS[k]: m["estimate"] for k, m in g.items()}
        entry = {}
        if "combo" in est and "mono" in est:
            entry["combo_vs_mono"] = direction(est["combo"], est["mono"])
        if "naive" in est and "mono" in est:
            entry["naive_vs_mono"] = direction(est["naive"], est["mono"])
        if "naive" in est and "combo" in est:
            entry["naive_vs_combo"] = direction(est["naive"], est["combo"])
        out[outcome] = entry
    return out


# ----------------------------------------------------------------------------- trials, methods, PRISMA

def _treatment_order(registry: dict[str, Any]) -> list[str]:
    seen: list[str] = []
    for t in registry["trials"]:
        if t["treatment"] not in seen:
            seen.append(t["treatment"])
    return seen


def treatment_rates(registry: dict[str, Any], subgroup: str) -> list[dict[str, Any]]:
    """Per treatment within a subgroup, in the order of trials.csv: ORR and CR ranges and the citations."""
    trials = {t["study_id"]: t for t in registry["trials"]}
    rows = []
    orr = registry["outcomes"]["orr"]["by_treatment"].get(subgroup, {})
    cr = registry["outcomes"]["cr"]["by_treatment"].get(subgroup, {})
    for name in _treatment_order(registry):
        if name not in orr and name not in cr:
            continue
        studies = (orr.get(name) or cr.get(name))["studies"]
        orr_range, cr_range = (orr.get(name) or {}).get("range"), (cr.get(name) or {}).get("range")
        rows.append({
            "treatment": name,
            "orr": range_text(orr_range) if orr_range else fmt.NOT_REPORTED,
            "cr": range_text(cr_range) if cr_range else fmt.NOT_REPORTED,
            "keys": list(dict.fromkeys(trials[s]["reference_key"] for s in studies)),
            "n_trials": len(studies),
        })
    return rows


def rates_sentence(rows: list[dict[str, Any]]) -> str:
    """'mosunetuzumab, ORR 40.7% and CR 22.2%; glofitamab, ORR 50.0–76.1% and CR 38.5–45.7%' (no citations)."""
    parts = []
    for r in rows:
        orr = f"ORR {r['orr']}" if r["orr"] != fmt.NOT_REPORTED else "ORR not reported"
        parts.append(f"{in_sentence(r['treatment'])}, {orr} and CR {r['cr']}")
    return "; ".join(parts)


def in_sentence(name: str) -> str:
    """Drug names are common nouns in running text: 'Glofitamab + Pola' -> 'glofitamab + Pola'."""
    return name[:1].lower() + name[1:]


def trial_vars(registry: dict[str, Any]) -> dict[str, Any]:
    s = registry["summary"]
    prior = [t for t in registry["trials"] if t["population"] == "prior_cart"]
    # Most-studied antibody first (the JSON file stores keys sorted by name).
    by_antibody = dict(sorted(s["trials_by_antibody"].items(), key=lambda kv: (-kv[1], kv[0])))
    antibody_list = [f"{name} ({fmt.count_word(n)} {fmt.plural(n, 'trial')})" for name, n in by_antibody.items()]
    years = sorted(s["trials_by_year"].items(), key=lambda kv: kv[0], reverse=True)
    refractory = [t for t in prior if t["refractory_to_cart"] is not None]
    by_pub = s["trials_by_publication_type"]
    by_regimen = s["trials_by_regimen"]
    out = {
        "n": fmt.count_word(s["n_trials"]),
        "n_cap": fmt.count_word(s["n_trials"], capital=True),
        "n_num": fmt.integer(s["n_trials"]),
        "cohorts": fmt.count_word(s["n_cohorts"]),
        "prior_cart": fmt.count_word(s["n_trials_prior_cart"]),
        "prior_cart_cap": fmt.count_word(s["n_trials_prior_cart"], capital=True),
        "cart_naive": fmt.count_word(s["n_trials_cart_naive"]),
        "participants_prior_cart": fmt.integer(s["participants_prior_cart"]),
        "participants_cart_naive": fmt.integer(s["participants_cart_naive"]),
        "participants_total": fmt.integer(s["participants_total"]),
        "full_papers": fmt.count_word(by_pub.get("full_paper", 0)),
        "abstracts": fmt.count_word(by_pub.get("abstract", 0)),
        "monotherapy": fmt.count_word(by_regimen.get("monotherapy", 0)),
        "combination": fmt.count_word(by_regimen.get("combination", 0)),
        "antibodies": fmt.join_words(list(by_antibody)),
        "n_antibodies": fmt.count_word(len(by_antibody)),
        "by_antibody": fmt.join_words(antibody_list),
        "by_year": fmt.join_words([f"{fmt.count_word(n)} in {year}" for year, n in years]),
        "year_range": (f"{s['year_range'][0]}" if s["year_range"][0] == s["year_range"][1]
                       else f"{s['year_range'][0]}{fmt.DASH}{s['year_range'][1]}"),
        "cohort_size_range": fmt.value_range(*s["n_patients_range"]),
        "refractory_range": range_text(s["refractory_to_cart_range"]),
        "refractory_n": fmt.count_word(len(refractory)),
        "prior_lines_median_range": fmt.value_range(*s["prior_lines_median_range"]),
        "prior_lines_overall_range": fmt.value_range(*s["prior_lines_overall_range"]),
        "orr_reported": fmt.count_word(s["trials_reporting"]["orr"]),
        "cr_reported": fmt.count_word(s["trials_reporting"]["cr"]),
        "orr_missing": fmt.count_word(s["n_trials_prior_cart"] - s["trials_reporting"]["orr"]),
    }
    return out


def review_vars(registry: dict[str, Any]) -> dict[str, str]:
    r = registry["review"]
    low, moderate = thresholds(registry)
    return {
        "registry": r["registration"]["registry"],
        "id": r["registration"]["identifier"],
        "url": r["registration"]["url"],
        "search_start": fmt.long_date(r["search"]["start"]),
        "search_end": fmt.long_date(r["search"]["end"]),
        "databases": fmt.join_words(r["search"]["databases"]),
        "conferences": fmt.join_words(r["search"]["conferences"]),
        "min_patients": fmt.integer(r["eligibility"]["min_patients_per_cohort"]),
        "level": fmt.level_label(float(r["confidence_level"])),
        "ci": ci_label(registry),
        "alpha": f"{significance_level(registry):g}",
        "i2_low": fmt.i2(low, 0),
        "i2_moderate": fmt.i2(moderate, 0),
        "original_software": r["original_software"],
    }


def methods_vars(registry: dict[str, Any]) -> dict[str, str]:
    s = registry["settings"]
    return {
        "transform": TRANSFORM_TEXT[s["transform"]],
        "transform_short": TRANSFORM_SHORT[s["transform"]],
        "tau2": TAU2_TEXT[s["tau2_method"]],
        "pooled_ci": ("the Hartung\u2013Knapp\u2013Sidik\u2013Jonkman method (t distribution)" if s["hksj"]
                      else "the normal (Wald-type) approximation"),
        "study_ci": STUDY_CI_TEXT.get(s["study_ci"], s["study_ci"]),
    }


#: How a broken step of the PRISMA flow reads in the text (keys: analysis.prisma check names).
PRISMA_MISMATCH_TEXT = {
    "identification": "records identified minus duplicates gives {expected}, but {reported} records are reported "
                      "as screened",
    "screening": "records screened minus records excluded leaves {expected}, but {reported} full texts are "
                 "reported as assessed",
    "retrieval": "reports sought minus reports not retrieved leaves {expected}, but {reported} are reported as "
                 "assessed",
    "eligibility": "full texts assessed minus full texts excluded leaves {expected}, but {reported} studies are "
                   "reported as included",
    "exclusion reasons": "the stated exclusion reasons add up to {expected}, but {reported} full texts are "
                         "reported as excluded",
}


def prisma_vars(registry: dict[str, Any]) -> dict[str, str]:
    p = registry["prisma"]
    c = p["counts"]
    reasons = c["eligibility"].get("exclusion_reasons") or []
    mismatches = [chk for chk in p["checks"] if chk["status"] == "mismatch"]
    if mismatches:
        parts = [PRISMA_MISMATCH_TEXT.get(chk["name"], "{equation} gives {expected}, but {reported} is reported")
                 .format(equation=chk["equation"], expected=fmt.integer(chk["expected"]),
                         reported=fmt.integer(chk["reported"])) for chk in mismatches]
        consistency = (f"{fmt.count_word(len(mismatches), capital=True)} "
                       f"{fmt.plural(len(mismatches), 'step')} of the published flow diagram "
                       f"{'does' if len(mismatches) == 1 else 'do'} not add up: {'; '.join(parts)}")
    else:
        consistency = "The counts of the published flow diagram add up at every step that can be checked"
    return {
        "databases": fmt.integer(c["identification"]["databases"]),
        "other_sources": fmt.integer(c["identification"]["other_sources"]),
        "screened": fmt.integer(c["screening"]["records_screened"]),
        "screen_excluded": fmt.integer(c["screening"]["records_excluded"]),
        "assessed": fmt.integer(c["eligibility"]["reports_assessed"]),
        "fulltext_excluded": fmt.integer(c["eligibility"]["reports_excluded"]),
        "included": fmt.integer(c["included"]["studies"]),
        "reasons": fmt.join_words([f"{r['reason'][0].lower()}{r['reason'][1:]} (n = {r['n']})" for r in reasons]),
        "consistency": consistency,
    }


# ----------------------------------------------------------------------------- time-to-event

def tte_value(row: dict[str, Any]) -> str:
    """One trial's value in prose: '9.7 months', 'not reached', '25.0% at 12 months'."""
    status = row["status"]
    if status == "median":
        return f"{fmt.number(row['value'])} {TTE_UNIT}"
    if status == "not_reached":
        return "not reached"
    if status == "not_estimable":
        return "not estimable"
    if status == "landmark":
        return f"{fmt.percent(row['value'])} at {fmt.compact(row['landmark_months'])} {TTE_UNIT}"
    raise ValueError(f"unexpected time-to-event status {status!r}")


def tte_values(rows: list[dict[str, Any]]) -> str:
    """'9.7, 14.8 and 19.7 months; not reached in one trial; 25.0% at 12 months in one trial'."""
    medians = [fmt.number(r["value"]) for r in rows if r["status"] == "median"]
    parts = []
    if medians:
        parts.append(f"{fmt.join_words(medians)} {TTE_UNIT}")
    for status, text in (("not_reached", "not reached"), ("not_estimable", "not estimable")):
        n = sum(r["status"] == status for r in rows)
        if n:
            parts.append(f"{text} in {fmt.count_word(n)} {fmt.plural(n, 'trial')}")
    for r in rows:
        if r["status"] == "landmark":
            parts.append(f"a rate of {tte_value(r)}")
    return "; ".join(parts) if parts else "none reported"


def tte_vars(registry: dict[str, Any]) -> dict[str, Any]:
    t = registry["time_to_event"]
    out: dict[str, Any] = {}
    for key in ("dor", "docr", "pfs", "os"):
        rows = t[key]["rows"]
        out[key] = {"n": fmt.count_word(len(rows)), "n_cap": fmt.count_word(len(rows), capital=True),
                    "summary": tte_values(rows)}
    fu = t["followup"]
    out["followup_range"] = fmt.value_range(*fu["range"], unit=TTE_UNIT) if fu["range"] else fmt.NOT_REPORTED
    out["followup_n"] = fmt.count_word(fu["n_trials"])
    return out


# ----------------------------------------------------------------------------- everything

def build_variables(registry: dict[str, Any]) -> dict[str, Any]:
    """The full ``_variables.yml`` content (nested dicts of strings)."""
    return {
        "review": review_vars(registry),
        "methods": methods_vars(registry),
        "trials": trial_vars(registry),
        "prisma": prisma_vars(registry),
        "orr": outcome_vars(registry, "orr"),
        "cr": outcome_vars(registry, "cr"),
        "compare": comparison_vars(registry),
        "rates": {SUBGROUP_KEYS[g["key"]]: rates_sentence(treatment_rates(registry, g["key"]))
                  for g in registry["subgroups"]},
        "tte": tte_vars(registry),
    }


def check_strings(tree: Any, path: str = "") -> None:
    """Every leaf must be a non-empty string (Quarto's var shortcode prints only simple values)."""
    if isinstance(tree, dict):
        for k, v in tree.items():
            check_strings(v, f"{path}.{k}" if path else k)
    elif not isinstance(tree, str) or not tree.strip():
        raise ValueError(f"manuscript variable {path!r} is not a non-empty string: {tree!r}")
