"""The command line: pool on any CSV, help texts, build caching."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from ..conftest import REFERENCE, ROOT


def run(*args: str, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analysis", *args], capture_output=True, text=True, cwd=cwd)


@pytest.fixture(scope="module")
def metafor_fits() -> dict:
    ref = json.loads((REFERENCE / "metafor_reference.json").read_text())
    return {(f["dataset"], f["measure"], f["method"], f["test"]): f for f in ref["fits"]}


@pytest.mark.parametrize("transform, measure, tau2, method, hksj", [
    ("ft", "PFT", "dl", "DL", False),
    ("logit", "PLO", "reml", "REML", True),
    ("arcsine", "PAS", "pm", "PM", False),
    ("raw", "PR", "ml", "ML", False),
])
def test_pool_json_matches_metafor(metafor_fits, transform, measure, tau2, method, hksj):
    args = ["pool", str(REFERENCE / "datasets" / "pritz1997.csv"), "--transform", transform, "--tau2", tau2, "--json"]
    res = run(*args, *(["--hksj"] if hksj else []))
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    ref = metafor_fits[("pritz1997", measure, method, "knha" if hksj else "z")]
    for key, theirs in [("estimate", "back_est"), ("ci_low", "back_ci_lb"), ("ci_high", "back_ci_ub")]:
        assert out[key] == pytest.approx(ref["back"][theirs], abs=1e-7)
    assert out["tau2"] == pytest.approx(ref["rma"]["tau2"], abs=1e-8)
    assert out["i2"] == pytest.approx(ref["rma"]["I2"], rel=1e-6)
    assert out["q"] == pytest.approx(ref["rma"]["QE"], rel=1e-9)
    assert out["k"] == len(out["studies"]) == 14
    assert [s["weight"] for s in out["studies"]] == pytest.approx(ref["rma"]["weights"], rel=1e-6)
    assert out["egger"]["p"] == pytest.approx(ref["regtest_lm"]["pval"], rel=1e-7)
    assert out["begg"]["tau"] == pytest.approx(ref["ranktest"]["tau"], abs=1e-10)
    assert [r["omitted"] for r in out["leave_one_out"]] == [s["study"] for s in out["studies"]]
    for key in ("pi_low", "pi_high", "h2", "q_df", "q_p"):
        assert key in out


def test_pool_subgroups_and_text(tmp_path):
    res = run("pool", str(REFERENCE / "datasets" / "seed_orr.csv"), "--subgroup", "subgroup")
    assert res.returncode == 0, res.stderr
    assert "Subgroup: mono" in res.stdout and "54.5% (95% CI 43.1–65.7%)" in res.stdout
    assert "Test for subgroup differences" in res.stdout
    js = json.loads(run("pool", str(REFERENCE / "datasets" / "seed_orr.csv"), "--subgroup", "subgroup",
                        "--json").stdout)
    assert set(js["subgroups"]) == {"mono", "combo", "naive"}
    assert js["subgroup_difference"]["df"] == 2


def test_pool_glmm_json(metafor_fits):
    ref = json.loads((REFERENCE / "metafor_reference.json").read_text())["glmm"]["pritz1997"]
    out = json.loads(run("pool", str(REFERENCE / "datasets" / "pritz1997.csv"), "--glmm", "--json").stdout)
    assert out["model"] == "glmm"
    assert out["logit"]["estimate"] == pytest.approx(ref["b"], abs=2e-5)
    assert out["estimate"] == pytest.approx(ref["back_est"], abs=2e-5)


@pytest.mark.parametrize("args", [["--help"], ["pool", "--help"], ["build", "--help"]])
def test_help(args):
    res = run(*args)
    assert res.returncode == 0
    assert "usage:" in res.stdout


def test_unknown_option_is_an_error_not_a_traceback():
    res = run("pool", "x.csv", "--transform", "probit")
    assert res.returncode == 2 and "invalid choice" in res.stderr and "Traceback" not in res.stderr


def test_build_is_cached_and_reruns_when_data_change(project_copy):
    first = run("build", "--root", str(project_copy), "--only", "results")
    assert first.returncode == 0, first.stderr
    results = project_copy / "build" / "results.json"
    stamp = results.stat().st_mtime_ns
    old_hash = json.loads(results.read_text())["provenance"]["data_sha256"]["trials.csv"]
    second = run("build", "--root", str(project_copy), "--only", "results")
    assert "up to date" in second.stderr and results.stat().st_mtime_ns == stamp
    trials = project_copy / "data" / "trials.csv"
    trials.write_text(trials.read_text().replace(",42,\n", ",43,\n"))  # Chong's follow-up 42 -> 43 months
    third = run("build", "--root", str(project_copy), "--only", "results")
    assert "up to date" not in third.stderr
    data = json.loads(results.read_text())
    assert data["summary"]["followup_months_range"] == [13, 43]
    assert data["provenance"]["data_sha256"]["trials.csv"] != old_hash


def test_results_json_is_deterministic(project_copy):
    run("build", "--root", str(project_copy), "--only", "results")
    one = (project_copy / "build" / "results.json").read_bytes()
    run("build", "--root", str(project_copy), "--only", "results", "--force")
    assert (project_copy / "build" / "results.json").read_bytes() == one


def test_top_level_help_lists_every_command():
    from analysis.cli import COMMANDS

    res = run("--help")
    assert res.returncode == 0 and all(name in res.stdout for name in COMMANDS)


def test_a_build_with_nothing_to_do_loads_no_heavy_library(built_project, tmp_path):
    """Only the named command is imported, and a no-op build imports no step's action (what keeps `make` fast)."""
    root = tmp_path / "project"
    shutil.copytree(built_project, root)
    probe = ("import sys; from analysis.cli import main; code = main(['build', '--root', sys.argv[1], '--quiet']); "
             "print(sorted(m for m in ('numpy', 'pandas', 'matplotlib', 'jinja2', 'lxml', 'analysis.stats', "
             "'analysis.audit', 'analysis.figures.style') if m in sys.modules)); sys.exit(code)")
    res = subprocess.run([sys.executable, "-c", probe, str(root)], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "[]"
