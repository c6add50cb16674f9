"""The writer's path checks, which run over every output of every build, and its file writes."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from site_builder.errors import BuildError
from site_builder.writer import (
    FolderWriter,
    OutputValuesAside,
    check_paths,
    commit_pending,
    output_values,
    pending_name,
)

from .conftest import tree


def test_paths_that_clash_or_leave_the_output_folder_are_refused() -> None:
    check_paths(["index.html", PurePosixPath("papers/x/index.html"), "papers/..x/index.html"])
    with pytest.raises(BuildError, match=r"same path papers/x/index\.html"):
        check_paths(["papers/x/index.html", PurePosixPath("papers/x/index.html")])
    for bad in ("/etc/passwd", "../outside.html", "papers/../../outside.html", "a/.."):
        with pytest.raises(BuildError, match="leaves the output folder"):
            check_paths([bad])


def test_a_folder_writer_makes_each_folder_once_and_writes_the_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "out").mkdir()
    made: list[str] = []
    real = os.mkdir

    def counted(name: str, *args: Any, **kwargs: Any) -> None:
        real(name, *args, **kwargs)  # raises when the folder is there or its parent is not
        made.append(name)

    monkeypatch.setattr(os, "mkdir", counted)  # os.makedirs makes each folder through it too
    files = {
        "index.html": b"home",
        "papers/a/index.html": b"a",
        "papers/a/extra.json": b"{}",
        "papers/b/index.html": b"b",
        "topics/t/page/2/index.html": b"t2",
        "topics/t/page/3/index.html": b"t3",
    }
    writer = FolderWriter(tmp_path / "out")
    for path, data in files.items():
        writer.write(path, data)
    written = {
        file.relative_to(tmp_path / "out").as_posix(): file.read_bytes()
        for file in (tmp_path / "out").rglob("*")
        if file.is_file()
    }
    assert written == files
    # Each folder made once, its missing parents included.
    folders = ["papers", "papers/a", "papers/b", "topics", "topics/t", "topics/t/page"]
    folders += ["topics/t/page/2", "topics/t/page/3"]
    assert sorted(made) == sorted(str(tmp_path / "out" / folder) for folder in folders)


def test_pending_files_move_into_folders_old_and_new(tmp_path: Path) -> None:
    pending, output = tmp_path / "pending", tmp_path / "site"
    pending.mkdir()
    writer = FolderWriter(pending, flat=True)
    long = "/".join(["a-rather-long-folder-name"] * 12) + "/index.html"  # over 255 bytes
    new = [("papers/a/index.html", b"a2"), ("papers/new/deep/index.html", b"n"), (long, b"l")]
    for path, data in new:
        writer.write(path, data)
    # Flat: a file per path, no folder.
    assert sorted(file.name for file in pending.iterdir()) == sorted(
        pending_name(path) for path, _ in new
    )
    assert Path(writer.file(long)).read_bytes() == b"l"
    (output / "papers" / "a").mkdir(parents=True)
    (output / "papers" / "a" / "index.html").write_bytes(b"a1")
    (output / "index.html").write_bytes(b"home")
    commit_pending(pending, output, [path for path, _ in new])
    assert tree(output) == {
        "index.html": b"home",
        "papers/a/index.html": b"a2",
        "papers/new/deep/index.html": b"n",
        long: b"l",
    }
    assert not pending.exists()


def test_a_pending_file_that_is_missing_is_an_error_not_a_new_folder(tmp_path: Path) -> None:
    pending, output = tmp_path / "pending", tmp_path / "site"
    pending.mkdir()
    with pytest.raises(FileNotFoundError):
        commit_pending(pending, output, ["papers/gone/index.html"])


def _outputs(folder: Path, count: int) -> list[str]:
    paths = [f"papers/{number}/index.html" for number in range(count)]
    for number, path in enumerate(paths):
        (folder / path).parent.mkdir(parents=True)
        (folder / path).write_text("x" * number, "utf-8")
    return paths


def _no_children_left() -> bool:
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def test_output_values_found_aside_are_those_found_here(tmp_path: Path) -> None:
    paths = _outputs(tmp_path, 300)
    with OutputValuesAside(tmp_path, paths) as aside:
        found = aside.values()
        assert found == output_values(tmp_path, paths)
        assert found is not None and found[2 * 299] == 299  # sizes and times, in order
        assert aside.values() is found
    assert _no_children_left()
    (tmp_path / paths[7]).unlink()
    with OutputValuesAside(tmp_path, paths) as aside:
        assert aside.values() is None


def test_output_values_not_asked_for_leave_no_process_behind(tmp_path: Path) -> None:
    paths = _outputs(tmp_path, 50)
    with OutputValuesAside(tmp_path, paths):
        pass
    assert _no_children_left()


def test_without_fork_output_values_are_found_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = _outputs(tmp_path, 20)
    expected = output_values(tmp_path, paths)
    monkeypatch.delattr(os, "fork")
    with OutputValuesAside(tmp_path, paths) as aside:
        assert aside.values() == expected
