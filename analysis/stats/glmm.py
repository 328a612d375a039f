"""Random-intercept logistic model for single proportions, fitted by maximum likelihood.

``x_i ~ Binomial(n_i, expit(mu + tau z_i))``, ``z_i ~ N(0, 1)``: the one-step
"exact likelihood" alternative to the transformed-proportion approach
(Hamza, van Houwelingen & Stijnen 2008; Stijnen, Hamza & Ozdemir 2010), as
metafor's ``rma.glmm(measure = "PLO")`` fits it through lme4. Each study's
marginal likelihood is computed by adaptive Gauss-Hermite quadrature around
the conditional mode (as lme4's ``nAGQ``); ``mu`` is profiled for each ``tau``
and ``tau`` found by a bounded one-dimensional search.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize, special, stats

#: metafor's default number of quadrature points for ``rma.glmm`` (``nAGQ = 7``).
DEFAULT_QUADRATURE_POINTS = 7


@dataclass(frozen=True)
class LogisticGLMM:
    """Estimates on the logit scale; ``proportion`` and its CI back-transformed with expit."""

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    tau2: float
    loglik: float
    k: int
    quadrature_points: int
    proportion: float
    proportion_ci_low: float
    proportion_ci_high: float


def _log_marginal(mu: float, tau: float, x: np.ndarray, n: np.ndarray, nodes: np.ndarray,
                  weights: np.ndarray, log_binom: np.ndarray) -> float:
    """Sum over studies of log ∫ Bin(x | n, expit(mu + tau z)) φ(z) dz by adaptive quadrature."""
    z = np.zeros_like(x)
    for _ in range(100):  # Newton for the conditional mode; h is strictly concave
        p = special.expit(mu + tau * z)
        grad = tau * (x - n * p) - z
        hess = -(tau**2) * n * p * (1 - p) - 1
        step = grad / hess
        z = z - step
        if np.max(np.abs(step)) < 1e-12:
            break
    p = special.expit(mu + tau * z)
    scale = np.sqrt(2.0) / np.sqrt(tau**2 * n * p * (1 - p) + 1)
    points = z[:, None] + scale[:, None] * nodes[None, :]
    eta = mu + tau * points
    h = x[:, None] * eta - n[:, None] * np.logaddexp(0.0, eta) - points**2 / 2
    log_terms = h + nodes[None, :] ** 2 + np.log(weights)[None, :]
    per_study = special.logsumexp(log_terms, axis=1) + np.log(scale) - 0.5 * np.log(2 * np.pi) + log_binom
    return float(np.sum(per_study))


def fit_logistic_glmm(events: ArrayLike, totals: ArrayLike, *, quadrature_points: int = DEFAULT_QUADRATURE_POINTS,
                      level: float = 0.95) -> LogisticGLMM:
    """Maximum-likelihood fit of the random-intercept logistic model (needs k >= 2)."""
    x = np.asarray(events, dtype=float)
    n = np.asarray(totals, dtype=float)
    k = x.size
    if k < 2:
        raise ValueError(f"the logistic GLMM needs at least 2 studies, got {k}")
    nodes, weights = np.polynomial.hermite.hermgauss(quadrature_points)
    log_binom = special.gammaln(n + 1) - special.gammaln(x + 1) - special.gammaln(n - x + 1)

    def loglik(mu: float, tau: float) -> float:
        return _log_marginal(mu, tau, x, n, nodes, weights, log_binom)

    pooled_logit = special.logit(np.clip((x.sum() + 0.5) / (n.sum() + 1), 1e-9, 1 - 1e-9))

    def best_mu(tau: float) -> float:
        res = optimize.minimize_scalar(lambda m: -loglik(m, tau), bracket=(pooled_logit - 1, pooled_logit + 1),
                                       tol=1e-12)
        return float(res.x)

    def neg_profile(tau: float) -> float:
        return -loglik(best_mu(tau), tau)

    tau_max = 10.0
    res = optimize.minimize_scalar(neg_profile, bounds=(0.0, tau_max), method="bounded",
                                   options={"xatol": 1e-10})
    tau = float(res.x)
    if neg_profile(0.0) <= res.fun:
        tau = 0.0
    mu = best_mu(tau)

    se = _wald_se(loglik, mu, tau)
    z = stats.norm.ppf(1 - (1 - level) / 2)
    lo, hi = mu - z * se, mu + z * se
    return LogisticGLMM(estimate=mu, se=se, ci_low=lo, ci_high=hi, tau2=tau**2, loglik=loglik(mu, tau), k=k,
                        quadrature_points=quadrature_points, proportion=float(special.expit(mu)),
                        proportion_ci_low=float(special.expit(lo)), proportion_ci_high=float(special.expit(hi)))


def _wald_se(loglik, mu: float, tau: float, step: float = 1e-4) -> float:
    """SE of mu from the inverse observed information in (mu, tau), by central differences."""
    def f(m: float, t: float) -> float:
        return -loglik(m, t)

    h = step
    f_mm = (f(mu + h, tau) - 2 * f(mu, tau) + f(mu - h, tau)) / h**2
    if tau <= h:  # on the boundary tau = 0 only mu is free
        return float(1 / np.sqrt(f_mm))
    f_tt = (f(mu, tau + h) - 2 * f(mu, tau) + f(mu, tau - h)) / h**2
    f_mt = (f(mu + h, tau + h) - f(mu + h, tau - h) - f(mu - h, tau + h) + f(mu - h, tau - h)) / (4 * h**2)
    info = np.array([[f_mm, f_mt], [f_mt, f_tt]])
    return float(np.sqrt(np.linalg.inv(info)[0, 0]))
