"""The article text of a build, for word-by-word comparison between two builds.

From the rendered HTML in ``_manuscript/`` when there is one; otherwise from the
Quarto source ``manuscript/index.qmd`` with ``{{< var name >}}`` replaced by the
build's ``_variables.yml`` and ``{{< include path >}}`` by the file it names, the
generated abstract (``build/abstract.yml``) in front. Works on a project folder
and on a snapshot folder alike (same layout).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from ..quarto.rendered import html_text, normalise, rendered_article
from ..quarto.variables import VAR_SHORTCODE, load_variables

INCLUDE_SHORTCODE = re.compile(r"\{\{<\s*include\s+([^\s>]+)\s*>\}\}")
FRONT_MATTER = re.compile(r"\A---\s*\n.*?\n---\s*\n", re.DOTALL)
HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
CODE_CELL = re.compile(r"^```\{.*?^```\s*$", re.DOTALL | re.MULTILINE)
ARTICLE = Path("manuscript") / "index.qmd"
SPAN_END = re.compile(r"\]\{[^{}]*\}")


def substitute_variables(text: str, variables: dict[str, str]) -> str:
    """Replace each var shortcode by its value; unknown names become ``?var:name`` as Quarto prints them."""
    return VAR_SHORTCODE.sub(lambda m: variables.get(m.group(1), f"?var:{m.group(1)}"), text)


def resolve_includes(text: str, folder: Path, source_dir: Path, depth: int = 0) -> str:
    """Inline ``{{< include >}}`` files: '/x' is relative to the project folder, 'x' to the including file."""
    if depth > 5:
        return text

    def inline(m: re.Match[str]) -> str:
        name = m.group(1)
        path = folder / name.lstrip("/") if name.startswith("/") else source_dir / name
        if not path.exists():
            return f"[missing include {name}]"
        return resolve_includes(path.read_text(encoding="utf-8"), folder, path.parent, depth + 1)

    return INCLUDE_SHORTCODE.sub(inline, text)


def abstract_text(folder: Path) -> str:
    path = folder / "build" / "abstract.yml"
    if not path.exists():
        return ""
    data: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    value = data.get("abstract") if isinstance(data, dict) else None
    return str(value).strip() if value else ""


def unwrap_spans(text: str) -> str:
    """``[text]{attributes}`` becomes ``text``: Pandoc spans, such as the PRISMA labels, print only their text."""
    while (end := SPAN_END.search(text)) is not None:
        depth, start = 0, -1
        for i in range(end.start() - 1, -1, -1):
            if text[i] == "]":
                depth += 1
            elif text[i] == "[":
                if depth == 0:
                    start = i
                    break
                depth -= 1
        if start < 0:
            text = text[:end.start() + 1] + text[end.end():]
        else:
            text = text[:start] + text[start + 1:end.start()] + text[end.end():]
    return text


def strip_markdown(text: str) -> str:
    """Drop the Markdown marks a reader does not see: spans, emphasis, heading hashes, attributes, fences."""
    text = unwrap_spans(text)
    text = re.sub(r"\{(?:[#.]|[\w-]+=)[^}]*\}", "", text)
    text = re.sub(r"^#{1,6}\s+", "", text, flags=re.MULTILINE)
    text = re.sub(r"^:::.*$", "", text, flags=re.MULTILINE)
    return re.sub(r"(\*\*|__|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*]))", "", text)


def source_article_text(folder: Path) -> str | None:
    """The article from its Quarto source with the build's variables and includes filled in."""
    qmd = folder / ARTICLE
    if not qmd.exists():
        return None
    text = FRONT_MATTER.sub("", qmd.read_text(encoding="utf-8"), count=1)
    text = HTML_COMMENT.sub("", CODE_CELL.sub("", text))
    text = resolve_includes(text, folder, qmd.parent)
    text = substitute_variables(text, load_variables(folder / "_variables.yml"))
    text = strip_markdown(text)
    abstract = strip_markdown(abstract_text(folder))
    return normalise(f"Abstract\n\n{abstract}\n\n{text}" if abstract else text)


def rendered_article_text(folder: Path) -> str | None:
    path = rendered_article(folder, ".html")
    return html_text(path.read_text(encoding="utf-8")) if path is not None else None


def article_text(folder: Path, source: str = "auto") -> tuple[str | None, str]:
    """(text, source) with source 'rendered' or 'source'; 'auto' prefers the rendered HTML."""
    if source in ("auto", "rendered"):
        text = rendered_article_text(folder)
        if text is not None or source == "rendered":
            return text, "rendered"
    return source_article_text(folder), "source"
