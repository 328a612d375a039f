"""The marked-up manuscript covers the whole article with its structure, word by word.

Two small pages laid out as Quarto renders an article (title block with abstract and keywords, sections,
subsections, a list, a table with its caption, a figure caption, a reference) stand for two submissions; the
expected structure is read off those pages here, never from the code under test.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import lxml.html
from docx import Document

from analysis.resubmission.article import Span, blocks_from_html
from analysis.resubmission.block_diff import diff_blocks, word_diff
from analysis.resubmission.markup import markup_html
from analysis.resubmission.markup_docx import markup_docx

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def quarto_page(orr: str, title: str, rows: list[tuple[str, str]], extra_item: str = "") -> str:
    body_rows = "".join(f"<tr><td>{a}</td><td>{b}</td></tr>" for a, b in rows)
    return f"""<!DOCTYPE html><html><head><title>x</title><script>var x = 1;</script></head><body>
<nav id="TOC"><h2 id="toc-title">Table of contents</h2><ul><li><a href="#m">Methods</a></li></ul></nav>
<main class="content" id="quarto-document-content">
<header id="title-block-header" class="quarto-title-block default">
  <div class="quarto-title"><h1 class="title">{title}</h1></div>
  <div class="quarto-title-meta-author"><div class="quarto-title-meta-heading">Authors</div>
    <div class="quarto-title-meta-contents"><p class="author">Jing Shen </p></div></div>
  <div><div class="abstract"><div class="block-title">Abstract</div>
    <p><strong>Results:</strong> The pooled ORR was {orr} in nine trials.</p>
    <p><strong>Conclusion:</strong> Bispecific antibodies still work.</p></div></div>
  <div><div class="keywords"><div class="block-title">Keywords</div><p>lymphoma, CAR-T</p></div></div>
