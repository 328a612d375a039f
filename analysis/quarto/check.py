"""Static check of the Quarto manuscript sources, without Quarto.

Quarto carries on when a source is wrong: an unknown ``{{< var >}}`` key prints
a bold ``?var:key``, an unresolved ``@fig-x`` prints ``?@fig-x``, and a missing
``metadata-files`` entry is skipped silently. This module turns each of those
into an error with file, line and column, and also rejects numbers typed into
the prose by hand (every number must come from the build). Rules:

* ``var``: every ``{{< var key >}}`` names a simple value in ``_variables.yml``;
* ``meta``: every ``{{< meta key >}}`` names a value of the merged metadata
  (``_quarto.yml``, its ``metadata-files``, the article's front matter);
* ``include`` / ``embed`` / images: every target exists (``/`` = project root,
  otherwise relative to the article); includes stand alone on their line; an
  image written without an extension must exist with the
  ``default-image-extension`` of every format (``_quarto.yml``, its profiles
  ``_quarto-*.yml`` and the front matter; Quarto's defaults: png, pdf for
  LaTeX PDF, svg for Typst);
* counts: a ``{{< var >}}`` (or template ``{{ var }}``) whose value is a bare
  count must not be followed by a plural noun ("{{< var n >}} trials" reads
  "one trials" when the count is one); use a variable that carries its noun;
* labels: ``fig-`` / ``tbl-`` labels are lower case, hyphenated, without
  underscores, and unique; every ``@fig-`` / ``@tbl-`` reference has exactly one;
* citations: every ``@key`` is in the bibliography;
* shortcodes are well formed and on one line; metadata files contain none;
* digits: no digit in hand-written prose, apart from a short reviewed allow-list.

Sources: https://quarto.org/docs/authoring/variables.html,
https://quarto.org/docs/authoring/includes.html,
https://quarto.org/docs/authoring/figures.html#multiformat-figures,
https://quarto.org/docs/authoring/cross-references.html,
https://quarto.org/docs/authoring/citations.html.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import yaml

from ..inputs.bibliography import bibliography_keys
from ..inputs.errors import DataError

#: Cross-reference types Quarto knows (https://quarto.org/docs/authoring/cross-references.html).
CROSSREF_PREFIXES = ("fig", "tbl", "sec", "eq", "lst", "thm", "lem", "cor", "prp", "cnj", "def", "exm", "exr")
#: Types whose labels and references this check enforces.
CHECKED_PREFIXES = ("fig", "tbl")
VALID_LABEL = re.compile(r"^(fig|tbl)-[a-z0-9]+(?:-[a-z0-9]+)*$")

#: Digits allowed in hand-written prose, each with the reason it is not a result. Keep this list short.
DIGIT_ALLOW_LIST: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\bCD\d+"), "cluster-of-differentiation antigen names (CD3, CD19, CD20×CD3)"),
    (re.compile(r"\b95% CI\b"), "the conventional confidence level in '95% CI'"),
    (re.compile(r"\bPRISMA 2020\b"), "name of the reporting guideline"),
    (re.compile(r"\bZUMA-1\b"), "name of a trial"),
]

#: Pandoc's default-image-extension as Quarto sets it when a format does not: png, but pdf for LaTeX PDF
#: (https://quarto.org/docs/authoring/figures.html#multiformat-figures) and svg for Typst (its default
#: fig-format; quarto-cli issue 13116 shows Quarto passing `default-image-extension: svg` to Pandoc).
DEFAULT_IMAGE_EXTENSIONS = {"pdf": "pdf", "latex": "pdf", "beamer": "pdf", "typst": "svg"}
FALLBACK_IMAGE_EXTENSION = "png"
#: A variable value that is a bare count (no noun), and a following word that looks like a plural noun.
BARE_COUNT = re.compile(r"(?:\d+|no|zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)",
                        re.IGNORECASE)
PLURAL_AFTER = re.compile(r"\s+(?P<word>[A-Za-z][A-Za-z-]*[^su\Wi]s)\b")
NOT_PLURAL_NOUNS = {"was", "has", "does", "this", "thus", "its", "always", "whereas", "perhaps", "across"}
JINJA_VARIABLE = re.compile(r"\{\{\s*(?P<name>[A-Za-z_][\w.]*)\s*\}\}")
SHORTCODE = re.compile(r"\{\{<\s*(?P<name>[\w-]+)(?P<args>.*?)>\}\}")
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
DIGIT = re.compile(r"[0-9]+")


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


@dataclass(frozen=True)
class Line:
    """One line of a source, with what the rules need to know about it."""

    path: Path
    number: int
    text: str
    in_code: bool  # inside a fenced code block
    in_comment: bool  # inside an HTML comment
    hand_written: bool  # prose a person types (the digit rule applies)


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


# ----------------------------------------------------------------------------- reading

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


# ----------------------------------------------------------------------------- loading the project

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


# ----------------------------------------------------------------------------- collecting sources

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
            continue
        for m in SHORTCODE.finditer(line.text):
            if m.group("name") != "include":
                continue
            target = m.group("args").strip()
            col = m.start() + 1
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


# ----------------------------------------------------------------------------- rules

def check_shortcodes(project: Project, lines: list[Line]) -> None:
    for line in lines:
        if line.in_code:
            continue
        opened, closed = line.text.count("{{<"), line.text.count(">}}")
        if opened != closed:
            project.error(line.path, line.number, line.text.find("{{<") + 1 if opened else 1,
                          "shortcode not closed on the same line (write each shortcode on one line)")
        for m in SHORTCODE.finditer(line.text):
            name, args, col = m.group("name"), m.group("args"), m.start() + 1
            if not args.endswith((" ", "\t")) and args:
                project.error(line.path, line.number, col, f"write a space before '>}}}}' in {m.group(0)}")
            arg = args.strip()
            if name == "var":
                _check_var(project, line, col, arg)
            elif name == "meta":
                found, value = lookup(project.metadata, arg)
                if not arg or not found:
                    project.error(line.path, line.number, col, f"meta key {arg!r} is not in the document metadata")
                elif isinstance(value, (dict, list)):
                    project.error(line.path, line.number, col, f"meta key {arg!r} is not a simple value")
            elif name == "embed":
                _check_embed(project, line, col, arg)


def _check_var(project: Project, line: Line, col: int, key: str) -> None:
    if project.variables is None:
        return  # reported once when loading
    found, value = lookup(project.variables, key)
    if not key or not found:
        project.error(line.path, line.number, col, f"var key {key!r} is not in _variables.yml "
                      "(Quarto would print ?var:" + key + ")")
    elif isinstance(value, (dict, list)):
        project.error(line.path, line.number, col, f"var key {key!r} is a {type(value).__name__}, not a simple value")


def _check_embed(project: Project, line: Line, col: int, arg: str) -> None:
    target = arg.split()[0] if arg else ""
    file_part, _, cell = target.partition("#")
    path = resolve_target(project, file_part)
    if not file_part.endswith((".ipynb", ".qmd")):
        project.error(line.path, line.number, col, f"embed target {target!r} must name a .ipynb or .qmd file "
                      "(with its extension)")
        return
    if not path.is_file():
        project.error(line.path, line.number, col, f"embed target {file_part} does not exist (looked for {path})")
        return
    if cell and cell not in notebook_cell_ids(path):
        project.error(line.path, line.number, col, f"embed target {file_part} has no cell labelled {cell!r}")


def notebook_cell_ids(path: Path) -> set[str]:
    """Cell ids, ``#| label:`` values and tags of a notebook, or ``#| label:`` values of a .qmd."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".qmd":
        return {m.group("id") for m in (CELL_LABEL.match(t) for t in text.split("\n")) if m}
    ids: set[str] = set()
    for cell in json.loads(text).get("cells", []):
        if cell.get("id"):
            ids.add(cell["id"])
        meta = cell.get("metadata", {})
        ids.update(meta.get("tags", []))
        if meta.get("label"):
            ids.add(meta["label"])
        source = cell.get("source", "")
        for t in (source if isinstance(source, list) else source.split("\n")):
            m = CELL_LABEL.match(t)
            if m:
                ids.add(m.group("id"))
    return ids


