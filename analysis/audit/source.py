"""Read a YAML file keeping each scalar's line and text as written (for locations and printed precision)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..inputs.errors import DataError
from ..inputs.text_file import read_text

Path_ = tuple[Any, ...]


@dataclass(frozen=True)
class Mark:
    line: int  # 1-based, as an editor counts
    text: str  # the scalar as written ('' for mappings and lists)


@dataclass(frozen=True)
class SourceDoc:
    """A YAML document with a mark for every node, addressed by its key path."""

    path: Path
    data: Any
    marks: dict[Path_, Mark]

    def line(self, *keys: Any) -> int | None:
        """Line of the deepest marked node on this key path."""
        for n in range(len(keys), -1, -1):
            mark = self.marks.get(tuple(keys[:n]))
            if mark:
                return mark.line
        return None

    def text(self, *keys: Any) -> str | None:
        mark = self.marks.get(tuple(keys))
        return mark.text if mark else None

    def where(self, *keys: Any) -> str:
        """'data/reported.yaml:57'."""
        line = self.line(*keys)
        name = f"{self.path.parent.name}/{self.path.name}"
        return f"{name}:{line}" if line else name


def _walk(node: yaml.Node, keys: Path_, marks: dict[Path_, Mark], loader: yaml.SafeLoader) -> Any:
    text = node.value if isinstance(node, yaml.ScalarNode) else ""
    marks[keys] = Mark(node.start_mark.line + 1, text)
    if isinstance(node, yaml.MappingNode):
        out = {}
        for k_node, v_node in node.value:
            key = loader.construct_object(k_node, deep=True)
            out[key] = _walk(v_node, keys + (key,), marks, loader)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_walk(v, keys + (i,), marks, loader) for i, v in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def load_source(path: Path | str) -> SourceDoc:
    """Parse ``path``; a syntax error becomes a :class:`DataError` naming the line."""
    path = Path(path)
    if not path.exists():
        raise DataError(path, ["file not found"])
    text = read_text(path)
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise DataError(path, ["the file is empty"])
        marks: dict[Path_, Mark] = {}
        data = _walk(node, (), marks, loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise DataError(path, [f"{where}not valid YAML ({getattr(exc, 'problem', exc)})"]) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise DataError(path, ["expected a mapping of keys at the top level"])
    return SourceDoc(path, data, marks)
