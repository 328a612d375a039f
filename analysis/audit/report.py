"""The audit as a person reads it: build/audit.md, build/audit.html and a one-screen terminal summary.

Both files are rendered from the same grouped findings with jinja2 templates,
so they always say the same thing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import jinja2

from ..results.output_provenance import provenance_metadata
from .model import MATCH, MISMATCH, NOT_CHECKABLE, Finding


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    intro: str
    findings: list[Finding]


def group(findings: list[Finding]) -> list[Section]:
    """Errors, warnings, conventions, not checkable, notes, reproduced."""
    problems = [f for f in findings if f.outcome == MISMATCH]
    return [
        Section("errors", "Errors", "Statements contradicted by the data at the precision they were printed with.",
                [f for f in problems if f.severity == "error"]),
        Section("warnings", "Warnings", "Mismatches that a software convention explains, or that may have a "
                "legitimate reason the paper does not state.", [f for f in problems if f.severity == "warning"]),
        Section("not-checkable", "Not checkable", "Statements whose numbers are not in our data.",
                [f for f in findings if f.outcome == NOT_CHECKABLE]),
        Section("notes", "Notes", "Information that needs no action.",
                [f for f in findings if f.outcome == "note"]),
        Section("reproduced", "Reproduced exactly", "Values the data give at the printed precision.",
                [f for f in findings if f.outcome == MATCH]),
    ]


def summary_counts(findings: list[Finding]) -> dict[str, int]:
    c = Counter()
    for f in findings:
        if f.outcome == MISMATCH:
            c[f.severity + "s"] += 1
        elif f.outcome == MATCH:
            c["reproduced"] += 1
        elif f.outcome == NOT_CHECKABLE:
            c["not checkable"] += 1
        else:
            c["notes"] += 1
    return {k: c.get(k, 0) for k in ("errors", "warnings", "not checkable", "notes", "reproduced")}


def by_family(findings: list[Finding]) -> list[tuple[str, dict[str, int]]]:
    families: dict[str, Counter] = {}
    for f in findings:
        fam = f.rule.split(".")[0]
        c = families.setdefault(fam, Counter())
        c["checks"] += 1
        c["errors"] += f.outcome == MISMATCH and f.severity == "error"
        c["warnings"] += f.outcome == MISMATCH and f.severity == "warning"
        c["reproduced"] += f.outcome == MATCH
    return [(k, dict(v)) for k, v in families.items()]


def conventions(findings: list[Finding]) -> list[tuple[str, list[Finding]]]:
    seen: dict[str, list[Finding]] = {}
    for f in findings:
        if f.convention:
            seen.setdefault(f.convention, []).append(f)
    return list(seen.items())


_ENV = jinja2.Environment(autoescape=jinja2.select_autoescape(default_for_string=False), trim_blocks=True,
                          lstrip_blocks=True, keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
_ENV.filters["md"] = lambda s: "" if s is None else str(s).replace("|", "\\|").replace("\n", " ")

MARKDOWN = """\
# Number audit

Every number the paper states (data/reported.yaml) checked against the values the build computes from the data,
plus the data's own arithmetic and, when rendered, the manuscript output.

| | |
|---|---|
{% for k, v in provenance %}
| {{ k }} | {{ v | md }} |
{% endfor %}

## Summary

{% for k, v in counts.items() %}{{ v }} {{ k }}{{ ", " if not loop.last }}{% endfor %}.

| rule family | checks | errors | warnings | reproduced |
|---|---:|---:|---:|---:|
{% for fam, c in families %}
| {{ fam }} | {{ c.checks }} | {{ c.errors }} | {{ c.warnings }} | {{ c.reproduced }} |
{% endfor %}
{% if convention_list %}

## Software conventions that explain mismatches

{% for conv, fs in convention_list %}
- {{ conv }} Explains: {% for f in fs %}{{ f.claim }}{{ "; " if not loop.last }}{% endfor %}.
{% endfor %}
{% endif %}
{% for s in sections %}
{% if s.findings %}

## {{ s.title }} ({{ s.findings | length }})

{{ s.intro }}

{% if s.key == "reproduced" %}
| rule | location | statement | printed | computed |
|---|---|---|---|---|
{% for f in s.findings %}
| {{ f.rule }} | {{ f.location | md }} | {{ f.claim | md }} | {{ f.evidence.reported | md }} | {{ f.evidence.computed | md }} |
{% endfor %}
{% else %}
{% for f in s.findings %}
### {{ loop.index }}. {{ f.claim }}

- **rule** `{{ f.rule }}` · **severity** {{ f.severity }} · **scope** {{ f.scope }}
- **location** {{ f.location }}
{% if f.evidence.reported is not none or f.evidence.computed is not none %}
- **evidence** printed {{ f.evidence.reported if f.evidence.reported is not none else "–" }} · computed {{ f.evidence.computed if f.evidence.computed is not none else "–" }}{% if f.evidence.difference %} · difference {{ f.evidence.difference }}{% endif %}

{% endif %}
{% if f.explanation %}
- {{ f.explanation }}
{% endif %}
{% if f.convention %}
- **convention** {{ f.convention }}
{% endif %}

