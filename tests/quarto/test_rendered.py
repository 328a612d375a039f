"""The rendered article is found wherever Quarto put it, and notebooks are not mistaken for it."""

from pathlib import Path

import pytest

from analysis.quarto.rendered import rendered_article, rendered_articles


@pytest.mark.parametrize("where", ["_manuscript/manuscript", "_manuscript"])
def test_article_found_in_either_layout(tmp_path: Path, where: str):
    folder = tmp_path / where
    folder.mkdir(parents=True)
    (folder / "index.html").write_text("<html></html>")
    (folder / "index.docx").write_bytes(b"PK")
    assert rendered_article(tmp_path, ".html") == folder / "index.html"
    assert rendered_articles(tmp_path) == [folder / "index.html", folder / "index.docx"]


def test_notebooks_and_missing_output_are_not_the_article(tmp_path: Path):
    (tmp_path / "_manuscript" / "notebooks").mkdir(parents=True)
    (tmp_path / "_manuscript" / "notebooks" / "index.html").write_text("<html></html>")
    assert rendered_article(tmp_path, ".html") is None
    assert rendered_articles(tmp_path) == []
