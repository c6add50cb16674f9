"""Progress bars for long builds, shown only to a person at a terminal.

rich draws them (and is imported only when a bar is shown, so quiet and scripted builds do not
pay for it). A bar appears only for a step with much to do; it disappears when the step ends,
leaving the build's one-line summary as the only output.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

__all__ = ["MIN_ITEMS", "Progress", "make_progress"]

MIN_ITEMS = 1000
"""A step with fewer items than this finishes too soon for a bar to help."""


class Progress(Protocol):
    def step(self, label: str, total: int) -> Any:
        """A context manager giving a function that advances the bar by a count."""


class _Silent:
    @contextmanager
    def step(self, label: str, total: int) -> Iterator[Callable[[int], None]]:
        yield lambda count: None


class _Bars:
    @contextmanager
    def step(self, label: str, total: int) -> Iterator[Callable[[int], None]]:
        if total < MIN_ITEMS:
            yield lambda count: None
            return
        from rich.console import Console  # noqa: PLC0415
        from rich.progress import (  # noqa: PLC0415 - only a terminal build pays for rich
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as Bar  # noqa: PLC0415

        with Bar(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            transient=True,
            console=Console(stderr=True),
        ) as bar:
            task = bar.add_task(label, total=total)
            yield lambda count: bar.advance(task, count)


def make_progress(*, quiet: bool) -> Progress:
    """Bars on an interactive terminal unless `quiet`; otherwise nothing."""
    if quiet or not sys.stderr.isatty():
        return _Silent()
    return _Bars()
