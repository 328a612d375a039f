"""Tables 1 and 2: rows, computed percentages, not-reported cells, captions, notes and citations."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.manuscript_project import build, copy_project


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = copy_project(tmp_path_factory.mktemp("tables") / "project")
    build(root, only=["results", "tables"])
    return {name: (root / "build" / "tables" / f"{name}.md").read_text() for name in ("table1", "table2")}


def data_rows(table: str) -> list[list[str]]:
    lines = [l for l in table.split("\n") if l.startswith("|")]
    return [[c.strip() for c in l.strip("|").split("|")] for l in lines[2:]]


def header(table: str) -> list[str]:
    first = next(l for l in table.split("\n") if l.startswith("|"))
    return [c.strip() for c in first.strip("|").split("|")]


def trials() -> list[dict[str, str]]:
    root = Path(__file__).resolve().parents[2]
    with open(root / "data" / "trials.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_pipe_tables_are_well_formed(tables: dict[str, str]) -> None:
    for text in tables.values():
        lines = [l for l in text.split("\n") if l.startswith("|")]
        assert len({l.count("|") for l in lines}) == 1
        assert set(lines[1].replace("|", "").replace(":", "")) == {"-"}


def test_table1_has_one_row_per_prior_cart_cohort(tables: dict[str, str]) -> None:
    rows = data_rows(tables["table1"])
    prior = [t for t in trials() if t["population"] == "prior_cart"]
    assert len(rows) == len(prior) == 9
    # Two different trials of Hutchings 2023 (NCT03075696, NCT03533283) are told apart by a letter.
    labels = ["Chong 2025", "Hutchings 2023a", "Cartron 2025", "Thieblemont 2024", "Topp 2025", "Hutchings 2023b",
              "Budde 2024", "Brody 2025", "Abramson 2024"]
    assert [r[0] for r in rows] == [f"{label} [@{t['reference_key']}]" for label, t in zip(labels, prior)]


def test_no_label_is_shared_by_two_trials(tables: dict[str, str]) -> None:
    """Cohorts of one trial share its label; different trials (NCT ids) never do."""
    for name in ("table1", "table2"):
        nct_by_label: dict[str, set[str]] = {}
        for r in data_rows(tables[name]):
            nct_by_label.setdefault(r[0].split(" [")[0], set()).add(r[1])
        assert all(len(ncts) == 1 for ncts in nct_by_label.values()), nct_by_label
    assert "| Budde 2024 [@budde2024]" in tables["table2"]  # prior-CAR-T and CAR-T-naive cohorts of one trial


def test_table1_time_to_event_cells(tables: dict[str, str]) -> None:
    cols = header(tables["table1"])
    rows = {r[0].split(" [")[0] + r[1]: dict(zip(cols, r)) for r in data_rows(tables["table1"])}
    cartron = rows["Cartron 2025NCT04703686"]
    # As printed in the paper's Table 1: DOR 19.7m (4.0-NR), DoCR NR (19.7-NR), mPFS 3.8m (2.4-19.6), mOS 14.7m (8.8-NE)
    assert cartron["DOR, mo (95% CI)"] == "19.7 (4.0\u2013NR)"
    assert cartron["DoCR, mo (95% CI)"] == "NR (19.7\u2013NR)"
    assert cartron["mPFS, mo (95% CI)"] == "3.8 (2.4\u201319.6)"
    assert cartron["mOS, mo (95% CI)"] == "14.7 (8.8\u2013NE)"
    assert cartron["Refractory to CAR-T, %"] == "66.7"
    assert cartron["Median follow-up, mo"] == "15.3"
    chong = rows["Chong 2025NCT02500407"]
    assert chong["DOR, mo (95% CI)"] == "25.0% at 12 mo"
    assert chong["DoCR, mo (95% CI)"] == "\u2013"  # not reported
    assert rows["Hutchings 2023aNCT03075696"]["mOS, mo (95% CI)"] == "NE"
    assert rows["Hutchings 2023bNCT03533283"]["Refractory to CAR-T, %"] == "\u2013"


def test_table2_percentages_are_computed_from_counts(tables: dict[str, str]) -> None:
    rows = data_rows(tables["table2"])
    assert len(rows) == len(trials()) == 12
    cols = header(tables["table2"])
    by_key = {}
    for r in rows:
        cells = dict(zip(cols, r))
        by_key[(cells["NCT"], cells["Prior CAR-T"])] = cells
    # Chong: 11/27 = 40.7% (the paper prints 40); Budde prior-CAR-T: 20/35 = 57.1% (paper: 57).
    assert by_key[("NCT02500407", "Yes")]["ORR, n (%)"] == f"11 ({100 * 11 / 27:.1f})" == "11 (40.7)"
    assert by_key[("NCT03671018", "Yes")]["ORR, n (%)"] == "20 (57.1)"
    assert by_key[("NCT04663347", "No")]["CR, n (%)"] == f"50 ({100 * 50 / 74:.1f})"
    assert by_key[("NCT04408638", "Yes")]["ORR, n (%)"] == "\u2013"  # Abramson 2024: ORR not reported
    assert [c["Prior CAR-T"] for c in (dict(zip(cols, r)) for r in rows)] == ["Yes"] * 9 + ["No"] * 3


def test_captions_labels_and_notes(tables: dict[str, str]) -> None:
    assert "\n: Characteristics of the cohorts treated after CAR-T {#tbl-characteristics}\n" in tables["table1"]
    assert "\n: Objective and complete responses in each cohort {#tbl-responses}\n" in tables["table2"]
    assert "NR, not reached" in tables["table1"] and "NE, not estimable" in tables["table1"]
    assert "\u2013, not reported in the source (Abramson 2024 [@abramson2024])" in tables["table2"]
    for abbreviation in ("Pola, polatuzumab vedotin", "ORR, overall response rate",
                         "GemOx, gemcitabine plus oxaliplatin", "CR, complete response"):
        assert abbreviation in tables["table2"]


# ----------------------------------------------------------------------------- layout for the page width

def separator_widths(table: str) -> list[int]:
    separator = [l for l in table.split("\n") if l.startswith("|")][1]
    return [cell.count("-") for cell in separator.strip("|").split("|")]


def test_wide_table_1_goes_on_a_landscape_page_and_table_2_stays_portrait(tables: dict[str, str]) -> None:
    """Table 1 has eleven columns whose one-line cells add up to more than a portrait A4 text block holds."""
    assert tables["table1"].startswith("::: {.landscape}\n") and tables["table1"].rstrip().endswith(":::")
    assert ".landscape" not in tables["table2"]


def test_no_column_is_narrower_than_its_longest_word(tables: dict[str, str]) -> None:
    """Pandoc sizes columns by their share of the separator's dashes: the NCT column (eleven characters that
    cannot wrap) must get a larger share than the N column (two digits), and every column at least as many
    dashes as its longest word has characters."""
    for name, text in tables.items():
        widths = dict(zip(header(text), separator_widths(text)))
        assert widths["NCT"] >= len("NCT02500407") > widths["N"], (name, widths)
        for row in data_rows(text):
            for column, cell in zip(header(text), row):
                longest = max((len(w) for w in cell.replace("[@", " [@").split() if not w.startswith("[@")),
                              default=0)
                assert widths[column] >= longest, (name, column, cell)


def test_pandoc_gives_each_column_at_least_its_designed_width(tables: dict[str, str]) -> None:
    """Pandoc measures each column by its whole separator cell, alignment colons included (``|:----|-----:|``
    gives 5/11 and 6/11 of the text width), and divides by their sum: a separator longer than the page's
    characters would shrink every designed column (the NCT column lost a tenth and broke in Word)."""
    from analysis.manuscript.tables import PAGE_CHARACTERS

    for name, text in tables.items():
        separator = [l for l in text.split("\n") if l.startswith("|")][1]
        cells = separator.strip("|").split("|")
        page = PAGE_CHARACTERS["landscape" if ".landscape" in text else "portrait"]
        assert sum(len(cell) for cell in cells) <= page, name


def test_column_layout_on_a_frame_built_by_hand() -> None:
    import pandas as pd

    from analysis.manuscript.tables import column_layout

    narrow = pd.DataFrame({"A": ["x"], "B": ["y"]})
    assert column_layout(narrow).orientation == "portrait"
    wide = pd.DataFrame({f"column {i}": ["a fairly long cell of text"] for i in range(8)})
    layout = column_layout(wide)
    assert layout.orientation == "landscape"
    assert len(set(layout.widths)) == 1  # identical columns, identical widths
    huge = pd.DataFrame({f"c{i}": ["word " * 30 + "unbreakable_identifier"] for i in range(6)})
    words = column_layout(huge)  # cannot fit even in landscape: long cells wrap, the long word still fits
    assert words.orientation == "landscape" and all(w >= len("unbreakable_identifier") for w in words.widths)
