"""The arXiv API (Atom): papers by id, by search query with paging, and title look-ups.

    <entry>
      <id>http://arxiv.org/abs/2403.01234v2</id>          id and version
      <title>, <summary>, <published>, <updated>
      <author><name/><arxiv:affiliation/>...</author>
      <arxiv:primary_category term="cs.CL"/> <category term="..."/>...
      <arxiv:comment/> <arxiv:journal_ref/> <arxiv:doi/>
    </entry>

Entries are read with feedparser. It keeps one affiliation per entry, so affiliations alone are
read from the same (already well-formed) XML with ElementTree, by namespace.
"""

from __future__ import annotations

import argparse
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from ..errors import IngestError
from ..ids import normalize_doi
from .feedxml import parse_feed
from .fetch import Fetcher
from .records import PaperRecord, arxiv_links, normalize_title, split_arxiv_id
from .source import IngestContext, Reading, Source, add_file_argument, add_url_argument, payload
from .store import title_only_papers
from .text import extract_links

__all__ = [
    "API_URL",
    "DEFAULT_DELAY",
    "SOURCE",
    "ArxivPage",
    "TitleMatch",
    "fetch_arxiv",
    "match_titles",
    "parse_arxiv",
]

API_URL = "https://export.arxiv.org/api/query"
DEFAULT_DELAY = 3.0
"""arXiv's terms: no more than one request every three seconds."""

_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV = "{http://arxiv.org/schemas/atom}"
_WITHDRAWN = re.compile(r"\bwithdrawn\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ArxivPage:
    """One API answer: its records and where it stands in the whole result."""

    records: list[PaperRecord]
    total: int
    start: int


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value[:10]) if value else None


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _affiliations(data: bytes) -> list[dict[str, list[str]]]:
    root = ET.fromstring(data)
    found = []
    for entry in root.iter(f"{_ATOM}entry"):
        authors: dict[str, list[str]] = {}
        for author in entry.iter(f"{_ATOM}author"):
            name = _clean(author.findtext(f"{_ATOM}name"))
            places = [_clean(a.text) for a in author.iter(f"{_ARXIV}affiliation") if _clean(a.text)]
            if name and places:
                authors[name] = places
        found.append(authors)
    return found


def parse_arxiv(data: bytes, *, origin: str) -> ArxivPage:
    """Read one arXiv API answer. An API error entry becomes an `IngestError`."""
    feed = parse_feed(data, source="arxiv", origin=origin)
    affiliations = _affiliations(data)
    records = []
    for index, entry in enumerate(feed.entries):
        entry_id = str(entry.get("id", ""))
        if "/api/errors" in entry_id:
            raise IngestError(f"arxiv: the API refused the request: {_clean(entry.get('summary'))}")
        split = split_arxiv_id(entry_id)
        if split is None:
            raise IngestError(f"arxiv: entry {index + 1}: id: not an arXiv id: {entry_id!r}")
        records.append(
            _record(entry, *split, affiliations[index] if index < len(affiliations) else {})
        )
    feed_meta = feed.feed
    total = int(feed_meta.get("opensearch_totalresults") or len(records))
    start = int(feed_meta.get("opensearch_startindex") or 0)
    return ArxivPage(records=records, total=total, start=start)


