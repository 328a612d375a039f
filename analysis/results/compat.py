"""The registry's ``compat`` section: what Stata ``metaprop`` would have shown, next to our values.

Read only by the audit, to explain the seed paper's numbers; the conventions
themselves are :mod:`analysis.stats.stata_compat`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Iterable, Sequence

from ..stats.stata_compat import (METAPROP_MIN_DF_FOR_HETEROGENEITY, consistent_egger, metafor_scale_mixed_egger,
                                  metaprop_heterogeneity_display, mixed_scale_egger)

SOURCE_METAPROP = ("Stata metaprop.ado (SSC, 24-03-2020), program metanby: "
                   "`if $S_8 < 3 { replace i2 = . ... }` with $S_8 = studies - 1; "
                   "program iv_init: FT effect asin(sqrt(x/(n+1)))+asin(sqrt((x+1)/(n+1))), "
                   "se sqrt(1/(n+.5)), study effect back-transformed, se kept")
SOURCE_HELP = "Stata metaprop.sthlp, 'Stored': _ES estimated proportion, _seES standard error of ES"
SOURCE_EGGER = ("Egger et al. 1997 BMJ 315:629; Stata metabias: regression of the standardised effect "
                "on its precision")


@dataclass(frozen=True)
class EggerVariant:
    """One way Egger's test could have been run on the seed data."""

    key: str
    description: str
    cohorts: str
    scale: str
    k: int
    intercept: float
    t: float
    df: int
    p: float


EGGER_METHODS = {
    "mixed_stata": ("raw proportion x/n with Stata FT SE 1/sqrt(n+1/2) (metaprop _ES, _seES)", mixed_scale_egger),
    "mixed_metafor": ("raw proportion x/n with metafor FT SE 1/sqrt(4n+2)", metafor_scale_mixed_egger),
    "consistent_ft": ("FT effect with its own SE (Stata or metafor scale: same P)", consistent_egger),
}


def egger_variants(rows: Iterable[dict[str, Any]], outcome: str) -> list[EggerVariant]:
    """Egger P values for the plausible variants: cohort sets x scales.

    ``rows`` are trial records of the registry (``population``, ``regimen``,
    ``n_patients``, ``<outcome>_events``). Cohort sets: every cohort with the
    outcome (the forest plots' overall row), prior-CAR-T cohorts only, and
    prior-CAR-T monotherapy only.
    """
    rows = [r for r in rows if r.get(f"{outcome}_events") is not None]
    cohort_sets = {
        "all_cohorts": ("every cohort with the outcome (prior CAR-T and CAR-T-naive)", rows),
        "prior_cart": ("prior-CAR-T cohorts only", [r for r in rows if r["population"] == "prior_cart"]),
        "prior_cart_monotherapy": ("prior-CAR-T monotherapy cohorts only",
                                   [r for r in rows if r["population"] == "prior_cart"
                                    and r["regimen"] == "monotherapy"]),
    }
    out: list[EggerVariant] = []
    for set_key, (set_label, sel) in cohort_sets.items():
        if len(sel) < 3:
            continue
        x = [r[f"{outcome}_events"] for r in sel]
        n = [r["n_patients"] for r in sel]
        for method_key, (scale, fn) in EGGER_METHODS.items():
            e = fn(x, n)
            out.append(EggerVariant(key=f"{set_key}/{method_key}", description=f"{set_label}; {scale}",
                                    cohorts=set_key, scale=method_key, k=len(sel), intercept=e.intercept,
                                    t=e.t, df=e.df, p=e.p))
    return out


def subgroup_heterogeneity_display(outcome_result: dict[str, Any]) -> dict[str, Any]:
    """metaprop's display of each subgroup's heterogeneity for one outcome of the registry."""
    return {g: metaprop_heterogeneity_display(m["k"], m.get("q"), m.get("q_p"), m.get("i2"))
            for g, m in outcome_result["subgroups"].items()}


def compat_section(trials: Sequence[dict[str, Any]], outcomes: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The registry's ``compat`` section: what Stata metaprop would have shown, next to our values.

    Nothing in the manuscript should be read from here; it exists so the audit can
    explain the seed paper's numbers.
    """
    return {
        "label": "Stata metaprop compatibility (for explaining the seed paper; not used for results)",
        "sources": [SOURCE_METAPROP, SOURCE_HELP, SOURCE_EGGER],
        "metaprop_min_df_for_heterogeneity": METAPROP_MIN_DF_FOR_HETEROGENEITY,
        "heterogeneity_display": {o: subgroup_heterogeneity_display(res) for o, res in outcomes.items()},
        "egger": {o: [asdict(v) for v in egger_variants(trials, o)] for o in outcomes},
    }
