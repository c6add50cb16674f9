"""The search index: a static, sharded inverted index that the search page queries with no server.

Every paper is a document: its title, authors, topics, keywords, categories, comment and the
plain text of its abstract. Words are folded (Unicode NFKD, marks dropped, lower case) and split
on anything that is not a letter or a digit; `static/search.js` folds a query the same way. The
files, under `search/data/` (`urls.search_bundle()`):

- `meta.json`: the format, how many documents and term files there are, the block size and the
  stopwords, so the script needs no constants of its own;
- `terms/<n>.json`: the postings of every word whose first three characters hash (FNV-1a of
  their UTF-8 bytes) to file `n`. Words that share a start share a file, so a query word is also
  looked up as a prefix with one fetch. A posting list is `[gap, weight, gap, weight, ...]`:
  document numbers as gaps from the previous one, and how strongly the word marks the document
  (a title or author word counts more than an abstract word);
- `docs/<n>.json`: documents `n * BLOCK` onwards, each as `[path, title, authors, date, abstract,
  labels, comment]`: what a result shows, and everything its words came from.

Documents are numbered by day, then id, so a new day's papers take new numbers at the end. An
edit or a new day then changes only the documents' own block and the term files of their words:
`update_index` rewrites just those, reading the old words back from the old block, and gives
the same bytes as `index_files` would (a property test checks this).

A build hands its documents over as `Documents`, made a run at a time (`paper_documents`): each
worker reads the abstracts of its own runs from the build cache, and the parent reads a run's
abstracts again only to write its docs files, so no process holds every abstract at once. The
documents hold no paper, only what they show of it, so the build can let its catalog go first.
An update tells changed documents by digests that, for papers, are made from the key of the
text rather than the text (`Documents.digests`): it reads no abstract of an unchanged paper.

Why not Pagefind (used before): its binary indexes about 1,100 pages a second on one core, holds
about 120 KB of memory per page (1.2 GB at 10,000 papers) and has no incremental mode, so one
edited paper meant indexing every page again.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import groupby
from pathlib import PurePosixPath
from typing import Any

from . import urls
from .cache import CacheCorrupt
from .fingerprint import digest_text
from .models import EnrichedPaper, OutputFile
from .workers import fork_imap, fork_map

__all__ = [
    "BLOCK",
    "FORMAT",
    "Documents",
    "IndexFiles",
    "SearchDoc",
    "bucket_of",
    "fold",
    "index_files",
    "paper_document",
    "paper_documents",
    "patch_index",
    "search_doc",
    "update_index",
    "words",
]

FORMAT = 1
"""Raised when the files change shape; `search.js` refuses an index of another format."""

BLOCK = 32
"""Documents per docs file: small enough that showing 30 results reads little."""

_KEY_LENGTH = 3
_POSTINGS_PER_FILE = 2048
_MAX_FILES = 4096
_MAX_WEIGHT = 99
_PARTIAL_SHARE = 0.05
"""An update touching more documents than this share of them rebuilds the whole index."""

# Field weights: a word in the title or an author's name marks a paper more than a word that
# appears once somewhere in its abstract.
_TITLE, _AUTHOR, _LABEL, _COMMENT = 5, 5, 3, 2

STOPWORDS = tuple(
    sorted(
        """a an and are as at be by for from has have in into is it its of on or that the their
        this to was we were which with""".split()
    )
)
"""Words too common to narrow a search: not indexed, and dropped from queries."""

_STOP = frozenset(STOPWORDS)
_WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """`text` in the form words are compared in: compatibility-decomposed, marks (accents)
    dropped, lower case."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if unicodedata.category(c)[0] != "M").lower()


# ASCII text (most abstracts) is split by str.translate and str.split, both in C and about three
# times faster than the regular expression; for ASCII the two agree (a test checks).
_ASCII_SEPARATORS = str.maketrans({c: " " for c in range(128) if not chr(c).isalnum()})


def words(text: str) -> list[str]:
    """The indexable words of `text`: folded runs of letters and digits, two characters or
    longer, stopwords left out."""
    if text.isascii():
        pieces = text.lower().translate(_ASCII_SEPARATORS).split()
    else:
        pieces = _WORD.findall(fold(text))
    return [w for w in pieces if len(w) > 1 and w not in _STOP]


