"""Names of the statistical methods behind the settings codes of ``results.json``."""

from __future__ import annotations

#: The one table of human-readable names of the methods behind the settings codes in ``results.json``
#: (``settings``: transform, tau2_method, study_ci; ``hksj`` true/false picks 'hksj' or 'wald'). Prose, figure
#: footnotes, tables and the ``pool`` command all name methods through :func:`method_name`.
METHOD_NAMES = {
    # transformations of proportions (analysis/stats/transforms.py)
    "ft": "Freeman\u2013Tukey double arcsine", "logit": "logit", "arcsine": "arcsine square root",
    "raw": "untransformed proportion",
    # estimators of the between-study variance tau² (analysis/stats/tau2.py)
    "dl": "DerSimonian\u2013Laird", "reml": "restricted maximum likelihood", "pm": "Paule\u2013Mandel",
    "ml": "maximum likelihood", "ee": "common effect (\u03c4\u00b2 = 0)",
    # confidence intervals of single proportions (analysis/stats/study_ci.py)
    "clopper-pearson": "exact Clopper\u2013Pearson", "wilson": "Wilson score",
    # confidence intervals of pooled estimates (analysis/stats/models.py)
    "hksj": "Hartung\u2013Knapp\u2013Sidik\u2013Jonkman", "wald": "normal (Wald-type)",
}
#: How each transformed scale is taken back to proportions (Miller 1978 for the Freeman–Tukey scale).
BACK_TRANSFORMATIONS = {
    "ft": "back-transformed with Miller's inversion using the harmonic mean of the cohort sizes",
    "logit": "back-transformed with the inverse logit",
    "arcsine": "back-transformed by squaring the sine",
    "raw": "which needs no back-transformation",
}


def method_name(code: str) -> str:
    """'dl' -> 'DerSimonian–Laird', 'ft' -> 'Freeman–Tukey double arcsine'; unknown codes are returned as given."""
    return METHOD_NAMES.get(code, code)


def transform_description(code: str) -> str:
    """'Freeman–Tukey double arcsine scale, back-transformed with Miller's inversion using ...'."""
    back = BACK_TRANSFORMATIONS.get(code)
    return f"{method_name(code)} scale" + (f", {back}" if back else "")


def transform_scale(code: str) -> str:
    """Axis wording for a transformed scale; the Freeman–Tukey scale is metafor's, half of Stata's sum."""
    if code == "ft":
        return "Freeman\u2013Tukey double arcsine (metafor scale, \u00bd \u00d7 Stata)"
    return method_name(code)
