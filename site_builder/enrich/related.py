"""Related papers: the most similar by TF-IDF over title and abstract, computed at build time.

The computation, in four steps:

1. **Terms.** A paper's title (counted twice) and abstract are split into lower-case words; stop
   words are dropped and a light stemmer folds plurals ("models" → "model").
2. **Weights.** A term's weight in a paper is `(1 + log count) * idf`, with
   `idf = log(scale / df')`: `df` is the number of papers using the term, `df'` is `df` rounded
   down to its five leading binary digits (exact below 32, then within 1/16), and `scale` is the
   number of papers rounded up to a power of two (at least 64). Terms used by one paper only, or
   by more than a quarter of `scale`, say nothing about similarity and get no weight. A paper's
   vector is its 30 heaviest terms, scaled to length 1.
3. **Candidates.** For each term, the papers whose vector holds it are kept in date order (then
   by id). A paper looks at, for each of its terms, only the `WINDOW` most recent of them of its
   own day or older: a rare term finds every paper sharing it, a common one the latest that do.
   So a new day's papers never appear in an older paper's list, and the work per paper is bounded
   whatever the collection's size.
4. **Scores.** A candidate's score is the sum, over those terms, of the two papers' weights
   multiplied; the `RELATED_LIMIT` best (rounded to 12 places, then by id) scoring at least 0.05
   are the list.

Rounding `df` and `scale` is what lets a build update the lists instead of recomputing them: an
edited, added or removed paper changes a term's weight only when the term's rounded `df` moves
(for a common term one paper almost never crosses a rounding step), and every weight only when
the number of papers crosses a power of two. `update_related` takes the state of the previous
computation (per paper: a digest of its inputs, its distinct terms, its vector and its list, and
apart, how often each term occurs; per term: `df`) and recomputes exactly what can differ: the
vectors of papers that changed or use a term whose weight changed (`update_from_state` makes
the latter from their stored term counts, without their texts), and the lists of papers whose
own vector or any of whose term windows (the papers and weights in it) changed. Every other
list is provably the same, and the scores of a recomputed list are summed in the same order
from the same floats, so the result is identical to a computation from nothing. The state is
plain JSON; the caller keeps it in the build cache, with each term's postings apart. After
edits of abstracts alone that move no term's weight, `update_from_postings` reads back only the
postings of the terms the edits touch and of the terms of the lists it makes again, and the
rows of those papers: the same result, without reading every paper's row.

Cost: splitting the words is linear in the text, scoring at most 30 x `WINDOW` products per
paper, so the whole grows linearly with the collection (the former exact cosine grew with the
square of the papers sharing a common term: minutes at 100,000 papers). Splitting, weighing and
scoring run in `workers` forked processes, which read the texts and postings from the memory
they were forked with; only paper numbers go to them and packed strings come back.
"""

from __future__ import annotations

import bisect
import contextlib
import gc
import hashlib
import math
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import compress
from operator import mul
from typing import Any

from ..markdown import plain_text
from ..models import Paper
from ..workers import PARALLEL_MIN_ITEMS, fork_map

__all__ = [
    "RELATED_LIMIT",
    "RELATED_VERSION",
    "WINDOW",
    "RelatedChange",
    "RelatedState",
    "StoredPostings",
    "collector_paused",
    "related_papers",
    "update_for_text",
    "update_from_postings",
    "update_from_state",
    "update_related",
]

RELATED_VERSION = "2"
"""Part of the cache key of related lists: raise it when the computation changes."""

RELATED_LIMIT = 5
WINDOW = 32
"""How many of the latest papers sharing a term each paper compares itself with."""
_MAX_TERMS = 30
_MIN_SCALE = 64
_MIN_SCORE = 0.05
# Bytes → the same bytes where an ASCII letter or digit, a space elsewhere: with a split, this
# finds the words of a text in C.
_SEPARATE = bytes(
    byte if chr(byte).isascii() and chr(byte).isalnum() else ord(" ") for byte in range(256)
)
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


class _Stems(dict[str, str]):
    """Word → term ("" for a stop word), each word stemmed once; lookups of known words stay in
    C, which matters at 20 million words."""

    def __missing__(self, word: str) -> str:
        # A word is a letter then letters or digits: digits before the first letter are no
        # part of it, and a single letter is no word.
        word = word.lstrip("0123456789")
        term = "" if len(word) < 2 or word in _STOPWORDS else _stem(word)
        self[word] = term
        return term


class _CountWeights(dict[int, float]):
    """Count → `1 + log count`."""

    def __missing__(self, count: int) -> float:
        weight = 1 + math.log(count)
        self[count] = weight
        return weight


_COUNT_WEIGHTS = _CountWeights()


def _bag(title: str, plain: str, stems: _Stems) -> Counter[str]:
    """How often each term occurs in the title (twice) and the abstract."""
    text = f"{title} {title} {plain}".lower().encode("ascii", "replace").translate(_SEPARATE)
    counts = Counter(map(stems.__getitem__, text.decode("ascii").split()))
    counts.pop("", None)
    return counts


def _rounded(df: int) -> int:
    """`df` with only its five leading binary digits kept."""
    shift = df.bit_length() - 5
    return df if shift <= 0 else (df >> shift) << shift


def _scale(papers: int) -> int:
    return max(_MIN_SCALE, 1 << max(0, papers - 1).bit_length())


def _idf(df: int, scale: int) -> float:
    """A term's weight factor; 0 for a term used by one paper only or by too many."""
    if df <= 1 or df * 4 > scale:
        return 0.0
    return math.log(scale / _rounded(df))


