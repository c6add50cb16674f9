"""Put the built site in place without ever leaving a half-built one.

Two ways, both keeping the previous output untouched until everything has been rendered:

- a whole site (first build, `--clean`) is written into a staging folder beside the output and
  swapped into place;
- an incremental build writes only the files that changed into a pending folder beside the
  output; once all of them are there, each is moved into place with an atomic rename, and files
  the site no longer has are removed. A reader of the output sees every file old or new, never
  half-written.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from .errors import BuildError
from .models import OutputFile

__all__ = [
    "FolderWriter",
    "OutputValuesAside",
    "WriteReport",
    "check_output_dir",
    "check_unique",
    "commit_pending",
    "output_stats",
    "output_values",
    "pending_dir",
    "pending_name",
    "remove_outputs",
    "replace_file",
    "staging_dir",
    "swap_in",
    "write_site",
]


@dataclass(frozen=True, slots=True)
class WriteReport:
    files: int
    bytes: int


def check_unique(files: Sequence[OutputFile]) -> None:
    """Two outputs with one path would silently overwrite each other: refuse."""
    check_paths(output.path for output in files)


def check_paths(paths: Iterable[PurePosixPath | str]) -> None:
    """Refuse two outputs with one path, and a path that leaves the output folder. Works on
    strings: it runs over every page of every build."""
    seen: set[str] = set()
    for path in map(str, paths):
        normal = path.removeprefix("./")
        if normal in seen:
            raise BuildError(f"two outputs want the same path {path}")
        if normal.startswith("/") or "/../" in f"/{normal}/":
            raise BuildError(f"output path {path} leaves the output folder")
        seen.add(normal)


def check_output_dir(output_dir: Path, *, protected: Sequence[Path]) -> Path:
    """The resolved output folder, after refusing one that is or holds a `protected` folder
    (the site folder, content/), so a misconfigured `output_dir` cannot delete a curator's work."""
    output_dir = output_dir.resolve()
    for folder in (path.resolve() for path in protected):
        if output_dir == folder or output_dir in folder.parents:
            raise BuildError(f"output_dir {output_dir} would replace {folder}; choose another")
    if output_dir.exists() and not output_dir.is_dir():
        raise BuildError("output_dir exists and is not a folder", path=output_dir)
    return output_dir


def _fresh(folder: Path) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def staging_dir(output_dir: Path) -> Path:
    """An empty folder beside `output_dir` to write a whole new site into."""
    return _fresh(output_dir.with_name(f".{output_dir.name}.staging"))


def pending_dir(output_dir: Path) -> Path:
    """An empty folder beside `output_dir` for the changed files of an incremental build."""
    return _fresh(output_dir.with_name(f".{output_dir.name}.pending"))


def replace_file(folder: Path, path: str, data: bytes) -> os.stat_result:
    """Write `data` at `path` under `folder` in one step (into a file beside it, renamed over
    it), so no reader ever sees half a file; returns the file's stat."""
    target = folder.joinpath(*PurePosixPath(path).parts)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    try:
        partial.write_bytes(data)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target.stat()


class FolderWriter:
    """Writes files under one existing folder, making each folder they need once: a build writes
    thousands of pages, nearly each in a folder of its own, and asking the file system
    whether a folder exists costs as much as making it.

    A `flat` writer, for a pending folder (`pending_dir`), writes each file at a name of its own
    (`pending_name`) straight in the folder, making none: `commit_pending` moves the files to
    their places, and a folder per file would only be made and deleted again (at 10,000 papers
    a template edit's 10,000 pages spent 1 s on that)."""

    def __init__(self, folder: Path, *, flat: bool = False) -> None:
        self.root = os.fspath(folder)
        self.flat = flat
        self.made: set[str] = {""}

    def file(self, path: str) -> str:
        """Where output path `path` is written."""
        return f"{self.root}/{pending_name(path) if self.flat else path}"

    def write(self, path: str, data: bytes) -> None:
        """Write `data` at output path `path` (`/`-separated, checked by `check_paths`)."""
        # Strings, not Paths: this runs for every page of every build.
        parent, _, _ = path.rpartition("/")
        if not self.flat and parent not in self.made:
            folder = f"{self.root}/{parent}"
            try:  # one system call when the parent folder is there (os.makedirs stats it first)
                os.mkdir(folder)  # noqa: PTH102 - see above
            except FileExistsError:
                pass
            except FileNotFoundError:
                os.makedirs(folder, exist_ok=True)  # noqa: PTH103 - see above
            self.made.add(parent)
        with open(self.file(path), "wb") as file:  # noqa: PTH123 - see above
            file.write(data)


def pending_name(path: str) -> str:
    """The name output path `path` has in a pending folder: a digest, as a path may be longer
    than a file name may be (and holds `/`)."""
    return hashlib.blake2b(path.encode("utf-8"), digest_size=16).hexdigest()


def swap_in(staging: Path, output_dir: Path) -> None:
    """Replace `output_dir` with `staging` by two renames."""
    previous = output_dir.with_name(f".{output_dir.name}.previous")
    if previous.exists():
        shutil.rmtree(previous)
    if output_dir.exists():
        output_dir.rename(previous)
    staging.rename(output_dir)
    shutil.rmtree(previous, ignore_errors=True)


