"""``python -m analysis snapshot NAME`` and ``python -m analysis diff BASE [--to NAME]``.

The diff writes build/diff/changes.md and changes.html (every number that changed,
old → new, with its manuscript location) and build/diff/markup.html (+ markup.docx
with tracked changes when python-docx is installed): the article text of the two
builds compared word by word.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import jinja2

from .article_text import article_text
from .changes import Change, Comparison, compare, load_view
from ..cli import add_project_options
from ..io import write_text
from .markup import count_changes, markup_docx, markup_html, word_diff
from ..quarto.rendered import rendered_article
from .snapshot import create_snapshot, read_manifest, snapshot_path

CHANGES_MD = """\
# Changes from {{ c.base.label }} to {{ c.target.label }}

| | {{ c.base.label }} | {{ c.target.label }} |
|---|---|---|
{% for k in prov_keys %}
| {{ k }} | {{ c.base.provenance.get(k, "–") }} | {{ c.target.provenance.get(k, "–") }} |
{% endfor %}

{{ c.variables | length }} manuscript values, {{ c.abstract | length }} abstract fields, {{ c.tables | length }} table cells,
{{ c.figures | length }} figure files and {{ c.results | length }} results changed.
{% for title, rows, with_location in sections %}

## {{ title }} ({{ rows | length }})
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
<style>body{font-family:system-ui,sans-serif;max-width:80rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;font-size:.88rem;margin:.5rem 0 1.2rem}td,th{border:1px solid #ccc;padding:.2rem .45rem;
vertical-align:top;text-align:left}th{background:#f4f4f4}.old{color:#8a1c1c}.new{color:#14632a;font-weight:600}
</style></head><body>
<h1>Changes from {{ c.base.label }} to {{ c.target.label }}</h1>
<table><tr><th></th><th>{{ c.base.label }}</th><th>{{ c.target.label }}</th></tr>
{% for k in prov_keys %}<tr><th>{{ k }}</th><td>{{ c.base.provenance.get(k, "–") }}</td>
<td>{{ c.target.provenance.get(k, "–") }}</td></tr>{% endfor %}</table>
<p>{{ c.variables | length }} manuscript values, {{ c.abstract | length }} abstract fields, {{ c.tables | length }}
table cells, {{ c.figures | length }} figure files and {{ c.results | length }} results changed.
{% if markup %}Word-by-word comparison of the article: <a href="markup.html">markup.html</a>.{% endif %}</p>
{% for title, rows, with_location in sections %}
<h2>{{ title }} ({{ rows | length }})</h2>
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
            ("Abstract", c.abstract, False),
            ("Table cells (table / row / column)", c.tables, False),
            ("Figures (content hash)", c.figures, False),
            ("All results (build/results.json)", c.results, False)]


def _render(template: str, c: Comparison, autoescape: bool, markup: bool) -> str:
    env = jinja2.Environment(autoescape=autoescape, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined)
    env.filters["md"] = lambda s: "" if s is None else str(s).replace("|", "\\|").replace("\n", " ")
    keys = sorted(set(c.base.provenance) | set(c.target.provenance))
    return env.from_string(template).render(c=c, sections=_sections(c), prov_keys=keys, markup=markup)


def write_diff(root: Path, base_folder: Path, base_label: str, target_folder: Path, target_label: str,
               out_dir: Path) -> tuple[Comparison, dict[str, Any]]:
    """Compare two builds and write changes.{md,html} and markup.{html,docx} into ``out_dir``."""
    comparison = compare(load_view(base_folder, base_label), load_view(target_folder, target_label))
    rendered = all(rendered_article(f, ".html") is not None for f in (base_folder, target_folder))
    source = "rendered" if rendered else "source"
    old_text, _ = article_text(base_folder, source)
    new_text, _ = article_text(target_folder, source)
    info: dict[str, Any] = {"article_source": source, "markup": False, "docx": False}
    if old_text is not None and new_text is not None:
        ops = word_diff(old_text, new_text)
        origin = "rendered HTML" if rendered else "Quarto source with each build's variables filled in"
        note = f"{base_label} → {target_label}; article text from the {origin}."
        write_text(out_dir / "markup.html", markup_html(ops, f"Marked-up manuscript: {base_label} → {target_label}",
                                                      note))
        info.update(markup=True, docx=markup_docx(ops, out_dir / "markup.docx"), words=count_changes(ops))
    write_text(out_dir / "changes.md", _render(CHANGES_MD, comparison, False, info["markup"]))
    write_text(out_dir / "changes.html", _render(CHANGES_HTML, comparison, True, info["markup"]))
    return comparison, info


def _maybe_build(root: Path, args: argparse.Namespace) -> None:
    if not getattr(args, "no_build", False):
        from ..pipeline.runner import update_quietly

        update_quietly(root)


def cmd_snapshot(args: argparse.Namespace) -> int:
    root = Path(args.root).resolve()
    _maybe_build(root, args)
    dest = create_snapshot(root, args.name, force=args.force)
    manifest = read_manifest(dest)
    print(f"snapshot {args.name}: {len(manifest['files'])} files in {dest.relative_to(root)} "
          f"(git {manifest['provenance']['git_commit'][:12]}, created {manifest['created']})")
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    root = Path(args.root).resolve()
    base = snapshot_path(root, args.base)
    read_manifest(base)
    if args.to:
        target, target_label = snapshot_path(root, args.to), args.to
        read_manifest(target)
    else:
        _maybe_build(root, args)
        target, target_label = root, "current build"
    out_dir = root / "build" / "diff"
    c, info = write_diff(root, base, args.base, target, target_label, out_dir)
    print(f"diff {args.base} → {target_label}: {len(c.variables)} manuscript values, {len(c.tables)} table cells, "
          f"{len(c.figures)} figure files, {len(c.results)} results changed")
    for ch in c.variables[:10]:
        print(f"  {ch.item}: {ch.old} → {ch.new}")
    written = ["changes.md", "changes.html"] + (["markup.html"] if info["markup"] else []) \
        + (["markup.docx"] if info["docx"] else [])
    print(f"wrote {', '.join(str((out_dir / w).relative_to(root)) for w in written)}")
    if not info["markup"]:
        print("  (no marked-up manuscript: manuscript/index.qmd is missing in one of the builds)", file=sys.stderr)
    return 0


def register_snapshot(sub: Any) -> None:
    p = sub.add_parser("snapshot", help="store the current build under _snapshots/NAME (e.g. submission-1)",
                       description="Copy results, manuscript variables, abstract, tables, figures and the rendered "
                                   "manuscript (if any) into _snapshots/NAME with a manifest of provenance and date.")
    p.add_argument("name", help="snapshot name, e.g. submission-1")
    p.add_argument("--force", action="store_true", help="replace an existing snapshot of that name")
    add_project_options(p, "snapshot build/ as it is (default: update it first)")
    p.set_defaults(func=cmd_snapshot)


def register_diff(sub: Any) -> None:
    p = sub.add_parser("diff", help="list every number that changed since a snapshot; write a marked-up manuscript",
                       description="Compare _snapshots/BASE with the current build (or with --to NAME). Writes "
                                   "build/diff/changes.{md,html} and build/diff/markup.{html,docx}.")
    p.add_argument("base", help="snapshot to compare from, e.g. submission-1")
    p.add_argument("--to", metavar="NAME", help="compare with this snapshot instead of the current build")
    add_project_options(p, "use build/ as it is (default: update it first)")
    p.set_defaults(func=cmd_diff)
