"""Giving memory back to the system between the steps of a large build."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys
from collections.abc import Callable

__all__ = ["release_free_memory"]


def release_free_memory() -> None:
    """Hand the pages that freed objects left in the C heap back to the system (glibc keeps
    them otherwise). A build calls it after dropping something large that later steps will not
    fill again with objects of the same sizes: without it, the process (and every render
    worker forked from it, which counts the parent's pages too) stays as large as at its peak."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    name = ctypes.util.find_library("c")  # runs `ldconfig -p`: looked up once
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # another C library (musl has no malloc_trim)
        return None
