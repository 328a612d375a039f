"""``references.bib``: its entries (read with bibtexparser), their verification status, and what may be printed.

Every entry says in its own fields how far its metadata was verified (``data/README.md``):
``verified`` (``yes`` / ``partial`` / ``no``), ``match`` (``seed`` / ``probable`` / ``candidate``), ``source`` and
``unverified-reason``. An entry is fully established only with ``verified = {yes}`` and ``match = {seed}``;
:func:`unverified` lists every other one, with its reason, for the build and the audit to report.

Rejected with a :class:`~.errors.DataError` naming line, entry and field: a file that does not parse, a key
defined twice, an unknown ``verified`` / ``match`` value, and a printed field that would show a placeholder
(bracketed text such as ``[title not verified]``) or TeX the web page cannot show without MathJax (``$...$``,
``\\times``): write Unicode characters instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from .errors import DataError, require_file
from .text_file import read_text

BIB_KEY = re.compile(r"^\s*@\w+\s*\{\s*([^,\s]+)\s*,", re.MULTILINE)

VERIFIED_VALUES = ("yes", "partial", "no")
MATCH_VALUES = ("seed", "probable", "candidate")
#: Fields meant for the build, the audit and the authors; the citation style never prints them.
BOOKKEEPING_FIELDS = frozenset({"verified", "match", "source", "unverified-reason", "refnumber", "pmid", "keywords",
                                "abstract", "file", "comment"})
#: Text that must never reach a printed reference: a bracketed stand-in, TeX maths, TeX commands for symbols.
PLACEHOLDER = re.compile(r"\[[^\]]*\]")
TEX_MATH = re.compile(r"\$|\\(?:times|textendash|textemdash|alpha|beta|gamma|mu|pm|ge|le|deg)\b")


@dataclass(frozen=True)
class BibEntry:
    """One entry: key, type, the line it starts on and its fields (raw BibTeX values, braces kept)."""

    key: str
    entry_type: str
    line: int
    fields: Mapping[str, str]

    def get(self, name: str) -> str | None:
        value = self.fields.get(name)
        return value.strip() if isinstance(value, str) and value.strip() else None

    @property
    def verified(self) -> str | None:
        return (self.get("verified") or "").lower() or None

    @property
    def match(self) -> str | None:
        return (self.get("match") or "").lower() or None

    @property
    def established(self) -> bool:
        """Metadata seen in full and the work is the one the paper names."""
        return self.verified == "yes" and self.match in (None, "seed")


@dataclass(frozen=True)
class Unverified:
    """An entry that must be checked before submission, and why."""

    key: str
    line: int
    verified: str
    match: str
    reason: str

    def describe(self) -> str:
        return f"{self.key} (line {self.line}; verified = {self.verified}, match = {self.match}): {self.reason}"


def bibliography_keys(path: Path | str) -> list[str]:
    """Citation keys defined in a BibTeX file (a quick scan; :func:`load_bibliography` validates)."""
    path = Path(path)
    require_file(path)
    return BIB_KEY.findall(read_text(path))


def load_bibliography(path: Path | str) -> list[BibEntry]:
    """Every entry of a BibTeX file, validated (see the module docstring)."""
    import bibtexparser  # only when the bibliography is read in full

    path = Path(path)
    require_file(path)
    library = bibtexparser.parse_string(read_text(path))
    problems = [f"line {getattr(block, 'start_line', 0) + 1}: cannot be read as BibTeX "
                f"({type(block).__name__}: {str(getattr(block, 'error', '')).strip() or 'malformed entry'})"
                for block in library.failed_blocks]
    entries: list[BibEntry] = []
    for raw in library.entries:  # a key defined twice is a failed block of bibtexparser (above)
        fields = {f.key.lower(): str(f.value) for f in raw.fields}
        entry = BibEntry(raw.key, raw.entry_type.lower(), raw.start_line + 1, fields)
        problems += _entry_problems(entry)
        entries.append(entry)
    if problems:
        raise DataError(path, problems)
    return entries


def _entry_problems(entry: BibEntry) -> list[str]:
    where = f"line {entry.line}, entry {entry.key}"
    problems = []
    if entry.verified is not None and entry.verified not in VERIFIED_VALUES:
        problems.append(f"{where}, field verified: {entry.verified!r} is not one of {', '.join(VERIFIED_VALUES)}")
    if entry.match is not None and entry.match not in MATCH_VALUES:
        problems.append(f"{where}, field match: {entry.match!r} is not one of {', '.join(MATCH_VALUES)}")
    for name, value in entry.fields.items():
        if name in BOOKKEEPING_FIELDS:
            continue
        if PLACEHOLDER.search(value):
            problems.append(f"{where}, field {name}: {PLACEHOLDER.search(value).group(0)!r} is placeholder text "
                            "that would be printed; leave the field out and say why in unverified-reason")
        if TEX_MATH.search(value):
            problems.append(f"{where}, field {name}: TeX {TEX_MATH.search(value).group(0)!r} needs MathJax on the "
                            "web page; write the character itself (×, –, μ, ±)")
    return problems


def unverified(entries: list[BibEntry]) -> list[Unverified]:
    """Entries not fully established, in file order, each with the reason it gives (or says it lacks)."""
    out = []
    for entry in entries:
        if entry.established:
            continue
        reason = entry.get("unverified-reason")
        if entry.verified is None:
            reason = ("no 'verified' field: check the metadata against the publication and record verified, "
                      "match, source (data/README.md)" + (f"; {reason}" if reason else ""))
        elif reason is None:
            reason = "no unverified-reason given"
        out.append(Unverified(entry.key, entry.line, entry.verified or "not stated", entry.match or "not stated",
                              " ".join(reason.split())))
    return out
