"""Each audit rule on small crafted inputs: one that must trigger it and one that must not."""

from __future__ import annotations

import os
import textwrap
import time
from pathlib import Path

import pytest

from analysis.audit import claims, data, manuscript, prisma, reproduction
from analysis.audit.context import AuditContext
from analysis.audit.model import MATCH, MISMATCH, exit_code
from analysis.audit.source import load_source
from analysis.quarto.render_output import record_render
from analysis.results.prisma_checks import check_flow


def make_ctx(tmp_path: Path, reported_yaml: str, registry: dict) -> AuditContext:
    (tmp_path / "data").mkdir(exist_ok=True)
    path = tmp_path / "data" / "reported.yaml"
    path.write_text(textwrap.dedent(reported_yaml))
    registry.setdefault("review", {"heterogeneity_thresholds": {"low": 25, "moderate": 50}})
    registry.setdefault("trials", [])
    return AuditContext(tmp_path, registry, load_source(path), tmp_path / "_manuscript")


def trial(sid: str, n: int, orr: int | None, cr: int | None, **extra) -> dict:
    return {"study_id": sid, "label": sid.capitalize(), "n_patients": n, "orr_events": orr, "cr_events": cr,
            "population": "prior_cart", "regimen": "monotherapy", **extra}


def outcomes(bad: list[str]) -> list[str]:
    return [f.outcome for f in bad]


# ----------------------------------------------------------------------------- data

def test_events_within_totals():
    ok = data.events_within_totals([trial("a", 10, 5, 3)])
    assert outcomes(ok) == [MATCH]
    bad = data.events_within_totals([trial("a", 10, 12, 3), trial("b", 10, 4, 6)])
    assert outcomes(bad) == [MISMATCH, MISMATCH]
    assert "12" in bad[0].evidence.reported


def _registry_with_subgroups(patients: tuple[int, int], overall: int) -> dict:
    sub = lambda p: {"k": 2, "patients": p, "events": 5}  # noqa: E731
    return {"outcomes": {"orr": {"subgroups": {"a": sub(patients[0]), "b": sub(patients[1])},
                                 "overall": {"k": 4, "patients": overall, "events": 10}}},
            "trials": [trial("a", 30, 1, 1)], "summary": {"participants_prior_cart": 30, "participants_cart_naive": 0}}


def test_registry_totals():
    assert all(f.outcome == MATCH for f in data.registry_totals(_registry_with_subgroups((10, 20), 30)))
    bad = [f for f in data.registry_totals(_registry_with_subgroups((10, 20), 31)) if f.outcome == MISMATCH]
    assert len(bad) == 1 and "patients" in bad[0].claim


def test_percent_of_count():
    f = data.percent_finding("r", "paper", "loc", "c", "40", 11, 27)
    assert f.outcome == MISMATCH and "GRIM" in f.explanation
    assert data.percent_finding("r", "paper", "loc", "c", "40.7", 11, 27).outcome == MATCH
    f = data.percent_finding("r", "paper", "loc", "c", "37", 20, 52)
    assert f.outcome == MISMATCH and "19/52" in f.explanation
    assert data.percent_finding("r", "paper", "loc", "c", "84.2", None, 17).outcome == MISMATCH
    assert data.percent_finding("r", "paper", "loc", "c", "34.9", None, 43).outcome == MATCH


def test_stated_subtotals(tmp_path):
    ctx = make_ctx(tmp_path, """
        subtotals:
          - {what: ok, parts: [43, 17], total_data: "trials[study_id=a].n_patients", where: Discussion}
          - {what: short, parts: [29, 11, 13, 6], total_data: "trials[study_id=a].n_patients"}
          - {what: printed, parts: [4, 5], total: 9}
        """, {"trials": [trial("a", 60, 30, 20)]})
    found = data.stated_subtotals(ctx)
    assert outcomes(found) == [MATCH, MISMATCH, MATCH]
    assert found[1].evidence.difference == "-1" and found[1].severity == "warning"
    assert "reported.yaml:4" in found[1].location  # the line of the list item


