"""Write the built site: into a staging folder first, then swapped into place.

A build that fails before the swap leaves the previous output exactly as it was.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .errors import BuildError
from .models import OutputFile

__all__ = ["WriteReport", "check_unique", "write_site"]


@dataclass(frozen=True, slots=True)
class WriteReport:
    files: int
    bytes: int


def check_unique(files: Sequence[OutputFile]) -> None:
    """Two outputs with one path would silently overwrite each other: refuse."""
    seen: set[PurePosixPath] = set()
    for output in files:
        if output.path in seen:
            raise BuildError(f"two outputs want the same path {output.path}")
        if output.path.is_absolute() or ".." in output.path.parts:
            raise BuildError(f"output path {output.path} leaves the output folder")
        seen.add(output.path)


def write_site(
    files: Sequence[OutputFile], output_dir: Path, *, protected: Sequence[Path]
) -> WriteReport:
    """Replace `output_dir` with exactly `files`.

    `protected` are folders the output must never be or contain (the site folder, content/), so a
    misconfigured `output_dir` cannot delete a curator's work.
    """
    check_unique(files)
    output_dir = output_dir.resolve()
    for folder in (path.resolve() for path in protected):
        if output_dir == folder or output_dir in folder.parents:
            raise BuildError(f"output_dir {output_dir} would replace {folder}; choose another")
    if output_dir.exists() and not output_dir.is_dir():
        raise BuildError("output_dir exists and is not a folder", path=output_dir)

    staging = output_dir.with_name(f".{output_dir.name}.staging")
    previous = output_dir.with_name(f".{output_dir.name}.previous")
    for leftover in (staging, previous):
        if leftover.exists():
            shutil.rmtree(leftover)
    total = 0
    try:
        for output in files:
            target = staging.joinpath(*output.path.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(output.data)
            total += len(output.data)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if output_dir.exists():
        output_dir.rename(previous)
    staging.rename(output_dir)
    shutil.rmtree(previous, ignore_errors=True)
    return WriteReport(files=len(files), bytes=total)
