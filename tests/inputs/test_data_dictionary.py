"""data/README.md documents every column the loader knows, and nothing else."""

import re

from analysis.inputs.trials import TRIAL_COLUMN_NAMES, TTE_STATUSES

from ..conftest import ROOT

DOC = (ROOT / "data" / "README.md").read_text()


def test_every_column_documented_once():
    rows = re.findall(r"^\| `([a-z_0-9]+)` \|", DOC, flags=re.MULTILINE)
    columns = [r for r in rows if r not in {"trials.csv", "prisma.yaml"}]
    documented = [c for c in columns if c in TRIAL_COLUMN_NAMES or c.endswith(("_status", "_value", "_ci_low",
                                                                                  "_ci_high", "_landmark_months"))]
    assert sorted(documented) == sorted(TRIAL_COLUMN_NAMES)


def test_statuses_documented():
    for status in TTE_STATUSES:
        assert f"`{status}`" in DOC


def test_csv_header_matches_dictionary():
    header = (ROOT / "data" / "trials.csv").read_text().splitlines()[0].split(",")
    assert header == TRIAL_COLUMN_NAMES
