"""Every feed of `feedlist.site_feeds` as RSS 2.0 and Atom (through feedgen) and JSON Feed 1.1,
plus one OPML file listing them all.

feedgen fills `lastBuildDate` and `updated` with the wall clock and prepends entries unless told
otherwise; here every date comes from the content and entries are appended in order, so the same
content gives byte-identical feeds. JSON Feed is plain JSON, written here with `json`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from email.utils import format_datetime
from html import escape
from pathlib import PurePosixPath
from typing import Any
from xml.etree import ElementTree as ET

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator

from . import urls
from .feedlist import Feed, site_feeds
from .models import Catalog, EnrichedPaper, OutputFile

__all__ = ["JSON_FEED_VERSION", "feed_files", "item_html", "opml_file", "paper_guid"]

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
_GUID_NAMESPACE = uuid.UUID("0f5e8f3c-3b1e-5d7a-9c57-5b6e7d2f1a40")
_ITEM_LINKS = ("arxiv", "pdf", "code", "project")
"""The links an item carries besides its page on the site."""


class _RelatedLinks(BaseEntryExtension):  # type: ignore[misc]
    """An Atom entry's `<link rel="related" title=...>` to arXiv, the PDF and the code.

    feedgen 1.0 drops the rel and title of entry links (its loop variable shadows the link data),
    which would make each of them a second rel="alternate" link, against RFC 4287.
    """

    def __init__(self) -> None:
        self.links: list[tuple[str, str]] = []

    def extend_atom(self, entry: Any) -> Any:
        for title, href in self.links:
            entry.append(
                entry.makeelement("link", {"href": href, "rel": "related", "title": title})
            )
        return entry


def paper_guid(paper_id: str) -> str:
    """A paper's feed id: derived from its canonical id alone, so moving the site to another
    address or rebuilding it never makes a reader show the paper twice."""
    return f"urn:uuid:{uuid.uuid5(_GUID_NAMESPACE, paper_id)}"


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


def _updated(feed: Feed, catalog: Catalog) -> date:
    """The newest item's day: a feed changes its date only when its items change."""
    return max((item.paper.day for item in feed.papers), default=catalog.updated)


def item_html(item: EnrichedPaper) -> str:
    """An item's body: the abstract (already safe HTML) and its links (arXiv, PDF, code)."""
    links = [
        f'<a href="{escape(link.url)}">{escape(link.label)}</a>'
        for link in item.paper.links
        if link.kind in _ITEM_LINKS
    ]
    body = item.abstract_html or f"<p>{escape(item.summary)}</p>\n"
    return body + (f"<p>{' · '.join(links)}</p>\n" if links else "")


def _generator(catalog: Catalog, feed: Feed, kind: str) -> FeedGenerator:
    config = catalog.config
    generator = FeedGenerator()
    if kind == "rss":
        # RSS's own <author> needs an email address; Dublin Core's creator takes a name.
        generator.load_extension("dc", atom=False, rss=True)
    else:
        generator.register_extension("related", BaseExtension, _RelatedLinks, atom=True, rss=False)
    generator.id(urls.absolute(config.base_url, feed.path("atom")))
    generator.title(f"{config.title}: {feed.title}")
    generator.subtitle(feed.description)
    generator.author({"name": config.title})
    # feedgen takes the last link as RSS's channel <link>: the page, so it goes last.
    generator.link(href=urls.absolute(config.base_url, feed.path(kind)), rel="self")
    generator.link(href=urls.absolute(config.base_url, feed.page), rel="alternate")
    generator.language(config.language)
    updated = _moment(_updated(feed, catalog))
    generator.updated(updated)
    generator.lastBuildDate(updated)
    return generator


