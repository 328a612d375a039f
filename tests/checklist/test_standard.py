"""The PRISMA 2020 checklists as the package ships them: every item of the published checklists, with the source."""

from __future__ import annotations

from analysis.checklist.standard import load_checklists

#: The published PRISMA 2020 checklist (Page et al. BMJ 2021;372:n71, Table 1): 27 items, sub-items as printed.
PUBLISHED_MAIN = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10a", "10b", "11", "12", "13a", "13b", "13c", "13d",
                  "13e", "13f", "14", "15", "16a", "16b", "17", "18", "19", "20a", "20b", "20c", "20d", "21", "22",
                  "23a", "23b", "23c", "23d", "24a", "24b", "24c", "25", "26", "27"]
PUBLISHED_ABSTRACT = [str(n) for n in range(1, 13)]


def test_both_checklists_have_every_published_item_in_order():
    checklists = load_checklists()
    assert [i.number for i in checklists["main"].items] == PUBLISHED_MAIN
    assert len(PUBLISHED_MAIN) == 42
    assert [i.number for i in checklists["abstract"].items] == PUBLISHED_ABSTRACT
    assert [i.ref for i in checklists["abstract"].items] == [f"A{n}" for n in PUBLISHED_ABSTRACT]


def test_items_carry_the_published_wording_and_sections():
    main = load_checklists()["main"]
    assert main.item("24a").text == ("Provide registration information for the review, including register name and "
                                     "registration number, or state that the review was not registered.")
    assert main.item("24a").section == "OTHER INFORMATION" and main.item("24a").topic == "Registration and protocol"
    assert main.item("1").text == "Identify the report as a systematic review."
    assert load_checklists()["abstract"].item("A12").text == "Provide the register name and registration number."


def test_the_source_and_licence_travel_with_the_texts():
    source = load_checklists()["main"].source
    assert "BMJ 2021;372:n71" in source.citation and source.doi == "10.1136/bmj.n71"
    assert source.licence == "CC BY 4.0" and "CC BY 4.0" in source.footer and "n71" in source.footer
