"""The report of a diff between two builds (``python -m analysis diff``).

It writes build/diff/changes.md and changes.html (every number that changed,
old → new, with its manuscript location, and the abstract word by word) and
build/diff/markup.html and markup.docx (Word tracked changes): the whole article of
the two builds, with its structure, compared word by word.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
import markupsafe

from ..io import write_text
from ..quarto.rendered import rendered_article
from .article import article_blocks
from .block_diff import count_words, diff_blocks
from .change import Change
from .changes import Comparison, compare, load_view
from .markup import STYLE, blocks_html, markup_html, pieces_html
from .markup_docx import markup_docx

CHANGES_MD = """\
# Changes from {{ c.base.label }} to {{ c.target.label }}

| | {{ c.base.label }} | {{ c.target.label }} |
|---|---|---|
{% for k in prov_keys %}
| {{ k }} | {{ c.base.provenance.get(k, "–") }} | {{ c.target.provenance.get(k, "–") }} |
{% endfor %}

{{ c.variables | length }} manuscript values, {{ c.abstract | length }} abstract \
paragraph{{ "s" if c.abstract | length != 1 }}, {{ c.tables | length }} table cells,
{{ c.figures | length }} figures and {{ c.results | length }} results changed.

## Abstract ({{ c.abstract | length }} paragraph{{ "s" if c.abstract | length != 1 }} changed; <del>deleted</del>, <ins>inserted</ins>)

{% for b in c.abstract %}
- {{ b.status if b.status != "changed" else "" }}{{ " " if b.status != "changed" }}{{ b.pieces | pieces }}
{% else %}
No change.
{% endfor %}
{% for title, rows, with_location in sections %}

## {{ title }} ({{ rows | length }})
{% if title.startswith("Figures") and c.figures_redrawn %}

Redrawn with identical content, not a change (only the provenance embedded in their files differs):
{{ c.figures_redrawn | join(", ") }}.
{% endif %}
{% if rows %}

| {{ "location | " if with_location }}item | old | new | change |
|---|{{ "---|" if with_location }}---|---|---|
{% for ch in rows %}
| {{ (ch.location | md) ~ " | " if with_location }}{{ ch.item | md }} | {{ ch.old | md }} | {{ ch.new | md }} | {{ ch.difference or ch.kind }} |
{% endfor %}
{% else %}

No change.
{% endif %}
{% endfor %}
"""

CHANGES_HTML = """\
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Changes from {{ c.base.label }} to {{ c.target.label }}</title>
<style>{{ markup_style }}
body{font-family:system-ui,sans-serif;max-width:80rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;font-size:.88rem;margin:.5rem 0 1.2rem;display:table}td,th{border:1px solid #ccc;
padding:.2rem .45rem;vertical-align:top;text-align:left}th{background:#f4f4f4}.old{color:#8a1c1c}
.new{color:#14632a;font-weight:600}.abstract{font-family:Georgia,serif;max-width:52rem;line-height:1.5;margin-left:1rem}
</style></head><body>
<h1>Changes from {{ c.base.label }} to {{ c.target.label }}</h1>
<table><tr><th></th><th>{{ c.base.label }}</th><th>{{ c.target.label }}</th></tr>
{% for k in prov_keys %}<tr><th>{{ k }}</th><td>{{ c.base.provenance.get(k, "–") }}</td>
<td>{{ c.target.provenance.get(k, "–") }}</td></tr>{% endfor %}</table>
<p>{{ c.variables | length }} manuscript values, {{ c.abstract | length }} abstract
paragraph{{ "s" if c.abstract | length != 1 }}, {{ c.tables | length }}
table cells, {{ c.figures | length }} figures and {{ c.results | length }} results changed.
{% if markup %}The whole article compared word by word: <a href="markup.html">markup.html</a>
(<a href="markup.docx">markup.docx</a> with Word tracked changes).{% endif %}</p>
<h2>Abstract ({{ c.abstract | length }} paragraph{{ "s" if c.abstract | length != 1 }} changed)</h2>
<div class="abstract">{{ c.abstract_marked | blocks }}</div>
{% for title, rows, with_location in sections %}
<h2>{{ title }} ({{ rows | length }})</h2>
{% if title.startswith("Figures") and c.figures_redrawn %}<p>Redrawn with identical content, not a change (only
the provenance embedded in their files differs): {{ c.figures_redrawn | join(", ") }}.</p>{% endif %}
{% if rows %}{% if title.startswith("All results") %}<details><summary>show</summary>{% endif %}
<table><tr>{% if with_location %}<th>location</th>{% endif %}<th>item</th><th>old</th><th>new</th><th>change</th></tr>
{% for ch in rows %}<tr>{% if with_location %}<td>{{ ch.location }}</td>{% endif %}<td>{{ ch.item }}</td>
<td class="old">{{ ch.old if ch.old is not none else "" }}</td><td class="new">{{ ch.new if ch.new is not none else "" }}</td>
<td>{{ ch.difference or ch.kind }}</td></tr>{% endfor %}</table>
{% if title.startswith("All results") %}</details>{% endif %}{% else %}<p>No change.</p>{% endif %}
{% endfor %}
</body></html>
"""


def _sections(c: Comparison) -> list[tuple[str, list[Change], bool]]:
    return [("Manuscript values (_variables.yml; location = where the text uses them)", c.variables, True),
            ("Table cells (table / row / column)", c.tables, False),
            ("Figures (what they show: pixels and strings drawn; old/new = strings removed/added)", c.figures,
             False),
            ("All results (build/results.json)", c.results, False)]


def _render(template: str, c: Comparison, autoescape: bool, markup: bool) -> str:
    env = jinja2.Environment(autoescape=autoescape, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined)
    env.filters["md"] = lambda s: "" if s is None else str(s).replace("|", "\\|").replace("\n", " ")
    env.filters["pieces"] = pieces_html
    env.filters["blocks"] = lambda marked: markupsafe.Markup(blocks_html(marked))
    keys = sorted(set(c.base.provenance) | set(c.target.provenance))
    return env.from_string(template).render(c=c, sections=_sections(c), prov_keys=keys, markup=markup,
                                            markup_style=markupsafe.Markup(STYLE))


def write_diff(root: Path, base_folder: Path, base_label: str, target_folder: Path, target_label: str,
               out_dir: Path) -> tuple[Comparison, dict[str, Any]]:
    """Compare two builds and write changes.{md,html} and markup.{html,docx} into ``out_dir``."""
    comparison = compare(load_view(base_folder, base_label), load_view(target_folder, target_label))
    rendered = all(rendered_article(f, ".html") is not None for f in (base_folder, target_folder))
    source = "rendered" if rendered else "source"
    old_blocks, _ = article_blocks(base_folder, source)
    new_blocks, _ = article_blocks(target_folder, source)
    info: dict[str, Any] = {"article_source": source, "markup": False, "docx": False}
    if old_blocks is not None and new_blocks is not None:
        marked = diff_blocks(old_blocks, new_blocks)
        origin = "rendered HTML" if rendered else "Quarto source with each build's variables filled in"
        note = f"{base_label} → {target_label}; article from the {origin}."
        write_text(out_dir / "markup.html", markup_html(marked, f"Marked-up manuscript: {base_label} → {target_label}",
                                                      note))
        markup_docx(marked, out_dir / "markup.docx", f"Marked-up manuscript: {note}")
        info.update(markup=True, docx=True, words=count_words(marked))
    write_text(out_dir / "changes.md", _render(CHANGES_MD, comparison, False, info["markup"]))
    write_text(out_dir / "changes.html", _render(CHANGES_HTML, comparison, True, info["markup"]))
    return comparison, info
