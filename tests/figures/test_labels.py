"""Study labels come from the data: any character is text, and any length is laid out.

A label such as ``O'Brien <b>&_#% $x$`` must be drawn as written (matplotlib would read ``$x$`` as mathtext and
drop the dollars), and written into the Markdown the article reads so that it prints as written (read back here
with markdown-it, an independent CommonMark parser). A label longer than the forest plot's label column used to
stop the build ("only 27 mm left for the plot"); it is wrapped instead.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pymupdf
from markdown_it import MarkdownIt
from matplotlib.backends.backend_agg import FigureCanvasAgg

from analysis.figures import style
from analysis.figures.forest import MIN_PLOT_MM, draw_forest
from analysis.figures.funnel_loo import draw_funnel_loo
from analysis.pipeline.runner import BuildContext, run_build

SPECIAL = "O'Brien <b>&_#% $x$"  # first author: HTML, Markdown, LaTeX/Typst and mathtext characters at once
LONG = "Chong-Svoboda, Schuster, Nastoupil and the Cellular Therapy Consortium"  # 70 characters with spaces
UNBROKEN = "Topp" + "p" * 52  # one word wider than any label column
FIGURES = ["results", "figure2", "figure3", "figure4", "tables"]


def set_first_author(data_dir: Path, study_id: str, name: str) -> str:
    """Write ``name`` as the first author of ``study_id``; return the label the article should show."""
    path = data_dir / "trials.csv"
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    row = next(r for r in rows if r["study_id"] == study_id)
    row["first_author"] = name
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return f"{name} {row['year']}"


def build(root: Path, steps: list[str]) -> None:
    run_build(BuildContext(root=root, log=lambda msg: None), only=steps)


def pdf_text(path: Path) -> str:
    with pymupdf.open(path) as doc:
        return " ".join(" ".join(page.get_text().split()) for page in doc)


def test_a_label_with_markup_characters_is_drawn_and_written_as_it_is(project_copy: Path) -> None:
    label = set_first_author(project_copy / "data", "chong2025", SPECIAL)
    build(project_copy, FIGURES)
    figures = project_copy / "build" / "figures"
    assert label in pdf_text(figures / "figure3_forest_orr.pdf")  # dollars, quote and brackets all drawn
    assert f"{label} (" not in pdf_text(figures / "figure2_funnel_loo.pdf")  # a prior-CAR-T cohort: no suffix
    assert label in pdf_text(figures / "figure2_funnel_loo.pdf")
    assert label in json.loads((figures / "figure3_forest_orr.json").read_text())["content"]["text"]

    # Table 1's Markdown, read back: the cell shows the label and nothing became an element.
    html = MarkdownIt("commonmark").enable("table").render((project_copy / "build" / "tables" / "table1.md")
                                                           .read_text(encoding="utf-8"))
    first_cell = re.search(r"<tbody>\s*<tr>\s*<td[^>]*>(.*?)</td>", html, re.S).group(1)
    assert first_cell == f"{label} [@chong2025]".replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _boxes_mm(fig, texts):
    """Bounding boxes (x0, x1) in mm of the Text artists, as drawn."""
    renderer = FigureCanvasAgg(fig).get_renderer()
    scale = 25.4 / fig.dpi
    return [(t.get_window_extent(renderer).x0 * scale, t.get_window_extent(renderer).x1 * scale) for t in texts]


def test_a_label_longer_than_its_column_is_wrapped_and_the_build_goes_on(project_copy: Path) -> None:
    long_label = set_first_author(project_copy / "data", "chong2025", LONG)
    unbroken_label = set_first_author(project_copy / "data", "topp2025", UNBROKEN)
    build(project_copy, FIGURES)  # used to stop: "forest plot: only 27 mm left for the plot"
    registry = json.loads((project_copy / "build" / "results.json").read_text())
    with style.figure_style():
        fig, layout = draw_forest(registry, "orr")
        rows = {r.study: (r, y) for r, y in layout.rows if r.kind == "study"}
        chong, topp = rows["chong2025"][0], rows["topp2025"][0]
        assert "\n" in chong.label and " ".join(chong.label.split()) == long_label  # wrapped between words
        assert "\n" in topp.label and topp.label.replace("\n", "") == unbroken_label  # cut inside the word
        assert chong.height > 1 and topp.height > 1  # their rows grew
        plot = next(ax for ax in fig.axes if ax.get_xlabel().startswith("Overall response rate"))
        plot_left = plot.get_position().x0 * layout.width_mm
        assert plot.get_position().width * layout.width_mm >= MIN_PLOT_MM
        texts = {t.get_text(): t for t in fig.axes[0].texts}
        treatment_x = texts["Mosunetuzumab"].get_position()[0]
        for text in (chong.label, topp.label):
            ((x0, x1),) = _boxes_mm(fig, [texts[text]])
            assert 0 <= x0 and x1 < treatment_x < plot_left  # inside the label column
        # Neighbouring rows keep apart: the wrapped label's lines stay within its own (taller) row.
        (chong_row, chong_y), = [(r, y) for r, y in layout.rows if r.study == "chong2025"]
        following = [y for r, y in layout.rows if r.study == "hutchings2023a"][0]
        assert following - chong_y >= (chong_row.height + 1) / 2 * 3.5 - 1e-9

        fig2, panels = draw_funnel_loo(registry)
        loo = panels.axes["loo:orr"]
        assert loo.get_position().width * 180 >= 25  # the panel keeps room for its intervals
        labels = [t for t in loo.get_yticklabels() if t.get_text()]
        assert " ".join(next(t.get_text() for t in labels if "Chong" in t.get_text()).split()) == long_label
        renderer = FigureCanvasAgg(fig2).get_renderer()
        boxes = sorted((t.get_window_extent(renderer) for t in labels), key=lambda b: -b.y1)
        assert all(b.x0 >= 0 and b.x1 <= loo.get_window_extent(renderer).x0 for b in boxes)
        assert all(upper.y0 >= lower.y1 for upper, lower in zip(boxes, boxes[1:]))  # no two labels overlap
