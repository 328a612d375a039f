"""Small helpers shared by the rule modules: locations, printed numbers, labels."""

from __future__ import annotations

from typing import Any

from .context import AuditContext
from .precision import decimals_of


def where_text(where: Any) -> str:
    """'Abstract; Results: Primary outcomes' from a string or a list."""
    if where is None:
        return ""
    if isinstance(where, (list, tuple)):
        return "; ".join(str(w) for w in where)
    return str(where)


def location(ctx: AuditContext, keys: tuple[Any, ...], where: Any = None) -> str:
    """'Abstract; Results (data/reported.yaml:57)'."""
    sections = where_text(where)
    src = ctx.reported.where(*keys)
    return f"{sections} ({src})" if sections else src


def printed(ctx: AuditContext, keys: tuple[Any, ...], value: Any) -> tuple[float, int]:
    """A reported number and the decimals it was printed with (from the YAML text)."""
    text = ctx.reported.text(*keys)
    return float(value), decimals_of(text if text not in (None, "") else str(value))


def study_label(ctx: AuditContext, study_id: str) -> str:
    trial = ctx.trial(study_id)
    return trial["label"] if trial else study_id


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
