"""Supplementary figure: the paper's Freeman–Tukey estimates beside the GLMM sensitivity estimates.

For ORR (A) and CR (B), each subgroup and overall: the random-effects estimate
on the transformed scale (as the paper pooled) and the random-intercept
logistic model (``outcomes.<o>.glmm``; Stijnen, Hamza & Ozdemir 2010), each
with its CI, as markers with whiskers and as text. The Freeman–Tukey
back-transformation can misbehave with small, extreme studies (Schwarzer et al.
2019, Res Synth Methods 10:476), so agreement between the two supports the
pooled values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .. import formatting as fmt
from . import common
from .style import (
    DOUBLE_COLUMN_MM,
    FONT_SIZE,
    GREY,
    MM,
    OKABE_ITO,
    SMALL_SIZE,
    mm_canvas,
    percent_axis,
    text_width_mm,
    wrap_text,
)

OUTCOMES = ("orr", "cr")
OVERALL = "overall"
ROW_MM = 5.0
OFFSET_MM = 0.9  # FT above, GLMM below the row centre
HEADER_MM = 5.5
AXIS_MM = 8.5
PANEL_GAP_MM = 2.0
GAP_MM = 3.0
MODELS = {
    "ft": {"color": OKABE_ITO["blue"], "marker": "s", "offset": -OFFSET_MM},
    "glmm": {"color": OKABE_ITO["orange"], "marker": "o", "offset": OFFSET_MM},
}


@dataclass
class Comparison:
    """Plotted estimates by (outcome, group, model) for inspection."""

    points: dict[tuple[str, str, str], Line2D] = field(default_factory=dict)
    texts: dict[tuple[str, str, str], str] = field(default_factory=dict)
    rows: dict[str, list[str]] = field(default_factory=dict)


def _estimates(result: dict[str, Any], group: str) -> dict[str, tuple[float, float, float] | None]:
    """(estimate, low, high) of each model for one group; None when not estimable."""
    ft = result["overall"] if group == OVERALL else result["subgroups"].get(group)
    glmm = result["glmm"].get(group) or {}
    return {
        "ft": (ft["estimate"], ft["ci_low"], ft["ci_high"]) if ft else None,
        "glmm": (glmm["proportion"], glmm["proportion_ci_low"], glmm["proportion_ci_high"])
        if "proportion" in glmm else None,
    }


def _groups(registry: dict[str, Any], outcome_key: str) -> list[tuple[str, str]]:
    result = common.outcome(registry, outcome_key)
    groups = [(k, label) for k, label in common.subgroups(registry) if k in result["subgroups"]]
    return groups + [(OVERALL, "Overall")]


def _k(result: dict[str, Any], group: str) -> int:
    return (result["overall"] if group == OVERALL else result["subgroups"][group])["k"]


def headers(registry: dict[str, Any]) -> dict[str, str]:
    s = registry["settings"]
    return {"ft": f"{fmt.method_name(s['transform']).split(' ')[0]}, % (95% CI)", "glmm": "GLMM, % (95% CI)"}


def footnote(registry: dict[str, Any]) -> str:
    s = registry["settings"]
    fits = [g for o in OUTCOMES for g in common.outcome(registry, o)["glmm"].values() if "quadrature_points" in g]
    points = fits[0]["quadrature_points"] if fits else "?"
    name = fmt.method_name(s["transform"])
    return (f"{name[0].upper()}{name[1:]}: random effects ({fmt.method_name(s['tau2_method'])} "
            f"\u03c4\u00b2) on the transformed scale, back-transformed, as in the paper. GLMM: random-intercept "
            f"logistic model, maximum likelihood with {points}-point adaptive Gauss\u2013Hermite "
            f"quadrature; Wald CI on the logit scale. k, number of cohorts.")


def _panel(fig: Figure, table: Axes, registry: dict[str, Any], outcome_key: str, top: float, x: dict[str, float],
           out: Comparison) -> float:
    """Draw one outcome's block starting at ``top`` (mm); return its bottom."""
    result = common.outcome(registry, outcome_key)
    groups = _groups(registry, outcome_key)
    heads = headers(registry)
    body_top = top + HEADER_MM
    body_bottom = body_top + ROW_MM * len(groups)
    w_mm, h_mm = (v / MM for v in fig.get_size_inches())
    ax = fig.add_axes((x["plot_left"] / w_mm, 1 - body_bottom / h_mm, (x["plot_right"] - x["plot_left"]) / w_mm,
                       (body_bottom - body_top) / h_mm))
    percent_axis(ax, common.outcome_name(registry, outcome_key))
    ax.set_ylim(body_bottom, body_top)
    for xv in (0.2, 0.4, 0.6, 0.8):
        ax.axvline(xv, color="#E6E6E6", lw=0.5, zorder=0)
    table.text(x["label"], top + HEADER_MM - 1.6, f"{common.outcome_abbreviation(outcome_key)}", fontweight="bold",
               ha="left", va="baseline", fontsize=FONT_SIZE)
    for model, st in MODELS.items():
        # Black text (orange text is too faint on white) keyed by the model's marker.
        table.text(x[model] + 2.2, top + HEADER_MM - 1.6, heads[model], ha="left", va="baseline", fontweight="bold",
                   fontsize=FONT_SIZE)
        table.plot([x[model] + 0.8], [top + HEADER_MM - 2.5], ls="none", marker=st["marker"], ms=3.6,
                   color=st["color"], mec="white", mew=0.4)
    table.plot([x["label"], x["right"]], [body_top - 0.4] * 2, color="black", lw=0.6)
    out.rows[outcome_key] = []
    for i, (group, label) in enumerate(groups):
        y = body_top + ROW_MM * (i + 0.5)
        bold = {"fontweight": "bold"} if group == OVERALL else {}
        table.text(x["label"], y, f"{label} (k = {_k(result, group)})", va="center", fontsize=FONT_SIZE, **bold)
        out.rows[outcome_key].append(group)
        for model, est in _estimates(result, group).items():
            st = MODELS[model]
            if est is None:
                text = "not estimable"
            else:
                p, lo, hi = est
                ax.plot([lo, hi], [y + st["offset"]] * 2, color=st["color"], lw=0.9, solid_capstyle="butt")
                out.points[(outcome_key, group, model)] = ax.plot(
                    [p], [y + st["offset"]], ls="none", marker=st["marker"], ms=3.6, color=st["color"],
                    mec="white", mew=0.4, clip_on=False, gid=f"{model}:{outcome_key}:{group}")[0]
                text = fmt.percent_ci(p, lo, hi)
            out.texts[(outcome_key, group, model)] = text
            table.text(x[model], y, text, va="center", fontsize=FONT_SIZE, color="black" if est else GREY, **bold)
    return body_bottom + AXIS_MM