def commit_pending(pending: Path, output_dir: Path, paths: Iterable[str]) -> None:
    """Move each of `paths` (`/`-separated, checked by `check_paths`) from `pending`, where a
    flat `FolderWriter` wrote them, into `output_dir`, each by one atomic rename."""
    output_dir.mkdir(parents=True, exist_ok=True)
    # Strings, and a folder made only when the rename finds it missing: a template edit moves
    # thousands of pages, each in a folder that is nearly always there (with a Path and a mkdir
    # per file, 50 µs each: half a second for 10,000 paper pages).
    source_root, target_root = os.fspath(pending), os.fspath(output_dir)
    for path in paths:
        source, target = f"{source_root}/{pending_name(path)}", f"{target_root}/{path}"
        try:
            os.replace(source, target)  # noqa: PTH105 - strings, see above
        except FileNotFoundError:  # a new folder (a missing source fails again below)
            os.makedirs(os.path.dirname(target), exist_ok=True)  # noqa: PTH103, PTH120 - strings
            os.replace(source, target)  # noqa: PTH105 - strings, see above
    shutil.rmtree(pending, ignore_errors=True)


def remove_outputs(output_dir: Path, paths: Iterable[str]) -> None:
    """Delete files the site no longer has, and the folders that leaves empty."""
    folders: set[Path] = set()
    for path in paths:
        target = output_dir.joinpath(*PurePosixPath(path).parts)
        target.unlink(missing_ok=True)
        folders.update(p for p in target.parents if output_dir in p.parents)
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        with contextlib.suppress(OSError):  # not empty: other files live there
            folder.rmdir()


def write_site(
    files: Sequence[OutputFile], output_dir: Path, *, protected: Sequence[Path]
) -> WriteReport:
    """Replace `output_dir` with exactly `files`, through a staging folder."""
    check_unique(files)
    output_dir = check_output_dir(output_dir, protected=protected)
    staging = staging_dir(output_dir)
    total = 0
    writer = FolderWriter(staging)
    try:
        for output in files:
            writer.write(output.path.as_posix(), output.data)
            total += len(output.data)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    swap_in(staging, output_dir)
    return WriteReport(files=len(files), bytes=total)


def output_stats(output_dir: Path, paths: Iterable[str]) -> Iterator[os.stat_result]:
    """The stat of each of `paths` (files under `output_dir`), in order; OSError for one that
    is missing."""
    if os.stat in os.supports_dir_fd:  # paths relative to the open folder: no joining
        folder = os.open(output_dir, os.O_RDONLY)
        try:
            for path in paths:
                yield os.stat(path, dir_fd=folder)
        finally:
            os.close(folder)
    else:
        for path in paths:
            yield output_dir.joinpath(*PurePosixPath(path).parts).stat()


class OutputValuesAside:
    """`output_values(output_dir, paths)`, found by a forked process while this one goes on.

    Why: a build first checks that every output is as the last build left it (a stat per file,
    60 ms at 10,000 papers) and, before it can use that, stats its inputs and (on an edit)
    imports the rendering code. A second core does the first while this one does the rest.
    Where fork is not available (or there are no paths), `values` finds them itself. Use it as
    a context manager: leaving it collects the process, asked or not."""

    _UNSET: Any = object()

    def __init__(self, output_dir: Path, paths: Sequence[str]) -> None:
        self._output_dir, self._paths = output_dir, paths
        self._values: list[int] | None = self._UNSET
        self._pid = 0
        if not paths or not hasattr(os, "fork"):
            return
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the forked process: find the values, send them, and go
            status = 1
            try:
                os.close(read)
                values = output_values(output_dir, paths)
                with os.fdopen(write, "wb") as pipe:
                    pipe.write(b"" if values is None else b"+" + array("q", values).tobytes())
                status = 0
            finally:
                os._exit(status)
        os.close(write)
        self._pid, self._read = pid, read

    def values(self) -> list[int] | None:
        """`output_values(output_dir, paths)` as they were when this started."""
        if self._values is self._UNSET:
            if self._pid:
                with os.fdopen(self._read, "rb") as pipe:
                    data = pipe.read()
                _, status = os.waitpid(self._pid, 0)
                self._pid = 0
                if status != 0:  # it failed: look here
                    self._values = output_values(self._output_dir, self._paths)
                elif data[:1] == b"+":
                    self._values = array("q", data[1:]).tolist()
                else:
                    self._values = None  # a file is missing
            else:
                self._values = output_values(self._output_dir, self._paths)
        return self._values

    def __enter__(self) -> OutputValuesAside:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._pid:  # not asked for: the build goes on without them
            os.close(self._read)
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
            self._pid = 0


def output_values(output_dir: Path, paths: Sequence[str]) -> list[int] | None:
    """The size and modification time each of `paths` (files under `output_dir`) has now,
    one after the other, or None if one is missing."""
    values: list[int] = []
    add = values.extend
    try:
        for info in output_stats(output_dir, paths):
            add((info.st_size, info.st_mtime_ns))
    except OSError:
        return None
    return values