def _weight_class(df: int, scale: int) -> int:
    """Two document frequencies with the same class give the same idf."""
    return 0 if df <= 1 or df * 4 > scale else _rounded(df)


Postings = tuple[list[int], list[float]]
"""One term's postings as kept: the positions (in `PaperOrder`) of the papers whose vector
holds the term, ascending, and the term's weight in each."""

PaperOrder = tuple[list[str], list[int]]
"""Every paper's id and day (as an ordinal), in (day, id) order."""

Vector = tuple[list[int], list[float]]
"""A paper's heaviest terms (as numbers into the vocabulary) and their weights, heaviest first.
Lists, as JSON gives them back, so a stored vector is used as read."""

_EMPTY: Vector = ([], [])


@dataclass(frozen=True, slots=True)
class _Bag:
    """A paper's distinct terms and how often each occurs."""

    text: str
    """The terms, space-separated (as the state keeps them)."""
    counts: Sequence[int]

    @property
    def terms(self) -> list[str]:
        """Split when used, not kept: a first computation holds every paper's bag at once, and
        a list of 100 terms costs more than their text (80 MiB at 100,000 papers)."""
        return self.text.split()

    @classmethod
    def of(cls, counts: Counter[str]) -> _Bag:
        return cls(text=" ".join(counts), counts=list(counts.values()))

    def packed(self) -> tuple[str, bytes]:
        """What a worker process sends back: a string and bytes, the cheapest to pass."""
        return self.text, array("I", self.counts).tobytes()

    @classmethod
    def unpacked(cls, packed: tuple[str, bytes]) -> _Bag:
        """The bag `packed` describes."""
        text, counts = packed
        return cls(text=text, counts=array("I", counts))


def _heaviest(bag: _Bag, idf: Mapping[str, float]) -> tuple[list[str], list[float]]:
    """The `_MAX_TERMS` heaviest terms (ties: the larger term first) and their weights, scaled
    to length 1."""
    terms = bag.terms
    # Every term of every paper is in `idf` (0.0 when it has no weight): all of this runs in C.
    weights = list(
        map(mul, map(idf.__getitem__, terms), map(_COUNT_WEIGHTS.__getitem__, bag.counts))
    )
    heaviest = sorted(compress(zip(weights, terms, strict=True), weights), reverse=True)
    del heaviest[_MAX_TERMS:]
    if not heaviest:
        return [], []
    norm = math.sqrt(math.fsum(weight * weight for weight, _ in heaviest))
    return [term for _, term in heaviest], [weight / norm for weight, _ in heaviest]


def _vector(bag: _Bag, idf: Mapping[str, float], vocabulary: _Vocabulary) -> Vector:
    terms, weights = _heaviest(bag, idf)
    return [vocabulary[term] for term in terms], weights


class _Weigher:
    """A paper's packed heaviest terms and weights, in a worker process."""

    def __init__(self, bags: Mapping[int, _Bag], idf: Mapping[str, float]) -> None:
        self._bags = bags
        self._idf = idf

    def __call__(self, index: int) -> tuple[str, bytes]:
        terms, weights = _heaviest(self._bags[index], self._idf)
        return " ".join(terms), array("d", weights).tobytes()


class _Vocabulary(dict[str, int]):
    """Term → its number; a new term gets the next one."""

    def __init__(self, terms: Sequence[str] = ()) -> None:
        super().__init__(zip(terms, range(len(terms)), strict=True))
        self.terms = list(terms)

    def __missing__(self, term: str) -> int:
        number = self[term] = len(self.terms)
        self.terms.append(term)
        return number


@dataclass(slots=True)
class _Postings:
    """The papers whose vector holds one term, in (day, id) order."""

    days: list[int]
    papers: list[int]
    weights: list[float]


def _postings(vectors: Sequence[Vector], days: Sequence[int]) -> dict[int, _Postings]:
    """Every term's postings, from vectors in (day, id) order."""
    postings: dict[int, _Postings] = {}
    get = postings.get
    for index, ((terms, weights), day) in enumerate(zip(vectors, days, strict=True)):
        for term, weight in zip(terms, weights, strict=True):
            found = get(term)
            if found is None:
                postings[term] = _Postings(days=[day], papers=[index], weights=[weight])
            else:
                found.days.append(day)
                found.papers.append(index)
                found.weights.append(weight)
    return postings


def _kept(postings: _Postings | None) -> Postings:
    """`postings` as the caller keeps them (`RelatedState.postings`)."""
    return (postings.papers, postings.weights) if postings is not None else ([], [])


def _window(postings: _Postings, day: int) -> tuple[int, int]:
    """The slice of `postings` a paper of `day` compares itself with."""
    end = bisect.bisect_right(postings.days, day)
    return max(0, end - WINDOW), end


def _best(scores: dict[int, float], ids: Sequence[str], limit: int) -> list[str]:
    """The `limit` best-scoring ids: highest score rounded to 12 places, then smallest id."""
    floor = _MIN_SCORE
    if len(scores) > limit:
        # Only scores that can round to at least the limit-th best can be chosen.
        kth = sorted(scores.values(), reverse=True)[limit - 1]
        floor = max(floor, round(kth, 12) - 1e-11)
    chosen = compress(scores.items(), map(floor.__le__, scores.values()))
    best = sorted((-round(score, 12), ids[other]) for other, score in chosen)
    return [paper_id for _, paper_id in best[:limit]]


def _digest(paper: Paper, plain: str) -> str:
    text = f"{paper.id}\x00{paper.day.isoformat()}\x00{paper.title}\x00{plain}"
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


