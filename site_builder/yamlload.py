"""Read YAML while remembering where each key stands, so errors can name a line.

Most documents (every paper's front matter) are written in a small, plain subset of YAML: keys at
the start of lines, one-line scalars and flow lists, and one level of nested keys or `- ` items.
That subset is read line by line here, several times faster than any YAML parser can build and
walk its nodes; anything outside it, or anything doubtful, is read by PyYAML, which also reports
every error. Both give the same mapping and lines (tests/test_yamlload.py checks).

PyYAML's C loader is used when libyaml is present (it is several times faster on large content
folders); the pure-Python loader is the fallback and gives the same results.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
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
    simple = _plain_mapping(text, first_line)
    if simple is not None:
        return simple
    return _parsed_mapping(text, path=path, error=error, first_line=first_line, what=what)


def _parsed_mapping(
    text: str, *, path: Path, error: type[SiteError], first_line: int, what: str
) -> YamlMapping:
    """`load_mapping` by PyYAML, for any YAML: it builds nodes, which know their lines."""
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


# The plain subset. Each rule below errs on the side of "not sure": whatever it refuses, PyYAML
# reads. Refused anywhere: tabs, carriage returns and other YAML line breaks, a byte-order mark,
# characters YAML does not accept (its own error message is wanted).
_UNSURE_ASCII = re.compile("[^\n\x20-\x7e]")
_UNSURE_CHARACTER = (
    "[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)


@functools.cache
def _unsure_character() -> re.Pattern[str]:
    # Compiled on first use: its class spans all of Unicode, which takes the re module about
    # 5 ms, and a build whose YAML is all ASCII (site.yaml, topics.yaml) never needs it.
    return re.compile(_UNSURE_CHARACTER)


def _unsure_text(text: str) -> bool:
    """Whether `text` holds a character the plain subset refuses (see above)."""
    if text.isascii():
        return _UNSURE_ASCII.search(text) is not None
    return _unsure_character().search(text) is not None


_TOP_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*):(?: +(.+))?")
_ITEM = re.compile(r"( *)- (.+)")
_NESTED_KEY = re.compile(r"( +)([^ :#][^:#]*?):(?: +(.+))?")
_INDICATORS = frozenset(" -?:,[]{}#&*!|>'\"%@`")
_FLOW_UNSURE = re.compile(r"[\[\]{}:#?,]")
_STR_TAG = "tag:yaml.org,2002:str"


class _AnyText:
    """Contains every character (for a resolver that some library taught to match anything)."""

    def __contains__(self, item: object) -> bool:
        return True


_RESOLVER: Any = _Loader("")
"""Types plain scalars and builds the typed ones, exactly as the loader PyYAML reads with."""
_TYPED_STARTS = (
    frozenset(key for key in _RESOLVER.yaml_implicit_resolvers if key)
    if None not in _RESOLVER.yaml_implicit_resolvers
    else _AnyText()
)
"""The first characters of the plain scalars YAML may read as something other than text."""
_BUILDERS: dict[str, Callable[[Any, yaml.ScalarNode], Any]] = {
    tag: _Loader.yaml_constructors[tag]
    for tag in (
        "tag:yaml.org,2002:null",
        "tag:yaml.org,2002:bool",
        "tag:yaml.org,2002:int",
        "tag:yaml.org,2002:float",
        "tag:yaml.org,2002:timestamp",
    )
}


class _Unsure(Exception):
    """The text leaves the plain subset: PyYAML reads it instead."""


def _plain_mapping(text: str, first_line: int) -> YamlMapping | None:
    """`text` as `load_mapping` reads it if it keeps to the plain subset, else None."""
    if _unsure_text(text) or _RESOLVER.yaml_path_resolvers:  # (types set by position)
        return None
    rows = text.split("\n")
    data: dict[str, Any] = {}
    lines: dict[str, int] = {}
    index, count = 0, len(rows)
    try:
        while index < count:
            row = rows[index]
            index += 1
            if not row:
                continue
            match = _TOP_KEY.fullmatch(row)
            if match is None or row[-1] == " ":
                return None
            key, rest = match.group(1), match.group(2)
            if key in lines or _scalar(key, flow=False) != key:
                return None
            line = first_line + index - 1
            lines[key] = line
            if rest is not None:
                data[key] = _value(rest, key, line, lines)
                continue
            start = index
            while index < count and rows[index][:1] in (" ", "-"):
                index += 1
            data[key] = _block(rows[start:index], key, first_line + start, lines)
    except _Unsure:
        return None
    return YamlMapping(data=data, lines=lines)


def _block(rows: list[str], key: str, line: int, lines: dict[str, int]) -> Any:
    """The nested `- ` items or `name: value` keys of `key`, on file lines from `line`."""
    if not rows:
        return None
    if any(row[-1] == " " for row in rows):
        raise _Unsure
    if rows[0].lstrip(" ")[:1] == "-":
        return _items(rows, key, line, lines)
    mapping: dict[str, Any] = {}
    indent = None
    index, count = 0, len(rows)
    while index < count:
        match = _NESTED_KEY.fullmatch(rows[index])
        if match is None or (indent is not None and match.group(1) != indent):
            raise _Unsure
        indent, name, rest = match.group(1), match.group(2), match.group(3)
        field = f"{key}.{name}"
        if field in lines or _scalar(name, flow=False) != name:
            raise _Unsure
        lines[field] = line + index
        index += 1
        if rest is not None:
            mapping[name] = _value(rest, field, line + index - 1, lines)
            continue
        # A list under a nested key: its `- ` lines at the key's indent or deeper.
        start = index
        while index < count and rows[index].startswith(indent) and rows[index][len(indent)] in " -":
            if rows[index][len(indent)] == " " and not rows[index].lstrip(" ").startswith("-"):
                raise _Unsure
            index += 1
        mapping[name] = (
            _items(rows[start:index], field, line + start, lines) if index > start else None
        )
    return mapping


def _items(rows: list[str], key: str, line: int, lines: dict[str, int]) -> list[Any]:
    """`- value` lines, all at one indent, each value a one-line scalar."""
    values: list[Any] = []
    indent = None
    for offset, row in enumerate(rows):
        item = _ITEM.fullmatch(row)
        if item is None or (indent is not None and item.group(1) != indent):
            raise _Unsure
        indent, text = item.group(1), item.group(2)
        if text[0] in "[{":
            raise _Unsure
        lines[f"{key}.{offset}"] = line + offset
        values.append(_inline(text))
    return values


def _value(text: str, key: str, line: int, lines: dict[str, int]) -> Any:
    """A value written on its key's line: a flow list `[a, b]` or a scalar."""
    if text[0] != "[":
        return _inline(text)
    if text[-1] != "]" or "'" in text or '"' in text:
        raise _Unsure
    inner = text[1:-1]
    if not inner.strip(" "):
        return []
    values = []
    for offset, item in enumerate(inner.split(",")):
        lines[f"{key}.{offset}"] = line
        values.append(_scalar(item.strip(" "), flow=True))
    return values


