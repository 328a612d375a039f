"""The article's source lines and everything it includes, with what the rules need to know about each line.

Quarto and Pandoc syntax is recognised with the regular expressions below; a line knows whether it lies in a
code block or an HTML comment and whether a person wrote it (generated includes under ``build/`` are not).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from .project import Project, resolve_target, split_front_matter

#: Cross-reference types Quarto knows (https://quarto.org/docs/authoring/cross-references.html).
CROSSREF_PREFIXES = ("fig", "tbl", "sec", "eq", "lst", "thm", "lem", "cor", "prp", "cnj", "def", "exm", "exr")
SHORTCODE = re.compile(r"\{\{<\s*(?P<name>[\w-]+)(?P<args>.*?)>\}\}")
JINJA_VARIABLE = re.compile(r"\{\{\s*(?P<name>[A-Za-z_][\w.]*)\s*\}\}")
FENCE = re.compile(r"^\s*(```+|~~~+)")
ATTRIBUTE_ID = re.compile(r"\{#(?P<id>[^\s}]+)[^}]*\}")
CELL_LABEL = re.compile(r"^\s*#\|\s*label:\s*(?P<id>\S+)")
CROSSREF = re.compile(r"(?<![\w@.])-?@(?P<id>(?:%s)-[\w-]*\w)" % "|".join(p.capitalize() + "|" + p
                                                                      for p in CROSSREF_PREFIXES))
# Pandoc citation keys: start with a letter, digit or _, may contain internal :.#$%&-+?<>~/ (not at the end).
CITATION = re.compile(r"(?<![\w.@])-?@(?:\{(?P<braced>[^}]+)\}|(?P<key>[\w](?:[\w:.#$%&+?<>~/-]*[\w])?))")
IMAGE = re.compile(r"!\[[^\]]*\]\((?P<path>[^)\s]+)(?:\s+\"[^\"]*\")?\)")
URL = re.compile(r"<?https?://[^\s>)]+>?")
INLINE_CODE = re.compile(r"`[^`]*`")
LINK_TARGET = re.compile(r"\]\([^)]*\)")
BRACED_ATTRIBUTES = re.compile(r"\{[^{}]*\}")
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}")
#: A cell line that prints a generated file into the article (analysis/quarto/embed.py).
GENERATED_CELL = re.compile(r"""^\s*generated\(\s*["'](?P<name>[^"']+)["']\s*\)\s*$""")
BUILD_DIR = "build"


@dataclass(frozen=True)
class Line:
    """One line of a source, with what the rules need to know about it."""

    path: Path
    number: int
    text: str
    in_code: bool  # inside a fenced code block
    in_comment: bool  # inside an HTML comment
    hand_written: bool  # prose a person types (the digit rule applies)


def iter_lines(path: Path, text: str, hand_written: bool, skip: int = 0) -> Iterator[Line]:
    """Lines after the first ``skip`` ones, marked as code / comment."""
    fence: str | None = None
    in_comment = False
    for i, raw in enumerate(text.split("\n")):
        if i < skip:
            continue
        m = FENCE.match(raw)
        if fence is None and m:
            fence = m.group(1)[0] * 3
            yield Line(path, i + 1, raw, True, False, hand_written)
            continue
        if fence is not None:
            yield Line(path, i + 1, raw, True, False, hand_written)
            if raw.strip().startswith(fence) and raw.strip().strip(fence[0]) == "":
                fence = None
            continue
        starts = "<!--" in raw and not in_comment
        comment_here = in_comment or starts
        yield Line(path, i + 1, raw, False, comment_here, hand_written)
        if starts and "-->" not in raw.split("<!--", 1)[1]:
            in_comment = True
        elif in_comment and "-->" in raw:
            in_comment = False


def template_lines(path: Path) -> list[Line]:
    """A jinja2 template's lines; its {# comments #} (possibly multi-line) are blanked out."""
    text = re.sub(r"\{#.*?#\}", lambda m: re.sub(r"[^\n]", " ", m.group(0)), path.read_text(encoding="utf-8"),
                  flags=re.S)
    return [Line(path, i + 1, raw, False, False, True) for i, raw in enumerate(text.split("\n"))]