def _add_entries(generator: FeedGenerator, catalog: Catalog, kind: str, feed: Feed) -> None:
    base_url = catalog.config.base_url
    for item in feed.papers:
        paper = item.paper
        entry = generator.add_entry(order="append")
        guid = paper_guid(paper.id)
        entry.id(guid)
        entry.guid(guid, permalink=False)
        entry.title(paper.title)
        entry.link(href=urls.absolute(base_url, urls.paper(paper.id)), rel="alternate")
        if kind == "rss":
            for author in paper.authors:
                entry.dc.dc_creator(author)
        else:
            for author in paper.authors:
                entry.author({"name": author})
            entry.related.links = [
                (link.label, link.url) for link in paper.links if link.kind in _ITEM_LINKS
            ]
        body = item_html(item)
        entry.description(item.summary if kind == "atom" else body)
        if kind == "atom":
            entry.content(body, type="html")
        entry.published(_moment(paper.day))
        entry.updated(_moment(paper.day))
        for slug in item.topics:
            rule = catalog.config.topic(slug)
            entry.category(term=slug, label=rule.name if rule else slug)


def _json_feed(catalog: Catalog, feed: Feed) -> bytes:
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1)."""
    config = catalog.config
    items: list[dict[str, Any]] = []
    for item in feed.papers:
        paper = item.paper
        entry: dict[str, Any] = {
            "id": paper_guid(paper.id),
            "url": urls.absolute(config.base_url, urls.paper(paper.id)),
        }
        external = paper.link("arxiv") or paper.link("pdf") or paper.link("project")
        if external:
            entry["external_url"] = external
        entry["title"] = paper.title
        entry["content_html"] = item_html(item)
        entry["summary"] = item.summary
        entry["date_published"] = _moment(paper.day).isoformat()
        entry["date_modified"] = _moment(paper.day).isoformat()
        if paper.authors:
            entry["authors"] = [{"name": name} for name in paper.authors]
        tags = [rule.name for slug in item.topics if (rule := config.topic(slug))]
        if tags:
            entry["tags"] = tags
        items.append(entry)
    document = {
        "version": JSON_FEED_VERSION,
        "title": f"{config.title}: {feed.title}",
        "home_page_url": urls.absolute(config.base_url, feed.page),
        "feed_url": urls.absolute(config.base_url, feed.path("json")),
        "description": feed.description,
        "language": config.language,
        "authors": [{"name": config.title, "url": config.base_url}],
        "items": items,
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def opml_file(catalog: Catalog, feeds: Sequence[Feed]) -> OutputFile:
    """OPML 2.0 listing every feed (its Atom version) so a reader subscribes to all at once."""
    config = catalog.config
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = f"{config.title}: all feeds"
    ET.SubElement(head, "dateModified").text = format_datetime(_moment(catalog.updated))
    ET.SubElement(head, "docs").text = "http://opml.org/spec2.opml"
    body = ET.SubElement(root, "body")
    for feed in feeds:
        ET.SubElement(
            body,
            "outline",
            type="rss",
            text=f"{config.title}: {feed.title}",
            title=f"{config.title}: {feed.title}",
            xmlUrl=urls.absolute(config.base_url, feed.path("atom")),
            htmlUrl=urls.absolute(config.base_url, feed.page),
        )
    ET.indent(root)
    data = ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
    return OutputFile(PurePosixPath(urls.opml()), data)


def feed_files(catalog: Catalog) -> list[OutputFile]:
    """Every feed as RSS, Atom and JSON Feed, and the OPML file of them all."""
    feeds = site_feeds(catalog)
    files = []
    for feed in feeds:
        for kind in ("rss", "atom"):
            generator = _generator(catalog, feed, kind)
            _add_entries(generator, catalog, kind, feed)
            data = (
                generator.rss_str(pretty=True) if kind == "rss" else generator.atom_str(pretty=True)
            )
            files.append(OutputFile(PurePosixPath(feed.path(kind)), data))
        files.append(OutputFile(PurePosixPath(feed.path("json")), _json_feed(catalog, feed)))
    files.append(opml_file(catalog, feeds))
    return files
