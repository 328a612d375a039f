"""Where Quarto put the rendered article: one answer for the audit, snapshots and diffs.

A manuscript project writes into ``_manuscript/``; output paths follow input
paths, so the article ``manuscript/index.qmd`` may land at
``_manuscript/manuscript/index.html`` or, for a root-level article, at
``_manuscript/index.html``. Both are accepted; notebooks and site libraries are not
the article.
"""

from __future__ import annotations

import re
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


LANDING_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<meta http-equiv="refresh" content="0; url={target}">
<link rel="canonical" href="{target}">
</head>
<body>
<p>The article is at <a href="{target}">{target}</a>.</p>
</body>
</html>
"""


def write_landing_page(folder: Path) -> Path | None:
    """Make the rendered article the site's landing page.

    Quarto writes an article kept in ``manuscript/`` to ``_manuscript/manuscript/index.html`` (output paths follow
    input paths), which leaves the site's root without an index; this writes ``_manuscript/index.html``, a
    redirect to the article, as Quarto's own ``aliases`` pages do. Nothing is written when the article sits at
    the root already or has not been rendered.
    """
    from html import escape

    from .io import write_text

    article = rendered_article(folder, ".html")
    out = folder / OUTPUT_DIR
    if article is None or article.parent == out:
        return None
    target = article.relative_to(out).as_posix()
    page = out / f"{ARTICLE_STEM}.html"
    found = re.search(r"<title>(.*?)</title>", article.read_text(encoding="utf-8"), re.S)
    title = found.group(1).strip() if found else "Article"  # already HTML-escaped in the article
    write_text(page, LANDING_PAGE.format(title=title, target=escape(target, quote=True)))
    return page
