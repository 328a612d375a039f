"""``pool``'s input and output: files that are not UTF-8 text, CSV dialects, the column-wise JSON writer, a
closed pipe, and what the command imports before it has work to do."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import numpy as np
import pytest

from analysis.cli import pool_json
from analysis.cli.pool_json import write_json
from analysis.inputs.errors import DataError
from analysis.inputs.proportions_csv import load_proportions_csv
from analysis.results.serialize import Rows

from ..conftest import ROOT


def run(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analysis", *args], capture_output=True, text=True, cwd=ROOT,
                          **kwargs)


# ----------------------------------------------------------------------------- files that are not UTF-8 text


@pytest.mark.parametrize("content, message", [
    ("study,events,total\nA,3,10\nMüller,4,12\n".encode("latin-1"),
     "line 3, column 2: byte 0xFC is not UTF-8 text"),
    (b"study,events,total\nA,3\x00,10\n", "line 2, column 4: a NUL byte; this is a binary file"),
    (b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)), "Excel workbook (.xlsx)"),
])
def test_a_file_that_is_not_text_is_named_with_line_and_column(tmp_path, content, message):
    path = tmp_path / "studies.csv"
    path.write_bytes(content)
    res = run("pool", str(path))
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert str(path) in res.stderr and message in res.stderr, res.stderr
    assert "CSV UTF-8" in res.stderr  # how to fix it


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_text_with_a_byte_order_mark_is_read(tmp_path, encoding):
    path = tmp_path / "studies.csv"
    path.write_bytes("study,events,total\nMüller,3,10\nB,4,12\n".encode(encoding))
    table = load_proportions_csv(path)
    assert table.studies == ["Müller", "B"] and table.events.tolist() == [3, 4]


def test_data_files_of_the_build_get_the_same_message(tmp_path):
    from analysis.inputs.yaml_files import load_review

    path = tmp_path / "review.yaml"
    path.write_bytes("title: caf\xe9\n".encode("latin-1"))
    with pytest.raises(DataError, match=r"line 1, column 11: byte 0xE9 is not UTF-8.*editor's encoding"):
        load_review(path)


# ----------------------------------------------------------------------------- CSV dialects


def test_quoted_and_plain_files_read_alike(tmp_path):
    plain = tmp_path / "plain.csv"
    plain.write_text("study,events,total\r\n\r\nA,3,10\r\n , , \r\nB, 4 ,12.0\r\n\r\n", encoding="utf-8")
    quoted = tmp_path / "quoted.csv"
    quoted.write_text('study,events,total\n\n"A",3,10\n , , \n"B"," 4 ",12.0\n', encoding="utf-8")
    a, b = load_proportions_csv(plain), load_proportions_csv(quoted)
    assert a.studies == b.studies == ["A", "B"]
    assert a.events.tolist() == b.events.tolist() == [3, 4] and a.totals.tolist() == b.totals.tolist() == [10, 12]


def test_a_quoted_label_may_hold_commas_and_line_breaks(tmp_path):
    path = tmp_path / "studies.csv"
    path.write_text('study,events,total\n"Smith, J.\n(2020)",3,10\nB,x,12\n', encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_proportions_csv(path)
    assert "line 4 (study B), column events: cannot read 'x' as a number" in str(err.value)  # lines as an editor counts


def test_rows_with_too_few_or_too_many_cells(tmp_path):
    path = tmp_path / "studies.csv"
    path.write_text("study,events,total\nA,3,10\nB,4\nC,1,2,3\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_proportions_csv(path)
    assert err.value.problems == ["line 3: 2 cells, the header has 3", "line 4: 4 cells, the header has 3"]


# ----------------------------------------------------------------------------- the JSON writer


def _rows(k: int, seed: int = 0) -> Rows:
    rng = np.random.default_rng(seed)
    values = rng.standard_normal(k) * 10.0 ** rng.integers(-12, 12, k)
    values[::7] = np.nan
    labels = [f'study "{i}" \\ Ünïcode\t{i}' for i in range(k)]
    return Rows({"study": labels, "label": labels, "events": rng.integers(0, 10**9, k), "x": values,
                 "y": np.linspace(-1, 1, k)})


def _parse(report) -> dict:
    out = io.BytesIO()
    write_json(report, out)
    return json.loads(out.getvalue())


def test_json_rows_hold_every_value_exactly(monkeypatch):
    rows = _rows(1000)
    monkeypatch.setattr(pool_json, "BLOCK_ROWS", 64)  # several blocks, a short last one
    data = _parse({"k": 1000, "studies": rows, "nested": {"table": rows}})
    assert data["k"] == 1000 and len(data["studies"]) == 1000 and data["nested"]["table"] == data["studies"]
    for i, row in enumerate(data["studies"]):
        assert row["study"] == rows.columns["study"][i] and row["events"] == rows.columns["events"][i]
        x = rows.columns["x"][i]
        assert (row["x"] is None) if np.isnan(x) else (row["x"] == x)  # shortest round trip: the same float
        assert row["y"] == rows.columns["y"][i]


def test_very_long_labels_are_joined_without_padding(monkeypatch):
    rows = _rows(300)
    rows.columns["study"][5] = "x" * 5000
    out = io.BytesIO()
    write_json({"studies": rows}, out)
    assert len(out.getvalue()) < 300 * 400 + 2 * 5000  # no row padded to the long label
    assert _parse({"studies": rows}) == json.loads(out.getvalue())
    monkeypatch.setattr(pool_json, "LONG_TEXT", 10**6)  # the other way gives the same JSON
    assert _parse({"studies": rows}) == json.loads(out.getvalue())


def test_an_empty_table_and_no_table():
    assert _parse({"studies": Rows({"study": [], "x": np.zeros(0)}), "egger": None}) == {"studies": [],
                                                                                          "egger": None}


# ----------------------------------------------------------------------------- the process


def test_output_into_a_closed_pipe_prints_no_traceback(tmp_path):
    path = tmp_path / "many.csv"
    path.write_text("study,events,total\n" + "".join(f"s{i},{i % 50},{50 + i % 7}\n" for i in range(3000)),
                    encoding="utf-8")
    for extra in (["--json"], []):
        res = subprocess.run(f"{sys.executable} -m analysis pool {path} {' '.join(extra)} | head -n 2",
                             shell=True, capture_output=True, text=True, cwd=ROOT)
        assert res.stderr == "" and len(res.stdout.splitlines()) == 2


def _imported(*args: str) -> set[str]:
    res = subprocess.run([sys.executable, "-X", "importtime", "-m", "analysis", *args], capture_output=True,
                         text=True, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    return {line.split("|")[-1].strip() for line in res.stderr.splitlines() if line.startswith("import time:")}


def test_start_up_imports_only_what_the_command_needs(tmp_path):
    """--help loads no numpy; pooling three studies loads no pandas, scipy.stats, scipy.optimize, matplotlib."""
    help_modules = _imported("--help")
    assert not {m for m in help_modules if m.split(".")[0] in ("numpy", "scipy", "pandas", "yaml", "jinja2")}
    path = tmp_path / "three.csv"
    path.write_text("study,events,total\nA,11,27\nB,26,52\nC,35,46\n", encoding="utf-8")
    pool_modules = _imported("pool", str(path))
    heavy = {"pandas", "scipy.stats", "scipy.optimize", "matplotlib", "yaml", "jinja2"}
    assert not {m for m in pool_modules if m in heavy or m.split(".")[0] in ("pandas", "matplotlib")}


def test_check_command_lists_the_audits_families():
    from analysis.audit import RULE_FAMILIES
    from analysis.audit.model import SCOPES
    from analysis.cli.check import RULE_FAMILY_NAMES, SCOPE_NAMES

    assert RULE_FAMILY_NAMES == tuple(RULE_FAMILIES) and SCOPE_NAMES == tuple(SCOPES)


def test_an_unreadable_total_is_not_also_reported_as_exceeded(tmp_path):
    path = tmp_path / "studies.csv"
    path.write_text("study,events,total\nA,3,ten\nB,x,12\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_proportions_csv(path)
    assert err.value.problems == ["line 2 (study A), column total: cannot read 'ten' as a number",
                                  "line 3 (study B), column events: cannot read 'x' as a number"]