# What the state keeps of each paper: [digest, day, distinct terms, vector terms, vector
# weights, related ids]. How often each term occurs is kept apart (`RelatedState.counts`).
_ROW_PARTS = range(6)
_DIGEST, _DAY, _TERMS, _VECTOR_TERMS, _VECTOR_WEIGHTS, _RELATED = _ROW_PARTS


@dataclass(frozen=True, slots=True)
class RelatedState:
    """What `update_related` needs of the previous computation, in the shape JSON stores it
    (`to_json`, `from_json`): reading it back builds no objects beyond what JSON made."""

    scale: int
    limit: int
    df: dict[str, int]
    vocabulary: list[str]
    papers: dict[str, list[Any]]
    """Paper id → [digest of its inputs, day, its distinct terms space-separated, vector terms,
    vector weights, related ids]."""
    counts: dict[str, Sequence[int]] = field(default_factory=dict, compare=False)
    """Paper id → how often each of its distinct terms occurs, in their order, for the papers
    whose terms this computation found (all of them from nothing, else the fresh ones). Not
    part of `to_json`: every paper's counts are needed only to weigh it again without its
    text (`update_from_state`), so the caller keeps them apart, with the rows, and reads back
    only those it is asked for."""
    postings: dict[int, Postings] = field(default_factory=dict, compare=False)
    """Term number → its postings, for the terms whose postings this computation moved (every
    term when `order` is given; an empty one for a term no vector holds any more). Not part of
    `to_json`: the caller keeps them apart, so that an edit reads back only those of the terms
    it touches (`update_from_postings`)."""
    order: PaperOrder | None = field(default=None, compare=False)
    """The papers in (day, id) order, which the positions in postings count, when it differs
    from the previous computation's (always from nothing)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "version": RELATED_VERSION,
            "scale": self.scale,
            "limit": self.limit,
            "df": self.df,
            "vocabulary": self.vocabulary,
            "papers": self.papers,
        }

    @classmethod
    def from_json(cls, data: Any) -> RelatedState | None:
        """The state, or None when `data` is not one of this version. Each paper's entry is
        checked where it is used: a malformed one makes `update_related` start afresh."""
        if not (
            isinstance(data, dict)
            and data.get("version") == RELATED_VERSION
            and type(data.get("scale")) is int
            and type(data.get("limit")) is int
            and isinstance(data.get("df"), dict)
            and isinstance(data.get("vocabulary"), list)
            and isinstance(data.get("papers"), dict)
        ):
            return None
        return cls(
            scale=data["scale"],
            limit=data["limit"],
            df=data["df"],
            vocabulary=data["vocabulary"],
            papers=data["papers"],
        )


def related_papers(
    papers: Sequence[Paper],
    plain: Mapping[str, str] | None = None,
    limit: int = RELATED_LIMIT,
    *,
    workers: int = 1,
) -> dict[str, tuple[str, ...]]:
    """For each paper id, up to `limit` ids of the most similar papers of its day or older.

    `plain` gives each paper's abstract as plain text, by id, when it is known already."""
    return update_related(papers, plain, None, limit=limit, workers=workers)[0]


class _Bagger:
    """A paper's packed bag, in a worker process, which has the texts already (it is forked):
    only paper numbers go to it. Each process stems each word once."""

    def __init__(self, items: Sequence[tuple[str, str]]) -> None:
        self._items = items
        self._stems = _Stems()

    def __call__(self, index: int) -> tuple[str, bytes]:
        return _Bag.of(_bag(*self._items[index], self._stems)).packed()


class _MalformedState(Exception):
    """A stored state that does not hold what it should."""


def update_related(
    papers: Sequence[Paper],
    plain: Mapping[str, str] | None,
    previous: RelatedState | None,
    limit: int = RELATED_LIMIT,
    *,
    workers: int = 1,
) -> tuple[dict[str, tuple[str, ...]], RelatedState]:
    """Related lists of `papers` and the state to pass to the next call, on up to `workers`
    processes. The state is `previous` itself when nothing changed.

    With the `previous` state, only what can differ from it is recomputed: the lists are the
    same as without it."""
    texts = {
        paper.id: plain[paper.id] if plain is not None else plain_text(paper.abstract)
        for paper in papers
    }
    with collector_paused():
        run = _Run.of_papers(papers, texts, limit, workers)
        if previous is not None and previous.scale == run.scale and previous.limit == limit:
            try:
                return run.update(previous)
            except (_MalformedState, TypeError, ValueError, KeyError, IndexError, AttributeError):
                run = _Run.of_papers(papers, texts, limit, workers)
        return run.update(None)


