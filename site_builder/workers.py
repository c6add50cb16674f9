"""Map a function over items on every core, in forked worker processes.

Forked workers start with the parent's memory, so the function and whatever it reads need no
pickling; only the items and the results cross between processes. Where fork is not available,
or there is too little to do, the map runs in this process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

__all__ = ["PARALLEL_MIN_ITEMS", "fork_imap", "fork_map", "worker_count"]

T = TypeVar("T")
R = TypeVar("R")

PARALLEL_MIN_ITEMS = 400
"""Below this many items, starting workers costs more than it saves."""

# Set just before forking, read by the workers; never used for anything else.
_FUNCTION: Callable[[Any], Any] | None = None


def worker_count() -> int:
    """The cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _run_chunk(chunk: Sequence[Any]) -> list[Any]:
    assert _FUNCTION is not None
    return [_FUNCTION(item) for item in chunk]


def fork_map(
    function: Callable[[T], R],
    items: Sequence[T],
    *,
    workers: int,
    chunk: int = 64,
    min_items: int | None = None,
    advance: Callable[[int], None] = lambda count: None,
) -> list[R]:
    """`[function(item) for item in items]`, computed by up to `workers` processes when there
    are at least `min_items` items (default `PARALLEL_MIN_ITEMS`; fewer are not worth starting
    processes for, unless each item is a large piece of work).

    An exception in `function` is re-raised here (it must survive pickling to keep its details:
    a caller that needs more returns its errors as values instead)."""
    gathered: list[R] = []
    for part in fork_imap(function, items, workers=workers, chunk=chunk, min_items=min_items):
        gathered += part
        advance(len(part))
    return gathered


def fork_imap(
    function: Callable[[T], R],
    items: Sequence[T],
    *,
    workers: int,
    chunk: int = 64,
    min_items: int | None = None,
) -> Iterator[list[R]]:
    """`fork_map`'s results a chunk at a time, in order, as they come: a caller that stores
    them as it goes never holds them all. No other `fork_map` may start before it is done."""
    global _FUNCTION  # noqa: PLW0603 - how forked workers receive the function
    chunks = [items[start : start + chunk] for start in range(0, len(items), chunk)]
    can_fork = "fork" in multiprocessing.get_all_start_methods()
    enough = PARALLEL_MIN_ITEMS if min_items is None else min_items
    if workers <= 1 or len(items) < enough or not can_fork:
        for part in chunks:
            yield [function(item) for item in part]
        return
    _FUNCTION = function
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            yield from pool.imap(_run_chunk, chunks)
    finally:
        _FUNCTION = None
