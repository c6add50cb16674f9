"""The search index, built by Pagefind from the paper pages and published under pagefind/.

Pagefind (the `pagefind-bin` package ships its binary) turns pages into a compressed, chunked
index that the search page loads piece by piece, so search works on a static host with no server.
Only what paper pages mark with `data-pagefind-body` is indexed: title, authors, topics, abstract.
The binary runs over a scratch copy of those pages, so the index is just more output files.
(Pagefind's Python API is not used: it waits 0.1 s for every record it sends.)
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from pagefind_bin import get_executable

from . import urls
from .errors import BuildError
from .models import OutputFile

__all__ = ["PAGE_GLOB", "index_folder", "search_files"]

PAGE_GLOB = "papers/**/*.html"
"""The pages Pagefind reads: only paper pages carry `data-pagefind-body`."""

# Pagefind's ready-made UIs; the search page has its own small script instead.
_UNUSED = re.compile(r"^pagefind-(.*-)?ui\.(js|css)$|^pagefind-highlight\.js$")


def search_files(pages: Sequence[OutputFile], *, language: str) -> list[OutputFile]:
    """The Pagefind bundle indexing `pages` (rendered HTML), as files under `pagefind/`.

    A site with no papers has no index; its search page says search is not available."""
    if not pages:
        return []
    with tempfile.TemporaryDirectory(prefix="site-builder-search-") as temp:
        site = Path(temp) / "site"
        for page in pages:
            target = site.joinpath(*page.path.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(page.data)
        site.mkdir(exist_ok=True)
        return index_folder(site, language=language, glob="**/*.html")


def index_folder(site: Path, *, language: str, glob: str = PAGE_GLOB) -> list[OutputFile]:
    """The Pagefind bundle indexing the pages of folder `site` that match `glob`; nothing
    when no page matches (a site with no papers has no index)."""
    if next(site.glob(glob), None) is None:
        return []
    with tempfile.TemporaryDirectory(prefix="site-builder-search-") as temp:
        bundle = Path(temp) / "pagefind"
        command = [
            str(get_executable()),
            "--site",
            str(site),
            "--glob",
            glob,
            "--output-path",
            str(bundle),
            "--force-language",
            language,
            "--silent",
        ]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            detail = (result.stderr or result.stdout).strip()
            raise BuildError(f"Pagefind could not build the search index: {detail}")
        prefix = PurePosixPath(urls.search_bundle())
        return [
            OutputFile(prefix / path.relative_to(bundle).as_posix(), path.read_bytes())
            for path in sorted(bundle.rglob("*"))
            if path.is_file() and not _UNUSED.match(path.name)
        ]
