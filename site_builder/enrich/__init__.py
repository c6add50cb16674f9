"""Enrichment: pure functions over the whole collection of papers, giving the `Catalog`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from ..cache import BuildCache
from ..config import SiteConfig
from ..fingerprint import Fingerprinter, digest_text
from ..markdown import render_markdown, render_markdown_and_text
from ..models import Catalog, EnrichedPaper, Paper, Topic
from ..workers import fork_map
from .archives import group_periods
from .authors import group_authors
from .related import (
    RELATED_VERSION,
    RelatedState,
    collector_paused,
    related_papers,
    update_related,
)
from .topics import TopicMatcher
from .trending import score, trending_key

__all__ = ["SUMMARY_LENGTH", "RenderedText", "enrich", "rendered_texts", "summarize"]

SUMMARY_LENGTH = 280
_EPOCH = date(1970, 1, 1)


@dataclass(frozen=True, slots=True)
class RenderedText:
    """What a paper's Markdown renders to."""

    plain: str
    abstract_html: str
    notes_html: str


_TEXTS_VERSION = "1"


def _render_texts(sources: tuple[str, str]) -> list[str]:
    abstract, notes = sources
    html, plain = render_markdown_and_text(abstract)
    return [plain, html, render_markdown(notes)]


def _valid_row(row: Any) -> bool:
    return isinstance(row, tuple | list) and len(row) == 3 and all(type(x) is str for x in row)


def rendered_texts(
    papers: Sequence[Paper], cache: BuildCache | None, *, workers: int = 1
) -> dict[str, RenderedText]:
    """Each paper's abstract and notes rendered, by paper id; unchanged ones from the cache,
    the others by `workers` processes."""
    return _rendered_texts(papers, cache, workers=workers)[0]


def _rendered_texts(
    papers: Sequence[Paper], cache: BuildCache | None, *, workers: int
) -> tuple[dict[str, RenderedText], dict[str, str]]:
    """`rendered_texts` and the key of each paper's text (a digest of its Markdown)."""
    keys = {paper.id: digest_text(_TEXTS_VERSION, paper.abstract, paper.notes) for paper in papers}
    known = cache.texts() if cache is not None else {}
    missing = {
        keys[p.id]: (p.abstract, p.notes) for p in papers if not _valid_row(known.get(keys[p.id]))
    }
    fresh = {
        key: (plain, abstract_html, notes_html)
        for key, (plain, abstract_html, notes_html) in zip(
            missing, fork_map(_render_texts, list(missing.values()), workers=workers), strict=True
        )
    }
    result = {}
    for paper in papers:
        key = keys[paper.id]
        row = fresh[key] if key in fresh else known[key]
        result[paper.id] = RenderedText(*row)
    if cache is not None:
        wanted = set(keys.values())
        cache.update_texts(fresh, removed=[key for key in known if key not in wanted])
    return result, keys


def _related(
    papers: Sequence[Paper],
    texts: dict[str, RenderedText],
    cache: BuildCache | None,
    *,
    workers: int = 1,
) -> dict[str, tuple[str, ...]]:
    """Related lists; with a cache, only those that can differ from the previous build's are
    computed again (see `related.update_related`)."""
    plain = {paper.id: texts[paper.id].plain for paper in papers}
    if cache is None:
        return related_papers(papers, plain, workers=workers)
    with collector_paused():
        header = cache.blob("related", RELATED_VERSION)
        previous = None
        if isinstance(header, dict):
            previous = RelatedState.from_json({**header, "papers": cache.related_rows()})
        related, state = update_related(papers, plain, previous, workers=workers)
        if state is not previous:
            # Only the rows the update replaced are written again.
            data = state.to_json()
            rows = data.pop("papers")
            if previous is None:
                cache.store_related(RELATED_VERSION, data, rows, replace=True)
            else:
                old = previous.papers
                cache.store_related(
                    RELATED_VERSION,
                    data,
                    {key: row for key, row in rows.items() if old.get(key) is not row},
                    drop=old.keys() - rows.keys(),
                )
    return related


