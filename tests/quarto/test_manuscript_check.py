"""The static manuscript check: each rule fires on a crafted bad source and stays quiet on good ones."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from analysis import cli
from analysis.quarto.check import check_project


QUARTO_YML = """\
project:
  type: manuscript
manuscript:
  article: manuscript/index.qmd
metadata-files:
  - build/abstract.yml
bibliography: data/references.bib
"""

VARIABLES = """\
orr:
  est: 54.5%
  nested:
    deep: yes
trials:
  total: nine trials
  n: nine
"""

BIB = """\
@article{smith2020,
  title = {A trial},
  year = {2020}
}
@article{jones2021,
  title = {Another trial},
  year = {2021}
}
"""

FRONT = "---\ntitle: A test\nauthor:\n  - name: A. Author\n    email: someone@example.org\n---\n\n"


def make_project(tmp_path: Path, body: str, *, files: dict[str, str] | None = None,
                 abstract: str | None = "abstract: Plain text.\n", variables: str = VARIABLES) -> Path:
    """A minimal manuscript project; ``body`` goes after the article's front matter."""
    root = tmp_path / "proj"
    (root / "manuscript").mkdir(parents=True)
    (root / "data").mkdir()
    (root / "build").mkdir()
    (root / "_quarto.yml").write_text(QUARTO_YML)
    (root / "_variables.yml").write_text(variables)
    (root / "data" / "references.bib").write_text(BIB)
    if abstract is not None:
        (root / "build" / "abstract.yml").write_text(abstract)
    (root / "manuscript" / "index.qmd").write_text(FRONT + textwrap.dedent(body))
    for name, text in (files or {}).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def messages(root: Path) -> list[str]:
    _, problems = check_project(root)
    return [p.render(root) for p in problems]


ARTICLE = "manuscript/index.qmd"
FIRST_BODY_LINE = FRONT.count("\n") + 1  # line number of the body's first line in index.qmd


def test_good_sources_pass(tmp_path: Path) -> None:
    body = """\
    The pooled ORR was {{< var orr.est >}} in {{< var trials.total >}} [@smith2020; @jones2021].
    Of these, {{< var trials.n >}} were small and {{< var trials.n >}} was ... fine.
    As @smith2020 showed, see @fig-forest and @tbl-rates; mail someone@example.org.
    CD20×CD3 antibodies (95% CI shown), PRISMA 2020, ZUMA-1, <https://example.org/page-2020>.

    ![A forest plot.](../build/fig.png){#fig-forest width=80%}

    ```{python}
    #| output: asis
    generated("table.md")
    ```

    `code 123` is not prose, nor is a link [here](https://example.org/v2).

    ```python
    x = 42  # code is not prose
    ```
    """
    root = make_project(tmp_path, body, files={
        "build/fig.png": "png",
        "build/table.md": "| a | b |\n|---|---|\n| 1 | 2 |\n\n: Rates {#tbl-rates}\n",
    })
    assert messages(root) == []


def test_unknown_var_and_non_scalar_var(tmp_path: Path) -> None:
    root = make_project(tmp_path, "Value {{< var orr.typo >}} and {{< var orr.nested >}}.\n")
    out = messages(root)
    line = FIRST_BODY_LINE
    assert f"{ARTICLE}:{line}:7: var key 'orr.typo' is not in _variables.yml (Quarto would print ?var:orr.typo)" in out
    assert any(m.startswith(f"{ARTICLE}:{line}:") and "'orr.nested' is a dict" in m for m in out)
    assert len(out) == 2


def test_missing_variables_file(tmp_path: Path) -> None:
    root = make_project(tmp_path, "Text.\n")
    (root / "_variables.yml").unlink()
    assert messages(root) == ["_variables.yml:1:1: not found: run `python -m analysis build` first"]


def test_unknown_meta_key(tmp_path: Path) -> None:
    root = make_project(tmp_path, "Title {{< meta title >}}, abstract {{< meta abstract >}}, {{< meta nope.key >}}.\n")
    out = messages(root)
    assert len(out) == 1 and "meta key 'nope.key' is not in the document metadata" in out[0]


