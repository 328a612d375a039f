"""The marked-up manuscript as a web page: the whole article with its structure, insertions in ``<ins>`` and
deletions in ``<del>`` word by word.

Title, headings (at their level), paragraphs, lists (nested, bulleted or numbered), tables (as tables), captions
and references keep their form; a block that changed, appeared or went away is flagged in the margin and listed,
by section, at the top of the page.
"""

from __future__ import annotations

import html

from .block_diff import MarkedBlock, MarkedRow, Pieces, count_words

STYLE = """
body{font-family:Georgia,'Times New Roman',serif;max-width:52rem;margin:2rem auto;padding:0 1rem;line-height:1.55;
color:#1d1d1d}
h1.title{font-size:1.7rem;line-height:1.25}
ins{background:#d4f7d4;color:#0b4f1c;text-decoration:underline}
del{background:#fbd5d5;color:#8a1c1c;text-decoration:line-through}del+ins{margin-left:.2em}
.changed,.inserted,.deleted{border-left:4px solid #e0a800;padding-left:.6rem;margin-left:-1rem}
.inserted{border-left-color:#2e9e4f}.deleted{border-left-color:#c23b3b}
table{border-collapse:collapse;font-size:.82rem;margin:.6rem 0;display:block;overflow-x:auto}
td,th{border:1px solid #bbb;padding:.2rem .4rem;vertical-align:top;text-align:left}th{background:#f2f2f2}
tr.inserted td{background:#eefbee}tr.deleted td{background:#fdeeee}
.caption{font-style:italic;color:#333}.reference{font-size:.9rem;margin:.2rem 0}.meta-line{color:#444}
.report{font-family:system-ui,sans-serif;font-size:.9rem;color:#444;border:1px solid #ddd;padding:.6rem .9rem;
border-radius:4px}.report a{color:#0b5394}
"""

MARK_TAGS = (("strong", "strong"), ("em", "em"), ("sup", "sup"), ("sub", "sub"))
CHANGE_TAGS = {"insert": "ins", "delete": "del"}


def pieces_html(pieces: Pieces) -> str:
    out = []
    for piece in pieces:
        text = html.escape(piece.span.text, quote=False)
        for mark, tag in MARK_TAGS:
            if mark in piece.span.marks:
                text = f"<{tag}>{text}</{tag}>"
        tag = CHANGE_TAGS.get(piece.tag)
        out.append(f"<{tag}>{text}</{tag}>" if tag else text)
    return "".join(out)


def _attrs(block: MarkedBlock, extra: str, anchor: str | None) -> str:
    classes = " ".join(c for c in (extra, block.status if block.changed else "") if c)
    return (f' id="{anchor}"' if anchor else "") + (f' class="{classes}"' if classes else "")


def _row_html(row: MarkedRow, cell: str) -> str:
    status = f' class="{row.status}"' if row.status in ("inserted", "deleted") else ""
    return f"<tr{status}>" + "".join(f"<{cell}>{pieces_html(c)}</{cell}>" for c in row.cells) + "</tr>"


def _table_html(block: MarkedBlock, attrs: str) -> str:
    head = "".join(_row_html(r, "th") for r in block.rows if r.header)
    body = "".join(_row_html(r, "td") for r in block.rows if not r.header)
    return f"<table{attrs}>" + (f"<thead>{head}</thead>" if head else "") + f"<tbody>{body}</tbody></table>"


class _Lists:
    """Opens and closes (nested) lists around consecutive list items."""

    def __init__(self) -> None:
        self.stack: list[tuple[str, int]] = []
        self.out: list[str] = []

    def close_to(self, level: int) -> None:
        while self.stack and self.stack[-1][1] > level:
            self.out.append(f"</li></{self.stack.pop()[0]}>")

    def item(self, level: int, ordered: bool, body: str) -> None:
        tag = "ol" if ordered else "ul"
        self.close_to(level)
        if self.stack and self.stack[-1][1] == level:
            if self.stack[-1][0] != tag:
                self.close_to(level - 1)
            else:
                self.out.append("</li>")
        if not self.stack or self.stack[-1][1] < level:
            self.out.append(f"<{tag}>")
            self.stack.append((tag, level))
        self.out.append(body)


def blocks_html(marked: list[MarkedBlock], anchors: dict[int, str] | None = None) -> str:
    """The marked blocks as HTML (no page around them); ``anchors`` gives ids to blocks by position."""
    anchors = anchors or {}
    lists = _Lists()
    out = lists.out
    for i, mb in enumerate(marked):
        b, anchor = mb.block, anchors.get(i)
        if b.kind != "item":
            lists.close_to(0)
        text = pieces_html(mb.pieces)
        if b.kind == "title":
            out.append(f"<h1{_attrs(mb, 'title', anchor)}>{text}</h1>")
        elif b.kind == "heading":
            level = min(b.level + 1, 6)
            out.append(f"<h{level}{_attrs(mb, '', anchor)}>{text}</h{level}>")
        elif b.kind == "item":
            lists.item(b.level, b.ordered, f"<li{_attrs(mb, '', anchor)}>{text}")
        elif b.kind == "table":
            out.append(_table_html(mb, _attrs(mb, "", anchor)))
        else:
            css = {"meta": "meta-line", "caption": "caption", "reference": "reference"}.get(b.kind, "")
            out.append(f"<p{_attrs(mb, css, anchor)}>{text}</p>")
    lists.close_to(0)
    return "\n".join(out)


def change_index(marked: list[MarkedBlock]) -> tuple[dict[int, str], list[tuple[str, str, int]]]:
    """Anchors for changed blocks, and (section, anchor of its first change, number of changes) per section."""
    anchors: dict[int, str] = {}
    sections: dict[str, list[str]] = {}
    section = "Title and front matter"
    for i, mb in enumerate(marked):
        if mb.block.kind == "heading" and mb.block.level == 1:
            section = mb.block.text
        if mb.changed:
            anchors[i] = f"change-{len(anchors) + 1}"
            sections.setdefault(section, []).append(anchors[i])
    return anchors, [(name, ids[0], len(ids)) for name, ids in sections.items()]


def markup_html(marked: list[MarkedBlock], title: str, note: str) -> str:
    """The whole marked-up article as one self-contained page."""
    anchors, sections = change_index(marked)
    inserted, deleted = count_words(marked)
    where = " · ".join(f'<a href="#{anchor}">{html.escape(name)}</a> ({n})' for name, anchor, n in sections)
    report = (f'<div class="report"><p>{html.escape(note)} {inserted} words inserted, {deleted} deleted, in '
              f'{len(anchors)} changed blocks. <ins>Inserted</ins>, <del>deleted</del>; a bar in the margin marks a '
              f'changed, new or removed block.</p>'
              + (f"<p>Changes by section: {where}</p>" if sections else "<p>No change.</p>") + "</div>")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>\n{report}\n<article>\n"
            + blocks_html(marked, anchors) + "\n</article>\n</body></html>\n")
