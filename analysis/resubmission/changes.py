"""Which numbers changed between two builds (a snapshot and the current build, or two snapshots).

Compared: every value of ``results.json`` (flattened to dotted paths, records keyed
by their id), every formatted manuscript variable (``_variables.yml``; its
location is where the manuscript uses it), the abstract word by word, every table cell
(table / row / column) and every figure by what it shows
(:mod:`analysis.resubmission.figure_changes`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..io import read_json
from ..quarto.variables import VarUse, load_variables, manuscript_sources, variable_uses
from ..results.output_provenance import provenance_metadata
from ..results.paths import flatten
from ..results.provenance import git_version
from .article import markdown_blocks
from .article_source import abstract_markdown
from .block_diff import MarkedBlock, diff_blocks
from .change import Change
from .figure_changes import FigureContent, compare_figures, read_figures

#: results.json subtrees that describe the build rather than results.
SKIP_RESULT_PREFIXES = ("provenance",)


@dataclass
class BuildView:
    """One build's outputs, read from a project folder or a snapshot folder."""

    label: str
    folder: Path
    results: dict[str, Any]
    variables: dict[str, str]
    abstract: str  # Markdown (build/abstract.yml)
    tables: dict[str, str]
    figures: dict[str, FigureContent]
    var_uses: list[VarUse] = field(default_factory=list)
    #: Flat provenance; its git fields describe the tree when the snapshot was taken (or now, for the current build).
    provenance: dict[str, str] = field(default_factory=dict)


def load_view(folder: Path, label: str) -> BuildView:
    folder = Path(folder)
    results_path = folder / "build" / "results.json"
    if not results_path.exists():
        from ..inputs.errors import DataError
        raise DataError(results_path, ["not found: nothing to compare (run `make build`, or check the snapshot name)"])
    tables = {p.name: p.read_text(encoding="utf-8") for p in sorted((folder / "build" / "tables").glob("*"))
              if p.is_file()} if (folder / "build" / "tables").is_dir() else {}
    figures = read_figures(folder)
    results = read_json(results_path)
    manifest = folder / "manifest.json"  # a snapshot records the tree as it was; the current build asks git now
    provenance = read_json(manifest).get("provenance") if manifest.is_file() else None
    return BuildView(label, folder, results, load_variables(folder / "_variables.yml"), abstract_markdown(folder),
                     tables, figures,
                     variable_uses(manuscript_sources(folder), folder),
                     provenance or provenance_metadata(results, git_version(folder)))


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _same(a: Any, b: Any) -> bool:
    if _is_number(a) and _is_number(b):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-14)
    return a == b


def _difference(a: Any, b: Any) -> str:
    if _is_number(a) and _is_number(b):
        return f"{b - a:+.6g}"
    return ""


def diff_mappings(old: dict[str, Any], new: dict[str, Any], locations: dict[str, str] | None = None) -> list[Change]:
    """Changed, added and removed keys of two flat mappings, in key order."""
    locations = locations or {}
    out: list[Change] = []
    for key in sorted(set(old) | set(new)):
        if key not in new:
            out.append(Change("removed", key, old[key], None, locations.get(key, "")))
        elif key not in old:
            out.append(Change("added", key, None, new[key], locations.get(key, "")))
        elif not _same(old[key], new[key]):
            out.append(Change("changed", key, old[key], new[key], locations.get(key, ""), _difference(old[key], new[key])))
    return out


