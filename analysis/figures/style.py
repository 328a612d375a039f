"""The look of every figure and the one function that saves them.

Palette: Okabe & Ito (2008), "Color Universal Design", safe for the common
colour-vision deficiencies. Font: DejaVu Sans, shipped with matplotlib, so the
output does not depend on the fonts of the machine; embedded as TrueType
(``pdf.fonttype`` 42) in PDF and as outlines in SVG. Widths: 85 mm single
column and 180 mm double column (Frontiers and most journals).

``save_figure`` writes PDF, SVG, PNG (300 dpi) and TIFF (300 dpi, LZW) with
fixed metadata (no dates, fixed SVG id salt, no software stamp in the raster
files), so the same inputs give the same bytes, and records where the figure
came from in each file's metadata and in a JSON sidecar. The sidecar also
describes what the figure shows, apart from any metadata: a hash of the PNG's
pixels and every string drawn, so that a resubmission diff can tell a redrawn
figure from a changed one (:mod:`analysis.resubmission.changes`).

Text is always literal (``text.parse_math`` off): a study label such as
"O'Brien $5_b" is drawn as written, never as mathtext.
"""

from __future__ import annotations

import hashlib
import io
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

import matplotlib as mpl
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import FixedLocator, FuncFormatter
from PIL import Image

from .. import formatting as fmt
from ..io import atomic_path, sha256_pixels, write_json
from .outputs import FORMATS, SIDECAR, output_paths

MM = 1 / 25.4  # inches per millimetre
SINGLE_COLUMN_MM = 85.0
DOUBLE_COLUMN_MM = 180.0
DPI = 300

FONT = "DejaVu Sans"
FONT_SIZE = 7.0  # body text, pt
SMALL_SIZE = 6.5  # secondary text (heterogeneity lines, footnotes), pt
PANEL_LABEL_SIZE = 9.0  # bold A, B, C, D

#: Okabe–Ito colours.
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "reddish_purple": "#CC79A7",
}
GREY = "#6E6E6E"

#: One colour and marker per analysis subgroup (markers keep them apart in greyscale too).
SUBGROUP_STYLE: dict[str, dict[str, str]] = {
    "prior_cart_monotherapy": {"color": OKABE_ITO["blue"], "marker": "o"},
    "prior_cart_combination": {"color": OKABE_ITO["vermillion"], "marker": "^"},
    "cart_naive": {"color": OKABE_ITO["bluish_green"], "marker": "s"},
}
FALLBACK_STYLE = {"color": OKABE_ITO["reddish_purple"], "marker": "D"}

RC: dict[str, Any] = {
    "font.family": "sans-serif",
    "font.sans-serif": [FONT],
    "font.size": FONT_SIZE,
    "axes.titlesize": FONT_SIZE,
    "axes.labelsize": FONT_SIZE,
    "xtick.labelsize": SMALL_SIZE,
    "ytick.labelsize": SMALL_SIZE,
    "legend.fontsize": SMALL_SIZE,
    "axes.linewidth": 0.6,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "xtick.major.size": 2.5,
    "ytick.major.size": 2.5,
    "lines.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "black",
    "text.color": "black",
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "svg.fonttype": "path",
    "svg.hashsalt": "analysis-figures",
    "svg.id": None,
    "path.simplify": False,
    "text.parse_math": False,  # labels come from data: '$' and '_' are characters, not mathtext
    "text.usetex": False,
}


def subgroup_style(key: str) -> dict[str, str]:
    return SUBGROUP_STYLE.get(key, FALLBACK_STYLE)


@contextmanager
def figure_style() -> Iterator[None]:
    """matplotlib's built-in defaults plus ``RC``, ignoring any matplotlibrc of the machine."""
    with mpl.rc_context():
        mpl.rcdefaults()
        mpl.rcParams.update(RC)
        yield


def new_figure(width_mm: float, height_mm: float) -> Figure:
    """A figure of exactly this size (no tight bounding box: the width is the journal's column)."""
    return Figure(figsize=(width_mm * MM, height_mm * MM), dpi=100)


