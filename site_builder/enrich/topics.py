"""Topic assignment: topics.yaml keyword rules over title and abstract; pinned topics win."""

from __future__ import annotations

import itertools
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


def _lower_pattern(keyword: str) -> str | None:
    r"""`_pattern` for lower-case ASCII text, None for a keyword that is not ASCII.

    Case-insensitive matching of ASCII is exact matching once both sides are lower-cased, and
    with no IGNORECASE flag and a literal first character (the lookbehind moved after it, as
    `(?<!\w.)`), Python's regex engine skips ahead to where a keyword can start instead of
    trying the lookbehind at every character: about eight times faster on abstracts."""
    stem = keyword.strip().lower()
    if not stem.isascii():
        return None
    wildcard = stem.endswith("*")
    words = re.split(r"[\s-]+", stem.rstrip("* "))
    first = words[0]
    if not first:
        return None
    rest = r"[\s-]+".join([re.escape(first[1:]), *(re.escape(word) for word in words[1:])])
    core = re.escape(first[0]) + r"(?<!\w.)" + rest
    return rf"{core}\w*" if wildcard else rf"{core}(?!\w)"


class TopicMatcher:
    """Assigns topics to papers; compiled once per build."""

    def __init__(self, rules: Sequence[TopicRule]) -> None:
        self.catch_all = next(rule.slug for rule in rules if rule.catch_all)
        self._rules = []
        for rule in rules:
            if not rule.keywords:
                continue
            anycase = re.compile("|".join(_pattern(k) for k in rule.keywords), re.IGNORECASE)
            lower = [_lower_pattern(k) for k in rule.keywords]
            ascii_only = None if None in lower else re.compile("|".join(filter(None, lower)))
            self._rules.append((rule, anycase, ascii_only))

    def matches(self, paper: Paper) -> tuple[str, ...]:
        """Topics whose keywords occur in the title, or often enough in the abstract."""
        title, abstract = _Text(paper.title), _Text(paper.abstract)
        found = []
        for rule, anycase, ascii_only in self._rules:
            if title.count(anycase, ascii_only, 1) or (
                abstract.count(anycase, ascii_only, rule.min_abstract_hits)
                >= rule.min_abstract_hits
            ):
                found.append(rule.slug)
        return tuple(found)

    def assign(self, paper: Paper) -> tuple[str, ...]:
        """Pinned topics if any, else matched ones, else the catch-all."""
        return paper.topics or self.matches(paper) or (self.catch_all,)


class _Text:
    """A title or abstract, lower-cased once when it is ASCII."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lowered = text.lower() if text.isascii() else None

    def count(
        self, anycase: re.Pattern[str], ascii_only: re.Pattern[str] | None, enough: int
    ) -> int:
        """Matches of the rule, counted up to `enough`."""
        if ascii_only is not None and self.lowered is not None:
            found = ascii_only.finditer(self.lowered)
        else:
            found = anycase.finditer(self.text)
        return sum(1 for _ in itertools.islice(found, enough))
