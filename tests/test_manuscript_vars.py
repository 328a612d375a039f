"""Manuscript variables, abstract and fragments: values checked against hand calculation and the paper."""

from __future__ import annotations

import copy
import csv
import hashlib
import json
from pathlib import Path

import pytest
import yaml

from analysis.manuscript_text import write_manuscript_files
from analysis.manuscript_vars import build_variables, heterogeneity_words, tte_values
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
    assert variables["trials"]["n"] == "nine" and variables["trials"]["n_cap"] == "Nine"
    assert variables["trials"]["participants_prior_cart"] == str(sum(int(r["n_patients"]) for r in prior))
    assert variables["trials"]["participants_prior_cart"] == "350"  # the paper's count
    naive = [r for r in rows if r["population"] == "cart_naive"]
    assert variables["trials"]["participants_cart_naive"] == str(sum(int(r["n_patients"]) for r in naive)) == "233"
    assert variables["trials"]["monotherapy"] == "five" and variables["trials"]["combination"] == "four"
    assert variables["trials"]["full_papers"] == "seven" and variables["trials"]["abstracts"] == "two"
    assert variables["trials"]["by_antibody"] == ("glofitamab (four trials), epcoritamab (two trials), "
                                                  "mosunetuzumab (two trials) and odronextamab (one trial)")


def test_pooled_values_match_the_papers_printed_values(variables: dict) -> None:
    """Where the paper's numbers are right (Shen et al. 2025, Abstract and Results), the text shows them."""
    assert variables["orr"]["mono"]["est_ci"] == "54.5% (95% CI 43.1\u201365.7%)"
    assert variables["orr"]["mono"]["i2"] == "68.2%" and variables["orr"]["mono"]["p_het"] == "P = 0.013"
    assert variables["cr"]["mono"]["est_ci"] == "35.6% (95% CI 29.1\u201342.2%)"
    assert variables["cr"]["mono"]["i2"] == "13.5%"
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
    (25.0, "low heterogeneity"), (25.01, "moderate heterogeneity"), (50.0, "moderate heterogeneity"),
    (50.01, "substantial heterogeneity"), (0.0, "no observable heterogeneity"),
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
    assert v["compare"]["orr"]["combo_vs_mono"] == "lower than"


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
    assert tte_values(rows) == "9.7 and 14.8 months; not reached in two trials; a rate of 25.0% at 12 months"
    assert tte_values([]) == "none reported"


def test_time_to_event_variables(variables: dict) -> None:
    assert variables["tte"]["pfs"]["summary"] == "3.8, 4.8, 6.1, 9.6, 13.7 and 31.1 months"  # paper, Results
    assert variables["tte"]["followup_range"] == "13\u201342 months"
    assert variables["tte"]["dor"]["n"] == "five"


def test_methods_facts_come_from_review_yaml(variables: dict) -> None:
    assert variables["review"]["search_start"] == "1 January 2019"
    assert variables["review"]["search_end"] == "20 May 2025"
    assert variables["review"]["id"] == "CRD42024621005"
    assert variables["review"]["min_patients"] == "10"
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
    assert "Nine trials with 350 patients" in abstract
    assert variables["orr"]["mono"]["est_ci"] in abstract


def test_fragments_cite_the_trials(project: Path) -> None:
    text = (project / "build" / "manuscript" / "response-by-treatment.md").read_text()
    assert "[@hutchings2023a; @cartron2025]" in text
    tte = (project / "build" / "manuscript" / "time-to-event.md").read_text()
    assert "*Overall survival* (three trials [@topp2025; @cartron2025; @hutchings2023a])" in tte


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