def mm_canvas(width_mm: float, height_mm: float) -> tuple[Figure, Any]:
    """A new figure plus an invisible axes over all of it in millimetres (x right, y down), for text and boxes."""
    fig = new_figure(width_mm, height_mm)
    canvas = fig.add_axes((0, 0, 1, 1))
    canvas.set_xlim(0, width_mm)
    canvas.set_ylim(height_mm, 0)
    canvas.set_axis_off()
    return fig, canvas


def percent_axis(ax: Any, label: str) -> None:
    """A bare 0-100% x axis below a forest-style plot: no y axis, ticks every 20%."""
    ax.set_xlim(0, 1)
    ax.patch.set_visible(False)
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="y", left=False, labelleft=False)
    ax.xaxis.set_major_locator(FixedLocator([0, 0.2, 0.4, 0.6, 0.8, 1.0]))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.percent(v, 0, sign=False)))
    ax.set_xlabel(f"{label}, %", labelpad=2)


_MEASURE_DPI = 720  # high, so that hinting does not round the advance widths


@lru_cache(maxsize=1)
def _measuring_renderer() -> RendererAgg:
    return RendererAgg(10, 10, _MEASURE_DPI)


@lru_cache(maxsize=4096)
def text_width_mm(text: str, size: float = FONT_SIZE, weight: str = "normal", style: str = "normal") -> float:
    """Width of a (possibly multi-line) text in mm, as matplotlib's Agg renderer lays it out."""
    prop = FontProperties(family=FONT, size=size, weight=weight, style=style)
    renderer = _measuring_renderer()
    widths = [renderer.get_text_width_height_descent(line, prop, ismath=False)[0] if line else 0.0
              for line in text.split("\n")]
    return max(widths) / _MEASURE_DPI * 25.4


def _break_word(word: str, width_mm: float, size: float, weight: str) -> list[str]:
    """A word wider than ``width_mm`` cut into pieces that fit (at least one character each)."""
    pieces, current = [], ""
    for ch in word:
        if current and text_width_mm(current + ch, size, weight) > width_mm:
            pieces.append(current)
            current = ch
        else:
            current += ch
    return pieces + [current]


def wrap_text(text: str, width_mm: float, size: float = FONT_SIZE, weight: str = "normal",
              break_words: bool = False) -> str:
    """Greedy word wrap to a width in mm, by measured glyph widths; with ``break_words``, a word wider than the
    width is cut between characters (a label from the data may be one long word)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        words = paragraph.split(" ")
        if break_words:
            words = [piece for word in words for piece in (
                _break_word(word, width_mm, size, weight) if text_width_mm(word, size, weight) > width_mm else [word])]
        for word in words:
            candidate = f"{current} {word}" if current else word
            if current and text_width_mm(candidate, size, weight) > width_mm:
                lines.append(current)
                current = word
            else:
                current = candidate
        lines.append(current)
    return "\n".join(lines)


def panel_label(ax: Any, letter: str, x_mm: float = -1.0, y_mm: float = 1.0) -> None:
    """Bold panel letter at the top-left corner of the axes' figure area (offsets in mm)."""
    fig = ax.figure
    bbox = ax.get_position()
    w_mm, h_mm = fig.get_size_inches() / MM
    fig.text(bbox.x0 + x_mm / w_mm, bbox.y1 + y_mm / h_mm, letter, fontsize=PANEL_LABEL_SIZE,
             fontweight="bold", ha="left", va="bottom", gid=f"panel:{letter}")


# ----------------------------------------------------------------------------- provenance and saving

@dataclass(frozen=True)
class FigureRecord:
    """What is written into the files' metadata and the sidecar."""

    name: str
    title: str
    #: Input files (relative names) and their SHA-256.
    inputs: dict[str, str]
    #: The registry's ``provenance`` block (data hashes, code version).
    provenance: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        """One line for the Subject/Description fields: code version and data hashes."""
        p = self.provenance
        git = p.get("git") or {}
        commit = git.get("commit")
        parts = [f"analysis {p.get('analysis_version', 'unknown')}",
                 f"code sha256 {p.get('code_sha256', 'unknown')}",
                 f"git {commit or 'unknown'}{' (modified)' if git.get('dirty') else ''}"]
        parts += [f"{name} sha256 {digest}" for name, digest in sorted((p.get("data_sha256") or {}).items())]
        return "; ".join(parts)

    def keywords(self) -> str:
        """Input files with their hashes."""
        return "; ".join(f"{name} sha256 {digest}" for name, digest in sorted(self.inputs.items()))


