"""A marked-up manuscript: two versions of the article compared word by word.

HTML marks insertions with ``<ins>`` and deletions with ``<del>``. The DOCX (when
python-docx is installed) carries real tracked changes (``w:ins`` / ``w:del``,
ECMA-376 Part 1, 17.13.5), so a journal's reviewer can accept or reject them in Word.
"""

from __future__ import annotations

import datetime
import difflib
import html
import re
from pathlib import Path

TOKEN = re.compile(r"\n|[^\S\n]+|[^\s]+")
Op = tuple[str, str]  # ("equal" | "insert" | "delete", text)


def tokens(text: str) -> list[str]:
    """Words, runs of spaces and paragraph breaks, so that joining them gives the text back."""
    return TOKEN.findall(text)


def word_diff(old: str, new: str) -> list[Op]:
    """Equal, inserted and deleted stretches of text, in reading order (deletions before insertions)."""
    a, b = tokens(old), tokens(new)
    ops: list[Op] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            ops.append(("equal", "".join(a[i1:i2])))
            continue
        if tag in ("delete", "replace"):
            ops.append(("delete", "".join(a[i1:i2])))
        if tag in ("insert", "replace"):
            ops.append(("insert", "".join(b[j1:j2])))
    return ops


def paragraphs(ops: list[Op]) -> list[list[Op]]:
    """Split the operations at paragraph breaks of the new text (deleted breaks stay inside)."""
    out: list[list[Op]] = [[]]
    for kind, text in ops:
        parts = text.split("\n")
        for i, part in enumerate(parts):
            if part:
                out[-1].append((kind, part))
            if i < len(parts) - 1 and kind != "delete":
                out.append([])
            elif i < len(parts) - 1:
                out[-1].append((kind, " ¶ "))
    return [p for p in out if p]


def count_changes(ops: list[Op]) -> tuple[int, int]:
    """Words inserted and deleted."""
    words = lambda t: len(re.findall(r"[^\s]+", t))  # noqa: E731
    return (sum(words(t) for k, t in ops if k == "insert"), sum(words(t) for k, t in ops if k == "delete"))


STYLE = ("body{font-family:Georgia,serif;max-width:48rem;margin:2rem auto;padding:0 1rem;line-height:1.55}"
         "ins{background:#d4f7d4;text-decoration:underline}del{background:#fbd5d5;color:#8a1c1c}"
         ".meta{font-family:system-ui,sans-serif;font-size:.9rem;color:#555}")


def markup_html(ops: list[Op], title: str, note: str) -> str:
    body = []
    for para in paragraphs(ops):
        pieces = []
        for kind, text in para:
            esc = html.escape(text)
            pieces.append(f"<ins>{esc}</ins>" if kind == "insert" else f"<del>{esc}</del>" if kind == "delete" else esc)
        body.append(f"<p>{''.join(pieces)}</p>")
    inserted, deleted = count_changes(ops)
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            f"<style>{STYLE}</style></head><body>\n<h1>{html.escape(title)}</h1>\n"
            f"<p class=\"meta\">{html.escape(note)} {inserted} words inserted, {deleted} deleted.</p>\n"
            + "\n".join(body) + "\n</body></html>\n")


def markup_docx(ops: list[Op], path: Path, author: str = "analysis diff",
                date: datetime.datetime | None = None) -> bool:
    """Write the comparison as a DOCX with tracked changes; False when python-docx is not installed."""
    try:
        from docx import Document
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn
    except ImportError:
        return False
    stamp = (date or datetime.datetime.now(datetime.timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
    doc = Document()
    change_id = 0

    def run(text: str, deleted: bool):  # type: ignore[no-untyped-def]
        r = OxmlElement("w:r")
        t = OxmlElement("w:delText" if deleted else "w:t")
        t.set(qn("xml:space"), "preserve")
        t.text = text
        r.append(t)
        return r

    for para in paragraphs(ops):
        p = doc.add_paragraph()
        for kind, text in para:
            if kind == "equal":
                p.add_run(text)
                continue
            change_id += 1
            el = OxmlElement("w:ins" if kind == "insert" else "w:del")
            el.set(qn("w:id"), str(change_id))
            el.set(qn("w:author"), author)
            el.set(qn("w:date"), stamp)
            el.append(run(text, kind == "delete"))
            p._p.append(el)
    from ..io import atomic_path

    with atomic_path(path) as tmp:
        doc.save(str(tmp))
    return True
