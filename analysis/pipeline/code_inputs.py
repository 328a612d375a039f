"""The code inputs of a build step, derived from imports: never a list kept by hand.

A step's code is the module of its action and every module of the package that
module imports, directly or through others, with the ``__init__.py`` of each
package on the way (Python runs them on import), plus the plan whose glue calls
the action. Imports anywhere in a module count (a function-level import runs
when the function does); those under ``if TYPE_CHECKING:`` do not run and do
not count. Editing any of these files re-runs the step; editing any other file
does not.
"""

from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from ..results.provenance import PACKAGE_DIR  # the package whose sources are walked (a test may point it at a copy)

#: The table of steps: its glue passes the context to every action, so every step reads it.
PLAN_MODULE = f"{PACKAGE_DIR.name}.pipeline.plan"


def code_inputs(action: str) -> list[Path]:
    """Source files a step whose action is ``"module:function"`` can depend on, sorted."""
    module = action.partition(":")[0]
    return sorted({*import_closure(module), module_file(PLAN_MODULE)})


def import_closure(module: str) -> set[Path]:
    """``module``'s file and the files of every package module it imports, transitively."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        parent = name.rpartition(".")[0]
        if parent:
            todo.append(parent)
        todo += imported_modules(name)
    return {module_file(name) for name in seen}


def module_file(name: str) -> Path:
    """``analysis.figures.style`` -> ``<package>/figures/style.py`` (or the package's ``__init__.py``)."""
    path = PACKAGE_DIR.joinpath(*name.split(".")[1:])
    if (path / "__init__.py").is_file():
        return path / "__init__.py"
    if path.with_suffix(".py").is_file():
        return path.with_suffix(".py")
    raise ModuleNotFoundError(f"{name} is not a module of {PACKAGE_DIR}")


def imported_modules(name: str) -> set[str]:
    """Package modules that module ``name`` imports (``from x import y`` counts ``x.y`` when it is a module)."""
    path = module_file(name)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _imports_in(path, path.stat().st_mtime_ns, path.stat().st_size):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        else:
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module or ""
            candidates = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        found.update(c for c in candidates if _is_package_module(c))
    return found


def _is_package_module(name: str) -> bool:
    root = PACKAGE_DIR.name
    if name != root and not name.startswith(root + "."):
        return False
    try:
        module_file(name)
    except ModuleNotFoundError:
        return False
    return True


@lru_cache(maxsize=None)
def _imports_in(path: Path, mtime_ns: int, size: int) -> tuple[ast.Import | ast.ImportFrom, ...]:
    """The import statements of ``path`` that run (cached until the file changes)."""
    return tuple(_run_time_imports(ast.parse(path.read_bytes(), filename=str(path)).body))


def _run_time_imports(body: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement in ``body`` and the blocks nested in it (functions, classes, if/try/with/for),
    except those under ``if TYPE_CHECKING:``, which never run."""
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _run_time_imports(node.orelse)
        else:
            for block in ("body", "orelse", "finalbody", "handlers", "cases"):
                for child in getattr(node, block, None) or ():
                    yield from _run_time_imports([child] if isinstance(child, ast.stmt) else child.body)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
