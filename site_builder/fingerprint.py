"""Stable digests of the values a page is rendered from, for the build cache.

A digest covers everything a value holds: dataclass fields, sequences and mappings in order,
dates, paths. Two values with the same digest render the same page. A value of a kind this module
does not know is an error rather than a guess, so the cache can never be fooled by something it
cannot see into. Functions and modules count by their qualified name: the ones a page sees are
the site's helpers, whose behaviour depends only on the config, which every digest covers too.
"""

from __future__ import annotations

import dataclasses
import hashlib
import types
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import PurePath
from typing import Any

__all__ = ["Fingerprinter", "digest_bytes", "digest_text"]


def digest_bytes(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def digest_text(*parts: str) -> str:
    return digest_bytes("\x00".join(parts).encode("utf-8"))


class Fingerprinter:
    """Digests values; a digest of an object is kept for the life of this fingerprinter.

    Objects are remembered by identity, so one fingerprinter must live no longer than the
    objects it has seen (one build): they are all kept alive in `_kept` for that reason.
    """

    def __init__(self) -> None:
        self._memo: dict[int, str] = {}
        self._kept: list[Any] = []

    def digest(self, value: Any) -> str:
        parts: list[str] = []
        self._walk(value, parts)
        return digest_text(*parts)

    def _remembered(self, value: Any) -> str:
        key = id(value)
        found = self._memo.get(key)
        if found is None:
            found = self.digest_fields(value)
            self._memo[key] = found
            self._kept.append(value)
        return found

    def digest_fields(self, value: Any) -> str:
        parts = [type(value).__qualname__]
        for item in dataclasses.fields(value):
            parts.append(item.name)
            self._walk(getattr(value, item.name), parts)
        return digest_text(*parts)

    def _walk(self, value: Any, parts: list[str]) -> None:
        kind = type(value)
        if value is None or kind in (bool, int, float):
            parts.append(f"{kind.__name__}:{value!r}")
        elif isinstance(value, str):
            parts.append(f"s{len(value)}:{value}")
        elif isinstance(value, date):
            parts.append(f"d:{value.isoformat()}")
        elif isinstance(value, PurePath):
            parts.append(f"p:{value.as_posix()}")
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            parts.append("o:" + self._remembered(value))
        elif isinstance(value, list | tuple):
            parts.append(f"l{len(value)}")
            for item in value:
                self._walk(item, parts)
        elif isinstance(value, Mapping):
            parts.append(f"m{len(value)}")
            for key, item in value.items():
                self._walk(key, parts)
                self._walk(item, parts)
        elif isinstance(value, types.ModuleType):
            parts.append(f"module:{value.__name__}")
        elif isinstance(value, Callable):  # type: ignore[arg-type]
            parts.append(f"f:{getattr(value, '__module__', '')}.{value.__qualname__}")
        else:
            raise TypeError(f"cannot fingerprint a {kind.__qualname__}")
