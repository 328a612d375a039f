"""The submission package: one folder, ``build/submission/``, and its zip, ``build/submission.zip``.

What goes in, all taken from the rendered review variant (``_manuscript-review/``) and the build:

* ``Manuscript.pdf`` and ``Manuscript.docx``: the double-spaced, line-numbered article;
* ``Manuscript-meca.zip``: the MECA bundle Quarto's manuscript support wrote with the render;
* ``figures/``: each figure as ``FigureN.tif`` and ``FigureN.jpg`` (:mod:`analysis.submission.figures`);
* ``tables/``: each table as ``TableN.docx`` (:mod:`analysis.submission.tables`);
* ``checklists/``: the PRISMA 2020 checklist and the PRISMA 2020 for Abstracts checklist, DOCX and PDF, each item
  with the page and lines of the review PDF that report it (:mod:`analysis.checklist`);
* ``README.txt`` (what each file is, what is not reported) and ``manifest.json`` (hashes, provenance).

Nothing is packed from a stale render: the review PDF and DOCX must be newer than every source and generated file
they were made from. The folder is assembled beside its place and swapped in whole, so a failed run leaves the
previous package as it was.
"""

from __future__ import annotations

import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..checklist.locate import Resolution, resolve
from ..inputs.errors import DataError
from ..io import atomic_folder, atomic_path, read_json, sha256_file, write_json, write_text
from ..quarto.review_pdf import REVIEW_OUTPUT_DIR, newer_render_inputs, read_review_pdf, review_article
from ..results.output_provenance import provenance_metadata
from .checklist_docx import write_checklist_docx
from .checklist_pdf import write_checklist_pdf
from .checklist_table import checklist_tables
from .figures import FigureFile, write_figures
from .tables import TableFile, write_tables

PACKAGE_DIR = Path("build") / "submission"  # and its zip, build/submission.zip
MECA_NAME = "index-meca.zip"
CHECKLIST_FILES = {"main": "PRISMA2020_checklist", "abstract": "PRISMA2020_abstract_checklist"}
#: Fixed time stamp of the zip entries: the same files give the same zip.
ZIP_DATE = (2000, 1, 1, 0, 0, 0)
RENDER_HINT = "run `make submission` (it renders the review variant first)"


class SubmissionError(DataError):
    """The package cannot be made from what is on disk (the message names the file and what to run)."""


@dataclass(frozen=True)
class Package:
    folder: Path
    zip: Path
    files: tuple[Path, ...]
    figures: tuple[FigureFile, ...]
    tables: tuple[TableFile, ...]
    resolution: Resolution


