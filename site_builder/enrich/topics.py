"""Topic assignment: topics.yaml keyword rules over title and abstract; pinned topics win."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

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


_WORD = re.compile(r"\w+")
_SPLIT = re.compile(r"(\w+)")
_SEPARATOR = re.compile(r"[\s-]+")


@dataclass(frozen=True, slots=True)
class _Phrase:
    """A keyword made of whole words, lower-cased: what `_pattern` matches, said in words."""

    rule: int
    """Index of its rule among the word-matched ones."""
    order: int
    """Its place among its rule's keywords: at one spot, the first that matches wins."""
    words: tuple[str, ...]
    wildcard: bool
    """The last word is a prefix ("hallucinat*")."""


def _phrase(keyword: str, rule: int, order: int) -> _Phrase | None:
    """`keyword` as a phrase of ASCII words, or None if it holds anything else ("C++",
    "don't", "café"), which only the regular expression can match."""
    stem = keyword.strip().lower()
    wildcard = stem.endswith("*")
    words = tuple(re.split(r"[\s-]+", stem.rstrip("* ")))
    if not stem.isascii() or not all(_WORD.fullmatch(word) for word in words):
        return None
    return _Phrase(rule, order, words, wildcard)


class _WordMatcher:
    """Counts the keyword matches of many rules in one pass over a text's words.

    On lower-cased ASCII text, a keyword made of whole words (`_phrase`) matches where its
    first word starts a word of the text, the following words equal the text's next words
    with only spaces and dashes between them, and the last word ends a word (or, with a `*`,
    begins one). So instead of running each rule's regular expression over every character,
    the text is split into words once and each word is looked up: three times faster on the
    benchmark's abstracts.
    Matches of one rule do not overlap, and at one word the rule's first listed keyword that
    matches wins, as in a regular expression's alternation."""

    def __init__(self, phrases: Sequence[_Phrase], rules: int) -> None:
        self.rules = rules
        self._exact: dict[str, list[_Phrase]] = {}
        self._prefix: dict[str, list[_Phrase]] = {}
        for phrase in phrases:
            # A wildcard's last word is a prefix; a one-word wildcard starts with one.
            table = self._prefix if phrase.wildcard and len(phrase.words) == 1 else self._exact
            table.setdefault(phrase.words[0], []).append(phrase)
        self._prefix_lengths = sorted({len(prefix) for prefix in self._prefix})
        self._starting: dict[str, tuple[_Phrase, ...]] = {}
        """Word → the phrases that can start at it: texts share most of their words."""

    def count(self, lowered: str) -> list[int]:
        """Matches of each rule in `lowered` (lower-case ASCII text)."""
        counts = [0] * self.rules
        parts = _SPLIT.split(lowered)  # separator, word, separator, word, ..., separator
        words = parts[1::2]
        free = [0] * self.rules  # the first word each rule may match at: matches don't overlap
        starting = self._starting
        for index, word in enumerate(words):
            found = starting.get(word)
            if found is None:
                found = self._phrases_starting(word)
            if not found:
                continue
            best: dict[int, _Phrase] = {}
            for phrase in found:
                rule = phrase.rule
                if free[rule] > index or (rule in best and best[rule].order < phrase.order):
                    continue
                if _follows(phrase, words, parts, index):
                    best[rule] = phrase
            for rule, phrase in best.items():
                counts[rule] += 1
                free[rule] = index + len(phrase.words)
        return counts

    def _phrases_starting(self, word: str) -> tuple[_Phrase, ...]:
        found = list(self._exact.get(word, ()))
        for length in self._prefix_lengths:
            if length > len(word):
                break
            found += self._prefix.get(word[:length], ())
        if len(self._starting) >= _MEMO_WORDS:
            self._starting.clear()
        self._starting[word] = result = tuple(found)
        return result


_MEMO_WORDS = 50_000
"""The most words `_WordMatcher` remembers (a few MB); past that it starts again."""