def test_table2_percentages_use_data_denominator(tmp_path):
    ctx = make_ctx(tmp_path, """
        table2:
          a: {orr: [11, 40], cr: [6, 22.2]}
        """, {"trials": [trial("a", 27, 11, 6)]})
    found = data.table2_percentages(ctx)
    assert outcomes(found) == [MISMATCH, MATCH]


# ----------------------------------------------------------------------------- PRISMA

def _counts(assessed: int, reasons: list[int]) -> dict:
    return {"identification": {"databases": 400, "other_sources": 10, "duplicates_removed": 10},
            "screening": {"records_screened": 400, "records_excluded": 300},
            "eligibility": {"reports_assessed": assessed, "reports_excluded": 91,
                            "exclusion_reasons": [{"reason": "x", "n": n} for n in reasons]},
            "included": {"studies": 9}}


def _as_registry_checks(counts: dict) -> list[dict]:
    return [{"name": c.name, "equation": c.equation, "expected": c.expected, "reported": c.reported,
             "status": c.status, "message": c.describe()} for c in check_flow(counts)]


def test_prisma_flow():
    assert all(f.outcome == MATCH for f in prisma.flow_arithmetic(_as_registry_checks(_counts(100, [90, 1]))))
    bad = [f for f in prisma.flow_arithmetic(_as_registry_checks(_counts(77, [4, 5]))) if f.outcome == MISMATCH]
    # by hand: screening 400 - 300 = 100 (77 printed); eligibility 77 - 91 = -14 (9); reasons 4 + 5 = 9 (91)
    assert [f.evidence.computed for f in bad] == ["100", "-14", "9"]
    assert [f.evidence.reported for f in bad] == ["77", "9", "91"]


def test_prisma_text_vs_figure(tmp_path):
    yaml_text = """
        prisma:
          figure: {databases: 413, other_sources: 11, records_screened: 384, reports_assessed: 77,
                   reports_excluded: 68, studies_included: 9}
          text: {records_identified: 18, studies_included: 9, reports_excluded: 9,
                 exclusion_reasons: {a: 4, b: 5}}
        """
    reg = {"prisma": {"counts": {"identification": {"databases": 413, "other_sources": 11}}, "checks": [],
                      "implied_duplicates_removed": None}}
    found = {f.claim: f.outcome for f in prisma.text_vs_figure(make_ctx(tmp_path, yaml_text, reg))}
    assert found["the search identified 18 relevant records"] == MISMATCH
    assert found["reports excluded in the text = Figure 1"] == MISMATCH
    assert found["exclusion reasons add up to the exclusions"] == MATCH
    assert found["studies included in the text = Figure 1"] == MATCH


# ----------------------------------------------------------------------------- reproduction

def _meta(est: float, lo: float, hi: float, i2: float, q_p: float, k: int = 5) -> dict:
    return {"estimate": est, "ci_low": lo, "ci_high": hi, "i2": i2, "q_p": q_p, "k": k}


def test_pooled_reproduction(tmp_path):
    reg = {"outcomes": {"orr": {"subgroups": {"g": _meta(0.5449, 0.4309, 0.6567, 68.2415, 0.01343)},
                                "overall": _meta(0.64, 0.5, 0.7, 80.0, 0.001)}}}
    ctx = make_ctx(tmp_path, """
        pooled:
          orr:
            g: {estimate: 54.5, ci: [43.1, 65.6], i2: 68.24, p_heterogeneity: 0.013}
        """, reg)
    found = reproduction.pooled(ctx)
    assert outcomes(found) == [MATCH, MATCH, MISMATCH, MATCH, MATCH]  # upper limit 65.67 is not 65.6


