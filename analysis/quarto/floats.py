"""The article's numbered figures and tables in the order Quarto numbers them (order of appearance), with the file
each comes from and the opening words of its caption.

Figures are images with a ``#fig-`` label in ``manuscript/index.qmd``; tables are the generated files the article
prints from cells (``generated("tables/table1.md")``) whose caption carries a ``#tbl-`` label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .sources import GENERATED_CELL, IMAGE, SHORTCODE

FIGURE_LABEL = re.compile(r"\{#(fig-[\w-]+)")
TABLE_CAPTION = re.compile(r"^:\s*(?P<caption>.*?)\s*\{#(?P<label>tbl-[\w-]+)[^}]*\}\s*$")
ALT_TEXT = re.compile(r"!\[(?P<alt>[^\]]*)\]")
#: Caption words kept to recognise a caption in the rendered text (before any shortcode or markup).
CAPTION_WORDS = 6


@dataclass(frozen=True)
class Float:
    kind: str  # "Figure" or "Table"
    number: int
    label: str  # fig-prisma, tbl-characteristics
    source: Path  # the image path without extension, or the generated table file
    caption_start: str  # the caption's first words as printed

    @property
    def caption_phrase(self) -> str:
        """'Figure 3: Forest plot of the overall …': how the caption begins in the rendered article."""
        return f"{self.kind} {self.number}: {self.caption_start}".strip()


def _plain_start(text: str) -> str:
    text = SHORTCODE.split(text, maxsplit=1)[0]
    text = re.split(r"[\[\]*_`@]", text, maxsplit=1)[0]
    return " ".join(text.split()[:CAPTION_WORDS])


def article_floats(root: Path) -> list[Float]:
    """Every numbered figure and table of ``manuscript/index.qmd``, figures and tables numbered separately."""
    article = root / "manuscript" / "index.qmd"
    out: list[Float] = []
    counts = {"Figure": 0, "Table": 0}
    for line in article.read_text(encoding="utf-8").splitlines():
        image, label, cell = IMAGE.search(line), FIGURE_LABEL.search(line), GENERATED_CELL.match(line)
        if image and label:
            counts["Figure"] += 1
            alt = ALT_TEXT.search(line)
            out.append(Float("Figure", counts["Figure"], label.group(1),
                             (article.parent / image.group("path")).resolve(), _plain_start(alt.group("alt") if alt
                                                                                            else "")))
        elif cell:
            table = root / "build" / cell.group("name")
            caption = next((m for m in map(TABLE_CAPTION.match, table.read_text(encoding="utf-8").splitlines())
                            if m), None) if table.is_file() else None
            if caption:
                counts["Table"] += 1
                out.append(Float("Table", counts["Table"], caption.group("label"), table,
                                 _plain_start(caption.group("caption"))))
    return out