def update_for_text(
    header: Any, row: Any, paper: Paper, plain: str
) -> tuple[dict[str, int], list[Any], Sequence[int]] | None:
    """For one paper whose abstract changed and nothing else, when no paper's list can change
    for it: the state's new `df`, the paper's new row and its term counts. None when some list
    could change, and then only `update_related` can tell.

    `header` is the stored state but its papers (`RelatedState.to_json`), `row` the paper's
    entry. No list changes when each term the paper gained or lost keeps its weight class
    (so no other paper's vector changes) and the paper's own vector comes out the same (so
    no window changes). The new state is then the one `update_related` would give."""
    state = RelatedState.from_json({**header, "papers": {}}) if isinstance(header, dict) else None
    if state is None or not (isinstance(row, list) and len(row) == len(_ROW_PARTS)):
        return None
    old_terms = row[_TERMS]
    if not isinstance(old_terms, str) or row[_DAY] != paper.day.toordinal():
        return None
    bag = _Bag.of(_bag(paper.title, plain, _Stems()))
    terms = bag.terms
    df = dict(state.df)
    before, after = set(old_terms.split()), set(terms)
    for term, step in [*((t, -1) for t in before - after), *((t, 1) for t in after - before)]:
        count = df.get(term, 0)
        if count + step < 0 or _weight_class(count, state.scale) != _weight_class(
            count + step, state.scale
        ):
            return None
        if count + step:
            df[term] = count + step
        else:
            del df[term]
    numbers = {term: number for number, term in enumerate(state.vocabulary)}
    heaviest, weights = _heaviest(bag, {term: _idf(df[term], state.scale) for term in terms})
    if any(term not in numbers for term in heaviest):
        return None
    if [numbers[term] for term in heaviest] != row[_VECTOR_TERMS] or weights != row[
        _VECTOR_WEIGHTS
    ]:
        return None
    new_row = list(row)
    new_row[_DIGEST] = _digest(paper, plain)
    new_row[_TERMS] = bag.text
    return df, new_row, bag.counts


class _NeedsText(Exception):
    """The update would have to weigh again a paper known only by its row, whose term counts
    are not known."""


CountsOf = Callable[[Iterable[str]], Mapping[str, Sequence[int]]]
"""Paper ids → the term counts (`RelatedState.counts`) of those whose counts are kept."""


def update_from_state(
    header: Any,
    rows: Mapping[str, Any],
    changed: Mapping[str, tuple[Paper, str]],
    counts_of: CountsOf | None = None,
) -> tuple[dict[str, tuple[str, ...]], RelatedState] | None:
    """What `update_related` gives after the papers `changed` (by id, each with its abstract
    as plain text) were edited and no other: the others are known only by their `rows` of
    the previous state (`header` is the rest of it), without their texts. When a term's
    weight changes, the papers using it are weighed again from their term counts, which
    `counts_of` gives. None when it cannot give them all: then only `update_related` can
    tell."""
    previous = (
        RelatedState.from_json({**header, "papers": rows}) if isinstance(header, dict) else None
    )
    if previous is None or not set(changed) <= set(rows):
        return None
    parts = len(_ROW_PARTS)
    if not all(
        type(row) is list and len(row) == parts and type(row[_DAY]) is int for row in rows.values()
    ):
        return None
    keys = sorted(
        (changed[paper_id][0].day.toordinal() if paper_id in changed else row[_DAY], paper_id)
        for paper_id, row in rows.items()
    )
    ids = [paper_id for _, paper_id in keys]
    texts = {paper_id: plain for paper_id, (_, plain) in changed.items()}
    with collector_paused():
        run = _Run(
            order=list(rows),
            ids=ids,
            days=[day for day, _ in keys],
            papers=[changed[paper_id][0] if paper_id in changed else None for paper_id in ids],
            digests=[
                _digest(*changed[paper_id]) if paper_id in changed else rows[paper_id][_DIGEST]
                for paper_id in ids
            ],
            texts=texts,
            limit=previous.limit,
            workers=1,
            counts_of=counts_of,
        )
        if run.scale != previous.scale:
            return None
        try:
            return run.update(previous)
        except (_NeedsText, _MalformedState, TypeError, ValueError, KeyError, IndexError):
            return None


@dataclass(frozen=True, slots=True)
class StoredPostings:
    """What the caller keeps of earlier computations beside the rows: the paper order and
    each term's postings (`RelatedState.order`, `RelatedState.postings`), with ways to read
    back only some postings and rows."""

    order: PaperOrder
    postings_of: Callable[[Iterable[int]], Mapping[int, Postings]]
    """Term numbers → the postings kept of those terms (a term no vector holds has none)."""
    rows_of: Callable[[Iterable[str]], Mapping[str, Any]]
    """Paper ids → their rows of the state (`RelatedState.papers`)."""
    users_of: Callable[[Sequence[str]], Iterable[str]]
    """Terms → the ids of the papers whose distinct terms hold one of them."""
    counts_of: CountsOf
    """Paper ids → their term counts (`RelatedState.counts`), of those that have them."""


@dataclass(frozen=True, slots=True)
class RelatedChange:
    """What `update_from_postings` changes of the state."""

    header: dict[str, Any]
    """The new state but its papers (`RelatedState.to_json`)."""
    rows: dict[str, list[Any]]
    """The rows that changed, by paper id."""
    relisted: list[str]
    """The papers not among those changed whose lists moved."""
    counts: dict[str, Sequence[int]]
    """The term counts of the rows whose terms were found again."""
    postings: dict[int, Postings]
    """The postings that changed (empty for a term no vector holds any more)."""


def update_from_postings(
    header: Any, stored: StoredPostings, changed: Mapping[str, tuple[Paper, str]]
) -> RelatedChange | None:
    """What `update_from_state` gives, read from the kept postings instead of every row:
    only the rows of the papers `changed` (edited, each given with its abstract as plain
    text; no paper added, removed or moved to another day), of those whose lists may move
    and, when a term's weight changes, of the papers using it (weighed again from their term
    counts), and only the postings of their terms. None when a paper to weigh again has no
    counts, too many would be, or what is kept does not agree with itself: then
    `update_from_state` can tell."""
    state = RelatedState.from_json({**header, "papers": {}}) if isinstance(header, dict) else None
    ids, days = stored.order
    if state is None or len(ids) != len(days) or _scale(len(ids)) != state.scale:
        return None
    try:
        with collector_paused():
            return _PostingsUpdate(state, stored).run(changed)
    except (_MalformedState, TypeError, ValueError, KeyError, IndexError, AttributeError):
        return None


