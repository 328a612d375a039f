"""A PRISMA 2020 checklist as the official templates lay it out: a header row (Section and Topic, Item #, Checklist
item, and where the item is reported), a shaded row for each section (TITLE, ABSTRACT, INTRODUCTION, …), one row
per item with its topic written once for the sub-items that share it (10a and 10b: "Data items"), and the
template's footer with the source and its licence. The Word and PDF writers draw this one model.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..checklist.locate import Resolution, Row
from ..checklist.standard import Checklist

MAIN_HEADER = ("Section and Topic", "Item #", "Checklist item", "Location where item is reported")
#: The abstract checklist's template asks whether each item is reported; the location follows the answer.
ABSTRACT_HEADER = ("Section and Topic", "Item #", "Checklist item", "Reported (Yes/No)")
LOCATION_NOTE = ("Locations are the pages and line numbers of the line-numbered review version of the manuscript "
                 "({pdf}), read from it after it was rendered.")


@dataclass(frozen=True)
class TableRow:
    kind: str  # "section" or "item"
    text: str  # section name, or the item's checklist text
    topic: str = ""
    topic_rows: int = 0  # rows the topic cell spans (0: merged into the cell above)
    number: str = ""
    location: str = ""
    reported: bool = True


@dataclass(frozen=True)
class ChecklistTable:
    title: str
    manuscript: str
    note: str
    header: tuple[str, ...]
    rows: tuple[TableRow, ...]
    footer: str

    def as_dict(self) -> dict[str, object]:
        return {"title": self.title, "manuscript": self.manuscript, "note": self.note, "header": list(self.header),
                "footer": self.footer, "rows": [row.__dict__ for row in self.rows]}


def _location(row: Row, abstract: bool) -> str:
    if not abstract:
        return row.location_text()
    return f"Yes ({row.location_text()})" if row.reported else "No"


def checklist_table(checklist: Checklist, rows: tuple[Row, ...], manuscript_title: str,
                    pdf_name: str) -> ChecklistTable:
    """The document model of one checklist with the locations of ``rows`` (in checklist order)."""
    abstract = checklist.key == "abstract"
    out: list[TableRow] = []
    section = None
    for i, row in enumerate(rows):
        item = row.item
        if item.section != section:
            section = item.section
            out.append(TableRow("section", section))
        first_of_topic = i == 0 or rows[i - 1].item.topic != item.topic or rows[i - 1].item.section != section
        span = 0
        if first_of_topic:
            span = 1
            while i + span < len(rows) and rows[i + span].item.topic == item.topic \
                    and rows[i + span].item.section == section:
                span += 1
        out.append(TableRow("item", item.text, item.topic, span, item.number, _location(row, abstract), row.reported))
    return ChecklistTable(checklist.title, manuscript_title, LOCATION_NOTE.format(pdf=pdf_name),
                          ABSTRACT_HEADER if abstract else MAIN_HEADER, tuple(out), checklist.source.footer)


def checklist_tables(resolution: Resolution, manuscript_title: str, pdf_name: str) -> dict[str, ChecklistTable]:
    """Both checklists ('main', 'abstract') ready to be written."""
    return {key: checklist_table(resolution.checklists[key], rows, manuscript_title, pdf_name)
            for key, rows in resolution.rows.items()}
