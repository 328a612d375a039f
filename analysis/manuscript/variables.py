"""Manuscript variables: the API for authors writing the article's prose.

Every number in the article, and every phrase whose wording depends on a
number, is a variable built here from the results registry
(``build/results.json``). :mod:`analysis.manuscript.text_files` writes them to
``_variables.yml`` for Quarto's ``{{< var group.key >}}``
(https://quarto.org/docs/authoring/variables.html) and fills the jinja2
templates under ``manuscript/_templates`` with them. Numbers are formatted by
:mod:`analysis.formatting`; this module computes nothing beyond choosing words
from the numbers.

What an author can rely on:

* **Counts carry their noun** in the right number: ``trials.total`` reads
  "nine trials", "one trial" or "no trials", so the prose never types the noun
  after a count (``check-manuscript`` rejects ``{{< var x >}} trials`` when
  ``x`` is a bare count). Keys ending in ``_n`` are bare counts for
  sentences that already name the noun ("Of the nine cohorts ..., eight
  reported ..."). Words or numerals follow the house rule of
  :mod:`analysis.formatting.words`: zero to nine in words, 10 and above in
  numerals, and every count of one kind (trials, cohorts, patients, ...) as a
  numeral once the largest count of that kind in the article reaches 10
  (:func:`count`, :func:`largest_counts`).
* **Keys ending in ``_sentence``** are whole sentences without the full stop,
  worded for what the data hold (e.g. when no cohort reports a value).
* Statistics that cannot be computed read "not estimable"; values the sources
  do not give read "not reported".
* Words that judge a number (heterogeneity class, "differed significantly",
  "numerically higher than") are decided on the number *as printed*.
* "Trials" are distinct ClinicalTrials.gov ids; "cohorts" are rows of
  ``data/trials.csv`` (a trial may contribute a prior-CAR-T and a CAR-T-naive
  cohort).

The groups (see :func:`build_variables`): ``review`` (protocol facts),
``methods`` (method names, from :data:`analysis.formatting.METHOD_NAMES`),
``prisma`` (flow counts), ``trials``, ``cohorts``, ``orr`` / ``cr`` (pooled
results: per group ``mono``, ``combo``, ``naive``, ``overall`` the keys
``cohorts``, ``patients``, ``est``, ``est_ci``, ``het``, ``het_class``, ``pi``,
``glmm``, and for the groups (not ``overall``) ``range``, the single-cohort rates from lowest to highest; per outcome ``groups``, ``difference``, ``difference_verdict``,
``bias.*``, ``loo.*``, ``glmm_max_difference``, ``range_prior_cart``),
``compare`` (pooled estimates compared in words), ``rates`` (single-cohort
rates per treatment) and ``tte`` (time-to-event summaries). Every group keeps
the same keys whatever the data, so the article never refers to a missing one.
"""

from __future__ import annotations

from typing import Any

from .. import formatting as fmt
from ..inputs.trials import PUBLICATION_TYPES
from .markdown import markdown_text

#: Short variable-name keys for the registry's subgroup keys.
SUBGROUP_KEYS = {
    "prior_cart_monotherapy": "mono",
    "prior_cart_combination": "combo",
    "cart_naive": "naive",
    "overall": "overall",
}
TTE_UNIT = "months"


# ----------------------------------------------------------------------------- small helpers

def significance_level(registry: dict[str, Any]) -> float:
    """Two-sided alpha that matches the confidence level of ``review.yaml`` (0.95 -> 0.05)."""
    return round(1.0 - float(registry["review"]["confidence_level"]), 10)


def thresholds(registry: dict[str, Any]) -> tuple[float, float]:
    t = registry["review"]["heterogeneity_thresholds"]
    return float(t["low"]), float(t["moderate"])


def largest_counts(registry: dict[str, Any]) -> dict[str, int]:
    """The largest count of each kind of thing the article states, which decides words or numerals for every
    count of that kind (house rule, :mod:`analysis.formatting.words`)."""
    s = registry["summary"]
    trials = s["n_trials"]
    return {"trial": trials, "full paper": trials, "conference abstract": trials, "cohort": s["n_cohorts"],
            "patient": max(s["participants_total"], int(registry["review"]["eligibility"]["min_patients_per_cohort"])),
            "group": len(registry["subgroups"]) + 1, "antibody": len(s["trials_by_antibody"])}


