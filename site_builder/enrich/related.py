"""Related papers: the most similar by TF-IDF over title and abstract, computed at build time.

Each paper becomes a TF-IDF vector (title words count twice), trimmed to its strongest terms;
similarity is the cosine over shared terms, found through an inverted index so only papers that
share a term are ever compared. Words in more than a fifth of all papers say nothing about
similarity and are left out. As in Hugo's related content, a paper is related only to papers of
its own day or older, so a new day's papers never appear in an older paper's list (the
weights, computed over the whole collection, still shift a little as it grows).
"""

from __future__ import annotations

import bisect
import heapq
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence

from ..markdown import plain_text
from ..models import Paper

__all__ = ["RELATED_LIMIT", "RELATED_VERSION", "related_papers"]

RELATED_VERSION = "1"
"""Part of the cache key of related lists: raise it when the computation changes."""

RELATED_LIMIT = 5
_MAX_TERMS = 30
_MAX_DOCUMENT_SHARE = 0.2
_MIN_SCORE = 0.05
_WORD = re.compile(r"[a-z][a-z0-9]+")
_STOPWORDS = frozenset(
    """
a about above after again against all also an and any are as at be because been before being
below between both but by can could did do does doing done down during each few for from further
had has have having he her here hers how however i if in into is it its itself just more most
much must my no nor not now of off on once only or other our ours out over own same she should
so some such than that the their theirs them then there these they this those through to too
under until up upon very via was we were what when where which while who whom why will with
within without would you your yet thus therefore hence whether either neither among across paper
papers propose proposed proposes present presents show shows shown study studies work works
approach approaches method methods result results new novel based using use used uses via many
several well first second one two three also et al e g i e various different self
""".split()
)


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _terms(paper: Paper, plain: str) -> Counter[str]:
    text = f"{paper.title} {paper.title} {plain}".lower()
    return Counter(_stem(w) for w in _WORD.findall(text) if w not in _STOPWORDS)


def related_papers(
    papers: Sequence[Paper],
    plain: Mapping[str, str] | None = None,
    limit: int = RELATED_LIMIT,
) -> dict[str, tuple[str, ...]]:
    """For each paper id, up to `limit` ids of the most similar papers of its day or older.

    `plain` gives each paper's abstract as plain text, by id, when it is known already."""
    counts = [
        _terms(paper, plain[paper.id] if plain else plain_text(paper.abstract)) for paper in papers
    ]
    total = len(papers)
    frequency: Counter[str] = Counter(term for terms in counts for term in terms)
    common = max(2, int(total * _MAX_DOCUMENT_SHARE)) if total >= 20 else total + 1
    vectors: list[dict[str, float]] = []
    for terms in counts:
        weights = {
            term: (1 + math.log(count)) * math.log((1 + total) / (1 + frequency[term]))
            for term, count in terms.items()
            if frequency[term] > 1 and frequency[term] <= common
        }
        strongest = heapq.nlargest(_MAX_TERMS, weights.items(), key=lambda kv: (kv[1], kv[0]))
        norm = math.sqrt(sum(weight * weight for _, weight in strongest)) or 1.0
        vectors.append({term: weight / norm for term, weight in strongest})

    postings: dict[str, list[tuple[int, float]]] = {}
    for index, vector in enumerate(vectors):
        for term, weight in vector.items():
            postings.setdefault(term, []).append((index, weight))

    # Each term's postings in day order, so a paper reads only those of its day or older. For
    # every pair of papers the products are still added in the order of the paper's terms, so
    # the scores are the very same floats as a plain double loop gives.
    days = [paper.day.toordinal() for paper in papers]
    by_day: dict[str, tuple[list[int], list[int], list[float]]] = {}
    for term, entries in postings.items():
        entries.sort(key=lambda entry: days[entry[0]])
        by_day[term] = (
            [days[other] for other, _ in entries],
            [other for other, _ in entries],
            [weight for _, weight in entries],
        )

    result: dict[str, tuple[str, ...]] = {}
    for index, vector in enumerate(vectors):
        day = days[index]
        scores: dict[int, float] = {}
        get = scores.get
        for term, weight in vector.items():
            term_days, others, term_weights = by_day[term]
            cut = bisect.bisect_right(term_days, day)
            for other, other_weight in zip(others[:cut], term_weights[:cut], strict=True):
                scores[other] = get(other, 0.0) + weight * other_weight
        scores.pop(index, None)
        result[papers[index].id] = _best(scores, papers, limit)
    return result


def _best(scores: dict[int, float], papers: Sequence[Paper], limit: int) -> tuple[str, ...]:
    """The `limit` best-scoring ids: highest score rounded to 12 places, then smallest id."""
    floor = _MIN_SCORE
    if len(scores) > limit:
        # Only scores that can round to at least the limit-th best can be chosen.
        kth = heapq.nlargest(limit, scores.values())[-1]
        floor = max(floor, round(kth, 12) - 1e-11)
    best = heapq.nsmallest(
        limit,
        (
            (-round(score, 12), papers[other].id)
            for other, score in scores.items()
            if score >= floor and score >= _MIN_SCORE
        ),
    )
    return tuple(paper_id for _, paper_id in best)
