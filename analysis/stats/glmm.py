"""Random-intercept logistic model for single proportions, fitted by maximum likelihood.

``x_i ~ Binomial(n_i, expit(mu + tau z_i))``, ``z_i ~ N(0, 1)``: the one-step "exact likelihood" alternative to
the transformed-proportion approach (Hamza, van Houwelingen & Stijnen 2008; Stijnen, Hamza & Ozdemir 2010), as
metafor's ``rma.glmm(measure = "PLO", method = "ML")`` fits it through ``lme4::glmer``.

The fit, step by step (each step checked; a failed check is reported, never hidden):

1. Each study's marginal likelihood is an integral over ``z``, computed by adaptive Gauss-Hermite quadrature
   centred on the conditional mode and scaled by the curvature there, as lme4's ``nAGQ`` (Pinheiro & Bates 1995,
   J Comput Graph Stat 4:12-35; Liu & Pierce 1994, Biometrika 81:624-629). The mode of each study is a 1-D
   strictly concave problem solved by Newton steps safeguarded by a shrinking bracket (bisection whenever Newton
   would leave it), so it cannot diverge (Press et al., *Numerical Recipes*, 3rd ed., sec. 9.4 ``rtsafe``).
2. ``mu`` and ``log tau`` are optimised jointly by damped Newton (finite-difference derivatives, eigenvalue-
   modified Hessian, step halving), started from the DerSimonian-Laird fit on the logit scale; three other values
   of ``tau`` are tried as starts when they beat that optimum (another basin); the boundary ``tau = 0`` (common
   binomial model, closed form) is compared explicitly.
3. The standard error of ``mu`` is the square root of the ``(mu, mu)`` element of the inverse observed information
   in ``(mu, tau)``, as lme4's ``vcov``; the information must be positive definite.
4. The fit is repeated with a much finer quadrature (30 points); if the answer moves by more than
   ``QUADRATURE_TOLERANCE_SE`` standard errors, the coarse fit is flagged as unreliable.

A result that cannot be estimated (all studies without events, or all with events only; a between-study variance
that runs off to infinity) or cannot be trusted carries ``status`` and ``reason`` and has no confidence interval.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

#: metafor's default number of quadrature points for ``rma.glmm`` (``nAGQ = 7``).
DEFAULT_QUADRATURE_POINTS = 7
#: Points of the finer quadrature every fit is checked against.
CHECK_QUADRATURE_POINTS = 30
#: A fit is unreliable when the finer quadrature moves the estimate, a CI limit or tau by more than this many SEs.
QUADRATURE_TOLERANCE_SE = 0.1
#: ``tau`` beyond this (logit-scale SD; tau² = 2500) means the between-study variance diverges.
TAU_MAX = 50.0
#: Below this ``tau`` the fit is taken to be on the boundary ``tau = 0`` (tau² < 1e-12).
TAU_MIN = 1e-6

STATUS_OK = "ok"
STATUS_UNRELIABLE = "unreliable"
STATUS_NOT_ESTIMABLE = "not_estimable"

_MODE_MAX_ITER = 300
_NEWTON_MAX_ITER = 200
_DECREMENT_TOL = 1e-14  # Newton decrement g'H^-1 g / 2, log-likelihood units (parameters to ~1e-7)
_FD_STEP = 1e-4         # finite-difference step in (mu, log tau) during the search
_SE_FD_STEP = 1e-3      # finite-difference step in (mu, tau) for the observed information


@dataclass(frozen=True)
class LogisticGLMM:
    """Estimates on the logit scale; ``proportion`` and its CI back-transformed with expit.

    ``status`` is ``"ok"``, ``"unreliable"`` (estimates shown for diagnosis, not to be reported) or
    ``"not_estimable"`` (no finite maximum-likelihood estimate; numbers are NaN); ``reason`` says why.
    ``warnings`` lists every problem and note (e.g. tau² on the boundary 0). ``quadrature_discrepancy`` is the
    largest change of estimate, CI limits or tau, in standard errors, when refitted with
    ``check_quadrature_points`` points.
    """

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
    status: str = STATUS_OK
    reason: str = ""
    converged: bool = True
    warnings: tuple[str, ...] = ()
    check_quadrature_points: int = CHECK_QUADRATURE_POINTS
    quadrature_discrepancy: float = float("nan")

    @property
    def trustworthy(self) -> bool:
        return self.status == STATUS_OK


@dataclass(frozen=True)
class _Data:
    x: np.ndarray
    n: np.ndarray
    log_binom: np.ndarray


@dataclass(frozen=True)
class _Fit:
    mu: float
    tau: float
    loglik: float
    se: float
    se_tau: float
    converged: bool
    problems: tuple[str, ...]
    at_boundary: bool
    diverged: bool


def _rule(points: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Hermite nodes and log weights for weight function exp(-t²) (Abramowitz & Stegun 25.4.46)."""
    nodes, weights = np.polynomial.hermite.hermgauss(points)
    return nodes, np.log(weights)