def bucket_of(word: str, buckets: int) -> int:
    """Which terms file holds `word`: FNV-1a (32 bits) of the UTF-8 of its first three
    characters, modulo `buckets`. `search.js` computes the same."""
    value = 0x811C9DC5
    for byte in word[:_KEY_LENGTH].encode("utf-8"):
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value % buckets


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchDoc:
    """What the index knows of one paper."""

    path: str
    """Its page, relative to the site root."""
    title: str
    authors: tuple[str, ...]
    day: str
    """ISO date it is filed under."""
    text: str
    """The abstract as plain text."""
    labels: tuple[str, ...] = ()
    """Topic names, keywords, categories."""
    comment: str = ""
    order: tuple[str, str] = ("", "")
    """(day, id): documents are numbered in this order."""
    record: list[Any] = field(init=False, compare=False)
    """The document as its docs file holds it."""

    def __post_init__(self) -> None:
        record = [
            self.path,
            self.title,
            list(self.authors),
            self.day,
            self.text,
            list(self.labels),
            self.comment,
        ]
        object.__setattr__(self, "record", record)

    def digest(self) -> str:
        return digest_text(
            self.path,
            self.title,
            "\x1f".join(self.authors),
            self.day,
            self.text,
            "\x1f".join(self.labels),
            self.comment,
        )


def search_doc(
    entry: EnrichedPaper, topic_names: dict[str, str], text: str | None = None
) -> SearchDoc:
    """The search document of one paper; `topic_names` maps topic slugs to names; `text` is
    its abstract as plain text, if known already (else it is read from `entry`)."""
    return _document(_stub(entry, topic_names), entry.abstract_text if text is None else text)


_Stub = tuple[str, str, tuple[str, ...], str, tuple[str, ...], str, tuple[str, str], str]
"""A paper's search document but its text, and the key of its text:
(path, title, authors, day, labels, comment, order, text key)."""


def _document(stub: _Stub, text: str) -> SearchDoc:
    path, title, authors, day, labels, comment, order, _ = stub
    return SearchDoc(
        path=path,
        title=title,
        authors=authors,
        day=day,
        text=text,
        labels=labels,
        comment=comment,
        order=order,
    )


def _stub(entry: EnrichedPaper, topic_names: dict[str, str]) -> _Stub:
    paper = entry.paper
    day = paper.day.isoformat()
    return (
        urls.paper(paper.id).removesuffix(urls.INDEX),
        paper.title,
        paper.authors,
        day,
        (
            *(topic_names.get(slug, slug) for slug in entry.topics),
            *paper.keywords,
            *paper.categories,
        ),
        paper.comment or "",
        (day, paper.id),
        entry.text_key,
    )


class Documents:
    """Documents in index order (sorted by `SearchDoc.order`), made a run at a time: a source
    that reads the abstracts from disk (`paper_documents`) need not hold them all."""

    def __init__(self, ordered: Sequence[SearchDoc]) -> None:
        self._ordered = ordered

    def __len__(self) -> int:
        return len(self._ordered)

    def run(self, start: int, stop: int) -> Sequence[SearchDoc]:
        """Documents numbered `start` up to (not including) `stop`."""
        return self._ordered[start:stop]

    def digests(self, start: int, stop: int) -> list[tuple[str, str]]:
        """(path, digest) of the documents numbered `start` up to `stop`: what the index's state
        keeps of each, so that the next update sees which changed."""
        return [(doc.path, doc.digest()) for doc in self.run(start, stop)]


class _PaperDocuments(Documents):
    """Documents of papers, the plain texts read a run at a time by their keys. Holds none of
    the papers (their fields are copied out up front), so a build can let its catalog go
    before indexing."""

    def __init__(
        self, stubs: Sequence[_Stub], plain_texts: Callable[[Sequence[str]], dict[str, str]]
    ) -> None:
        super().__init__(())
        self._stubs = stubs
        self._plain_texts = plain_texts

    def __len__(self) -> int:
        return len(self._stubs)

    def digests(self, start: int, stop: int) -> list[tuple[str, str]]:
        """From the key of each text, not the text: an update reads no text of a document
        that did not change."""
        return [
            (path, digest_text(path, title, *authors, "", day, key, *labels, "", comment))
            for path, title, authors, day, labels, comment, _, key in self._stubs[start:stop]
        ]

    def run(self, start: int, stop: int) -> Sequence[SearchDoc]:
        stubs = self._stubs[start:stop]
        plain = self._plain_texts([stub[-1] for stub in stubs])
        docs = []
        for stub in stubs:
            text = plain.get(stub[-1])
            if text is None:  # the build stored every text it indexes: its cache is broken
                raise CacheCorrupt(f"the plain text of {stub[0]} is missing")
            docs.append(_document(stub, text))
        return docs


