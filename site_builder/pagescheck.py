"""What would break on GitHub Pages, read off a built site: its size, files Jekyll would hide,
and links that leave the site's base path."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

__all__ = ["PAGES_SIZE_LIMIT", "pages_warnings"]

PAGES_SIZE_LIMIT = 1024**3
"""GitHub Pages refuses to publish a site larger than 1 GB."""


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in {"href", "src", "action"} and value is not None:
                self.links.append(value)


def _files(output: Path) -> Iterator[Path]:
    return (path for path in sorted(output.rglob("*")) if path.is_file())


def pages_warnings(output: Path, base_url: str) -> list[str]:
    """Warnings about the built site in `output`; none when it has not been built."""
    if not output.is_dir():
        return []
    warnings = []
    files = list(_files(output))
    size = sum(path.stat().st_size for path in files)
    if size > PAGES_SIZE_LIMIT:
        warnings.append(
            f"{output}: the site is {size / 1024**3:.2f} GB; GitHub Pages publishes at most 1 GB"
        )
    if not (output / ".nojekyll").exists():
        hidden = [
            p.relative_to(output).as_posix()
            for p in files
            if any(part.startswith(("_", ".")) for part in p.relative_to(output).parts)
        ]
        if hidden:
            warnings.append(
                f"{output}: no .nojekyll, so Pages' Jekyll step would hide "
                f"{len(hidden)} files such as {hidden[0]}"
            )
    base_path = urlsplit(base_url).path or "/"
    for page in (p for p in files if p.suffix == ".html"):
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8", errors="replace"))
        where = page.relative_to(output).as_posix()
        for link in parser.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or not parts.path:
                continue
            if parts.path.startswith("/"):
                if not parts.path.startswith(base_path):
                    warnings.append(
                        f"{output / where}: link {link!r} leaves the base path {base_path}"
                    )
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(where), parts.path))
            if target == ".." or target.startswith("../"):
                warnings.append(f"{output / where}: link {link!r} points above the site's root")
    return warnings
