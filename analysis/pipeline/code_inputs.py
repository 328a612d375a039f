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
import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from ..io import read_json, write_json
from ..results.provenance import PACKAGE_DIR  # the package whose sources are walked (a test may point it at a copy)

#: The table of steps: its glue passes the context to every action, so every step reads it.
PLAN_MODULE = f"{PACKAGE_DIR.name}.pipeline.plan"


def code_inputs(action: str, cache: ImportCache | None = None) -> list[Path]:
    """Source files a step whose action is ``"module:function"`` can depend on, sorted."""
    module = action.partition(":")[0]
    return sorted({*import_closure(module, cache), module_file(PLAN_MODULE)})


def import_closure(module: str, cache: ImportCache | None = None) -> set[Path]:
    """``module``'s file and the files of every package module it imports, transitively."""
    cache = cache or _PROCESS_CACHE
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
        todo += imported_modules(name, cache)
    return {module_file(name) for name in seen}


def module_file(name: str) -> Path:
    """``analysis.figures.style`` -> ``<package>/figures/style.py`` (or the package's ``__init__.py``)."""
    found = _source_file(PACKAGE_DIR, name)
    if found is None:
        raise ModuleNotFoundError(f"{name} is not a module of {PACKAGE_DIR}")
    return found


@lru_cache(maxsize=None)
def _source_file(package_dir: Path, name: str) -> Path | None:
    path = package_dir.joinpath(*name.split(".")[1:])
    if (path / "__init__.py").is_file():
        return path / "__init__.py"
    if path.with_suffix(".py").is_file():
        return path.with_suffix(".py")
    return None


def imported_modules(name: str, cache: ImportCache | None = None) -> set[str]:
    """Package modules that module ``name`` imports (``from x import y`` counts ``x.y`` when it is a module)."""
    path = module_file(name)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for level, module, names in (cache or _PROCESS_CACHE).statements(path):
        if level < 0:  # import a.b, c
            candidates = list(names)
        else:
            if level:
                base = package.rsplit(".", level - 1)[0] if level > 1 else package
                base = f"{base}.{module}" if module else base
            else:
                base = module
            candidates = [base, *(f"{base}.{alias}" for alias in names)]
        found.update(c for c in candidates if _is_package_module(c))
    return found


def _is_package_module(name: str) -> bool:
    root = PACKAGE_DIR.name
    return (name == root or name.startswith(root + ".")) and _source_file(PACKAGE_DIR, name) is not None


#: One import statement: (level, module, names); level -1 is ``import names``, 0 an absolute
#: ``from module import names``, 1 and more a relative one.
Statement = tuple[int, str, tuple[str, ...]]


class ImportCache:
    """The import statements of each source file, kept by content hash.

    Parsing every module of a step's closure costs more than the rest of a build
    with nothing to do, so the build keeps what it parsed in ``build/`` and parses
    a file again only when its bytes change (one entry per file, replaced then).
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._entries: dict[str, Any] = {}
        if path is not None and path.is_file():
            try:
                self._entries = read_json(path)
            except (ValueError, OSError):
                self._entries = {}
        self._seen: dict[tuple[Path, int, int], tuple[Statement, ...]] = {}
        self._changed = False

    def statements(self, source: Path) -> tuple[Statement, ...]:
        stat = source.stat()
        seen_key = (source, stat.st_mtime_ns, stat.st_size)
        if seen_key not in self._seen:
            data = source.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            name = source.relative_to(PACKAGE_DIR.parent).as_posix()
            entry = self._entries.get(name)
            if entry is not None and entry.get("sha256") == digest:
                found = tuple((level, module, tuple(names)) for level, module, names in entry["imports"])
            else:
                found = tuple(_run_time_imports(ast.parse(data, filename=str(source)).body))
                self._entries[name] = {"sha256": digest, "imports": [list(s) for s in found]}
                self._changed = True
            self._seen[seen_key] = found
        return self._seen[seen_key]

    def save(self) -> None:
        """Write the cache back if anything was parsed (atomically; a lost race costs a parse, never a wrong key)."""
        if self.path is not None and self._changed:
            write_json(self.path, self._entries)
            self._changed = False


#: For callers without a build folder (tests, tools): kept for this process only.
_PROCESS_CACHE = ImportCache()


def _run_time_imports(body: list[ast.stmt]) -> Iterator[Statement]:
    """Every import statement in ``body`` and the blocks nested in it (functions, classes, if/try/with/for),
    except those under ``if TYPE_CHECKING:``, which never run."""
    for node in body:
        if isinstance(node, ast.Import):
            yield -1, "", tuple(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield node.level, node.module or "", tuple(alias.name for alias in node.names)
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _run_time_imports(node.orelse)
        else:
            for block in ("body", "orelse", "finalbody", "handlers", "cases"):
                for child in getattr(node, block, None) or ():
                    yield from _run_time_imports([child] if isinstance(child, ast.stmt) else child.body)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