def test_include_rules(tmp_path: Path) -> None:
    body = """\
    {{< include /parts/missing.md >}}

    Text before.
    {{< include /parts/present.md >}}

    Inline {{< include /parts/present2.md >}} here.
    """
    root = make_project(tmp_path, body, files={"parts/present.md": "Fine.\n", "parts/present2.md": "Fine.\n"})
    out = messages(root)
    line = FIRST_BODY_LINE
    assert any(m.startswith(f"{ARTICLE}:{line}:1: include target /parts/missing.md does not exist") for m in out)
    assert f"{ARTICLE}:{line + 3}:1: an include shortcode needs an empty line before and after it" in out
    assert f"{ARTICLE}:{line + 5}:8: an include shortcode must stand alone on its line" in out


def test_an_include_of_a_generated_file_is_refused(tmp_path: Path) -> None:
    """Quarto expands includes before the pre-render build: on a clean checkout the file is not there yet."""
    root = make_project(tmp_path, "{{< include /build/table.md >}}\n", files={"build/table.md": "Fine.\n"})
    out = messages(root)
    assert len(out) == 1
    assert out[0].startswith(f"{ARTICLE}:{FIRST_BODY_LINE}:1: /build/table.md is generated by the build")
    assert 'generated("table.md")' in out[0]


def test_generated_cells_are_followed_like_includes(tmp_path: Path) -> None:
    body = """\
    See @tbl-rates.

    ```{python}
    #| output: asis
    generated("tables/rates.md")
    ```

    ```{python}
    #| output: asis
    generated("tables/missing.md")
    ```
    """
    root = make_project(tmp_path, body, files={"build/tables/rates.md": "| a |\n|---|\n| 1 |\n\n: Rates {#tbl-rates}\n"})
    out = messages(root)
    assert out == [f"{ARTICLE}:{FIRST_BODY_LINE + 9}:12: generated file build/tables/missing.md does not exist; "
                   "run `python -m analysis build`?"]


def test_relative_include_resolves_against_the_article(tmp_path: Path) -> None:
    root = make_project(tmp_path, "{{< include _part.qmd >}}\n", files={"manuscript/_part.qmd": "See @fig-nowhere.\n"})
    out = messages(root)
    assert out == ["manuscript/_part.qmd:1:5: cross-reference @fig-nowhere has no label (Quarto would print "
                   "?@fig-nowhere)"]


def test_embed_rules(tmp_path: Path) -> None:
    notebook = {"cells": [{"cell_type": "code", "id": "abc", "metadata": {},
                           "source": ["#| label: fig-scatter\n", "plot()\n"]}], "metadata": {}, "nbformat": 4}
    body = """\
    {{< embed nb.ipynb#fig-scatter >}}

    {{< embed nb.ipynb#fig-other >}}

    {{< embed nb#fig-scatter >}}

    {{< embed missing.qmd#fig-x >}}
    """
    root = make_project(tmp_path, body, files={"manuscript/nb.ipynb": json.dumps(notebook)})
    out = messages(root)
    line = FIRST_BODY_LINE
    assert f"{ARTICLE}:{line + 2}:1: embed target nb.ipynb has no cell labelled 'fig-other'" in out
    assert any(m.startswith(f"{ARTICLE}:{line + 4}:1: embed target 'nb#fig-scatter' must name") for m in out)
    assert any(m.startswith(f"{ARTICLE}:{line + 6}:1: embed target missing.qmd does not exist") for m in out)
    assert len(out) == 3


def test_labels_must_be_valid_unique_and_referenced_labels_must_exist(tmp_path: Path) -> None:
    body = """\
    ![One.](../build/a.png){#fig-one}

    ![Again.](../build/a.png){#fig-one}

    ![Bad.](../build/a.png){#fig_two}

    ![Upper.](../build/a.png){#fig-Three}

    See @fig-one, @fig-missing and @tbl-absent.
    """
    root = make_project(tmp_path, body, files={"build/a.png": "png"})
    out = messages(root)
    line = FIRST_BODY_LINE
    assert f"{ARTICLE}:{line + 2}:1: label 'fig-one' is defined again (first at index.qmd:{line})" in out
    assert f"{ARTICLE}:{line + 4}:24: label 'fig_two' contains an underscore (breaks PDF output)" in out
    assert f"{ARTICLE}:{line + 6}:26: label 'fig-Three' has upper-case letters" in out
    assert any(f"{ARTICLE}:{line + 8}:" in m and "@fig-missing has no label" in m for m in out)
    assert any(f"{ARTICLE}:{line + 8}:" in m and "@tbl-absent has no label" in m for m in out)
    assert len(out) == 5


