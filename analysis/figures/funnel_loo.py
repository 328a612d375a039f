"""Figure 2: small-study effects and sensitivity.

(A, B) Funnel plots of ORR and CR: each study's transformed proportion ``yi``
against its standard error ``sqrt(vi)`` (y axis reversed), a line at the
pooled random-effects estimate and pseudo confidence limits
``estimate ± z·SE`` (Sterne & Egger 2001; metafor's ``funnel``), with Egger's
regression test P. (C, D) Leave-one-out: the pooled proportion and its CI with
each cohort omitted, against the all-studies estimate and CI (metafor's
``leave1out``). All numbers come from ``outcomes.<o>.overall`` of the registry.
A cohort label longer than ``MAX_LABEL_SHARE`` of a panel is wrapped (a word too
long is cut) and its row, and the panel, grow to hold it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator
from scipy import stats

from .. import formatting as fmt
from . import common
from .style import (
    DOUBLE_COLUMN_MM,
    GREY,
    MM,
    SMALL_SIZE,
    new_figure,
    panel_label,
    subgroup_style,
    text_width_mm,
    wrap_text,
)

OUTCOMES = ("orr", "cr")
TOP_MM = 5.0
FUNNEL_MM = 48.0
FUNNEL_XLABEL_MM = 13.0
LOO_MM = 46.0
LOO_XLABEL_MM = 9.0
LEGEND_MM = 10.0
PANEL_GAP_MM = 14.0
LEFT_MM = 13.0
RIGHT_MM = 2.0
#: The widest a leave-one-out label may be, as a share of its panel (axis labels included).
MAX_LABEL_SHARE = 0.45
#: A leave-one-out row: at least this high (mm), and a further line of a wrapped label, in rows.
LOO_ROW_MM = 3.6
EXTRA_LINE_ROWS = 0.75


@dataclass
class FunnelLoo:
    """Artists by panel, for inspection."""

    funnel_points: dict[str, list[Line2D]] = field(default_factory=dict)
    funnel_centre: dict[str, float] = field(default_factory=dict)
    egger_text: dict[str, str] = field(default_factory=dict)
    loo_rows: dict[str, list[str]] = field(default_factory=dict)
    loo_points: dict[str, list[Line2D]] = field(default_factory=dict)
    reference: dict[str, float] = field(default_factory=dict)
    axes: dict[str, Axes] = field(default_factory=dict)


def _axes_mm(fig: Figure, left: float, top: float, width: float, height: float) -> Axes:
    """Axes placed in mm from the figure's top-left corner."""
    w, h = (v / MM for v in fig.get_size_inches())
    return fig.add_axes((left / w, 1 - (top + height) / h, width / w, height / h))


def _percent_axis(ax: Axes) -> None:
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.percent(v, 0, sign=False)))


