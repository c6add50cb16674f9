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
import operator
import types
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import PurePath
from typing import Any

__all__ = ["Fingerprinter", "digest_bytes", "digest_text"]


def digest_bytes(data: bytes) -> str:
    # BLAKE2b: fast on every processor. SHA-256 was 2.5 times faster on this one, which computes
    # it in hardware, but that saved 1% of a cold build, and on processors without SHA
    # instructions (many Intel ones before 2019) it is twice as slow as BLAKE2b.
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def digest_text(*parts: str) -> str:
    return digest_bytes("\x00".join(parts).encode("utf-8"))


class Fingerprinter:
    """Digests values; a digest of an object is kept for the life of this fingerprinter.

    Objects are remembered by identity, so one fingerprinter must live no longer than the
    objects it has seen (one build): they are all kept alive in `_kept` for that reason. A
    build digests some objects (papers) once and then meets them in thousands of pages, so the
    common kinds are tested first and an object seen before costs one dictionary look-up.
    """

    def __init__(self) -> None:
        self._memo: dict[int, str] = {}
        """By the id of an object seen: `_MARK` and its digest, the part a value holding it adds."""
        self._kept: list[Any] = []
        self._layouts: dict[type, tuple[tuple[str, ...], Callable[[Any], tuple[Any, ...]]]] = {}

    def digest(self, value: Any) -> str:
        parts: list[str] = []
        self._walk(value, parts)
        return digest_text(*parts)

    def digest_items(self, *values: Any) -> str:
        """`digest(values)`, the same digest, with texts, flags and values seen before (the
        bulk of a page's parts) taken inline instead of walked one call each: a build digests
        every page of the site this way."""
        memo = self._memo
        parts = [f"l{len(values)}"]
        append, walk = parts.append, self._walk
        for value in values:
            kind = type(value)
            if kind is str:
                append(f"s{len(value)}:{value}")
            elif kind is bool:
                append("bool:True" if value else "bool:False")
            elif kind is dict:
                walk(value, parts)  # a page's context: never remembered itself
            else:
                found = memo.get(id(value))
                if found is not None:
                    append(found)
                else:
                    walk(value, parts)
        return digest_text(*parts)

    def vouch(self, value: Any, digest: str) -> None:
        """Take `digest` as the digest of `value`, a dataclass instance, from now on: for a
        caller that made one from digests of everything `value` is made from (a paper from its
        file's bytes), which is cheaper than walking it. Unique `digest`s are the caller's
        duty: they should start with the kind of value, as `digest_fields` does.

        A vouched digest may leave out what only some outputs show (of a paper, what only its
        own page shows): those outputs are digested with `digest_with_extras`."""
        self._memo[id(value)] = _MARK + digest
        self._kept.append(value)

    def digest_with_extras(self, value: Any, extras_of: Callable[[Any], str | None]) -> str:
        """`digest(value)` together with `extras_of(item)` of every dataclass instance in it
        for which that is not None (a digest of what its vouched digest leaves out; the walk
        does not go inside such an instance). For outputs that may show more of a value than
        its vouched digest covers: a feed shows its papers' abstracts."""
        parts = [self.digest(value)]
        _extras(value, extras_of, parts)
        return digest_text(*parts)

    def digest_of(self, value: Any) -> str:
        """The digest of dataclass instance `value`, as the digests of values holding it use."""
        found = self._memo.get(id(value))
        return found[len(_MARK) :] if found is not None else self._remembered(value)

    def _remembered(self, value: Any) -> str:
        found = self.digest_fields(value)
        self._memo[id(value)] = _MARK + found
        self._kept.append(value)
        return found

    def digest_fields(self, value: Any) -> str:
        kind = type(value)
        layout = self._layouts.get(kind)
        if layout is None:
            names = tuple(item.name for item in dataclasses.fields(value))
            layout = self._layouts[kind] = (names, _getter(names))
        names, getter = layout
        parts = [kind.__qualname__]
        walk = self._walk
        for name, item in zip(names, getter(value), strict=True):
            parts.append(name)
            if type(item) is str:
                parts.append(f"s{len(item)}:{item}")
            else:
                walk(item, parts)
        return digest_text(*parts)

    def _items(self, items: Sequence[Any], parts: list[str]) -> None:
        """`_walk` of each of `items`, with texts and values seen before taken on the spot
        (the bulk of a page: lists of papers)."""
        if items and type(items[0]) is str and all(type(item) is str for item in items):
            # Paper ids: an author's, a topic's, a day's (no text is ever remembered).
            parts.extend([f"s{len(item)}:{item}" for item in items])
            return
        memo = self._memo
        # Most lists are of papers seen before: their parts are looked up in one pass at C
        # speed. A hit is the very object remembered (it is kept alive, so no other has its id).
        known = list(map(memo.get, map(id, items)))
        if None not in known:
            parts.extend(known)  # type: ignore[arg-type]
            return
        append, walk = parts.append, self._walk
        for item, found in zip(items, known, strict=True):
            if found is not None:
                append(found)
            elif type(item) is str:
                append(f"s{len(item)}:{item}")
            else:
                walk(item, parts)

    def _walk(self, value: Any, parts: list[str]) -> None:
        kind = type(value)
        if kind is str:
            parts.append(f"s{len(value)}:{value}")
            return
        if kind is tuple or kind is list:
            parts.append(f"l{len(value)}")
            self._items(value, parts)
            return
        if kind is dict:
            # As `_items` of the keys and values in turn, without making that list.
            parts.append(f"m{len(value)}")
            memo, append, walk = self._memo, parts.append, self._walk
            for key, item in value.items():
                if type(key) is str:
                    append(f"s{len(key)}:{key}")
                else:
                    walk(key, parts)
                found = memo.get(id(item))
                if found is not None:
                    append(found)
                elif type(item) is str:
                    append(f"s{len(item)}:{item}")
                else:
                    walk(item, parts)
            return
        if value is None or kind in _SCALARS:
            parts.append(f"{kind.__name__}:{value!r}")
            return
        # Only dataclass instances are remembered, and they are kept alive: a hit is the object.
        found = self._memo.get(id(value))
        if found is not None:
            parts.append(found)
        elif isinstance(value, str):
            parts.append(f"s{len(value)}:{value}")
        elif isinstance(value, date):
            parts.append(f"d:{value.isoformat()}")
        elif isinstance(value, PurePath):
            parts.append(f"p:{value.as_posix()}")
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            parts.append(_MARK + self._remembered(value))
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


_SCALARS = (bool, int, float)
_MARK = "o:"
"""Before the digest of an object in the parts of a value holding it."""


def _extras(value: Any, extras_of: Callable[[Any], str | None], parts: list[str]) -> None:
    """`extras_of` of each dataclass instance in `value` that has any, in walk order."""
    kind = type(value)
    if kind is str or value is None or kind in _SCALARS:
        return
    if kind is tuple or kind is list:
        for item in value:
            _extras(item, extras_of, parts)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _extras(key, extras_of, parts)
            _extras(item, extras_of, parts)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        found = extras_of(value)
        if found is not None:
            parts.append(found)
            return
        for field in dataclasses.fields(value):
            _extras(getattr(value, field.name), extras_of, parts)
    elif isinstance(value, list | tuple):
        for item in value:
            _extras(item, extras_of, parts)


def _getter(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """A function returning the values of fields `names` of an object, as one tuple."""
    if not names:
        return lambda value: ()
    if len(names) == 1:
        single = operator.attrgetter(names[0])
        return lambda value: (single(value),)
    return operator.attrgetter(*names)