</header>
<section id="methods" class="level2"><h2 class="anchored">Methods<a class="anchorjs-link" href="#m">#</a></h2>
<section id="outcomes" class="level3"><h3 class="anchored">Outcomes</h3>
<p>Responses were pooled <em>per cohort</em>.</p>
<ul><li><em>Monotherapy:</em> ORR {orr}<ul><li>nested detail</li></ul></li>{extra_item}<li>Combination</li></ul>
</section></section>
<section id="results" class="level2"><h2 class="anchored">Results</h2>
<div class="landscape"><div id="tbl-x" class="quarto-float"><figure>
<figcaption>Table 1: Responses</figcaption>
<div><table class="caption-top table"><thead><tr class="header"><th>Reference</th><th>ORR, n (%)</th></tr></thead>
<tbody>{body_rows}</tbody></table></div></figure></div></div>
<div id="fig-a" class="quarto-float"><figure><div><img src="a.png"></div>
<figcaption>Figure 1: Forest plot of the ORR</figcaption></figure></div>
</section>
<section id="references" class="level2"><h2>References</h2>
<div id="refs" class="references csl-bib-body"><div id="ref-a" class="csl-entry">
<div class="csl-left-margin">1. </div><div class="csl-right-inline">Chong EA (2025)</div></div></div></section>
</main>
<section id="quarto-appendix"><h2>Reuse</h2><p>CC BY</p></section>
</body></html>"""


OLD = quarto_page("54.5%", "Bispecific antibodies after CAR-T", [("Chong 2025", "11 (40.7)"), ("Topp 2025", "29")])
NEW = quarto_page("55.7%", "CD20×CD3 bispecific antibodies after CAR-T",
                  [("Chong 2025", "13 (48.1)"), ("Topp 2025", "29"), ("Newman 2025", "30 (75.0)")],
                  extra_item="<li>Naive cohorts</li>")


def test_blocks_follow_the_page() -> None:
    blocks = blocks_from_html(OLD)
    kinds = [(b.kind, b.level, b.text) for b in blocks if b.kind != "table"]
    assert kinds == [
        ("title", 0, "Bispecific antibodies after CAR-T"), ("meta", 0, "Authors: Jing Shen"),
        ("heading", 1, "Abstract"), ("paragraph", 0, "Results: The pooled ORR was 54.5% in nine trials."),
        ("paragraph", 0, "Conclusion: Bispecific antibodies still work."), ("meta", 0, "Keywords: lymphoma, CAR-T"),
        ("heading", 1, "Methods"), ("heading", 2, "Outcomes"), ("paragraph", 0, "Responses were pooled per cohort."),
        ("item", 1, "Monotherapy: ORR 54.5%"), ("item", 2, "nested detail"), ("item", 1, "Combination"),
        ("heading", 1, "Results"), ("caption", 0, "Table 1: Responses"),
        ("caption", 0, "Figure 1: Forest plot of the ORR"), ("heading", 1, "References"),
        ("reference", 0, "1. Chong EA (2025)")]
    table = next(b for b in blocks if b.kind == "table")
    assert table.header_rows == 1 and table.landscape
    assert [[c[0].text for c in row] for row in table.rows] == [["Reference", "ORR, n (%)"], ["Chong 2025", "11 (40.7)"],
                                                               ["Topp 2025", "29"]]
    assert blocks[3].content[0] == Span("Results:", frozenset({"strong"}))  # emphasis kept


def test_word_diff_keeps_the_unchanged_words() -> None:
    pieces = word_diff((Span("The ORR was 40.7% in one trial."),), (Span("The ORR was 48.1% in one trial."),))
    assert [(p.tag, p.span.text) for p in pieces] == [("equal", "The ORR was "), ("delete", "40.7%"),
                                                      ("insert", "48.1%"), ("equal", " in one trial.")]


def test_markup_html_is_the_whole_article_with_its_structure(tmp_path: Path) -> None:
    page = markup_html(diff_blocks(blocks_from_html(OLD), blocks_from_html(NEW)), "Marked-up", "a → b.")
    doc = lxml.html.document_fromstring(page)
    article = doc.xpath("//article")[0]
    title = article.xpath(".//h1[contains(@class, 'title')]")[0]
    assert title.xpath("string(.//del)") == "Bispecific" and title.xpath("string(.//ins)") == "CD20×CD3 bispecific"
    assert [h.text_content() for h in article.xpath(".//h2")] == ["Abstract", "Methods", "Results", "References"]
    assert [h.text_content() for h in article.xpath(".//h3")] == ["Outcomes"]
    results = article.xpath(".//p[strong[text()='Results:']]")[0]  # the abstract, word by word, bold label kept
    assert [d.text for d in results.xpath(".//del")] == ["54.5%"] and [i.text for i in results.xpath(".//ins")] == [
        "55.7%"]
    top = article.xpath("./ul")[0]
    assert [li.xpath("string(./ins)") for li in top.xpath("./li")] == ["55.7%", "Naive cohorts", ""]
    assert top.xpath("./li[1]/ul/li")[0].text_content().strip() == "nested detail"
    table = article.xpath(".//table")[0]
    assert [th.text_content() for th in table.xpath("./thead/tr/th")] == ["Reference", "ORR, n (%)"]
    rows = table.xpath("./tbody/tr")
    assert len(rows) == 3 and rows[2].get("class") == "inserted"
    assert rows[0].xpath("string(./td[2]//del)") == "11 (40.7)" and rows[0].xpath("string(./td[2]//ins)") == "13 (48.1)"
    captions = [p.text_content() for p in article.xpath(".//p[contains(@class, 'caption')]")]
    assert captions == ["Table 1: Responses", "Figure 1: Forest plot of the ORR"]
    assert "Table of contents" not in page and "CC BY" not in page and "var x" not in page


def shown(element) -> str:
    """All text of a DOCX element, deleted and inserted runs included."""
    return "".join(t.text or "" for t in element.iter() if t.tag in (f"{W}t", f"{W}delText"))


def test_markup_docx_has_word_styles_tables_and_tracked_changes(tmp_path: Path) -> None:
    path = tmp_path / "markup.docx"
    markup_docx(diff_blocks(blocks_from_html(OLD), blocks_from_html(NEW)), path, "a → b")
    doc = Document(str(path))
    styled = [(p.style.name, shown(p._p)) for p in doc.paragraphs if shown(p._p)]
    assert styled[1] == ("Title", "BispecificCD20×CD3 bispecific antibodies after CAR-T")  # deleted + inserted runs
    assert ("Heading 1", "Abstract") in styled and ("Heading 2", "Outcomes") in styled
    assert ("List Bullet 2", "nested detail") in styled and ("Caption", "Table 1: Responses") in styled
    assert len(doc.tables) == 1 and len(doc.tables[0].rows) == 4 and len(doc.tables[0].columns) == 2
    body = doc.element.body
    abstract = next(p for p in body.iter(f"{W}p") if "Results:" in "".join(t.text or "" for t in p.iter(f"{W}t")))
    assert [t.text for t in abstract.iter(f"{W}delText")] == ["54.5%"]
    assert ["".join(t.text for t in ins.iter(f"{W}t")) for ins in abstract.iter(f"{W}ins")] == ["55.7%"]
    new_row = doc.tables[0].rows[3]._tr
    assert new_row.find(f"{W}trPr/{W}ins") is not None  # the added trial's row is an insertion Word can reject
    new_item = next(p for p in doc.paragraphs if shown(p._p) == "Naive cohorts")._p
    assert new_item.find(f"{W}pPr/{W}rPr/{W}ins") is not None
    assert doc.sections[-1].orientation != doc.sections[0].orientation or len(doc.sections) > 1  # landscape table
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
