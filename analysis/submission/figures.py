"""Each figure of the article as separate files, in the order and the form Frontiers asks for.

Frontiers' requirements (stored copies read on the day this was written):

* figures are uploaded individually, in the order the manuscript refers to them; legends stay in the manuscript
  (https://zendesk.frontiersin.org/hc/en-us/articles/209997645-How-should-I-format-my-figures-);
* width of one column, 85 mm, or two columns, 180 mm; no figure longer than one page; 300 dpi at final size
  (author guidelines, section "Image size requirements",
  https://www.frontiersin.org/guidelines/author-guidelines#ImageSizeRequirements, as linked from the Frontiers
  LaTeX and Typst templates and quoted in Frontiers-specific figure code);
* the production office asks for high-resolution files after acceptance, preferably JPEG or EPS
  (https://zendesk.frontiersin.org/hc/en-us/articles/201721041-How-do-I-submit-LaTeX-created-files-).

So every figure goes out twice: the build's LZW-compressed RGB TIFF (lossless) and a JPEG made from it at the same
300 dpi, named by its number in the article (``Figure1.tif``, ``Figure1.jpg``). The files are checked, not
trusted: width 85 or 180 mm, at least 300 dpi, at most one page high, RGB.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..io import atomic_path
from ..quarto.floats import article_floats

#: Frontiers' column widths in millimetres, and how far a file may be off (one pixel at 300 dpi is 0.085 mm).
WIDTHS_MM = (85.0, 180.0)
WIDTH_TOLERANCE_MM = 0.5
MIN_DPI = 300.0
#: "Not longer than one page": the text height of an A4 page inside the manuscript's 2.5 cm margins.
MAX_HEIGHT_MM = 247.0
JPEG_QUALITY = 95
MM_PER_INCH = 25.4


@dataclass(frozen=True)
class FigureFile:
    number: int  # as the article numbers it
    label: str  # fig-prisma
    stem: Path  # build/figures/figure1_prisma
    width_mm: float
    height_mm: float
    dpi: float


class FigureError(ValueError):
    """A figure file that does not meet the journal's requirements (the message names the file and the rule)."""


def measure(path: Path) -> tuple[float, float, float, str]:
    """Width and height in mm, resolution in dpi and colour mode of a raster file."""
    from PIL import Image

    with Image.open(path) as im:
        dpi = float(im.info.get("dpi", (72.0, 72.0))[0])
        return im.width / dpi * MM_PER_INCH, im.height / dpi * MM_PER_INCH, dpi, im.mode


def check_figure(path: Path) -> tuple[float, float, float]:
    """Width, height (mm) and dpi of a figure file that meets the requirements; FigureError otherwise."""
    width, height, dpi, mode = measure(path)
    problems = []
    if not any(abs(width - w) <= WIDTH_TOLERANCE_MM for w in WIDTHS_MM):
        problems.append(f"{width:.1f} mm wide, not one column (85 mm) or two (180 mm)")
    if dpi + 0.5 < MIN_DPI:
        problems.append(f"{dpi:.0f} dpi, below {MIN_DPI:.0f}")
    if height > MAX_HEIGHT_MM:
        problems.append(f"{height:.1f} mm high, longer than one page ({MAX_HEIGHT_MM:.0f} mm)")
    if mode != "RGB":
        problems.append(f"colour mode {mode}, not RGB")
    if problems:
        raise FigureError(f"{path}: " + "; ".join(problems))
    return width, height, dpi


def write_jpeg(tiff: Path, target: Path) -> None:
    """The TIFF as a JPEG at the same size and resolution (no chroma subsampling: thin coloured lines stay sharp)."""
    from PIL import Image

    with Image.open(tiff) as im, atomic_path(target) as tmp:
        dpi = im.info.get("dpi", (MIN_DPI, MIN_DPI))
        im.convert("RGB").save(tmp, "JPEG", quality=JPEG_QUALITY, subsampling=0, dpi=dpi)


def write_figures(root: Path, out_dir: Path) -> list[FigureFile]:
    """``FigureN.tif`` and ``FigureN.jpg`` for each figure of the article, checked; the list of what was written."""
    import shutil

    written: list[FigureFile] = []
    for figure in (f for f in article_floats(root) if f.kind == "Figure"):
        number, label, stem = figure.number, figure.label, figure.source
        tiff = stem.with_name(stem.name + ".tif")
        if not tiff.is_file():
            raise FigureError(f"{tiff}: not found (figure {label}); run `make build`")
        width, height, dpi = check_figure(tiff)
        target = out_dir / f"Figure{number}"
        with atomic_path(target.with_suffix(".tif")) as tmp:
            shutil.copyfile(tiff, tmp)
        write_jpeg(tiff, target.with_suffix(".jpg"))
        check_figure(target.with_suffix(".jpg"))
        written.append(FigureFile(number, label, stem, width, height, dpi))
    return written
