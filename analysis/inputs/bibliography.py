"""Citation keys of a BibTeX file (``references.bib``)."""

from __future__ import annotations

import re
from pathlib import Path

from .errors import require_file
from .text_file import read_text

BIB_KEY = re.compile(r"^\s*@\w+\s*\{\s*([^,\s]+)\s*,", re.MULTILINE)


def bibliography_keys(path: Path | str) -> list[str]:
    """Citation keys defined in a BibTeX file."""
    path = Path(path)
    require_file(path)
    return BIB_KEY.findall(read_text(path))
