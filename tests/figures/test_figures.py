"""Figures 1-4 and the GLMM comparison: content, formats, determinism and incremental rebuilds.

Expected values come from the data file itself (read here with the csv module),
from the seed paper's printed results, from scipy's exact binomial interval,
and from hand arithmetic; never from the drawing code.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from PIL import Image
from scipy import stats

from analysis import formatting
from analysis.figures import style
from analysis.figures.forest import draw_forest
from analysis.figures.funnel_loo import draw_funnel_loo
from analysis.figures.glmm_comparison import draw_glmm_comparison
from analysis.figures.prisma_flow import draw_prisma
from analysis.inputs.errors import DataError
from analysis.inputs.load import load_inputs
from analysis.pipeline import code_inputs
from analysis.pipeline.plan import FIGURES
from analysis.pipeline.runner import BuildContext, run_build
from analysis.results.registry import build_registry, distinct_labels

FIGURE_STEPS = [spec.step for spec in FIGURES]
STEMS = {spec.step: spec.stem for spec in FIGURES}
SUBGROUPS = ["prior_cart_monotherapy", "prior_cart_combination", "cart_naive"]


# ----------------------------------------------------------------------------- helpers and fixtures

def draw(func: Any, *args: Any) -> tuple[Any, Any]:
    with style.figure_style():
        return func(*args)


def trials_csv(data_dir: Path) -> list[dict[str, str]]:
    with open(data_dir / "trials.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def subgroup_of(row: dict[str, str]) -> str:
    """The paper's grouping, written out independently of analysis.results.registry."""
    return "cart_naive" if row["population"] == "cart_naive" else f"prior_cart_{row['regimen']}"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def figure_files(root: Path) -> dict[str, str]:
    return {p.name: sha(p) for p in sorted((root / "build" / "figures").iterdir())}


def quiet_build(root: Path, only: list[str] | None = None, log: list[str] | None = None, **kw: Any) -> list[str]:
    sink = log if log is not None else []
    return run_build(BuildContext(root=root, log=sink.append, **kw), only=only)


@pytest.fixture(scope="module")
def registry(root: Path) -> dict[str, Any]:
    return build_registry(load_inputs(root / "data"))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, root: Path) -> Path:
    """A project copy with the results and all figures built once."""
    dest = tmp_path_factory.mktemp("built") / "project"
    shutil.copytree(root / "data", dest / "data")
    quiet_build(dest, ["results", *FIGURE_STEPS])
    return dest


def diamond_x(layout: Any, key: str) -> tuple[float, float, float]:
    """(left, centre, right) of a diamond; the centre is the x of its top and bottom vertices."""
    xy = np.asarray(layout.diamonds[key].get_xy())
    ys = xy[:, 1]
    tips = xy[(ys == ys.min()) | (ys == ys.max()), 0]
    assert np.allclose(tips, tips[0])
    return float(xy[:, 0].min()), float(tips[0]), float(xy[:, 0].max())