def diff_results(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    keep = lambda flat: {k: v for k, v in flat.items() if not k.startswith(SKIP_RESULT_PREFIXES)}  # noqa: E731
    return diff_mappings(keep(flatten(old)), keep(flatten(new)))


def variable_locations(uses: list[VarUse]) -> dict[str, str]:
    """'Results > Primary outcomes (manuscript/index.qmd:182)' for each variable, all uses joined."""
    out: dict[str, list[str]] = {}
    for u in uses:
        out.setdefault(u.name, []).append(f"{u.section} ({u.file}:{u.line})")
    return {k: "; ".join(v) for k, v in out.items()}


#: A column separator of a pipe table (an escaped ``\|`` is text), and a Markdown backslash escape.
CELL_SEPARATOR = re.compile(r"(?<!\\)\|")
ESCAPE = re.compile(r"\\(.)")


def parse_pipe_table(text: str) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the first Markdown pipe table in ``text``; cells as printed (escapes resolved)."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip().startswith("|")]
    if len(lines) < 2:
        return [], []

    def split(line: str) -> list[str]:
        inner = re.sub(r"^\||(?<!\\)\|$", "", line.strip())
        return [ESCAPE.sub(r"\1", c.strip()) for c in CELL_SEPARATOR.split(inner)]

    header = split(lines[0])
    rows = [split(ln) for ln in lines[1:] if not re.fullmatch(r"\|?[\s:|-]+\|?", ln)]
    return header, rows


ROW_CITATION = re.compile(r"\[(@[^\]]+)\]")


def table_cells(text: str) -> dict[str, str]:
    """'row / column' -> cell. A row is named by the citation in its first cell ('@chong2025'), which stays when
    the trial's label is corrected (the first cell is then a cell like the others), else by that cell; repeated
    names get '#2', '#3'."""
    header, rows = parse_pipe_table(text)
    cells: dict[str, str] = {}
    seen: dict[str, int] = {}
    for row in rows:
        first = row[0] if row else ""
        cited = ROW_CITATION.search(first)
        label = cited.group(1) if cited else first
        seen[label] = seen.get(label, 0) + 1
        key = label if seen[label] == 1 else f"{label} #{seen[label]}"
        start = 0 if cited else 1
        for col, value in zip(header[start:], row[start:]):
            cells[f"{key} / {col}"] = value
    return cells


def diff_tables(old: dict[str, str], new: dict[str, str]) -> list[Change]:
    out: list[Change] = []
    for name in sorted(set(old) | set(new)):
        if name not in new or name not in old:
            out.append(Change("removed" if name not in new else "added", name, None, None, "table"))
            continue
        for c in diff_mappings(table_cells(old[name]), table_cells(new[name])):
            out.append(Change(c.kind, f"{name} / {c.item}", c.old, c.new, name, c.difference))
        notes_old = [ln for ln in old[name].splitlines() if not ln.strip().startswith("|")]
        notes_new = [ln for ln in new[name].splitlines() if not ln.strip().startswith("|")]
        if notes_old != notes_new:
            out.append(Change("changed", f"{name} / caption and notes", "\n".join(notes_old).strip(),
                              "\n".join(notes_new).strip(), name))
    return out


@dataclass(frozen=True)
class Comparison:
    base: BuildView
    target: BuildView
    variables: list[Change]
    #: The abstract, every paragraph marked (equal, changed, inserted, deleted) word by word.
    abstract_marked: list[MarkedBlock]
    tables: list[Change]
    figures: list[Change]
    results: list[Change]
    #: Figures redrawn with identical content: their files differ only in embedded provenance. Not a change.
    figures_redrawn: list[str] = field(default_factory=list)

    @property
    def abstract(self) -> list[MarkedBlock]:
        """The abstract's paragraphs that changed, were added or removed."""
        return [b for b in self.abstract_marked if b.changed]

    @property
    def total(self) -> int:
        return len(self.variables) + len(self.abstract) + len(self.tables) + len(self.figures) + len(self.results)


def compare(base: BuildView, target: BuildView) -> Comparison:
    locations = variable_locations(target.var_uses or base.var_uses)
    for name in set(base.variables) | set(target.variables):
        locations.setdefault(name, "not used directly in manuscript/*.qmd")
    figures = compare_figures(base.figures, target.figures)
    return Comparison(base, target,
                      variables=diff_mappings(base.variables, target.variables, locations),
                      abstract_marked=diff_blocks(markdown_blocks(base.abstract), markdown_blocks(target.abstract)),
                      tables=diff_tables(base.tables, target.tables),
                      figures=figures.changes,
                      results=diff_results(base.results, target.results),
                      figures_redrawn=figures.redrawn)