def conditional_modes(mu: float, tau: float, events: np.ndarray, totals: np.ndarray,
                      start: np.ndarray | None = None) -> tuple[np.ndarray, bool]:
    """Mode z_i of h_i(z) = x_i eta - n_i log(1 + e^eta) - z²/2, eta = mu + tau z, for every study at once.

    h_i' = tau (x_i - n_i expit(eta)) - z is decreasing (h_i'' <= -1) and changes sign on
    [tau (x_i - n_i), tau x_i]; Newton steps are kept inside the shrinking bracket (bisection otherwise), so the
    iteration always converges (Numerical Recipes ``rtsafe``). ``start`` (e.g. the modes at nearby parameters)
    only speeds it up. Returns the modes and whether all converged.
    """
    tau = abs(tau)
    lo, hi = tau * (events - totals), tau * events
    z = np.clip(np.zeros_like(events) if start is None else start, lo, hi)
    eps = np.finfo(float).eps
    for _ in range(_MODE_MAX_ITER):
        eta = mu + tau * z
        p, q = special.expit(eta), special.expit(-eta)
        successes, failures = events * q, (totals - events) * p  # x - n p = x q - (n - x) p, no cancellation
        grad = tau * (successes - failures) - z
        lo = np.where(grad > 0, z, lo)
        hi = np.where(grad < 0, z, hi)
        step = grad / (tau**2 * totals * p * q + 1.0)
        # converged: Newton step negligible, or the score is zero within its rounding error
        done = ((np.abs(step) <= 1e-13 * (1.0 + np.abs(z)))
                | (np.abs(grad) <= 16 * eps * (tau * (successes + failures) + np.abs(z))))
        if np.all(done):
            return z, True
        newton = z + step
        # a Newton step onto or beyond an end of the bracket (both already evaluated) is replaced by bisection
        outside = (newton <= lo) | (newton >= hi)
        z = np.where(done, z, np.where(outside, 0.5 * (lo + hi), newton))
    return z, False


def _log_marginal(mu: float, tau: float, data: _Data, rule: tuple[np.ndarray, np.ndarray],
                  start: np.ndarray | None = None) -> tuple[float, bool, np.ndarray]:
    """Sum over studies of log ∫ Bin(x | n, expit(mu + tau z)) φ(z) dz by adaptive Gauss-Hermite quadrature.

    With mode z* and curvature c = tau² n p*(1 - p*) + 1, substitute z = z* + sqrt(2/c) t:
    ∫ e^{h(z)} dz / sqrt(2 pi) ≈ sqrt(2/c) Σ_j w_j e^{t_j²} e^{h(z* + sqrt(2/c) t_j)} / sqrt(2 pi)
    (Liu & Pierce 1994). Symmetric in tau (z -> -z), so negative tau gives the value at |tau|.
    Returns the log-likelihood, whether every mode converged, and the modes.
    """
    nodes, log_w = rule
    tau = abs(tau)
    z, ok = conditional_modes(mu, tau, data.x, data.n, start)
    eta = mu + tau * z
    curvature = tau**2 * data.n * special.expit(eta) * special.expit(-eta) + 1.0
    scale = np.sqrt(2.0 / curvature)
    points = z[:, None] + scale[:, None] * nodes[None, :]
    eta_q = mu + tau * points
    h = data.x[:, None] * eta_q - data.n[:, None] * np.logaddexp(0.0, eta_q) - 0.5 * points**2
    per_study = (special.logsumexp(h + nodes[None, :] ** 2 + log_w[None, :], axis=1) + np.log(scale)
                 - 0.5 * np.log(2.0 * np.pi) + data.log_binom)
    return float(np.sum(per_study)), ok, z


def _data(events: ArrayLike, totals: ArrayLike) -> _Data:
    x = np.asarray(events, dtype=float)
    n = np.asarray(totals, dtype=float)
    return _Data(x, n, special.gammaln(n + 1) - special.gammaln(x + 1) - special.gammaln(n - x + 1))