def append_study(data_dir: Path, **values: Any) -> None:
    rows = trials_csv(data_dir)
    new = dict(rows[0])  # a prior-CAR-T monotherapy row as the template
    new.update({k: str(v) for k, v in values.items()})
    with open(data_dir / "trials.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows + [new])


# ----------------------------------------------------------------------------- Figures 3 and 4: forest plots

@pytest.mark.parametrize("outcome", ["orr", "cr"])
def test_forest_lists_every_cohort_of_its_subgroup(outcome: str, root: Path, registry: dict) -> None:
    rows = trials_csv(root / "data")
    _, layout = draw(draw_forest, registry, outcome)
    for group in SUBGROUPS:
        expected = [r["study_id"] for r in rows if subgroup_of(r) == group]
        reported = [r["study_id"] for r in rows if subgroup_of(r) == group and r[f"{outcome}_events"]]
        drawn = layout.study_rows(group)
        assert [r.study for r in drawn] == expected, group  # every cohort, in the order of trials.csv
        assert [r.study for r in drawn if r.kind == "study"] == reported
        assert sorted(s for s in layout.squares if s in expected) == sorted(reported)


def test_cohort_without_orr_is_listed_as_not_reported(registry: dict) -> None:
    _, orr = draw(draw_forest, registry, "orr")
    _, cr = draw(draw_forest, registry, "cr")
    row = next(r for r in orr.study_rows("prior_cart_combination") if r.study == "abramson2024")
    assert row.kind == "not_reported" and row.estimate_text == "not reported" and row.counts == "\u2013/13"
    assert "abramson2024" not in orr.squares
    assert "abramson2024" in cr.squares  # its CR (7/13) is reported and drawn


# The seed paper's pooled estimates (Results and Figure 3), percent with 95% CI.
PAPER_POOLED = {
    ("orr", "prior_cart_monotherapy"): (54.5, 43.1, 65.7),
    ("orr", "prior_cart_combination"): (70.0, 56.4, 82.2),
    ("orr", "cart_naive"): (73.9, 55.3, 88.9),
    ("orr", "overall"): (64.4, 54.6, 73.5),
    ("cr", "prior_cart_monotherapy"): (35.6, 29.1, 42.2),
    ("cr", "prior_cart_combination"): (44.2, 34.5, 54.1),
    ("cr", "cart_naive"): (53.2, 38.1, 68.0),
}


@pytest.mark.parametrize("outcome", ["orr", "cr"])
def test_diamonds_sit_at_the_pooled_estimates(outcome: str, registry: dict) -> None:
    _, layout = draw(draw_forest, registry, outcome)
    result = registry["outcomes"][outcome]
    assert set(layout.diamonds) == {*SUBGROUPS, "overall"}
    for key in [*SUBGROUPS, "overall"]:
        pooled = result["overall"] if key == "overall" else result["subgroups"][key]
        left, centre, right = diamond_x(layout, key)
        assert (left, centre, right) == pytest.approx((pooled["ci_low"], pooled["estimate"], pooled["ci_high"]))
        if (outcome, key) in PAPER_POOLED:
            assert np.array([centre, left, right]) * 100 == pytest.approx(PAPER_POOLED[(outcome, key)], abs=0.051)


def test_study_text_shows_exact_binomial_ci_and_weights_sum_to_100(registry: dict) -> None:
    _, layout = draw(draw_forest, registry, "orr")
    pattern = re.compile(r"^(\d+\.\d) \((\d+\.\d)\u2013(\d+\.\d)\)$")
    for group in SUBGROUPS:
        weights = []
        for row in layout.study_rows(group):
            if row.kind != "study":
                continue
            x, n = map(int, row.counts.split("/"))
            ci = stats.binomtest(x, n).proportion_ci(0.95, method="exact")
            p, lo, hi = map(float, pattern.match(row.estimate_text).groups())
            assert (p, lo, hi) == pytest.approx((100 * x / n, 100 * ci.low, 100 * ci.high), abs=0.051)
            weights.append(float(row.weight_text))
        assert sum(weights) == pytest.approx(100, abs=0.3)  # weights are within the subgroup


def test_square_area_is_proportional_to_weight(registry: dict) -> None:
    _, layout = draw(draw_forest, registry, "cr")
    rows = {r.study: r for r in layout.study_rows("prior_cart_monotherapy") if r.kind == "study"}
    sides = {s: layout.squares[s].get_markersize() for s in rows}
    a, b = "hutchings2023a", "thieblemont2024"  # both above the minimum marker size
    assert (sides[a] / sides[b]) ** 2 == pytest.approx(rows[a].weight / rows[b].weight, rel=1e-9)


def test_heterogeneity_prediction_interval_and_subgroup_test_rows(registry: dict) -> None:
    _, layout = draw(draw_forest, registry, "orr")
    het = {r.subgroup: r.label for r, _ in layout.rows if r.kind == "heterogeneity"}
    # The paper: monotherapy ORR, I² = 68.24%, P = 0.013.
    assert "I\u00b2 = 68.2%" in het["prior_cart_monotherapy"] and "P = 0.013" in het["prior_cart_monotherapy"]
    assert set(het) == {*SUBGROUPS, "overall"}
    # k >= 3 everywhere here, so every subgroup and the overall estimate get a prediction interval.
    assert set(layout.prediction_intervals) == {*SUBGROUPS, "overall"}
    pi = registry["outcomes"]["orr"]["overall"]
    xs = layout.prediction_intervals["overall"].get_xdata()
    assert (min(xs), max(xs)) == pytest.approx((pi["pi_low"], pi["pi_high"]))
    assert [r.kind for r, _ in layout.rows].count("difference") == 1
    # With k = 2 in a subgroup, no prediction interval is drawn for it.
    fewer = copy.deepcopy(registry)
    fewer["outcomes"]["orr"]["subgroups"]["prior_cart_combination"]["k"] = 2
    _, layout2 = draw(draw_forest, fewer, "orr")
    assert "prior_cart_combination" not in layout2.prediction_intervals


# ----------------------------------------------------------------------------- Figure 2: funnel and leave-one-out

def test_funnel_and_leave_one_out_content(registry: dict) -> None:
    _, fig2 = draw(draw_funnel_loo, registry)
    for outcome in ("orr", "cr"):
        overall = registry["outcomes"][outcome]["overall"]
        points = fig2.funnel_points[outcome]
        assert len(points) == overall["k"] == len(fig2.loo_rows[outcome])
        # x = transformed proportion, y = its standard error; for FT (metafor) var = 1/(4n + 2).
        chong = next(p for p in points if p.get_gid().endswith(":chong2025"))
        n = 27
        assert chong.get_ydata()[0] == pytest.approx((1 / (4 * n + 2)) ** 0.5)
        assert fig2.funnel_centre[outcome] == pytest.approx(overall["transformed"]["estimate"])
        assert fig2.egger_text[outcome] == f"Egger's test P = {overall['egger']['p']:.3f}"
        assert fig2.reference[outcome] == pytest.approx(overall["estimate"])
        assert len(set(fig2.loo_rows[outcome])) == len(fig2.loo_rows[outcome])  # labels tell cohorts apart
    assert "Thieblemont 2024 (CAR-T-naive)" in fig2.loo_rows["orr"]
    assert {"Hutchings 2023a", "Hutchings 2023b"} <= set(fig2.loo_rows["cr"])


# ----------------------------------------------------------------------------- GLMM comparison

def test_glmm_comparison_places_both_models(registry: dict) -> None:
    _, comp = draw(draw_glmm_comparison, registry)
    for outcome in ("orr", "cr"):
        result = registry["outcomes"][outcome]
        for group in [*SUBGROUPS, "overall"]:
            ft = result["overall"] if group == "overall" else result["subgroups"][group]
            assert comp.points[(outcome, group, "ft")].get_xdata()[0] == pytest.approx(ft["estimate"])
            glmm = result["glmm"][group]
            assert comp.points[(outcome, group, "glmm")].get_xdata()[0] == pytest.approx(glmm["proportion"])
    broken = copy.deepcopy(registry)
    broken["outcomes"]["cr"]["glmm"]["cart_naive"] = {"error": "need at least two studies"}
    _, comp2 = draw(draw_glmm_comparison, broken)
    assert comp2.texts[("cr", "cart_naive", "glmm")] == "not estimable"
    assert ("cr", "cart_naive", "glmm") not in comp2.points


# ----------------------------------------------------------------------------- Figure 1: PRISMA

def test_prisma_draws_the_counts_as_given(registry: dict) -> None:
    _, layout = draw(draw_prisma, registry["prisma"]["counts"])
    assert layout.text("identified") == "Records identified from: Databases (n = 413) Other sources (n = 11)"
    assert layout.text("removed").endswith("Duplicate records (n = not reported)")
    assert layout.text("screened") == "Records screened (n = 384)"
    assert layout.text("excluded") == "Records excluded (n = 207)"
    assert layout.text("assessed") == "Reports assessed for eligibility (n = 77)"  # though 384 - 207 = 177
    assert layout.text("reports_excluded") == ("Reports excluded (n = 68): No separate outcome data after CAR-T "
                                               "(n = 4) Fewer than 10 patients per cohort (n = 5)")
    assert layout.text("included") == "Studies included in review (n = 9)"
    assert "sought" not in layout.boxes  # not reported, so the optional retrieval boxes are left out
    assert layout.arrows == [("identified", "removed"), ("identified", "screened"), ("screened", "excluded"),
                             ("screened", "assessed"), ("assessed", "reports_excluded"), ("assessed", "included")]
    assert layout.phases == ["Identification", "Screening", "Included"]


def test_prisma_retrieval_boxes_appear_when_reported(registry: dict) -> None:
    counts = copy.deepcopy(registry["prisma"]["counts"])
    counts["screening"].update(reports_sought=177, reports_not_retrieved=100)
    _, layout = draw(draw_prisma, counts)
    assert layout.text("sought") == "Reports sought for retrieval (n = 177)"
    assert layout.text("not_retrieved") == "Reports not retrieved (n = 100)"
    assert ("screened", "sought") in layout.arrows and ("sought", "assessed") in layout.arrows


def _make_prisma_consistent(data_dir: Path) -> None:
    path = data_dir / "prisma.yaml"
    counts = yaml.safe_load(path.read_text())
    counts["screening"]["records_excluded"] = 307  # 384 - 307 = 77 assessed
    counts["eligibility"]["exclusion_reasons"] = [{"reason": "A", "n": 30}, {"reason": "B", "n": 38}]  # 68
    path.write_text(yaml.safe_dump(counts, sort_keys=False))


def test_prisma_arithmetic_is_noted_and_still_draws(project_copy: Path) -> None:
    log: list[str] = []
    quiet_build(project_copy, ["results", "figure1"], log)
    warnings = [m for m in log if "note: the PRISMA flow as published does not add up" in m]
    assert len(warnings) == 2
    assert "gives 177, but 77 is reported" in warnings[0]  # 384 - 207
    assert "gives 9, but 68 is reported" in warnings[1]  # 4 + 5
    assert (project_copy / "build" / "figures" / "figure1_prisma.pdf").exists()
    _make_prisma_consistent(project_copy / "data")
    log.clear()
    assert quiet_build(project_copy, ["results", "figure1"], log, strict=True) == ["results", "figure1"]
    assert not [m for m in log if "PRISMA" in m]


def test_strict_turns_prisma_warnings_into_an_error(project_copy: Path) -> None:
    with pytest.raises(DataError) as info:
        quiet_build(project_copy, ["results", "figure1"], strict=True)
    assert "prisma.yaml" in str(info.value) and "gives 177, but 77 is reported" in str(info.value)
    assert not (project_copy / "build" / "results.json").exists()  # nothing stale is left behind
    assert not (project_copy / "build" / "figures" / "figure1_prisma.pdf").exists()


def test_strict_flag_on_the_command_line(project_copy: Path, capsys: pytest.CaptureFixture) -> None:
    from analysis.cli import main

    args = ["build", "--root", str(project_copy), "--only", "results", "--quiet"]
    assert main(args) == 0
    assert main(args + ["--strict"]) == 2  # even though the registry is up to date
    err = capsys.readouterr().err
    assert "error:" in err and "does not add up" in err and "Traceback" not in err


# ----------------------------------------------------------------------------- files: formats, metadata, provenance

@pytest.mark.parametrize("step", FIGURE_STEPS)
def test_formats_fonts_resolution_and_provenance(step: str, built: Path) -> None:
    folder = built / "build" / "figures"
    stem = STEMS[step]
    results = built / "build" / "results.json"
    code_hash = json.loads(results.read_text())["provenance"]["code_sha256"]
    trials_hash = sha(built / "data" / "trials.csv")
    prisma_hash = sha(built / "data" / "prisma.yaml")
    # Figure 1 shows data/prisma.yaml alone and names that file; the others are drawn from the registry.
    data_hash = prisma_hash if step == "figure1" else trials_hash

    pdf = (folder / f"{stem}.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and b"/FontFile2" in pdf  # TrueType fonts embedded
    assert b"/Type3" not in pdf and b"/CreationDate" not in pdf and b"/ModDate" not in pdf
    assert code_hash.encode() in pdf and data_hash.encode() in pdf
    if step == "figure1":
        assert trials_hash.encode() not in pdf

    svg_text = (folder / f"{stem}.svg").read_text(encoding="utf-8")
    ET.fromstring(svg_text)  # well-formed
    assert "<dc:date>" not in svg_text and "<text" not in svg_text  # text as outlines: no font needed
    assert code_hash in svg_text

    width_mm = 85 if step == "figure1" else 180
    png = Image.open(folder / f"{stem}.png")
    assert png.info["dpi"] == pytest.approx((300, 300), abs=0.01)
    assert abs(png.size[0] - width_mm / 25.4 * 300) <= 1
    assert "Software" not in png.info and code_hash in png.info["Description"]

    tif = Image.open(folder / f"{stem}.tif")
    assert tif.info["compression"] == "tiff_lzw" and tif.info["dpi"] == pytest.approx((300, 300))
    assert tif.mode == "RGB" and tif.size == png.size
    assert 305 not in tif.tag_v2 and 306 not in tif.tag_v2  # no Software, no DateTime

    sidecar = json.loads((folder / f"{stem}.json").read_text())
    if step == "figure1":
        assert "build/results.json" not in sidecar["inputs"]
        assert set(sidecar["provenance"]["data_sha256"]) == {"prisma.yaml"}
    else:
        assert sidecar["inputs"]["build/results.json"] == sha(results)
    assert any(name.endswith(".py") and name.startswith("analysis/figures/") for name in sidecar["inputs"])
    assert sidecar["provenance"]["code_sha256"] == code_hash
    for fmt, entry in sidecar["outputs"].items():
        assert entry["sha256"] == sha(folder / entry["file"]), fmt
    if step == "figure1":
        assert sidecar["inputs"]["data/prisma.yaml"] == sha(built / "data" / "prisma.yaml")


def test_forest_svg_has_one_square_per_reported_cohort(built: Path) -> None:
    folder = built / "build" / "figures"
    rows = trials_csv(built / "data")
    for outcome, stem in (("orr", "figure3_forest_orr"), ("cr", "figure4_forest_cr")):
        ids = set(re.findall(r'id="square:([^"]+)"', (folder / f"{stem}.svg").read_text(encoding="utf-8")))
        assert ids == {r["study_id"] for r in rows if r[f"{outcome}_events"]}


def test_building_twice_gives_identical_bytes(built: Path, root: Path) -> None:
    before = figure_files(built)
    script = ("import sys; from pathlib import Path; from analysis.pipeline.runner import BuildContext, run_build; "
              "run_build(BuildContext(root=Path(sys.argv[1]), log=lambda m: None), force=True, "
              f"only={FIGURE_STEPS!r})")  # a fresh process, another hash seed
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(root)}
    subprocess.run([sys.executable, "-c", script, str(built)], check=True, env=env, cwd=root)
    assert figure_files(built) == before


# ----------------------------------------------------------------------------- incremental rebuilds

def test_figures_rebuild_when_their_inputs_change_and_only_then(project_copy: Path, root: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    project = project_copy
    # Point the build's code hashes at a private copy of the package, so the test can edit "code".
    shutil.copytree(root / "analysis", project / "analysis", ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(code_inputs, "PACKAGE_DIR", project / "analysis")
    figures = ["figure2", "figure3", "figure4"]
    steps = ["results", *figures]

    def touch(relative: str) -> None:
        path = project / relative
        path.write_text(path.read_text(encoding="utf-8") + "\n# edited by a test\n", encoding="utf-8")

    assert quiet_build(project, steps) == steps
    assert quiet_build(project, steps) == []
    touch("analysis/figures/forest.py")
    assert quiet_build(project, steps) == ["figure3", "figure4"]
    touch("analysis/figures/funnel_loo.py")
    assert quiet_build(project, steps) == ["figure2"]
    touch("analysis/figures/style.py")
    assert quiet_build(project, steps) == figures
    trials = project / "data" / "trials.csv"
    trials.write_text(trials.read_text(encoding="utf-8").replace("not used)", "not used; checked)"), encoding="utf-8")
    assert quiet_build(project, steps) == steps  # a data change reaches every figure through the registry
    assert quiet_build(project, steps) == []


def test_figure1_is_drawn_from_prisma_yaml_alone(project_copy: Path) -> None:
    """Adding a trial changes the registry but not the PRISMA counts: Figure 1 is neither redrawn nor changed
    (its files used to embed the registry's hash and every data file's, so each trial changed them)."""
    steps = ["results", "figure1"]
    assert quiet_build(project_copy, steps) == steps
    before = figure_files(project_copy)
    append_study(project_copy / "data", study_id="newman2025", nct_id="NCT09999999", first_author="Newman",
                 year=2025, n_patients=40, orr_events=30, cr_events=20)
    assert quiet_build(project_copy, steps) == ["results"]
    assert figure_files(project_copy) == before
    _make_prisma_consistent(project_copy / "data")
    assert quiet_build(project_copy, steps) == steps
    after = figure_files(project_copy)
    assert all(after[name] != before[name] for name in before if name.startswith("figure1_prisma"))


def test_an_added_study_appears_and_moves_the_diamonds(project_copy: Path, built: Path, registry: dict) -> None:
    append_study(project_copy / "data", study_id="newman2025", nct_id="NCT09999999", first_author="Newman",
                 year=2025, n_patients=40, orr_events=30, cr_events=20)
    quiet_build(project_copy, ["results", "figure2", "figure3", "figure4"])
    updated = json.loads((project_copy / "build" / "results.json").read_text())
    for outcome, events in (("orr", 30), ("cr", 20)):
        _, old = draw(draw_forest, registry, outcome)
        _, new = draw(draw_forest, updated, outcome)
        mono = new.study_rows("prior_cart_monotherapy")
        assert len(mono) == len(old.study_rows("prior_cart_monotherapy")) + 1
        assert mono[-1].study == "newman2025" and mono[-1].label == "Newman 2025"
        assert mono[-1].counts == f"{events}/40"
        for key in ("prior_cart_monotherapy", "overall"):
            pooled = updated["outcomes"][outcome]["overall" if key == "overall" else "subgroups"]
            pooled = pooled if key == "overall" else pooled[key]
            assert diamond_x(new, key)[1] == pytest.approx(pooled["estimate"])
            # 30/40 = 75% ORR and 20/40 = 50% CR lie above the old pooled values, so the diamonds move right.
            assert diamond_x(new, key)[1] > diamond_x(old, key)[1]
        assert diamond_x(new, "cart_naive") == pytest.approx(diamond_x(old, "cart_naive"))  # untouched subgroup
    _, fig2 = draw(draw_funnel_loo, updated)
    assert "Newman 2025" in fig2.loo_rows["orr"] and len(fig2.funnel_points["cr"]) == 13
    for stem in ("figure2_funnel_loo", "figure3_forest_orr", "figure4_forest_cr"):
        assert sha(project_copy / "build" / "figures" / f"{stem}.png") != sha(built / "build" / "figures"
                                                                               / f"{stem}.png")


# ----------------------------------------------------------------------------- formatting helpers added for figures

def test_figure_formatting_helpers() -> None:
    assert distinct_labels(["Hutchings 2023", "Chong 2025", "Hutchings 2023"]) == [
        "Hutchings 2023a", "Chong 2025", "Hutchings 2023b"]
    assert formatting.n_equals(None) == "(n = not reported)" and formatting.n_equals(413) == "(n = 413)"
    assert formatting.tau_squared(0.0) == "0"
    assert formatting.tau_squared(3.9e-17) == "< 0.0001"
    assert formatting.tau_squared(0.01097909824919844) == "0.0110"
    assert formatting.percent_ci(11 / 27, 0.2239, 0.6120) == "40.7 (22.4\u201361.2)"
    assert formatting.fraction(None, 13) == "\u2013/13"
