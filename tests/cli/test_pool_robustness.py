"""Every dataset of the test suite, under every transform x tau² estimator x HKSJ, gives an answer or says
clearly what cannot be estimated and why: in the JSON (``not_estimable``) and in the table.

The datasets: tests/reference/datasets (metafor references, the seed data, k = 1, k = 2, zero events, x = n,
tau² = 0), tests/reference/glmm/datasets (12 real datasets: rare events, very large studies, heterogeneity up to
logit tau² 5.5) and tests/reference/glmm/edge (five identical studies, all zero events, all x = n, one huge study,
...). Numerical agreement with metafor is tested in tests/stats; here, the contract of the output.
"""

from __future__ import annotations

import io
import json
import math
import re

import pytest

from analysis.cli import main
from analysis.cli.pool_json import write_json
from analysis.cli.pool_report import pool_report, render_text
from analysis.inputs.proportions_csv import load_proportions_csv
from analysis.stats.methods import TAU2_METHOD_NAMES, TRANSFORM_NAMES

from ..conftest import REFERENCE

DATASETS = sorted([*(REFERENCE / "datasets").glob("*.csv"), *(REFERENCE / "glmm" / "datasets").glob("*.csv"),
                   *(REFERENCE / "glmm" / "edge").glob("*.csv")])
RANDOM_EFFECTS = [m for m in TAU2_METHOD_NAMES if m != "ee"]


def finite(value) -> bool:
    return value is not None and math.isfinite(value)


def check_meta_analysis(m: dict, k: int) -> None:
    """The promises of one meta-analysis in the JSON: a number, or a reason in ``not_estimable``."""
    notes = m["not_estimable"]
    assert all(isinstance(reason, str) and len(reason) > 10 for reason in notes.values()), notes
    assert finite(m["estimate"]) and -1e-12 <= m["estimate"] <= 1 + 1e-12
    if "confidence_interval" in notes:
        assert m["ci_low"] is None and m["ci_high"] is None
    else:
        assert finite(m["ci_low"]) and m["ci_low"] <= m["estimate"] <= m["ci_high"]
    if "prediction_interval" in notes or k < 3:
        assert m["pi_low"] is None and ("prediction_interval" in notes)
    else:
        assert finite(m["pi_low"]) and m["pi_low"] <= m["estimate"] <= m["pi_high"]
    if k < 2:
        assert "heterogeneity" in notes and m["q_p"] is None and m["i2"] is None
    else:
        assert finite(m["q"]) and finite(m["q_p"]) and finite(m["i2"]) and finite(m["h2"]) and finite(m["tau2"])
        assert m["tau2"] >= 0 and 0 <= m["i2"] <= 100
    for test in ("egger", "begg"):
        assert (m[test] is None) == (test in notes), (test, m[test], notes)
        if m[test] is not None:
            assert finite(m[test]["p"]) and 0 <= m[test]["p"] <= 1
    assert len(m["studies"]) == k
    if k < 2:
        assert m["leave_one_out"] is None and "leave_one_out" in notes
    else:
        rows = m["leave_one_out"]
        assert len(rows) == k and all(finite(r["estimate"]) for r in rows)
        missing = [r for r in rows if r["ci_low"] is None]
        assert bool(missing) == ("leave_one_out_confidence_interval" in notes)


@pytest.mark.parametrize("hksj", [False, True], ids=["wald", "hksj"])
@pytest.mark.parametrize("tau2", RANDOM_EFFECTS)
@pytest.mark.parametrize("transform", TRANSFORM_NAMES)
@pytest.mark.parametrize("path", DATASETS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_dataset_gives_an_answer_or_says_why_not(path, transform, tau2, hksj):
    table = load_proportions_csv(path)
    report = pool_report(table, transform=transform, tau2_method=tau2, hksj=hksj)
    out = io.BytesIO()
    write_json(report, out)
    data = json.loads(out.getvalue())  # strict JSON: no NaN, no Infinity
    check_meta_analysis(data, len(table.studies))
    text = render_text(report)
    assert not re.search(r"\bnan\b|\binf\b", text, re.IGNORECASE) and "NE\u2013NE" not in text
    for statistic in data["not_estimable"]:  # every reason reaches the table too
        assert data["not_estimable"][statistic] in text


@pytest.mark.parametrize("transform", TRANSFORM_NAMES)
@pytest.mark.parametrize("tau2", RANDOM_EFFECTS)
@pytest.mark.parametrize("hksj", [[], ["--hksj"]], ids=["wald", "hksj"])
def test_five_identical_studies_pool_through_the_command(capsys, transform, tau2, hksj):
    """The issue's case: five studies of 20/100 printed 'error: Singular matrix' and no result."""
    path = REFERENCE / "glmm" / "edge" / "edge_identical.csv"
    assert main(["pool", str(path), "--transform", transform, "--tau2", tau2, *hksj, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["estimate"] == pytest.approx(0.2, abs=1e-12)
    assert data["tau2"] == 0 and data["q"] == pytest.approx(0, abs=1e-20)
    assert data["egger"] is None and "same standard error" in data["not_estimable"]["egger"]
    assert data["begg"] is None and "same effect" in data["not_estimable"]["begg"]
    if hksj:
        assert data["ci_low"] is None and "without --hksj" in data["not_estimable"]["confidence_interval"]
    else:
        assert 0.15 < data["ci_low"] < 0.2 < data["ci_high"] < 0.25
    assert main(["pool", str(path), "--transform", transform, "--tau2", tau2, *hksj]) == 0
    text = capsys.readouterr().out
    assert "Egger's test: not estimable (every study has the same standard error" in text
    assert "20.0%" in text


def test_subgroups_with_a_single_study_and_hksj(tmp_path):
    """A subgroup of one study has no HKSJ interval: the subgroup test says so instead of failing."""
    csv = tmp_path / "groups.csv"
    csv.write_text("study,events,total,arm\nA,3,10,x\nB,5,12,x\nC,7,20,y\n", encoding="utf-8")
    table = load_proportions_csv(csv, "arm")
    report = pool_report(table, hksj=True)
    out = io.BytesIO()
    write_json(report, out)
    data = json.loads(out.getvalue())
    assert data["subgroup_difference"] is None and "y" in data["not_estimable"]["subgroup_difference"]
    assert data["subgroups"]["y"]["not_estimable"]["heterogeneity"].startswith("Q, I²")
    assert "Test for subgroup differences: not estimable" in render_text(report)