{% endfor %}
{% endif %}
{% endif %}
{% endfor %}
"""

HTML = """\
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Number audit</title>
<style>
body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.45}
table{border-collapse:collapse;font-size:.9rem;margin:.5rem 0 1rem}td,th{border:1px solid #ccc;padding:.25rem .5rem;
vertical-align:top;text-align:left}th{background:#f4f4f4}.finding{border-left:.35rem solid #999;padding:.4rem .8rem;
margin:.8rem 0;background:#fafafa}.error{border-color:#c0392b}.warning{border-color:#d68910}.info{border-color:#7f8c8d}
.tag{font-size:.75rem;padding:.05rem .4rem;border-radius:.3rem;background:#eee;margin-right:.3rem}
.error .sev{background:#c0392b;color:#fff}.warning .sev{background:#d68910;color:#fff}
.ev{font-family:ui-monospace,monospace;font-size:.88rem}.conv{background:#eef6fb;padding:.3rem .5rem}
.counts span{display:inline-block;margin-right:1rem;font-weight:600}
</style></head><body>
<h1>Number audit</h1>
<p>Every number the paper states (<code>data/reported.yaml</code>) checked against the values the build computes
from the data, plus the data's own arithmetic and, when rendered, the manuscript output.</p>
<table>{% for k, v in provenance %}<tr><th>{{ k }}</th><td>{{ v }}</td></tr>{% endfor %}</table>
<h2>Summary</h2>
<p class="counts">{% for k, v in counts.items() %}<span>{{ v }} {{ k }}</span>{% endfor %}</p>
<table><tr><th>rule family</th><th>checks</th><th>errors</th><th>warnings</th><th>reproduced</th></tr>
{% for fam, c in families %}<tr><td>{{ fam }}</td><td>{{ c.checks }}</td><td>{{ c.errors }}</td><td>{{ c.warnings }}</td>
<td>{{ c.reproduced }}</td></tr>{% endfor %}</table>
{% if convention_list %}<h2>Software conventions that explain mismatches</h2><ul>
{% for conv, fs in convention_list %}<li>{{ conv }} <em>Explains:</em> {% for f in fs %}{{ f.claim }}{{ "; " if not loop.last }}{% endfor %}.</li>{% endfor %}
</ul>{% endif %}
{% for s in sections %}{% if s.findings %}
<h2 id="{{ s.key }}">{{ s.title }} ({{ s.findings | length }})</h2><p>{{ s.intro }}</p>
{% if s.key == "reproduced" %}<details><summary>Show the {{ s.findings | length }} reproduced values</summary>
<table><tr><th>rule</th><th>location</th><th>statement</th><th>printed</th><th>computed</th></tr>
{% for f in s.findings %}<tr><td>{{ f.rule }}</td><td>{{ f.location }}</td><td>{{ f.claim }}</td>
<td class="ev">{{ f.evidence.reported or "" }}</td><td class="ev">{{ f.evidence.computed or "" }}</td></tr>{% endfor %}
</table></details>
{% else %}{% for f in s.findings %}
<div class="finding {{ f.severity }}"><strong>{{ f.claim }}</strong><br>
<span class="tag sev">{{ f.severity }}</span><span class="tag">{{ f.rule }}</span><span class="tag">{{ f.scope }}</span>
{{ f.location }}<br>
{% if f.evidence.reported is not none or f.evidence.computed is not none %}<span class="ev">printed {{ f.evidence.reported
 if f.evidence.reported is not none else "–" }} · computed {{ f.evidence.computed if f.evidence.computed is not none
 else "–" }}{% if f.evidence.difference %} · difference {{ f.evidence.difference }}{% endif %}</span><br>{% endif %}
{% if f.explanation %}{{ f.explanation }}{% endif %}
{% if f.convention %}<div class="conv"><strong>Convention:</strong> {{ f.convention }}</div>{% endif %}
</div>{% endfor %}{% endif %}
{% endif %}{% endfor %}
</body></html>
"""


def _context(findings: list[Finding], registry: dict[str, Any]) -> dict[str, Any]:
    meta = provenance_metadata(registry)
    return {"provenance": list(meta.items()), "counts": summary_counts(findings), "families": by_family(findings),
            "convention_list": conventions(findings), "sections": group(findings)}


def render_markdown(findings: list[Finding], registry: dict[str, Any]) -> str:
    return _ENV.from_string(MARKDOWN).render(**_context(findings, registry))


def render_html(findings: list[Finding], registry: dict[str, Any]) -> str:
    env = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    return env.from_string(HTML).render(**_context(findings, registry))


def terminal_summary(findings: list[Finding], report_path: str, limit: int = 15) -> str:
    """At most about 20 lines: the counts and the first problems, errors first."""
    counts = summary_counts(findings)
    lines = ["audit: " + ", ".join(f"{v} {k}" for k, v in counts.items())]
    problems = sorted((f for f in findings if f.outcome == MISMATCH),
                      key=lambda f: (f.severity != "error", f.rule))
    for f in problems[:limit]:
        ev = f.evidence
        detail = f"{ev.reported} vs {ev.computed}" if ev.reported or ev.computed else ""
        lines.append(f"  {f.severity:<7} {f.rule:<28} {_short(f.claim, 48):<48} {_short(detail, 60)}")
    if len(problems) > limit:
        lines.append(f"  … and {len(problems) - limit} more")
    lines.append(f"full report: {report_path}")
    return "\n".join(lines)


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
