"""The rendered article: where Quarto put it, and its visible text (one answer for the audit, snapshots and diffs).

A manuscript project writes into ``_manuscript/``; output paths follow input
paths, so the article ``manuscript/index.qmd`` may land at
``_manuscript/manuscript/index.html`` or, for a root-level article, at
``_manuscript/index.html``. Both are accepted; notebooks and site libraries are not
the article.
"""

from __future__ import annotations

import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

OUTPUT_DIR = "_manuscript"
ARTICLE_STEM = "index"
#: Places where the article's outputs can be, most likely first (relative to the output folder).
CANDIDATE_FOLDERS = (Path("manuscript"), Path("."))


def rendered_article(folder: Path, suffix: str, output_dir: str = OUTPUT_DIR) -> Path | None:
    """The rendered article with this suffix ('.html', '.docx', '.pdf') under ``folder/_manuscript`` (or another
    output folder, e.g. the review profile's), if any."""
    return article_in(folder / output_dir, suffix)


def article_in(out_dir: Path, suffix: str) -> Path | None:
    """The rendered article with this suffix in the output folder ``out_dir``, if any."""
    for sub in CANDIDATE_FOLDERS:
        path = out_dir / sub / f"{ARTICLE_STEM}{suffix}"
        if path.is_file():
            return path
    return None


def rendered_articles(folder: Path, output_dir: str = OUTPUT_DIR) -> list[Path]:
    """All rendered formats of the article that exist (HTML, DOCX, PDF)."""
    return [p for p in (rendered_article(folder, s, output_dir) for s in (".html", ".docx", ".pdf"))
            if p is not None]


# ----------------------------------------------------------------------------- visible text

#: Elements whose text is not article prose (bibliography, navigation, code).
SKIP_TAGS = {"script", "style", "head", "nav", "code", "pre", "svg", "math"}
SKIP_IDS = {"refs", "quarto-appendix", "title-block-header", "quarto-header"}
SKIP_CLASSES = {"csl-bib-body", "references", "quarto-appendix-contents", "sidebar", "toc-actions"}


class _TextExtractor(HTMLParser):
    """Visible article text of an HTML page, one paragraph per block element."""

    BLOCKS = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "br", "table", "section", "figcaption",
              "caption", "blockquote", "dd", "dt"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._stack: list[tuple[str, bool]] = []

    def _skipping(self) -> bool:
        return any(skip for _, skip in self._stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = set((a.get("class") or "").split())
        skip = tag in SKIP_TAGS or a.get("id") in SKIP_IDS or bool(classes & SKIP_CLASSES)
        if tag in ("br", "img", "hr", "meta", "link", "input"):
            if tag == "br":
                self.parts.append("\n")
            return
        self._stack.append((tag, skip))
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        while self._stack:
            open_tag, _ = self._stack.pop()
            if open_tag == tag:
                break
        if tag in self.BLOCKS:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(" | ")

    def handle_data(self, data: str) -> None:
        if not self._skipping():
            self.parts.append(data)


def html_text(html: str) -> str:
    parser = _TextExtractor()
    parser.feed(html)
    return normalise("".join(parser.parts))


W_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_text(path: Path) -> str:
    """Paragraph text of a DOCX (document.xml), without python-docx."""
    with zipfile.ZipFile(path) as z:
        root = ElementTree.fromstring(z.read("word/document.xml"))
    paragraphs = []
    for p in root.iter(f"{W_NS}p"):
        paragraphs.append("".join(t.text or "" for t in p.iter(f"{W_NS}t")))
    return normalise("\n".join(paragraphs))


def normalise(text: str) -> str:
    """One space between words, paragraphs kept, typographic minus/dashes and no-break spaces unified."""
    text = text.replace("\u00a0", " ").replace("\u2009", " ").replace("\u202f", " ").replace("\u2212", "-")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


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


def write_landing_page(out: Path) -> Path | None:
    """Make the rendered article the landing page of the site in the output folder ``out``.

    Quarto writes an article kept in ``manuscript/`` to ``_manuscript/manuscript/index.html`` (output paths follow
    input paths), which leaves the site's root without an index; this writes ``_manuscript/index.html``, a
    redirect to the article, as Quarto's own ``aliases`` pages do. Nothing is written when the article sits at
    the root already or has not been rendered (the review profile makes no web page).
    """
    from html import escape

    from ..io import write_text

    article = article_in(out, ".html")
    if article is None or article.parent == out:
        return None
    target = article.relative_to(out).as_posix()
    page = out / f"{ARTICLE_STEM}.html"
    found = re.search(r"<title>(.*?)</title>", article.read_text(encoding="utf-8"), re.S)
    title = found.group(1).strip() if found else "Article"  # already HTML-escaped in the article
    write_text(page, LANDING_PAGE.format(title=title, target=escape(target, quote=True)))
    return page