def draw_glmm_comparison(registry: dict[str, Any], width_mm: float = DOUBLE_COLUMN_MM
                         ) -> tuple[Figure, Comparison]:
    """Draw the FT-versus-GLMM comparison (two blocks: ORR, CR) from the registry."""
    heads = headers(registry)
    labels = [f"{label} (k = {_k(common.outcome(registry, o), g)})"
              for o in OUTCOMES for g, label in _groups(registry, o)]
    texts = [fmt.percent_ci(*e) for o in OUTCOMES for g, _ in _groups(registry, o)
             for e in _estimates(common.outcome(registry, o), g).values() if e]
    text_w = max([text_width_mm(t, FONT_SIZE, "bold") for t in texts] + [text_width_mm(h, FONT_SIZE, "bold") + 2.2
                                                                          for h in heads.values()])
    x = {"label": 0.5, "right": width_mm - 0.5}
    x["glmm"] = x["right"] - text_w
    x["ft"] = x["glmm"] - GAP_MM - text_w
    x["plot_left"] = x["label"] + max(text_width_mm(t, FONT_SIZE, "bold") for t in labels) + GAP_MM
    x["plot_right"] = x["ft"] - GAP_MM - 1.0
    note = wrap_text(footnote(registry), width_mm - 1.0, SMALL_SIZE)
    blocks = [HEADER_MM + ROW_MM * len(_groups(registry, o)) + AXIS_MM for o in OUTCOMES]
    height_mm = 1.0 + sum(blocks) + PANEL_GAP_MM * (len(OUTCOMES) - 1) + 3.0 * (note.count("\n") + 1) + 1.0
    fig, table = mm_canvas(width_mm, height_mm)
    out = Comparison()
    top = 1.0
    for outcome_key in OUTCOMES:
        top = _panel(fig, table, registry, outcome_key, top, x, out) + PANEL_GAP_MM
    table.text(0.5, top - PANEL_GAP_MM + 0.5, note, ha="left", va="top", fontsize=SMALL_SIZE, color="#333333",
               linespacing=1.25)
    return fig, out