def _follows(phrase: _Phrase, words: list[str], parts: list[str], index: int) -> bool:
    """Whether `phrase` matches the text's words from `words[index]`, whose first word (or, for
    a one-word wildcard, prefix) is known to match."""
    tail = phrase.words
    if len(tail) == 1:
        return True
    if index + len(tail) > len(words):
        return False
    for offset in range(1, len(tail)):
        # parts[2k + 2] is what lies between words k and k + 1.
        if not _SEPARATOR.fullmatch(parts[2 * (index + offset)]):
            return False
        word, wanted = words[index + offset], tail[offset]
        last = offset == len(tail) - 1
        if not (word.startswith(wanted) if last and phrase.wildcard else word == wanted):
            return False
    return True


@cache
def _anycase(keywords: tuple[str, ...]) -> re.Pattern[str]:
    """All of a rule's keywords, for text that is not ASCII."""
    return re.compile("|".join(_pattern(k) for k in keywords), re.IGNORECASE)


@cache
def _lowered(keywords: tuple[str, ...]) -> re.Pattern[str] | None:
    """All of a rule's keywords for lower-cased ASCII text, if they are all ASCII."""
    lower = [_lower_pattern(k) for k in keywords]
    return None if None in lower else re.compile("|".join(filter(None, lower)))


@dataclass(frozen=True, slots=True)
class _Rule:
    rule: TopicRule
    words: int | None
    """Its index in the `_WordMatcher`, if all its keywords are phrases of words. Else its
    regular expressions (`_anycase`, `_lowered`) match it; they are compiled on first use, as
    most sites' keywords are all words: compiling them all cost a quick build 20 ms."""


class TopicMatcher:
    """Assigns topics to papers; compiled once per build."""

    def __init__(self, rules: Sequence[TopicRule]) -> None:
        self.catch_all = next(rule.slug for rule in rules if rule.catch_all)
        self._rules: list[_Rule] = []
        phrases: list[_Phrase] = []
        worded = 0  # rules matched by words so far
        for rule in rules:
            if not rule.keywords:
                continue
            found = [_phrase(k, worded, order) for order, k in enumerate(rule.keywords)]
            if None in found:
                self._rules.append(_Rule(rule, None))
                continue
            phrases.extend(filter(None, found))
            self._rules.append(_Rule(rule, worded))
            worded += 1
        self._words = _WordMatcher(phrases, worded)

    def matches(self, paper: Paper) -> tuple[str, ...]:
        """Topics whose keywords occur in the title, or often enough in the abstract."""
        title, abstract = _Text(paper.title, self._words), _Text(paper.abstract, self._words)
        return tuple(
            rule.rule.slug
            for rule in self._rules
            if title.matches(rule, 1) or abstract.matches(rule, rule.rule.min_abstract_hits)
        )

    def assign(self, paper: Paper) -> tuple[str, ...]:
        """Pinned topics if any, else matched ones, else the catch-all."""
        return paper.topics or self.matches(paper) or (self.catch_all,)


class _Text:
    """A title or abstract: lower-cased once when it is ASCII, its words counted once."""

    def __init__(self, text: str, words: _WordMatcher) -> None:
        self.text = text
        self.lowered = text.lower() if text.isascii() else None
        self._words = words
        self._counts: list[int] | None = None

    def matches(self, rule: _Rule, enough: int) -> bool:
        """Whether `rule` matches at least `enough` times."""
        if self.lowered is not None and rule.words is not None:
            if self._counts is None:
                self._counts = self._words.count(self.lowered)
            return self._counts[rule.words] >= enough
        if self.lowered is not None and (lowered := _lowered(rule.rule.keywords)) is not None:
            found = lowered.finditer(self.lowered)
        else:
            found = _anycase(rule.rule.keywords).finditer(self.text)
        return sum(1 for _ in itertools.islice(found, enough)) >= enough
