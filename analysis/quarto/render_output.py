"""What a render writes, and which results it was made from.

* The output folder of a profile: ``project: output-dir`` of ``_quarto.yml``, overridden by
  ``_quarto-<profile>.yml`` (Quarto's default for a manuscript project is ``_manuscript``).
* Quarto's intermediate files beside the article (``index.typ``, ``index.quarto_ipynb``, ...): Quarto removes
  them after a successful render and leaves them in ``manuscript/`` after a failed one.
* The render record, ``<output folder>/render.json``, written by the post-render step of every render (plain
  ``quarto render`` too): each output file's SHA-256 with the SHA-256 of the registry (``build/results.json``)
  it was made from, and, when ``python -m analysis render`` made it, the render key of all its inputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from ..io import read_json, sha256_file, write_json
from .rendered import OUTPUT_DIR, article_in

CONFIG_FILE = "_quarto.yml"
#: The registry the article's numbers come from.
RESULTS_FILE = "build/results.json"
#: Quarto's output folder for a manuscript project when ``project: output-dir`` is not set.
DEFAULT_OUTPUT_DIR = OUTPUT_DIR
RECORD_FILE = "render.json"
#: The article's formats, as file suffixes.
ARTICLE_SUFFIXES = (".html", ".docx", ".pdf")
#: Names Quarto gives its intermediate files beside an article ``<stem>.qmd`` ({} = the stem). In a project with
#: an output folder nothing else writes these names there, and a render overwrites them anyway.
INTERMEDIATE_NAMES = ("{}.typ", "{}.tex", "{}.html", "{}-preview.html", "{}.docx", "{}.pdf", "{}.out.ipynb",
                      "{}.embed.ipynb", "{}_files")
INTERMEDIATE_GLOBS = ("*.quarto_ipynb", "*.quarto_ipynb_*")


# ----------------------------------------------------------------------------- profiles and folders

@dataclass(frozen=True)
class RenderSettings:
    """What ``quarto render [--profile P]`` reads from ``_quarto.yml`` and the profile's file."""
    profile: str | None  # None: no profile (the project declares no default)
    output_dir: Path
    article: Path
    bibliography: tuple[Path, ...]
    profile_files: tuple[Path, ...]


def render_settings(root: Path, profile: str | None = None) -> RenderSettings:
    """The settings of a render with ``profile`` (default: ``profile: default:`` of ``_quarto.yml``).

    Mappings of a profile's file merge into ``_quarto.yml``, its scalars win (Quarto's rule); ``profile`` may
    name several, comma-separated, as ``--profile`` does.
    """
    config = _yaml(root / CONFIG_FILE)
    if profile is None:
        declared = (config.get("profile") or {}).get("default")
        profile = ",".join(declared) if isinstance(declared, list) else (str(declared) if declared else None)
    files = tuple(root / f"_quarto-{name.strip()}.yml" for name in (profile or "").split(",") if name.strip())
    layers = [config, *(_yaml(path) for path in files)]
    project: dict[str, Any] = {}
    bibliography: list[Path] = []
    for layer in layers:
        project.update(layer.get("project") or {})
        declared = layer.get("bibliography") or []
        bibliography += [root / name for name in ([declared] if isinstance(declared, str) else declared)]
    article = (config.get("manuscript") or {}).get("article", "index.qmd")
    return RenderSettings(profile=profile, output_dir=root / project.get("output-dir", DEFAULT_OUTPUT_DIR),
                          article=root / article, bibliography=tuple(bibliography), profile_files=files)


def output_dirs(root: Path) -> list[Path]:
    """The output folders of the default render and of every profile (``_quarto-<name>.yml``) that exist."""
    profiles = [None, *sorted(p.stem.removeprefix("_quarto-") for p in root.glob("_quarto-*.yml"))]
    folders = dict.fromkeys(render_settings(root, name).output_dir for name in profiles)
    return [folder for folder in folders if folder.is_dir()]