def count(registry: dict[str, Any], n: int | None, noun: str, plural_form: str | None = None,
          capital: bool = False) -> str:
    """A count with its noun, written by the house rule for its kind: 'nine trials', '3 cohorts' (when the
    article counts 10 or more cohorts somewhere)."""
    return fmt.count_noun(n, noun, plural_form, capital=capital, largest=largest_counts(registry).get(noun))


def bare(registry: dict[str, Any], n: int, noun: str) -> str:
    """A bare count of things of kind ``noun``, by the same rule: 'eight', '8'."""
    return fmt.count_word(n, largest=largest_counts(registry).get(noun))


def cohorts(registry: dict[str, Any], n: int) -> str:
    return count(registry, n, "cohort")


def direction(a: float, b: float, significant: bool | None) -> str:
    """Estimate ``a`` compared with ``b`` as printed: 'the same as', or 'higher than' / 'lower than', qualified
    as 'numerically' unless the test for subgroup differences is significant."""
    if fmt.percent(a) == fmt.percent(b):
        return "the same as"
    word = "higher than" if a > b else "lower than"
    return word if significant else f"numerically {word}"


def heterogeneity_words(i2: float | None, p: float | None, low: float, moderate: float) -> str:
    """'substantial heterogeneity (I² = 68.2%, P = 0.013)'; 'no observable heterogeneity (I² = 0.0%, P = 0.871)'.
    The class follows I² as printed."""
    if i2 is None:
        return "heterogeneity that could not be estimated"
    stats = f"I\u00b2 = {fmt.i2(i2)}, {fmt.p_value(p)}"
    if fmt.printed(i2, 1) == 0:
        return f"no observable heterogeneity ({stats})"
    return f"{fmt.heterogeneity_class(i2, low, moderate)} heterogeneity ({stats})"


# ----------------------------------------------------------------------------- pooled results

def meta_vars(m: dict[str, Any], glmm: dict[str, Any] | None, registry: dict[str, Any]) -> dict[str, str]:
    """Strings for one meta-analysis (one outcome, one group)."""
    low, moderate = thresholds(registry)
    level = m["level"]
    has_glmm = bool(glmm) and "error" not in glmm
    return {
        "cohorts": cohorts(registry, m["k"]),
        "patients": count(registry, m["patients"], "patient"),
        "est": fmt.percent(m["estimate"]),
        "est_ci": fmt.estimate_with_ci(m["estimate"], m["ci_low"], m["ci_high"], level=level),
        "het": heterogeneity_words(m["i2"], m["q_p"], low, moderate),
        "het_class": fmt.heterogeneity_class(m["i2"], low, moderate),
        "pi": (fmt.interval(m["pi_low"], m["pi_high"]) if m.get("pi_low") is not None
               else fmt.NOT_ESTIMABLE_TEXT),
        "glmm": (fmt.estimate_with_ci(glmm["proportion"], glmm["proportion_ci_low"], glmm["proportion_ci_high"],
                                      level=level) if has_glmm else fmt.NOT_ESTIMABLE_TEXT),
    }


def no_analysis(registry: dict[str, Any]) -> dict[str, str]:
    """A group without cohorts reporting the outcome keeps the keys of :func:`meta_vars`."""
    return {"cohorts": cohorts(registry, 0), "patients": count(registry, 0, "patient"),
            **{k: fmt.NOT_ESTIMABLE_TEXT for k in ("est", "est_ci", "het_class", "pi", "glmm")},
            "het": "heterogeneity that could not be estimated"}