class _PostingsUpdate:
    """One `update_from_postings`: the steps of `_Run.update` for edits alone, each over the
    papers and terms it concerns."""

    def __init__(self, state: RelatedState, stored: StoredPostings) -> None:
        self.state, self.stored = state, stored
        self.ids, self.days = stored.order

    def run(self, changed: Mapping[str, tuple[Paper, str]]) -> RelatedChange | None:
        ids, days, state = self.ids, self.days, self.state
        old = self.stored.rows_of(changed)
        positions = sorted(ids.index(paper_id) for paper_id in changed)
        parts = len(_ROW_PARTS)
        stems = _Stems()
        bags: dict[int, _Bag] = {}
        digests: dict[int, str] = {}
        for at in positions:  # in (day, id) order, as `_Run` weighs them
            row = old[ids[at]]
            paper, plain = changed[ids[at]]
            if not (type(row) is list and len(row) == parts) or not (
                row[_DAY] == days[at] == paper.day.toordinal()
            ):
                return None
            digest = _digest(paper, plain)
            if digest != row[_DIGEST]:
                bags[at], digests[at] = _Bag.of(_bag(paper.title, plain, stems)), digest
        df: Counter[str] = Counter(state.df)
        for at in bags:
            df.subtract(old[ids[at]][_TERMS].split())
        for bag in bags.values():
            df.update(bag.terms)
        if any(count < 0 for count in df.values()):
            raise _MalformedState
        df = +df
        words = {term for at, bag in bags.items() for term in (*bag.terms, *_words(old, ids[at]))}
        probes = sorted(
            term
            for term in words
            if _weight_class(df.get(term, 0), state.scale)
            != _weight_class(state.df.get(term, 0), state.scale)
        )
        old = dict(old)  # with the rows of the papers weighed again
        if probes and not self._weigh_again(probes, bags, old):
            return None
        idf = {term: _idf(df[term], state.scale) for bag in bags.values() for term in bag.terms}
        vocabulary = _Vocabulary(state.vocabulary)
        # In (day, id) order, as `_Run` weighs them: a new term's number depends on it.
        vectors = {at: _vector(bags[at], idf, vocabulary) for at in sorted(bags)}
        moved = {
            at
            for at, (terms, weights) in vectors.items()
            if terms != old[ids[at]][_VECTOR_TERMS] or weights != old[ids[at]][_VECTOR_WEIGHTS]
        }
        before, after = self._postings(moved, vectors, old)
        stale = moved | self._moved_windows(before, after)
        known = {**self.stored.rows_of(ids[at] for at in stale if at not in vectors), **old}
        lists = self._lists(stale, vectors, known, after)
        rows: dict[str, list[Any]] = {}
        relisted: list[str] = []
        for at in sorted(set(bags) | stale):
            row = known[ids[at]]
            terms, weights = vectors.get(at, (row[_VECTOR_TERMS], row[_VECTOR_WEIGHTS]))
            if ids[at] not in changed and lists.get(at, row[_RELATED]) != row[_RELATED]:
                relisted.append(ids[at])
            new_row = [
                digests.get(at, row[_DIGEST]),
                row[_DAY],
                bags[at].text if at in bags else row[_TERMS],
                terms,
                weights,
                lists.get(at, row[_RELATED]),
            ]
            if new_row != row:
                rows[ids[at]] = new_row
        new_state = RelatedState(
            scale=state.scale,
            limit=state.limit,
            df=dict(df),
            vocabulary=vocabulary.terms,
            papers={},
        )
        header = new_state.to_json()
        del header["papers"]
        return RelatedChange(
            header=header,
            rows=rows,
            relisted=relisted,
            counts={ids[at]: bag.counts for at, bag in bags.items()},
            postings={term: (found.papers, found.weights) for term, found in after.items()},
        )

    def _weigh_again(self, probes: list[str], bags: dict[int, _Bag], old: dict[str, Any]) -> bool:
        """Add to `bags` (and their rows to `old`) the papers that use a term of `probes`,
        whose weights moved, from their stored terms and counts; False when there are too
        many (`_MOST_WEIGHED_AGAIN`) or one has no counts."""
        if len(probes) > _MOST_PROBES:
            return False
        fresh = {self.ids[at] for at in bags}
        users = [key for key in self.stored.users_of(probes) if key not in fresh]
        if len(users) > _MOST_WEIGHED_AGAIN:
            return False
        if not users:
            return True
        position = {paper_id: at for at, paper_id in enumerate(self.ids)}
        rows, counts = self.stored.rows_of(users), self.stored.counts_of(users)
        for key in users:
            row, found = rows[key], counts.get(key)
            if found is None or len(found) != len(row[_TERMS].split()):
                return False
            bags[position[key]] = _Bag(text=row[_TERMS], counts=found)
            old[key] = row
        return True

    def _postings(
        self, moved: set[int], vectors: Mapping[int, Vector], old: Mapping[str, Any]
    ) -> tuple[dict[int, _Postings], dict[int, _Postings]]:
        """The postings of the terms in the old or new vector of a paper in `moved`, as kept
        and as they are now. The kept ones must hold each old vector as its row does."""
        ids = self.ids
        terms = {term for at in moved for term in (*old[ids[at]][_VECTOR_TERMS], *vectors[at][0])}
        kept = self.stored.postings_of(terms)
        before, after = {}, {}
        for term in terms:
            papers, weights = kept.get(term, ([], []))
            if len(papers) != len(weights):
                raise _MalformedState
            before[term] = self._with_days(papers, weights)
            papers, weights = list(papers), list(weights)
            for at in sorted(moved):  # a few papers in long lists: moved in place
                place = bisect.bisect_left(papers, at)
                if papers[place : place + 1] == [at]:
                    del papers[place], weights[place]
                new_terms, new_weights = vectors[at]
                if term in new_terms:
                    papers.insert(place, at)
                    weights.insert(place, new_weights[new_terms.index(term)])
            after[term] = self._with_days(papers, weights)
        for at in moved:
            row = old[ids[at]]
            for term, weight in zip(row[_VECTOR_TERMS], row[_VECTOR_WEIGHTS], strict=True):
                found = before[term]
                place = bisect.bisect_left(found.papers, at)
                if found.papers[place : place + 1] != [at] or found.weights[place] != weight:
                    raise _MalformedState
        return before, after

    def _with_days(self, papers: list[int], weights: list[float]) -> _Postings:
        if papers and not 0 <= papers[0] <= papers[-1] < len(self.ids):
            raise _MalformedState
        return _Postings(
            days=list(map(self.days.__getitem__, papers)), papers=papers, weights=weights
        )

    @staticmethod
    def _moved_windows(before: Mapping[int, _Postings], after: Mapping[int, _Postings]) -> set[int]:
        """Papers with a term whose window differs before and after (`_Run._moved_windows`,
        with positions standing for (day, id))."""
        stale: set[int] = set()
        for term, now in after.items():
            old = before[term]
            for day in sorted(set(now.days)):
                end = bisect.bisect_right(now.days, day)
                old_end = bisect.bisect_right(old.days, day)
                start, old_start = max(0, end - WINDOW), max(0, old_end - WINDOW)
                if (
                    now.papers[start:end] != old.papers[old_start:old_end]
                    or now.weights[start:end] != old.weights[old_start:old_end]
                ):
                    stale.update(now.papers[bisect.bisect_left(now.days, day) : end])
        return stale

    def _lists(
        self,
        stale: set[int],
        vectors: Mapping[int, Vector],
        rows: Mapping[str, Any],
        after: Mapping[int, _Postings],
    ) -> dict[int, list[str]]:
        """The new lists of the papers at `stale`, scored over the postings of their terms:
        their `vectors` where new, else from their `rows`."""
        ids = self.ids
        scored: dict[int, Vector] = dict(vectors)
        for at in stale:
            if at not in scored:
                row = rows[ids[at]]
                scored[at] = (row[_VECTOR_TERMS], row[_VECTOR_WEIGHTS])
        terms = {term for at in stale for term in scored[at][0]} - after.keys()
        postings = dict(after)
        for term, (papers, weights) in self.stored.postings_of(terms).items():
            if len(papers) != len(weights):
                raise _MalformedState
            postings[term] = self._with_days(papers, weights)
        scorer = _Scorer(ids, self.days, scored, postings, self.state.limit)
        return {at: scorer.related(at) for at in sorted(stale)}


