"""The manuscript as Quarto renders it: web page, DOCX and Typst PDF (profile journal), and the double-spaced,
line-numbered PDF and DOCX (profile review). Skipped, with the reason, when Quarto is not installed.

The project is copied to a scratch folder and rendered there once per session (tests/manuscript_project.py);
``MANUSCRIPT_RENDERED_DIR`` points the tests at a folder rendered beforehand instead.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml

from tests.layout_checks import CM, MARGIN, broken_words, outside_margins, overprinted, read_pages, split_names
from tests.manuscript_project import Rendered, git_status

AUTHORS = ["Jing Shen", "Jingyi Zhang", "Zhengyu Zhu", "Haobo Ma", "Xiayan Li", "Junpeng Zhang", "Fan Zhou",
           "Hua Tian", "Jinghua Liu"]
UNRESOLVED = re.compile(r"\?var:|\?meta:|\?@(?:fig|tbl)-|\{\{<|\{\{&lt;|\?invalid var")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
A4_TWIPS = (11906, 16838)
MARGIN_TWIPS = 1417  # 2.5 cm
#: The one warning this Quarto build prints for every Typst render (see ../shared/tools/quarto/README.md).
KNOWN_NOTE = "typst-gather"


def article(root: Path, suffix: str, folder: str = "_manuscript") -> Path:
    path = root / folder / "manuscript" / f"index{suffix}"
    assert path.is_file(), f"{path} was not rendered"
    return path


def variables(root: Path) -> dict:
    return yaml.safe_load((root / "_variables.yml").read_text(encoding="utf-8"))


def used_variables(root: Path) -> dict[str, str]:
    """Every ``{{< var >}}`` key of the article with its value."""
    values = variables(root)
    text = (root / "manuscript" / "index.qmd").read_text(encoding="utf-8")
    found = {}
    for key in re.findall(r"\{\{<\s*var\s+([\w.]+)\s*>\}\}", text):
        value = values
        for part in key.split("."):
            value = value[part]
        found[key] = str(value)
    return found


def comparable(text: str) -> str:
    """Text with the differences that formats introduce and readers do not see removed: line breaks and spacing,
    typographic quotes (Pandoc's smart quotes)."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return re.sub(r"\s+", "", text)


class _TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_text(path: Path) -> str:
    parser = _TextOf()
    parser.feed(path.read_text(encoding="utf-8"))
    return " ".join(parser.parts)


def docx_xml(path: Path) -> ElementTree.Element:
    with zipfile.ZipFile(path) as z:
        return ElementTree.fromstring(z.read("word/document.xml"))


def text_of(element: ElementTree.Element) -> str:
    """The text of a DOCX element (a paragraph, a cell): its <w:t> runs joined."""
    return "".join(t.text or "" for t in element.iter(f"{W}t"))


def docx_paragraphs(path: Path) -> list[str]:
    """Every paragraph's text, in document order, tables (nested ones too) included."""
    return [text_of(p) for p in docx_xml(path).iter(f"{W}p")]


def pdf_text(path: Path) -> str:
    return " ".join(w.text for page in read_pages(path) for w in page.words)


# ----------------------------------------------------------------------------- the render itself

def test_rendering_leaves_git_status_clean(rendered_project: Rendered) -> None:
    """Both profiles rendered in a committed checkout: every file a render writes is git-ignored and no tracked
    file is edited (Quarto appends ``**/*.quarto_ipynb`` to .gitignore when the line is missing; a tracked file
    under an output folder would be rewritten), so the provenance of the next build does not say 'dirty'."""
    if not (rendered_project.root / ".git").exists():
        pytest.skip("the rendered folder is not a git checkout")
    assert git_status(rendered_project.root) == []
    assert (rendered_project.root / "_manuscript" / "manuscript" / "index.html").is_file()
    assert (rendered_project.root / "_manuscript-review" / "manuscript" / "index.pdf").is_file()


def test_render_prints_no_warning_of_ours(rendered_project: Rendered) -> None:
    """Only this Quarto build's own typst-gather note may appear (and its continuation line)."""
    for log in (rendered_project.log, rendered_project.review_log):
        noisy = [line for line in log.splitlines()
                 if re.search(r"WARN|WARNING|ERROR|Unable to resolve|Citeproc|unknown var", line, re.I)
                 and KNOWN_NOTE not in line]
        assert not noisy, "\n".join(noisy)


def test_the_article_is_the_sites_landing_page(rendered_project: Rendered) -> None:
    landing = rendered_project.root / "_manuscript" / "index.html"
    assert landing.is_file(), "no _manuscript/index.html: a published site would open on nothing"
    target = re.search(r'http-equiv="refresh" content="0; url=([^"]+)"', landing.read_text(encoding="utf-8"))
    assert target and (landing.parent / target.group(1)).resolve() == article(rendered_project.root, ".html")


def test_web_page(rendered_project: Rendered) -> None:
    root = rendered_project.root
    html = article(root, ".html").read_text(encoding="utf-8")
    assert not UNRESOLVED.findall(html)
    title = re.search(r'<meta name="citation_title" content="([^"]*)"', html)
    assert title and title.group(1).startswith("CD20")
    assert all(name in html for name in AUTHORS)
    sources = re.findall(r'<img[^>]+src="([^"]*figure[^"]*)"', html)
    assert len(sources) == 5 and all(src.endswith(".png") for src in sources), sources


# ----------------------------------------------------------------------------- DOCX

def test_docx_title_block(rendered_project: Rendered) -> None:
    docx = pytest.importorskip("docx")
    document = docx.Document(str(article(rendered_project.root, ".docx")))  # opening it checks the package
    paragraphs = document.paragraphs
    authors = next(p for p in paragraphs if p.style.name == "Author")
    marks = [r.text for r in authors.runs if r.font.superscript]
    assert all(name in authors.text for name in AUTHORS)
    assert len(marks) == len(AUTHORS) and marks[-1].endswith("*"), marks  # affiliation numbers, corresponding
    head = [p.text for p in paragraphs[:20]]
    assert sum(bool(re.match(r"^\d+\w", t)) for t in head) == 6, head  # six numbered affiliations
    assert any(t.startswith("*Correspondence: Jinghua Liu") and "@" in t for t in head)
    keywords = next(i for i, t in enumerate(head) if t.startswith("Keywords:"))
    assert "glofitamab" in head[keywords] and head[keywords + 1] == "Abstract"


def test_docx_tables_figures_and_captions(rendered_project: Rendered) -> None:
    path = article(rendered_project.root, ".docx")
    text = "\n".join(docx_paragraphs(path))
    assert "Chong 2025" in text and "11 (40.7)" in text and "NCT02500407" in text
    for caption in ("Table 1:", "Table 2:", *(f"Figure {i}:" for i in range(1, 6))):
        assert caption in text.replace("\u00a0", " "), caption
    with zipfile.ZipFile(path) as z:
        assert len([n for n in z.namelist() if n.startswith("word/media/")]) == 5
    assert not UNRESOLVED.findall(text)


def table_cells(path: Path) -> list[str]:
    """The text of every innermost table cell of a DOCX (the data tables' cells; the cells of Quarto's layout
    tables around them hold a table or a figure and are left out)."""
    return [text_of(paragraph) for cell in docx_xml(path).iter(f"{W}tc") if cell.find(f".//{W}tbl") is None
            for paragraph in cell.iter(f"{W}p")]


@pytest.mark.parametrize("folder", ["_manuscript", "_manuscript-review"])
def test_docx_table_titles_stand_above_their_tables(rendered_project: Rendered, folder: str) -> None:
    """As journals ask: in the layout cell around each table, its "Table N:" caption comes first, styled as a
    table caption (a style that keeps it with the table on one page)."""
    tree = docx_xml(article(rendered_project.root, ".docx", folder))
    layouts = [cell for cell in tree.iter(f"{W}tc") if cell.find(f"{W}tbl") is not None]
    assert len(layouts) == 2
    for cell in layouts:
        children = [child for child in cell if child.tag in (f"{W}p", f"{W}tbl")]
        first = children[0]
        assert first.tag == f"{W}p" and text_of(first).startswith("Table")
        assert first.find(f"{W}pPr/{W}pStyle").get(f"{W}val") == "TableCaption"
        assert children[1].tag == f"{W}tbl"


def test_docx_pages_are_a4_with_the_wide_table_on_a_landscape_page(rendered_project: Rendered) -> None:
    tree = docx_xml(article(rendered_project.root, ".docx"))
    sections = list(tree.iter(f"{W}sectPr"))
    assert len(sections) >= 3  # portrait, landscape (Table 1), portrait
    for section in sections:
        size, margins = section.find(f"{W}pgSz"), section.find(f"{W}pgMar")
        assert size is not None and margins is not None, "a section without page size falls back to US Letter"
        width, height = int(size.get(f"{W}w")), int(size.get(f"{W}h"))
        assert sorted((width, height)) == sorted(A4_TWIPS)
        assert all(int(margins.get(f"{W}{side}")) == MARGIN_TWIPS for side in ("top", "bottom", "left", "right"))
    landscape = [s for s in sections if s.find(f"{W}pgSz").get(f"{W}orient") == "landscape"]
    assert len(landscape) == 1


def test_docx_xml_has_no_known_defects(rendered_project: Rendered) -> None:
    """Defects that make Word 'repair' a file: a paragraph with two <w:pPr> (quarto-cli 10587), two conflicting
    <w:jc> in one paragraph (a table inside Quarto's centred float layout), a table cell that ends with a nested
    table rather than a paragraph (quarto-cli 12154)."""
    tree = docx_xml(article(rendered_project.root, ".docx"))
    for paragraph in tree.iter(f"{W}p"):
        properties = paragraph.findall(f"{W}pPr")
        assert len(properties) <= 1
        if properties:
            assert len(properties[0].findall(f"{W}jc")) <= 1
    for cell in tree.iter(f"{W}tc"):  # a cell must end with a paragraph (bookmarks may stand between)
        blocks = [child.tag for child in cell if child.tag in (f"{W}p", f"{W}tbl")]
        assert blocks and blocks[-1] == f"{W}p"


def test_review_docx_is_line_numbered_and_double_spaced(rendered_project: Rendered) -> None:
    path = article(rendered_project.root, ".docx", "_manuscript-review")
    for section in docx_xml(path).iter(f"{W}sectPr"):
        numbering = section.find(f"{W}lnNumType")
        assert numbering is not None and numbering.get(f"{W}restart") == "continuous"
    with zipfile.ZipFile(path) as z:
        styles = ElementTree.fromstring(z.read("word/styles.xml"))
    body = next(s for s in styles.iter(f"{W}style") if s.get(f"{W}styleId") == "BodyText")
    assert body.find(f"{W}pPr/{W}spacing").get(f"{W}line") == "480"  # 240ths of a line: double


# ----------------------------------------------------------------------------- PDF

@pytest.fixture(scope="module")
def pdf_pages(rendered_project: Rendered) -> dict[str, list]:
    root = rendered_project.root
    return {"journal": read_pages(article(root, ".pdf")),
            "review": read_pages(article(root, ".pdf", "_manuscript-review"))}


def test_pdf_title_block_and_abstract(pdf_pages: dict[str, list]) -> None:
    first = " ".join(w.text for w in pdf_pages["journal"][0].words)
    for name in AUTHORS:
        assert name.split()[-1] in first
    assert "Correspondence:" in first and "Keywords:" in first and "Abstract" in first
    assert re.search(r"Liu\d\*|Liu\s*\d\s*\*", first), "the corresponding author is marked"
    assert "\u00b9" not in first  # numbers are typeset superscripts, not Unicode superscript characters


@pytest.mark.parametrize("variant", ["journal", "review"])
def test_pdf_pages_have_no_overprinted_words(pdf_pages: dict[str, list], variant: str) -> None:
    clashes = [f"{a} over {b}" for page in pdf_pages[variant] for a, b in overprinted(page)]
    assert not clashes, "\n".join(clashes[:20])


@pytest.mark.parametrize("variant", ["journal", "review"])
def test_pdf_text_stays_inside_the_margins(pdf_pages: dict[str, list], variant: str) -> None:
    outside = [str(w) for page in pdf_pages[variant] for w in outside_margins(page, variant == "review")]
    assert not outside, "\n".join(outside[:20])


def test_pdf_never_splits_a_drug_name(pdf_pages: dict[str, list], rendered_project: Rendered) -> None:
    names = {"glofitamab", "epcoritamab", "mosunetuzumab", "odronextamab", "polatuzumab", "gemcitabine",
             "oxaliplatin"}
    results = json.loads((rendered_project.root / "build" / "results.json").read_text(encoding="utf-8"))
    names |= {word.lower() for trial in results["trials"] for word in re.findall(r"[A-Za-z]{6,}", trial["treatment"])}
    for variant, pages in pdf_pages.items():
        assert not split_names(pages, names), variant
        text = " ".join(w.text for page in pages for w in page.words).lower()
        assert all(name in text for name in ("glofitamab", "mosunetuzumab"))


def test_pdf_tables_never_break_a_word(pdf_pages: dict[str, list], rendered_project: Rendered) -> None:
    """Every word of a table cell (a trial identifier such as NCT02500407, a drug name) is printed whole: columns
    are wide enough for their longest word; lines break only at spaces and after dashes."""
    cells = table_cells(article(rendered_project.root, ".docx"))
    assert "NCT02500407" in cells
    for variant, pages in pdf_pages.items():
        assert not broken_words(pages, cells), variant


def test_pdf_sets_table_1_on_a_landscape_page_and_numbers_every_page(pdf_pages: dict[str, list]) -> None:
    pages = pdf_pages["journal"]
    landscape = [p for p in pages if p.width > p.height]
    assert landscape and any("Characteristics" in " ".join(w.text for w in p.words) for p in landscape)
    for page in pages:
        footer = [w.text for w in page.words if w.y0 > page.height - MARGIN]
        assert footer == [str(page.number)], f"page {page.number}: {footer}"


@pytest.mark.parametrize("variant", ["journal", "review"])
def test_pdf_table_captions_stay_with_their_tables(pdf_pages: dict[str, list], variant: str) -> None:
    """A caption above a table is never left at the foot of a page with its table on the next: the table's header
    row ('Reference' ...) follows the caption on the same page."""
    for page in pdf_pages[variant]:
        words = list(page.words)
        for i, (label, number) in enumerate(zip(words, words[1:])):
            if label.text == "Table" and re.fullmatch(r"\d+:", number.text) and i + 2 < len(words) \
                    and words[i + 2].text[:1].isupper():  # a caption, not "... in Table 2: a list"
                below = [w for w in words if w.y0 > number.y1 and w.text == "Reference"]
                assert below, f"{variant} PDF, page {page.number}: caption 'Table {number.text}' without its table"


def test_pdf_figures_have_their_captions(rendered_project: Rendered) -> None:
    text = pdf_text(article(rendered_project.root, ".pdf"))
    for i in range(1, 6):
        assert f"Figure {i}:" in text
    assert "Table 1:" in text and "Table 2:" in text


def test_review_pdf_is_double_spaced_with_continuous_line_numbers(pdf_pages: dict[str, list]) -> None:
    numbers = []
    for page in pdf_pages["review"]:
        numbers += [int(w.text) for w in sorted(page.words, key=lambda w: w.y0)
                    if w.text.isdigit() and w.x1 < MARGIN and w.y0 < page.height - MARGIN]
    assert numbers[:3] == [1, 2, 3] and numbers == list(range(1, len(numbers) + 1)), numbers[:40]

    def pitch(page) -> float:
        """Median distance between consecutive text lines of the page's body text."""
        tops = sorted({round(w.y0) for w in page.words if w.x0 > MARGIN and w.y0 < page.height - MARGIN})
        gaps = sorted(b - a for a, b in zip(tops, tops[1:]) if b - a > 3)
        return gaps[len(gaps) // 2]

    journal, review = pitch(pdf_pages["journal"][1]), pitch(pdf_pages["review"][2])
    assert review > 1.8 * journal, (journal, review)


# ----------------------------------------------------------------------------- all formats

def test_every_number_in_the_prose_is_the_same_in_every_format(rendered_project: Rendered) -> None:
    """Each {{< var >}} of the article shows its _variables.yml value in the web page, the DOCX and the PDF."""
    root = rendered_project.root
    texts = {"html": comparable(html_text(article(root, ".html"))),
             "docx": comparable(" ".join(docx_paragraphs(article(root, ".docx")))),
             "pdf": comparable(pdf_text(article(root, ".pdf")))}
    missing = [f"{fmt}: {key} = {value!r}" for key, value in used_variables(root).items()
               for fmt, text in texts.items() if comparable(value) not in text]
    assert not missing, "\n".join(missing)


# ----------------------------------------------------------------------------- as a reader's software shows it

CHROMIUM = shutil.which("chromium")


@pytest.mark.parametrize("width", [1280, 390])
def test_web_page_has_no_horizontal_overflow(rendered_project: Rendered, width: int) -> None:
    """The page never scrolls sideways; on a desktop screen every table shows whole (Table 1 takes the page column),
    on a phone a wide table scrolls inside its own frame."""
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright (a test extra) is not installed")
    if CHROMIUM is None:
        pytest.skip("Chromium not installed (Debian package chromium): cannot load the web page")
    page_url = article(rendered_project.root, ".html").as_uri()
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto(page_url)
            page.wait_for_load_state("load")
            scroll, client = page.evaluate("[document.documentElement.scrollWidth, "
                                           "document.documentElement.clientWidth]")
            # Each table's frame: on a desktop screen the whole table shows, without scrolling sideways.
            hidden = page.evaluate("""[...document.querySelectorAll('figure.quarto-float-tbl > div')]
                .map(frame => frame.scrollWidth - frame.clientWidth)""")
        finally:
            browser.close()
    assert scroll <= client, f"the page is {scroll} px wide in a {client} px window"
    assert len(hidden) == 2
    if width >= 1280:
        assert max(hidden) <= 0, f"a table is cut off by {max(hidden)} px at {width} px"


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.parametrize("folder", ["_manuscript", "_manuscript-review"])
def test_docx_opens_in_libreoffice_with_every_page_in_order(rendered_project: Rendered, folder: str,
                                                            tmp_path: Path) -> None:
    """LibreOffice converts the DOCX to PDF: A4 pages (one landscape), nothing printed over anything, nothing
    outside the margins, no word of a table broken across lines."""
    if SOFFICE is None:
        pytest.skip("LibreOffice not installed (Debian package libreoffice-writer-nogui): cannot convert the DOCX")
    source = article(rendered_project.root, ".docx", folder)
    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to",
                    "pdf", "--outdir", str(tmp_path), str(source)], check=True, capture_output=True, timeout=300)
    pages = read_pages(tmp_path / "index.pdf")
    assert all(sorted((round(p.width / CM, 1), round(p.height / CM, 1))) == [21.0, 29.7] for p in pages)
    landscape = [p.number for p in pages if p.width > p.height]
    assert landscape and landscape == list(range(landscape[0], landscape[-1] + 1)), landscape  # one section
    clashes = [f"{a} over {b}" for page in pages for a, b in overprinted(page)]
    outside = [str(w) for page in pages for w in outside_margins(page, folder == "_manuscript-review")]
    assert not clashes and not outside, "\n".join((clashes + outside)[:20])
    broken = broken_words(pages, table_cells(source))
    assert not broken, f"table words broken across lines: {broken}"
