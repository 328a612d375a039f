"""Manuscript variables, abstract and fragments: values checked against hand calculation and the paper."""

from __future__ import annotations

import copy
import csv
import hashlib
import json
import re
from pathlib import Path

import pytest
import yaml

from analysis import formatting as fmt
from analysis.manuscript.text_files import write_manuscript_files
from analysis.manuscript.variables import (build_variables, heterogeneity_words, median_range, prior_lines_sentence,
                                          tte_values)
from analysis.quarto.check import check_project
from tests.manuscript_project import build, copy_project


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("vars") / "project")
    build(root, only=["results", "manuscript-variables"])
    return root


@pytest.fixture(scope="module")
def registry(project: Path) -> dict:
    return json.loads((project / "build" / "results.json").read_text())


@pytest.fixture(scope="module")
def variables(project: Path) -> dict:
    return yaml.safe_load((project / "_variables.yml").read_text())


def trial_rows(project: Path) -> list[dict[str, str]]:
    with open(project / "data" / "trials.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_counts_match_a_hand_count_of_trials_csv(project: Path, variables: dict) -> None:
    rows = trial_rows(project)
    prior = [r for r in rows if r["population"] == "prior_cart"]
    assert len({r["nct_id"] for r in rows}) == 9
    assert variables["trials"]["total"] == "nine trials" and variables["trials"]["prior_cart_cap"] == "Nine trials"
    assert variables["trials"]["participants_prior_cart"] == f"{sum(int(r['n_patients']) for r in prior)} patients"
    assert variables["trials"]["participants_prior_cart"] == "350 patients"  # the paper's count
    naive = [r for r in rows if r["population"] == "cart_naive"]
    assert variables["trials"]["participants_cart_naive"] == f"{sum(int(r['n_patients']) for r in naive)} patients"
    assert variables["trials"]["participants_cart_naive"] == "233 patients"
    # Cohorts by regimen (rows of trials.csv: 5 monotherapy + 4 combination = 9 prior-CAR-T cohorts). The article
    # counts 12 cohorts in all, so by the house rule every cohort count is a numeral; trials stay words (nine).
    assert variables["cohorts"]["monotherapy"] == "5 cohorts"
    assert variables["cohorts"]["combination"] == "4 cohorts"
    assert variables["cohorts"]["prior_cart"] == "9 cohorts" and variables["cohorts"]["total"] == "12 cohorts"
    # Abramson 2024 reports no ORR: 8 of the 9 prior-CAR-T cohorts report it, all 9 report CR.
    assert variables["cohorts"]["orr_reported_n"] == "8" and variables["cohorts"]["cr_reported_n"] == "9"
    assert variables["cohorts"]["orr_missing"] == "1 cohort"
    assert variables["cohorts"]["size_range_prior_cart"] == "13\u201361 patients"  # Abramson 13 .. Thieblemont 61
    assert variables["trials"]["publications"] == "seven full papers and two conference abstracts"
    assert variables["trials"]["by_antibody"] == ("glofitamab (four trials), epcoritamab (two trials), "
                                                  "mosunetuzumab (two trials) and odronextamab (one trial)")
    # Partner drugs of the prior-CAR-T combination cohorts, from the partner_drug column (in file order).
    assert variables["trials"]["partner_drugs"] == "polatuzumab vedotin or gemcitabine plus oxaliplatin"
    assert variables["methods"]["groups"] == "three groups" and variables["orr"]["groups"] == "three groups"


def test_pooled_values_match_the_papers_printed_values(variables: dict) -> None:
    """Where the paper's numbers are right (Shen et al. 2025, Abstract and Results), the text shows them."""
    assert variables["orr"]["mono"]["est_ci"] == "54.5% (95% CI 43.1\u201365.7%)"
    assert variables["orr"]["mono"]["het"].endswith("(I\u00b2 = 68.2%, P = 0.013)")
    assert variables["cr"]["mono"]["est_ci"] == "35.6% (95% CI 29.1\u201342.2%)"
    assert "I\u00b2 = 13.5%" in variables["cr"]["mono"]["het"]
    assert variables["orr"]["combo"]["est_ci"] == "70.0% (95% CI 56.4\u201382.2%)"
    assert variables["cr"]["combo"]["est_ci"] == "44.2% (95% CI 34.5\u201354.1%)"
    assert variables["orr"]["naive"]["est_ci"] == "73.9% (95% CI 55.3\u201388.9%)"
    assert variables["cr"]["naive"]["est_ci"] == "53.2% (95% CI 38.1\u201368.0%)"
    assert variables["orr"]["overall"]["est_ci"] == "64.4% (95% CI 54.6\u201373.5%)"  # Figure 3 of the paper


def test_heterogeneity_wording_follows_the_numbers_not_the_paper(variables: dict) -> None:
    """The paper calls the combination and CAR-T-naive subgroups homogeneous; the data say otherwise."""
    assert variables["orr"]["mono"]["het"].startswith("substantial heterogeneity")  # I² 68.2% > 50%
    assert variables["cr"]["mono"]["het"].startswith("low heterogeneity")  # 13.5% <= 25%
    assert variables["orr"]["combo"]["het"].startswith("moderate heterogeneity")  # 44.6%: 25% < I² <= 50%
    assert variables["cr"]["combo"]["het"].startswith("no observable heterogeneity")  # I² = 0
    assert variables["orr"]["naive"]["het"].startswith("substantial heterogeneity")
    assert variables["cr"]["naive"]["het"].startswith("substantial heterogeneity")


@pytest.mark.parametrize("i2, expected", [
    (25.0, "low heterogeneity"), (25.06, "moderate heterogeneity"), (50.0, "moderate heterogeneity"),
    (50.06, "substantial heterogeneity"), (0.0, "no observable heterogeneity"),
    # Decided on I² as printed with one decimal: 25.04 prints '25.0%' (low), 50.04 prints '50.0%' (moderate),
    # 0.04 prints '0.0%' (none observable).
    (25.04, "low heterogeneity"), (50.04, "moderate heterogeneity"), (0.04, "no observable heterogeneity"),
])
def test_heterogeneity_thresholds_of_the_methods_section(i2: float, expected: str) -> None:
    assert heterogeneity_words(i2, 0.2, 25, 50).startswith(expected + " (I\u00b2 = ")


def test_wording_changes_when_the_numbers_change(registry: dict) -> None:
    changed = copy.deepcopy(registry)
    mono = changed["outcomes"]["orr"]["subgroups"]["prior_cart_monotherapy"]
    mono["i2"], mono["q_p"] = 10.0, 0.4
    changed["outcomes"]["orr"]["overall"]["egger"]["p"] = 0.01
    for check in changed["prisma"]["checks"]:
        check["status"] = "ok"
    combo = changed["outcomes"]["orr"]["subgroups"]["prior_cart_combination"]
    combo["estimate"] = 0.30
    v = build_variables(changed)
    assert v["orr"]["mono"]["het"] == "low heterogeneity (I\u00b2 = 10.0%, P = 0.400)"
    assert v["orr"]["bias"]["verdict"] == "showed evidence of small-study effects"
    assert v["prisma"]["consistency"].startswith("The counts of the published flow diagram add up")
    # The test for subgroup differences is not significant (P = 0.099): the comparison is only numerical.
    assert v["compare"]["orr"]["combo_vs_mono"] == "numerically lower than"
    changed["outcomes"]["orr"]["subgroup_difference"]["p"] = 0.001
    assert build_variables(changed)["compare"]["orr"]["combo_vs_mono"] == "lower than"


def test_verdicts_follow_the_printed_values(registry: dict) -> None:
    """I² 25.04 prints '25.0%' (low at a 25% threshold); P 0.0496 prints '0.050' (not significant at 0.05)."""
    changed = copy.deepcopy(registry)
    mono = changed["outcomes"]["orr"]["subgroups"]["prior_cart_monotherapy"]
    mono["i2"], mono["q_p"] = 25.04, 0.2
    changed["outcomes"]["orr"]["subgroup_difference"]["p"] = 0.0496
    changed["outcomes"]["cr"]["subgroup_difference"]["p"] = 0.0494
    changed["outcomes"]["orr"]["overall"]["egger"]["p"] = 0.0496
    changed["outcomes"]["orr"]["overall"]["begg"]["p"] = 0.2
    v = build_variables(changed)
    assert v["orr"]["mono"]["het_class"] == "low"
    assert v["orr"]["mono"]["het"] == "low heterogeneity (I\u00b2 = 25.0%, P = 0.200)"
    assert v["orr"]["difference"].endswith("P = 0.050")
    assert v["orr"]["difference_verdict"] == "did not differ significantly"
    assert v["cr"]["difference"].endswith("P = 0.049") and v["cr"]["difference_verdict"] == "differed significantly"
    assert v["compare"]["orr"]["naive_vs_mono"] == "numerically higher than"
    assert v["compare"]["cr"]["naive_vs_mono"] == "higher than"  # 53.2% vs 35.6%, test significant as printed
    assert v["orr"]["bias"]["verdict"] == "showed no evidence of small-study effects"


@pytest.mark.parametrize("p, alpha, expected", [
    (0.0496, 0.05, False), (0.0494, 0.05, True), (0.05, 0.05, False), (0.0004, 0.05, True),
    (0.0004, 0.001, True), (0.2, 0.05, False), (None, 0.05, None),
])
def test_significance_is_decided_on_the_printed_p_value(p, alpha, expected) -> None:
    assert fmt.is_significant(p, alpha) is expected


def test_statistics_that_cannot_be_estimated_do_not_print_nr(registry: dict, variables: dict) -> None:
    """'NR' means 'not reached' in Table 1; a missing statistic is 'NE' / 'not estimable'."""
    assert fmt.percent(None) == fmt.i2(None) == fmt.number(None) == fmt.tau_squared(None) == "NE"
    assert fmt.interval(None, None) == "NE\u2013NE"
    assert fmt.p_value(None) == "P not estimable" and fmt.q_test(None, None, None) == "Q not estimable"
    changed = copy.deepcopy(registry)
    naive = changed["outcomes"]["orr"]["subgroups"]["cart_naive"]
    naive["pi_low"] = naive["pi_high"] = None
    naive["i2"] = naive["q_p"] = None
    changed["outcomes"]["orr"]["glmm"]["cart_naive"] = {"error": "too few studies"}
    v = build_variables(changed)
    assert v["orr"]["naive"]["pi"] == v["orr"]["naive"]["glmm"] == "not estimable"
    assert v["orr"]["naive"]["het"] == "heterogeneity that could not be estimated"
    for tree in (v, variables):
        words = " ".join(leaves_of(tree)).replace(",", " ").replace(")", " ").split()
        assert "NR" not in words


def leaves_of(tree: dict) -> list[str]:
    out = []
    for value in tree.values():
        out += leaves_of(value) if isinstance(value, dict) else [value]
    return out


def test_no_unused_overall_range(variables: dict) -> None:
    """The overall analysis includes the CAR-T-naive cohorts, so a prior-CAR-T range must not be shown as its
    range; the single-cohort range is offered only as range_prior_cart (and per group)."""
    assert "range" not in variables["orr"]["overall"] and "range" not in variables["cr"]["overall"]
    # Per group, from trials.csv by hand: monotherapy ORR Chong 11/27 .. Cartron 35/46; combination CR Budde
    # 14/35 .. Abramson 7/13.
    assert variables["orr"]["mono"]["range"] == f"{100 * 11 / 27:.1f}\u2013{100 * 35 / 46:.1f}%"
    assert variables["cr"]["combo"]["range"] == f"{100 * 14 / 35:.1f}\u2013{100 * 7 / 13:.1f}%"
    assert variables["cr"]["range_prior_cart"] == f"{100 * 6 / 27:.1f}\u2013{100 * 7 / 13:.1f}%"  # Chong .. Abramson


def test_method_names_come_from_the_one_table_in_formatting(registry: dict, variables: dict) -> None:
    assert variables["methods"]["tau2"] == "DerSimonian\u2013Laird"
    assert variables["methods"]["scale"] == "Freeman\u2013Tukey double arcsine"
    assert variables["methods"]["study_ci"] == "exact Clopper\u2013Pearson"
    assert variables["methods"]["transform"].startswith("Freeman\u2013Tukey double arcsine scale, back-transformed")
    changed = copy.deepcopy(registry)
    changed["settings"].update(transform="logit", tau2_method="reml", study_ci="wilson", hksj=True)
    m = build_variables(changed)["methods"]
    assert m["scale"] == "logit" and m["tau2"] == "restricted maximum likelihood" and m["study_ci"] == "Wilson score"
    assert m["transform"] == "logit scale, back-transformed with the inverse logit"
    assert m["pooled_ci"].startswith("the Hartung\u2013Knapp\u2013Sidik\u2013Jonkman method")
    import analysis.manuscript.variables as mv
    assert not [name for name in ("TAU2_TEXT", "TRANSFORM_SHORT", "TRANSFORM_TEXT", "STUDY_CI_TEXT", "range_text")
                if hasattr(mv, name)]


def test_the_method_table_names_every_method_the_engine_offers() -> None:
    from analysis.stats.study_ci import STUDY_CI_METHODS
    from analysis.stats.tau2 import TAU2_ESTIMATORS
    from analysis.stats.transforms import TRANSFORMS

    for code in [*TRANSFORMS, *TAU2_ESTIMATORS, *STUDY_CI_METHODS, "hksj", "wald"]:
        assert code in fmt.METHOD_NAMES, code
    assert fmt.method_name("dl") == "DerSimonian\u2013Laird" and fmt.method_name("pm") == "Paule\u2013Mandel"


def test_counts_carry_their_noun_in_the_right_number() -> None:
    assert fmt.count_noun(1, "trial") == "one trial" and fmt.count_noun(2, "trial") == "two trials"
    assert fmt.count_noun(0, "cohort") == "no cohorts" and fmt.count_noun(14, "cohort") == "14 cohorts"
    assert fmt.count_noun(4, "antibody", "antibodies") == "four antibodies"
    assert fmt.count_noun(9, "trial", words=False) == "9 trials"
    assert fmt.count_noun(None, "record") == "an unreported number of records"
    assert fmt.count_noun(1, "trial", capital=True) == "One trial"


def test_ranges_and_years_are_formatted_in_formatting() -> None:
    assert fmt.number_range([13, 42], "months") == "13\u201342 months"
    assert fmt.number_range([3.0, 3.0]) == "3" and fmt.number_range(None) == "not reported"
    assert fmt.percent_range([0.407, 0.761]) == "40.7\u201376.1%" and fmt.percent_range([0.5, 0.5]) == "50.0%"
    assert fmt.percent_range(None) == "not reported"
    assert fmt.year_range(2023, 2025) == "2023\u20132025" and fmt.year_range(2025, 2025) == "2025"


@pytest.mark.parametrize("medians, overall, expected", [
    ([1.0, 3.0], [1.0, 13.0], ("The median number of prior lines of therapy per cohort was 1\u20133, and "
                               "individual patients had received 1\u201313 prior lines")),
    ([1.0, 3.0], None, ("The median number of prior lines of therapy per cohort was 1\u20133; the range over "
                        "individual patients was not reported")),
    (None, [2.0, 9.0], ("Individual patients had received 2\u20139 prior lines of therapy; medians per cohort were "
                        "not reported")),
    (None, None, "The number of prior lines of therapy was not reported for the cohorts treated after CAR-T"),
])
def test_prior_lines_sentence_reads_well_whatever_is_reported(medians, overall, expected) -> None:
    summary = {"prior_lines_median_range": medians, "prior_lines_overall_range": overall}
    assert prior_lines_sentence(summary) == expected


def blank_columns(root: Path, columns: list[str]) -> None:
    path = root / "data" / "trials.csv"
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        fields, rows = list(reader.fieldnames or []), list(reader)
    for row in rows:
        row.update({c: "" for c in columns})
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def test_build_succeeds_and_reads_well_when_characteristics_are_not_reported(tmp_path: Path) -> None:
    """No cohort reports prior lines, refractoriness or follow-up: the registry's ranges are null."""
    root = copy_project(tmp_path / "project")
    blank_columns(root, ["prior_lines_median", "prior_lines_min", "prior_lines_max", "refractory_to_cart",
                         "followup_months"])
    build(root)
    v = yaml.safe_load((root / "_variables.yml").read_text())
    assert v["cohorts"]["prior_lines_sentence"] == ("The number of prior lines of therapy was not reported for the "
                                                    "cohorts treated after CAR-T")
    assert v["cohorts"]["refractory_sentence"] == ("No cohort treated after CAR-T reported the proportion of "
                                                   "patients refractory to CAR-T")
    assert v["tte"]["followup_sentence"] == "No cohort treated after CAR-T reported its median follow-up"
    abstract = yaml.safe_load((root / "build" / "abstract.yml").read_text())["abstract"]
    assert "No cohort treated after CAR-T reported its median follow-up." in abstract
    table1 = (root / "build" / "tables" / "table1.md").read_text()
    assert "| 3 (2" not in table1  # no prior-lines cell left over
    _, problems = check_project(root)
    assert [p.render(root) for p in problems] == []


def test_prisma_inconsistencies_are_stated(variables: dict) -> None:
    # data/prisma.yaml: 384 screened - 207 excluded = 177, not the 77 assessed; reasons 4 + 5 = 9, not 68.
    text = variables["prisma"]["consistency"]
    assert text.startswith("Two steps of the published flow diagram do not add up")
    assert "leaves 177, but 77 full texts" in text and "add up to 9, but 68 full texts" in text


def test_per_treatment_rates_are_computed_from_counts(variables: dict) -> None:
    # Chong 2025: 11/27 and 6/27; glofitamab: 26/52 to 35/46 and 20/52 to 21/46 (trials.csv).
    mono = variables["rates"]["mono"]
    assert mono.startswith(f"mosunetuzumab, ORR {100 * 11 / 27:.1f}% and CR {100 * 6 / 27:.1f}%; ")
    assert f"glofitamab, ORR {100 * 26 / 52:.1f}\u2013{100 * 35 / 46:.1f}% and CR " \
           f"{100 * 20 / 52:.1f}\u2013{100 * 21 / 46:.1f}%" in mono
    assert "glofitamab + GemOx, ORR not reported and CR 53.8%" in variables["rates"]["combo"]


def test_time_to_event_lists() -> None:
    rows = [{"status": "median", "value": 9.7}, {"status": "landmark", "value": 0.25, "landmark_months": 12.0},
            {"status": "not_reached", "value": None}, {"status": "median", "value": 14.8},
            {"status": "not_reached", "value": None}]
    few = {"summary": {"n_trials": 3, "n_cohorts": 5, "participants_total": 100, "trials_by_antibody": {}},
           "review": {"eligibility": {"min_patients_per_cohort": 10}}, "subgroups": []}
    assert tte_values(few, rows) == "9.7 and 14.8 months; not reached in two cohorts; a rate of 25.0% at 12 months"
    assert tte_values(few, []) == "none reported"
    many = {**few, "summary": {**few["summary"], "n_cohorts": 14}}  # 14 cohorts in the article: numerals
    assert tte_values(many, rows) == "9.7 and 14.8 months; not reached in 2 cohorts; a rate of 25.0% at 12 months"
    assert median_range(rows) == "9.7\u201314.8 months" and median_range(rows[2:3]) == "not reported"


def test_time_to_event_variables(variables: dict) -> None:
    assert variables["tte"]["pfs"]["summary"] == "3.8, 4.8, 6.1, 9.6, 13.7 and 31.1 months"  # paper, Results
    # All nine prior-CAR-T rows of trials.csv give a follow-up, from 13 (Hutchings 2023b) to 42 months (Chong).
    assert variables["tte"]["followup_sentence"] == "Median follow-up, reported for 9 cohorts, was 13\u201342 months"
    assert variables["tte"]["dor"]["cohorts"] == "5 cohorts"
    assert variables["tte"]["pfs"]["median_range"] == "3.8\u201331.1 months" and \
        variables["tte"]["pfs"]["median_cohorts"] == "6 cohorts"


def test_methods_facts_come_from_review_yaml(variables: dict) -> None:
    assert variables["review"]["search_start"] == "1 January 2019"
    assert variables["review"]["search_end"] == "20 May 2025"
    assert variables["review"]["id"] == "CRD42024621005"
    assert variables["review"]["min_patients"] == "10 patients"  # patients are counted in hundreds: numerals
    assert variables["review"]["i2_low"] == "25%" and variables["review"]["i2_moderate"] == "50%"
    assert variables["review"]["alpha"] == "0.05"


def test_every_variable_is_a_non_empty_string(variables: dict) -> None:
    def leaves(tree, path=""):
        for k, v in tree.items():
            if isinstance(v, dict):
                yield from leaves(v, f"{path}{k}.")
            else:
                yield f"{path}{k}", v
    bad = [(k, v) for k, v in leaves(variables) if not isinstance(v, str) or not v.strip()]
    assert bad == []


def test_abstract_is_formatted_text_without_shortcodes(project: Path, variables: dict) -> None:
    abstract = yaml.safe_load((project / "build" / "abstract.yml").read_text())["abstract"]
    for heading in ("**Objective:**", "**Methods:**", "**Results:**", "**Conclusion:**",
                    "**Systematic review registration:**"):
        assert heading in abstract
    assert "{{" not in abstract and "?var" not in abstract
    assert "We included nine trials with 350 patients treated after CAR-T." in abstract
    assert variables["orr"]["mono"]["est_ci"] in abstract


def test_fragments_cite_the_trials(project: Path) -> None:
    text = (project / "build" / "manuscript" / "response-by-treatment.md").read_text()
    assert "[@hutchings2023a; @cartron2025]" in text
    tte = (project / "build" / "manuscript" / "time-to-event.md").read_text()
    assert "*Overall survival* (3 cohorts [@topp2025; @cartron2025; @hutchings2023a])" in tte


def test_provenance_hook_records_the_data_hashes(project: Path) -> None:
    meta = yaml.safe_load((project / "build" / "provenance.yml").read_text())["provenance"]
    expected = hashlib.sha256((project / "data" / "trials.csv").read_bytes()).hexdigest()
    assert meta["data_sha256"]["trials.csv"] == expected


def test_a_misspelt_template_variable_is_a_clear_error(project: Path, registry: dict, tmp_path: Path) -> None:
    root = copy_project(tmp_path / "p")
    template = root / "manuscript" / "_templates" / "abstract.md.j2"
    template.write_text(template.read_text() + "\n{{ orr.mono.estimat }}\n")
    with pytest.raises(ValueError, match=r"abstract\.md\.j2.*estimat"):
        write_manuscript_files(root, registry)


def test_the_variables_are_a_deliberate_set(project: Path, variables: dict) -> None:
    """Variables the sources do not use must belong to a uniform family documented in manuscript.variables (the
    per-group block of every pooled analysis, the comparisons, the rates of every group) or to the short list of
    kept extras; every other variable is used by index.qmd or a template."""
    def leaves(tree: dict, prefix: str = "") -> list[str]:
        out = []
        for k, v in tree.items():
            out += leaves(v, f"{prefix}{k}.") if isinstance(v, dict) else [f"{prefix}{k}"]
        return out

    sources = (project / "manuscript" / "index.qmd").read_text()
    sources += "".join(p.read_text() for p in (project / "manuscript" / "_templates").glob("*.j2"))
    used = set(re.findall(r"\{\{<\s*var\s+([\w.]+)\s*>\}\}", sources))
    used |= set(re.findall(r"\{\{\s*([\w.]+)\s*\}\}", sources))
    block = {"cohorts", "patients", "est", "est_ci", "het", "het_class", "pi", "glmm"}
    for outcome in ("orr", "cr"):
        for group in ("mono", "combo", "naive", "overall"):
            assert set(variables[outcome][group]) == block | ({"range"} if group != "overall" else set()), \
                (outcome, group)
    family = re.compile(r"^(?:(?:orr|cr)\.(?:mono|combo|naive|overall)\.\w+|compare\.(?:orr|cr)\.\w+|rates\.\w+|"
                        r"(?:orr|cr)\.range_prior_cart|cohorts\.orr_missing|tte\.\w+\.(?:median_range|median_cohorts|"
                        r"summary|cohorts))$")
    stray = [key for key in leaves(variables) if key not in used and not family.match(key)]
    assert stray == []