def _record(
    entry: Any, arxiv_id: str, version: int | None, affiliations: dict[str, list[str]]
) -> PaperRecord:
    primary = (entry.get("arxiv_primary_category") or {}).get("term")
    categories = [primary] if primary else []
    categories += [
        tag["term"] for tag in entry.get("tags", []) if tag.get("term") not in categories
    ]
    comment = _clean(entry.get("arxiv_comment")) or None
    abstract = _clean(entry.get("summary"))
    doi = normalize_doi(_clean(entry.get("arxiv_doi")))
    links = arxiv_links(arxiv_id)
    if doi:
        links["doi"] = f"https://doi.org/{doi}"
    code = extract_links(abstract).get("code")
    if code:
        links["code"] = code
    withdrawn = bool(comment and _WITHDRAWN.search(comment)) or abstract.lower().startswith(
        "this paper has been withdrawn"
    )
    published = _day(entry.get("published"))
    return PaperRecord(
        id=arxiv_id,
        title=_clean(entry.get("title")),
        abstract=abstract,
        source="arxiv",
        authors=tuple(_clean(a.get("name")) for a in entry.get("authors", []) if a.get("name")),
        affiliations=affiliations or None,
        published=published,
        updated=_day(entry.get("updated")) if version != 1 else None,
        version=version,
        categories=tuple(c for c in categories if c),
        comment=comment,
        journal_ref=_clean(entry.get("arxiv_journal_ref")) or None,
        doi=doi,
        links=links,
        withdrawn=True if withdrawn else None,
    )


def _url(base: str, params: dict[str, str | int]) -> str:
    return f"{base}?{urlencode(params)}"


def fetch_arxiv(
    fetcher: Fetcher,
    *,
    ids: Iterable[str] = (),
    query: str | None = None,
    start: int = 0,
    max_results: int = 100,
    page_size: int = 100,
    base_url: str = API_URL,
    delay: float = DEFAULT_DELAY,
) -> list[PaperRecord]:
    """Fetch papers by id (in chunks of `page_size`) and by `query` (paged); all pages are read
    and parsed before anything is returned, so a bad page means no records at all."""
    records: list[PaperRecord] = []
    wanted = list(dict.fromkeys(ids))
    for bad in (i for i in wanted if split_arxiv_id(i) is None):
        raise IngestError(f"arxiv: {bad!r} is not an arXiv id (like 2403.01234 or hep-th/9901001)")
    for first in range(0, len(wanted), page_size):
        chunk = wanted[first : first + page_size]
        params: dict[str, str | int] = {"id_list": ",".join(chunk), "max_results": len(chunk)}
        url = _url(base_url, params)
        records += parse_arxiv(fetcher.get(url, what="arxiv", delay=delay), origin=url).records
    if query:
        position, stop = start, start + max_results
        total: int | None = None
        while position < stop and (total is None or position < total):
            size = min(page_size, stop - position)
            params = {"search_query": query, "start": position, "max_results": size}
            url = _url(base_url, params)
            page = parse_arxiv(fetcher.get(url, what="arxiv", delay=delay), origin=url)
            total = page.total if total is None else total
            if not page.records and position < total:
                # The API sometimes answers a page inside the results with no entries when busy;
                # a query read in part would look complete, so it counts as a failure.
                raise IngestError(
                    f"arxiv: an empty page at {position} of {total} results; "
                    "the API does this when busy: try again later",
                    path=url,
                )
            records += page.records
            position += len(page.records)
    return records


@dataclass(frozen=True, slots=True)
class TitleMatch:
    """The outcome of looking up one title."""

    title: str
    record: PaperRecord | None
    """The one paper whose normalised title matched, if exactly one did."""
    candidates: tuple[str, ...] = ()
    """Ids of every matching paper when more than one did (nothing is guessed then)."""


def title_query(title: str) -> str:
    """An exact-phrase title search; punctuation is dropped since the API ignores it anyway."""
    return f'ti:"{normalize_title(title)}"'


