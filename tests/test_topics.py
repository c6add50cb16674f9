"""Topic matching: the fast path for ASCII text finds exactly what the general rule finds."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from site_builder import workers
from site_builder.cache import BuildCache
from site_builder.config import TopicRule, load_config
from site_builder.enrich.topics import TopicMatcher, _pattern, _phrase, _WordMatcher
from site_builder.models import Paper
from site_builder.pipeline import load_catalog

KEYWORDS = [
    "C++",
    ".NET",
    "hallucinat*",
    "chain of thought",
    "self-correct*",
    "CoT",
    "math",
    "out-of-distribution",
    "a",
    "RL",
    "café",
    "learning curve*",
    "red teaming",
    "safe",
    "safety",
    "instruct*",
    "instruction tuning",
    "data",
    "don't",
    "tuning",
    "curve*",
]
PIECES = [
    "c++", "C++x", ".net", "x.NET", "Hallucination", "hallucinated", "chain  of-thought",
    "Chain-of-Thought", "self correcting", "SELF-CORRECT", "cot", "scot", "CoTs", "math",
    "Mathematics", "out of distribution", "ab", "rl", "A", "café", "CAFÉ", "caf", "_math", "9math",
    "learning", "curves", "curve", "red", "teaming", "Red-Teaming", "safety", "safe", "unsafe",
    "instruction", "Instructions", "tuning", "data", "datasets", "don't", "don", "'t", "  - ", "--",
    " ", "-", ",", ".", "\n", "(", ")", "_",
]  # fmt: skip


def _reference(keywords: tuple[str, ...], text: str) -> int:
    regex = re.compile("|".join(_pattern(k) for k in keywords), re.IGNORECASE)
    return sum(1 for _ in regex.finditer(text))


_TEXT = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)
# Words of the keywords and the separators between them, so that phrases occur often.
_WORDS = [
    "learning",
    "curve",
    "curves",
    "red",
    "teaming",
    "safe",
    "safety",
    "instruct",
    "instruction",
    "tuning",
    "data",
    "math",
    "chain",
    "of",
    "thought",
    "self",
    "correct",
]
_GAPS = [" ", "-", " - ", "\n", ", ", ".", "'", "_", ""]
_PAIRS = st.tuples(st.sampled_from(_WORDS), st.sampled_from(_GAPS))
_PHRASED = st.lists(_PAIRS, min_size=10, max_size=40).map(
    lambda pairs: "".join(word + gap for word, gap in pairs)
)


@settings(max_examples=300, deadline=None)
@given(
    rules=st.lists(
        st.tuples(
            st.lists(st.sampled_from(KEYWORDS), min_size=1, max_size=4, unique=True),
            st.integers(min_value=1, max_value=3),
        ),
        min_size=1,
        max_size=3,
    ),
    title=st.lists(st.sampled_from(PIECES), max_size=12).map("".join),
    abstract=_TEXT,
)
def test_fast_matching_agrees_with_the_case_insensitive_rule(
    rules: list[tuple[list[str], int]], title: str, abstract: str
) -> None:
    topics = [
        TopicRule(slug=f"t{n}", name=f"T{n}", keywords=tuple(keywords), min_abstract_hits=hits)
        for n, (keywords, hits) in enumerate(rules)
    ]
    other = TopicRule(slug="other", name="Other", catch_all=True)
    paper = Paper(id="x", title=title, abstract=abstract, published=date(2025, 1, 1))
    expected = tuple(
        rule.slug
        for rule in topics
        if _reference(rule.keywords, title) > 0
        or _reference(rule.keywords, abstract) >= rule.min_abstract_hits
    )
    assert TopicMatcher([*topics, other]).matches(paper) == expected


_WORDED = [k for k in KEYWORDS if _phrase(k, 0, 0) is not None]


@settings(max_examples=300, deadline=None)
@given(
    rules=st.lists(
        st.lists(st.sampled_from(_WORDED), min_size=1, max_size=4, unique=True),
        min_size=1,
        max_size=3,
    ),
    text=st.one_of(_TEXT.filter(str.isascii), _PHRASED),
)
def test_word_counts_equal_the_regular_expression_counts(rules: list[list[str]], text: str) -> None:
    phrases = [
        _phrase(keyword, rule, order)
        for rule, keywords in enumerate(rules)
        for order, keyword in enumerate(keywords)
    ]
    counts = _WordMatcher([p for p in phrases if p is not None], len(rules)).count(text.lower())
    assert counts == [_reference(tuple(keywords), text) for keywords in rules]


def test_word_counts_of_phrases_as_a_regular_expression_counts_them() -> None:
    rules = [
        ["red teaming", "red"],
        ["instruct*", "instruction tuning", "tuning"],
        ["learning curve*", "curve*"],
    ]
    phrases = [
        _phrase(keyword, rule, order)
        for rule, keywords in enumerate(rules)
        for order, keyword in enumerate(keywords)
    ]
    matcher = _WordMatcher([p for p in phrases if p is not None], len(rules))
    text = "red teaming, red.teaming; instruction tuning - learning-curves learning, curve"
    # "red teaming", then "red" before ".teaming"; "instruct*" wins over the phrase after it,
    # leaving "tuning"; a match is not matched again inside ("curves" in "learning-curves").
    assert matcher.count(text) == [2, 2, 2]


def test_only_whole_ascii_words_make_a_phrase() -> None:
    assert _phrase("Learning-Curve*", 0, 0) is not None
    for keyword in ("C++", ".NET", "café", "don't", "a-"):
        assert _phrase(keyword, 0, 0) is None


def test_forked_matching_assigns_each_paper_its_own_topics(
    papers_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first build matches papers in worker processes; each paper must get the topics the
    matcher finds for it in this process, and a second build takes them from the cache."""
    monkeypatch.setattr(workers, "PARALLEL_MIN_ITEMS", 1)  # fork even for seven papers
    config = load_config(papers_site, now=date(2026, 6, 12))
    matcher = TopicMatcher(config.topics)
    for _ in range(2):  # the first build matches, the second reads the cache
        cache = BuildCache.open(papers_site)
        try:
            catalog = load_catalog(config, cache, workers=2)
        finally:
            cache.close()
        found = {item.paper.id: item.topics for item in catalog.papers}
        wanted = {item.paper.id: matcher.assign(item.paper) for item in catalog.papers}
        assert found == wanted
        assert len(set(found.values())) > 1  # papers differ, so a mix-up would show
