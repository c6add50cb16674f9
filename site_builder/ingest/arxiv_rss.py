"""arXiv's daily listings (rss.arxiv.org), in the RSS 2.0 and the Atom variant.

Each item announces one paper: `new`, `cross` (cross-listed from another category), `replace` or
`replace-cross` (a new version). Its description reads

    arXiv:2609.26811v1 Announce Type: new
    Abstract: Local learning trains each layer ...

and `dc:creator` holds the authors as one comma-joined string. Listings made before 2024 (RSS 1.0)
put the id into the title instead: "A Title. (arXiv:2310.01234v2 [cs.CL] UPDATED)"; they are read
too. A replacement only updates a paper already in content/, unless replacements are included.
"""

from __future__ import annotations

import argparse
import re
from datetime import date
from typing import Any

from ..errors import IngestError
from .feedxml import parse_feed
from .records import PaperRecord, arxiv_links, split_arxiv_id
from .source import IngestContext, Reading, Source, add_file_argument, add_url_argument, payload

__all__ = ["LISTING_URL", "SOURCE", "listing_url", "parse_listing"]

LISTING_URL = "https://rss.arxiv.org/rss/"

_HEAD = re.compile(
    r"^\s*arXiv:(?P<id>\S+)\s+Announce Type:\s*(?P<type>[\w-]+)\s*(?:Abstract:\s*)?", re.I
)
_OLD_TITLE = re.compile(
    r"^(?P<title>.*?)\.?\s*\(arXiv:(?P<id>\S+?)\s+\[(?P<cat>[^\]]+)\]"
    r"(?:\s+(?P<flag>UPDATED|CROSS LISTED))?\)\s*$",
    re.S,
)
_TAG = re.compile(r"<[^>]+>")


def listing_url(categories: list[str] | tuple[str, ...], base_url: str = LISTING_URL) -> str:
    """One listing for several categories: https://rss.arxiv.org/rss/cs.CL+cs.LG."""
    return base_url.rstrip("/") + "/" + "+".join(categories)


def _clean(text: str | None) -> str:
    return " ".join(_TAG.sub(" ", text or "").split())


def _day(entry: Any) -> date | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    return date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday) if parsed else None


def parse_listing(
    data: bytes, *, origin: str, include_replacements: bool = False
) -> list[PaperRecord]:
    """Records of one listing; replacements are update-only unless `include_replacements`."""
    feed = parse_feed(data, source="arxiv-rss", origin=origin)
    channel_day = _day(feed.feed)
    records = []
    for index, entry in enumerate(feed.entries, start=1):
        record = _record(entry, channel_day, include_replacements)
        if record is None:
            raise IngestError(
                f"arxiv-rss: item {index}: no arXiv id in its description, guid or title",
                path=origin,
            )
        records.append(record)
    return records


def _record(entry: Any, channel_day: date | None, include: bool) -> PaperRecord | None:
    title = _clean(entry.get("title"))
    old_categories: tuple[str, ...] = ()
    summary = entry.get("summary") or ""
    head = _HEAD.match(summary)
    old = _OLD_TITLE.match(title)
    if head:
        split = split_arxiv_id(head["id"])
        kind = head["type"].lower()
        abstract = _clean(summary[head.end() :])
    elif old:
        split = split_arxiv_id(old["id"])
        kind = {"UPDATED": "replace", "CROSS LISTED": "cross"}.get(old["flag"] or "", "new")
        title = _clean(old["title"])
        abstract = _clean(summary)
        old_categories = tuple(c.strip() for c in old["cat"].split(",") if c.strip())
    else:
        split = split_arxiv_id(str(entry.get("id", "")).removeprefix("oai:arXiv.org:"))
        kind = str(entry.get("arxiv_announce_type") or "new").lower()
        abstract = _clean(summary)
    if split is None:
        return None
    kind = str(entry.get("arxiv_announce_type") or kind).lower()
    arxiv_id, version = split
    day = _day(entry) or channel_day
    replacement = kind.startswith("replace")
    creators = _clean(entry.get("author"))
    authors = tuple(a.strip() for a in re.split(r",\s*|\s+and\s+", creators) if a.strip())
    categories = tuple(tag["term"] for tag in entry.get("tags", []) if tag.get("term"))
    categories = categories or old_categories
    return PaperRecord(
        id=arxiv_id,
        title=title,
        abstract=abstract,
        source="arxiv-rss",
        authors=authors or None,
        # A new version's listing day is not the paper's first appearance.
        published=day if version == 1 and not replacement else None,
        updated=day if replacement else None,
        featured=day if not replacement or include else None,
        version=version,
        categories=categories or None,
        links=arxiv_links(arxiv_id),
        update_only=replacement and not include,
    )


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "categories", nargs="*", metavar="CATEGORY", help="listings to read, e.g. cs.CL cs.LG"
    )
    parser.add_argument(
        "--include-replacements",
        action="store_true",
        help="also add replaced papers that are not in content/ yet (normally a replacement "
        "only updates a paper you already have)",
    )
    add_file_argument(parser, "a listing (RSS 2.0 or Atom)", required=False)
    add_url_argument(parser, LISTING_URL)
    parser.add_argument(
        "--delay", type=float, default=None, metavar="SECONDS", help=argparse.SUPPRESS
    )


def _read(options: argparse.Namespace, context: IngestContext) -> Reading:
    url = None
    if options.categories:
        url = listing_url(options.categories, options.url or LISTING_URL)
    elif options.file is None:
        raise IngestError("arxiv-rss: give one or more categories (e.g. cs.CL) or --file")
    delay = 3.0 if options.delay is None else options.delay
    data, origin = payload(options, context, source="arxiv-rss", url=url, delay=delay)
    return Reading(
        parse_listing(data, origin=origin, include_replacements=options.include_replacements)
    )


SOURCE = Source(
    name="arxiv-rss",
    summary="arXiv's daily listings of categories (new, cross-listed, replaced papers)",
    description=(
        "Read the daily arXiv listing of one or more categories (rss.arxiv.org, RSS 2.0 or "
        "Atom): new submissions and cross-lists are added with the listing day as their "
        "featured date; a replacement (a new version) updates a paper already in content/ and "
        "is skipped otherwise, unless --include-replacements. This is the daily discovery path: "
        "one request a day, which arXiv's API limits would not allow for searches."
    ),
    add_arguments=_arguments,
    read=_read,
)