def test_egger_mismatch_explained_by_convention(tmp_path):
    variants = [{"key": "all_cohorts/mixed_stata", "description": "mixed", "cohorts": "all_cohorts",
                 "scale": "mixed_stata", "k": 11, "p": 0.6020},
                {"key": "all_cohorts/consistent_ft", "description": "ft", "cohorts": "all_cohorts",
                 "scale": "consistent_ft", "k": 11, "p": 0.5788}]
    reg = {"outcomes": {"orr": {"overall": {"egger": {"p": 0.5788, "df": 9}}}}, "compat": {"egger": {"orr": variants}}}
    found = reproduction.egger(make_ctx(tmp_path, "small_study_effects: {egger_p: {orr: 0.602}}\n", reg))
    assert found[0].outcome == MISMATCH and found[0].severity == "warning" and "metaprop" in found[0].convention
    reg["compat"]["egger"]["orr"] = variants[1:]
    found = reproduction.egger(make_ctx(tmp_path, "small_study_effects: {egger_p: {orr: 0.602}}\n", reg))
    assert found[0].severity == "error" and found[0].convention is None
    found = reproduction.egger(make_ctx(tmp_path, "small_study_effects: {egger_p: {orr: 0.579}}\n", reg))
    assert found[0].outcome == MATCH


def test_counts_and_references(tmp_path):
    reg = {"summary": {"n_trials": 9}, "trials": [trial("a", 10, 1, 1, reference_number=8),
                                                  trial("b", 10, None, 1, reference_number=14)],
           "outcomes": {"orr": {"not_reported": ["b"]}}}
    ctx = make_ctx(tmp_path, """
        counts:
          trials: {value: 9, data: summary.n_trials}
          wrong: {value: 8, data: summary.n_trials}
          missing_orr: {value: 1, data: outcomes.orr.not_reported, measure: length,
                        references: [14], references_data: "trials[orr_events=null].reference_number"}
          bad_refs: {value: 1, references: [9], references_data: "trials[orr_events=null].reference_number"}
        """, reg)
    found = [(f.rule, f.outcome) for f in reproduction.counts(ctx)]
    assert found == [("reproduction.count", MATCH), ("reproduction.count", MISMATCH), ("reproduction.count", MATCH),
                     ("reproduction.references", MATCH), ("reproduction.references", MISMATCH)]


@pytest.mark.parametrize("cell, expected", [
    ("22.0m (6.7-NR)", {"status": "median", "value": 22.0, "ci": ("6.7", "NR")}),
    ("NR (19.7-NR)", {"status": "not_reached", "ci": ("19.7", "NR")}),
    ("NE (NE)", {"status": "not_estimable", "ci": ("NE", "NE")}),
    ("1-y 25%", {"status": "landmark", "months": 12.0, "value": 0.25}),
    ("–", {"status": "not_reported"}),
])
def test_parse_tte_cell(cell, expected):
    parsed = reproduction.parse_tte_cell(cell)
    assert {k: parsed[k] for k in expected} == expected


def test_table1_landmark_cell():
    row = {"dor_status": "landmark", "dor_value": 0.25, "dor_landmark_months": 12.0, "dor_ci_low": None,
           "dor_ci_high": None}
    assert reproduction.tte_cell_agrees(reproduction.parse_tte_cell("1-y 25%"), row, "dor")
    assert not reproduction.tte_cell_agrees(reproduction.parse_tte_cell("2-y 25%"), row, "dor")


# ----------------------------------------------------------------------------- claims

@pytest.mark.parametrize("claim, i2, q_p, ok", [
    ("none", 44.6, 0.164, False), ("none", 0.0, 0.87, True), ("low", 13.5, 0.33, True), ("low", 30.0, 0.2, False),
    ("significant", 68.2, 0.013, True), ("significant", 40.0, 0.2, False), ("substantial", 88.8, 0.0001, True),
])
def test_judge_heterogeneity(claim, i2, q_p, ok):
    assert claims.judge_heterogeneity(claim, i2, q_p, 25, 50)[0] is ok


