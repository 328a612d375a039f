"""``pool --json``: the report as JSON, its per-study tables written straight from their columns.

Everything but the tables is written as ``json.dumps(indent=2)`` does. A table (:class:`Rows`) becomes a list
of one-line objects, ``{"study": "A", "events":  3, ...}``, built a block of rows at a time as a byte matrix
with numpy, one fixed-width slot per value (numbers right-aligned, text left-aligned, padded with spaces,
which JSON allows between tokens): numbers are formatted a column at a time by orjson (shortest round-trip
form, NaN as ``null``), text by the standard library's JSON string encoder. No Python object is made per
number and no dictionary per row, so a million studies take about a second rather than a minute. A block
whose text is very long (a study name of hundreds of characters) is joined as plain strings instead, so
that padding never bloats the output.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cached_property
from typing import Any, BinaryIO, Sequence

import numpy as np
import orjson
from numpy.typing import NDArray

from ..results.serialize import Rows, clean

#: Rows formatted and written at a time (bounded memory).
BLOCK_ROWS = 65_536
#: Text cells longer than this (bytes of JSON) make their block go the plain-string way.
LONG_TEXT = 200

_SPACE = 32
_encode_text = json.encoder.encode_basestring  # type: ignore[attr-defined]  # C-accelerated
Bytes = NDArray[np.uint8]


def _is_numeric(column: Any) -> bool:
    return isinstance(column, np.ndarray) and column.dtype.kind in "fiu"


def _number_tokens(values: NDArray[Any]) -> bytes:
    """``[v1,v2,...]`` as orjson writes it."""
    part = np.ascontiguousarray(values)
    if part.dtype.kind == "f" and part.dtype != np.float64:
        part = part.astype(np.float64)
    return orjson.dumps(part, option=orjson.OPT_SERIALIZE_NUMPY)


def _windows(buf: Bytes, firsts: NDArray[np.int64], width: int) -> Bytes:
    """``buf[f:f + width]`` for every f, as rows: a gather of fixed-size (void) items, one copy each."""
    items = np.ndarray(shape=(buf.size - width + 1,), dtype=np.dtype(("V", width)), buffer=buf, strides=(1,))
    return items[firsts].view(np.uint8).reshape(firsts.size, width)


def _slots(buf: Bytes, starts: NDArray[np.int64], ends: NDArray[np.int64], right: bool) -> Bytes:
    """One row per token ``buf[start:end]``, as wide as the longest, padded with spaces.

    Every byte of ``buf`` must be >= 32 (a space): a window of the buffer around each token is copied, and
    its bytes outside the token are lowered to spaces by an elementwise minimum with a row of a lookup table.
    """
    lengths = ends - starts
    width = int(lengths.max())
    pad = np.full(width, _SPACE, dtype=np.uint8)
    column = np.arange(width)
    if right:  # the window ends where the token ends; blank its first width - length bytes
        windows = _windows(np.concatenate((pad, buf)), ends, width)
        table = np.where(column[None, :] < np.arange(width + 1)[:, None], _SPACE, 255).astype(np.uint8)
        return np.minimum(windows, table[width - lengths], out=windows)
    windows = _windows(np.concatenate((buf, pad)), starts, width)
    table = np.where(column[None, :] >= np.arange(width + 1)[:, None], _SPACE, 255).astype(np.uint8)
    return np.minimum(windows, table[lengths], out=windows)


def _number_slots(values: NDArray[Any]) -> Bytes:
    buf = np.frombuffer(_number_tokens(values), dtype=np.uint8)
    ends = np.flatnonzero((buf == 44) | (buf == 93))  # each value ends at a comma or the closing bracket
    starts = np.concatenate(([1], ends[:-1] + 1))
    return _slots(buf, starts, ends, right=True)


class _Text:
    """A column of JSON text tokens (strings, or anything else ``json.dumps`` writes), one per row."""

    def __init__(self, column: Sequence[Any]):
        self.column = column
        try:
            joined: str | None = "\x00".join(column)
        except TypeError:  # not all text
            joined = None
        if joined is not None and joined.count("\x00") == len(column) - 1 and not _ESCAPED.search(joined):
            text = '"' + joined.replace("\x00", '"\n"') + '"\n'  # nothing to escape: quote each one as it is
        else:
            text = "\n".join(self.tokens) + "\n"
        buf = np.frombuffer(text.encode(), dtype=np.uint8).copy()
        self.ends = np.flatnonzero(buf == 10)  # JSON text never holds a raw line break
        self.starts = np.concatenate(([0], self.ends[:-1] + 1))
        buf[self.ends] = _SPACE  # every byte is now >= 32 (see _slots)
        self.buf = buf

    @cached_property
    def tokens(self) -> list[str]:
        return [_encode_text(v) if isinstance(v, str) else json.dumps(clean(v), ensure_ascii=False)
                for v in self.column]

    def longest(self, start: int, stop: int) -> int:
        return int(np.max(self.ends[start:stop] - self.starts[start:stop]))

    def slots(self, start: int, stop: int) -> Bytes:
        return _slots(self.buf, self.starts[start:stop], self.ends[start:stop], right=False)


#: Characters a JSON string must escape (those of json.encoder.encode_basestring).
_ESCAPED = re.compile(r'[\x00-\x1f"\\]')


def _plain_block(rows: Rows, texts: dict[str, _Text], keys: list[bytes], prefix: bytes, start: int,
                 stop: int) -> bytes:
    """The rows ``start:stop`` joined as strings (the way for blocks with very long text)."""
    columns = [texts[name].tokens[start:stop] if name in texts else
               _number_tokens(col[start:stop]).decode()[1:-1].split(",") for name, col in rows.columns.items()]
    names = [key.decode() for key in keys]
    head = prefix.decode()
    return "".join(head + "".join(k + v for k, v in zip(names, values)) + "},\n"
                   for values in zip(*columns)).encode()


def _matrix_block(rows: Rows, texts: dict[str, _Text], keys: list[bytes], prefix: bytes, start: int,
                  stop: int) -> Bytes:
    """The rows ``start:stop`` as a byte matrix, one row per line (module docstring).

    The pieces of a row (constant keys and value slots) are the fields of a structured array of fixed-size
    byte items, so that each piece is copied as whole items rather than byte by byte.
    """
    pieces: list[bytes | Bytes] = [prefix]
    text_slots: dict[int, Bytes] = {}  # a text column shown twice (study and label) is formatted once
    for key, (name, column) in zip(keys, rows.columns.items()):
        pieces.append(key)
        if name in texts:
            text = texts[name]
            if id(text) not in text_slots:
                text_slots[id(text)] = text.slots(start, stop)
            pieces.append(text_slots[id(text)])
        else:
            pieces.append(_number_slots(column[start:stop]))
    pieces.append(b"},\n")
    widths = [len(piece) if isinstance(piece, bytes) else piece.shape[1] for piece in pieces]
    block = np.empty(stop - start, dtype=np.dtype([(f"f{i}", f"V{w}") for i, w in enumerate(widths)]))
    for i, (piece, width) in enumerate(zip(pieces, widths)):
        block[f"f{i}"] = np.void(piece) if isinstance(piece, bytes) else piece.view(f"V{width}")[:, 0]
    return block.view(np.uint8)


def write_rows(rows: Rows, indent: str, stream: BinaryIO, encoded: dict[int, _Text] | None = None) -> None:
    """``rows`` as a JSON array of one-line objects; items indented by ``indent`` plus two spaces.

    ``encoded`` keeps the text columns already encoded, by column object (the study labels of the studies and
    of the leave-one-out table are one list).
    """
    n = len(rows)
    if n == 0:
        stream.write(b"[]")
        return
    keys = [((", " if j else "") + json.dumps(name) + ": ").encode() for j, name in enumerate(rows.columns)]
    prefix = (indent + "  {").encode()
    texts: dict[str, _Text] = {}
    encoded = {} if encoded is None else encoded
    for name, column in rows.columns.items():
        if not _is_numeric(column):  # one encoding per distinct column object
            if id(column) not in encoded:
                encoded[id(column)] = _Text(column)
            texts[name] = encoded[id(column)]
    stream.write(b"[\n")

    def block(start: int) -> bytes | memoryview:
        stop = min(n, start + BLOCK_ROWS)
        if any(text.longest(start, stop) > LONG_TEXT for text in texts.values()):
            return _plain_block(rows, texts, keys, prefix, start, stop)
        return memoryview(_matrix_block(rows, texts, keys, prefix, start, stop)).cast("B")

    starts = range(0, n, BLOCK_ROWS)
    # Blocks are formatted two at a time (numpy releases the GIL) and written in order.
    with ThreadPoolExecutor(max_workers=2) as executor:
        pending: deque[Future] = deque()
        for start in starts:
            pending.append(executor.submit(block, start))
            if len(pending) > 2:
                stream.write(pending.popleft().result())
        while len(pending) > 1:
            stream.write(pending.popleft().result())
        last = pending.popleft().result()
        stream.write(last[:-3])  # no comma after the last row
        stream.write(b"}\n")
    stream.write(indent.encode() + b"]")


def write_json(report: dict[str, Any], stream: BinaryIO) -> None:
    """The whole report, UTF-8, ending with a newline."""
    marker = f"@rows-{uuid.uuid4().hex}-"
    tables: list[Rows] = []

    def hide_tables(value: Any) -> Any:
        if isinstance(value, Rows):
            tables.append(value)
            return f"{marker}{len(tables) - 1}"
        if isinstance(value, dict):
            return {key: hide_tables(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [hide_tables(item) for item in value]
        return value

    text = json.dumps(clean(hide_tables(report)), indent=2, allow_nan=False, ensure_ascii=False)
    pieces = re.split(f'"{re.escape(marker)}(\\d+)"', text)
    encoded: dict[int, _Text] = {}
    for i, piece in enumerate(pieces):
        if i % 2 == 0:
            stream.write(piece.encode())
        else:
            line = pieces[i - 1].rsplit("\n", 1)[-1]
            write_rows(tables[int(piece)], " " * (len(line) - len(line.lstrip())), stream, encoded)
    stream.write(b"\n")
