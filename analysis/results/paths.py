"""Address values in the results registry with dotted paths.

``summary.n_trials``, ``outcomes.orr.range_prior_cart``, ``trials[study_id=topp2025].n_patients``
and ``trials[population=prior_cart,orr_events=null].reference_number`` (a filter
selects every matching list item; the rest of the path then applies to each).
"""

from __future__ import annotations

import re
from typing import Any

_TOKEN = re.compile(r"([^.\[\]]+)|\[([^\]]*)\]")


class PathError(KeyError):
    """A dotted path that does not lead to a value."""


def _parse_filter(text: str) -> list[tuple[str, str, Any]]:
    conditions = []
    for part in text.split(","):
        m = re.fullmatch(r"\s*([\w-]+)\s*(!=|=)\s*(.*?)\s*", part)
        if not m:
            raise PathError(f"cannot read the selector [{text}]")
        raw = m.group(3)
        value: Any = None if raw in ("null", "None", "") else raw
        conditions.append((m.group(1), m.group(2), value))
    return conditions


def _matches(item: Any, conditions: list[tuple[str, str, Any]]) -> bool:
    if not isinstance(item, dict):
        return False
    for key, op, value in conditions:
        actual = item.get(key)
        equal = (actual is None) if value is None else (str(actual) == value)
        if equal != (op == "="):
            return False
    return True


def _step(node: Any, name: str | None, selector: str | None) -> Any:
    if name is not None:
        if isinstance(node, dict) and name in node:
            return node[name]
        raise PathError(name)
    assert selector is not None
    if re.fullmatch(r"\d+", selector):
        try:
            return node[int(selector)]
        except (IndexError, TypeError, KeyError):
            raise PathError(f"[{selector}]") from None
    if not isinstance(node, list):
        raise PathError(f"[{selector}] needs a list")
    return _Many([item for item in node if _matches(item, _parse_filter(selector))])


class _Many(list):
    """Items picked by a filter; later steps apply to each."""


def resolve(registry: Any, path: str) -> Any:
    """The value at ``path``; a filter makes it a list of values. Raises :class:`PathError`."""
    node: Any = registry
    for name, selector in _TOKEN.findall(path):
        name = name or None
        selector = selector if name is None else None
        if isinstance(node, _Many):
            node = _Many(_step(item, name, selector) for item in node)
        else:
            node = _step(node, name, selector)
    return list(node) if isinstance(node, _Many) else node


def resolve_one(registry: Any, path: str) -> Any:
    """Like :func:`resolve` but a filter must pick exactly one item."""
    value = resolve(registry, path)
    if "[" in path and "=" in path:
        if not isinstance(value, list) or len(value) != 1:
            raise PathError(f"{path} picks {len(value) if isinstance(value, list) else 'no'} items, expected one")
        return value[0]
    return value


def flatten(value: Any, prefix: str = "", key_fields: tuple[str, ...] = ("study_id", "key", "study", "omitted",
                                                                          "name")) -> dict[str, Any]:
    """Every scalar leaf as ``dotted.path -> value``; lists of records are keyed by an id field."""
    out: dict[str, Any] = {}
    if isinstance(value, dict):
        for k, v in value.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k), key_fields))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            label = str(i)
            if isinstance(v, dict):
                for f in key_fields:
                    if isinstance(v.get(f), str):
                        label = f"{f}={v[f]}"
                        break
            out.update(flatten(v, f"{prefix}[{label}]", key_fields))
    else:
        out[prefix] = value
    return out
