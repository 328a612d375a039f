"""The target journal's limits (data/journal.yaml): the build stops on a long abstract, check-manuscript and the
audit report every limit, and the abstract stays within its limit however many trials are added."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml

from analysis import formatting as fmt
from analysis.audit import load_context, run_audit
from analysis.inputs.errors import DataError
from analysis.quarto.check import check_project
from tests.manuscript_project import build, copy_project

STEPS = ["results", "tables", "manuscript-variables"]


def abstract_of(root: Path) -> str:
    return yaml.safe_load((root / "build" / "abstract.yml").read_text())["abstract"]


def test_the_journal_file_names_its_sources() -> None:
    from tests.conftest import ROOT
    journal = yaml.safe_load((ROOT / "data" / "journal.yaml").read_text())
    assert (journal["abstract_words_max"], journal["keywords_min"], journal["keywords_max"]) == (350, 5, 8)
    assert journal["figures_tables_max"] == 15
    assert all("https://" in journal["sources"][k] for k in ("abstract_words_max", "keywords", "figures_tables_max"))


def test_an_abstract_over_the_limit_stops_the_build_naming_the_template(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "project")
    template = root / "manuscript" / "_templates" / "abstract.md.j2"
    # Listing every cohort's rates several times over, as an author might: far above 350 words.
    template.write_text(template.read_text() + "\n" + " ".join(["{{ rates.mono }}; {{ rates.combo }}."] * 4) + "\n")
    with pytest.raises(DataError) as info:
        build(root, only=STEPS)
    message = str(info.value)
    assert "journal.yaml" in message and "allows at most 350 (abstract_words_max)" in message
    assert "manuscript/_templates/abstract.md.j2" in message
    assert not (root / "build" / "abstract.yml").exists()  # nothing stale left for a render


def test_check_manuscript_and_the_audit_report_keywords_and_figures(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "project")
    build(root)
    _, problems = check_project(root)
    assert problems == []
    journal = root / "data" / "journal.yaml"
    journal.write_text(journal.read_text().replace("keywords_max: 8", "keywords_max: 6")
                       .replace("figures_tables_max: 15", "figures_tables_max: 5"))
    _, problems = check_project(root)
    text = [p.render(root) for p in problems]
    assert any(t.startswith("manuscript/index.qmd:56:1: keywords: 8, outside the limit of Frontiers in Oncology "
                            "(Systematic Review) (5 to 6") for t in text), text
    assert any("figures and tables: 7, outside the limit" in t and "(at most 5" in t for t in text), text
    found = {f.claim.split(" within")[0]: f for f in run_audit(load_context(root), ["journal"])}
    assert found["keywords"].outcome == "mismatch" and found["figures and tables"].evidence.reported == "7"
    assert found["abstract words"].outcome == "match"


def test_the_abstract_stays_within_the_limit_as_trials_are_added(tmp_path: Path) -> None:
    """Twenty more trials, with new antibodies and partners, change the numbers but not the abstract's length."""
    root = copy_project(tmp_path / "project")
    build(root, only=STEPS)
    before = fmt.word_count(abstract_of(root))
    path = root / "data" / "trials.csv"
    with open(path, newline="", encoding="utf-8") as f:
        fields = list(csv.DictReader(f).fieldnames or [])
    with open(path, "a", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        for i in range(20):
            combo = i % 2 == 1
            writer.writerow({k: "" for k in fields} | {
                "study_id": f"extra{i}", "nct_id": f"NCT0900{i:04d}", "first_author": f"Extra{i}", "year": "2026",
                "reference_key": "shen2025", "publication_type": "full_paper", "population": "prior_cart",
                "regimen": "combination" if combo else "monotherapy", "antibody": ["glofitamab", "imvotamab"][i % 2],
                "partner_drug": "lenalidomide" if combo else "", "partner_abbreviation": "Len" if combo else "",
                "n_patients": str(20 + i), "orr_events": str(10 + i // 2), "cr_events": str(5 + i // 3),
                "dor_status": "median", "dor_value": str(6 + i), "docr_status": "not_reported",
                "pfs_status": "median", "pfs_value": str(3 + i / 2), "os_status": "not_reached",
                "followup_months": str(12 + i)})
    build(root, only=STEPS)
    after = abstract_of(root)
    assert "imvotamab" in after and "29 trials" in after
    assert fmt.word_count(after) <= 350 and fmt.word_count(after) - before <= 5
