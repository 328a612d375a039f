"""All of ``data/`` at once: each file loaded and validated, then checked against the others."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .bibliography import BibEntry, load_bibliography
from .errors import DataError
from .trials import load_trials
from .yaml_files import load_prisma, load_review


@dataclass(frozen=True)
class Inputs:
    """Everything the build reads from ``data/``, validated."""

    trials: pd.DataFrame
    prisma: dict[str, Any]
    review: dict[str, Any]
    references: list[BibEntry]

    @property
    def bibliography_keys(self) -> list[str]:
        return [entry.key for entry in self.references]


def load_inputs(data_dir: Path | str) -> Inputs:
    """Load and cross-check all inputs (e.g. each trial's reference key is in the bibliography)."""
    data_dir = Path(data_dir)
    trials = load_trials(data_dir / "trials.csv")
    prisma = load_prisma(data_dir / "prisma.yaml")
    review = load_review(data_dir / "review.yaml")
    references = load_bibliography(data_dir / "references.bib")
    keys = {entry.key for entry in references}
    missing = [(i + 2, sid, key) for i, (sid, key) in enumerate(zip(trials["study_id"], trials["reference_key"]))
               if key not in keys]
    if missing:
        raise DataError(data_dir / "trials.csv", [
            f"line {line} (study_id {sid}), column reference_key: {key!r} is not in references.bib"
            for line, sid, key in missing])
    return Inputs(trials, prisma, review, references)
