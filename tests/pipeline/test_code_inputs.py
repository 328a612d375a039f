"""Code inputs are derived, and right: editing any module re-runs every step that can depend on it, and no other.

"Can depend on" is measured here without the import walk of ``analysis.pipeline.code_inputs``: a fresh
interpreter forgets every module of the package, imports the step's action module, runs the step, and records
which package modules Python loaded on the way (plus the plan, whose glue calls every action).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.pipeline import code_inputs
from analysis.pipeline.plan import STEPS
from analysis.pipeline.runner import BuildContext, run_build, step_key
from analysis.results import provenance
from tests.manuscript_project import ROOT, copy_project

PLAN = "analysis/pipeline/plan.py"

#: Runs every step in order in a fresh interpreter; prints {step: package files loaded by its action and run}.
ORACLE = r"""
import importlib, json, sys
from pathlib import Path

from analysis.pipeline.plan import STEPS
from analysis.pipeline.runner import resolve
from analysis.pipeline.step import BuildContext

package_dir = Path(sys.modules["analysis"].__file__).resolve().parent


def package_modules():
    return [name for name in sys.modules if name == "analysis" or name.startswith("analysis.")]


def loaded_files():
    return {Path(sys.modules[name].__file__).resolve().relative_to(package_dir.parent).as_posix()
            for name in package_modules() if getattr(sys.modules[name], "__file__", None)}


ctx = BuildContext(root=Path(sys.argv[1]), log=lambda msg: None)
loaded = {}
for step in STEPS:
    for name in package_modules():
        del sys.modules[name]
    importlib.import_module(step.action.partition(":")[0])
    step.run(ctx, resolve(step.action))
    loaded[step.name] = sorted(loaded_files())
print(json.dumps(loaded))
"""


def relative(paths: list[Path], package_dir: Path) -> set[str]:
    return {p.relative_to(package_dir.parent).as_posix() for p in paths}


@pytest.fixture(scope="module")
def oracle(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, set[str]]]:
    """(a built scratch project, what each step loads)."""
    root = copy_project(tmp_path_factory.mktemp("oracle") / "project")
    result = subprocess.run([sys.executable, "-c", ORACLE, str(root)], capture_output=True, text=True, cwd=ROOT,
                            check=True)
    loaded = {name: set(files) | {PLAN} for name, files in json.loads(result.stdout).items()}
    return root, loaded


def test_each_step_reads_the_code_it_loads_and_nothing_else(oracle: tuple[Path, dict[str, set[str]]]) -> None:
    _, loaded = oracle
    package_dir = code_inputs.PACKAGE_DIR
    for step in STEPS:
        assert relative(code_inputs.code_inputs(step.action), package_dir) == loaded[step.name], step.name


def test_editing_any_module_changes_the_key_of_exactly_the_steps_that_load_it(
        oracle: tuple[Path, dict[str, set[str]]], monkeypatch: pytest.MonkeyPatch) -> None:
    built, loaded = oracle
    # A private copy of the package inside the built project, so the test can edit "code".
    package = built / "analysis"
    shutil.copytree(ROOT / "analysis", package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(code_inputs, "PACKAGE_DIR", package)
    ctx = BuildContext(root=built, log=lambda msg: None)
    before = {step.name: step_key(ctx, step) for step in STEPS}
    modules = sorted(package.rglob("*.py"))
    assert len(modules) > 50
    for module in modules:
        name = module.relative_to(built).as_posix()
        original = module.read_bytes()
        module.write_bytes(original + b"\n# a harmless edit by a test\n")
        try:
            changed = {step.name for step in STEPS if step_key(ctx, step) != before[step.name]}
        finally:
            module.write_bytes(original)
        assert changed == {step for step, files in loaded.items() if name in files}, name


def test_a_build_reruns_what_an_edit_reaches(project_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """End to end: the runner re-runs a step exactly when its key changed."""
    package = project_copy / "analysis"
    shutil.copytree(ROOT / "analysis", package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(code_inputs, "PACKAGE_DIR", package)
    monkeypatch.setattr(provenance, "PACKAGE_DIR", package)  # the registry's code hash covers the copy too
    names = [step.name for step in STEPS]

    def build() -> list[str]:
        return run_build(BuildContext(root=project_copy, log=lambda msg: None))

    def touch(relative_path: str) -> None:
        path = project_copy / relative_path
        path.write_bytes(path.read_bytes() + b"\n# a harmless edit by a test\n")

    assert build() == names
    assert build() == []
    touch("analysis/manuscript/tables.py")
    assert build() == ["tables"]  # the tables are byte-identical, so the provenance sidecar stays current
    touch("analysis/stats/tau2.py")
    # The registry records the code's hash, so every step that reads it runs again; the CSL copy and Figure 1 (drawn
    # from data/prisma.yaml alone) do not read it.
    assert build() == [name for name in names if name not in ("citation-style", "figure1")]
    assert build() == []
