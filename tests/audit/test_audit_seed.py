"""The audit on the seed data finds the paper's known inconsistencies and reproduces the rest.

Each expectation was checked by hand against the paper (Shen et al. 2025) and
data/trials.csv: e.g. 11/27 = 40.7% (printed 40), 384 - 207 = 177 (printed 77).
"""

from __future__ import annotations

import pytest

from analysis.audit import run_audit
from analysis.audit.context import AuditContext
from analysis.audit.model import MATCH, MISMATCH, exit_code
from analysis.audit.source import load_source
from analysis.inputs.load import load_inputs
from analysis.results.registry import build_registry

from ..conftest import ROOT


@pytest.fixture(scope="module")
def findings():
    registry = build_registry(load_inputs(ROOT / "data"))
    ctx = AuditContext(ROOT, registry, load_source(ROOT / "data" / "reported.yaml"), ROOT / "no-such-render")
    return run_audit(ctx)


def _find(findings, rule, text):
    hits = [f for f in findings if f.rule == rule and text in f.claim]
    assert hits, f"no {rule} finding mentioning {text!r}"
    return hits


@pytest.mark.parametrize("rule, text", [
    ("data.percent-of-count", "Chong 2025: ORR 11 (40%)"),
    ("data.percent-of-count", "Chong 2025: CR 6 (23%)"),
    ("data.percent-of-count", "Hutchings 2023a: CR 20 (37%)"),
    ("data.percent-of-count", "relapsed cohort: 84.2%"),
    ("prisma.flow", "records screened - records excluded"),
    ("prisma.flow", "sum of exclusion reasons"),
    ("prisma.text-vs-figure", "18 relevant records"),
    ("claims.heterogeneity", "ORR, prior CAR-T, combination"),
    ("claims.heterogeneity", "ORR, CAR-T-naive"),
    ("claims.heterogeneity", "CR, CAR-T-naive"),
    ("claims.tte-count", "duration of complete response"),
    ("claims.tte-values", "overall survival"),
    ("claims.tte-values", "duration of response"),
    ("claims.range", "CR rate with bispecific monotherapy"),
    ("claims.range", "nine cohorts"),
    ("reproduction.quoted-rate", "mosunetuzumab (prior CAR-T, monotherapy): ORR 40%"),
])
def test_known_inconsistencies_are_errors(findings, rule, text):
    assert all(f.outcome == MISMATCH and f.severity == "error" for f in _find(findings, rule, text))


def test_egger_values_are_explained_by_metaprop(findings):
    egger = [f for f in findings if f.rule == "reproduction.egger"]
    assert len(egger) == 2 and all(f.severity == "warning" and "metaprop" in f.convention for f in egger)


def test_heterogeneity_errors_cite_the_metaprop_blank(findings):
    het = [f for f in findings if f.rule == "claims.heterogeneity" and f.outcome == MISMATCH]
    assert len(het) == 3 and all("$S_8 < 3" in f.convention for f in het)
    ok = _find(findings, "claims.heterogeneity", "CR, prior CAR-T, combination")[0]  # k = 4, I² = 0
    assert ok.outcome == MATCH


@pytest.mark.parametrize("rule, text", [
    ("reproduction.pooled", "ORR, prior CAR-T, monotherapy: pooled estimate 54.5%"),
    ("reproduction.pooled", "ORR, prior CAR-T, monotherapy: I² 68.24%"),
    ("reproduction.pooled", "CR, CAR-T-naive: upper 95% limit 68%"),
    ("reproduction.figure", "Figure 3, overall ORR (ES) 0.644"),
    ("reproduction.count", "participants prior cart = 350"),
    ("data.percent-of-count", "Cartron 2025: ORR 35 (76.1%)"),
    ("prisma.flow", "reports assessed - reports excluded"),
    ("claims.range", "median follow-up"),
])
def test_reproduced_values(findings, rule, text):
    assert all(f.outcome == MATCH for f in _find(findings, rule, text))


def test_discussion_subgroups_are_not_checkable_but_their_arithmetic_is(findings):
    assert any(f.outcome == "not_checkable" and "Odronextamab" in f.claim for f in findings)
    timing = _find(findings, "data.subtotals", "time from CAR-T to relapse")[0]
    assert timing.severity == "warning" and timing.evidence.difference == "-1"  # 29+11+13+6 = 59 of 60


def test_exit_code(findings):
    assert exit_code(findings) == 1
    assert exit_code([f for f in findings if f.severity != "error"]) == 0
    assert exit_code([f for f in findings if f.severity != "error"], strict=True) == 1