def _pdf_metadata(record: FigureRecord) -> dict[str, Any]:
    return {"Title": record.title, "Subject": record.summary(), "Keywords": record.keywords(),
            "Author": None, "Creator": f"analysis {record.provenance.get('analysis_version', '')}".strip(),
            "Producer": f"matplotlib {mpl.__version__}", "CreationDate": None, "ModDate": None}


def _svg_metadata(record: FigureRecord) -> dict[str, Any]:
    return {"Title": record.title, "Description": f"{record.summary()}; inputs: {record.keywords()}",
            "Creator": None, "Date": None, "Format": "image/svg+xml", "Type": None}


def _png_metadata(record: FigureRecord) -> dict[str, str | None]:
    return {"Software": None, "Title": record.title, "Description": record.summary(),
            "Comment": f"inputs: {record.keywords()}"}


def _raster(fig: Figure, metadata: dict[str, str | None]) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata=metadata)
    return buffer.getvalue()


class _TextRecorder(RendererAgg):
    """An Agg renderer that keeps every string it draws, in drawing order (one entry per line of text)."""

    def __init__(self, width: float, height: float, dpi: float) -> None:
        super().__init__(width, height, dpi)
        self.texts: list[str] = []

    def draw_text(self, gc: Any, x: float, y: float, s: str, prop: Any, angle: float, ismath: Any = False,
                  mtext: Any = None) -> None:
        self.texts.append(s)
        super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)


def drawn_texts(fig: Figure) -> list[str]:
    """Every string the figure draws (titles, labels, tick labels, cells), as drawn, in drawing order."""
    renderer = _TextRecorder(fig.bbox.width, fig.bbox.height, fig.dpi)
    fig.draw(renderer)
    return [t for t in renderer.texts if t.strip()]


def save_figure(fig: Figure, stem: Path, record: FigureRecord) -> dict[str, Path]:
    """Write ``stem``.pdf/.svg/.png/.tif and the ``stem``.json sidecar atomically; return the paths.

    Call inside :func:`figure_style` (the font type and SVG salt are read at save time).
    """
    paths = output_paths(stem)
    with atomic_path(paths["pdf"]) as tmp:
        fig.savefig(tmp, format="pdf", metadata=_pdf_metadata(record))
    with atomic_path(paths["svg"]) as tmp:
        fig.savefig(tmp, format="svg", metadata=_svg_metadata(record))
    png = _raster(fig, _png_metadata(record))
    with atomic_path(paths["png"]) as tmp:
        tmp.write_bytes(png)
    with atomic_path(paths["tif"]) as tmp:
        # Same pixels as the PNG, flattened to RGB (journals' upload systems expect no alpha).
        image = Image.open(io.BytesIO(png)).convert("RGB")
        image.save(tmp, format="TIFF", compression="tiff_lzw", dpi=(DPI, DPI),
                   tiffinfo={270: f"{record.title}. {record.summary()}"})
    width_mm, height_mm = (float(v) / MM for v in fig.get_size_inches())
    write_json(paths[SIDECAR], {
        "figure": record.name,
        "title": record.title,
        "size_mm": [round(width_mm, 2), round(height_mm, 2)],
        "dpi": DPI,
        "inputs": dict(sorted(record.inputs.items())),
        "provenance": record.provenance,
        "matplotlib": mpl.__version__,
        "outputs": {fmt: {"file": paths[fmt].name, "sha256": hashlib.sha256(paths[fmt].read_bytes()).hexdigest()}
                    for fmt in FORMATS},
        # What the figure shows, without metadata: equal content means the same drawing in every format (all four
        # are written from this one figure).
        "content": {"pixels_sha256": sha256_pixels(png), "size_px": list(Image.open(io.BytesIO(png)).size),
                    "text": drawn_texts(fig)},
    })
    return paths