def check_labels_and_refs(project: Project, lines: list[Line]) -> None:
    definitions: dict[str, list[Line]] = {}
    for line in lines:
        if line.in_comment:
            continue
        found = []
        if line.in_code:
            m = CELL_LABEL.match(line.text)
            if m:
                found.append((m.group("id"), m.start("id") + 1))
        else:
            found += [(m.group("id"), m.start() + 1) for m in ATTRIBUTE_ID.finditer(line.text)]
        for label, col in found:
            stem = re.split(r"[-_]", label, maxsplit=1)[0].lower()
            if stem in CHECKED_PREFIXES:
                if not VALID_LABEL.match(label):
                    why = ("contains an underscore (breaks PDF output)" if "_" in label else
                           "has upper-case letters" if label != label.lower() else
                           "must be '<fig|tbl>-' followed by lower-case letters, digits and hyphens")
                    project.error(line.path, line.number, col, f"label {label!r} {why}")
                definitions.setdefault(label.lower(), []).append(line)
            elif stem in CROSSREF_PREFIXES:
                definitions.setdefault(label.lower(), []).append(line)
    for label, where in definitions.items():
        if len(where) > 1:
            first = where[0]
            for dup in where[1:]:
                project.error(dup.path, dup.number, 1, f"label {label!r} is defined again "
                              f"(first at {first.path.name}:{first.number})")
    for line in lines:
        if line.in_code or line.in_comment:
            continue
        text = URL.sub(lambda m: " " * len(m.group(0)), line.text)
        for m in CROSSREF.finditer(text):
            label = m.group("id").lower().rstrip("-")
            prefix = label.split("-", 1)[0]
            if prefix not in CHECKED_PREFIXES and label not in definitions:
                continue  # e.g. @sec- references: Quarto checks those itself
            if label not in definitions:
                project.error(line.path, line.number, m.start() + 1,
                              f"cross-reference @{m.group('id')} has no label (Quarto would print ?@{label})")


