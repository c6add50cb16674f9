"""Read YAML while remembering where each key stands, so errors can name a line.

PyYAML's C loader is used when libyaml is present (it is several times faster on large content
folders); the pure-Python loader is the fallback and gives the same results.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import SiteError

__all__ = ["YamlMapping", "load_mapping"]

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class YamlMapping:
    """A YAML mapping and the 1-based line of each of its keys ("links.code" for nested keys)."""

    data: dict[str, Any]
    lines: dict[str, int]

    def line(self, key: str, default: int | None = None) -> int | None:
        """The line of `key`, or of its nearest parent key, or `default`."""
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key.rpartition(".")[0]
        return default


def load_mapping(
    text: str,
    *,
    path: Path,
    error: type[SiteError],
    first_line: int = 1,
    what: str = "document",
) -> YamlMapping:
    """Parse `text` as a YAML mapping; `first_line` is the file line where `text` starts.

    Raises `error` naming the file and line for YAML syntax errors, duplicate keys and documents
    that are not a mapping. An empty document is an empty mapping.
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else {}
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + mark.line if mark is not None else None
        problem = exc.problem or exc.context or "malformed YAML"
        raise error(f"invalid YAML in {what}: {problem}", path=path, line=line) from None
    except yaml.YAMLError as exc:
        raise error(f"invalid YAML in {what}: {exc}", path=path, line=first_line) from None
    finally:
        loader.dispose()
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise error(f"{what} must be a mapping of keys to values", path=path, line=first_line)
    lines: dict[str, int] = {}

    def collect(mapping: yaml.MappingNode, prefix: str) -> None:
        for key_node, value_node in mapping.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            key = prefix + str(key_node.value)
            line = first_line + key_node.start_mark.line
            if key in lines:
                first = lines[key]
                raise error(
                    f"duplicate key (first given on line {first})", path=path, line=line, field=key
                )
            lines[key] = line
            if isinstance(value_node, yaml.MappingNode):
                collect(value_node, key + ".")
            elif isinstance(value_node, yaml.SequenceNode):
                for index, item in enumerate(value_node.value):
                    lines[f"{key}.{index}"] = first_line + item.start_mark.line
                    if isinstance(item, yaml.MappingNode):
                        collect(item, f"{key}.{index}.")

    if isinstance(node, yaml.MappingNode):
        collect(node, "")
    return YamlMapping(data=data, lines=lines)
