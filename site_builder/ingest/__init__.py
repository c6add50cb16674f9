"""Sources, registered by name: the CLI asks `SOURCES` for one, and adding a source touches only
its own module and one line here.

Each source turns a payload into `PaperRecord`s; `store.store_records` merges them into content/.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..errors import IngestError
from .records import PaperRecord
from .store import StoreReport, store_records
from .text import parse_text_dump

__all__ = ["SOURCES", "PaperRecord", "Source", "StoreReport", "store_records"]


@dataclass(frozen=True, slots=True)
class Source:
    name: str
    summary: str
    """One line for `site-builder ingest --help`."""
    description: str
    """The source's own --help text."""
    add_arguments: Callable[[argparse.ArgumentParser], None]
    read: Callable[[argparse.Namespace], list[PaperRecord]]


def _text_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--file", type=Path, required=True, metavar="FILE", help="the pasted page, as UTF-8 text"
    )
    parser.add_argument(
        "--date",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="the listing day (required when the page's date line has no year)",
    )


def _read_text(options: argparse.Namespace) -> list[PaperRecord]:
    path: Path = options.file
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise IngestError("file not found", path=path) from None
    except UnicodeDecodeError as exc:
        raise IngestError(f"not UTF-8 text ({exc.reason})", path=path) from None
    return parse_text_dump(text, path=path, day=options.date)


SOURCES: dict[str, Source] = {
    source.name: source
    for source in (
        Source(
            name="text",
            summary="a daily-papers page pasted as text (titles and abstracts)",
            description=(
                "Read a daily-papers page pasted as text: a few header lines and a date line "
                "such as 'Mar 13', then each paper's title and abstract separated by blank lines. "
                "The page order becomes each paper's rank; URLs in abstracts become links "
                "(a GitHub URL is the code link)."
            ),
            add_arguments=_text_arguments,
            read=_read_text,
        ),
    )
}