def _inline(text: str) -> Any:
    """A one-line scalar in block context: quoted (with no escapes) or plain."""
    first = text[0]
    if first == '"':
        inner = text[1:-1]
        if len(text) < 2 or text[-1] != '"' or '"' in inner or "\\" in inner:
            raise _Unsure
        return inner
    if first == "'":
        inner = text[1:-1]
        if len(text) < 2 or text[-1] != "'" or "'" in inner.replace("''", ""):
            raise _Unsure
        return inner.replace("''", "'")
    return _scalar(text, flow=False)


def _scalar(text: str, *, flow: bool) -> Any:
    """A plain scalar, typed as YAML types it (text, number, date, true/false, null)."""
    if (
        not text
        or text[0] in _INDICATORS
        or text[-1] in ": "
        or ": " in text
        or " #" in text
        or (flow and _FLOW_UNSURE.search(text))
    ):
        raise _Unsure
    if text[0] not in _TYPED_STARTS:  # no YAML type's pattern starts so: text
        return text
    return _typed(text)


@functools.lru_cache(maxsize=4096)  # dates and small numbers recur across papers
def _typed(text: str) -> Any:
    tag = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))
    if tag == _STR_TAG:
        return text
    build = _BUILDERS.get(tag)
    if build is None:
        raise _Unsure
    return build(_RESOLVER, yaml.ScalarNode(tag, text))
