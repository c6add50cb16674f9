"""The text dump: a daily-papers page pasted as text.

    new
    Get trending papers in your email inbox!
    Subscribe
    byAK and the research community
    Mar 13                                  <- the date line ends the header
    Even your Teacher Needs Guidance: ...   <- title
    Knowledge distillation is ...           <- abstract
    ...

Titles and abstracts alternate, separated by blank lines; an abstract may be wrapped over several
lines. The list order becomes each paper's `rank`. LaTeX is kept as written.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..errors import IngestError
from .records import PaperRecord, normalize_title, title_id
from .source import IngestContext, Reading, Source, add_file_argument, payload

__all__ = ["SOURCE", "extract_links", "parse_text_dump"]

_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_DATE_LINE = re.compile(
    r"^(?P<month>[A-Za-z]{3})[a-z]*\.?\s+(?P<day>\d{1,2})(?:,?\s+(?P<year>\d{4}))?$"
)
_ISO_DATE_LINE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_BOILERPLATE = re.compile(
    r"^(new|subscribe|daily papers|get trending papers in your (e-?mail )?inbox!?|by\s*ak\b.*)$",
    re.IGNORECASE,
)
_URL = re.compile(r"https?://[^\s<>\"'{}\\|^`]+")
_CODE_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "codeberg.org")
_MAX_TITLE_WORDS = 40
_HEADER_SEARCH = 10


@dataclass(frozen=True, slots=True)
class _Block:
    line: int
    text: str


def _blocks(text: str) -> list[_Block]:
    """Paragraphs (runs of non-blank lines), each joined into one line, with its first line."""
    blocks: list[_Block] = []
    lines: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line:
            if not lines:
                start = number
            lines.append(line)
        elif lines:
            blocks.append(_Block(start, " ".join(lines)))
            lines = []
    if lines:
        blocks.append(_Block(start, " ".join(lines)))
    return blocks


def _header_date(block: _Block) -> tuple[int, int, int | None] | None:
    """(month, day, year or None) when `block` is a date line."""
    if _ISO_DATE_LINE.match(block.text):
        iso_year, iso_month, iso_day = (int(part) for part in block.text.split("-"))
        return iso_month, iso_day, iso_year
    match = _DATE_LINE.match(block.text)
    if not match or match["month"].lower() not in _MONTHS:
        return None
    year = int(match["year"]) if match["year"] else None
    return _MONTHS.index(match["month"].lower()) + 1, int(match["day"]), year


def _resolve_day(
    found: tuple[int, int, int | None] | None, day: date | None, path: Path, line: int
) -> date:
    if found is None or found[2] is None:
        if day is None:
            hint = "the page's date line has no year" if found else "the page has no date line"
            raise IngestError(f"{hint}: pass --date YYYY-MM-DD", path=path, line=line)
        if found and not 1 <= found[1] <= 31:
            raise IngestError("the page's date line is not a real day", path=path, line=line)
        if found and (found[0], found[1]) != (day.month, day.day):
            raise IngestError(
                f"the page is dated {_MONTHS[found[0] - 1].title()} {found[1]} "
                f"but --date says {day.isoformat()}",
                path=path,
                line=line,
            )
        return day
    try:
        listed = date(found[2], found[0], found[1])
    except ValueError as exc:
        raise IngestError(
            f"the page's date line is not a real day ({exc})", path=path, line=line
        ) from None
    if day is not None and day != listed:
        raise IngestError(f"the page is dated {listed} but --date says {day}", path=path, line=line)
    return listed


def extract_links(abstract: str) -> dict[str, str]:
    """The first code-host URL becomes `code`, the first other URL `project`."""
    links: dict[str, str] = {}
    for match in _URL.finditer(abstract):
        url = _trim_url(match.group())
        host = url.split("/")[2].lower().removeprefix("www.")
        kind = "code" if host in _CODE_HOSTS else "project"
        links.setdefault(kind, url)
    return links


def _trim_url(url: str) -> str:
    """Drop sentence punctuation glued to a URL; keep a `)` that closes one inside it."""
    while url and url[-1] in ".,;:!?)]'\"":
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def parse_text_dump(text: str, *, path: Path, day: date | None = None) -> list[PaperRecord]:
    """Read a pasted daily-papers page into records ranked in page order.

    `day` is the listing date; it is required when the page's date line has no year.
    """
    blocks = _blocks(text)
    header_end, found = 0, None
    for index, block in enumerate(blocks[:_HEADER_SEARCH]):
        found = _header_date(block)
        if found:
            header_end = index + 1
            break
    else:
        while header_end < len(blocks) and _BOILERPLATE.match(blocks[header_end].text):
            header_end += 1
    date_line = blocks[header_end - 1].line if found else 1
    listed = _resolve_day(found, day, path, date_line)

    body = blocks[header_end:]
    if not body:
        raise IngestError("no papers found after the page header", path=path, line=date_line)
    records: list[PaperRecord] = []
    seen: dict[str, int] = {}
    for rank, start in enumerate(range(0, len(body), 2), start=1):
        title = body[start]
        if len(title.text.split()) > _MAX_TITLE_WORDS:
            raise IngestError(
                f"expected a title but found a paragraph of {len(title.text.split())} words; "
                "is a title missing, or an abstract split by a blank line?",
                path=path,
                line=title.line,
                field="title",
            )
        if start + 1 >= len(body):
            raise IngestError(
                f"the title {title.text!r} has no abstract after it",
                path=path,
                line=title.line,
                field="abstract",
            )
        abstract = body[start + 1].text
        normalized = normalize_title(title.text)
        if not normalized:
            raise IngestError(
                "a title needs letters or digits", path=path, line=title.line, field="title"
            )
        if normalized in seen:
            raise IngestError(
                f"the same title is listed twice (first on line {seen[normalized]})",
                path=path,
                line=title.line,
                field="title",
            )
        seen[normalized] = title.line
        paper_id = title_id(title.text)
        records.append(
            PaperRecord(
                id=paper_id,
                title=title.text,
                abstract=abstract,
                source="text",
                featured=listed,
                links=extract_links(abstract),
                rank=rank,
            )
        )
    return records


def _arguments(parser: argparse.ArgumentParser) -> None:
    add_file_argument(parser, "the pasted page, as UTF-8 text", required=True)
    parser.add_argument(
        "--date",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="the listing day (required when the page's date line has no year)",
    )


def _read(options: argparse.Namespace, context: IngestContext) -> Reading:
    data, origin = payload(options, context, source="text", url=None)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise IngestError(f"not UTF-8 text ({exc.reason})", path=origin) from None
    return Reading(parse_text_dump(text, path=Path(origin), day=options.date))


SOURCE = Source(
    name="text",
    summary="a daily-papers page pasted as text (titles and abstracts)",
    description=(
        "Read a daily-papers page pasted as text: a few header lines and a date line "
        "such as 'Mar 13', then each paper's title and abstract separated by blank lines. "
        "The page order becomes each paper's rank; URLs in abstracts become links "
        "(a GitHub URL is the code link)."
    ),
    add_arguments=_arguments,
    read=_read,
)
