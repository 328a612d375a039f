"""Two versions of the article compared block by block, and word by word inside a block.

Blocks are aligned on their content (difflib); between two unchanged stretches, old and new blocks of the same
kind are paired when their words are similar enough (a paragraph with a changed number is the same paragraph),
the rest are deleted or inserted whole. Paired blocks are compared word by word, keeping each word's emphasis;
tables row by row (rows aligned the same way) and cell by cell.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Callable, Sequence, TypeVar

from .article import Block, Inline, Span

#: Old and new blocks (or table rows) whose words agree less than this are not the same block.
PAIRING_THRESHOLD = 0.4
WORD = re.compile(r"\s+|[^\s]+")

T = TypeVar("T")


@dataclass(frozen=True)
class Piece:
    """A stretch of text: 'equal', 'insert' or 'delete', with its marks."""

    tag: str
    span: Span


Pieces = tuple[Piece, ...]


@dataclass(frozen=True)
class MarkedRow:
    status: str  # equal | changed | inserted | deleted
    cells: tuple[Pieces, ...]
    header: bool = False


@dataclass(frozen=True)
class MarkedBlock:
    """A block of the comparison; ``block`` is the new version (the old one for a deleted block)."""

    block: Block
    status: str  # equal | changed | inserted | deleted
    pieces: Pieces = ()
    rows: tuple[MarkedRow, ...] = ()

    @property
    def changed(self) -> bool:
        return self.status != "equal"


# ----------------------------------------------------------------------------- words

def tokens(inline: Inline) -> list[tuple[str, frozenset[str]]]:
    """Words and the spaces between them, each with its marks."""
    return [(t, span.marks) for span in inline for t in WORD.findall(span.text)]


def _pieces(tag: str, toks: Sequence[tuple[str, frozenset[str]]]) -> list[Piece]:
    out: list[Piece] = []
    for text, marks in toks:
        if out and out[-1].tag == tag and out[-1].span.marks == marks:
            out[-1] = Piece(tag, Span(out[-1].span.text + text, marks))
        else:
            out.append(Piece(tag, Span(text, marks)))
    return out


def _merge(pieces: list[Piece]) -> Pieces:
    out: list[Piece] = []
    for p in pieces:
        if out and out[-1].tag == p.tag and out[-1].span.marks == p.span.marks:
            out[-1] = Piece(p.tag, Span(out[-1].span.text + p.span.text, p.span.marks))
        elif p.span.text:
            out.append(p)
    return tuple(out)


def word_diff(old: Inline, new: Inline) -> Pieces:
    """Equal, deleted and inserted words in reading order. Neighbouring changes separated only by spaces form one
    change, its deleted words before its inserted ones ('<del>43.1 to 65.7</del><ins>45.0 to 66.1</ins>')."""
    a, b = tokens(old), tokens(new)
    ops: list[tuple[str, tuple[str, frozenset[str]]]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            ops += [("equal", t) for t in b[j1:j2]]
        else:
            ops += [("delete", t) for t in a[i1:i2]] + [("insert", t) for t in b[j1:j2]]
    out: list[Piece] = []
    k = 0
    while k < len(ops):
        if ops[k][0] == "equal":
            out += _pieces("equal", [ops[k][1]])
            k += 1
            continue
        end = k
        while end < len(ops) and (ops[end][0] != "equal" or (
                not ops[end][1][0].strip() and end + 1 < len(ops) and ops[end + 1][0] != "equal")):
            end += 1
        cluster = ops[k:end]
        out += _pieces("delete", [t for tag, t in cluster if tag != "insert"])
        out += _pieces("insert", [t for tag, t in cluster if tag != "delete"])
        k = end
    return _merge(out)


def whole(tag: str, inline: Inline) -> Pieces:
    return _merge(_pieces(tag, tokens(inline)))


def similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a.split(), b.split(), autojunk=False).ratio()


# ----------------------------------------------------------------------------- alignment

def _pairs(old: Sequence[T], new: Sequence[T], score: Callable[[T, T], float]) -> list[tuple[int | None, int | None]]:
    """Monotone pairing of two short sequences maximising the summed similarity of the pairs (scores below
    the threshold never pair); unpaired items come out alone, old ones before new ones."""
    n, m = len(old), len(new)
    sim = [[score(o, w) for w in new] for o in old]
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            pair = sim[i][j] + best[i + 1][j + 1] if sim[i][j] >= PAIRING_THRESHOLD else -1.0
            best[i][j] = max(best[i + 1][j], best[i][j + 1], pair)
    out: list[tuple[int | None, int | None]] = []
    i = j = 0
    while i < n and j < m:
        if sim[i][j] >= PAIRING_THRESHOLD and best[i][j] == sim[i][j] + best[i + 1][j + 1]:
            out.append((i, j))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            out.append((i, None))
            i += 1
        else:
            out.append((None, j))
            j += 1
    out += [(k, None) for k in range(i, n)] + [(None, k) for k in range(j, m)]
    return out


def align(old: Sequence[T], new: Sequence[T], key: Callable[[T], object],
          score: Callable[[T, T], float]) -> list[tuple[T | None, T | None]]:
    """(old, new) pairs in reading order: equal items, similar items paired, the rest alone."""
    out: list[tuple[T | None, T | None]] = []
    matcher = difflib.SequenceMatcher(None, [key(x) for x in old], [key(x) for x in new], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out += list(zip(old[i1:i2], new[j1:j2]))
            continue
        for i, j in _pairs(old[i1:i2], new[j1:j2], score):
            out.append((old[i1 + i] if i is not None else None, new[j1 + j] if j is not None else None))
    return out


# ----------------------------------------------------------------------------- blocks and tables

def _block_score(a: Block, b: Block) -> float:
    if a.kind != b.kind or (a.kind == "heading" and a.level != b.level):
        return 0.0
    return similarity(a.text, b.text)


def _row_text(row: tuple[Inline, ...]) -> str:
    return " ".join("".join(s.text for s in cell) for cell in row)


def _row(status: str, cells: tuple[Inline, ...], header: bool) -> MarkedRow:
    tag = {"inserted": "insert", "deleted": "delete"}.get(status, "equal")
    return MarkedRow(status, tuple(whole(tag, cell) for cell in cells), header)


def table_diff(old: Block, new: Block) -> tuple[MarkedRow, ...]:
    old_rows = [(r, i < old.header_rows) for i, r in enumerate(old.rows)]
    new_rows = [(r, i < new.header_rows) for i, r in enumerate(new.rows)]
    out: list[MarkedRow] = []
    for o, n in align(old_rows, new_rows, key=lambda r: r, score=lambda a, b: similarity(_row_text(a[0]),
                                                                                         _row_text(b[0]))):
        if o is None:
            out.append(_row("inserted", n[0], n[1]))
        elif n is None:
            out.append(_row("deleted", o[0], o[1]))
        elif o == n:
            out.append(_row("equal", n[0], n[1]))
        elif len(o[0]) == len(n[0]):
            out.append(MarkedRow("changed", tuple(word_diff(a, b) for a, b in zip(o[0], n[0])), n[1]))
        else:  # the columns changed: the old row out, the new row in
            out += [_row("deleted", o[0], o[1]), _row("inserted", n[0], n[1])]
    return tuple(out)


def _marked(old: Block | None, new: Block | None) -> MarkedBlock:
    if new is None:
        assert old is not None
        rows = tuple(_row("deleted", r, i < old.header_rows) for i, r in enumerate(old.rows))
        return MarkedBlock(old, "deleted", whole("delete", old.content), rows)
    if old is None:
        rows = tuple(_row("inserted", r, i < new.header_rows) for i, r in enumerate(new.rows))
        return MarkedBlock(new, "inserted", whole("insert", new.content), rows)
    if old.key == new.key:
        rows = tuple(_row("equal", r, i < new.header_rows) for i, r in enumerate(new.rows))
        return MarkedBlock(new, "equal", whole("equal", new.content), rows)
    if new.kind == "table":
        return MarkedBlock(new, "changed", rows=table_diff(old, new))
    return MarkedBlock(new, "changed", word_diff(old.content, new.content))


def diff_blocks(old: list[Block], new: list[Block]) -> list[MarkedBlock]:
    """The whole article, every block marked equal, changed, inserted or deleted."""
    return [_marked(o, n) for o, n in align(old, new, key=lambda b: b.key, score=_block_score)]


def count_words(marked: list[MarkedBlock]) -> tuple[int, int]:
    """Words inserted and deleted."""
    counts = {"insert": 0, "delete": 0}
    for block in marked:
        pieces = list(block.pieces) + [p for row in block.rows for cell in row.cells for p in cell]
        for p in pieces:
            if p.tag in counts:
                counts[p.tag] += len(p.span.text.split())
    return counts["insert"], counts["delete"]
