"""Topic matching: the fast path for ASCII text finds exactly what the general rule finds."""

from __future__ import annotations

import re
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from site_builder.config import TopicRule
from site_builder.enrich.topics import TopicMatcher, _pattern
from site_builder.models import Paper

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
]
PIECES = [
    "c++", "C++x", ".net", "x.NET", "Hallucination", "hallucinated", "chain  of-thought",
    "Chain-of-Thought", "self correcting", "SELF-CORRECT", "cot", "scot", "CoTs", "math",
    "Mathematics", "out of distribution", "ab", "rl", "A", "café", "CAFÉ", "caf", "_math", "9math",
    " ", "-", ",", ".", "\n", "(", ")", "_",
]  # fmt: skip


def _reference(keywords: tuple[str, ...], text: str) -> int:
    regex = re.compile("|".join(_pattern(k) for k in keywords), re.IGNORECASE)
    return sum(1 for _ in regex.finditer(text))


@settings(max_examples=300, deadline=None)
@given(
    keywords=st.lists(st.sampled_from(KEYWORDS), min_size=1, max_size=4, unique=True),
    title=st.lists(st.sampled_from(PIECES), max_size=12).map("".join),
    abstract=st.lists(st.sampled_from(PIECES), max_size=40).map("".join),
    hits=st.integers(min_value=1, max_value=3),
)
def test_fast_matching_agrees_with_the_case_insensitive_rule(
    keywords: list[str], title: str, abstract: str, hits: int
) -> None:
    rule = TopicRule(slug="t", name="T", keywords=tuple(keywords), min_abstract_hits=hits)
    other = TopicRule(slug="other", name="Other", catch_all=True)
    paper = Paper(id="x", title=title, abstract=abstract, published=date(2025, 1, 1))
    expected = _reference(rule.keywords, title) > 0 or (_reference(rule.keywords, abstract) >= hits)
    assert TopicMatcher([rule, other]).matches(paper) == (("t",) if expected else ())
