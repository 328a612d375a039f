"""Reading an input file as text: UTF-8 (with or without a byte-order mark) or UTF-16 with one.

Anything else (a spreadsheet saved in its own format, a binary file, text in a legacy encoding) stops with a
:class:`DataError` that names the file and says where and what the problem is, never a decoding traceback.
"""

from __future__ import annotations

from pathlib import Path

from .errors import DataError

#: Opening bytes of formats that are often passed instead of a CSV, and what they are.
_SIGNATURES = {
    b"PK\x03\x04": "a ZIP archive, such as an Excel workbook (.xlsx) or an OpenDocument spreadsheet (.ods)",
    b"\xd0\xcf\x11\xe0": "an Excel 97-2003 workbook (.xls) or another OLE2 document",
    b"%PDF": "a PDF document",
    b"\x1f\x8b": "a gzip-compressed file",
    b"\x89PNG": "a PNG image",
}


def _save_as(path: Path | str) -> str:
    if str(path).lower().endswith((".csv", ".tsv", ".txt")):
        return "save it as text in UTF-8 (in a spreadsheet: File > Save As > CSV UTF-8)"
    return "save it as UTF-8 text (your editor's encoding setting)"


def _where(data: bytes, offset: int) -> str:
    """``line L, column C`` of a byte offset (columns count characters of the decodable part of the line)."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8", errors="replace")) + 1
    line = data.count(b"\n", 0, offset) + 1
    return f"line {line}, column {column}"


def decode_text(data: bytes, path: Path | str) -> str:
    """The text of a file's bytes (BOM removed; newlines as written), or a DataError naming ``path``."""
    for signature, what in _SIGNATURES.items():
        if data.startswith(signature):
            raise DataError(path, [f"this is {what}, not a text file; {_save_as(path)}"])
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16").removeprefix("\ufeff")
        except UnicodeDecodeError as exc:
            raise DataError(path, [f"not valid UTF-16 text near byte {exc.start}; {_save_as(path)}"]) from None
    nul = data.find(b"\x00")
    if nul >= 0:
        raise DataError(path, [f"{_where(data, nul)}: a NUL byte; this is a binary file, not text; {_save_as(path)}"])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad = data[exc.start:exc.start + 1].hex().upper()
        raise DataError(path, [f"{_where(data, exc.start)}: byte 0x{bad} is not UTF-8 text (is the file in a legacy "
                               f"encoding such as Windows-1252 or Latin-1?); {_save_as(path)}"]) from None


def read_text(path: Path | str) -> str:
    """Read ``path`` as text (see :func:`decode_text`)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError(path, [f"cannot be read: {exc.strerror or exc}"]) from None
    return decode_text(data, path)
