"""What every source provides, and the helpers they share for reading a payload."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..config import SiteConfig, SourceSettings
from ..errors import IngestError
from .fetch import Fetcher
from .records import PaperRecord

__all__ = [
    "IngestContext",
    "Reading",
    "Source",
    "add_file_argument",
    "add_url_argument",
    "options_from_settings",
    "payload",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class IngestContext:
    """What a source may use besides its own options."""

    config: SiteConfig
    fetcher: Fetcher


@dataclass(slots=True)
class Reading:
    """What a source read: records to store, and papers it skipped with the reason."""

    records: list[PaperRecord]
    skipped: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Source:
    name: str
    summary: str
    """One line for `site-builder ingest --help`."""
    description: str
    """The source's own --help text."""
    add_arguments: Callable[[argparse.ArgumentParser], None]
    read: Callable[[argparse.Namespace, IngestContext], Reading]
    """Reads the payload named by the options (a --file, else the network) into records."""


def add_file_argument(parser: argparse.ArgumentParser, what: str, *, required: bool) -> None:
    parser.add_argument(
        "--file",
        type=Path,
        metavar="FILE",
        required=required,
        help=what if required else f"read {what} saved earlier instead of fetching it",
    )


def add_url_argument(parser: argparse.ArgumentParser, default: str) -> None:
    parser.add_argument(
        "--url",
        metavar="URL",
        default=None,
        help=f"the service's address (default: {default}); for a mirror or a test server",
    )


def payload(
    options: argparse.Namespace,
    context: IngestContext,
    *,
    source: str,
    url: str | None,
    delay: float = 0.0,
) -> tuple[bytes, str]:
    """The bytes to parse and where they came from: `--file` when given, else `url`."""
    path: Path | None = getattr(options, "file", None)
    if path is not None:
        try:
            return path.read_bytes(), str(path)
        except FileNotFoundError:
            raise IngestError(f"{source}: file not found", path=path) from None
        except IsADirectoryError:
            raise IngestError(f"{source}: a folder, not a file", path=path) from None
    if url is None:
        raise IngestError(f"{source}: give --file (this source has no network address)")
    return context.fetcher.get(url, what=source, delay=delay), url


def options_from_settings(settings: SourceSettings) -> argparse.Namespace:
    """The options a `sources:` entry of site.yaml stands for, as the command line gives them."""
    return argparse.Namespace(
        file=settings.file,
        url=settings.url,
        ids=list(settings.ids),
        query=settings.query,
        start=0,
        max_results=settings.max_results,
        page_size=settings.page_size,
        categories=list(settings.categories),
        include_replacements=settings.include_replacements,
        date=date.fromisoformat(settings.date) if settings.date else None,
        delay=settings.delay,
        match_titles=False,
    )