def loo_vars(m: dict[str, Any]) -> dict[str, str]:
    """Leave-one-out: the range of the pooled estimates and whether any left the full CI (as printed)."""
    rows = m.get("leave_one_out") or []
    if not rows:
        return {"range": fmt.NOT_ESTIMABLE_TEXT, "stability": "the influence of single cohorts could not be assessed"}
    def shown(p: float) -> float:  # a proportion as printed, in percent
        return fmt.printed(100 * p, 1)

    outside = [markdown_text(r["label"]) for r in rows
               if not shown(m["ci_low"]) <= shown(r["estimate"]) <= shown(m["ci_high"])]
    if outside:
        stability = (f"omitting {fmt.join_words(outside, 'or')} moved the pooled estimate outside the "
                     "confidence interval of the full analysis")
    else:
        stability = "no single cohort moved the pooled estimate outside the confidence interval of the full analysis"
    estimates = [r["estimate"] for r in rows]
    return {"range": fmt.interval(min(estimates), max(estimates)), "stability": stability}


def bias_vars(m: dict[str, Any], alpha: float) -> dict[str, str]:
    egger_p = (m.get("egger") or {}).get("p")
    begg_p = (m.get("begg") or {}).get("p")
    verdicts = [fmt.is_significant(p, alpha) for p in (egger_p, begg_p)]
    if all(v is None for v in verdicts):
        verdict = "could not be assessed for small-study effects"
    elif any(verdicts):
        verdict = "showed evidence of small-study effects"
    else:
        verdict = "showed no evidence of small-study effects"
    return {"egger_p": fmt.p_value(egger_p), "begg_p": fmt.p_value(begg_p), "verdict": verdict}


def difference_vars(registry: dict[str, Any], block: dict[str, Any], alpha: float) -> dict[str, str]:
    """The test for subgroup differences: the statistic and its verdict (decided on P as printed)."""
    diff = block.get("subgroup_difference")
    groups = count(registry, len(block["subgroups"]), "group")
    if not diff:
        return {"groups": groups, "difference": "no test with fewer than two groups",
                "difference_verdict": "could not be compared"}
    significant = fmt.is_significant(diff["p"], alpha)
    verdict = ("could not be compared" if significant is None
               else "differed significantly" if significant else "did not differ significantly")
    return {"groups": groups, "difference": fmt.q_test(diff["q"], diff["df"], diff["p"]),
            "difference_verdict": verdict}


def outcome_vars(registry: dict[str, Any], outcome: str) -> dict[str, Any]:
    block = registry["outcomes"][outcome]
    alpha = significance_level(registry)
    out: dict[str, Any] = {}
    for key in [g["key"] for g in registry["subgroups"]] + ["overall"]:
        m = block["overall"] if key == "overall" else block["subgroups"].get(key)
        out[SUBGROUP_KEYS[key]] = meta_vars(m, block["glmm"].get(key), registry) if m else no_analysis(registry)
        if key != "overall":  # the spread of single-cohort rates, for text that summarises instead of listing
            out[SUBGROUP_KEYS[key]]["range"] = fmt.percent_range(block["range_by_subgroup"].get(key))
    out.update(difference_vars(registry, block, alpha))
    out["bias"] = bias_vars(block["overall"], alpha)
    out["loo"] = loo_vars(block["overall"])
    out["glmm_max_difference"] = glmm_max_difference(block)
    out["range_prior_cart"] = fmt.percent_range(block["range_prior_cart"])
    return out


def glmm_max_difference(block: dict[str, Any]) -> str:
    """Largest absolute gap between the GLMM and the transformed-scale estimates over the groups."""
    pairs = [(block["overall"], block["glmm"].get("overall"))]
    pairs += [(m, block["glmm"].get(key)) for key, m in block["subgroups"].items()]
    gaps = [abs(m["estimate"] - g["proportion"]) for m, g in pairs if g and "error" not in g]
    return fmt.percentage_points(max(gaps)) if gaps else fmt.NOT_ESTIMABLE_TEXT


def comparison_vars(registry: dict[str, Any]) -> dict[str, Any]:
    """'higher than' only when the test for subgroup differences is significant, else 'numerically higher than'."""
    alpha = significance_level(registry)
    out: dict[str, Any] = {}
    for outcome in ("orr", "cr"):
        block = registry["outcomes"][outcome]
        est = {SUBGROUP_KEYS[k]: m["estimate"] for k, m in block["subgroups"].items()}
        diff = block.get("subgroup_difference")
        significant = fmt.is_significant(diff["p"], alpha) if diff else None
        out[outcome] = {f"{a}_vs_{b}": (direction(est[a], est[b], significant) if a in est and b in est
                                        else "not comparable with")
                        for a, b in (("combo", "mono"), ("naive", "mono"))}
    return out