GENERATED = '```{{python}}\n#| output: asis\ngenerated("{}")\n```\n'


def test_labels_in_generated_files_count(tmp_path: Path) -> None:
    table = "| a |\n|---|\n| x |\n\n: Caption {#tbl-made}\n"
    root = make_project(tmp_path, "See @tbl-made.\n\n" + GENERATED.format("t.md"), files={"build/t.md": table})
    assert messages(root) == []


def test_citations_must_be_in_the_bibliography(tmp_path: Path) -> None:
    root = make_project(tmp_path, "Known [@smith2020], unknown [@doe2019; @jones2021] and @nobody2000.\n")
    out = messages(root)
    line = FIRST_BODY_LINE
    assert out == [f"{ARTICLE}:{line}:30: citation @doe2019 is not in the bibliography",
                   f"{ARTICLE}:{line}:56: citation @nobody2000 is not in the bibliography"]


def test_hand_typed_digits_are_rejected(tmp_path: Path) -> None:
    body = """\
    The pooled ORR was 54.5% in nine trials.
    Only {{< var trials.total >}}, CD19 and CD20×CD3 here.
    """
    root = make_project(tmp_path, body)
    out = messages(root)
    line = FIRST_BODY_LINE
    assert out == [f"{ARTICLE}:{line}:20: number '54' typed into the prose; take it from _variables.yml "
                   "({{< var ... >}}) or a generated include",
                   f"{ARTICLE}:{line}:23: number '5' typed into the prose; take it from _variables.yml "
                   "({{< var ... >}}) or a generated include"]


def test_digits_in_generated_files_are_allowed_but_not_in_templates(tmp_path: Path) -> None:
    files = {
        "build/gen.md": "Generated: 54.5% (95% CI 43.1-65.7%).\n",
        "manuscript/_templates/abstract.md.j2": "{# a comment with 12 #}\nThe ORR was {{ orr.est }} in 11 trials.\n",
    }
    root = make_project(tmp_path, GENERATED.format("gen.md"), files=files)
    out = messages(root)
    assert out == ["manuscript/_templates/abstract.md.j2:2:30: number '11' typed into the prose; take it from "
                   "_variables.yml ({{< var ... >}}) or a generated include"]


def test_digits_in_front_matter_comments_and_code_are_not_prose(tmp_path: Path) -> None:
    body = """\
    <!-- a comment with 2025
    over two lines 42 -->
    Text with `inline 7` and [a link](https://x.org/a1).

    ~~~
    99 bottles
    ~~~
    """
    root = make_project(tmp_path, body)
    assert messages(root) == []


def test_metadata_files_must_exist_and_hold_no_shortcodes(tmp_path: Path) -> None:
    root = make_project(tmp_path, "Text.\n", abstract=None)
    out = messages(root)
    assert len(out) == 1 and "metadata-files entry 'build/abstract.yml' does not exist" in out[0]

    root2 = make_project(tmp_path / "b", "Text.\n", abstract="abstract: 'ORR {{< var orr.est >}}'\n")
    out2 = messages(root2)
    assert out2 == ["build/abstract.yml:1:1: abstract contains a shortcode; metadata files must hold formatted "
                    "text (shortcodes leak into the HTML <meta> tags)"]


def test_malformed_shortcodes(tmp_path: Path) -> None:
    body = """\
    A {{< var orr.est>}} value.
    A {{< var
    orr.est >}} split.
    """
    root = make_project(tmp_path, body)
    out = messages(root)
    line = FIRST_BODY_LINE
    assert f"{ARTICLE}:{line}:3: write a space before '>}}}}' in {{{{< var orr.est>}}}}" in out
    assert f"{ARTICLE}:{line + 1}:3: shortcode not closed on the same line (write each shortcode on one line)" in out


def test_missing_image(tmp_path: Path) -> None:
    root = make_project(tmp_path, "![Cap.](../build/none.png){#fig-none}\n\nSee @fig-none.\n")
    out = messages(root)
    assert len(out) == 1 and out[0].startswith(f"{ARTICLE}:{FIRST_BODY_LINE}:9: image ../build/none.png does not exist")


