"""The whole-collection steps every build repeats (latest order, author and archive grouping, topic
feeds, page digests) done the fast way give exactly what the simple way gives."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from pathlib import Path, PurePosixPath
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from site_builder.config import SiteConfig, TopicRule
from site_builder.enrich.archives import group_periods, week_key
from site_builder.enrich.authors import group_authors
from site_builder.enrich.trending import latest_positions, newest_first
from site_builder.feedlist import topic_feeds
from site_builder.fingerprint import Fingerprinter, digest_text
from site_builder.models import Catalog, EnrichedPaper, Paper, Topic
from site_builder.urls import slugify

FIRST_DAY = date(2025, 1, 1)
NAMES = ["Ada Li", "Bo Chen", "José Díaz", "Jose Diaz", "李娜", "Zoe Wu", "ada li"]


def _item(paper_id: str, day: int, authors: tuple[str, ...]) -> EnrichedPaper:
    paper = Paper(
        id=paper_id,
        title=f"Paper {paper_id}",
        authors=authors,
        featured=FIRST_DAY + timedelta(days=day),
    )
    return EnrichedPaper(paper=paper, topics=(), score=0.0, summary="")


@st.composite
def collections(draw: st.DrawFn) -> list[EnrichedPaper]:
    """Papers with unique ids in an arbitrary order, over a few days (so days repeat)."""
    count = draw(st.integers(0, 40))
    days = draw(st.lists(st.integers(0, 60), min_size=count, max_size=count))
    authors = draw(
        st.lists(
            st.lists(st.sampled_from(NAMES), max_size=4).map(tuple),
            min_size=count,
            max_size=count,
        )
    )
    ids = draw(st.permutations([f"p{index}" for index in range(count)]))
    return [_item(ids[i], days[i], authors[i]) for i in range(count)]


def _reference_newest_first(items: list[EnrichedPaper]) -> list[EnrichedPaper]:
    """The latest order as first written: newest day, then the given order."""
    position = {item.paper.id: index for index, item in enumerate(items)}
    return sorted(items, key=lambda item: (-item.paper.day.toordinal(), position[item.paper.id]))


@settings(max_examples=200, deadline=None)
@given(collections(), st.data())
def test_the_latest_order_of_a_subset_is_read_off_the_latest_order_of_all(
    items: list[EnrichedPaper], data: st.DataObject
) -> None:
    assert newest_first(items) == _reference_newest_first(items)
    chosen = data.draw(st.lists(st.booleans(), min_size=len(items), max_size=len(items)))
    subset = [item for item, keep in zip(items, chosen, strict=True) if keep]
    position = latest_positions(items)
    by_position = sorted(subset, key=lambda item: position[item.paper.id])
    assert by_position == _reference_newest_first(subset)


def _reference_authors(items: list[EnrichedPaper]) -> list[tuple[str, str, tuple[str, ...]]]:
    """Each author's slug and papers as first written: each author's own papers sorted."""
    by_name: dict[str, list[EnrichedPaper]] = {}
    for item in items:
        for name in dict.fromkeys(item.paper.authors):
            by_name.setdefault(name, []).append(item)
    found = []
    for name in sorted(by_name, key=lambda n: (n.casefold(), n)):
        newest = _reference_newest_first(by_name[name])
        found.append((name, tuple(item.paper.id for item in newest)))
    slugs = {author.name: author.slug for author in group_authors(items)}
    return [(name, slugs[name], ids) for name, ids in found]


@settings(max_examples=200, deadline=None)
@given(collections())
def test_author_pages_list_the_same_papers_in_the_same_order(items: list[EnrichedPaper]) -> None:
    authors = group_authors(items)
    assert [(a.name, a.slug, a.paper_ids) for a in authors] == _reference_authors(items)
    assert all(author.slug.startswith(slugify(author.name) or "author") for author in authors)


@settings(max_examples=200, deadline=None)
@given(collections())
def test_archive_periods_hold_their_papers_in_the_given_order(items: list[EnrichedPaper]) -> None:
    periods = group_periods(items)
    for kind, key_of in (
        ("day", lambda day: day.isoformat()),
        ("week", week_key),
        ("month", lambda day: f"{day:%Y-%m}"),
    ):
        expected: dict[str, list[str]] = {}
        for item in items:
            expected.setdefault(key_of(item.paper.day), []).append(item.paper.id)
        assert {period.key: list(period.paper_ids) for period in periods[kind]} == expected
        starts = [period.start for period in periods[kind]]
        assert starts == sorted(starts)


RULES = (
    TopicRule(slug="one", name="One", keywords=("a",)),
    TopicRule(slug="two", name="Two", keywords=("b",)),
)


@settings(max_examples=100, deadline=None)
@given(collections(), st.data(), st.integers(1, 8))
def test_topic_feeds_hold_each_topics_newest_papers(
    items: list[EnrichedPaper], data: st.DataObject, feed_items: int
) -> None:
    members = {
        rule.slug: [
            item.paper.id
            for item in items
            if data.draw(st.booleans(), label=f"{rule.slug} has {item.paper.id}")
        ]
        for rule in RULES
    }
    config = SiteConfig(
        root=Path("site"),
        title="Site",
        description="",
        base_url="https://example.org/",
        content_dir=Path("site/content"),
        output_dir=Path("site/_site"),
        topics=RULES,
        feed_items=feed_items,
    )
    catalog = Catalog(
        config=config,
        papers=tuple(items),
        topics=tuple(Topic(rule=rule, paper_ids=tuple(members[rule.slug])) for rule in RULES),
        updated=FIRST_DAY,
        now=FIRST_DAY,
        by_id={item.paper.id: item for item in items},
    )
    for feed, rule in zip(topic_feeds(catalog), RULES, strict=True):
        listed = [catalog.paper(paper_id) for paper_id in members[rule.slug]]
        assert list(feed.papers) == _reference_newest_first(listed)[:feed_items]


@dataclasses.dataclass(frozen=True)
class _Marker:
    value: Any


_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=False),
    st.text(max_size=6),
    st.dates(),
    st.builds(PurePosixPath, st.sampled_from(["a", "b/c"])),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.lists(st.text(max_size=4), max_size=5).map(tuple),
        st.dictionaries(st.one_of(st.text(max_size=4), st.integers(0, 3)), inner, max_size=4),
        inner.map(_Marker),
    ),
    max_leaves=12,
)


def _reference_parts(value: Any, parts: list[str]) -> None:
    """The parts a value's digest is made of, as `fingerprint.py` defines them, one by one."""
    if isinstance(value, str):
        parts.append(f"s{len(value)}:{value}")
    elif isinstance(value, list | tuple):
        parts.append(f"l{len(value)}")
        for item in value:
            _reference_parts(item, parts)
    elif isinstance(value, dict):
        parts.append(f"m{len(value)}")
        for key, item in value.items():
            _reference_parts(key, parts)
            _reference_parts(item, parts)
    elif value is None or type(value) in (bool, int, float):
        parts.append(f"{type(value).__name__}:{value!r}")
    elif isinstance(value, date):
        parts.append(f"d:{value.isoformat()}")
    elif isinstance(value, PurePosixPath):
        parts.append(f"p:{value.as_posix()}")
    else:
        fields = [type(value).__qualname__]
        for field in dataclasses.fields(value):
            fields.append(field.name)
            _reference_parts(getattr(value, field.name), fields)
        parts.append("o:" + digest_text(*fields))


@settings(max_examples=300, deadline=None)
@given(st.lists(_VALUES, max_size=7), st.booleans())
def test_digest_items_is_the_digest_of_the_tuple(values: list[Any], seen_first: bool) -> None:
    """The inline digest of a page's fields, and the walk's, are the digest of the parts the
    scheme defines, whether the objects inside were digested before (from memory) or not."""
    expected: list[str] = []
    _reference_parts(tuple(values), expected)
    fingerprinter = Fingerprinter()
    if seen_first:
        fingerprinter.digest(values)
    fast = fingerprinter.digest_items(*values)
    assert fast == digest_text(*expected)
    assert fingerprinter.digest(tuple(values)) == digest_text(*expected)
    assert Fingerprinter().digest(tuple(values)) == digest_text(*expected)