def paper_documents(
    entries: Iterable[EnrichedPaper],
    topic_names: dict[str, str],
    plain_texts: Callable[[Sequence[str]], dict[str, str]],
) -> Documents:
    """The search documents of `entries`, made a run at a time: `plain_texts` gives the plain
    abstracts of a run's text keys (`EnrichedPaper.text_key`), in whichever process asks, and
    must know them all (a build's cache does: it stored them while enriching); `topic_names`
    is as for `search_doc`."""
    stubs = sorted((_stub(entry, topic_names) for entry in entries), key=lambda stub: stub[6])
    return _PaperDocuments(stubs, plain_texts)


def _in_order(docs: Sequence[SearchDoc] | Documents) -> Documents:
    if isinstance(docs, Documents):
        return docs
    return Documents(sorted(docs, key=lambda doc: doc.order))


def _weights(record: Sequence[Any]) -> dict[str, int]:
    """Each word of a docs-file record and how strongly it marks the document."""
    _path, title, authors, _day, text, labels, comment = record
    counts = Counter(words(text))  # abstract words count _ABSTRACT (1) each
    for texts, weight in (
        ([title], _TITLE),
        (authors, _AUTHOR),
        (labels, _LABEL),
        ([comment], _COMMENT),
    ):
        for piece in texts:
            for word in words(piece):
                counts[word] += weight
    return {word: min(count, _MAX_WEIGHT) for word, count in counts.items()}


def _file_count(postings: int) -> int:
    """Term files for `postings` postings: a power of two, about 2,048 postings each."""
    count = 1
    while count < _MAX_FILES and count * _POSTINGS_PER_FILE < postings:
        count *= 2
    return count


