"""RSS 2.0 and Atom feeds of the trending papers, through feedgen.

feedgen fills `lastBuildDate` and `updated` with the wall clock and prepends entries unless told
otherwise; here every date comes from the content and entries are appended in trending order,
so the same content gives byte-identical feeds.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from pathlib import PurePosixPath

from feedgen.feed import FeedGenerator

from . import urls
from .models import Catalog, EnrichedPaper, OutputFile

__all__ = ["feed_files", "paper_guid"]

_GUID_NAMESPACE = uuid.UUID("0f5e8f3c-3b1e-5d7a-9c57-5b6e7d2f1a40")


def paper_guid(paper_id: str) -> str:
    """A paper's feed id: derived from its canonical id alone, so moving the site to another
    address or rebuilding it never makes a reader show the paper twice."""
    return f"urn:uuid:{uuid.uuid5(_GUID_NAMESPACE, paper_id)}"


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


def _generator(catalog: Catalog, name: str, title: str, kind: str) -> FeedGenerator:
    config = catalog.config
    feed = FeedGenerator()
    feed.id(urls.absolute(config.base_url, urls.feed(name, "atom")))
    feed.title(f"{config.title}: {title}")
    feed.subtitle(config.description or title)
    feed.author({"name": config.title})
    # feedgen takes the last link as RSS's channel <link>: the site, so it goes last.
    feed.link(href=urls.absolute(config.base_url, urls.feed(name, kind)), rel="self")
    feed.link(href=urls.absolute(config.base_url, urls.home()), rel="alternate")
    feed.language(config.language)
    feed.updated(_moment(catalog.updated))
    feed.lastBuildDate(_moment(catalog.updated))
    return feed


def _add_entries(feed: FeedGenerator, catalog: Catalog, items: Sequence[EnrichedPaper]) -> None:
    base_url = catalog.config.base_url
    for item in items:
        paper = item.paper
        entry = feed.add_entry(order="append")
        guid = paper_guid(paper.id)
        entry.id(guid)
        entry.guid(guid, permalink=False)
        entry.title(paper.title)
        entry.link(href=urls.absolute(base_url, urls.paper(paper.id)))
        for author in paper.authors:
            entry.author({"name": author})
        entry.description(item.abstract_html or item.summary)
        entry.content(item.abstract_html, type="html")
        entry.published(_moment(paper.day))
        entry.updated(_moment(paper.day))
        for slug in item.topics:
            rule = catalog.config.topic(slug)
            entry.category(term=slug, label=rule.name if rule else slug)


def feed_files(catalog: Catalog) -> list[OutputFile]:
    """The trending feed, top `feeds.items` papers, as RSS and as Atom."""
    items = catalog.papers[: catalog.config.feed_items]
    files = []
    for kind in ("rss", "atom"):
        feed = _generator(catalog, "trending", "Trending papers", kind)
        _add_entries(feed, catalog, items)
        data = feed.rss_str(pretty=True) if kind == "rss" else feed.atom_str(pretty=True)
        files.append(OutputFile(PurePosixPath(urls.feed("trending", kind)), data))
    return files