def _topics(
    papers: Sequence[Paper],
    matcher: TopicMatcher,
    config: SiteConfig,
    cache: BuildCache | None,
    text_keys: dict[str, str],
) -> dict[str, tuple[str, ...]]:
    """Each paper's topics; matches of an unchanged title and Markdown (`text_keys`, the
    digests of each paper's abstract and notes) under unchanged rules come from the cache."""
    if cache is None:
        return {paper.id: matcher.assign(paper) for paper in papers}
    rules = Fingerprinter().digest(config.topics)
    known = cache.blob("topics", rules)
    if not isinstance(known, dict):
        known = {}
    matched: dict[str, list[str]] = {}
    result = {}
    for paper in papers:
        key = digest_text(paper.title, text_keys[paper.id])
        found = known.get(key)
        if not (isinstance(found, list) and all(isinstance(slug, str) for slug in found)):
            found = list(matcher.matches(paper))
        matched[key] = found
        result[paper.id] = paper.topics or tuple(found) or (matcher.catch_all,)
    if matched != known:
        cache.store_blob("topics", rules, matched)
    return result


# What `_vouch` builds an enriched paper's digest from: every field, each from its inputs.
_VOUCHED_FIELDS = frozenset(
    (
        "paper",
        "topics",
        "score",
        "summary",
        "abstract_html",
        "notes_html",
        "abstract_text",
        "related",
    )
)
assert {f.name for f in fields(EnrichedPaper)} == _VOUCHED_FIELDS, "update _vouch"


def _vouch(fingerprinter: Fingerprinter, item: EnrichedPaper, text_key: str) -> None:
    """Tell `fingerprinter` the digest of `item`, made from its paper's digest and the key of
    its rendered Markdown (from which its summary, HTML and plain text all follow)."""
    fingerprinter.vouch(
        item,
        digest_text(
            "EnrichedPaper",
            fingerprinter.digest_of(item.paper),
            text_key,
            str(len(item.topics)),
            *item.topics,
            repr(item.score),
            str(len(item.related)),
            *item.related,
        ),
    )


def summarize(text: str, limit: int = SUMMARY_LENGTH) -> str:
    """The first `limit` characters of `text`, cut at a word, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:.")
    return cut + "…"


def enrich(
    papers: Sequence[Paper],
    config: SiteConfig,
    cache: BuildCache | None = None,
    *,
    workers: int = 1,
    fingerprinter: Fingerprinter | None = None,
) -> Catalog:
    """Visible papers → topics, scores, rendered Markdown and the trending order.

    With a `cache`, Markdown already rendered in an earlier build and related lists computed
    from the very same papers are taken from it instead of computed again."""
    matcher = TopicMatcher(config.topics)
    shown = [p for p in papers if not p.hidden]
    updated = max((p.day for p in shown), default=_EPOCH)
    now = config.now or updated
    half_life = config.trending.half_life_days
    visible = sorted(shown, key=lambda p: trending_key(p, now=now, half_life_days=half_life))
    texts, text_keys = _rendered_texts(visible, cache, workers=workers)
    related = _related(visible, texts, cache, workers=workers)
    assigned = _topics(visible, matcher, config, cache, text_keys)
    enriched = tuple(
        EnrichedPaper(
            paper=paper,
            topics=assigned[paper.id],
            score=score(paper, now=now, half_life_days=half_life),
            summary=summarize(texts[paper.id].plain),
            abstract_html=texts[paper.id].abstract_html,
            notes_html=texts[paper.id].notes_html,
            abstract_text=texts[paper.id].plain,
            related=related[paper.id],
        )
        for paper in visible
    )
    if fingerprinter is not None:
        for item in enriched:
            _vouch(fingerprinter, item, text_keys[item.paper.id])
    members: dict[str, list[str]] = {rule.slug: [] for rule in config.topics}
    for item in enriched:
        for slug in set(item.topics):
            if slug in members:
                members[slug].append(item.paper.id)
    topics = []
    for rule in config.topics:
        ids = tuple(members[rule.slug])
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
