"""Which feeds the site publishes, and which papers each holds.

One list feeds three consumers: feeds.py writes the files, the page templates link them
(autodiscovery, the feeds page, the subscribe page), and the OPML file lists them. Each feed is
published in every format of `FORMATS`.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from . import urls
from .enrich.trending import newest_first
from .models import Catalog, EnrichedPaper

__all__ = ["FORMATS", "Feed", "FeedFormat", "site_feeds", "topic_feeds"]


@dataclass(frozen=True, slots=True)
class FeedFormat:
    kind: str
    """What `urls.feed` takes: rss, atom or json."""
    label: str
    media_type: str
    """For `<link rel="alternate" type=...>` autodiscovery."""


FORMATS = (
    FeedFormat("rss", "RSS", "application/rss+xml"),
    FeedFormat("atom", "Atom", "application/atom+xml"),
    FeedFormat("json", "JSON Feed", "application/feed+json"),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Feed:
    name: str
    """Its file name without suffix under feeds/: `trending`, `latest`, `topics/<slug>`."""
    title: str
    """Without the site's title, e.g. "Trending papers"."""
    description: str
    page: str
    """The output path of the HTML page the feed mirrors."""
    papers: tuple[EnrichedPaper, ...]
    """The items, in the feed's order."""

    def path(self, kind: str) -> str:
        return urls.feed(self.name, kind)


def _trending(catalog: Catalog) -> Feed:
    return Feed(
        name="trending",
        title="Trending papers",
        description="The papers with the highest trending score.",
        page=urls.home(),
        papers=catalog.papers[: catalog.config.feed_items],
    )


def _latest(catalog: Catalog, newest: Sequence[EnrichedPaper]) -> Feed:
    return Feed(
        name="latest",
        title="Latest papers",
        description="The newest papers first, whatever their score.",
        page=urls.home(),
        papers=tuple(newest[: catalog.config.feed_items]),
    )


def topic_feeds(
    catalog: Catalog, newest: Sequence[EnrichedPaper] | None = None
) -> tuple[Feed, ...]:
    """One feed per topic: its newest papers, so a subscriber sees each new one.

    `newest` is `newest_first(catalog.papers)` if the caller has it. A topic lists its papers
    in the catalog's order, so its own latest order is theirs in `newest` (`newest_first`):
    one sort serves every topic, and only the first `feed_items` are picked out."""
    if newest is None:
        newest = newest_first(catalog.papers)
    position = {item.paper.id: index for index, item in enumerate(newest)}
    count = catalog.config.feed_items
    return tuple(
        Feed(
            name=f"topics/{topic.rule.slug}",
            title=topic.rule.name,
            description=topic.rule.description or f"New papers on {topic.rule.name}.",
            page=urls.topic(topic.rule.slug),
            papers=tuple(
                catalog.paper(paper_id)
                for paper_id in _first(topic.paper_ids, count, position.__getitem__)
            ),
        )
        for topic in catalog.topics
    )


def _first(ids: Sequence[str], count: int, key: Callable[[str], int]) -> list[str]:
    """`sorted(ids, key=key)[:count]`, without sorting them all."""
    if count < 0:
        return sorted(ids, key=key)[:count]
    return heapq.nsmallest(count, ids, key=key)


def site_feeds(catalog: Catalog) -> tuple[Feed, ...]:
    """Every feed of the site: trending, latest, then one per topic in topics.yaml order."""
    newest = newest_first(catalog.papers)
    return (_trending(catalog), _latest(catalog, newest), *topic_feeds(catalog, newest))