# ----------------------------------------------------------------------------- single-cohort rates

def _treatment_order(registry: dict[str, Any]) -> list[str]:
    return list(dict.fromkeys(t["treatment"] for t in registry["trials"]))


def treatment_rates(registry: dict[str, Any], subgroup: str) -> list[dict[str, Any]]:
    """Per treatment within a subgroup, in the order of trials.csv: ORR and CR ranges and the citations."""
    trials = {t["study_id"]: t for t in registry["trials"]}
    orr = registry["outcomes"]["orr"]["by_treatment"].get(subgroup, {})
    cr = registry["outcomes"]["cr"]["by_treatment"].get(subgroup, {})
    rows = []
    for name in _treatment_order(registry):
        if name not in orr and name not in cr:
            continue
        studies = (orr.get(name) or cr.get(name))["studies"]
        rows.append({
            "treatment": name,
            "orr": fmt.percent_range((orr.get(name) or {}).get("range")),
            "cr": fmt.percent_range((cr.get(name) or {}).get("range")),
            "keys": list(dict.fromkeys(trials[s]["reference_key"] for s in studies)),
        })
    return rows


def rates_sentence(rows: list[dict[str, Any]]) -> str:
    """'mosunetuzumab, ORR 40.7% and CR 22.2%; glofitamab, ORR 50.0–76.1% and CR 38.5–45.7%' (no citations)."""
    return "; ".join(f"{in_sentence(r['treatment'])}, ORR {r['orr']} and CR {r['cr']}" for r in rows) or \
        fmt.NOT_REPORTED


def in_sentence(name: str) -> str:
    """Drug names are common nouns in running text: 'Glofitamab + Pola' -> 'glofitamab + Pola'."""
    return name[:1].lower() + name[1:]


# ----------------------------------------------------------------------------- trials and cohorts

def _prior_cart(registry: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for t in registry["trials"] if t["population"] == "prior_cart"]


def trial_vars(registry: dict[str, Any]) -> dict[str, str]:
    """Counts of trials (distinct NCT ids) and what they studied."""
    s = registry["summary"]
    # Most-studied antibody first (the JSON file stores keys sorted by name).
    by_antibody = dict(sorted(s["trials_by_antibody"].items(), key=lambda kv: (-kv[1], kv[0])))
    years = sorted(s["trials_by_year"].items(), key=lambda kv: kv[0], reverse=True)
    by_pub = s["trials_by_publication_type"]
    publications = [count(registry, by_pub[k], label) for k, label in PUBLICATION_TYPES.items() if by_pub.get(k)]
    partners = list(dict.fromkeys(t["partner_drug"] for t in _prior_cart(registry)
                                  if t["regimen"] == "combination" and t["partner_drug"]))
    return {
        "total": count(registry, s["n_trials"], "trial"),
        "prior_cart": count(registry, s["n_trials_prior_cart"], "trial"),
        "prior_cart_cap": count(registry, s["n_trials_prior_cart"], "trial", capital=True),
        "cart_naive": count(registry, s["n_trials_cart_naive"], "trial"),
        "participants_prior_cart": count(registry, s["participants_prior_cart"], "patient"),
        "participants_cart_naive": count(registry, s["participants_cart_naive"], "patient"),
        "publications": fmt.join_words(publications) or fmt.NOT_REPORTED,
        "year_range": fmt.year_range(*s["year_range"]),
        "by_year": fmt.join_words([f"{bare(registry, n, 'trial')} in {year}" for year, n in years]),
        "antibodies": fmt.join_words(list(by_antibody)),
        "antibody_count": count(registry, len(by_antibody), "antibody", "antibodies"),
        "by_antibody": fmt.join_words([f"{name} ({count(registry, n, 'trial')})" for name, n in by_antibody.items()]),
        "partner_drugs": fmt.join_words(partners, "or") or "other drugs",
    }


