"""Compatibility mode: two conventions of Stata ``metaprop`` that explain numbers in the seed paper.

The seed paper was analysed with Stata 16 ``metaprop`` (Nyaga, Arbyn & Aerts 2014,
Arch Public Health 72:39). Its source (``metaprop.ado``, SSC, version of
24-03-2020; mirrored in the GitHub repository r-stata/tssc, ``ssc/metaprop/metaprop.ado``)
shows two behaviours that a consistent analysis does not share:

1. **Blank heterogeneity for small subgroups.** With ``by()``, the subgroup
   (and overall) rows get Q, its P value and I² set to missing when
   ``$S_8 < 3``, where ``$S_8`` is the number of studies minus one
   (``if $S_8 < 3 { replace i2 = . ... }`` in ``metanby``). A subgroup of three
   or fewer studies therefore shows no heterogeneity statistics at all.
2. **Saved variables on two scales.** With ``ftt``, ``iv_init`` pools
   ``asin(sqrt(x/(n+1))) + asin(sqrt((x+1)/(n+1)))`` with standard error
   ``sqrt(1/(n+.5))``, then back-transforms each study's value to a proportion
   but keeps the Freeman-Tukey standard error. The variables left in the data
   set (documented in ``metaprop.sthlp`` as ``_ES`` "estimated proportion" and
   ``_seES`` "standard error of ES") are thus the raw proportion x/n and the
   Freeman-Tukey SE ``1/sqrt(n+1/2)``. Egger's test run on them
   (``metabias _ES _seES, egger``: OLS of ``_ES/_seES`` on ``1/_seES``; Egger et
   al. 1997) mixes the two scales.

Everything here is a pure function of event counts; the regression itself is
:func:`analysis.stats.bias.egger_test`, the engine's Egger test. The registry's
``compat`` section built from these is :mod:`analysis.results.compat`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .bias import EggerTest, egger_test

FloatArray = NDArray[np.float64]

#: metaprop shows Q, P and I² for a subgroup only when its degrees of freedom reach this value.
METAPROP_MIN_DF_FOR_HETEROGENEITY = 3


def stata_freeman_tukey(events: ArrayLike, totals: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """metaprop's ``ftt`` scale: the sum of the two arcsines and SE ``sqrt(1/(n+.5))``.

    This is twice metafor's ``PFT`` value; the SE is twice metafor's ``sqrt(1/(4n+2))``.
    """
    x = np.asarray(events, dtype=float)
    n = np.asarray(totals, dtype=float)
    t = np.arcsin(np.sqrt(x / (n + 1))) + np.arcsin(np.sqrt((x + 1) / (n + 1)))
    return t, np.sqrt(1.0 / (n + 0.5))


def stata_inverse_freeman_tukey(t: ArrayLike, n: ArrayLike) -> FloatArray:
    """Miller's (1978) inversion as metaprop writes it for the summed-arcsine scale."""
    t = np.asarray(t, dtype=float)
    n = np.asarray(n, dtype=float)
    s = np.sin(t)
    return 0.5 * (1 - np.sign(np.cos(t)) * np.sqrt(1 - (s + (s - 1 / s) / n) ** 2))


def metaprop_saved_variables(events: ArrayLike, totals: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """``_ES`` and ``_seES`` as metaprop ``ftt`` leaves them: back-transformed proportion, FT standard error.

    Back-transforming a study's own value with its own n returns x/n (to rounding error).
    """
    t, se = stata_freeman_tukey(events, totals)
    return stata_inverse_freeman_tukey(t, totals), se


def metaprop_shows_heterogeneity(k: int) -> bool:
    """Whether metaprop ``by()`` prints Q, P and I² for a subgroup of ``k`` studies (df = k - 1 >= 3)."""
    return k - 1 >= METAPROP_MIN_DF_FOR_HETEROGENEITY


def metaprop_heterogeneity_display(k: int, q: float | None, q_p: float | None, i2: float | None
                                   ) -> dict[str, Any]:
    """The heterogeneity row as metaprop prints it: values, or ``None`` (blank) for k <= 3."""
    shown = metaprop_shows_heterogeneity(k)
    return {"k": k, "shown": shown, "q": q if shown else None, "q_p": q_p if shown else None,
            "i2": i2 if shown else None, "computed_i2": i2, "computed_q_p": q_p}


def mixed_scale_egger(events: ArrayLike, totals: ArrayLike) -> EggerTest:
    """Egger's test on metaprop's saved variables: x/n regressed with the Freeman-Tukey SE ``1/sqrt(n+1/2)``."""
    es, se = metaprop_saved_variables(events, totals)
    return egger_test(es, se**2)


def consistent_egger(events: ArrayLike, totals: ArrayLike) -> EggerTest:
    """Egger's test with effect and SE on the same (Stata Freeman-Tukey) scale.

    Egger's t is unchanged when effect and SE are scaled by the same constant, so this
    equals the test on metafor's PFT scale.
    """
    t, se = stata_freeman_tukey(events, totals)
    return egger_test(t, se**2)


def metafor_scale_mixed_egger(events: ArrayLike, totals: ArrayLike) -> EggerTest:
    """The mixed-scale test with metafor's FT SE ``sqrt(1/(4n+2))`` instead of Stata's."""
    x = np.asarray(events, dtype=float)
    n = np.asarray(totals, dtype=float)
    return egger_test(x / n, 1.0 / (4 * n + 2))