def test_heterogeneity_claim_cites_metaprop_for_small_subgroups(tmp_path):
    reg = {"outcomes": {"orr": {"subgroups": {"small": _meta(0.7, 0.56, 0.82, 44.6, 0.164, k=3),
                                              "big": _meta(0.7, 0.56, 0.82, 44.6, 0.164, k=4)}, "overall": {}}},
           "compat": {"heterogeneity_display": {"orr": {"small": {"shown": False}, "big": {"shown": True}}}}}
    ctx = make_ctx(tmp_path, """
        pooled:
          orr:
            small: {heterogeneity_claim: none}
            big: {heterogeneity_claim: none}
        """, reg)
    small, big = claims.heterogeneity(ctx)
    assert small.outcome == big.outcome == MISMATCH
    assert small.convention and "metaprop" in small.convention and big.convention is None


def test_ranges(tmp_path):
    reg = {"outcomes": {"cr": {"all": [0.2222, 0.5385], "mono": [0.2222, 0.4565]}}}
    ctx = make_ctx(tmp_path, """
        ranges:
          good: {range: [22.2, 53.8], data: outcomes.cr.all, scale: 100}
          bad_low: {range: [23, 45.7], data: outcomes.cr.mono, scale: 100}
          narrow: {range: [22, 46], data: outcomes.cr.all, scale: 100, alternatives: [outcomes.cr.mono]}
        """, reg)
    good, bad_low, narrow = claims.ranges(ctx)
    assert good.outcome == MATCH and bad_low.outcome == narrow.outcome == MISMATCH
    assert "lower bound" in bad_low.explanation and "outcomes.cr.mono" in narrow.explanation


def _rows(*specs):
    return [{"status": s, "value": v, "landmark_months": m, "label": f"t{i}", "study_id": f"t{i}"}
            for i, (s, v, m) in enumerate(specs)]


def test_time_to_event_values():
    rows = _rows(("median", 10.2, None), ("median", 14.7, None), ("not_estimable", None, None))
    unpaired, left = claims.match_values(["10.2", "14.7", "NR"], rows)
    assert unpaired == ["NR"] and left[0]["status"] == "not_estimable"
    assert claims.match_values(["10.2", "14.7", "NE"], rows) == ([], [])
    rows = _rows(("landmark", 0.25, 12.0))
    assert claims.match_values(["landmark 24 months 25%"], rows)[0] == ["landmark 24 months 25%"]
    assert claims.match_values(["landmark 12 months 25%"], rows) == ([], [])


def test_time_to_event_count(tmp_path):
    reg = {"time_to_event": {"docr": {"label": "DoCR", "rows": _rows(*[("not_reached", None, None)] * 4)}},
           "trials": []}
    ctx = make_ctx(tmp_path, "time_to_event:\n  docr: {trials: 3}\n", reg)
    assert claims.time_to_event(ctx)[0].outcome == MISMATCH
    ctx = make_ctx(tmp_path, "time_to_event:\n  docr: {trials: 4}\n", reg)
    assert claims.time_to_event(ctx)[0].outcome == MATCH


# ----------------------------------------------------------------------------- manuscript

def _manuscript_project(tmp_path: Path, html_body: str) -> AuditContext:
    (tmp_path / "manuscript").mkdir()
    (tmp_path / "manuscript" / "index.qmd").write_text("# Results\n\nThe ORR was {{< var orr.est >}}.\n")
    (tmp_path / "_variables.yml").write_text("orr:\n  est: 54.5%\n")
    out = tmp_path / "_manuscript"
    out.mkdir()
    page = out / "index.html"
    page.write_text(f"<html><head><title>x 999</title></head><body><main>{html_body}</main>"
                    "<div id='refs'>Blood 2021;137:1234</div></body></html>")
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "results.json").write_text('{"trials": []}\n')
    record_render(tmp_path, out, [page], None)  # what the post-render step writes
    later = time.time() + 5
    for path in (page, out / "render.json"):
        os.utime(path, (later, later))
    return make_ctx(tmp_path, "pooled: {}\n", {"trials": []})


