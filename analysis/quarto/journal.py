"""The target journal's limits (``data/journal.yaml``) against the manuscript: abstract words, keywords, and
figures plus tables. Read by the static check (``check-manuscript``) and by the audit; the build itself stops
on an abstract over the limit (:mod:`analysis.manuscript.text_files`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..formatting.words import word_count
from ..inputs.yaml_files import load_journal
from .project import Project
from .sources import ATTRIBUTE_ID, CELL_LABEL, Line

JOURNAL_FILE = Path("data") / "journal.yaml"
FLOAT_PREFIXES = ("fig", "tbl")


@dataclass(frozen=True)
class LimitCheck:
    """One limit: what was counted, where, and the bounds from ``journal.yaml``."""

    name: str
    counted: int
    low: int | None
    high: int | None
    path: Path
    line: int
    journal: str

    @property
    def ok(self) -> bool:
        return (self.low is None or self.counted >= self.low) and (self.high is None or self.counted <= self.high)

    @property
    def bounds(self) -> str:
        if self.low is not None and self.high is not None:
            return f"{self.low} to {self.high}"
        return f"at most {self.high}" if self.high is not None else f"at least {self.low}"

    def message(self) -> str:
        verdict = "within" if self.ok else "outside"
        return (f"{self.name}: {self.counted}, {verdict} the limit of {self.journal} ({self.bounds}, "
                f"{JOURNAL_FILE.as_posix()})")


def float_labels(lines: list[Line]) -> set[str]:
    """The figure and table labels the article defines (``{#fig-x}``, ``#| label: tbl-y``), generated files
    included."""
    labels = set()
    for line in lines:
        if line.in_comment:
            continue
        found = ([m.group("id") for m in [CELL_LABEL.match(line.text)] if m] if line.in_code
                 else [m.group("id") for m in ATTRIBUTE_ID.finditer(line.text)])
        labels |= {label.lower() for label in found if label.split("-", 1)[0].lower() in FLOAT_PREFIXES}
    return labels


def _line_of(path: Path, key: str) -> int:
    """The line where ``key:`` starts in a YAML or front-matter file (1 when it is not found)."""
    if path.exists():
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if text.startswith(f"{key}:"):
                return number
    return 1


def limit_checks(project: Project, lines: list[Line], limits: dict[str, Any]) -> list[LimitCheck]:
    """Abstract words (the merged metadata's ``abstract``), keywords and figures + tables against ``limits``."""
    journal = f"{limits['journal']} ({limits['article_type']})"
    metadata = project.metadata
    keywords = metadata.get("keywords") or []
    keywords = keywords if isinstance(keywords, list) else [keywords]
    abstract = metadata.get("abstract")
    abstract_file = project.root / "build" / "abstract.yml"
    out = [LimitCheck("keywords", len(keywords), limits["keywords_min"], limits["keywords_max"], project.article,
                      _line_of(project.article, "keywords"), journal),
           LimitCheck("figures and tables", len(float_labels(lines)), None, limits["figures_tables_max"],
                      project.article, 1, journal)]
    if isinstance(abstract, str):
        out.insert(0, LimitCheck("abstract words", word_count(abstract), None, limits["abstract_words_max"],
                                 abstract_file if abstract_file.exists() else project.article,
                                 _line_of(abstract_file, "abstract"), journal))
    return out


def load_limits(root: Path) -> dict[str, Any]:
    return load_journal(root / JOURNAL_FILE)
