"""What a build step declares (:class:`Step`) and what it sees while it runs (:class:`BuildContext`)."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ..inputs import DATA_FILES
from ..io import read_json
from .code_inputs import ImportCache, code_inputs

if TYPE_CHECKING:
    from ..stats.meta import Settings

BUILD_DIR_NAME = "build"
#: Where the build keeps the import statements it parsed (see :class:`~.code_inputs.ImportCache`).
IMPORT_CACHE_FILE = "code-imports.json"


@dataclass
class BuildContext:
    root: Path
    settings: Settings | None = None
    strict: bool = False
    log: Callable[[str], None] = field(default=lambda msg: print(msg, file=sys.stderr))
    _registry: dict[str, Any] | None = None
    _import_cache: ImportCache | None = None

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def build_dir(self) -> Path:
        return self.root / BUILD_DIR_NAME

    @property
    def results_path(self) -> Path:
        return self.build_dir / "results.json"

    @property
    def data_files(self) -> list[Path]:
        return [self.data_dir / name for name in DATA_FILES]

    @property
    def registry(self) -> dict[str, Any]:
        """``build/results.json``, read once (the results step hands over the registry it wrote)."""
        if self._registry is None:
            self._registry = read_json(self.results_path)
        return self._registry

    @property
    def import_cache(self) -> ImportCache:
        """The import statements of the package's modules, kept in ``build/`` between builds."""
        if self._import_cache is None:
            self._import_cache = ImportCache(self.build_dir / IMPORT_CACHE_FILE)
        return self._import_cache

    def use_registry(self, registry: dict[str, Any]) -> None:
        """Keep the registry the results step just wrote, so later steps need not read it back."""
        self._registry = registry


@dataclass(frozen=True)
class Step:
    """One step of the build.

    ``action`` names the function that does the work, as ``"package.module:function"``; the runner imports it
    only when the step runs, and the step's code inputs are that module's import closure
    (:func:`~.code_inputs.code_inputs`), never a hand-written list. ``run`` passes the context's paths and
    registry to the action and may use nothing else.
    """

    name: str
    description: str
    action: str
    #: Files the step reads besides code: data, templates, earlier outputs.
    inputs: Callable[[BuildContext], list[Path]]
    outputs: Callable[[BuildContext], list[Path]]
    run: Callable[[BuildContext, Callable[..., Any]], None]
    #: Extra text that changes the key (e.g. settings).
    params: Callable[[BuildContext], str] = lambda ctx: ""

    def all_inputs(self, ctx: BuildContext) -> list[Path]:
        """Everything the step reads: its declared inputs and its code."""
        return [*self.inputs(ctx), *code_inputs(self.action, ctx.import_cache)]
