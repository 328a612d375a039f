"""Which figures changed between two builds, judged by what they show, not by their files' bytes.

Every figure file carries provenance in its metadata (git commit, code and data hashes), so a figure redrawn from
the same numbers after any commit has new bytes in all its formats. What a reader sees is the drawing: the
PNG's decoded pixels (the PDF, SVG and TIFF are written from the same figure) and the strings it draws, both
recorded in the figure's sidecar (``<stem>.json``, ``content``). Two builds whose figure has the same content
show the same figure ("redrawn with identical content", not a change); a changed figure is reported with what
changed: its size, the strings removed and added, and where the pixels differ.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..io import sha256_file, sha256_pixels
from .change import Change

FIGURES = Path("build") / "figures"
DEFAULT_DPI = 300
MM_PER_INCH = 25.4
#: Strings listed per side of a changed figure before "… and N more".
LISTED_STRINGS = 12


@dataclass(frozen=True)
class FigureContent:
    """One figure of one build: its files and what it shows."""

    stem: str
    files: dict[str, str]  # file name -> SHA-256 of its bytes (metadata included)
    pixels: str | None  # SHA-256 of the PNG's pixels
    size_px: tuple[int, int] | None
    text: tuple[str, ...] | None  # the strings drawn; None when the build did not record them
    png: Path | None
    dpi: float = DEFAULT_DPI


def _sidecar(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, json.JSONDecodeError):
        return {}


def read_figures(folder: Path) -> dict[str, FigureContent]:
    """The figures of a project or snapshot folder, by stem (``figure3_forest_orr``)."""
    root = Path(folder) / FIGURES
    if not root.is_dir():
        return {}
    stems: dict[str, dict[str, str]] = {}
    for path in sorted(root.iterdir()):
        if path.is_file() and not path.name.startswith("."):
            stems.setdefault(path.stem, {})[path.name] = sha256_file(path)
    out = {}
    for stem, files in stems.items():
        sidecar = _sidecar(root / f"{stem}.json")
        content = sidecar.get("content") or {}
        png = root / f"{stem}.png"
        png_path = png if png.is_file() else None
        pixels = content.get("pixels_sha256") or (sha256_pixels(png) if png_path else None)
        size = content.get("size_px")
        if size is None and png_path is not None:
            from PIL import Image

            with Image.open(png) as image:
                size = image.size
        text = content.get("text")
        out[stem] = FigureContent(stem, files, pixels, tuple(size) if size else None,
                                  tuple(text) if text is not None else None, png_path,
                                  float(sidecar.get("dpi") or DEFAULT_DPI))
    return out


def _mm(px: float, dpi: float) -> float:
    return px / dpi * MM_PER_INCH


def _size_text(fig: FigureContent) -> str:
    w, h = fig.size_px or (0, 0)
    return f"{_mm(w, fig.dpi):.0f} × {_mm(h, fig.dpi):.0f} mm"


def pixel_difference(old: FigureContent, new: FigureContent) -> str:
    """'3.1% of the pixels, within 61–178 mm across and 12–95 mm down' (same size only)."""
    if old.png is None or new.png is None:
        return ""
    from PIL import Image

    with Image.open(old.png) as a, Image.open(new.png) as b:
        if a.size != b.size:
            return ""
        differs = np.any(np.asarray(a.convert("RGBA")) != np.asarray(b.convert("RGBA")), axis=-1)
    if not differs.any():
        return ""
    rows, cols = np.nonzero(differs)
    share = differs.mean() * 100
    mm = lambda px: _mm(px, new.dpi)  # noqa: E731
    return (f"{share:.1f}% of the pixels differ, within {mm(cols.min()):.0f}–{mm(cols.max() + 1):.0f} mm across "
            f"and {mm(rows.min()):.0f}–{mm(rows.max() + 1):.0f} mm down")


def text_difference(old: tuple[str, ...], new: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """The strings drawn only in the old figure and only in the new one, in drawing order."""
    removed: list[str] = []
    added: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag != "equal":
            removed += old[i1:i2]
            added += new[j1:j2]
    return removed, added


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _listing(strings: list[str]) -> str:
    shown = "; ".join(strings[:LISTED_STRINGS])
    more = len(strings) - LISTED_STRINGS
    return shown + (f"; … and {more} more" if more > 0 else "")


def describe_change(old: FigureContent, new: FigureContent) -> Change:
    """A changed figure: strings removed (old) and added (new), and how the drawing differs."""
    notes: list[str] = []
    if old.size_px != new.size_px:
        notes.append(f"size {_size_text(old)} → {_size_text(new)}")
    else:
        where = pixel_difference(old, new)
        notes.append(f"drawing changed: {where}" if where else "drawing changed")
    removed: list[str] = []
    added: list[str] = []
    if old.text is None or new.text is None:
        notes.append("the strings drawn are not recorded in one of the builds")
    else:
        removed, added = text_difference(old.text, new.text)
        if removed or added:
            notes.append(f"{_count(len(removed), 'string')} removed, {len(added)} added")
        else:
            notes.append("the same strings")
    return Change("changed", new.stem, _listing(removed), _listing(added), "figure", "; ".join(notes))


@dataclass(frozen=True)
class FigureComparison:
    changes: list[Change]
    #: Figures whose files differ but whose content is identical (only embedded provenance changed).
    redrawn: list[str]


def same_content(old: FigureContent, new: FigureContent) -> bool:
    return old.pixels is not None and old.pixels == new.pixels and old.text == new.text


def compare_figures(old: dict[str, FigureContent], new: dict[str, FigureContent]) -> FigureComparison:
    changes: list[Change] = []
    redrawn: list[str] = []
    for stem in sorted(set(old) | set(new)):
        if stem not in new:
            changes.append(Change("removed", stem, ", ".join(sorted(old[stem].files)), None, "figure"))
        elif stem not in old:
            changes.append(Change("added", stem, None, ", ".join(sorted(new[stem].files)), "figure"))
        elif same_content(old[stem], new[stem]):
            if old[stem].files != new[stem].files:
                redrawn.append(stem)
        else:
            changes.append(describe_change(old[stem], new[stem]))
    return FigureComparison(changes, redrawn)
