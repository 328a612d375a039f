"""The citation style: PyPI's Frontiers CSL patched so a volume never dangles ("145:") and an article number never
runs into the year ("(2022)909008"); checked on the real bibliography with Pandoc's citeproc (Quarto's Pandoc)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from xml.etree import ElementTree

import pytest

from analysis.manuscript.citation_style import CSL_NS, copy_style, patch_style, style_source

from ..conftest import ROOT

N = f"{{{CSL_NS}}}"


def test_the_patch_joins_volume_and_page_and_keeps_the_licence() -> None:
    original = ElementTree.fromstring(style_source().read_bytes())
    patched = ElementTree.fromstring(patch_style(style_source().read_bytes()))
    assert original.find(f"{N}info/{N}rights").attrib == patched.find(f"{N}info/{N}rights").attrib  # CC BY-SA
    assert [a.find(f"{N}name").text for a in patched.iter(f"{N}author")] == \
        [a.find(f"{N}name").text for a in original.iter(f"{N}author")]
    assert patched.find(f"{N}info/{N}id").text != original.find(f"{N}info/{N}id").text
    templates = [link.get("href") for link in patched.iter(f"{N}link") if link.get("rel") == "template"]
    assert original.find(f"{N}info/{N}id").text in templates
    joined = [g for g in patched.iter(f"{N}group") if g.get("delimiter") == ":"
              and [t.get("variable") for t in g] == ["volume", "page"]]
    assert len(joined) == 1
    assert not [t for t in patched.iter(f"{N}text") if t.get("variable") == "volume" and t.get("suffix") == ":"]


QUARTO = shutil.which("quarto")


@pytest.mark.skipif(QUARTO is None, reason="Quarto (its Pandoc) is not installed")
def test_references_print_without_dangling_volume_or_glued_article_number(tmp_path: Path) -> None:
    csl = copy_style(tmp_path)
    source = tmp_path / "refs.md"
    source.write_text(f"---\nbibliography: {ROOT / 'data' / 'references.bib'}\ncsl: {csl}\nnocite: '@*'\n---\n")
    out = subprocess.run([QUARTO, "pandoc", str(source), "--citeproc", "-t", "plain", "--wrap=none"],
                         capture_output=True, text=True, check=True, timeout=120).stdout
    entries = {m.group(1): m.group(2) for m in re.finditer(r"^(\d+)\. (.+)$", out, re.M)}
    text = "\n".join(entries.values())
    assert len(entries) == 23
    assert "Brody et al. Blood (2025) 145." in text  # volume restored, no page: no colon
    assert "Frontiers in Immunology (2022) 909008. doi: 10.3389/fimmu.2022.909008" in text
    assert "Blood (2025) 145:1498–1509. doi: 10.1182/blood.2024027044" in text  # volume and pages
    assert not re.search(r"\d:(?:\s|$|\.)", text), "a volume without pages printed a dangling colon"
    assert not re.search(r"\(\d{4}\)\d", text), "a page or article number ran into the year"
    assert "[" not in text and "$" not in text  # no placeholders, no TeX