def test_manuscript_not_rendered_is_info(tmp_path):
    found = manuscript.check(make_ctx(tmp_path, "pooled: {}\n", {}))
    assert [f.outcome for f in found] == ["note"] and found[0].severity == "info" and exit_code(found) == 0


def test_manuscript_clean_output(tmp_path):
    found = manuscript.check(_manuscript_project(tmp_path, "<p>The ORR was 54.5%.</p>"))
    assert all(f.outcome == MATCH for f in found), [(f.rule, f.evidence) for f in found]


def test_manuscript_problems(tmp_path):
    ctx = _manuscript_project(tmp_path, "<p>The ORR was ?var:orr.est and 61.3% in one trial.</p>")
    found = {f.rule: f for f in manuscript.check(ctx) if f.outcome == MISMATCH}
    assert set(found) == {"manuscript.unresolved-variable", "manuscript.variable-present", "manuscript.unknown-number"}
    assert found["manuscript.unknown-number"].evidence.reported == "61.3"  # 999 (head) and refs are skipped


def _render_current(ctx: AuditContext) -> list:
    return [f for f in manuscript.check(ctx) if f.rule == "manuscript.render-current"]


def test_a_render_of_other_results_is_reported(tmp_path):
    ctx = _manuscript_project(tmp_path, "<p>The ORR was 54.5%.</p>")
    assert [f.outcome for f in _render_current(ctx)] == [MATCH]
    (tmp_path / "build" / "results.json").write_text('{"trials": [], "changed": 1}\n')  # a rebuild, no render
    found = _render_current(ctx)
    assert [(f.outcome, f.severity) for f in found] == [(MISMATCH, "error")]
    assert found[0].location == "_manuscript/index.html" and "made from results" in found[0].evidence.reported


def test_an_output_the_record_does_not_vouch_for_is_reported(tmp_path):
    ctx = _manuscript_project(tmp_path, "<p>The ORR was 54.5%.</p>")
    page = tmp_path / "_manuscript" / "index.html"
    page.write_text(page.read_text().replace("</main>", " </main>"))  # edited after the render
    (tmp_path / "_manuscript" / "index.pdf").write_bytes(b"%PDF-1.7")  # copied in, never rendered
    found = {f.location: f for f in _render_current(ctx)}
    assert {loc: (f.outcome, f.severity) for loc, f in found.items()} == {
        "_manuscript/index.html": (MISMATCH, "warning"), "_manuscript/index.pdf": (MISMATCH, "warning")}
    (tmp_path / "_manuscript" / "render.json").unlink()
    assert [f.outcome for f in _render_current(ctx)] == [MISMATCH, MISMATCH]


def test_manuscript_stale(tmp_path):
    ctx = _manuscript_project(tmp_path, "<p>The ORR was 54.5%.</p>")
    later = time.time() + 60
    os.utime(tmp_path / "_variables.yml", (later, later))
    found = [f for f in manuscript.check(ctx) if f.rule == "manuscript.fresh"]
    assert found[0].outcome == MISMATCH and "_variables.yml" in found[0].evidence.computed


def test_an_unreadable_rendered_file_is_an_error_not_a_crash(tmp_path):
    ctx = _manuscript_project(tmp_path, "<p>The ORR was 54.5%.</p>")
    (tmp_path / "_manuscript" / "index.pdf").write_bytes(b"%PDF-1.7")  # truncated: no objects
    found = [f for f in manuscript.check(ctx) if f.rule == "manuscript.readable"]
    assert [(f.outcome, f.severity, f.location) for f in found] == [(MISMATCH, "error", "_manuscript/index.pdf")]
