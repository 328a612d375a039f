"""Bad input gives one clear message naming file, line and column; never a traceback."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.inputs.errors import DataError
from analysis.inputs.load import load_inputs
from analysis.inputs.proportions_csv import load_proportions_csv
from analysis.inputs.trials import load_trials
from analysis.inputs.yaml_files import load_prisma, load_review

from ..conftest import ROOT

TRIALS = ROOT / "data" / "trials.csv"


def _rows() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(TRIALS.read_text())))


def _write(tmp_path: Path, rows: list[dict[str, str]], fieldnames: list[str] | None = None) -> Path:
    path = tmp_path / "trials.csv"
    names = fieldnames or list(rows[0].keys())
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=names, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _error(path: Path, loader=load_trials) -> str:
    with pytest.raises(DataError) as info:
        loader(path)
    return str(info.value)


def test_seed_data_is_valid():
    inputs = load_inputs(ROOT / "data")
    assert len(inputs.trials) == 12


@pytest.mark.parametrize("row, column, value, message", [
    (2, "orr_events", "50", "50 events exceed n_patients = 46"),
    (0, "cr_events", "-1", "below the minimum"),
    (1, "n_patients", "52.5", "is not a whole number"),
    (4, "orr_events", "twenty", "cannot read 'twenty' as a number"),
    (2, "population", "post_cart", "unknown value 'post_cart'"),
    (2, "regimen", "mono", "unknown value 'mono'"),
    (5, "dor_status", "reached", "unknown value 'reached'"),
    (0, "refractory_to_cart", "80", "above the maximum 1"),
    (0, "n_patients", "", "is required but empty"),
    (6, "cr_events", "30", "30 complete responses exceed 20 overall responses"),
    (2, "pfs_ci_high", "soon", "cannot read 'soon' as a number or NR/NE"),
    (2, "year", "nan", "is not a finite number"),
])
def test_bad_cell_names_file_line_and_column(tmp_path, row, column, value, message):
    rows = _rows()
    rows[row][column] = value
    text = _error(_write(tmp_path, rows))
    sid = rows[row]["study_id"]
    assert "trials.csv" in text
    assert f"line {row + 2} (study_id {sid}), column {column}: " in text
    assert message in text


def test_all_problems_reported_together(tmp_path):
    rows = _rows()
    rows[0]["orr_events"] = "99"
    rows[5]["regimen"] = "both"
    text = _error(_write(tmp_path, rows))
    assert "2 problem(s)" in text and "line 2 " in text and "line 7 " in text


def test_duplicate_study_id(tmp_path):
    rows = _rows()
    rows[4]["study_id"] = rows[1]["study_id"]
    text = _error(_write(tmp_path, rows))
    assert f"line 6 (study_id {rows[1]['study_id']}), column study_id: duplicate of line 3" in text


def test_missing_required_column(tmp_path):
    rows = _rows()
    names = [c for c in rows[0] if c != "cr_events"]
    assert "missing required column(s): cr_events" in _error(_write(tmp_path, rows, names))


def test_unknown_column_is_named(tmp_path):
    rows = _rows()
    for r in rows:
        r["orr_event"] = "1"
    text = _error(_write(tmp_path, rows, list(rows[0].keys())))
    assert "unknown column(s): orr_event" in text


@pytest.mark.parametrize("content, message", [
    ("", "the file is empty"),
    (TRIALS.read_text().splitlines()[0] + "\n", "has a header but no data rows"),
])
def test_empty_files(tmp_path, content, message):
    path = tmp_path / "trials.csv"
    path.write_text(content)
    assert message in _error(path)


def test_inconsistent_time_to_event(tmp_path):
    rows = _rows()
    rows[0]["dor_landmark_months"] = ""  # landmark without its time point
    rows[2]["pfs_value"] = "30"  # median outside its CI (2.4-19.6)
    text = _error(_write(tmp_path, rows))
    assert "column dor_landmark_months: a landmark rate needs its time point" in text
    assert "column pfs_value: median 30.0 lies outside its CI" in text


def test_unknown_reference_key(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for f in (ROOT / "data").iterdir():
        (data / f.name).write_bytes(f.read_bytes())
    rows = _rows()
    rows[3]["reference_key"] = "nobody1999"
    _write(data, rows)
    with pytest.raises(DataError, match=r"line 5 \(study_id thieblemont2024\), column reference_key: 'nobody1999'"):
        load_inputs(data)


def test_prisma_counts_validated(tmp_path):
    path = tmp_path / "prisma.yaml"
    text = (ROOT / "data" / "prisma.yaml").read_text().replace("records_excluded: 207", "records_excluded: -3")
    path.write_text(text.replace("databases: 413", "databases: many"))
    message = _error(path, load_prisma)
    assert "key screening.records_excluded: a count cannot be negative (-3)" in message
    assert "key identification.databases: expected a whole number or null, got 'many'" in message


def test_yaml_syntax_error_has_position(tmp_path):
    path = tmp_path / "review.yaml"
    path.write_text("registration: [unclosed\n")
    assert "line 2, column 1: not valid YAML" in _error(path, load_review) or "not valid YAML" in _error(path, load_review)


def test_review_thresholds_order(tmp_path):
    path = tmp_path / "review.yaml"
    path.write_text((ROOT / "data" / "review.yaml").read_text().replace("moderate: 50", "moderate: 20"))
    assert "'low' must be below 'moderate'" in _error(path, load_review)


@pytest.mark.parametrize("content, message", [
    ("study,events,total\nA,3,10\nB,12,10\n", "line 3 (study B), column events: 12 events exceed total = 10"),
    ("study,events,total\nA,-1,10\n", "line 2 (study A), column events: -1 is below the minimum 0"),
    ("study,events,total\nA,2.5,10\n", "line 2 (study A), column events: '2.5' is not a whole number"),
    ("study,events,total\nA,2,ten\n", "line 2 (study A), column total: cannot read 'ten' as a number"),
    ("study,events\nA,2\n", "missing required column(s): total"),
    ("study,events,total\nA,2,10\nA,3,10\n", "line 3 (study A), column study: duplicate of line 2"),
    ("", "the file is empty"),
    ("study,events,total\n", "has a header but no data rows"),
    ("study,events,total\nA,2,0\n", "column total: 0 is below the minimum 1"),
])
def test_pool_csv_errors(tmp_path, content, message):
    path = tmp_path / "mine.csv"
    path.write_text(content)
    assert message in _error(path, load_proportions_csv)


def test_pool_command_reports_without_traceback(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("study,events,total,arm\nA,3,10,x\nB,12,10,\n")
    res = subprocess.run([sys.executable, "-m", "analysis", "pool", str(path), "--subgroup", "arm"],
                         capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    assert "mine.csv" in res.stderr and "line 3 (study B), column events" in res.stderr
    assert "column arm: is required but empty" in res.stderr


def test_build_with_bad_data_fails_cleanly_and_leaves_no_stale_results(project_copy):
    run = lambda: subprocess.run([sys.executable, "-m", "analysis", "build", "--root", str(project_copy),
                                  "--only", "results"], capture_output=True, text=True, cwd=ROOT)
    first = run()
    assert first.returncode == 0, first.stderr
    results = project_copy / "build" / "results.json"
    assert results.exists()
    trials = project_copy / "data" / "trials.csv"
    before = trials.read_bytes()
    trials.write_text(trials.read_text().replace("chong2025,NCT02500407,Chong,2025,chong2025,8,full_paper,prior_cart,"
                                                 "monotherapy,mosunetuzumab,,,27,11",
                                                 "chong2025,NCT02500407,Chong,2025,chong2025,8,full_paper,prior_cart,"
                                                 "monotherapy,mosunetuzumab,,,27,31"))
    second = run()
    assert second.returncode == 2
    assert "Traceback" not in second.stderr
    assert "line 2 (study_id chong2025), column orr_events: 31 events exceed n_patients = 27" in second.stderr
    assert not results.exists(), "a failed build must not leave the old results behind"
    assert trials.read_bytes() != before  # the build never rewrites the data it rejected


def test_folder_instead_of_file(tmp_path):
    folder = tmp_path / "mine.csv"
    folder.mkdir()
    assert "not a file (is it a folder?)" in _error(folder, load_proportions_csv)


def test_impossible_date_in_review(tmp_path):
    path = tmp_path / "review.yaml"
    path.write_text((ROOT / "data" / "review.yaml").read_text().replace("start: 2019-01-01", "start: 2019-13-01"))
    message = _error(path, load_review)
    assert "review.yaml" in message and "dates are written YYYY-MM-DD" in message


@pytest.mark.parametrize("level", ["95", "0", "1.5", "high"])
def test_pool_rejects_bad_confidence_level(level):
    res = subprocess.run([sys.executable, "-m", "analysis", "pool", str(TRIALS), "--level", level],
                         capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 2 and "argument --level" in res.stderr and "Traceback" not in res.stderr
