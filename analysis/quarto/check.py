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
* digits: no digit in hand-written prose, apart from a short reviewed allow-list;
* journal limits (``data/journal.yaml``): words of the abstract, number of keywords, figures plus tables.

Sources: https://quarto.org/docs/authoring/variables.html,
https://quarto.org/docs/authoring/includes.html,
https://quarto.org/docs/authoring/figures.html#multiformat-figures,
https://quarto.org/docs/authoring/cross-references.html,
https://quarto.org/docs/authoring/citations.html.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..inputs.errors import DataError
from .journal import JOURNAL_FILE, limit_checks, load_limits
from .project import Problem, Project, load_project, lookup, resolve_target
from .sources import (ATTRIBUTE_ID, CELL_LABEL, CITATION, CROSSREF, CROSSREF_PREFIXES, IMAGE, INLINE_CODE,
                      JINJA_VARIABLE, SHORTCODE, URL, Line, collect, prose_only, template_lines)

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
#: A variable value that is a bare count (no noun), and a following word that looks like a plural noun.
BARE_COUNT = re.compile(r"(?:\d+|no|zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)",
                        re.IGNORECASE)
PLURAL_AFTER = re.compile(r"\s+(?P<word>[A-Za-z][A-Za-z-]*[^su\Wi]s)\b")
NOT_PLURAL_NOUNS = {"was", "has", "does", "this", "thus", "its", "always", "whereas", "perhaps", "across"}
DIGIT = re.compile(r"[0-9]+")


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


def check_journal_limits(project: Project, lines: list[Line]) -> None:
    """The target journal's limits (data/journal.yaml): abstract words, keywords, figures and tables."""
    if not (project.root / JOURNAL_FILE).exists():
        return  # no target journal named: nothing to check against
    try:
        limits = load_limits(project.root)
    except DataError as exc:
        project.error(exc.path, 1, 1, "; ".join(exc.problems))
        return
    for check in limit_checks(project, lines, limits):
        if not check.ok:
            advice = {"abstract words": " (the abstract is generated: shorten manuscript/_templates/abstract.md.j2)",
                      "keywords": " (the keywords of the front matter)"}.get(check.name, "")
            project.error(check.path, check.line, 1, check.message() + advice)


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
    check_journal_limits(project, lines)
    for template in (f for f in collected.files if f.suffix == ".j2"):
        check_digits(project, template_lines(template), template=True)
        check_counts(project, template_lines(template), template=True)
    problems = sorted(set(project.problems), key=lambda p: (str(p.path), p.line, p.column, p.message))
    return project, problems
