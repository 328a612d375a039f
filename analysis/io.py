"""File input and output: atomic writes (a temporary file beside the target, then a rename), deterministic JSON,
content hashes."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator

#: The folder that holds the package: names of files outside the project are taken relative to it.
_PACKAGE_PARENT = Path(__file__).resolve().parents[1]


@contextmanager
def atomic_path(target: Path | str, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; on success it replaces ``target``."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=suffix or target.suffix)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


@contextmanager
def atomic_folder(target: Path | str) -> Iterator[Path]:
    """Yield an empty staging folder beside ``target``; on success it replaces ``target`` as a whole, on failure
    it is removed and ``target`` stays as it was."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        yield staging
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging)


def replace_dir(source: Path, target: Path) -> None:
    """Put the folder ``source`` where ``target`` is: a reader sees the old folder or the new one, never a mix.

    Both must be on one file system. Linux swaps the two in one step (``renameat2`` with ``RENAME_EXCHANGE``);
    elsewhere the old folder is renamed away first. The old content is then deleted.
    """
    if not target.exists():
        os.rename(source, target)
        return
    if _exchange(source, target):
        shutil.rmtree(source)
        return
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    os.rename(target, old)
    os.rename(source, target)
    shutil.rmtree(old)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically where the C library offers renameat2 (glibc >= 2.28); False if it cannot."""
    import ctypes

    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def write_text(target: Path | str, text: str) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_bytes(target: Path | str, data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def dumps_json(obj: Any) -> str:
    """Deterministic JSON: sorted keys, no NaN, trailing newline."""
    return json.dumps(obj, indent=2, sort_keys=True, allow_nan=False, ensure_ascii=False) + "\n"


def write_json(target: Path | str, obj: Any) -> None:
    write_text(target, dumps_json(obj))


def read_json(path: Path | str) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def sha256_file(path: Path | str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def sha256_pixels(image: bytes | Path) -> str:
    """SHA-256 of an image's decoded RGBA pixels and its size (PNG, TIFF, ...): the picture, not its metadata."""
    from io import BytesIO

    from PIL import Image  # only where an image is compared

    with Image.open(BytesIO(image) if isinstance(image, bytes) else image) as img:
        rgba = img.convert("RGBA")
    digest = hashlib.sha256(f"{rgba.width}x{rgba.height}:".encode())
    digest.update(rgba.tobytes())
    return digest.hexdigest()


def sha256_files(paths: Iterable[Path], root: Path | None = None) -> str:
    """One hash over several files, including their (relative) names, in sorted order."""
    digest = hashlib.sha256()
    for name, path in sorted((display_name(p, root), p) for p in paths):
        digest.update(name.encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def display_name(path: Path, root: Path | None = None) -> str:
    """A name independent of where the project lives: relative to ``root`` or to the package's parent folder.

    A path spelled under the folder is named without resolving links (the common case, and no file-system calls);
    otherwise both are resolved first."""
    bases = [base for base in (root, _PACKAGE_PARENT) if base is not None]
    for base in bases:
        if path.is_absolute() == base.is_absolute() and ".." not in path.parts:
            try:
                return path.relative_to(base).as_posix()
            except ValueError:
                continue
    for base in bases:
        try:
            return path.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
    return path.name