def match_titles(
    fetcher: Fetcher,
    titles: Iterable[str],
    *,
    base_url: str = API_URL,
    delay: float = DEFAULT_DELAY,
    per_title: int = 10,
) -> list[TitleMatch]:
    """Look each title up; a paper counts only when its normalised title equals the wanted one."""
    matches = []
    for title in titles:
        params: dict[str, str | int] = {
            "search_query": title_query(title),
            "start": 0,
            "max_results": per_title,
        }
        url = _url(base_url, params)
        page = parse_arxiv(fetcher.get(url, what="arxiv", delay=delay), origin=url)
        wanted = normalize_title(title)
        same = {r.id: r for r in page.records if normalize_title(r.title) == wanted}
        if len(same) == 1:
            matches.append(TitleMatch(title, next(iter(same.values()))))
        else:
            matches.append(TitleMatch(title, None, tuple(same)))
    return matches


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "ids",
        nargs="*",
        metavar="ID",
        help="arXiv ids: 2403.01234, 2403.01234v2 (that version), hep-th/9901001",
    )
    parser.add_argument(
        "--query",
        metavar="QUERY",
        help="an API search query, e.g. 'cat:cs.CL AND ti:instruction'",
    )
    parser.add_argument(
        "--start", type=int, default=0, metavar="N", help="skip the first N results of --query"
    )
    parser.add_argument(
        "--max-results",
        type=int,
        default=100,
        metavar="N",
        help="read at most N results of --query (default: 100)",
    )
    parser.add_argument(
        "--page-size",
        type=int,
        default=100,
        metavar="N",
        help="results per request while paging (default: 100)",
    )
    parser.add_argument(
        "--match-titles",
        action="store_true",
        help="look up every paper in content/ known only by its title (e.g. from the text "
        "dump) and fill in its arXiv id, authors, dates, categories and links when exactly one "
        "arXiv paper has the same normalised title; ambiguous titles are listed, never guessed",
    )
    add_file_argument(parser, "an API answer", required=False)
    add_url_argument(parser, API_URL)
    parser.add_argument(
        "--delay",
        type=float,
        default=None,
        metavar="SECONDS",
        help=f"least time between requests (default: {DEFAULT_DELAY:g}, as arXiv asks; a "
        "smaller value is for mirrors and test servers only)",
    )


def _read(options: argparse.Namespace, context: IngestContext) -> Reading:
    base = options.url or API_URL
    delay = DEFAULT_DELAY if options.delay is None else options.delay
    if options.delay is not None and options.delay < DEFAULT_DELAY and options.url is None:
        raise IngestError(f"arxiv: --delay below {DEFAULT_DELAY:g} s is only for --url servers")
    if options.file is not None:
        data, origin = payload(options, context, source="arxiv", url=None)
        return Reading(parse_arxiv(data, origin=origin).records)
    if options.match_titles:
        return _match(context, base, delay)
    if not options.ids and not options.query:
        raise IngestError("arxiv: give ids, --query, --match-titles or --file")
    records = fetch_arxiv(
        context.fetcher,
        ids=options.ids,
        query=options.query,
        start=options.start,
        max_results=options.max_results,
        page_size=options.page_size,
        base_url=base,
        delay=delay,
    )
    return Reading(records)


def _match(context: IngestContext, base: str, delay: float) -> Reading:
    papers = title_only_papers(context.config.papers_dir)
    titles = [title for _, title in papers]
    reading = Reading([])
    for (paper_id, _), found in zip(
        papers, match_titles(context.fetcher, titles, base_url=base, delay=delay), strict=True
    ):
        if found.record is not None:
            reading.records.append(found.record)
        elif found.candidates:
            reading.skipped.append(
                (paper_id, f"ambiguous: {', '.join(found.candidates)} all have this title")
            )
        else:
            reading.skipped.append((paper_id, "no arXiv paper has exactly this title"))
    return reading


SOURCE = Source(
    name="arxiv",
    summary="the arXiv API: papers by id, by search query, or title look-ups",
    description=(
        "Fetch papers from the arXiv API by id (any version, old-style ids too) or by search "
        "query, paging through the results, with title, abstract, authors and affiliations, "
        "dates, categories, comment, journal reference, DOI, links and version. arXiv asks for "
        "at most one request every 3 seconds and answers 429 to busy unattended clients: use "
        "arxiv-rss for daily discovery and this source for ids, queries and back-fills."
    ),
    add_arguments=_arguments,
    read=_read,
)