def log_marginal_likelihood(mu: float, tau: float, events: ArrayLike, totals: ArrayLike, *,
                            quadrature_points: int = DEFAULT_QUADRATURE_POINTS) -> float:
    """Log-likelihood of (mu, tau) by adaptive Gauss-Hermite quadrature, including log C(n, x).

    lme4's GLMM deviance is relative to the saturated model: this equals -(deviance + saturated) / 2 with
    saturated = -2 Σ log Bin(x_i | n_i, x_i / n_i).
    """
    return _log_marginal(mu, tau, _data(events, totals), _rule(quadrature_points))[0]


def _grad_hess(f: Callable[[np.ndarray], float], theta: np.ndarray, step: float,
               f0: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Central finite-difference gradient and Hessian of a function of two variables (3 x 3 stencil)."""
    f0 = f(theta) if f0 is None else f0
    e = np.eye(2) * step
    fp = np.array([f(theta + e[i]) for i in range(2)])
    fm = np.array([f(theta - e[i]) for i in range(2)])
    grad = (fp - fm) / (2 * step)
    hess = np.empty((2, 2))
    hess[0, 0], hess[1, 1] = (fp - 2 * f0 + fm) / step**2
    hess[0, 1] = hess[1, 0] = (f(theta + e[0] + e[1]) - f(theta + e[0] - e[1]) - f(theta - e[0] + e[1])
                               + f(theta - e[0] - e[1])) / (4 * step**2)
    return grad, hess


def _dl_start(x: np.ndarray, n: np.ndarray) -> tuple[float, float]:
    """DerSimonian-Laird (1986) mu and tau on the logit scale, 1/2 added to every cell (starting values only)."""
    y = np.log((x + 0.5) / (n - x + 0.5))
    v = 1 / (x + 0.5) + 1 / (n - x + 0.5)
    w = 1 / v
    mu_fe = np.sum(w * y) / np.sum(w)
    q = np.sum(w * (y - mu_fe) ** 2)
    tau2 = max(0.0, (q - (x.size - 1)) / (np.sum(w) - np.sum(w**2) / np.sum(w)))
    w_re = 1 / (v + tau2)
    return float(np.sum(w_re * y) / np.sum(w_re)), float(np.sqrt(tau2))


def _newton(neg_ll: Callable[[np.ndarray], float], theta: np.ndarray, lower: np.ndarray,
            upper: np.ndarray) -> tuple[np.ndarray, float, bool]:
    """Minimise a smooth function of two variables within a box by damped Newton.

    Newton direction with the Hessian's eigenvalues replaced by their absolute values (floored), so every step
    is a descent direction (Nocedal & Wright, *Numerical Optimization*, 2nd ed., sec. 3.4); step halving until
    the function decreases (a step whose predicted gain is below the rounding error of the function is taken
    as it is); steps are projected onto the box. Converged when the Newton decrement is below ``_DECREMENT_TOL``,
    also when a bound is active and the remaining free coordinate is optimal.
    """
    theta = np.clip(theta, lower, upper)
    f = neg_ll(theta)
    for _ in range(_NEWTON_MAX_ITER):
        grad, hess = _grad_hess(neg_ll, theta, _FD_STEP, f)
        vals, vecs = np.linalg.eigh(hess)
        vals = np.maximum(np.abs(vals), 1e-8 * max(1.0, float(np.max(np.abs(vals)))))
        direction = -vecs @ ((vecs.T @ grad) / vals)
        blocked = ((theta <= lower) & (direction < 0)) | ((theta >= upper) & (direction > 0))
        if np.any(blocked):  # a bound is active: Newton step in the free coordinate only
            direction = np.where(blocked, 0.0, -grad / np.maximum(np.abs(np.diag(hess)), 1e-8))
        decrement = float(-grad @ direction) / 2
        if decrement < _DECREMENT_TOL:
            return theta, f, True
        if decrement < 1e-12 * (1.0 + abs(f)):  # the predicted gain is below the rounding error of f itself:
            theta = np.clip(theta + direction, lower, upper)  # take the (tiny) Newton step without a line search
            f = neg_ll(theta)
            continue
        length = float(np.max(np.abs(direction)))
        if length > 2.0:  # at most 2 logit units (or a factor e² in tau) per step
            direction *= 2.0 / length
        for _ in range(60):
            candidate = np.clip(theta + direction, lower, upper)
            fc = neg_ll(candidate)
            if fc < f:
                break
            direction /= 2
        else:  # no decrease even for tiny steps although one is predicted: not a minimum the search can reach
            return theta, f, False
        theta, f = candidate, fc
    return theta, f, False


def _fit(data: _Data, points: int, starts: list[tuple[float, float]]) -> _Fit:
    """Maximise the AGQ log-likelihood over (mu, tau >= 0); SE from the observed information."""
    rule = _rule(points)
    problems: list[str] = []
    mode_failures = []
    previous_modes: list[np.ndarray] = []  # warm start for the next evaluation (parameters change little)

    def loglik(mu: float, tau: float) -> float:
        value, ok, modes = _log_marginal(mu, tau, data, rule, previous_modes[-1] if previous_modes else None)
        previous_modes[:] = [modes]
        if not ok:
            mode_failures.append((mu, tau))
        return value

    def neg_ll(theta: np.ndarray) -> float:
        return -loglik(theta[0], np.exp(theta[1]))

    # Boundary tau = 0: the common binomial model, maximised at the pooled proportion (closed form).
    mu0 = float(special.logit(data.x.sum() / data.n.sum()))
    ll0 = loglik(mu0, 0.0)

    lower = np.array([-50.0, np.log(TAU_MIN)])
    upper = np.array([50.0, np.log(TAU_MAX)])
    # Score for tau² at tau² = 0 (Dean 1992, JASA 87:451-457): if <= 0, the boundary is a local maximum.
    p0 = special.expit(mu0)
    boundary_is_local_max = np.sum((data.x - data.n * p0) ** 2 - data.n * p0 * (1 - p0)) <= 0

    theta, f_int, converged = None, -ll0, True
    for i, (mu_s, tau_s) in enumerate(starts):
        start = np.array([mu_s, np.log(np.clip(tau_s, 0.05, 10.0))])
        # the first start is always searched unless the boundary is optimal locally and better; any other
        # start (another basin) only if it already beats the best optimum found
        if neg_ll(start) >= f_int and (i > 0 or boundary_is_local_max):
            continue
        result = _newton(neg_ll, start, lower, upper)
        if result[1] < f_int:
            theta, f_int, converged = result
    if theta is not None and theta[1] >= upper[1] - 1e-9:
        return _Fit(float(theta[0]), float(np.exp(theta[1])), -f_int, np.nan, np.nan, False,
                    (f"the between-study variance diverges (tau² > {TAU_MAX**2:g} on the logit scale)",),
                    False, True)
    if theta is None or theta[1] <= lower[1] + 1e-9:
        p = data.x.sum() / data.n.sum()
        return _Fit(mu0, 0.0, ll0, float(1 / np.sqrt(np.sum(data.n) * p * (1 - p))), np.nan, True, (), True, False)
    mu, tau = float(theta[0]), float(np.exp(theta[1]))
    if not converged:
        problems.append("the optimiser did not converge (Newton decrement above tolerance)")
    if abs(mu) >= upper[0] - 1e-9:
        problems.append(f"the pooled logit reached the search bound ±{upper[0]:g}")

    # Observed information in (mu, tau), as lme4's vcov (finite differences of the deviance).
    _, info = _grad_hess(lambda t: -loglik(t[0], t[1]), np.array([mu, tau]), _SE_FD_STEP)
    eig = np.linalg.eigvalsh(info)
    if not (np.all(np.isfinite(info)) and eig[0] > 1e-10 * max(1.0, abs(eig[-1]))):
        problems.append("the observed information is not positive definite (flat or saddle-shaped likelihood)")
        se, se_tau = np.nan, np.nan
    else:
        cov = np.linalg.inv(info)
        se, se_tau = float(np.sqrt(cov[0, 0])), float(np.sqrt(cov[1, 1]))
    if mode_failures:
        problems.append("the conditional-mode solver did not converge for some studies")
    return _Fit(mu, tau, -f_int, se, se_tau, converged and not mode_failures, tuple(problems), False, False)


def _not_estimable(k: int, points: int, reason: str) -> LogisticGLMM:
    nan = float("nan")
    return LogisticGLMM(estimate=nan, se=nan, ci_low=nan, ci_high=nan, tau2=nan, loglik=nan, k=k,
                        quadrature_points=points, proportion=nan, proportion_ci_low=nan, proportion_ci_high=nan,
                        status=STATUS_NOT_ESTIMABLE, reason=reason, converged=False, warnings=(reason,))


def _discrepancy(fit: _Fit, check: _Fit, z: float) -> float:
    """Largest change of mu, the CI limits and tau, in standard errors, between two quadratures."""
    if not (np.isfinite(fit.se) and np.isfinite(check.se)):
        return float("inf")
    changes = [abs(fit.mu - check.mu), abs((fit.mu - z * fit.se) - (check.mu - z * check.se)),
               abs((fit.mu + z * fit.se) - (check.mu + z * check.se))]
    ratios = [c / check.se for c in changes]
    if not (fit.at_boundary and check.at_boundary):
        se_tau = check.se_tau if np.isfinite(check.se_tau) else fit.se_tau
        ratios.append(abs(fit.tau - check.tau) / se_tau if np.isfinite(se_tau) and se_tau > 0 else float("inf"))
    return float(max(ratios))


def fit_logistic_glmm(events: ArrayLike, totals: ArrayLike, *, quadrature_points: int = DEFAULT_QUADRATURE_POINTS,
                      level: float = 0.95, check_points: int = CHECK_QUADRATURE_POINTS) -> LogisticGLMM:
    """Maximum-likelihood fit of the random-intercept logistic model (needs k >= 2).

    Never returns a degenerate interval: a fit without a finite estimate is ``not_estimable``, one whose optimiser,
    information matrix or quadrature check fails is ``unreliable`` (with ``reason``; CI NaN if the SE is unknown).
    """
    x = np.asarray(events, dtype=float)
    n = np.asarray(totals, dtype=float)
    k = x.size
    if k < 2:
        raise ValueError(f"the logistic GLMM needs at least 2 studies, got {k}")
    if x.sum() == 0:
        return _not_estimable(k, quadrature_points, "no study has an event: the pooled logit is -infinity "
                                                   "(no finite maximum-likelihood estimate)")
    if x.sum() == n.sum():
        return _not_estimable(k, quadrature_points, "every participant has the event: the pooled logit is "
                                                   "+infinity (no finite maximum-likelihood estimate)")
    if np.all((x == 0) | (x == n)):
        return _not_estimable(k, quadrature_points, "every study has either no events or only events: the "
                                                   "between-study variance grows without bound (no finite "
                                                   "maximum-likelihood estimate)")
    data = _data(x, n)
    mu_dl, tau_dl = _dl_start(x, n)
    starts = [(mu_dl, max(tau_dl, 0.1)), (mu_dl, 0.3), (mu_dl, 1.5), (mu_dl, 4.0)]
    fit = _fit(data, quadrature_points, starts)
    if fit.diverged:
        return _not_estimable(k, quadrature_points, fit.problems[0])

    z = NormalDist().inv_cdf(1 - (1 - level) / 2)
    problems = list(fit.problems)
    notes: list[str] = []
    if fit.at_boundary:
        notes.append("tau² estimated as 0 (boundary of the parameter space): the fit is the common-proportion "
                     "binomial model")
    check_points = max(check_points, 2 * quadrature_points)
    discrepancy = float("nan")
    if np.isfinite(fit.se):  # otherwise the fit is flagged already and a comparison says nothing
        check = _fit(data, check_points, [(fit.mu, max(fit.tau, 0.1))])
        discrepancy = _discrepancy(fit, check, z) if not check.diverged else float("inf")
    if np.isfinite(fit.se) and not discrepancy <= QUADRATURE_TOLERANCE_SE:
        problems.append(f"{quadrature_points}-point quadrature is not accurate enough: refitting with "
                        f"{check_points} points moves the estimate, a CI limit or tau by "
                        f"{discrepancy:.2g} standard errors (tolerance {QUADRATURE_TOLERANCE_SE:g})")

    se = fit.se if np.isfinite(fit.se) and fit.se > 0 else float("nan")
    lo, hi = fit.mu - z * se, fit.mu + z * se
    return LogisticGLMM(estimate=fit.mu, se=se, ci_low=lo, ci_high=hi, tau2=fit.tau**2, loglik=fit.loglik, k=k,
                        quadrature_points=quadrature_points, proportion=float(special.expit(fit.mu)),
                        proportion_ci_low=float(special.expit(lo)), proportion_ci_high=float(special.expit(hi)),
                        status=STATUS_UNRELIABLE if problems else STATUS_OK, reason="; ".join(problems),
                        converged=fit.converged, warnings=tuple(problems + notes),
                        check_quadrature_points=check_points, quadrature_discrepancy=discrepancy)
