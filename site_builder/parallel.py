"""Render pages across all cores, each worker writing its pages straight to a folder.

Pages are independent by design, so they are split into chunks and rendered by forked worker
processes (`workers.py`): they start with the catalog and the page plan already in memory, and
nothing but page numbers, hashes and sizes crosses between processes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .errors import BuildError
from .fingerprint import digest_bytes
from .render import Page, Renderer
from .workers import fork_map
from .writer import FolderWriter

__all__ = ["Rendered", "render_into"]

_CHUNK_SIZES = (8, 128)
"""Pages per task, smallest and largest: each task costs this process a round trip (at 32
pages a task, 0.5 s of its CPU for 18,000 pages, taken from the workers on two cores), and
eight tasks or more per worker keep the workers' loads even at the end."""

Rendered = dict[int, tuple[str, int]]
"""Page index → (hash of the bytes written, their size)."""

_Failure = tuple[int, str, str | None, int | None]
"""A page that failed: its index, the message, the file and line of the error."""


def render_into(
    renderer: Renderer,
    pages: Sequence[Page],
    indices: Sequence[int],
    writer: FolderWriter,
    *,
    workers: int,
    advance: Callable[[int], None] = lambda count: None,
) -> Rendered:
    """Render `pages[i]` for each of `indices` with `writer` (each worker process makes the
    folders its pages need); on errors, the first failing page's (in page order) is raised."""

    def render(index: int) -> tuple[int, str, int] | _Failure:
        # Errors come back as values: an exception would lose its file and line on the way.
        try:
            data = renderer.render(pages[index])
        except BuildError as exc:
            return (index, exc.message, None if exc.path is None else str(exc.path), exc.line)
        writer.write(pages[index].path, data)
        return (index, digest_bytes(data), len(data))

    renderer.prepare([pages[index] for index in indices], workers=workers)
    results: Rendered = {}
    failures: list[_Failure] = []
    smallest, largest = _CHUNK_SIZES
    chunk = max(smallest, min(largest, len(indices) // (max(workers, 1) * 8)))
    for outcome in fork_map(render, indices, workers=workers, chunk=chunk, advance=advance):
        if len(outcome) == 4:
            failures.append(outcome)
        else:
            index, digest, size = outcome
            results[index] = (digest, size)
    if failures:
        _, message, path, line = min(failures)
        raise BuildError(message, path=path, line=line)
    return results
