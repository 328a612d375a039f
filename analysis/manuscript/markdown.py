"""Text from the data (a study label such as "O'Brien <b> & Co_#1") written into the Markdown that Quarto reads.

Pandoc reads Markdown: ``<b>`` is raw HTML, ``_`` and ``*`` emphasis, ``$`` mathematics, ``@`` a citation, ``|``
a table column, ``&amp;`` an entity, ``--`` a dash and a straight ``'`` a curly one (the ``smart`` extension).
A backslash before an ASCII punctuation character makes it that character and nothing else, in every output
format (https://pandoc.org/MANUAL.html#backslash-escapes): the label is printed as written in the web page,
DOCX and PDF, with the same straight quote the figures draw. ``%`` needs no escape in Markdown (the LaTeX and
Typst writers escape it themselves); ``#`` is escaped as it may start a heading.
"""

from __future__ import annotations

import re

#: Characters Pandoc's Markdown may read as markup anywhere in a line.
MARKUP = re.compile(r"""([\\`*_{}\[\]<>|~^$@&'"!#])""")
#: Runs that the smart extension turns into dashes and an ellipsis.
SMART_RUNS = re.compile(r"(?<=-)-|(?<=\.)\.")


def markdown_text(text: str) -> str:
    """``text`` as Markdown that prints exactly ``text`` (line breaks become spaces)."""
    text = " ".join(str(text).split())
    return SMART_RUNS.sub(lambda m: "\\" + m.group(0), MARKUP.sub(r"\\\1", text))
