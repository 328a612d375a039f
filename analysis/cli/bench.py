"""``make bench``: time the engine and the ``pool`` command on simulated data; print each figure beside its goal.

Whole-process figures time ``python -m analysis ...`` from start to exit (start-up, reading the CSV, the
analysis and writing the output to /dev/null), median of ``--repeats`` runs; in-process figures time one
function, best of the runs. When ``Rscript`` with metafor is installed, ``pool --json`` at k = 5,000 is
compared with R reading the same CSV and fitting ``rma(method = "DL")`` alone. The goals are those of the
engine's issue on a 2-core machine; a figure over its goal is marked, and the run still exits 0 (goals are
measured here, never in the test suite).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

import numpy as np

from ..stats.leave_one_out import leave_one_out
from ..stats.models import pool_effects
from ..stats.transforms import freeman_tukey

#: R: read the CSV, metafor's PFT effect sizes, rma with DerSimonian-Laird. Nothing else.
R_METAFOR_DL = """
suppressMessages(library(metafor))
d <- read.csv(commandArgs(TRUE)[1])
es <- escalc("PFT", xi = d$events, ni = d$total)
invisible(rma(yi, vi, data = es, method = "DL"))
"""


def simulate(k: int, seed: int = 2025) -> tuple[np.ndarray, np.ndarray]:
    """k studies with sizes 10-500 and true proportions varying around 0.55 on the logit scale."""
    rng = np.random.default_rng(seed)
    n = rng.integers(10, 500, size=k)
    p = 1 / (1 + np.exp(-(0.2 + 0.6 * rng.standard_normal(k))))
    return rng.binomial(n, p), n


def write_csv(path: Path, k: int) -> Path:
    x, n = simulate(k)
    rows = "".join(f"study {i + 1},{a},{b}\n" for i, (a, b) in enumerate(zip(x.tolist(), n.tolist())))
    path.write_text("study,events,total\n" + rows, encoding="utf-8")
    return path


def _median_wall(command: list[str], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _best(fn: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _line(task: str, value: str, goal: str, met: bool | None) -> None:
    verdict = "" if met is None else ("ok" if met else "OVER GOAL")
    print(f"{task:<58}{value:>12}  {goal:<18}{verdict}")


def _has_metafor() -> bool:
    if shutil.which("Rscript") is None:
        return False
    probe = subprocess.run(["Rscript", "-e", "library(metafor)"], capture_output=True)
    return probe.returncode == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analysis.cli.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3, help="runs per figure (default 3)")
    parser.add_argument("--quick", action="store_true", help="small sizes only, for a smoke test")
    args = parser.parse_args(argv)
    python = [sys.executable, "-m", "analysis"]
    big = 10_000 if args.quick else 1_000_000
    print(f"{'figure':<58}{'measured':>12}  {'goal':<18}")
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        folder = Path(tmp)
        small = folder / "three.csv"
        small.write_text("study,events,total\nA,11,27\nB,26,52\nC,35,46\n", encoding="utf-8")
        seconds = _median_wall([*python, "--help"], args.repeats)
        _line("python -m analysis --help (whole process)", f"{seconds:.3f} s", "< 0.3 s", seconds < 0.3)
        seconds = _median_wall([*python, "pool", str(small)], args.repeats)
        _line("pool, 3 studies (whole process)", f"{seconds:.3f} s", "< 0.5 s", seconds < 0.5)

        csv_big = write_csv(folder / f"k{big}.csv", big)
        seconds = _median_wall([*python, "pool", str(csv_big), "--json"], args.repeats)
        _line(f"pool --json, k = {big:,}: rows, Egger, Begg, leave-one-out", f"{seconds:.2f} s",
              "< 3 s" if big == 1_000_000 else "(quick run)", seconds < 3 if big == 1_000_000 else None)

        csv_5000 = write_csv(folder / "k5000.csv", 5_000)
        ours = _median_wall([*python, "pool", str(csv_5000), "--json"], args.repeats)
        _line("pool --json, k = 5,000 (whole process)", f"{ours:.3f} s", "", None)
        if _has_metafor():
            script = folder / "metafor_dl.R"
            script.write_text(R_METAFOR_DL, encoding="utf-8")
            r_seconds = _median_wall(["Rscript", str(script), str(csv_5000)], args.repeats)
            _line("R metafor rma(method = 'DL') alone, k = 5,000", f"{r_seconds:.3f} s", "", None)
            _line("  ratio pool --json / metafor", f"{ours / r_seconds:.2f}x", "<= 0.2x", ours / r_seconds <= 0.2)
        else:
            _line("R metafor comparison", "skipped", "(no Rscript with metafor)", None)

    x, n = simulate(big)
    es = freeman_tukey(x, n)
    seconds = _best(lambda: pool_effects(es.yi, es.vi, tau2_method="dl"), args.repeats)
    _line(f"in process: pooling + heterogeneity (DL), k = {big:,}", f"{seconds:.3f} s", "", None)
    seconds = _best(lambda: leave_one_out(es.yi, es.vi, tau2_method="dl"), args.repeats)
    _line(f"in process: leave-one-out (DL, exact, O(k)), k = {big:,}", f"{seconds:.3f} s", "", None)
    x, n = simulate(10_000)
    es = freeman_tukey(x, n)
    for method in ("reml", "ml", "pm"):
        seconds = _best(lambda: leave_one_out(es.yi, es.vi, tau2_method=method), args.repeats)
        _line(f"in process: leave-one-out ({method.upper()}), k = 10,000", f"{seconds:.3f} s", "< 10 s", seconds < 10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