def check_citations(project: Project, lines: list[Line]) -> None:
    for line in lines:
        if line.in_code or line.in_comment:
            continue
        text = URL.sub(lambda m: " " * len(m.group(0)), INLINE_CODE.sub(lambda m: " " * len(m.group(0)), line.text))
        for m in CITATION.finditer(text):
            key = m.group("braced") or m.group("key")
            if key.split("-", 1)[0].lower() in CROSSREF_PREFIXES and "-" in key:
                continue
            if key not in project.bibliography:
                project.error(line.path, line.number, m.start() + 1, f"citation @{key} is not in the bibliography")


def check_images(project: Project, lines: list[Line]) -> None:
    """Every image exists; one without an extension exists with the default image extension of every format."""
    for line in lines:
        if line.in_code or line.in_comment:
            continue
        for m in IMAGE.finditer(line.text):
            target = m.group("path")
            if re.match(r"^[a-z]+://", target):
                continue
            path = resolve_target(project, target)
            col = m.start("path") + 1
            if Path(target).suffix:
                if not path.is_file():
                    project.error(line.path, line.number, col,
                                  f"image {target} does not exist (looked for {path}); run `python -m analysis build`?")
                continue
            by_extension: dict[str, list[str]] = {}
            for name, extension in project.image_extensions.items():
                by_extension.setdefault(extension, []).append(name)
            for extension, names in by_extension.items():
                candidate = path.with_name(f"{path.name}.{extension}") if extension else path
                if not candidate.is_file():
                    project.error(line.path, line.number, col,
                                  f"image {target} has no .{extension} file for format {', '.join(names)} (looked "
                                  f"for {candidate}; Pandoc adds the format's default-image-extension); run "
                                  "`python -m analysis build`?")


def check_counts(project: Project, lines: list[Line], template: bool = False) -> None:
    """A bare count ('one', '9') from a variable must not be followed by a plural noun: the noun would not
    agree when the count is one. Variables that carry their noun ('nine trials') are the fix."""
    if project.variables is None:
        return
    pattern = JINJA_VARIABLE if template else SHORTCODE
    for line in lines:
        if line.in_code or line.in_comment:
            continue
        for m in pattern.finditer(line.text):
            if template:
                key = m.group("name")
            elif m.group("name") == "var":
                key = m.group("args").strip()
            else:
                continue
            found, value = lookup(project.variables, key)
            if not found or not isinstance(value, str) or not BARE_COUNT.fullmatch(value.strip()):
                continue
            after = PLURAL_AFTER.match(line.text, m.end())
            if after and after.group("word").lower() not in NOT_PLURAL_NOUNS:
                project.error(line.path, line.number, m.start() + 1,
                              f"{key!r} is a bare count ({value!r}) followed by the plural "
                              f"{after.group('word')!r}, which reads wrongly for a count of one; use a variable "
                              "that carries its noun")


def prose_only(text: str, template: bool = False) -> str:
    """Blank out everything in a line that is not prose: shortcodes, code, URLs, link targets, attributes,
    citations and cross-references (same length, so columns stay right)."""
    blank = lambda m: " " * len(m.group(0))  # noqa: E731
    if template:
        text = JINJA.sub(blank, text)
    for pattern in (SHORTCODE, INLINE_CODE, URL, LINK_TARGET, BRACED_ATTRIBUTES, CROSSREF, CITATION):
        text = pattern.sub(blank, text)
    return text


def check_digits(project: Project, lines: list[Line], template: bool = False) -> None:
    for line in lines:
        if line.in_code or line.in_comment or not line.hand_written:
            continue
        text = prose_only(line.text, template)
        for pattern, _reason in DIGIT_ALLOW_LIST:
            text = pattern.sub(lambda m: " " * len(m.group(0)), text)
        for m in DIGIT.finditer(text):
            project.error(line.path, line.number, m.start() + 1,
                          f"number {m.group(0)!r} typed into the prose; take it from _variables.yml "
                          "({{< var ... >}}) or a generated include")


def template_lines(path: Path) -> list[Line]:
    """A jinja2 template's lines; its {# comments #} (possibly multi-line) are blanked out."""
    text = re.sub(r"\{#.*?#\}", lambda m: re.sub(r"[^\n]", " ", m.group(0)), path.read_text(encoding="utf-8"),
                  flags=re.S)
    return [Line(path, i + 1, raw, False, False, True) for i, raw in enumerate(text.split("\n"))]


def check_project(root: Path) -> tuple[Project, list[Problem]]:
    """Run every rule; return the project and the problems found (sorted by file and line)."""
    project = load_project(root)
    collected = collect(project)
    lines = collected.lines
    check_shortcodes(project, lines)
    check_labels_and_refs(project, lines)
    check_citations(project, lines)
    check_images(project, lines)
    check_counts(project, lines)
    check_digits(project, lines)
    for template in (f for f in collected.files if f.suffix == ".j2"):
        check_digits(project, template_lines(template), template=True)
        check_counts(project, template_lines(template), template=True)
    problems = sorted(set(project.problems), key=lambda p: (str(p.path), p.line, p.column, p.message))
    return project, problems
