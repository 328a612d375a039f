"""Where Quarto put the rendered article: one answer for the audit, snapshots and diffs.

A manuscript project writes into ``_manuscript/``; output paths follow input
paths, so the article ``manuscript/index.qmd`` may land at
``_manuscript/manuscript/index.html`` or, for a root-level article, at
``_manuscript/index.html``. Both are accepted; notebooks and site libraries are not
the article.
"""

from __future__ import annotations

from pathlib import Path

OUTPUT_DIR = "_manuscript"
ARTICLE_STEM = "index"
#: Places where the article's outputs can be, most likely first (relative to the output folder).
CANDIDATE_FOLDERS = (Path("manuscript"), Path("."))


def rendered_article(folder: Path, suffix: str) -> Path | None:
    """The rendered article with this suffix ('.html', '.docx', '.pdf') under ``folder/_manuscript``, if any."""
    out = folder / OUTPUT_DIR
    for sub in CANDIDATE_FOLDERS:
        path = out / sub / f"{ARTICLE_STEM}{suffix}"
        if path.is_file():
            return path
    return None


def rendered_articles(folder: Path) -> list[Path]:
    """All rendered formats of the article that exist (HTML, DOCX, PDF)."""
    return [p for p in (rendered_article(folder, s) for s in (".html", ".docx", ".pdf")) if p is not None]
