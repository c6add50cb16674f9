"""Topic assignment: topics.yaml keyword rules over title and abstract; pinned topics win."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..config import TopicRule
from ..models import Paper

__all__ = ["TopicMatcher"]


def _pattern(keyword: str) -> str:
    """A keyword as a regex: words on word boundaries, spaces or dashes between them alike,
    and a trailing `*` for any ending ("hallucinat*")."""
    stem = keyword.strip()
    wildcard = stem.endswith("*")
    words = re.split(r"[\s-]+", stem.rstrip("* "))
    body = r"[\s-]+".join(re.escape(word) for word in words)
    # Lookarounds rather than \b, so keywords that start or end with a symbol (C++, .NET) match.
    return rf"(?<!\w){body}\w*" if wildcard else rf"(?<!\w){body}(?!\w)"


class TopicMatcher:
    """Assigns topics to papers; compiled once per build."""

    def __init__(self, rules: Sequence[TopicRule]) -> None:
        self.catch_all = next(rule.slug for rule in rules if rule.catch_all)
        self._rules = [
            (rule, re.compile("|".join(_pattern(k) for k in rule.keywords), re.IGNORECASE))
            for rule in rules
            if rule.keywords
        ]

    def matches(self, paper: Paper) -> tuple[str, ...]:
        """Topics whose keywords occur in the title, or often enough in the abstract."""
        found = []
        for rule, regex in self._rules:
            if regex.search(paper.title) or _count(regex, paper.abstract) >= rule.min_abstract_hits:
                found.append(rule.slug)
        return tuple(found)

    def assign(self, paper: Paper) -> tuple[str, ...]:
        """Pinned topics if any, else matched ones, else the catch-all."""
        return paper.topics or self.matches(paper) or (self.catch_all,)


def _count(regex: re.Pattern[str], text: str) -> int:
    return sum(1 for _ in regex.finditer(text))
