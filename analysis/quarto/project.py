"""The Quarto project as Quarto reads it: ``_quarto.yml`` and its profiles, ``metadata-files``, the article's
front matter, the bibliography, and the image extension each output format adds."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import yaml

from ..inputs.bibliography import bibliography_keys
from ..inputs.errors import DataError

#: Pandoc's default-image-extension as Quarto sets it when a format does not: png, but pdf for LaTeX PDF
#: (https://quarto.org/docs/authoring/figures.html#multiformat-figures) and svg for Typst (its default
#: fig-format; quarto-cli issue 13116 shows Quarto passing `default-image-extension: svg` to Pandoc).
DEFAULT_IMAGE_EXTENSIONS = {"pdf": "pdf", "latex": "pdf", "beamer": "pdf", "typst": "svg"}
FALLBACK_IMAGE_EXTENSION = "png"


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    column: int
    message: str

    def render(self, root: Path) -> str:
        try:
            shown = self.path.relative_to(root)
        except ValueError:
            shown = self.path
        return f"{shown}:{self.line}:{self.column}: {self.message}"


@dataclass
class Project:
    root: Path
    article: Path
    config: dict[str, Any]
    variables: dict[str, Any] | None
    metadata: dict[str, Any]
    bibliography: set[str]
    problems: list[Problem] = field(default_factory=list)
    #: output format -> the extension Pandoc adds to an image path that has none
    image_extensions: dict[str, str] = field(default_factory=lambda: {"html": FALLBACK_IMAGE_EXTENSION})

    def error(self, path: Path, line: int, column: int, message: str) -> None:
        self.problems.append(Problem(path, line, column, message))


def read_yaml(path: Path, project_problems: list[Problem]) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        project_problems.append(Problem(path, line, col, f"not valid YAML ({getattr(exc, 'problem', exc)})"))
        return None


def split_front_matter(text: str) -> tuple[str, int]:
    """Return (front matter YAML, number of lines it spans including the fences); ('', 0) if none."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return "", 0
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            return "\n".join(lines[1:i]), i + 1
    return "", 0


def lookup(tree: Any, dotted: str) -> tuple[bool, Any]:
    """Find ``a.b.c`` (list items by index) in nested dicts/lists."""
    node = tree
    for part in dotted.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False, None
    return True, node


def merge_metadata(*layers: dict[str, Any]) -> dict[str, Any]:
    """Later layers win for scalars; mappings merge (as Quarto merges project and document metadata)."""
    out: dict[str, Any] = {}
    for layer in layers:
        for key, value in (layer or {}).items():
            if isinstance(value, dict) and isinstance(out.get(key), dict):
                out[key] = merge_metadata(out[key], value)
            else:
                out[key] = value
    return out


def resolve_target(project: Project, target: str) -> Path:
    """``/x`` is relative to the project root; anything else to the article's folder (Quarto's rule)."""
    return project.root / target.lstrip("/") if target.startswith("/") else project.article.parent / target


def load_project(root: Path) -> Project:
    root = root.resolve()
    problems: list[Problem] = []
    config_path = root / "_quarto.yml"
    if not config_path.exists():
        raise FileNotFoundError(f"{config_path}: not found (run from the project folder or pass --root)")
    config = read_yaml(config_path, problems) or {}
    article_name = (config.get("manuscript") or {}).get("article", "index.qmd")
    article = root / article_name
    if not article.exists():
        raise FileNotFoundError(f"{config_path}: manuscript.article {article_name!r} does not exist")

    variables_path = root / "_variables.yml"
    variables = None
    if variables_path.exists():
        variables = read_yaml(variables_path, problems) or {}
    else:
        problems.append(Problem(variables_path, 1, 1, "not found: run `python -m analysis build` first"))

    layers: list[dict[str, Any]] = [{k: v for k, v in config.items() if k not in ("project", "manuscript")}]
    for entry in config.get("metadata-files") or []:
        path = root / entry
        if not path.exists():
            problems.append(Problem(config_path, 1, 1, f"metadata-files entry {entry!r} does not exist "
                                    "(Quarto would skip it silently): run `python -m analysis build`"))
            continue
        content = read_yaml(path, problems) or {}
        layers.append(content)
        for key_path, value in _strings(content):
            if "{{<" in value:
                problems.append(Problem(path, 1, 1, f"{key_path} contains a shortcode; metadata files must hold "
                                        "formatted text (shortcodes leak into the HTML <meta> tags)"))
    front, _ = split_front_matter(article.read_text(encoding="utf-8"))
    try:
        front_data = yaml.safe_load(front) if front.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, col = (mark.line + 2, mark.column + 1) if mark else (1, 1)  # +1 for the opening '---'
        problems.append(Problem(article, line, col, f"front matter is not valid YAML "
                                f"({getattr(exc, 'problem', exc)})"))
        front_data = {}
    layers.append(front_data if isinstance(front_data, dict) else {})
    metadata = merge_metadata(*layers)

    bib_entries = metadata.get("bibliography") or []
    bib_files = [bib_entries] if isinstance(bib_entries, str) else list(bib_entries)
    keys: set[str] = set()
    for bib in bib_files:
        path = root / bib if (root / bib).exists() else article.parent / bib
        try:
            keys.update(bibliography_keys(path))
        except DataError as exc:
            problems.append(Problem(path, 1, 1, f"bibliography: {'; '.join(exc.problems)}"))
    csl = metadata.get("csl")
    if isinstance(csl, str) and not (root / csl).exists() and not (article.parent / csl).exists():
        problems.append(Problem(config_path, 1, 1, f"csl file {csl!r} does not exist: run `python -m analysis build`"))
    profiles = [read_yaml(p, problems) or {} for p in sorted(root.glob("_quarto-*.yml"))]
    extensions = image_extensions([config, *profiles, front_data if isinstance(front_data, dict) else {}],
                                  metadata.get("default-image-extension"))
    return Project(root, article, config, variables, metadata, keys, problems, extensions)


def base_format(name: str) -> str:
    """'pdf+simple' -> 'pdf'; 'acm-pdf' -> 'pdf' (journal formats end with their base format)."""
    return name.split("+", 1)[0].rsplit("-", 1)[-1]


def image_extensions(layers: list[dict[str, Any]], top_level: Any = None) -> dict[str, str]:
    """Format name -> default image extension, over every ``format:`` in ``layers`` (project file, profiles,
    front matter; a format set to false is skipped). Without any format Quarto renders HTML."""
    formats: dict[str, dict[str, Any]] = {}
    for layer in layers:
        declared = layer.get("format") if isinstance(layer, dict) else None
        if isinstance(declared, str):
            declared = {declared: "default"}
        for name, options in (declared or {}).items() if isinstance(declared, dict) else ():
            if options is False:
                continue
            formats.setdefault(str(name), {}).update(options if isinstance(options, dict) else {})
    if not formats:
        formats = {"html": {}}
    out = {}
    for name, options in formats.items():
        default = top_level if top_level is not None else DEFAULT_IMAGE_EXTENSIONS.get(base_format(name),
                                                                                        FALLBACK_IMAGE_EXTENSION)
        out[name] = str(options.get("default-image-extension", default)).lstrip(".")
    return out


def _strings(tree: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(tree, dict):
        for k, v in tree.items():
            yield from _strings(v, f"{path}.{k}" if path else str(k))
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            yield from _strings(v, f"{path}.{i}")
    elif isinstance(tree, str):
        yield path, tree
