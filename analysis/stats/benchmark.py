"""``make bench``: time the engine on simulated data and print the figures.

Targets (2-core machine): pooling + heterogeneity for a million studies well
under a second; leave-one-out for 10,000 studies a few seconds at most, in
bounded memory (row blocks of at most ``LOO_CHUNK_CELLS`` cells).
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from .bias import LOO_CHUNK_CELLS, leave_one_out
from .models import pool_effects
from .transforms import freeman_tukey


def simulate(k: int, seed: int = 2025) -> tuple[np.ndarray, np.ndarray]:
    """k studies with sizes 10-500 and true proportions varying around 0.55 on the logit scale."""
    rng = np.random.default_rng(seed)
    n = rng.integers(10, 500, size=k)
    p = 1 / (1 + np.exp(-(0.2 + 0.6 * rng.standard_normal(k))))
    return rng.binomial(n, p), n


def _best_of(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analysis.stats.benchmark", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs (default 3)")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke test")
    args = parser.parse_args(argv)
    pool_sizes = [1_000, 10_000] if args.quick else [1_000, 100_000, 1_000_000]
    loo_sizes = [100, 1_000] if args.quick else [1_000, 10_000]

    print(f"{'task':<46}{'k':>10}{'seconds':>10}")
    for k in pool_sizes:
        x, n = simulate(k)
        for method in ("dl", "reml"):
            def run() -> None:
                es = freeman_tukey(x, n)
                pool_effects(es.yi, es.vi, tau2_method=method)
            print(f"{'FT transform + pooling + heterogeneity (' + method.upper() + ')':<46}{k:>10,}"
                  f"{_best_of(run, args.repeats):>10.3f}")
    for k in loo_sizes:
        x, n = simulate(k)
        es = freeman_tukey(x, n)
        seconds = _best_of(lambda: leave_one_out(es.yi, es.vi, tau2_method="dl"), max(1, args.repeats - 1))
        print(f"{'leave-one-out (DL)':<46}{k:>10,}{seconds:>10.3f}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory {peak_mb:.0f} MB; leave-one-out works in blocks of {LOO_CHUNK_CELLS:,} cells")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