def _funnel(ax: Axes, registry: dict[str, Any], outcome_key: str, width_mm: float, out: FunnelLoo) -> None:
    overall = common.outcome(registry, outcome_key)["overall"]
    who = common.cohorts(registry)
    centre = overall["transformed"]["estimate"]
    z = float(stats.norm.ppf(1 - (1 - common.level(registry)) / 2))
    yi = np.array([s["yi"] for s in overall["studies"]])
    se = np.sqrt([s["vi"] for s in overall["studies"]])
    se_top = float(se.max()) * 1.12
    grid = np.linspace(0, se_top, 50)
    ax.fill_betweenx(grid, centre - z * grid, centre + z * grid, color="#F2F2F2", lw=0, zorder=0)
    ax.plot(centre - z * grid, grid, color=GREY, lw=0.7, ls=(0, (3, 2)), gid=f"funnel-limits:{outcome_key}")
    ax.plot(centre + z * grid, grid, color=GREY, lw=0.7, ls=(0, (3, 2)))
    ax.plot([centre, centre], [0, se_top], color="black", lw=0.8, gid=f"funnel-centre:{outcome_key}")
    points = []
    for s, y, e in zip(overall["studies"], yi, se):
        st = subgroup_style(who[s["study"]].subgroup)
        points += ax.plot([y], [e], ls="none", marker=st["marker"], ms=4.2, mfc=st["color"], mec="white",
                          mew=0.4, clip_on=False, zorder=3, gid=f"funnel:{outcome_key}:{s['study']}")
    ax.set_ylim(se_top, 0)
    half = max(z * se_top, float(np.abs(yi - centre).max()) * 1.05)
    ax.set_xlim(centre - half, centre + half)
    ax.xaxis.set_major_locator(MaxNLocator(6, steps=[1, 2, 5, 10]))
    ax.yaxis.set_major_locator(MaxNLocator(5, steps=[1, 2, 5, 10]))
    name = common.outcome_abbreviation(outcome_key)
    scale = fmt.transform_scale(registry["settings"]["transform"])
    ax.set_xlabel(wrap_text(f"{name}, {scale}", width_mm, SMALL_SIZE), fontsize=SMALL_SIZE)
    ax.set_ylabel("Standard error", fontsize=SMALL_SIZE)
    egger = overall.get("egger")
    text = f"Egger's test {fmt.p_value(egger['p'])}" if egger else "Egger's test not estimable"
    # Top left lies outside the pseudo-confidence triangle, so nothing is drawn there.
    ax.text(0.02, 0.98, text, transform=ax.transAxes, ha="left", va="top", fontsize=SMALL_SIZE,
            gid=f"egger:{outcome_key}")
    out.funnel_points[outcome_key] = points
    out.funnel_centre[outcome_key] = centre
    out.egger_text[outcome_key] = text


def loo_positions(labels: list[str]) -> list[float]:
    """y of each leave-one-out row (one-line rows 1 apart; a wrapped label takes more room)."""
    heights = [1.0 + label.count("\n") * EXTRA_LINE_ROWS for label in labels]
    positions, y = [], 0.0
    for i, h in enumerate(heights):
        y += (heights[i - 1] + h) / 2 if i else 0.0
        positions.append(y)
    return positions


def _loo_span(labels: list[str]) -> float:
    """Height of the rows in row units, from the top of the first to the bottom of the last."""
    if not labels:
        return 1.0
    positions = loo_positions(labels)
    first, last = (1.0 + labels[i].count("\n") * EXTRA_LINE_ROWS for i in (0, -1))
    return positions[-1] + (first + last) / 2


def _loo(ax: Axes, registry: dict[str, Any], outcome_key: str, names: dict[str, str], out: FunnelLoo) -> None:
    overall = common.outcome(registry, outcome_key)["overall"]
    who = common.cohorts(registry)
    rows = overall.get("leave_one_out") or []
    ax.axvspan(overall["ci_low"], overall["ci_high"], color="#E6E6E6", lw=0, zorder=0)
    ax.axvline(overall["estimate"], color="black", lw=0.8, zorder=1, gid=f"loo-reference:{outcome_key}")
    labels = [names[r["omitted"]] for r in rows]
    ys = loo_positions(labels)
    points = []
    for r, y in zip(rows, ys):
        st = subgroup_style(who[r["omitted"]].subgroup)
        ax.plot([r["ci_low"], r["ci_high"]], [y, y], color=st["color"], lw=0.9, solid_capstyle="butt", zorder=2)
        points += ax.plot([r["estimate"]], [y], ls="none", marker=st["marker"], ms=3.8, mfc=st["color"],
                          mec="white", mew=0.4, zorder=3, gid=f"loo:{outcome_key}:{r['omitted']}")
    ax.set_yticks(ys, labels)
    top = 0.5 * (1.0 + labels[0].count("\n") * EXTRA_LINE_ROWS) if labels else 0.5
    ax.set_ylim(_loo_span(labels) - top, -top)
    ax.tick_params(axis="y", length=0, pad=2)
    lows = [r["ci_low"] for r in rows] + [overall["ci_low"]]
    highs = [r["ci_high"] for r in rows] + [overall["ci_high"]]
    ax.set_xlim(np.floor(min(lows) * 20) / 20 - 0.01, np.ceil(max(highs) * 20) / 20 + 0.01)
    ax.xaxis.set_major_locator(MaxNLocator(5, steps=[1, 2, 5, 10]))
    _percent_axis(ax)
    ax.set_xlabel(f"{common.outcome_abbreviation(outcome_key)} with the cohort omitted, %", fontsize=SMALL_SIZE)
    out.loo_rows[outcome_key] = [" ".join(label.split()) for label in labels]
    out.loo_points[outcome_key] = points
    out.reference[outcome_key] = overall["estimate"]