_MOST_PROBES = 64
"""Terms whose weights move that `update_from_postings` looks up the users of."""
_MOST_WEIGHED_AGAIN = 2000
"""Papers it weighs again; more (a common term's weight moved) are left to the full update."""


def _words(rows: Mapping[str, Any], paper_id: str) -> list[str]:
    terms: str = rows[paper_id][_TERMS]
    return terms.split()


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector. The computation and its stored state are millions
    of small lists and floats, none in a reference cycle: the collector would only walk them
    again and again (a third of the time at 10,000 papers)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


class _Run:
    """One computation of every list, from nothing or from a previous state."""

    def __init__(
        self,
        *,
        order: Sequence[str],
        ids: list[str],
        days: list[int],
        papers: Sequence[Paper | None],
        digests: list[str],
        texts: Mapping[str, str],
        limit: int,
        workers: int,
        counts_of: CountsOf | None = None,
    ) -> None:
        """The papers in (day, id) order, in which postings are built and indexes count:
        their `ids`, `days` (as ordinals), the `papers` themselves (None for one known only
        by its row of the previous state, `update_from_state`) and the `digests` of their
        inputs. `order` is the ids in the order of the lists given back, `texts` the plain
        abstracts of the papers given, by id, and `counts_of` gives the term counts of
        others. Plain lists, not a tuple or dict per paper: the objects a computation makes
        and drops scatter holes in the heap, which the build keeps until it ends (a full
        build's peak at 100,000 papers is later, while rendering)."""
        self.order = order
        self.ids = ids
        self.days = days
        self.ordered = papers
        self.digests = digests
        self.texts = texts
        self.scale = _scale(len(ids))
        self.limit = limit
        self.workers = workers
        self.stems = _Stems()
        self.counts_of = counts_of

    @classmethod
    def of_papers(
        cls, papers: Sequence[Paper], texts: Mapping[str, str], limit: int, workers: int
    ) -> _Run:
        """A computation over `papers`, each given with its text."""
        ordered = sorted(papers, key=lambda paper: (paper.day, paper.id))
        return cls(
            order=[paper.id for paper in papers],
            ids=[paper.id for paper in ordered],
            days=[paper.day.toordinal() for paper in ordered],
            papers=ordered,
            digests=[_digest(paper, texts[paper.id]) for paper in ordered],
            texts=texts,
            limit=limit,
            workers=workers,
        )

    def update(
        self, previous: RelatedState | None
    ) -> tuple[dict[str, tuple[str, ...]], RelatedState]:
        known = previous.papers if previous is not None else {}
        fresh = [
            index
            for index, (paper_id, digest) in enumerate(zip(self.ids, self.digests, strict=True))
            if (row := known.get(paper_id)) is None or row[_DIGEST] != digest
        ]
        gone = set(known).difference(self.ids)
        if previous is not None and not fresh and not gone:
            return self._result([row[_RELATED] for row in known.values()], known), previous
        bags = self._bags(fresh)
        df = self._frequencies(previous, bags, gone)
        vocabulary = _Vocabulary(previous.vocabulary if previous is not None else ())
        vectors, changed = self._vectors(previous, bags, df, vocabulary)
        bag_texts = {index: bag.text for index, bag in bags.items()}
        counts = {self.ids[index]: bag.counts for index, bag in bags.items()}
        del bags
        postings = _postings(vectors, self.days)
        same_order = (
            previous is not None
            and not gone
            and all(
                (row := known.get(self.ids[index])) is not None and row[_DAY] == self.days[index]
                for index in fresh
            )
        )
        if previous is None:
            stale = list(range(len(self.ids)))
            touched: set[int] = set()
        else:
            moved = {self.ids[index] for index in changed} | gone
            touched = self._touched_terms(vectors, known, moved)
            stale = sorted(set(changed).union(self._moved_windows(postings, touched, known, moved)))
        if same_order:
            kept = {term: _kept(postings.get(term)) for term in touched}
        else:
            kept = {term: _kept(found) for term, found in postings.items()}
        scorer = _Scorer(self.ids, self.days, vectors, postings, self.limit)
        fresh_lists = dict(
            zip(
                stale, fork_map(scorer.related, stale, workers=self.workers, chunk=512), strict=True
            )
        )
        rows = {}
        for index, paper_id in enumerate(self.ids):
            row = known.get(paper_id)
            bag_text = bag_texts.get(index)
            lists = fresh_lists.get(index)
            if row is None or bag_text is not None or lists is not None or index in changed:
                terms, weights = vectors[index]
                row = [
                    self.digests[index],
                    self.days[index],
                    bag_text if bag_text is not None else known[paper_id][_TERMS],
                    terms,
                    weights,
                    lists if lists is not None else known[paper_id][_RELATED],
                ]
            rows[paper_id] = row
        state = RelatedState(
            scale=self.scale,
            limit=self.limit,
            df=dict(df),
            vocabulary=vocabulary.terms,
            papers=rows,
            counts=counts,
            postings=kept,
            order=None if same_order else (self.ids, self.days),
        )
        return self._result([row[_RELATED] for row in rows.values()], rows), state

    def _result(
        self, lists: Sequence[list[str]], rows: Mapping[str, Any]
    ) -> dict[str, tuple[str, ...]]:
        by_id = dict(zip(rows, map(tuple, lists), strict=True))
        # A stored list naming a paper there is not is no list: the state is not trusted.
        if not set().union(*by_id.values()) <= by_id.keys():
            raise _MalformedState
        return {paper_id: by_id[paper_id] for paper_id in self.order}

    def _paper(self, index: int) -> Paper:
        paper = self.ordered[index]
        if paper is None:
            raise _NeedsText
        return paper

    def _bags(self, fresh: Sequence[int]) -> dict[int, _Bag]:
        """The bags of the papers new or changed since the previous state."""
        items = [(self._paper(index).title, self.texts[self.ids[index]]) for index in fresh]
        if self.workers > 1 and len(items) >= PARALLEL_MIN_ITEMS:
            packed = fork_map(_Bagger(items), range(len(items)), workers=self.workers, chunk=256)
            return {index: _Bag.unpacked(bag) for index, bag in zip(fresh, packed, strict=True)}
        return {
            index: _Bag.of(_bag(*item, self.stems))
            for index, item in zip(fresh, items, strict=True)
        }

    def _frequencies(
        self, previous: RelatedState | None, bags: Mapping[int, _Bag], gone: set[str]
    ) -> Counter[str]:
        """How many papers use each term: the previous counts, less the terms of papers that
        changed or went, plus the terms of fresh bags."""
        df: Counter[str] = Counter(previous.df if previous is not None else ())
        if previous is not None:
            for paper_id in gone:
                df.subtract(previous.papers[paper_id][_TERMS].split())
            for index in bags:
                if (row := previous.papers.get(self.ids[index])) is not None:
                    df.subtract(row[_TERMS].split())
        for bag in bags.values():
            df.update(bag.terms)
        if any(count < 0 for count in df.values()):
            raise _MalformedState
        return +df  # without the terms no paper uses any more

    def _vectors(
        self,
        previous: RelatedState | None,
        bags: dict[int, _Bag],
        df: Mapping[str, int],
        vocabulary: _Vocabulary,
    ) -> tuple[list[Vector], set[int]]:
        """Every paper's vector, and the indexes of those that differ from the previous state
        (in terms, weights or day). Kept from the state unless the paper is fresh or uses a
        term whose weight changed."""
        idf = {term: _idf(count, self.scale) for term, count in df.items()}
        if previous is None:
            if self.workers > 1 and len(self.ids) >= PARALLEL_MIN_ITEMS:
                packed = fork_map(
                    _Weigher(bags, idf), range(len(self.ids)), workers=self.workers, chunk=512
                )
                return [
                    ([vocabulary[term] for term in terms.split()], array("d", weights).tolist())
                    for terms, weights in packed
                ], set()
            return [_vector(bags[index], idf, vocabulary) for index in range(len(self.ids))], set()
        old_df = previous.df
        probes = [
            f" {term} "
            for term in set(df).union(old_df)
            if _weight_class(df.get(term, 0), self.scale)
            != _weight_class(old_df.get(term, 0), self.scale)
        ]
        if probes:  # else no paper has to be weighed again: no pass over them all
            reweighed = [
                index
                for index, paper_id in enumerate(self.ids)
                if index not in bags
                and any(probe in f" {previous.papers[paper_id][_TERMS]} " for probe in probes)
            ]
            self._bags_again(previous, reweighed, bags)
        vectors: list[Vector] = []
        changed: set[int] = set()
        for index, paper_id in enumerate(self.ids):
            row = previous.papers.get(paper_id)
            bag = bags.get(index)
            if bag is None:
                row = previous.papers[paper_id]
                vector = (row[_VECTOR_TERMS], row[_VECTOR_WEIGHTS])
                if len(vector[0]) != len(vector[1]):
                    raise _MalformedState
                vectors.append(vector)
                continue
            vector = _vector(bag, idf, vocabulary)
            vectors.append(vector)
            if (
                row is None
                or vector[0] != row[_VECTOR_TERMS]
                or vector[1] != row[_VECTOR_WEIGHTS]
                or self.days[index] != row[_DAY]
            ):
                changed.add(index)
        return vectors, changed

    def _bags_again(
        self, previous: RelatedState, indexes: Iterable[int], bags: dict[int, _Bag]
    ) -> None:
        """Add to `bags` those of the papers at `indexes`, unchanged but to be weighed again:
        from their texts where given, else from their stored terms and `counts_of`."""
        untold = []
        for index in indexes:
            paper_id = self.ids[index]
            if paper_id in self.texts:
                title = self._paper(index).title
                bags[index] = _Bag.of(_bag(title, self.texts[paper_id], self.stems))
            else:
                untold.append(index)
        if not untold:
            return
        if self.counts_of is None:
            raise _NeedsText
        counts = self.counts_of([self.ids[index] for index in untold])
        for index in untold:
            terms = previous.papers[self.ids[index]][_TERMS]
            found = counts.get(self.ids[index])
            if found is None or len(found) != len(terms.split()):
                raise _NeedsText
            bags[index] = _Bag(text=terms, counts=found)

    def _touched_terms(
        self, vectors: Sequence[Vector], known: Mapping[str, list[Any]], moved: set[str]
    ) -> set[int]:
        """The terms in the vector of a paper that changed or went, before or after: only
        their postings can differ from the previous computation's."""
        index_of = {paper_id: index for index, paper_id in enumerate(self.ids)}
        terms: set[int] = set()
        for paper_id in moved:
            if (row := known.get(paper_id)) is not None:
                terms.update(row[_VECTOR_TERMS])
            if (index := index_of.get(paper_id)) is not None:
                terms.update(vectors[index][0])
        return terms

    def _moved_windows(
        self,
        postings: Mapping[int, _Postings],
        terms: set[int],
        known: Mapping[str, list[Any]],
        moved: set[str],
    ) -> set[int]:
        """Papers with a term whose window (the papers and weights they compare with) differs
        from the previous computation's; `terms` are those touched (`_touched_terms`)."""
        ids = self.ids
        stale: set[int] = set()
        for term in terms:
            now = postings.get(term)
            if now is None:
                continue
            # The term's previous postings: today's, with the moved papers' entries as they were.
            current = list(zip(now.days, (ids[p] for p in now.papers), now.weights, strict=True))
            before = [entry for entry in current if entry[1] not in moved]
            for paper_id in moved:
                row = known.get(paper_id)
                if row is not None and term in row[_VECTOR_TERMS]:
                    weight = row[_VECTOR_WEIGHTS][row[_VECTOR_TERMS].index(term)]
                    before.append((row[_DAY], paper_id, weight))
            before.sort()
            before_days = [entry[0] for entry in before]
            for day in sorted(set(now.days)):
                end = bisect.bisect_right(now.days, day)
                old_end = bisect.bisect_right(before_days, day)
                if (
                    current[max(0, end - WINDOW) : end]
                    != before[max(0, old_end - WINDOW) : old_end]
                ):
                    stale.update(now.papers[bisect.bisect_left(now.days, day) : end])
        return stale


