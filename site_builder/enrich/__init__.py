"""Enrichment: pure functions over the whole collection of papers, giving the `Catalog`."""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Sequence
from dataclasses import fields
from datetime import date
from typing import Any

from ..cache import BuildCache
from ..config import SiteConfig
from ..fingerprint import Fingerprinter, digest_text
from ..markdown import render_markdown, render_markdown_and_text
from ..memory import release_free_memory
from ..models import Catalog, EnrichedPaper, Paper, RenderedText, Topic
from ..workers import fork_imap, fork_map
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

__all__ = [
    "SUMMARY_LENGTH",
    "TextStore",
    "abstracts_of",
    "enrich",
    "own_page_of",
    "summarize",
    "text_key",
    "vouch",
]

SUMMARY_LENGTH = 280
_EPOCH = date(1970, 1, 1)


_TEXTS_VERSION = "1"
_TEXT_BATCH = 1024
"""Texts rendered by the workers are stored in batches of this many: only one batch's HTML is
held at once."""


class _TextRenderer:
    """A paper's (plain abstract, abstract HTML, notes HTML), in a worker process, which has the
    papers already (it is forked): only their numbers go to it, not 40 MB of Markdown."""

    def __init__(self, papers: Sequence[Paper]) -> None:
        self._papers = papers

    def __call__(self, index: int) -> tuple[str, str, str]:
        paper = self._papers[index]
        html, plain = render_markdown_and_text(paper.abstract)
        return (plain, html, render_markdown(paper.notes))


def _valid_row(row: Any) -> bool:
    return isinstance(row, tuple | list) and len(row) == 3 and all(type(x) is str for x in row)


class TextStore:
    """Each paper's rendered Markdown, kept in the build cache's `texts` table and read back
    when a page shows it (`EnrichedPaper.texts`), in whichever process renders that page.

    A row that is missing or not three texts is never trusted: the text is rendered again from
    the paper's Markdown. The last text read is remembered, as a page asks for a paper's
    abstract, notes and plain text one after the other.

    Papers sent to a forked worker (pickled) take the worker's copy of their store along: the
    store pickles as its number in `_STORES`, which the worker has inherited."""

    def __init__(self, cache: BuildCache | None) -> None:
        self._cache = cache
        self._last: tuple[EnrichedPaper, RenderedText] | None = None
        self._number = next(_STORE_NUMBERS)
        _STORES[self._number] = self

    def __reduce__(self) -> tuple[Any, ...]:
        return (_store, (self._number,))

    def rendered(self, item: EnrichedPaper) -> RenderedText:
        last = self._last
        if last is not None and last[0] is item:
            return last[1]
        row = self._cache.text(item.text_key) if self._cache is not None else None
        if _valid_row(row):
            assert row is not None
            found = RenderedText(*row)
        else:
            found = RenderedText.of_markdown(item.paper.abstract, item.paper.notes)
        self._last = (item, found)
        return found


_STORES: weakref.WeakValueDictionary[int, TextStore] = weakref.WeakValueDictionary()
_STORE_NUMBERS = itertools.count()


def _store(number: int) -> TextStore:
    """The store numbered `number`: this process's own, else one without a cache (a process
    that was not forked from the one that made it renders the texts itself)."""
    found = _STORES.get(number)
    return found if found is not None else TextStore(None)


def text_key(paper: Paper) -> str:
    """The key the build cache keeps what `paper`'s Markdown renders to under."""
    return digest_text(_TEXTS_VERSION, paper.abstract, paper.notes)


def _plain_texts(
    papers: Sequence[Paper], cache: BuildCache | None, *, workers: int
) -> tuple[dict[str, str], dict[str, str]]:
    """Each paper's abstract as plain text and the key of its text (a digest of its Markdown),
    by paper id. Texts the cache lacks are rendered by `workers` processes and stored in it a
    batch at a time; the HTML is not kept (`TextStore` reads it back where it is shown)."""
    keys = {paper.id: text_key(paper) for paper in papers}
    wanted = set(keys.values())
    plain: dict[str, str] = {}
    if cache is not None:
        plain = cache.plain_texts(wanted)
    missing = list({keys[p.id]: p for p in papers if keys[p.id] not in plain}.values())
    fresh: dict[str, tuple[str, str, str]] = {}
    done = 0
    for rows in fork_imap(_TextRenderer(missing), range(len(missing)), workers=workers):
        for paper, row in zip(missing[done : done + len(rows)], rows, strict=True):
            fresh[keys[paper.id]] = row
            plain[keys[paper.id]] = row[0]
        done += len(rows)
        if len(fresh) >= _TEXT_BATCH or done == len(missing):
            if cache is not None:
                cache.update_texts(fresh, removed=())
            fresh = {}
    if cache is not None:
        cache.update_texts({}, removed=cache.text_digests() - wanted)
    return {paper.id: plain[keys[paper.id]] for paper in papers}, keys