def _json(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def _gaps(flat: Sequence[int]) -> list[int]:
    """[number, weight, ...] with each number but the first made a gap from the one before."""
    gaps = list(flat)
    for i in range(len(flat) - 2, 0, -2):
        gaps[i] = flat[i] - flat[i - 2]
    return gaps


def _numbers(gaps: list[int]) -> list[int]:
    flat = gaps[:]
    for i in range(2, len(flat), 2):
        flat[i] += flat[i - 2]
    return flat


def _prefix() -> PurePosixPath:
    return PurePosixPath(urls.search_bundle())


def _meta(documents: int, term_files: int) -> OutputFile:
    meta = {
        "format": FORMAT,
        "documents": documents,
        "termFiles": term_files,
        "block": BLOCK,
        "keyLength": _KEY_LENGTH,
        "stopwords": list(STOPWORDS),
    }
    return OutputFile(_prefix() / "meta.json", _json(meta))


def _block(docs: Sequence[SearchDoc], block: int) -> OutputFile:
    """Docs file `block`, of `docs` (the documents numbered from `block * BLOCK` on)."""
    return OutputFile(_prefix() / f"docs/{block}.json", _json([doc.record for doc in docs]))


def _blocks(ordered: Documents, blocks: Iterable[int]) -> Iterator[OutputFile]:
    """Docs files `blocks` (ascending), reading the documents of the blocks that fall in one
    run at a time."""
    per_run = max(1, _RUN // BLOCK)
    for _, run_blocks in groupby(blocks, key=lambda n: n // per_run):
        group = list(run_blocks)
        start = group[0] * BLOCK
        docs = ordered.run(start, (group[-1] + 1) * BLOCK)
        for n in group:
            yield _block(docs[n * BLOCK - start : (n + 1) * BLOCK - start], n)


def _terms_path(bucket: int) -> PurePosixPath:
    return _prefix() / f"terms/{bucket}.json"


@dataclass(frozen=True, slots=True)
class IndexFiles:
    """The index after a build: the files made anew, the paths of earlier files that stay as
    they are, and the state the next `update_index` starts from."""

    files: Iterable[OutputFile]
    """Made as they are read, once."""
    kept: list[str]
    state: dict[str, Any]


def index_files(docs: Sequence[SearchDoc] | Documents, *, workers: int = 1) -> IndexFiles:
    """Every file of the index over `docs` (any order, or `Documents` in order); none for a
    site with no papers, whose search page then says search is not available. `workers`
    processes read the documents' words, each a run of documents at a time."""
    ordered = _in_order(docs)
    if not len(ordered):
        return IndexFiles((), [], {})
    # Postings as packed arrays: at 100,000 papers there are some 13 million of them.
    postings: dict[str, array[int]] = {}
    listed: list[list[str]] = []
    runs = range(0, len(ordered), _RUN)
    batch = 4 * max(1, workers)  # runs in memory at once, before they are merged
    for first in range(0, len(runs), batch):
        # The runs come back in order, so each word's postings stay in document order.
        for run_postings, run_listed in fork_map(
            partial(_index_run, ordered),
            runs[first : first + batch],
            workers=workers,
            chunk=1,
            min_items=2,
        ):
            listed += run_listed
            for word, pairs in run_postings.items():
                found = postings.get(word)
                if found is None:
                    postings[word] = pairs
                else:
                    found.extend(pairs)
    total = sum(len(flat) for flat in postings.values()) // 2
    buckets = _file_count(total)
    files = _every_file(ordered, postings, buckets, workers=workers)
    return IndexFiles(files, [], _state(listed, buckets, total))


_RUN = 1024
"""Documents a worker indexes at a time: large enough that merging the runs costs little."""


def _index_run(ordered: Documents, start: int) -> tuple[dict[str, array[int]], list[list[str]]]:
    """The postings (document number, weight) and the [path, digest] of the documents
    numbered `start` to `start + _RUN`."""
    postings: dict[str, array[int]] = {}
    docs = ordered.run(start, start + _RUN)
    for number, doc in enumerate(docs, start):
        for word, weight in _weights(doc.record).items():
            found = postings.get(word)
            if found is None:
                postings[word] = array("i", (number, weight))
            else:
                found.append(number)
                found.append(weight)
    return postings, [[path, digest] for path, digest in ordered.digests(start, start + _RUN)]


def _every_file(
    ordered: Documents, postings: dict[str, array[int]], buckets: int, *, workers: int
) -> Iterator[OutputFile]:
    """The files in order, a group at a time, so a big index is never all in memory as JSON.
    Encoding them is most of the step's work, and it waited on one core while the other had
    nothing to do: `workers` processes make the groups (forked, they have the postings), and
    this one writes them as they come. The postings are emptied once every file is made."""
    yield _meta(len(ordered), buckets)
    by_bucket: list[list[str]] = [[] for _ in range(buckets)]
    for word in postings:
        by_bucket[bucket_of(word, buckets)].append(word)
    blocks = -(-len(ordered) // BLOCK)
    per_run = max(1, _RUN // BLOCK)
    # Term files a few dozen at a time, then docs files a run of documents at a time.
    groups = [
        (_TERMS, first, min(first + _TERM_FILES_PER_GROUP, buckets))
        for first in range(0, buckets, _TERM_FILES_PER_GROUP)
    ] + [(_DOCS, first, min(first + per_run, blocks)) for first in range(0, blocks, per_run)]

    def make(group: tuple[str, int, int]) -> list[OutputFile]:
        kind, first, stop = group
        if kind == _DOCS:
            return list(_blocks(ordered, range(first, stop)))
        return [
            OutputFile(_terms_path(n), _json({w: _gaps(postings[w]) for w in by_bucket[n]}))
            for n in range(first, stop)
        ]

    for part in fork_imap(make, groups, workers=workers, chunk=1, min_items=4):
        for made in part:
            yield from made
    postings.clear()


_TERM_FILES_PER_GROUP = 64
"""Term files a worker makes at a time (each about 2,048 postings)."""
_TERMS, _DOCS = "terms", "docs"


def _state(listed: list[list[str]], buckets: int, total: int) -> dict[str, Any]:
    """What the next `update_index` starts from; `listed` is each document's [path, digest]."""
    return {
        "format": FORMAT,
        "digests": _DIGESTS,
        "termFiles": buckets,
        "postings": total,
        "docs": listed,
    }


_DIGESTS = 2
"""What the state's document digests are made from (`Documents.digests`): raise it when that
changes, and an update rebuilds the index instead of taking every document for changed."""


def update_index(
    docs: Sequence[SearchDoc] | Documents,
    state: Any,
    read: Callable[[str], bytes | None],
    *,
    workers: int = 1,
) -> IndexFiles:
    """The index over `docs` (any order, or `Documents` in order), given the `state` of the
    previous index and `read`, which returns the bytes of one of its files (None if it is
    gone). When the documents kept their numbers and few changed, only their block and their
    words' term files are made again; otherwise this is `index_files` (on `workers`
    processes). Either way the files are the same bytes."""
    ordered = _in_order(docs)
    try:
        return _update(ordered, state, read)
    except _Rebuild:
        pass
    state = None  # the old state (a list as long as the documents) is not needed to rebuild
    return index_files(ordered, workers=workers)


def paper_document(
    entry: EnrichedPaper, topic_names: dict[str, str], text: str
) -> tuple[SearchDoc, str]:
    """A paper's search document (as `search_doc` makes it) and the digest an index's state
    keeps of it (as `paper_documents` gives it)."""
    stub = _stub(entry, topic_names)
    digests = _PaperDocuments([stub], lambda keys: {}).digests(0, 1)
    return _document(stub, text), digests[0][1]


def patch_index(
    state: Any, read: Callable[[str], bytes | None], changed: Sequence[tuple[SearchDoc, str]]
) -> IndexFiles | None:
    """The previous index (its `state`, and its files as `read` gives them) with the documents
    `changed`, each with its digest (`paper_document`), in place of those at the same paths:
    the files `update_index` would make for the same documents, without the others'. None
    when that index cannot be updated in place (then only a whole build can tell)."""
    if not (isinstance(state, dict) and isinstance(state.get("docs"), list)):
        return None
    read = functools.cache(read)  # a changed document's block is read for its old words too
    try:
        return _update(_Patched(state["docs"], changed, read), state, read)
    except (_Rebuild, TypeError, ValueError):
        return None


class _Kept:
    """A document of the previous index, as its docs file holds it."""

    __slots__ = ("record",)

    def __init__(self, record: list[Any]) -> None:
        self.record = record


class _Patched(Documents):
    """The previous index's documents with some replaced: the others are read back from the
    docs files, and only those of a block that is asked for."""

    def __init__(
        self,
        listed: list[list[str]],
        changed: Sequence[tuple[SearchDoc, str]],
        read: Callable[[str], bytes | None],
    ) -> None:
        super().__init__(())
        self._listed = listed
        self._changed = {doc.path: (doc, digest) for doc, digest in changed}
        self._read = read
        self._blocks: dict[int, list[Any]] = {}

    def __len__(self) -> int:
        return len(self._listed)

    def digests(self, start: int, stop: int) -> list[tuple[str, str]]:
        found = []
        for path, digest in self._listed[start:stop]:
            new = self._changed.get(path)
            found.append((path, digest if new is None else new[1]))
        return found

    def run(self, start: int, stop: int) -> Sequence[Any]:
        return _LazyRun(self, start, min(stop, len(self._listed)))

    def doc(self, number: int) -> Any:
        path = self._listed[number][0]
        new = self._changed.get(path)
        if new is not None:
            return new[0]
        block = number // BLOCK
        if block not in self._blocks:
            records = _load(self._read, str(_prefix() / f"docs/{block}.json"))
            if not isinstance(records, list):
                raise _Rebuild
            self._blocks[block] = records
        record = self._blocks[block][number % BLOCK]
        if not (isinstance(record, list) and record and record[0] == path):
            raise _Rebuild
        return _Kept(record)


class _LazyRun(Sequence[Any]):
    """Documents `start` to `stop` of a `_Patched`, each made when it is used."""

    def __init__(self, documents: _Patched, start: int, stop: int) -> None:
        self._documents, self._start, self._stop = documents, start, stop

    def __len__(self) -> int:
        return self._stop - self._start

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._documents.doc(self._start + index)


class _Rebuild(Exception):
    """The previous index cannot be updated in place."""


def _update(ordered: Documents, state: Any, read: Callable[[str], bytes | None]) -> IndexFiles:
    if not (
        isinstance(state, dict)
        and state.get("format") == FORMAT
        and state.get("digests") == _DIGESTS
        and len(ordered)
    ):
        raise _Rebuild
    before = state["docs"]
    count = len(ordered)
    if count < len(before):
        raise _Rebuild
    most = max(1, _PARTIAL_SHARE * count)
    added = list(range(len(before), count))
    if len(added) > most:
        raise _Rebuild
    changed: list[int] = []
    listed: list[list[str]] = []
    new_words: dict[int, dict[str, int]] = {}
    # Digests a run at a time; only the runs with a changed or added document are read.
    for start in range(0, count, _RUN):
        fresh = []
        for number, (path, digest) in enumerate(ordered.digests(start, start + _RUN), start):
            listed.append([path, digest])
            if number < len(before):
                old_path, old_digest = before[number]
                if path != old_path:
                    raise _Rebuild  # a document moved: numbers shift
                if digest == old_digest:
                    continue
                changed.append(number)
                if len(changed) + len(added) > most:
                    raise _Rebuild
            fresh.append(number)
        if fresh:
            docs = ordered.run(start, start + _RUN)
            for number in fresh:
                new_words[number] = _weights(docs[number - start].record)
    new_words = {number: new_words[number] for number in changed + added}
    old_words = _old_weights(changed, read)
    total = int(state["postings"])
    total += sum(len(w) for w in new_words.values()) - sum(len(w) for w in old_words.values())
    buckets = int(state["termFiles"])
    if _file_count(total) != buckets:
        raise _Rebuild
    # Only words whose weight in some document changed need their postings made again.
    touched: dict[int, set[str]] = {}
    for number, weights in new_words.items():
        old = old_words.get(number, {})
        for word in {*weights, *old}:
            if weights.get(word) != old.get(word):
                touched.setdefault(bucket_of(word, buckets), set()).add(word)
    renumbered = set(changed)
    files = [_meta(count, buckets)]
    for bucket, bucket_words in sorted(touched.items()):
        files.append(_patched(bucket, bucket_words, renumbered, new_words, read))
    files += _blocks(ordered, sorted({number // BLOCK for number in changed + added}))
    written = {str(f.path) for f in files}
    kept = [str(_terms_path(n)) for n in range(buckets)]
    kept += [str(_prefix() / f"docs/{n}.json") for n in range(-(-count // BLOCK))]
    return IndexFiles(files, [p for p in kept if p not in written], _state(listed, buckets, total))


def _old_weights(
    changed: list[int], read: Callable[[str], bytes | None]
) -> dict[int, dict[str, int]]:
    """The words the changed documents had, read back from their old blocks."""
    found: dict[int, dict[str, int]] = {}
    blocks: dict[int, list[Any]] = {}
    for number in changed:
        block = number // BLOCK
        if block not in blocks:
            blocks[block] = _load(read, str(_prefix() / f"docs/{block}.json"))
        try:
            found[number] = _weights(blocks[block][number % BLOCK])
        except (IndexError, TypeError, ValueError) as exc:
            raise _Rebuild from exc
    return found


def _load(read: Callable[[str], bytes | None], path: str) -> Any:
    data = read(path)
    if data is None:
        raise _Rebuild
    try:
        return json.loads(data)
    except ValueError as exc:
        raise _Rebuild from exc


def _patched(
    bucket: int,
    bucket_words: set[str],
    renumbered: set[int],
    new_words: dict[int, dict[str, int]],
    read: Callable[[str], bytes | None],
) -> OutputFile:
    """Term file `bucket` with the postings of `bucket_words` made again: the documents in
    `renumbered` dropped, then every document of `new_words` added where it has the word."""
    path = _terms_path(bucket)
    terms = _load(read, str(path))
    if not isinstance(terms, dict):
        raise _Rebuild
    for word in bucket_words:
        try:
            flat = _numbers(terms.get(word, []))
            pairs = [
                (flat[i], flat[i + 1]) for i in range(0, len(flat), 2) if flat[i] not in renumbered
            ]
        except (TypeError, IndexError) as exc:
            raise _Rebuild from exc
        pairs += [(n, weights[word]) for n, weights in new_words.items() if word in weights]
        pairs.sort()
        if pairs:
            terms[word] = _gaps([value for pair in pairs for value in pair])
        else:
            terms.pop(word, None)
    return OutputFile(path, _json(terms))
