"""Figure 1: PRISMA 2020 flow diagram (Page et al. 2021, BMJ 372:n71, template for new reviews).

Drawn from the counts as given in ``data/prisma.yaml``, read by the build from that
file alone (:func:`draw_prisma_from_file`): the diagram shows nothing else, so adding a
trial neither redraws it nor changes its files. The counts are drawn even where they
do not add up: the arithmetic is checked by ``analysis.results.prisma_checks``
and reported by the build (a warning, or an error with ``--strict``). Boxes the
template always has show "not reported" for a missing count; the optional
retrieval boxes appear only when the data give their counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from matplotlib.text import Text

from .. import formatting as fmt
from ..inputs.yaml_files import load_prisma
from .style import (
    OKABE_ITO,
    SINGLE_COLUMN_MM,
    SMALL_SIZE,
    mm_canvas,
    text_width_mm,
    wrap_text,
)

NBSP = "\u00a0"
BULLET = "\u2022\u00a0"
EN_SPACE, THIN_SPACE = "\u2002", "\u2009"
LINE_MM = SMALL_SIZE * 1.25 / 72 * 25.4  # one text line at 1.25 line spacing
PAD_MM = 1.4  # inside a box, each side
ROW_GAP_MM = 4.0
BAR_MM = 4.5  # phase bars at the left
COLUMN_GAP_MM = 4.0
HEADER_MM = 7.0
PHASE_FILL = "#D4EBF8"  # sky blue (Okabe–Ito) at ~25%
HEADER_FILL = "#FBE8BF"  # orange (Okabe–Ito) at ~25%


@dataclass(frozen=True)
class Box:
    key: str
    lines: list[str]
    align: str = "center"


@dataclass(frozen=True)
class FlowRow:
    phase: str
    main: Box
    side: Box | None = None


@dataclass
class PrismaLayout:
    """Boxes as drawn: key -> (patch, text), for inspection."""

    boxes: dict[str, tuple[FancyBboxPatch, Text]] = field(default_factory=dict)
    arrows: list[tuple[str, str]] = field(default_factory=list)
    phases: list[str] = field(default_factory=list)

    def text(self, key: str) -> str:
        text = self.boxes[key][1].get_text()
        for char in (BULLET, EN_SPACE, THIN_SPACE):
            text = text.replace(char, "")
        return " ".join(text.replace(NBSP, " ").split())


def _n(label: str, n: int | None) -> str:
    """'Records screened (n = 384)', kept on one line where it fits."""
    return f"{label} {fmt.n_equals(n).replace(' ', NBSP)}"


def flow_rows(counts: dict[str, Any]) -> list[FlowRow]:
    """The PRISMA 2020 boxes, from the counts as given."""
    ident, screen = counts.get("identification", {}), counts.get("screening", {})
    elig, incl = counts.get("eligibility", {}), counts.get("included", {})
    rows = [FlowRow("Identification",
                    Box("identified", ["Records identified from:", _n("Databases", ident.get("databases")),
                                       _n("Other sources", ident.get("other_sources"))]),
                    Box("removed", ["Records removed before screening:",
                                    _n("Duplicate records", ident.get("duplicates_removed"))], "left")),
            FlowRow("Screening", Box("screened", [_n("Records screened", screen.get("records_screened"))]),
                    Box("excluded", [_n("Records excluded", screen.get("records_excluded"))], "left"))]
    if screen.get("reports_sought") is not None or screen.get("reports_not_retrieved") is not None:
        rows.append(FlowRow("Screening",
                            Box("sought", [_n("Reports sought for retrieval", screen.get("reports_sought"))]),
                            Box("not_retrieved", [_n("Reports not retrieved", screen.get("reports_not_retrieved"))],
                                "left")))
    reasons = [BULLET + _n(r["reason"], r["n"]) for r in elig.get("exclusion_reasons") or []]
    rows.append(FlowRow("Screening",
                        Box("assessed", [_n("Reports assessed for eligibility", elig.get("reports_assessed"))]),
                        Box("reports_excluded", [_n("Reports excluded", elig.get("reports_excluded"))
                                                 + (":" if reasons else "")] + reasons, "left")))
    included = [_n("Studies included in review", incl.get("studies"))]
    if incl.get("reports") is not None:
        included.append(_n("Reports of included studies", incl.get("reports")))
    for key, label in (("cohorts", "Cohorts"), ("participants", "Participants")):
        if incl.get(key) is not None:
            included.append(_n(label, incl.get(key)))
    rows.append(FlowRow("Included", Box("included", included)))
    return rows


def _advance(text: str) -> float:
    """Advance width of a text in mm, spaces included."""
    return text_width_mm(text, SMALL_SIZE)


def _hanging_indent(prefix: str) -> str:
    """En and thin spaces about as wide as ``prefix``, to align wrapped lines after a bullet."""
    target, en, thin = _advance(prefix), _advance(EN_SPACE), _advance(THIN_SPACE)
    n_en = int(target // en)
    return EN_SPACE * n_en + THIN_SPACE * round((target - n_en * en) / thin)


def _wrap_line(line: str, width_mm: float) -> str:
    if not line.startswith(BULLET):
        return wrap_text(line, width_mm, SMALL_SIZE)
    body = wrap_text(line[len(BULLET):], width_mm - _advance(BULLET), SMALL_SIZE)
    return BULLET + body.replace("\n", "\n" + _hanging_indent(BULLET))


def _wrapped(box: Box, width_mm: float) -> str:
    return "\n".join(_wrap_line(line, width_mm - 2 * PAD_MM) for line in box.lines)


def _box_height(text: str) -> float:
    return (text.count("\n") + 1) * LINE_MM + 2 * PAD_MM


def _fit_phase_labels(rows: list[FlowRow], heights: list[float]) -> list[float]:
    """Grow the last row of a phase until the phase bar is tall enough for its (rotated) name."""
    heights = list(heights)
    for phase in dict.fromkeys(r.phase for r in rows):
        members = [i for i, r in enumerate(rows) if r.phase == phase]
        span = sum(heights[i] for i in members) + ROW_GAP_MM * (len(members) - 1)
        needed = text_width_mm(phase, SMALL_SIZE, "bold") + 2 * PAD_MM
        if span < needed:
            heights[members[-1]] += needed - span
    return heights


def _draw_box(ax: Axes, key: str, text: str, x: float, y_top: float, w: float, h: float, align: str,
              fill: str = "white", weight: str = "normal") -> tuple[FancyBboxPatch, Text]:
    patch = FancyBboxPatch((x, y_top), w, h, boxstyle="square,pad=0", facecolor=fill, edgecolor="black", lw=0.6,
                           gid=f"box:{key}")
    ax.add_patch(patch)
    tx = x + w / 2 if align == "center" else x + PAD_MM
    label = ax.text(tx, y_top + h / 2, text, ha=align, va="center", fontsize=SMALL_SIZE, fontweight=weight,
                    linespacing=1.25, multialignment=align, gid=f"text:{key}")
    return patch, label


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float]) -> None:
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=6, lw=0.6, color="black",
                                 shrinkA=0, shrinkB=0))


def draw_prisma_from_file(prisma_yaml: Path, width_mm: float = SINGLE_COLUMN_MM) -> tuple[Figure, PrismaLayout]:
    """Draw Figure 1 from ``data/prisma.yaml`` (validated as the registry reads it)."""
    return draw_prisma(load_prisma(prisma_yaml), width_mm)


def draw_prisma(counts: dict[str, Any], width_mm: float = SINGLE_COLUMN_MM) -> tuple[Figure, PrismaLayout]:
    """Draw Figure 1 from the PRISMA counts (``prisma.yaml`` as loaded, or the registry's ``prisma.counts``)."""
    rows = flow_rows(counts)
    main_x = 0.5 + BAR_MM + 1.5
    usable = width_mm - main_x - 0.5 - COLUMN_GAP_MM
    main_w = side_w = usable / 2
    side_x = main_x + main_w + COLUMN_GAP_MM
    texts = [(_wrapped(r.main, main_w), _wrapped(r.side, side_w) if r.side else None) for r in rows]
    heights = _fit_phase_labels(rows, [max(_box_height(m), _box_height(s) if s else 0) for m, s in texts])
    height_mm = 0.5 + HEADER_MM + ROW_GAP_MM + sum(heights) + ROW_GAP_MM * (len(rows) - 1) + 0.5

    fig, ax = mm_canvas(width_mm, height_mm)
    layout = PrismaLayout()
    layout.boxes["header"] = _draw_box(ax, "header", wrap_text(
        "Identification of studies via databases and other sources", main_w + COLUMN_GAP_MM + side_w - 2 * PAD_MM,
        SMALL_SIZE), main_x, 0.5, main_w + COLUMN_GAP_MM + side_w, HEADER_MM, "center", HEADER_FILL, "bold")

    y = 0.5 + HEADER_MM + ROW_GAP_MM
    spans: dict[str, list[float]] = {}
    previous_bottom: tuple[str, float] | None = None
    for row, (main_text, side_text), h in zip(rows, texts, heights):
        mh = _box_height(main_text)
        main_top = y + (h - mh) / 2
        layout.boxes[row.main.key] = _draw_box(ax, row.main.key, main_text, main_x, main_top, main_w, mh,
                                               row.main.align)
        if previous_bottom is not None:
            _arrow(ax, (main_x + main_w / 2, previous_bottom[1]), (main_x + main_w / 2, main_top))
            layout.arrows.append((previous_bottom[0], row.main.key))
        if row.side and side_text:
            sh = _box_height(side_text)
            layout.boxes[row.side.key] = _draw_box(ax, row.side.key, side_text, side_x, y + (h - sh) / 2, side_w,
                                                   sh, row.side.align)
            _arrow(ax, (main_x + main_w, y + h / 2), (side_x, y + h / 2))
            layout.arrows.append((row.main.key, row.side.key))
        spans.setdefault(row.phase, [y, y + h])[1] = y + h
        previous_bottom = (row.main.key, main_top + mh)
        y += h + ROW_GAP_MM

    for phase, (top, bottom) in spans.items():
        ax.add_patch(FancyBboxPatch((0.5, top), BAR_MM, bottom - top, boxstyle="round,pad=0,rounding_size=1.2",
                                    facecolor=PHASE_FILL, edgecolor="none", gid=f"phase:{phase}"))
        ax.text(0.5 + BAR_MM / 2, (top + bottom) / 2, phase, rotation=90, ha="center", va="center",
                fontsize=SMALL_SIZE, fontweight="bold", color=OKABE_ITO["black"])
        layout.phases.append(phase)
    return fig, layout