def _yaml(path: Path) -> dict[str, Any]:
    import yaml  # only when a render's settings are read

    if not path.is_file():
        return {}
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    content = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - a safe loader
    return content if isinstance(content, dict) else {}


def intermediate_files(article: Path) -> list[Path]:
    """Quarto's intermediate files beside ``article`` (``manuscript/index.qmd``) that exist now."""
    folder, stem = article.parent, article.stem
    paths = [folder / pattern.format(stem) for pattern in INTERMEDIATE_NAMES]
    found = [p for p in paths if p.exists() and p != article]
    for pattern in INTERMEDIATE_GLOBS:
        found += sorted(folder.rglob(pattern))
    return found


def article_outputs(out_dir: Path) -> list[Path]:
    """The article's formats in an output folder (``manuscript/index.html`` or ``index.html``), never the landing
    page that only points to the article."""
    return [p for p in (article_in(out_dir, suffix) for suffix in ARTICLE_SUFFIXES) if p is not None]


# ----------------------------------------------------------------------------- the render record

def results_sha256(root: Path) -> str | None:
    path = root / RESULTS_FILE
    return sha256_file(path) if path.is_file() else None


def read_record(out_dir: Path) -> dict[str, Any]:
    """The render record of ``out_dir`` (empty when there is none or it cannot be read)."""
    path = out_dir / RECORD_FILE
    try:
        record = read_json(path) if path.is_file() else {}
    except (ValueError, OSError):
        return {}
    return record if isinstance(record, dict) else {}


def record_render(root: Path, out_dir: Path, rendered: Iterable[Path], profile: str | None) -> dict[str, Any]:
    """Record that the files ``rendered`` (in ``out_dir``) were made from the current registry.

    Files rendered earlier keep their entries while their bytes are unchanged (``quarto render --to pdf``
    renders one format). A render key describes one complete render by ``python -m analysis render``, so any
    other render drops it.
    """
    old = read_record(out_dir).get("outputs") or {}
    outputs = {name: entry for name, entry in old.items()
               if (out_dir / name).is_file() and sha256_file(out_dir / name) == entry.get("sha256")}
    results = results_sha256(root)
    for path in rendered:
        if path.is_file():
            outputs[path.relative_to(out_dir).as_posix()] = {"sha256": sha256_file(path), "results_sha256": results}
    record = {"profile": profile, "outputs": dict(sorted(outputs.items()))}
    write_json(out_dir / RECORD_FILE, record)
    return record


def set_render_key(out_dir: Path, key: str) -> None:
    """Add the render key to the record of a complete render."""
    record = read_record(out_dir)
    write_json(out_dir / RECORD_FILE, {**record, "render_key": key})


@dataclass(frozen=True)
class OutputState:
    """One article output against its record: ``current``, ``stale`` (made from other results) or
    ``unrecorded`` (no record says what it was made from, or its bytes changed since)."""
    path: Path
    state: str
    recorded_results: str | None = None


def output_states(out_dir: Path, results: str | None) -> list[OutputState]:
    """Each article output of ``out_dir`` checked against the record and the registry's hash ``results``."""
    outputs = read_record(out_dir).get("outputs") or {}
    states = []
    for path in article_outputs(out_dir):
        entry = outputs.get(path.relative_to(out_dir).as_posix())
        if entry is None or entry.get("sha256") != sha256_file(path):
            states.append(OutputState(path, "unrecorded"))
        else:
            recorded = entry.get("results_sha256")
            states.append(OutputState(path, "current" if recorded == results else "stale", recorded))
    return states


def record_intact(out_dir: Path) -> bool:
    """Every file the record lists exists with the bytes it recorded, and the article is among them."""
    outputs = read_record(out_dir).get("outputs") or {}
    listed = {(out_dir / name) for name in outputs}
    return bool(outputs) and all(p in listed for p in article_outputs(out_dir)) and all(
        (out_dir / name).is_file() and sha256_file(out_dir / name) == entry.get("sha256")
        for name, entry in outputs.items())