def _related(
    papers: Sequence[Paper],
    plain: dict[str, str],
    cache: BuildCache | None,
    *,
    workers: int = 1,
) -> dict[str, tuple[str, ...]]:
    """Related lists; with a cache, only those that can differ from the previous build's are
    computed again (see `related.update_related`)."""
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
            old = previous.papers if previous is not None else {}
            cache.store_related(
                RELATED_VERSION,
                data,
                {key: row for key, row in rows.items() if old.get(key) is not row},
                counts=state.counts,
                postings=state.postings,
                order=state.order,
                drop=old.keys() - rows.keys(),
                replace=previous is None,
            )
    return related


def _topics(
    papers: Sequence[Paper],
    matcher: TopicMatcher,
    config: SiteConfig,
    cache: BuildCache | None,
    text_keys: dict[str, str],
    *,
    workers: int = 1,
) -> dict[str, tuple[str, ...]]:
    """Each paper's topics; matches of an unchanged title and Markdown (`text_keys`, the
    digests of each paper's abstract and notes) under unchanged rules come from the cache."""
    if cache is None:
        return {paper.id: matcher.assign(paper) for paper in papers}
    rules = Fingerprinter().digest(config.topics)
    known = cache.blob("topics", rules)
    if not isinstance(known, dict):
        known = {}
    keys = [digest_text(paper.title, text_keys[paper.id]) for paper in papers]
    matched: dict[str, list[str]] = {}
    missing: list[int] = []
    for index, key in enumerate(keys):
        found = known.get(key)
        if isinstance(found, list) and all(isinstance(slug, str) for slug in found):
            matched[key] = found
        else:
            missing.append(index)
    # Matching is the costly part of a first build (about 0.1 ms a paper): the workers get
    # paper numbers and read the papers from the memory they were forked with.
    fresh = fork_map(lambda index: matcher.matches(papers[index]), missing, workers=workers)
    for index, found in zip(missing, fresh, strict=True):
        matched[keys[index]] = list(found)
    result = {
        paper.id: paper.topics or tuple(matched[key]) or (matcher.catch_all,)
        for paper, key in zip(papers, keys, strict=True)
    }
    if matched != known:
        cache.store_blob("topics", rules, matched)
    return result


# What `vouch` builds an enriched paper's digest from: every field, each from its inputs.
_VOUCHED_FIELDS = frozenset(
    (
        "paper",
        "topics",
        "score",
        "summary",
        "related",
        "text_key",
        "texts",
    )
)
assert {f.name for f in fields(EnrichedPaper)} == _VOUCHED_FIELDS, "update vouch"


def vouch(fingerprinter: Fingerprinter, item: EnrichedPaper) -> None:
    """Tell `fingerprinter` the digest of `item` as lists show it: its paper's (which leaves
    out the abstract and notes, see `load_papers`), its summary, topics and score. What only
    its own page shows (its rendered Markdown and its related papers) is left out: that page,
    and any output that may show more of a paper than lists do, adds `own_page_of(item)`."""
    fingerprinter.vouch(
        item,
        digest_text(
            "EnrichedPaper",
            fingerprinter.digest_of(item.paper),
            item.summary,
            str(len(item.topics)),
            *item.topics,
            repr(item.score),
        ),
    )


def own_page_of(value: Any) -> str | None:
    """What a vouched digest of a paper leaves out, as a digest: its abstract and notes (for
    an enriched paper, the key of their rendering, which follows from them) and, for an
    enriched paper, its related papers. None for anything else. For
    `Fingerprinter.digest_with_extras`."""
    if isinstance(value, EnrichedPaper):
        key = value.text_key or text_key(value.paper)
        return "\x1f".join(("own", key, *value.related))
    if isinstance(value, Paper):
        return "own\x1f" + text_key(value)
    return None


def abstracts_of(value: Any) -> str | None:
    """`own_page_of`, for outputs that show a paper's abstract but neither its notes nor its
    related papers (feeds)."""
    if isinstance(value, EnrichedPaper):
        value = value.paper
    if isinstance(value, Paper):
        return "abstract:" + digest_text(_TEXTS_VERSION, value.abstract)
    return None


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
    plain, text_keys = _plain_texts(visible, cache, workers=workers)
    related = _related(visible, plain, cache, workers=workers)
    assigned = _topics(visible, matcher, config, cache, text_keys, workers=workers)
    texts = TextStore(cache).rendered  # one bound method that every paper shares
    # One `str` for each id and slug the papers name: read from the cache, each related list
    # and topic tuple would hold its own copies (60 MiB at 100,000 papers).
    shared = {paper.id: paper.id for paper in visible}
    shared.update((rule.slug, rule.slug) for rule in config.topics)
    enriched = tuple(
        EnrichedPaper(
            paper=paper,
            topics=tuple(map(shared.get, assigned[paper.id], assigned[paper.id])),
            score=score(paper, now=now, half_life_days=half_life),
            summary=summarize(plain[paper.id]),
            related=tuple(map(shared.get, related[paper.id], related[paper.id])),
            text_key=text_keys[paper.id],
            texts=texts,
        )
        for paper in visible
    )
    del plain  # read back from the cache where a page shows it
    release_free_memory()  # the texts and related state just dropped: see memory.py
    if fingerprinter is not None:
        for item in enriched:
            vouch(fingerprinter, item)
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
