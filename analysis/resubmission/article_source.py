"""The article of a build that has no rendered HTML: its Quarto source as HTML, for
:func:`analysis.resubmission.article.blocks_from_html`.

``manuscript/index.qmd`` with the build's pieces put in the places Quarto puts them: the title and keywords of
the front matter and the generated abstract (``build/abstract.yml``) at the top, ``{{< include >}}`` files and the
Markdown that ``generated("...")`` cells print, and ``{{< var name >}}`` replaced by the build's
``_variables.yml`` (an unknown name prints as ``?var:name``, as Quarto prints it). The Markdown is turned into
HTML by markdown-it-py (CommonMark with pipe tables); Pandoc's extras that CommonMark lacks are mapped first:
a ``.landscape`` div becomes an HTML div, other attributes (``{#fig-x}``, ``{.unnumbered}``) and fenced divs are
dropped, an image becomes its caption and a
``: caption`` line under a table becomes the table's caption. Citations stay as written (``[@key]``).
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt

from ..quarto.sources import GENERATED_CELL
from ..quarto.variables import VAR_SHORTCODE, load_variables

ARTICLE = Path("manuscript") / "index.qmd"
INCLUDE_SHORTCODE = re.compile(r"\{\{<\s*include\s+([^\s>]+)\s*>\}\}")
FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
CODE_CELL = re.compile(r"^```\{[^}]*\}[^\n]*\n(.*?)^```\s*$", re.DOTALL | re.MULTILINE)
ATTRIBUTES = re.compile(r"\s*\{(?:[#.]|[\w-]+=)[^{}]*\}")
SPAN_END = re.compile(r"\]\{[^{}]*\}")
FENCED_DIV = re.compile(r"^:::.*$", re.MULTILINE)
LANDSCAPE_DIV = re.compile(r"^:::+\s*\{\.landscape\}\s*\n(?P<body>.*?)^:::+\s*$", re.MULTILINE | re.DOTALL)
IMAGE_LINE = re.compile(r"^!\[(?P<caption>.*)\]\([^)]*\)[ \t]*$", re.MULTILINE)
TABLE_CAPTION = re.compile(r"^:[ \t]+(?P<caption>\S.*)$", re.MULTILINE)
BUILD = "build"


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


def _cell_output(folder: Path, cell: str) -> str:
    """What a code cell puts into the article: the generated Markdown it prints, else nothing."""
    printed = []
    for line in cell.splitlines():
        found = GENERATED_CELL.match(line)
        if found:
            path = folder / BUILD / found.group("name")
            printed.append(path.read_text(encoding="utf-8") if path.is_file() else f"[missing {found.group('name')}]")
    return "\n\n".join(printed)


def abstract_markdown(folder: Path) -> str:
    """The generated abstract (``build/abstract.yml``), Markdown."""
    path = folder / BUILD / "abstract.yml"
    if not path.exists():
        return ""
    data: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    value = data.get("abstract") if isinstance(data, dict) else None
    return str(value).strip() if value else ""


def _caption(m: re.Match[str]) -> str:
    """A caption paragraph; its Markdown (emphasis, escapes) is rendered like any other text."""
    return f'<p class="caption">{MarkdownIt("commonmark").renderInline(m.group("caption"))}</p>'


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


def _pandoc_to_commonmark(text: str) -> str:
    # A landscape page (Table 1) stays one: an HTML block around Markdown (CommonMark type 6, blank lines around).
    text = LANDSCAPE_DIV.sub(lambda m: f'<div class="landscape">\n\n{m.group("body")}\n\n</div>\n', text)
    text = FENCED_DIV.sub("", ATTRIBUTES.sub("", unwrap_spans(text)))
    return TABLE_CAPTION.sub(_caption, IMAGE_LINE.sub(_caption, text))


def markdown_html(text: str) -> str:
    """Pandoc-flavoured Markdown as HTML (CommonMark with pipe tables; see the module's notes)."""
    return MarkdownIt("commonmark", {"html": True}).enable("table").render(_pandoc_to_commonmark(text))


def _title_block(meta: dict[str, Any], abstract: str) -> str:
    parts = [f'<h1 class="title">{html.escape(str(meta.get("title") or ""))}</h1>']
    authors = [a.get("name") if isinstance(a, dict) else a for a in meta.get("authors") or meta.get("author") or []]
    parts += [f'<p class="author">{html.escape(str(name))}</p>' for name in authors if name]
    if abstract:
        parts.append(f'<div class="abstract"><div class="block-title">Abstract</div>{markdown_html(abstract)}</div>')
    if meta.get("keywords"):
        words = ", ".join(str(k) for k in meta["keywords"])
        parts.append(f'<div class="keywords"><div class="block-title">Keywords</div><p>{html.escape(words)}</p></div>')
    return '<header id="title-block-header">' + "".join(parts) + "</header>"


def source_html(folder: Path) -> str | None:
    """The article of a build folder (project or snapshot) from its Quarto source, as one HTML page."""
    qmd = folder / ARTICLE
    if not qmd.exists():
        return None
    text = qmd.read_text(encoding="utf-8")
    found = FRONT_MATTER.match(text)
    meta = (yaml.safe_load(found.group(1)) or {}) if found else {}
    body = HTML_COMMENT.sub("", text[found.end():] if found else text)
    body = CODE_CELL.sub(lambda m: _cell_output(folder, m.group(1)), body)
    body = resolve_includes(body, folder, qmd.parent)
    variables = load_variables(folder / "_variables.yml")
    body = substitute_variables(body, variables)
    meta = {k: substitute_variables(v, variables) if isinstance(v, str) else v for k, v in meta.items()}
    return (f"<html><body><main>{_title_block(meta, abstract_markdown(folder))}{markdown_html(body)}</main>"
            "</body></html>")