class _Scorer:
    """Computes one paper's list. Papers come in (day, id) order, so the windows of a day are
    sliced once for all its papers."""

    def __init__(
        self,
        ids: Sequence[str],
        days: Sequence[int],
        vectors: Sequence[Vector] | Mapping[int, Vector],
        postings: Mapping[int, _Postings],
        limit: int,
    ) -> None:
        self._ids = ids
        self._days = days
        self._vectors = vectors
        self._postings = postings
        self._limit = limit
        self._day = -1
        self._windows: dict[int, tuple[list[int], list[float]]] = {}

    def related(self, index: int) -> list[str]:
        day = self._days[index]
        if day != self._day:
            self._day = day
            self._windows = {}
        windows = self._windows
        scores: dict[int, float] = {}
        get = scores.get
        # Products are added in the order of the paper's terms: the same inputs always give the
        # very same floats, which the update relies on.
        for term, weight in zip(*self._vectors[index], strict=True):
            window = windows.get(term)
            if window is None:
                found = self._postings[term]
                start, end = _window(found, day)
                window = windows[term] = (found.papers[start:end], found.weights[start:end])
            for other, other_weight in zip(*window, strict=True):
                scores[other] = get(other, 0.0) + weight * other_weight
        scores.pop(index, None)
        return _best(scores, self._ids, self._limit)
