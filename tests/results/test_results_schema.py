"""Every key of results.json is described in analysis/results/schema.md."""

from __future__ import annotations

import re

import pytest

from analysis.inputs.load import load_inputs
from analysis.results.registry import build_registry

from ..conftest import ROOT

DOC = (ROOT / "analysis" / "results" / "schema.md").read_text()
DOCUMENTED = set(re.findall(r"`([a-z0-9_]+)`", DOC))


@pytest.fixture(scope="module")
def registry() -> dict:
    return build_registry(load_inputs(ROOT / "data"))


def _undocumented(keys) -> list[str]:
    return sorted(k for k in keys if k not in DOCUMENTED)


def test_top_level_and_summary_keys(registry):
    assert _undocumented(registry) == []
    assert _undocumented(registry["summary"]) == []
    assert _undocumented(registry["provenance"]) == []


def test_outcome_and_meta_analysis_keys(registry):
    for outcome in registry["outcomes"].values():
        assert _undocumented(outcome) == []
        for meta in [outcome["overall"], *outcome["subgroups"].values()]:
            assert _undocumented(meta) == []
            assert _undocumented(meta["transformed"]) == []
            assert _undocumented(meta["studies"][0]) == []
            if meta["leave_one_out"]:
                assert _undocumented(meta["leave_one_out"][0]) == []
            if meta["egger"]:
                assert _undocumented(meta["egger"]) == _undocumented(meta["begg"]) == []
        for fit in outcome["glmm"].values():
            assert _undocumented(fit) == []


def test_trial_records_add_only_documented_fields(registry):
    from analysis.inputs.trials import TRIAL_COLUMN_NAMES
    extra = set(registry["trials"][0]) - set(TRIAL_COLUMN_NAMES)
    assert _undocumented(extra) == []
