"""Figures 3 and 4: forest plots of ORR and CR by subgroup.

Each study row: label, treatment, events/N, the proportion with its exact CI
(as text and as a square sized by its random-effects weight, with whiskers)
and the weight within its subgroup. Each subgroup: a pooled diamond, a line
with I², τ² and the heterogeneity P, and the prediction interval when k ≥ 3.
Then the overall diamond, its heterogeneity, prediction interval and the test
for subgroup differences. Cohorts without the outcome are listed as not
reported. Layout follows metafor's ``forest`` / Stata's ``metan`` (columns of
text either side of the plot); column widths are measured from the text. A study
label or treatment too long for the 180-mm figure is wrapped (a word too long for
its column is cut) and its row grows, so that the plot keeps at least
``MIN_PLOT_MM``; the labels are drawn as written (no mathtext).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon

from .. import formatting as fmt
from . import common
from .style import (
    DOUBLE_COLUMN_MM,
    FONT_SIZE,
    GREY,
    SMALL_SIZE,
    mm_canvas,
    percent_axis,
    subgroup_style,
    text_width_mm,
    wrap_text,
)

ROW_MM = 3.5  # height of one row
GAP_MM = 2.5  # between text columns
HEADER_MM = 7.0  # two-line column headers
AXIS_MM = 9.0  # ticks, tick labels and axis label under the plot
FOOTNOTE_LINE_MM = 3.0
SQUARE_MAX_PT = 12.0  # side of the square of a study with 100% weight; area is proportional to weight
SQUARE_MIN_PT = 2.5
DIAMOND_HALF_HEIGHT = 0.36  # in rows
MIN_PLOT_MM = 40.0
#: The narrowest a wrapped column of data text may get (study label, treatment), mm.
MIN_WRAPPED_MM = {"label": 22.0, "treatment": 18.0}
#: A further line of wrapped text, in rows (7-pt text at matplotlib's 1.2 line spacing, over ROW_MM).
EXTRA_LINE_ROWS = FONT_SIZE * 1.2 / 72 * 25.4 / ROW_MM
OVERALL = "overall"


@dataclass(frozen=True)
class Row:
    """One line of the forest plot; the drawing reads nothing but these."""

    kind: str  # heading | study | not_reported | pooled | overall | heterogeneity | prediction | difference | gap
    subgroup: str | None = None
    study: str | None = None
    label: str = ""
    treatment: str = ""
    counts: str = ""
    estimate_text: str = ""
    weight_text: str = ""
    point: float | None = None
    low: float | None = None
    high: float | None = None
    weight: float | None = None
    height: float = 1.0  # in rows


@dataclass
class ForestLayout:
    """Rows as drawn (with their centre in mm from the top) and the artists tests can inspect."""

    outcome: str
    rows: list[tuple[Row, float]] = field(default_factory=list)
    squares: dict[str, Line2D] = field(default_factory=dict)
    whiskers: dict[str, Line2D] = field(default_factory=dict)
    diamonds: dict[str, Polygon] = field(default_factory=dict)
    prediction_intervals: dict[str, Line2D] = field(default_factory=dict)
    width_mm: float = DOUBLE_COLUMN_MM
    height_mm: float = 0.0

    def study_rows(self, subgroup: str) -> list[Row]:
        return [r for r, _ in self.rows if r.subgroup == subgroup and r.kind in ("study", "not_reported")]


# ----------------------------------------------------------------------------- rows from the registry

def _pooled_row(kind: str, key: str, label: str, m: dict[str, Any]) -> Row:
    return Row(kind, key if kind == "pooled" else OVERALL, label=f"{label} (k = {m['k']})",
               counts=fmt.fraction(m["events"], m["patients"]),
               estimate_text=fmt.percent_ci(m["estimate"], m["ci_low"], m["ci_high"]),
               point=m["estimate"], low=m["ci_low"], high=m["ci_high"])


def _summary_rows(kind: str, key: str, label: str, m: dict[str, Any], level: float) -> list[Row]:
    rows = [_pooled_row(kind, key, label, m)]
    if m["k"] >= 2:
        line = fmt.heterogeneity_line(m["i2"], m["tau2"], m["q_p"])
        rows.append(Row("heterogeneity", key, label=f"Heterogeneity: {line}"))
    if m["k"] >= 3 and m.get("pi_low") is not None and m.get("pi_high") is not None:
        rows.append(Row("prediction", key, label=f"{fmt.level_label(level)} prediction interval",
                        estimate_text=fmt.interval(m["pi_low"], m["pi_high"], sign=False),
                        low=m["pi_low"], high=m["pi_high"]))
    return rows


def forest_rows(registry: dict[str, Any], outcome_key: str) -> list[Row]:
    """The rows of the forest plot for one outcome, in display order."""
    result = common.outcome(registry, outcome_key)
    level = common.level(registry)
    everyone = common.cohorts(registry)
    not_reported = set(result.get("not_reported") or [])
    rows: list[Row] = []
    for key, label in common.subgroups(registry):
        analysis = result["subgroups"].get(key)
        studies = {s["study"]: s for s in (analysis or {}).get("studies", [])}
        members = [c for c in everyone.values() if c.subgroup == key and (c.study_id in studies
                                                                         or c.study_id in not_reported)]
        if not members:
            continue
        rows.append(Row("heading", key, label=label))
        for c in members:
            s = studies.get(c.study_id)
            if s is None:
                rows.append(Row("not_reported", key, c.study_id, c.label, c.treatment,
                                fmt.fraction(None, c.n_patients), fmt.NOT_REPORTED))
                continue
            rows.append(Row("study", key, c.study_id, c.label, c.treatment, fmt.fraction(s["events"], s["total"]),
                            fmt.percent_ci(s["proportion"], s["ci_low"], s["ci_high"]), fmt.number(s["weight"]),
                            s["proportion"], s["ci_low"], s["ci_high"], s["weight"]))
        if analysis:
            rows += _summary_rows("pooled", key, "Subgroup estimate", analysis, level)
        rows.append(Row("gap", key, height=0.6))
    rows += _summary_rows("overall", OVERALL, "Overall estimate", result["overall"], level)
    diff = result.get("subgroup_difference")
    if diff:
        rows.append(Row("difference", OVERALL,
                        label=f"Test for subgroup differences: {fmt.q_test(diff['q'], diff['df'], diff['p'])}"))
    return rows


def footnote(registry: dict[str, Any], rows: list[Row]) -> str:
    s = registry["settings"]
    text = (f"Study CIs: {fmt.method_name(s['study_ci'])}. Pooling: random effects "
            f"({fmt.method_name(s['tau2_method'])} \u03c4\u00b2) on the {fmt.method_name(s['transform'])} scale, "
            f"back-transformed; \u03c4\u00b2 is on that scale. Weights are within each subgroup.")
    if any(r.kind == "not_reported" for r in rows):
        text += f" {fmt.NOT_REPORTED_CELL}, {fmt.NOT_REPORTED}."
    return text


# ----------------------------------------------------------------------------- layout and drawing

HEADERS = {"label": "Study", "treatment": "Treatment", "counts": "Events/N",
           "estimate": "Proportion\n% (95% CI)", "weight": "Weight\n%"}


def _column_widths(rows: list[Row]) -> dict[str, float]:
    def widest(values: list[str], header: str) -> float:
        return max([text_width_mm(v) for v in values] + [text_width_mm(header, weight="bold")])

    table = [r for r in rows if r.kind in ("study", "not_reported", "pooled", "overall", "prediction")]
    return {
        "label": widest([r.label for r in table if r.kind in ("study", "not_reported")], HEADERS["label"]) + 1.5,
        "treatment": widest([r.treatment for r in table], HEADERS["treatment"]),
        "counts": widest([r.counts for r in table], HEADERS["counts"]),
        "estimate": widest([r.estimate_text for r in table], HEADERS["estimate"]),
        "weight": widest([r.weight_text for r in table], HEADERS["weight"]),
    }


def _spanning_width(rows: list[Row]) -> float:
    """Width of the texts that span the left columns (headings, pooled labels, heterogeneity lines)."""
    widths = [text_width_mm(r.label, FONT_SIZE, "bold") for r in rows if r.kind in ("heading", "overall")]
    widths += [text_width_mm(r.label, FONT_SIZE) + 1.5 + GAP_MM for r in rows if r.kind in ("pooled", "prediction")]
    widths += [text_width_mm(r.label, SMALL_SIZE, style="italic") + 1.5 for r in rows
               if r.kind in ("heterogeneity", "difference")]
    return max(widths)


def _positions(rows: list[Row], width_mm: float) -> dict[str, float]:
    """x positions (mm): left edges of left-aligned columns, right edges of right-aligned ones."""
    w = _column_widths(rows)
    x = {"label": 0.5}
    x["treatment"] = x["label"] + w["label"] + GAP_MM
    x["counts"] = x["treatment"] + w["treatment"] + GAP_MM + w["counts"]  # right-aligned
    # Pooled rows carry their events/N in the counts column, so spanning labels stop at the counts column.
    left_block = max(x["counts"], x["treatment"] + w["treatment"], _spanning_width(rows)) + GAP_MM + 1.0
    x["weight"] = width_mm - 0.5  # right-aligned
    x["estimate"] = x["weight"] - w["weight"] - GAP_MM - w["estimate"]
    x["plot_left"] = left_block
    x["plot_right"] = x["estimate"] - GAP_MM - 1.0
    return x


def _plot_width(x: dict[str, float]) -> float:
    return x["plot_right"] - x["plot_left"]


def _wrap_column(rows: list[Row], column: str, width_mm: float) -> list[Row]:
    """Study rows with the text of ``column`` wrapped to ``width_mm``; a row grows by the lines it gains."""
    out = []
    for row in rows:
        if row.kind not in ("study", "not_reported"):
            out.append(row)
            continue
        indent = 1.5 if column == "label" else 0.0  # study labels are indented under their subgroup
        text = wrap_text(" ".join(getattr(row, column).split()), width_mm - indent, break_words=True)
        wrapped = replace(row, **{column: text})
        lines = max(wrapped.label.count("\n"), wrapped.treatment.count("\n"))
        out.append(replace(wrapped, height=1.0 + lines * EXTRA_LINE_ROWS))
    return out


def fit_columns(rows: list[Row], width_mm: float) -> tuple[list[Row], dict[str, float]]:
    """Rows and column positions that leave the plot at least ``MIN_PLOT_MM``: the study labels, then the
    treatments, are wrapped as far as needed (never narrower than ``MIN_WRAPPED_MM``)."""
    x = _positions(rows, width_mm)
    for column in ("label", "treatment"):
        short = MIN_PLOT_MM - _plot_width(x)
        if short <= 0:
            break
        current = _column_widths(rows)[column]
        target = max(current - short, MIN_WRAPPED_MM[column])
        if target < current:
            rows = _wrap_column(rows, column, target)
            x = _positions(rows, width_mm)
    if _plot_width(x) < MIN_PLOT_MM:
        raise ValueError(f"forest plot: only {_plot_width(x):.0f} mm left for the plot of a {width_mm:.0f}-mm "
                         "figure after wrapping the study labels and treatments; the subgroup, pooled and "
                         "heterogeneity lines are too long")
    return rows, x


def _text(ax: Axes, x: float, y: float, text: str, **kw: Any) -> None:
    if text:
        ax.text(x, y, text, va="center", fontsize=kw.pop("fontsize", FONT_SIZE), **kw)


def _draw_row_text(ax: Axes, row: Row, y: float, x: dict[str, float]) -> None:
    if row.kind == "heading":
        _text(ax, x["label"], y, row.label, fontweight="bold")
        return
    if row.kind in ("heterogeneity", "difference"):
        _text(ax, x["label"] + 1.5, y, row.label, fontsize=SMALL_SIZE, fontstyle="italic", color="#333333")
        return
    bold = {"fontweight": "bold"} if row.kind == "overall" else {}
    indent = 0.0 if row.kind == "overall" else 1.5
    _text(ax, x["label"] + indent, y, row.label, **bold)
    _text(ax, x["treatment"], y, row.treatment)
    _text(ax, x["counts"], y, row.counts, ha="right", **bold)
    color = GREY if row.kind == "not_reported" else "black"
    style = "italic" if row.kind == "not_reported" else "normal"
    _text(ax, x["estimate"], y, row.estimate_text, color=color, fontstyle=style, **bold)
    _text(ax, x["weight"], y, row.weight_text, ha="right")


def _draw_row_graphic(ax: Axes, row: Row, y: float, layout: ForestLayout) -> None:
    key = row.subgroup or OVERALL
    colour = "black" if key == OVERALL else subgroup_style(key)["color"]
    if row.kind == "study":
        layout.whiskers[row.study] = ax.plot([row.low, row.high], [y, y], color="black", lw=0.7,
                                             solid_capstyle="butt", gid=f"ci:{row.study}")[0]
        side = max(SQUARE_MIN_PT, SQUARE_MAX_PT * (row.weight / 100) ** 0.5)
        layout.squares[row.study] = ax.plot([row.point], [y], marker="s", ms=side, color=colour, mec="none",
                                            ls="none", clip_on=False, gid=f"square:{row.study}")[0]
    elif row.kind in ("pooled", "overall"):
        h = DIAMOND_HALF_HEIGHT * ROW_MM * row.height
        diamond = Polygon([(row.low, y), (row.point, y - h), (row.high, y), (row.point, y + h)], closed=True,
                          facecolor=colour, edgecolor=colour, lw=0.5, gid=f"diamond:{key}")
        ax.add_patch(diamond)
        layout.diamonds[key] = diamond
    elif row.kind == "prediction":
        cap = 0.22 * ROW_MM
        line = ax.plot([row.low, row.low, row.low, row.high, row.high, row.high],
                       [y - cap, y + cap, y, y, y - cap, y + cap], color=colour, lw=0.8, clip_on=False,
                       gid=f"pi:{key}")[0]
        layout.prediction_intervals[key] = line


def draw_forest(registry: dict[str, Any], outcome_key: str, width_mm: float = DOUBLE_COLUMN_MM
                ) -> tuple[Figure, ForestLayout]:
    """Draw the forest plot of one outcome ('orr' or 'cr'); return the figure and its layout."""
    rows, x = fit_columns(forest_rows(registry, outcome_key), width_mm)
    note = wrap_text(footnote(registry, rows), width_mm - 1.0, SMALL_SIZE)
    body_mm = sum(r.height for r in rows) * ROW_MM
    height_mm = 1.0 + HEADER_MM + body_mm + AXIS_MM + FOOTNOTE_LINE_MM * (note.count("\n") + 1) + 1.0
    # One axes over the whole figure in mm (y down) for the text; one for the plot, sharing the y scale.
    fig, table = mm_canvas(width_mm, height_mm)
    layout = ForestLayout(outcome_key, width_mm=width_mm, height_mm=height_mm)
    top, bottom = 1.0 + HEADER_MM, 1.0 + HEADER_MM + body_mm
    plot = fig.add_axes((x["plot_left"] / width_mm, 1 - bottom / height_mm,
                         (x["plot_right"] - x["plot_left"]) / width_mm, body_mm / height_mm))
    percent_axis(plot, common.outcome_name(registry, outcome_key))
    plot.set_ylim(bottom, top)

    for col, align in (("label", "left"), ("treatment", "left"), ("counts", "right"), ("estimate", "left"),
                       ("weight", "right")):
        table.text(x[col], top - 1.6, HEADERS[col], ha=align, va="baseline", fontweight="bold", fontsize=FONT_SIZE,
                   linespacing=1.1)
    table.plot([0.5, width_mm - 0.5], [top - 0.4, top - 0.4], color="black", lw=0.6)

    y = top
    for row in rows:
        centre = y + row.height * ROW_MM / 2
        layout.rows.append((row, centre))
        _draw_row_text(table, row, centre, x)
        _draw_row_graphic(plot, row, centre, layout)
        y += row.height * ROW_MM

    overall = layout.diamonds.get(OVERALL)
    if overall is not None:
        estimate = common.outcome(registry, outcome_key)["overall"]["estimate"]
        plot.axvline(estimate, ymin=0, ymax=1, color=GREY, lw=0.6, ls=(0, (3, 2)), zorder=0, gid="reference:overall")
    table.text(0.5, bottom + AXIS_MM, note, ha="left", va="top", fontsize=SMALL_SIZE, color="#333333",
               linespacing=1.25)
    return fig, layout
