"""A PRISMA 2020 checklist as a PDF: ``checklist.typ`` (beside this module) set by the Typst that comes with Quarto
(``quarto typst compile``), from the same model as the Word file. The checklist goes to the template as JSON, so no
text of the checklist or the manuscript is ever read as Typst markup.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ..io import atomic_path, dumps_json
from .checklist_table import ChecklistTable

TEMPLATE = Path(__file__).with_name("checklist.typ")


class TypstError(RuntimeError):
    """Quarto's Typst could not set the checklist (the message carries its output)."""


def write_checklist_pdf(table: ChecklistTable, target: Path) -> None:
    quarto = shutil.which("quarto")
    if quarto is None:
        raise TypstError("quarto is not installed: the checklist PDF is set with `quarto typst compile`")
    with tempfile.TemporaryDirectory(prefix="checklist-") as work:
        folder = Path(work)
        shutil.copyfile(TEMPLATE, folder / TEMPLATE.name)
        (folder / "checklist.json").write_text(dumps_json(table.as_dict()), encoding="utf-8")
        with atomic_path(target) as tmp:
            result = subprocess.run([quarto, "typst", "compile", TEMPLATE.name, str(tmp)], cwd=folder,
                                    capture_output=True, text=True, timeout=300)
            if result.returncode != 0:
                raise TypstError(f"quarto typst compile failed for {target.name}:\n{result.stdout}{result.stderr}")
