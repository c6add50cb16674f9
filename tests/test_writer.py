"""The writer's path checks, which run over every output of every build."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from site_builder.errors import BuildError
from site_builder.writer import check_paths


def test_paths_that_clash_or_leave_the_output_folder_are_refused() -> None:
    check_paths(["index.html", PurePosixPath("papers/x/index.html"), "papers/..x/index.html"])
    with pytest.raises(BuildError, match=r"same path papers/x/index\.html"):
        check_paths(["papers/x/index.html", PurePosixPath("papers/x/index.html")])
    for bad in ("/etc/passwd", "../outside.html", "papers/../../outside.html", "a/.."):
        with pytest.raises(BuildError, match="leaves the output folder"):
            check_paths([bad])