def _legend(fig: Figure, registry: dict[str, Any]) -> None:
    level = fmt.level_label(common.level(registry))
    handles = [Line2D([], [], ls="none", marker=subgroup_style(k)["marker"], mfc=subgroup_style(k)["color"],
                      mec="white", mew=0.4, ms=4.2, label=label) for k, label in common.subgroups(registry)]
    handles += [Line2D([], [], color="black", lw=0.8, label="Pooled estimate, all cohorts"),
                Line2D([], [], color=GREY, lw=0.7, ls=(0, (3, 2)), label=f"Pseudo {level} confidence limits"),
                Patch(facecolor="#E6E6E6", edgecolor="none", label=f"{level} CI of the pooled estimate")]
    fig.legend(handles=handles, loc="lower center", ncol=3, frameon=False, fontsize=SMALL_SIZE,
               bbox_to_anchor=(0.5, 0.0), handlelength=1.8, columnspacing=1.5)


def loo_labels(registry: dict[str, Any], max_width_mm: float) -> dict[str, str]:
    """Each cohort's leave-one-out label, wrapped to ``max_width_mm`` where it is wider."""
    return {c.study_id: wrap_text(common.cohort_label(registry, c), max_width_mm, SMALL_SIZE, break_words=True)
            for c in common.cohorts(registry).values()}


def draw_funnel_loo(registry: dict[str, Any], width_mm: float = DOUBLE_COLUMN_MM) -> tuple[Figure, FunnelLoo]:
    """Draw Figure 2 (four panels) from the registry."""
    panel_w = (width_mm - LEFT_MM - RIGHT_MM - PANEL_GAP_MM) / 2
    names = loo_labels(registry, MAX_LABEL_SHARE * (panel_w + LEFT_MM - 1))
    label_w = max(text_width_mm(name, SMALL_SIZE) for name in names.values()) + 2.0
    spans = [_loo_span([names[r["omitted"]] for r in common.outcome(registry, o)["overall"].get("leave_one_out")
                        or []]) for o in OUTCOMES]
    loo_mm = max(LOO_MM, max(spans) * LOO_ROW_MM)
    height_mm = TOP_MM + FUNNEL_MM + FUNNEL_XLABEL_MM + TOP_MM + loo_mm + LOO_XLABEL_MM + LEGEND_MM
    fig = new_figure(width_mm, height_mm)
    out = FunnelLoo()
    letters = iter("ABCD")
    for i, o in enumerate(OUTCOMES):
        left = LEFT_MM + i * (panel_w + PANEL_GAP_MM)
        ax = _axes_mm(fig, left, TOP_MM, panel_w, FUNNEL_MM)
        _funnel(ax, registry, o, panel_w, out)
        panel_label(ax, next(letters), x_mm=-LEFT_MM + 1)
        out.axes[f"funnel:{o}"] = ax
    loo_top = TOP_MM + FUNNEL_MM + FUNNEL_XLABEL_MM + TOP_MM
    for i, o in enumerate(OUTCOMES):
        left = LEFT_MM + i * (panel_w + PANEL_GAP_MM)
        ax = _axes_mm(fig, left - LEFT_MM + 1 + label_w, loo_top, panel_w + LEFT_MM - 1 - label_w, loo_mm)
        _loo(ax, registry, o, names, out)
        panel_label(ax, next(letters), x_mm=-label_w)
        out.axes[f"loo:{o}"] = ax
    _legend(fig, registry)
    return fig, out