def refractory_sentence(registry: dict[str, Any]) -> str:
    """How many prior-CAR-T cohorts report the share refractory to CAR-T, and its range."""
    n = sum(t["refractory_to_cart"] is not None for t in _prior_cart(registry))
    value_range = registry["summary"]["refractory_to_cart_range"]
    if not n or not value_range:
        return "No cohort treated after CAR-T reported the proportion of patients refractory to CAR-T"
    return (f"The proportion of patients refractory to CAR-T, reported for {cohorts(registry, n)}, was "
            f"{fmt.percent_range(value_range)}")


def prior_lines_sentence(summary: dict[str, Any]) -> str:
    """Prior lines of therapy: cohort medians and the range over patients, each only if reported."""
    medians, overall = summary["prior_lines_median_range"], summary["prior_lines_overall_range"]
    median_text = f"The median number of prior lines of therapy per cohort was {fmt.number_range(medians)}"
    overall_text = f"individual patients had received {fmt.number_range(overall)} prior lines"
    if medians and overall:
        return f"{median_text}, and {overall_text}"
    if medians:
        return f"{median_text}; the range over individual patients was not reported"
    if overall:
        return f"{overall_text[0].upper()}{overall_text[1:]} of therapy; medians per cohort were not reported"
    return "The number of prior lines of therapy was not reported for the cohorts treated after CAR-T"


def cohort_vars(registry: dict[str, Any]) -> dict[str, str]:
    """Counts of cohorts (rows of trials.csv); those reporting an outcome are prior-CAR-T cohorts."""
    s = registry["summary"]
    reporting = s["cohorts_reporting"]
    return {
        "total": cohorts(registry, s["n_cohorts"]),
        "prior_cart": cohorts(registry, s["n_cohorts_prior_cart"]),
        "cart_naive": cohorts(registry, s["n_cohorts_cart_naive"]),
        "monotherapy": cohorts(registry, s["cohorts_by_regimen"].get("monotherapy", 0)),
        "combination": cohorts(registry, s["cohorts_by_regimen"].get("combination", 0)),
        "orr_reported_n": bare(registry, reporting["orr"], "cohort"),
        "cr_reported_n": bare(registry, reporting["cr"], "cohort"),
        "orr_missing": cohorts(registry, s["n_cohorts_prior_cart"] - reporting["orr"]),
        "size_range_prior_cart": fmt.number_range(s["n_patients_range_prior_cart"], "patients"),
        "refractory_sentence": refractory_sentence(registry),
        "prior_lines_sentence": prior_lines_sentence(s),
    }


# ----------------------------------------------------------------------------- review, methods, PRISMA

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
        "min_patients": count(registry, int(r["eligibility"]["min_patients_per_cohort"]), "patient"),
        "alpha": f"{significance_level(registry):g}",
        "i2_low": fmt.i2(low, 0),
        "i2_moderate": fmt.i2(moderate, 0),
        "original_software": r["original_software"],
    }


def methods_vars(registry: dict[str, Any]) -> dict[str, str]:
    """Method names from the one table in :mod:`analysis.formatting`."""
    s = registry["settings"]
    pooled_ci = fmt.method_name("hksj" if s["hksj"] else "wald")
    return {
        "transform": fmt.transform_description(s["transform"]),
        "scale": fmt.method_name(s["transform"]),
        "tau2": fmt.method_name(s["tau2_method"]),
        "pooled_ci": (f"the {pooled_ci} method (t distribution)" if s["hksj"] else f"the {pooled_ci} approximation"),
        "study_ci": fmt.method_name(s["study_ci"]),
        "groups": count(registry, len(registry["subgroups"]), "group"),
    }