def prose_only(text: str, template: bool = False) -> str:
    """Blank out everything in a line that is not prose: shortcodes, code, URLs, link targets, attributes,
    citations and cross-references (same length, so columns stay right)."""
    blank = lambda m: " " * len(m.group(0))  # noqa: E731
    if template:
        text = JINJA.sub(blank, text)
    for pattern in (SHORTCODE, INLINE_CODE, URL, LINK_TARGET, BRACED_ATTRIBUTES, CROSSREF, CITATION):
        text = pattern.sub(blank, text)
    return text


@dataclass
class Collected:
    lines: list[Line] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


def collect(project: Project) -> Collected:
    """The article and, recursively, everything it includes (generated files are not hand-written)."""
    out = Collected()
    _collect_file(project, project.article, out, seen=set())
    for template in sorted((project.root / "manuscript" / "_templates").glob("*.j2")):
        out.files.append(template)
    return out


def _is_hand_written(project: Project, path: Path) -> bool:
    try:
        rel = path.resolve().relative_to(project.root)
    except ValueError:
        return False
    return rel.parts[:1] != ("build",)


def _collect_file(project: Project, path: Path, out: Collected, seen: set[Path]) -> None:
    resolved = path.resolve()
    if resolved in seen:
        project.error(path, 1, 1, "included more than once or recursively")
        return
    seen.add(resolved)
    out.files.append(path)
    text = path.read_text(encoding="utf-8")
    _, skip = split_front_matter(text) if path == project.article else ("", 0)
    lines = list(iter_lines(path, text, _is_hand_written(project, path), skip))
    for idx, line in enumerate(lines):
        out.lines.append(line)
        if line.in_code:
            cell = GENERATED_CELL.match(line.text)
            if cell:
                _collect_generated(project, line, cell, out, seen)
            continue
        for m in SHORTCODE.finditer(line.text):
            if m.group("name") != "include":
                continue
            target = m.group("args").strip()
            col = m.start() + 1
            if target.lstrip("/").startswith(f"{BUILD_DIR}/"):
                name = target.lstrip("/")[len(BUILD_DIR) + 1:]
                project.error(path, line.number, col,
                              f"{target} is generated by the build: Quarto expands includes before the pre-render "
                              f"step, so a clean checkout cannot render this; print it from a cell with "
                              f'generated("{name}") (see analysis/quarto/embed.py)')
            if line.text.strip() != m.group(0):
                project.error(path, line.number, col, "an include shortcode must stand alone on its line")
            before = lines[idx - 1].text.strip() if idx > 0 else ""
            after = lines[idx + 1].text.strip() if idx + 1 < len(lines) else ""
            if before or after:
                project.error(path, line.number, col, "an include shortcode needs an empty line before and after it")
            resolved_target = resolve_target(project, target)
            if not target:
                project.error(path, line.number, col, "include shortcode without a file")
            elif not resolved_target.is_file():
                project.error(path, line.number, col, f"include target {target} does not exist "
                              f"(looked for {resolved_target}); run `python -m analysis build`?")
            else:
                _collect_file(project, resolved_target, out, seen)


def _collect_generated(project: Project, line: Line, cell: re.Match[str], out: Collected, seen: set[Path]) -> None:
    """A code cell that prints a generated file (``generated("tables/table1.md")``, analysis/quarto/embed.py): the
    file is part of the article, like an include, but is read when the cell runs, after the pre-render build."""
    name = cell.group("name")
    target = project.root / BUILD_DIR / name
    col = cell.start("name") + 1
    if not target.is_file():
        project.error(line.path, line.number, col, f"generated file {BUILD_DIR}/{name} does not exist; run "
                      "`python -m analysis build`?")
    else:
        _collect_file(project, target, out, seen)
