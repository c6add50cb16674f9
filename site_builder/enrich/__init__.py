"""Enrichment: pure functions over the whole collection of papers, giving the `Catalog`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from ..config import SiteConfig
from ..markdown import plain_text, render_markdown
from ..models import Catalog, EnrichedPaper, Paper, Topic
from .archives import group_periods
from .authors import group_authors
from .related import related_papers
from .topics import TopicMatcher
from .trending import score, trending_key

__all__ = ["SUMMARY_LENGTH", "enrich", "summarize"]

SUMMARY_LENGTH = 280
_EPOCH = date(1970, 1, 1)


def summarize(text: str, limit: int = SUMMARY_LENGTH) -> str:
    """The first `limit` characters of `text`, cut at a word, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:.")
    return cut + "…"


def enrich(papers: Sequence[Paper], config: SiteConfig) -> Catalog:
    """Visible papers → topics, scores, rendered Markdown and the trending order."""
    matcher = TopicMatcher(config.topics)
    shown = [p for p in papers if not p.hidden]
    updated = max((p.day for p in shown), default=_EPOCH)
    now = config.now or updated
    half_life = config.trending.half_life_days
    visible = sorted(shown, key=lambda p: trending_key(p, now=now, half_life_days=half_life))
    related = related_papers(visible)
    enriched = tuple(
        EnrichedPaper(
            paper=paper,
            topics=matcher.assign(paper),
            score=score(paper, now=now, half_life_days=half_life),
            summary=summarize(plain_text(paper.abstract)),
            abstract_html=render_markdown(paper.abstract),
            notes_html=render_markdown(paper.notes),
            related=related[paper.id],
        )
        for paper in visible
    )
    topics = []
    for rule in config.topics:
        ids = tuple(p.paper.id for p in enriched if rule.slug in p.topics)
        if ids or not rule.catch_all:
            topics.append(Topic(rule=rule, paper_ids=ids))
    topics.sort(key=lambda topic: topic.rule.catch_all)
    return Catalog(
        config=config,
        papers=enriched,
        topics=tuple(topics),
        updated=updated,
        now=now,
        by_id={p.paper.id: p for p in enriched},
        periods=group_periods(enriched),
        authors=group_authors(enriched),
    )