#: How a broken step of the PRISMA flow reads in the text (keys: analysis.results.prisma_checks check names).
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
        consistency = (f"{fmt.count_noun(len(mismatches), 'step', capital=True)} of the published flow diagram "
                       f"{'does' if len(mismatches) == 1 else 'do'} not add up: {'; '.join(parts)}")
    else:
        consistency = "The counts of the published flow diagram add up at every step that can be checked"
    def count(n: int | None, noun: str) -> str:  # a series of counts, some large: digits throughout
        return fmt.count_noun(n, noun, words=False)

    return {
        "databases": count(c["identification"]["databases"], "record"),
        "other_sources": count(c["identification"]["other_sources"], "record"),
        "screened": count(c["screening"]["records_screened"], "record"),
        "screen_excluded": count(c["screening"]["records_excluded"], "record"),
        "assessed": count(c["eligibility"]["reports_assessed"], "report"),
        "fulltext_excluded": count(c["eligibility"]["reports_excluded"], "report"),
        "included": count(c["included"]["studies"], "trial"),
        "reasons": (fmt.join_words([f"{r['reason'][0].lower()}{r['reason'][1:]} (n = {r['n']})" for r in reasons])
                    or "reasons that were not reported"),
        "consistency": consistency,
    }


# ----------------------------------------------------------------------------- time-to-event

def tte_value(row: dict[str, Any]) -> str:
    """One cohort's value in prose: '9.7 months', 'not reached', '25.0% at 12 months'."""
    status = row["status"]
    if status == "median":
        return f"{fmt.number(row['value'])} {TTE_UNIT}"
    if status == "not_reached":
        return "not reached"
    if status == "not_estimable":
        return fmt.NOT_ESTIMABLE_TEXT
    if status == "landmark":
        return f"{fmt.percent(row['value'])} at {fmt.compact(row['landmark_months'])} {TTE_UNIT}"
    raise ValueError(f"unexpected time-to-event status {status!r}")


def tte_values(registry: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    """'9.7, 14.8 and 19.7 months; not reached in one cohort; a rate of 25.0% at 12 months'."""
    medians = [fmt.number(r["value"]) for r in rows if r["status"] == "median"]
    parts = []
    if medians:
        parts.append(f"{fmt.join_words(medians)} {TTE_UNIT}")
    for status, text in (("not_reached", "not reached"), ("not_estimable", fmt.NOT_ESTIMABLE_TEXT)):
        n = sum(r["status"] == status for r in rows)
        if n:
            parts.append(f"{text} in {cohorts(registry, n)}")
    parts += [f"a rate of {tte_value(r)}" for r in rows if r["status"] == "landmark"]
    return "; ".join(parts) if parts else "none reported"


def median_range(rows: list[dict[str, Any]]) -> str:
    """The medians reported for one outcome as a range: '3.8–31.1 months', '22.0 months', or 'not reported'."""
    medians = [r["value"] for r in rows if r["status"] == "median"]
    if not medians:
        return fmt.NOT_REPORTED
    low, high = fmt.number(min(medians)), fmt.number(max(medians))
    return f"{low} {TTE_UNIT}" if low == high else f"{low}{fmt.DASH}{high} {TTE_UNIT}"


def followup_sentence(registry: dict[str, Any]) -> str:
    n = registry["summary"]["cohorts_reporting"]["followup"]
    value_range = registry["time_to_event"]["followup"]["range"]
    if not n or not value_range:
        return "No cohort treated after CAR-T reported its median follow-up"
    return f"Median follow-up, reported for {cohorts(registry, n)}, was {fmt.number_range(value_range, TTE_UNIT)}"


def tte_vars(registry: dict[str, Any]) -> dict[str, Any]:
    t = registry["time_to_event"]
    out: dict[str, Any] = {key: {"cohorts": cohorts(registry, len(t[key]["rows"])),
                                 "summary": tte_values(registry, t[key]["rows"]),
                                 "median_range": median_range(t[key]["rows"]),
                                 "median_cohorts": cohorts(registry, sum(r["status"] == "median"
                                                                          for r in t[key]["rows"]))}
                           for key in ("dor", "docr", "pfs", "os")}
    out["followup_sentence"] = followup_sentence(registry)
    return out


# ----------------------------------------------------------------------------- everything

def build_variables(registry: dict[str, Any]) -> dict[str, Any]:
    """The full ``_variables.yml`` content (nested dicts of strings)."""
    return {
        "review": review_vars(registry),
        "methods": methods_vars(registry),
        "prisma": prisma_vars(registry),
        "trials": trial_vars(registry),
        "cohorts": cohort_vars(registry),
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
