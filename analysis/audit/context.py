"""Everything the rules read: the registry, the paper's reported values, paths of the build outputs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..inputs.errors import DataError
from ..io import read_json
from .source import SourceDoc, load_source


@dataclass(frozen=True)
class AuditContext:
    root: Path
    registry: dict[str, Any]
    reported: SourceDoc
    #: Folder of rendered output (HTML/DOCX) to check; absent means "not rendered".
    rendered_dir: Path = field(default=Path("_manuscript"))

    @property
    def build_dir(self) -> Path:
        return self.root / "build"

    @property
    def thresholds(self) -> tuple[float, float]:
        t = self.registry["review"]["heterogeneity_thresholds"]
        return float(t["low"]), float(t["moderate"])

    def trial(self, study_id: str) -> dict[str, Any] | None:
        return next((t for t in self.registry["trials"] if t["study_id"] == study_id), None)


def load_context(root: Path | str) -> AuditContext:
    """Read build/results.json and data/reported.yaml of the project at ``root``."""
    root = Path(root)
    results = root / "build" / "results.json"
    if not results.exists():
        raise DataError(results, ["not found; run `python -m analysis build` (or `make build`) first"])
    return AuditContext(root=root, registry=read_json(results), reported=load_source(root / "data" / "reported.yaml"),
                        rendered_dir=root / "_manuscript")
