"""``make bench`` (second part): how long the build and the render take, whole process, on a scratch copy.

    python -m analysis.pipeline.benchmark [--runs N]

Times, on a copy of the project's inputs and sources in a temporary folder (the project itself is not touched;
the copy uses this interpreter's environment through ``make VENV=...``):

1. a no-op ``make`` (everything up to date, Quarto installed): target under 0.5 s;
2. a no-op ``make manuscript``: target under 1 s;
3. ``make`` after one number of ``data/trials.csv`` changed, to the finished render;
4. a plain ``quarto render`` of all formats with the analysis up to date: target at most 30 s;

then where the time of one ``quarto render --log-level debug`` goes (each program Quarto runs, from its log).
Whole-process times come from ``farm-bench`` where it is on PATH (the median of its runs), else from this
script's own clock.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COPIED = ["data", "manuscript", "_quarto.yml", "_quarto-journal.yml", "_quarto-review.yml", "_environment",
          "Makefile", "pyproject.toml"]
TARGETS = {"no-op make": 0.5, "no-op make manuscript": 1.0, "quarto render, analysis up to date": 30.0}


def copy_project(dest: Path, venv: Path) -> None:
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.is_file():
            shutil.copy2(source, dest / name)
    # The copy must never reinstall the environment (that would point its editable install at the copy).
    stamp = venv / ".installed"
    if not stamp.is_file():
        raise SystemExit(f"benchmark: {venv} is not an environment made by `make` (no {stamp.name}): run `make`")
    older = stamp.stat().st_mtime - 1
    os.utime(dest / "pyproject.toml", (older, older))


def timed(command: list[str], cwd: Path, runs: int, env: dict[str, str], warmup: int = 1) -> tuple[float, float]:
    """Median whole-process (wall, cpu) seconds of ``command``, by farm-bench where installed. On a shared machine
    the cpu time (user + system, the command's children included) says what the wall time would be unloaded."""
    bench = shutil.which("farm-bench")
    if bench:
        result = subprocess.run([bench, "-n", str(runs), "--warmup", str(warmup), "--timeout", "3600", "--",
                                 *command], cwd=cwd, env=env, capture_output=True, text=True)
        out = result.stdout + result.stderr
        medians = {kind: re.search(rf"^A {kind} s\s+[\d.]+\s+([\d.]+)", out, re.M) for kind in ("wall", "cpu")}
        if result.returncode != 0 or not all(medians.values()) or not re.search(r"A exit 0 \((\d+) of \1\)", out):
            raise SystemExit(f"benchmark: farm-bench {' '.join(command)} failed:\n{out}")
        return float(medians["wall"].group(1)), float(medians["cpu"].group(1))  # type: ignore[union-attr]
    walls, cpus = [], []
    for i in range(warmup + runs):
        before, started = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
        subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if i >= warmup:
            walls.append(time.perf_counter() - started)
            cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def toggle_script(root: Path) -> Path:
    """A script that changes one number of data/trials.csv (the first cohort's responders, up or back down)."""
    script = root.parent / "toggle_one_number.py"
    script.write_text(f"""import csv
path = {str(root / 'data' / 'trials.csv')!r}
with open(path, newline="", encoding="utf-8") as f:
    rows = list(csv.DictReader(f))
first = rows[0]
events = int(first["orr_events"])
first["orr_events"] = str(events + 1 if events < int(first["n_patients"]) and events % 2 == 0 else events - 1)
with open(path, "w", newline="", encoding="utf-8") as f:
    writer = csv.DictWriter(f, fieldnames=list(first))
    writer.writeheader()
    writer.writerows(rows)
""")
    return script


def quarto_phases(root: Path, env: dict[str, str]) -> list[tuple[str, int, float]]:
    """(program, times run, seconds) for one ``quarto render --log-level debug``, from its timestamped log."""
    process = subprocess.Popen(["quarto", "render", "--log-level", "debug"], cwd=root, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    started = time.perf_counter()
    assert process.stdout is not None
    running: tuple[str, float] | None = None
    spent: dict[str, list[float]] = {}
    for line in process.stdout:
        now = time.perf_counter() - started
        if "[execProcess]" not in line:
            continue
        command = line.split("[execProcess]", 1)[1].strip()
        if command.startswith(("Success:", "Failure:")):
            if running:
                spent.setdefault(running[0], []).append(now - running[1])
            running = None
        else:
            running = (_program(command), now)
    process.wait()
    total = time.perf_counter() - started
    rows = [(name, len(times), sum(times)) for name, times in sorted(spent.items(), key=lambda kv: -sum(kv[1]))]
    return [*rows, ("Quarto itself (Deno: project, filters, output)", 1, total - sum(r[2] for r in rows)),
            ("total", 1, total)]


def _program(command: str) -> str:
    for pattern, name in ((r"pre_render\.py", "pre-render step (the build)"),
                          (r"post_render\.py", "post-render step (landing page, render record)"),
                          (r"jupyter/jupyter\.py", "Jupyter: kernel start and the article's cells"),
                          (r"capabilities/jupyter\.py|-m jupyter", "Jupyter: Quarto's capability checks"),
                          (r"pandoc .*--defaults", "Pandoc: one run per format and notebook view"),
                          (r"pandoc", "Pandoc: other (bibliography, level analysis)"),
                          (r"typst compile", "Typst: compile the PDF"), (r"typst", "Typst: other"),
                          (r"sass", "Sass: the web page's CSS")):
        if re.search(pattern, command):
            return name
    return "other: " + command.split()[0].rsplit("/", 1)[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="runs of each no-op measurement (default 10)")
    parser.add_argument("--render-runs", type=int, default=3, help="runs of each render measurement (default 3)")
    args = parser.parse_args(argv)
    if shutil.which("quarto") is None:
        print("benchmark: Quarto is not installed; the build and render timings need it", file=sys.stderr)
        return 1
    venv = Path(sys.prefix)
    results: list[tuple[str, tuple[float, float]]] = []
    with tempfile.TemporaryDirectory(prefix="render-bench-") as scratch:
        root = Path(scratch) / "project"
        copy_project(root, venv)
        env = {**os.environ, "QUARTO_PYTHON": sys.executable}
        make = ["make", "--no-print-directory", f"VENV={venv}"]
        print(f"benchmark: first `make` in a copy ({root}) ...", file=sys.stderr)
        subprocess.run(make, cwd=root, env=env, check=True, capture_output=True)
        results.append(("no-op make", timed(make, root, args.runs, env)))
        results.append(("no-op make manuscript", timed([*make, "manuscript"], root, args.runs, env)))
        toggle = toggle_script(root)
        changed = ["sh", "-c", f"{sys.executable} {toggle} && exec {' '.join(make)}"]
        results.append(("one number of data/trials.csv changed, make to the finished render",
                        timed(changed, root, args.render_runs, env, warmup=0)))
        results.append(("quarto render, analysis up to date",
                        timed(["quarto", "render"], root, args.render_runs, env, warmup=0)))
        phases = quarto_phases(root, env)
    print(f"\nBuild and render, whole process (median; {'farm-bench' if shutil.which('farm-bench') else 'own clock'},"
          f" {os.cpu_count()} cores)\n")
    print(f"{'measurement':<72} {'wall s':>7} {'cpu s':>7}  target (wall)")
    for name, (wall, cpu) in results:
        target = TARGETS.get(name)
        verdict = "" if target is None else f"< {target:g} s {'ok' if wall < target else 'MISSED'}"
        print(f"{name:<72} {wall:>7.2f} {cpu:>7.2f}  {verdict}")
    print("\nWhere one `quarto render --log-level debug` spends its time (programs Quarto runs, in order of cost)\n")
    print(f"{'program':<72} {'runs':>5} {'seconds':>8}")
    for name, count, seconds in phases:
        print(f"{name:<72} {count:>5} {seconds:>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