def _rendered(root: Path) -> tuple[Path, Path, Path]:
    """The review PDF, DOCX and MECA bundle, checked to exist and to be current."""
    pdf, docx = review_article(root, ".pdf"), review_article(root, ".docx")
    meca = root / REVIEW_OUTPUT_DIR / MECA_NAME
    missing = [name for name, found in (("the review PDF", pdf), ("the review DOCX", docx),
                                         (MECA_NAME, meca if meca.is_file() else None)) if found is None]
    if missing or pdf is None or docx is None:
        raise SubmissionError(root / REVIEW_OUTPUT_DIR, [f"not rendered: {', '.join(missing)}; {RENDER_HINT}"])
    for output in (pdf, docx, meca):
        newer = newer_render_inputs(root, output)
        if newer:
            names = ", ".join(str(p.relative_to(root)) for p in newer[:5])
            raise SubmissionError(output, [f"older than {len(newer)} of its inputs (e.g. {names}); {RENDER_HINT}"])
    return pdf, docx, meca


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def _readme(title: str, provenance: dict[str, str], figures: list[FigureFile], tables: list[TableFile],
            resolution: Resolution) -> str:
    lines = [f"Submission package: {title}", "",
             f"Built from git commit {provenance.get('git_commit', '?')} (uncommitted changes: "
             f"{provenance.get('git_dirty', '?')}), analysis {provenance.get('analysis_version', '?')}.", "",
             "Manuscript.pdf        the article, double-spaced with continuous line numbers (review variant)",
             "Manuscript.docx       the same article in Word",
             "Manuscript-meca.zip   MECA bundle written by Quarto: JATS XML, the Word file, figures and the project's",
             "                      sources (Quarto 1.10 packs no Typst PDF: Manuscript.pdf is beside it)"]
    for f in figures:
        lines.append(f"figures/Figure{f.number}.tif, .jpg   {f.label}: {f.width_mm:.0f} x {f.height_mm:.0f} mm at "
                     f"{f.dpi:.0f} dpi, RGB (TIFF lossless, JPEG for production)")
    for t in tables:
        lines.append(f"tables/Table{t.number}.docx   {t.caption} (editable; legend above the table"
                     + (", landscape page)" if t.landscape else ")"))
    for key, name in CHECKLIST_FILES.items():
        lines.append(f"checklists/{name}.docx, .pdf   {resolution.checklists[key].title}, with the page and lines "
                     "of Manuscript.pdf that report each item")
    missing = resolution.not_reported
    lines += ["", f"PRISMA 2020 items the manuscript does not report ({len(missing)}; listed as 'Not reported' in "
              "the checklists and as warnings by `make check`):"]
    lines += [f"  {r.item.ref:>4}  {r.item.topic}" for r in missing] or ["  none"]
    lines += ["", "Frontiers' requirements followed: figures as separate files in the order of the article, 85 or "
              "180 mm wide at 300 dpi, no longer than one page; tables editable with the legend above; see "
              "analysis/submission/figures.py and tables.py for the sources.", ""]
    return "\n".join(lines)


def _checklist_summary(resolution: Resolution) -> dict[str, Any]:
    return {key: [{"item": r.item.ref, "topic": r.item.topic, "reported": r.reported, "location": r.location_text()}
                  for r in rows] for key, rows in resolution.rows.items()}


def write_zip(folder: Path, target: Path) -> None:
    """Every file of ``folder`` under its name, in sorted order, with a fixed date."""
    with atomic_path(target) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(f"{folder.name}/{path.relative_to(folder).as_posix()}", ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())


def build_package(root: Path, folder: Path | None = None) -> Package:
    """Assemble ``build/submission/`` (or ``folder``) and a zip beside it from the current render and build."""
    root = Path(root)
    pdf_path, docx_path, meca = _rendered(root)
    review = read_review_pdf(pdf_path)
    resolution = resolve(review)
    if resolution.problems:
        raise SubmissionError(pdf_path, list(resolution.problems))
    registry = read_json(root / "build" / "results.json")
    folder = Path(folder) if folder is not None else root / PACKAGE_DIR
    archive = folder.with_suffix(".zip")
    with atomic_folder(folder) as staging:
        _copy(pdf_path, staging / "Manuscript.pdf")
        _copy(docx_path, staging / "Manuscript.docx")
        _copy(meca, staging / "Manuscript-meca.zip")
        figures = write_figures(root, staging / "figures")
        tables = write_tables(docx_path, staging / "tables")
        for key, table in checklist_tables(resolution, review.title, "Manuscript.pdf").items():
            write_checklist_docx(table, staging / "checklists" / f"{CHECKLIST_FILES[key]}.docx")
            write_checklist_pdf(table, staging / "checklists" / f"{CHECKLIST_FILES[key]}.pdf")
        provenance = provenance_metadata(registry)
        write_text(staging / "README.txt", _readme(review.title, provenance, figures, tables, resolution))
        files = sorted(p for p in staging.rglob("*") if p.is_file())
        write_json(staging / "manifest.json", {
            "title": review.title, "provenance": provenance, "checklists": _checklist_summary(resolution),
            "files": {p.relative_to(staging).as_posix(): {"sha256": sha256_file(p), "bytes": p.stat().st_size}
                      for p in files},
        })
    write_zip(folder, archive)
    return Package(folder, archive, tuple(sorted(p for p in folder.rglob("*") if p.is_file())),
                   tuple(figures), tuple(tables), resolution)
