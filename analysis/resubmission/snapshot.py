"""Snapshots of a build for resubmission: ``_snapshots/NAME/`` keeps what a submission showed.

A snapshot mirrors the project's layout (``build/results.json``, ``_variables.yml``,
``build/tables/…``, ``manuscript/index.qmd``, ``_manuscript/index.html`` …), so the
same readers work on the project and on any snapshot. ``manifest.json`` records the
name, the date, the provenance of the build, the state of the git working tree at the time of the
snapshot (which may differ from the state when the numbers were computed: an edit to the text does not re-run
the analysis) and the SHA-256 of every file copied;
``article.txt`` is the article's text at the time, one block a paragraph (see :mod:`analysis.resubmission.article`).
"""

from __future__ import annotations

import datetime
import re
import shutil
from pathlib import Path
from typing import Any

from ..inputs.errors import DataError
from ..io import atomic_folder, read_json, sha256_file, write_json, write_text
from ..quarto.rendered import rendered_articles
from ..quarto.review_pdf import review_article
from ..results.output_provenance import provenance_metadata
from ..results.provenance import git_version
from .article import article_blocks, article_plain_text

SNAPSHOT_DIR = "_snapshots"  # leading underscore: Quarto ignores it (its .qmd copies are not notebooks)
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
#: What a snapshot keeps, relative to the project folder (globs).
SNAPSHOT_GLOBS = (
    "build/results.json", "build/provenance.json", "build/provenance.yml", "_variables.yml", "build/abstract.yml",
    "build/tables/*", "build/figures/*", "build/manuscript/*", "manuscript/*.qmd", "manuscript/**/*.qmd",
)


class SnapshotError(DataError):
    """A snapshot that cannot be made or read (message names the folder)."""


def snapshot_path(root: Path, name: str) -> Path:
    if not NAME_PATTERN.match(name):
        raise SnapshotError(Path(SNAPSHOT_DIR) / name,
                            ["a snapshot name uses letters, digits, '.', '_' or '-' (e.g. submission-1)"])
    return root / SNAPSHOT_DIR / name


def files_to_keep(root: Path) -> list[Path]:
    seen: dict[Path, None] = {}
    for pattern in SNAPSHOT_GLOBS:
        for p in sorted(root.glob(pattern)):
            if p.is_file() and not p.name.startswith("."):
                seen.setdefault(p, None)
    for p in rendered_articles(root):  # the rendered article (HTML, DOCX, PDF), wherever Quarto put it
        seen.setdefault(p, None)
    for p in (review_article(root, s) for s in (".pdf", ".docx")):  # the line-numbered review variant
        if p is not None:
            seen.setdefault(p, None)
    return list(seen)


def create_snapshot(root: Path, name: str, force: bool = False, now: datetime.datetime | None = None) -> Path:
    """Copy the current build into ``_snapshots/NAME``; refuse to overwrite unless ``force``."""
    root = Path(root)
    dest = snapshot_path(root, name)
    results = root / "build" / "results.json"
    if not results.exists():
        raise SnapshotError(results, ["no build to snapshot; run `make build` first"])
    if dest.exists() and not force:
        raise SnapshotError(dest, [f"snapshot {name!r} exists; choose another name or pass --force to replace it"])
    registry = read_json(results)
    with atomic_folder(dest) as staging:
        files: dict[str, str] = {}
        for src in files_to_keep(root):
            rel = src.relative_to(root)
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)
            files[str(rel)] = sha256_file(src)
        blocks, source = article_blocks(root)
        if blocks is not None:
            write_text(staging / "article.txt", article_plain_text(blocks) + "\n")
        stamp = (now or datetime.datetime.now(datetime.timezone.utc)).replace(microsecond=0)
        write_json(staging / "manifest.json", {
            "name": name, "created": stamp.isoformat(),
            "provenance": provenance_metadata(registry, git_version(root)),  # git: the tree now, and at the build
            "article_text_source": source if blocks is not None else None, "files": files,
        })
    return dest


def read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / "manifest.json"
    if not path.exists():
        raise SnapshotError(folder, ["not a snapshot (no manifest.json); list them with `ls _snapshots/`"])
    return read_json(path)