def test_command_line_reports_problems_with_exit_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project(tmp_path, "Value {{< var nope >}}.\n")
    assert cli.main(["check-manuscript", "--root", str(root)]) == 1
    err = capsys.readouterr().err
    assert f"{ARTICLE}:{FIRST_BODY_LINE}:7: var key 'nope' is not in _variables.yml" in err
    assert "check-manuscript: 1 problem(s)" in err


def test_the_real_manuscript_passes(built_project: Path) -> None:
    """The project's own sources, after a full build in a scratch copy."""
    _, problems = check_project(built_project)
    assert [p.render(built_project) for p in problems] == []


def test_invalid_front_matter_is_reported_not_raised(tmp_path: Path) -> None:
    root = make_project(tmp_path, "Text.\n")
    article = root / "manuscript" / "index.qmd"
    article.write_text("---\ntitle: [unclosed\n---\n\nText.\n")
    out = messages(root)
    assert len(out) == 1 and out[0].startswith(f"{ARTICLE}:2:")  # the line with the unclosed bracket
    assert "front matter is not valid YAML" in out[0]


def image_project(tmp_path: Path, formats: str, figures: list[str], profile: str | None = None) -> Path:
    body = "![A forest plot.](../build/figures/forest){#fig-forest}\n\nSee @fig-forest.\n"
    root = make_project(tmp_path, body, files={f"build/figures/{name}": "x" for name in figures})
    (root / "_quarto.yml").write_text(QUARTO_YML + formats)
    if profile is not None:
        (root / "_quarto-latex.yml").write_text(profile)
    return root


FORMATS = """\
format:
  html:
    default-image-extension: png
  docx: default
  typst:
    papersize: a4
"""


def test_an_image_without_extension_needs_the_file_of_every_format(tmp_path: Path) -> None:
    """html and docx read the PNG; typst's Quarto default is SVG, so a missing SVG is reported."""
    root = image_project(tmp_path, FORMATS, ["forest.png"])
    out = messages(root)
    assert len(out) == 1, out
    assert out[0].startswith(f"{ARTICLE}:{FIRST_BODY_LINE}:19: image ../build/figures/forest has no .svg file for "
                             "format typst")
    (root / "build" / "figures" / "forest.svg").write_text("svg")
    assert messages(root) == []


def test_default_image_extension_of_a_profile_and_of_a_missing_format_block(tmp_path: Path) -> None:
    profile = "format:\n  pdf:\n    default-image-extension: pdf\n"
    root = image_project(tmp_path, FORMATS, ["forest.png", "forest.svg"], profile=profile)
    out = messages(root)
    assert len(out) == 1 and "has no .pdf file for format pdf" in out[0]
    bare = image_project(tmp_path / "b", "", ["forest.svg"])  # no format: Quarto renders HTML, which wants PNG
    out = messages(bare)
    assert len(out) == 1 and "has no .png file for format html" in out[0]


def test_explicit_default_image_extension_wins_and_formats_switched_off_are_skipped(tmp_path: Path) -> None:
    formats = "format:\n  html: default\n  typst:\n    default-image-extension: png\n  pdf: false\n"
    root = image_project(tmp_path, formats, ["forest.png"])
    assert messages(root) == []


def test_a_bare_count_followed_by_a_plural_noun_is_rejected(tmp_path: Path) -> None:
    body = """\
    We had {{< var trials.n >}} trials in all.
    We had {{< var trials.total >}} in all; {{< var trials.n >}} of them were small, {{< var trials.n >}} was enough.
    """
    files = {"manuscript/_templates/abstract.md.j2": "In {{ trials.n }} cohorts and {{ trials.total }} overall.\n"}
    root = make_project(tmp_path, body, files=files)
    out = messages(root)
    line = FIRST_BODY_LINE
    assert out == [  # sorted by file
        "manuscript/_templates/abstract.md.j2:1:4: 'trials.n' is a bare count ('nine') followed by the plural "
        "'cohorts', which reads wrongly for a count of one; use a variable that carries its noun",
        f"{ARTICLE}:{line}:8: 'trials.n' is a bare count ('nine') followed by the plural 'trials', which reads "
        "wrongly for a count of one; use a variable that carries its noun",
    ]
