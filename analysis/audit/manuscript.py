"""Manuscript rules, on the rendered article in ``_manuscript/`` (web page, DOCX and PDF) when there is one.

* no unresolved ``?var:`` marker (what Quarto prints for a variable it cannot find);
* every variable the manuscript sources use (``{{< var name >}}``) appears, formatted, in the output;
* no number in the article's prose that the build did not produce (allow-list below);
* the output is not older than the data, code and generated files that fed it;
* every rendered article (HTML, DOCX, PDF; in the output folder of every profile) was made from the registry as
  it is now: its render record (``render.json``, written by the post-render step) names the results hash.

The text is the article's prose as :mod:`analysis.quarto.prose` reads it from each format's structure: without
the front matter, the reference list, citation markers and cross-reference labels, paragraph by paragraph, with
typographic quotes made plain. Without a rendered article the family reports one "not rendered" note.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterable

import yaml

from ..quarto.prose import article_prose, comparable
from ..quarto.render_output import output_dirs, output_states, results_sha256
from ..quarto.rendered import rendered_articles
from ..quarto.variables import VarUse, load_variables, manuscript_sources, variable_uses
from .context import AuditContext
from .model import Evidence, Finding, match, mismatch, note

FAMILY = "manuscript"
UNRESOLVED = re.compile(r"\?var:[\w.-]+")
#: A number as prose prints it: digits, thousands grouped by commas only in threes ("1,250"; "5,6" is two
#: numbers), an optional decimal part.
NUMBER = re.compile(r"(?<![\w.,])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\w])")
#: Numbers any article may print without the analysis producing them: the reporting guideline's name.
ALLOWED_NUMBERS = frozenset({"2020"})


def numbers_in(text: str) -> set[str]:
    return {m.group(0).replace(",", "") for m in NUMBER.finditer(text)}


def generated_texts(root: Path) -> list[str]:
    """Everything the build wrote for the manuscript: variables, abstract, tables, figure captions."""
    texts = [p.read_text(encoding="utf-8") for p in (root / "_variables.yml", root / "build" / "abstract.yml")
             if p.exists()]
    tables = root / "build" / "tables"
    if tables.is_dir():
        texts += [p.read_text(encoding="utf-8") for p in sorted(tables.iterdir()) if p.is_file()
                  and p.suffix in (".md", ".html", ".tex", ".csv", ".txt")]
    return texts


def allowed_numbers(root: Path, registry: dict[str, Any]) -> set[str]:
    allowed = set(ALLOWED_NUMBERS)
    for text in generated_texts(root):
        allowed |= numbers_in(text)
    allowed |= numbers_in(yaml.safe_dump(registry.get("review", {})))
    return allowed


def unexpected_numbers(blocks: Iterable[str], allowed: set[str]) -> list[tuple[str, str]]:
    """Numbers in the prose ``blocks`` that are not on the allow-list, with their context."""
    found: list[tuple[str, str]] = []
    for text in blocks:
        for m in NUMBER.finditer(text):
            token = m.group(0).replace(",", "")
            if token in allowed:
                continue
            lo, hi = max(0, m.start() - 40), min(len(text), m.end() + 40)
            found.append((token, text[lo:hi]))
    return found


def input_files(root: Path) -> list[Path]:
    """What a render depends on: data, analysis code, manuscript sources, generated files."""
    paths: list[Path] = []
    for folder, pattern in (("data", "*"), ("analysis", "*.py"), ("manuscript", "*"), ("build/tables", "*"),
                            ("build/figures", "*")):
        base = root / folder
        if base.is_dir():
            paths += [p for p in base.rglob(pattern) if p.is_file() and "__pycache__" not in p.parts]
    paths += [p for p in (root / "_variables.yml", root / "build" / "abstract.yml", root / "_quarto.yml")
              if p.exists()]
    return paths


def stale_inputs(output: Path, inputs: Iterable[Path]) -> list[Path]:
    """Inputs modified after ``output`` was written."""
    written = output.stat().st_mtime
    return sorted(p for p in inputs if p.stat().st_mtime > written)


def check_rendered(path: Path, root: Path, registry: dict[str, Any], variables: dict[str, str],
                   uses: list[VarUse]) -> list[Finding]:
    """All manuscript rules for one rendered file."""
    name = str(path.relative_to(root))
    try:
        prose = article_prose(path)
    except Exception as exc:  # noqa: BLE001 - any reader's failure means the same thing: the file cannot be read
        return [mismatch("manuscript.readable", "manuscript", name, "the rendered article can be read",
                         Evidence(f"{type(exc).__name__}: {exc}", "readable"),
                         "The file is damaged or is not what its name says; render the manuscript again.")]
    text = prose.text
    out: list[Finding] = []
    markers = UNRESOLVED.findall(text)
    if markers:
        out.append(mismatch("manuscript.unresolved-variable", "manuscript", name,
                            "no unresolved ?var: marker", Evidence(", ".join(sorted(set(markers))), "none"),
                            "Quarto could not find these variables in _variables.yml when it rendered."))
    else:
        out.append(match("manuscript.unresolved-variable", "manuscript", name, "no unresolved ?var: marker",
                         Evidence(computed="none found")))
    flat = " ".join(prose.blocks)
    missing = []
    for use in uses:
        value = variables.get(use.name)
        if value is None:
            missing.append((use, "not in _variables.yml"))
        elif comparable(value) not in flat:
            missing.append((use, f"'{value}' not in the output"))
    for use, why in missing:
        out.append(mismatch("manuscript.variable-present", "manuscript",
                            f"{use.file}:{use.line} (section '{use.section}') -> {name}",
                            f"variable {use.name} appears in the output", Evidence(why, variables.get(use.name)),
                            "The rendered text does not show the current value of this variable: the render is "
                            "older than the build, or the text around the variable changed the formatting."))
    if uses and not missing:
        out.append(match("manuscript.variable-present", "manuscript", name,
                         f"all {len(uses)} variable uses appear with their current values",
                         Evidence(computed=f"{len(uses)} uses checked")))
    extra = unexpected_numbers(prose.blocks, allowed_numbers(root, registry))
    for token, context in extra[:50]:
        out.append(mismatch("manuscript.unknown-number", "manuscript", name, f"number {token} comes from the build",
                            Evidence(token, "not produced by the build"),
                            f"Context: '…{context}…'. A number typed into the text is not updated by the build; "
                            "use a variable, or add it to the allow-list if it is not a result.", severity="warning"))
    if not extra:
        out.append(match("manuscript.unknown-number", "manuscript", name, "every number comes from the build",
                         Evidence(computed="no unexpected number")))
    stale = stale_inputs(path, input_files(root))
    if stale:
        out.append(mismatch("manuscript.fresh", "manuscript", name, "rendered after its inputs changed",
                            Evidence(f"rendered {_mtime(path)}", f"{len(stale)} newer input(s), e.g. "
                                     + ", ".join(str(p.relative_to(root)) for p in stale[:5])),
                            "The output is older than data, code or generated files it depends on: render again "
                            "(quarto render) before sending it anywhere."))
    else:
        out.append(match("manuscript.fresh", "manuscript", name, "rendered after every input changed",
                         Evidence(computed=f"rendered {_mtime(path)}")))
    return out


def _mtime(path: Path) -> str:
    import datetime
    return datetime.datetime.fromtimestamp(path.stat().st_mtime, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def check_render_records(root: Path) -> list[Finding]:
    """Each rendered article against the registry: made from these results, or stale, or of unknown origin."""
    results = results_sha256(root)
    out: list[Finding] = []
    for folder in output_dirs(root):
        for output in output_states(folder, results):
            name = output.path.relative_to(root).as_posix()
            claim = "rendered from the current registry (build/results.json)"
            if output.state == "current":
                out.append(match("manuscript.render-current", "manuscript", name, claim,
                                 Evidence(computed=f"results {_short(results)}")))
            elif output.state == "stale":
                out.append(mismatch("manuscript.render-current", "manuscript", name, claim,
                                    Evidence(f"made from results {_short(output.recorded_results)}",
                                             f"registry is now {_short(results)}"),
                                    "The registry changed after this was rendered, so its numbers may be out of "
                                    "date: render again (make manuscript, or quarto render) before sending it "
                                    "anywhere."))
            else:
                out.append(mismatch("manuscript.render-current", "manuscript", name, claim,
                                    Evidence("no record of the results it was made from",
                                             f"registry is now {_short(results)}"),
                                    f"{folder.name}/render.json (written by every render's post-render step) does "
                                    "not list this file with its current bytes: it was changed or copied in after "
                                    "the render. Render again.", severity="warning"))
    return out


def _short(digest: str | None) -> str:
    return digest[:12] if digest else "(none: build/results.json is missing)"


def check(ctx: AuditContext) -> list[Finding]:
    return check_render_records(ctx.root) + check_rendered_text(ctx)


def check_rendered_text(ctx: AuditContext) -> list[Finding]:
    files = rendered_articles(ctx.rendered_dir.parent, ctx.rendered_dir.name)
    if not files:
        return [note("manuscript.not-rendered", "manuscript", str(ctx.rendered_dir.relative_to(ctx.root))
                     if ctx.rendered_dir.is_relative_to(ctx.root) else str(ctx.rendered_dir),
                     "rendered manuscript", "Not rendered: no HTML, DOCX or PDF article found, so the manuscript "
                     "rules were skipped. Run `quarto render` and then the audit again.")]
    variables = load_variables(ctx.root / "_variables.yml")
    uses = variable_uses(manuscript_sources(ctx.root), ctx.root)
    out: list[Finding] = []
    for path in files:
        out += check_rendered(path, ctx.root, ctx.registry, variables, uses)
    return out
