"""The PRISMA 2020 checklists as published: the 27-item checklist (42 rows with its sub-items) and the 12-item
checklist for abstracts, read from ``prisma2020_checklists.yaml`` beside this module.

Item texts are those of the official templates (Page MJ et al. BMJ 2021;372:n71, licensed CC BY 4.0); the file
keeps the citation and licence, which every document reproducing the texts must carry (:attr:`Checklist.source`).
Items of the abstract checklist are referred to with an "A" in front ("A12"), those of the main checklist by their
number ("24a").
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ..inputs.errors import DataError

STANDARD_FILE = Path(__file__).with_name("prisma2020_checklists.yaml")
ABSTRACT_PREFIX = "A"


@dataclass(frozen=True)
class Item:
    ref: str  # how the manuscript's labels name it: "24a", "A12"
    number: str  # as the template prints it: "24a", "12"
    section: str  # "METHODS"
    topic: str  # "Registration and protocol"
    text: str


@dataclass(frozen=True)
class Source:
    citation: str
    footer: str  # the template's footer: citation and licence
    licence: str
    licence_url: str
    doi: str


@dataclass(frozen=True)
class Checklist:
    key: str  # "main" or "abstract"
    title: str  # "PRISMA 2020 Checklist"
    items: tuple[Item, ...]
    source: Source

    def item(self, ref: str) -> Item | None:
        return next((i for i in self.items if i.ref == ref), None)


TITLES = {"main": "PRISMA 2020 Checklist", "abstract": "PRISMA 2020 for Abstracts Checklist"}


def _items(rows: list[dict[str, Any]], prefix: str, path: Path) -> tuple[Item, ...]:
    items: list[Item] = []
    for row in rows:
        missing = [k for k in ("id", "section", "topic", "text") if not row.get(k)]
        if missing:
            raise DataError(path, [f"item {row.get('id', '?')}: missing {', '.join(missing)}"])
        number = str(row["id"])
        items.append(Item(prefix + number, number, str(row["section"]), str(row["topic"]), str(row["text"])))
    return tuple(items)


@lru_cache(maxsize=2)
def load_checklists(path: Path = STANDARD_FILE) -> dict[str, Checklist]:
    """Both checklists, keyed 'main' and 'abstract'."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    src = data["source"]
    source = Source(citation=" ".join(str(src["citation"]).split()),
                    footer=" ".join(str(src["template_footer"]).split()), licence=str(src["licence"]),
                    licence_url=str(src["licence_url"]), doi=str(src["doi"]))
    return {"main": Checklist("main", TITLES["main"], _items(data["main"], "", path), source),
            "abstract": Checklist("abstract", TITLES["abstract"], _items(data["abstract"], ABSTRACT_PREFIX, path),
                                  source)}


def all_refs() -> set[str]:
    """Every item reference a label may use."""
    return {i.ref for c in load_checklists().values() for i in c.items}
