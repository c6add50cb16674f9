"""The build cache: `.cache/build.sqlite` in the site folder.

It remembers, between builds:

- parsed papers, keyed by the hash of the file's bytes and the parser's version, with the
  file's size and modification time when it was read (a file whose size and time are the same,
  and were not too recent to tell apart from a later write, is not read again);
- what each paper's Markdown renders to (HTML, plain text), keyed by the hash of the Markdown,
  read a row at a time where a page shows it (forked render workers open the file themselves);
- related-paper lists with the state of their computation: a row per paper (only changed rows
  are rewritten), with its term counts read only when asked for, and the collection-wide part
  as a named result;
- for each output file, the digest of what it was made from and the hash, size and modification
  time of what was written, so an unchanged page is neither rendered nor written again;
- beside those, one row of "stamps": the output paths and a single digest of their sizes and
  modification times, so the no-op check reads one row instead of a record per file.

Everything is JSON in SQLite: no pickle, nothing executable. The file carries a format version;
a cache of another version, or one SQLite cannot read, or holding a row that does not decode, is
thrown away and rebuilt, never trusted. A cache hit is only ever an optimisation: the build with
and without it writes the same bytes.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import sys
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .fingerprint import digest_bytes
from .version import __version__

__all__ = [
    "CACHE_DIR",
    "CACHE_FORMAT",
    "BuildCache",
    "CacheCorrupt",
    "CachedPaper",
    "OutputRecord",
    "OutputStamps",
    "stamps_digest",
]

CACHE_DIR = ".cache"
CACHE_FORMAT = 7
"""Raise when the layout or meaning of any table changes (6 held SHA-256 digests, 7 BLAKE2b
again)."""
_FILE = "build.sqlite"
_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE papers (
    path TEXT PRIMARY KEY, digest TEXT NOT NULL, stamp TEXT NOT NULL, data TEXT NOT NULL,
    abstract TEXT NOT NULL, notes TEXT NOT NULL
);
-- Every build that finds changed inputs reads every paper's stamp: from this index it reads
-- 1 MB instead of the whole table (4 ms instead of 20 at 10,000 papers).
CREATE INDEX paper_stamps ON papers (path, stamp);
CREATE TABLE texts (
    digest TEXT PRIMARY KEY, plain TEXT NOT NULL, abstract_html TEXT NOT NULL,
    notes_html TEXT NOT NULL
);
CREATE TABLE blobs (name TEXT PRIMARY KEY, digest TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE related (
    id TEXT PRIMARY KEY, digest TEXT NOT NULL, day INTEGER NOT NULL, terms TEXT NOT NULL,
    vector BLOB NOT NULL, weights BLOB NOT NULL, related TEXT NOT NULL, counts BLOB
);
-- The related computation's postings (`related.RelatedState.postings`): an edit reads those of
-- the terms it touches instead of every related row.
CREATE TABLE postings (term INTEGER PRIMARY KEY, papers BLOB NOT NULL, weights BLOB NOT NULL);
CREATE TABLE outputs (
    path TEXT PRIMARY KEY, source TEXT NOT NULL, hash TEXT NOT NULL,
    size INTEGER NOT NULL, mtime INTEGER NOT NULL
);
"""


_TABLES = frozenset({"meta", "papers", "texts", "blobs", "outputs", "related", "postings"})


class CacheCorrupt(Exception):
    """A row of the cache does not decode: the whole cache is discarded."""


@dataclass(frozen=True, slots=True)
class OutputRecord:
    """What the cache knows about one output file."""

    source: str
    """Digest of everything the file was made from."""
    hash: str
    """Digest of the bytes written."""
    size: int
    mtime: int
    """The file's modification time in nanoseconds, as written."""


@dataclass(frozen=True, slots=True)
class OutputStamps:
    """The output files of the last build, summed up for the no-op check."""

    paths: list[str]
    """Every output file, relative to the output folder, in the order `digest` covers them."""
    digest: str
    """`stamps_digest` of each file's size and modification time, in the order of `paths`."""
    bytes: int
    """Their total size."""


def stamps_digest(values: Iterable[int]) -> str:
    """The digest of a sequence of sizes and modification times (size, mtime, size, mtime...).

    Hashing one packed array is far cheaper than comparing a Python object per file."""
    return digest_bytes(array("q", values).tobytes())


_STAMPS = "output_stamps"
"""The blobs row holding `OutputStamps`: written with the outputs table, in one transaction."""

_PLAIN_TEXTS = (
    "SELECT digest, plain FROM texts WHERE typeof(plain)='text'"
    " AND typeof(abstract_html)='text' AND typeof(notes_html)='text'"
)
"""Each text's digest and plain text, from rows that hold three texts (the HTML is checked by
SQLite, not read)."""
_PAPER_ROWS = "SELECT path, digest, stamp, data, abstract, notes FROM papers"
_OUTPUT_ROWS = "SELECT path, source, hash, size, mtime FROM outputs"
_KEYS_PER_QUERY = 500
"""Keys looked up by one query: fewer than SQLite's smallest limit on parameters (999)."""


def _output_record(row: Sequence[Any]) -> tuple[str, OutputRecord]:
    return row[0], OutputRecord(str(row[1]), str(row[2]), int(row[3]), int(row[4]))


def _by_keys(db: sqlite3.Connection, query: str, keys: Iterable[str | int]) -> Iterator[Any]:
    """The rows of `query`, which ends with the key column of a condition, whose key is one of
    `keys`: looked up `_KEYS_PER_QUERY` keys at a time."""
    wanted = list(dict.fromkeys(keys))
    for first in range(0, len(wanted), _KEYS_PER_QUERY):
        some = wanted[first : first + _KEYS_PER_QUERY]
        yield from db.execute(f"{query} IN ({','.join('?' * len(some))})", some)


@dataclass(frozen=True, slots=True)
class CachedPaper:
    """One paper file as the cache knows it."""

    digest: str
    """Digest of the file's bytes, the parser's version and the topics it was checked against."""
    stamp: str
    """The file's size and modification time when it was read, with the parser's version and
    topics; empty when they cannot vouch for the bytes (the file was too new)."""
    data: str
    """The parsed paper but its abstract and notes, as JSON (`load.py` reads and writes it)."""
    abstract: str
    notes: str


class BuildCache:
    """The cache of one site. `BuildCache.disabled()` is a cache that knows nothing and keeps
    nothing, for `build --clean` before its results are stored."""

    def __init__(
        self,
        connection: sqlite3.Connection | None,
        *,
        reset_reason: str = "",
        path: Path | None = None,
    ) -> None:
        self._db = connection
        self.reset_reason = reset_reason
        """Why an existing cache was thrown away, or empty."""
        self._path = path
        self._pid = os.getpid()
        """The process `_db` belongs to: a forked one reads through `_readers` instead."""
        self._readers: dict[int, sqlite3.Connection | None] = {}
        self._in_transaction = False

    @classmethod
    def disabled(cls) -> BuildCache:
        return cls(None)

    @classmethod
    def open(cls, root: Path, *, fresh: bool = False) -> BuildCache:
        """Open (or create) the cache of the site at `root`; `fresh` starts it empty."""
        folder = root / CACHE_DIR
        path = folder / _FILE
        reason = "" if not fresh else "--clean"
        if not fresh and path.exists():
            try:
                connection = sqlite3.connect(path, isolation_level=None)
                connection.execute("PRAGMA journal_mode=WAL")
                row = connection.execute("SELECT value FROM meta WHERE key='format'").fetchone()
                tables = {
                    name
                    for (name,) in connection.execute(
                        "SELECT name FROM sqlite_master WHERE type='table'"
                    )
                }
                if row is not None and row[0] == _format_tag() and tables >= _TABLES:
                    return cls(connection, path=path)
                reason = (
                    "it was written by another version"
                    if row is None or row[0] != _format_tag()
                    else "tables are missing"
                )
                connection.close()
            except sqlite3.DatabaseError as exc:
                reason = f"it could not be read ({exc})"
        folder.mkdir(parents=True, exist_ok=True)
        _discard(path)
        connection = sqlite3.connect(path, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.executescript(_SCHEMA)
        connection.execute("INSERT INTO meta VALUES ('format', ?)", (_format_tag(),))
        _ignore_file(folder)
        return cls(connection, reset_reason=reason, path=path)

    def close(self) -> None:
        if self._db is not None and os.getpid() == self._pid:
            self._db.close()
        self._db = None

    # Papers: path → what the file held when it was last read.

    def papers(self) -> dict[str, CachedPaper]:
        """Every cached paper, by path, in one query."""
        if self._db is None:
            return {}
        try:
            return {row[0]: CachedPaper(*row[1:]) for row in self._db.execute(_PAPER_ROWS)}
        except TypeError as exc:
            raise CacheCorrupt(str(exc)) from None

    def paper_stamps(self) -> dict[str, str]:
        """Each cached paper's stamp, by path: what tells a file changed, without its row."""
        if self._db is None:
            return {}
        return dict(self._db.execute("SELECT path, stamp FROM papers"))

    def papers_at(self, paths: Iterable[str]) -> dict[str, CachedPaper]:
        """The cached papers at `paths` (those the cache has), looked up by key."""
        found: dict[str, CachedPaper] = {}
        if self._db is None:
            return found
        try:
            for row in _by_keys(self._db, f"{_PAPER_ROWS} WHERE path", paths):
                found[row[0]] = CachedPaper(*row[1:])
        except TypeError as exc:
            raise CacheCorrupt(str(exc)) from None
        return found

    def update_papers(self, rows: dict[str, CachedPaper], *, removed: Iterable[str]) -> None:
        """Add or replace `rows` (by path) and drop the papers at `removed`."""
        if self._db is None:
            return
        gone = [(path,) for path in removed]
        if not rows and not gone:
            return
        with self._transaction():
            self._db.executemany("DELETE FROM papers WHERE path=?", gone)
            self._db.executemany(
                "INSERT OR REPLACE INTO papers VALUES (?, ?, ?, ?, ?, ?)",
                (
                    (path, row.digest, row.stamp, row.data, row.abstract, row.notes)
                    for path, row in rows.items()
                ),
            )

    # Rendered Markdown texts: digest of the source → (plain text, abstract HTML, notes HTML).

    def text_digests(self) -> set[str]:
        """The digest of every cached text (the table holds only texts of current papers)."""
        if self._db is None:
            return set()
        return {row[0] for row in self._db.execute("SELECT digest FROM texts")}

    def plain_texts(self, wanted: Iterable[str]) -> dict[str, str]:
        """The plain text of each of the digests `wanted` whose row holds three texts; the HTML
        is checked by SQLite, not read."""
        if self._db is None:
            return {}
        keys = set(wanted)
        return {digest: plain for digest, plain in self._db.execute(_PLAIN_TEXTS) if digest in keys}

    def plain_texts_of(self, digests: Sequence[str]) -> dict[str, str]:
        """`plain_texts` of just `digests`, looked up by key (so cheap for a few hundred). Safe
        in a process forked from the one that opened the cache, like `text`; there, a cache
        that cannot be read gives nothing (the caller renders the texts itself)."""
        forked = os.getpid() != self._pid
        db = self._reader() if forked else self._db
        if db is None or not digests:
            return {}
        found: dict[str, str] = {}
        try:
            found.update(_by_keys(db, f"{_PLAIN_TEXTS} AND digest", digests))
        except sqlite3.Error:
            if not forked:
                raise
            return {}
        return found

    def text(self, digest: str) -> tuple[Any, ...] | None:
        """The row (plain text, abstract HTML, notes HTML) of one text, as stored (the caller
        checks the types), or None. Safe in a process forked from the one that opened the
        cache: that one reads through a connection of its own, opened on first use."""
        db = self._db if os.getpid() == self._pid else self._reader()
        if db is None:
            return None
        try:
            row = db.execute(
                "SELECT plain, abstract_html, notes_html FROM texts WHERE digest=?", (digest,)
            ).fetchone()
        except sqlite3.Error:  # unreadable: the caller renders the text itself
            return None
        return None if row is None else tuple(row)

    def _reader(self) -> sqlite3.Connection | None:
        """This (forked) process's read-only connection, or None if the file cannot be opened.

        The parent's connection is never used nor closed here: SQLite connections must not
        cross a fork. A worker's connection lives as long as the worker."""
        pid = os.getpid()
        if pid not in self._readers:
            connection = None
            if self._db is not None and self._path is not None:
                with contextlib.suppress(sqlite3.Error):
                    connection = sqlite3.connect(
                        self._path.resolve().as_uri() + "?mode=ro", uri=True
                    )
            self._readers[pid] = connection
        return self._readers[pid]

    def update_texts(
        self, rows: dict[str, tuple[str, str, str]], *, removed: Iterable[str]
    ) -> None:
        """Add `rows` and drop the texts at `removed` (texts no paper uses any more)."""
        if self._db is None:
            return
        gone = [(digest,) for digest in removed]
        if not rows and not gone:
            return
        with self._transaction():
            self._db.executemany("DELETE FROM texts WHERE digest=?", gone)
            self._db.executemany(
                "INSERT OR REPLACE INTO texts VALUES (?, ?, ?, ?)",
                ((digest, *row) for digest, row in rows.items()),
            )

    # Named results (related papers, search index inputs): name → (digest, JSON).

    def blob(self, name: str, digest: str) -> Any | None:
        if self._db is None:
            return None
        row = self._db.execute("SELECT digest, data FROM blobs WHERE name=?", (name,)).fetchone()
        if row is None or row[0] != digest:
            return None
        return _decode(row[1])

    def blob_digest(self, name: str) -> str | None:
        if self._db is None:
            return None
        row = self._db.execute("SELECT digest FROM blobs WHERE name=?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def drop_blob(self, name: str) -> None:
        if self._db is not None:
            self._db.execute("DELETE FROM blobs WHERE name=?", (name,))

    def store_blob(self, name: str, digest: str, data: Any) -> None:
        if self._db is None:
            return
        self._db.execute(
            "INSERT OR REPLACE INTO blobs VALUES (?, ?, ?)", (name, digest, _encode(data))
        )

    # Related papers: paper id → what the computation keeps of it, and the rest of the state
    # as the named result "related", written together. A row is [digest, day, terms, vector
    # terms, vector weights, related ids]; the vector is stored as packed numbers, which read
    # back ten times faster than JSON (every paper's is read when a list may move).

    def related_rows(self) -> dict[str, Any]:
        if self._db is None:
            return {}
        if sys.byteorder != "little":
            return dict(map(_related_row, self._db.execute(_RELATED_ROWS)))
        # `_related_row` inline, read from views of the packed numbers: every paper's row is
        # read when a related list may move (0.96 -> 0.5 s at 100,000 papers).
        rows: dict[str, Any] = {}
        try:
            for paper_id, digest, day, terms, vector, weights, related in self._db.execute(
                _RELATED_ROWS
            ):
                rows[paper_id] = [
                    digest,
                    day,
                    terms,
                    memoryview(vector).cast("I").tolist(),
                    memoryview(weights).cast("d").tolist(),
                    related.split(_IDS_APART) if related else [],
                ]
        except (TypeError, ValueError, AttributeError) as exc:
            raise CacheCorrupt(f"related: {exc}") from None
        return rows

    def related_rows_of(self, ids: Iterable[str]) -> dict[str, Any]:
        """`related_rows` of just `ids` (those the cache has), looked up by key."""
        if self._db is None:
            return {}
        return dict(map(_related_row, _by_keys(self._db, f"{_RELATED_ROWS} WHERE id", ids)))

    def related_counts_of(self, ids: Iterable[str]) -> dict[str, list[int]]:
        """The term counts (`related.RelatedState.counts`) kept of `ids`, by paper id."""
        if self._db is None:
            return {}
        query = "SELECT id, counts FROM related WHERE counts IS NOT NULL AND id"
        return {
            paper_id: _unpacked("I", counts) for paper_id, counts in _by_keys(self._db, query, ids)
        }

    def related_order(self, digest: str) -> tuple[list[str], list[int]] | None:
        """The paper order stored with the postings under `digest` (`store_related`)."""
        found = self.blob(_ORDER, digest)
        if not (isinstance(found, list) and len(found) == 2):
            return None
        ids, days = found
        if not (isinstance(ids, list) and isinstance(days, list)):
            return None
        return ids, days

    def related_users_of(self, terms: Sequence[str]) -> list[str]:
        """The ids of the related rows whose distinct terms hold one of `terms`."""
        if self._db is None or not terms:
            return []
        holds = " OR ".join(["instr(' ' || terms || ' ', ?) > 0"] * len(terms))
        query = f"SELECT id FROM related WHERE {holds}"
        return [row[0] for row in self._db.execute(query, [f" {term} " for term in terms])]

    def related_postings_of(self, terms: Iterable[int]) -> dict[int, tuple[list[int], list[float]]]:
        """The stored postings of `terms` (those stored), by term number."""
        if self._db is None:
            return {}
        query = "SELECT term, papers, weights FROM postings WHERE term"
        return {
            term: (_unpacked("I", papers), _unpacked("d", weights))
            for term, papers, weights in _by_keys(self._db, query, terms)
        }

    def store_related(
        self,
        digest: str,
        header: Any,
        rows: dict[str, Any],
        *,
        counts: Mapping[str, Sequence[int]],
        postings: Mapping[int, tuple[Sequence[int], Sequence[float]]] | None = None,
        order: tuple[list[str], list[int]] | None = None,
        drop: Iterable[str] = (),
        replace: bool = False,
    ) -> None:
        """Store `header` as the result "related" under `digest` and the `rows` by paper id
        with their term `counts`, and delete the rows of `drop` (or, with `replace`, every
        other row), in one transaction. A stored row given no counts keeps its counts if its
        terms are the same, else has none. The `postings` by term replace those stored (an
        empty one deletes the term's); with an `order`, they replace all of them, and the
        order is stored with them."""
        if self._db is None:
            return
        with self._transaction():
            if replace:
                self._db.execute("DELETE FROM related")
            if replace or order is not None:
                self._db.execute("DELETE FROM postings")
                self.drop_blob(_ORDER)
            self._db.executemany("DELETE FROM related WHERE id=?", ((i,) for i in drop))
            self._db.executemany(
                _STORE_RELATED_ROW,
                (_related_values(key, row, counts.get(key)) for key, row in rows.items()),
            )
            postings = postings or {}
            self._db.executemany(
                "DELETE FROM postings WHERE term=?",
                ((term,) for term, (papers, _) in postings.items() if not papers),
            )
            # Packed one term at a time: at 100,000 papers they are 36 MB in all.
            self._db.executemany(
                "INSERT OR REPLACE INTO postings VALUES (?, ?, ?)",
                (
                    (term, _packed("I", papers), _packed("d", weights))
                    for term, (papers, weights) in postings.items()
                    if papers
                ),
            )
            if order is not None:
                self.store_blob(_ORDER, digest, list(order))
            self._db.execute(
                "INSERT OR REPLACE INTO blobs VALUES ('related', ?, ?)", (digest, _encode(header))
            )

    # Output files.

    def outputs(self) -> dict[str, OutputRecord]:
        if self._db is None:
            return {}
        try:
            return dict(map(_output_record, self._db.execute(_OUTPUT_ROWS)))
        except (TypeError, ValueError) as exc:
            raise CacheCorrupt(str(exc)) from None

    def output_stamps(self) -> OutputStamps | None:
        """What `store_outputs` last stored, summed up; None if there is nothing."""
        if self._db is None:
            return None
        row = self._db.execute("SELECT digest, data FROM blobs WHERE name=?", (_STAMPS,)).fetchone()
        if row is None:
            return None
        data = _decode(row[1])
        try:
            paths, size = data["paths"], data["bytes"]
        except (TypeError, KeyError) as exc:
            raise CacheCorrupt(f"{_STAMPS}: {exc}") from None
        if not (isinstance(paths, list) and isinstance(size, int) and isinstance(row[0], str)):
            raise CacheCorrupt(f"{_STAMPS}: not a list of paths and a size")
        return OutputStamps(paths=paths, digest=row[0], bytes=size)

    def store_outputs(self, records: dict[str, OutputRecord]) -> None:
        if self._db is None:
            return
        stamps = stamps_digest(
            value for record in records.values() for value in (record.size, record.mtime)
        )
        summary = {"paths": list(records), "bytes": sum(r.size for r in records.values())}
        with self._transaction():
            self._db.execute("DELETE FROM outputs")
            self._db.executemany(
                "INSERT INTO outputs VALUES (?, ?, ?, ?, ?)",
                (
                    (path, record.source, record.hash, record.size, record.mtime)
                    for path, record in records.items()
                ),
            )
            self.store_blob(_STAMPS, stamps, summary)

    def outputs_at(self, paths: Iterable[str]) -> dict[str, OutputRecord]:
        """The records of `paths` (those the cache has), looked up by key."""
        found: dict[str, OutputRecord] = {}
        if self._db is None:
            return found
        try:
            found.update(
                map(_output_record, _by_keys(self._db, f"{_OUTPUT_ROWS} WHERE path", paths))
            )
        except (TypeError, ValueError) as exc:
            raise CacheCorrupt(str(exc)) from None
        return found

    def update_outputs(self, changed: dict[str, OutputRecord], stamps: OutputStamps) -> None:
        """Store the records `changed` (new, or replacing those stored) and `stamps`, the
        summary of every output with them: a build that changed a few files need not store
        every record again."""
        if self._db is None:
            return
        summary = {"paths": stamps.paths, "bytes": stamps.bytes}
        with self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO outputs VALUES (?, ?, ?, ?, ?)",
                (
                    (path, record.source, record.hash, record.size, record.mtime)
                    for path, record in changed.items()
                ),
            )
            self.store_blob(_STAMPS, stamps.digest, summary)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything stored inside, stored together or not at all (nested calls join it)."""
        if self._db is None:
            yield
            return
        with self._transaction():
            yield

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        assert self._db is not None
        if self._in_transaction:
            yield
            return
        self._db.execute("BEGIN")
        self._in_transaction = True
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        finally:
            self._in_transaction = False
        self._db.execute("COMMIT")


_RELATED_ROWS = "SELECT id, digest, day, terms, vector, weights, related FROM related"
_STORE_RELATED_ROW = """
INSERT INTO related VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET
    digest = excluded.digest, day = excluded.day, vector = excluded.vector,
    weights = excluded.weights, related = excluded.related,
    counts = CASE WHEN excluded.counts IS NOT NULL THEN excluded.counts
                  WHEN excluded.terms = related.terms THEN related.counts END,
    terms = excluded.terms
"""
_ORDER = "related_order"
_IDS_APART = "\x1f"
"""Between a row's related ids: no id holds a control character (`load.py` refuses them)."""


def _packed(kind: str, values: Sequence[Any]) -> bytes:
    numbers = array(kind, values)
    if sys.byteorder != "little":
        numbers.byteswap()
    return numbers.tobytes()


def _unpacked(kind: str, data: Any) -> list[Any]:
    if not isinstance(data, bytes):
        raise CacheCorrupt(f"related: {type(data).__name__} where numbers were stored")
    try:
        if sys.byteorder == "little":  # a view of the bytes: no copy, one call (every row)
            view: Any = memoryview(data)
            found: list[Any] = view.cast(kind).tolist()
            return found
        numbers = array(kind)
        numbers.frombytes(data)
    except (TypeError, ValueError) as exc:
        raise CacheCorrupt(f"related: {exc}") from None
    numbers.byteswap()
    return numbers.tolist()


def _related_values(
    paper_id: str, row: Sequence[Any], counts: Sequence[int] | None
) -> tuple[Any, ...]:
    digest, day, terms, vector, weights, related = row
    return (
        paper_id,
        digest,
        day,
        terms,
        _packed("I", vector),
        _packed("d", weights),
        _IDS_APART.join(related),
        None if counts is None else _packed("I", counts),
    )


def _related_row(row: Sequence[Any]) -> tuple[str, list[Any]]:
    paper_id, digest, day, terms, vector, weights, related = row
    if not isinstance(related, str):
        raise CacheCorrupt(f"related: {type(related).__name__} where ids were stored")
    ids = related.split(_IDS_APART) if related else []
    return paper_id, [digest, day, terms, _unpacked("I", vector), _unpacked("d", weights), ids]


def _format_tag() -> str:
    """The cache's format and every version whose change could change an output."""
    versions = [f"site-builder={__version__}"]
    found = _installed_versions()
    for name in _RENDERING_PACKAGES:
        version = found.get(_normal_name(name)) or _metadata_version(name)
        versions.append(f"{name}={version}")
    return f"{CACHE_FORMAT}/" + ",".join(versions)


def _installed_versions() -> dict[str, str]:
    """Normalised name → version of the packages installed as `NAME-VERSION.dist-info` folders
    on sys.path, the first found winning as for imports. Reading folder names costs far less
    than importing importlib.metadata, which every build (even one with nothing to do) would
    pay; a package installed any other way is looked up with it (`_metadata_version`)."""
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")  # noqa: PTH208 - names only, as cheaply as can be
        except OSError:  # a zip file, a folder that is gone
            continue
        for folder in names:
            if folder.endswith(".dist-info"):
                name, _, version = folder.removesuffix(".dist-info").partition("-")
                found.setdefault(_normal_name(name), version)
    return found


def _normal_name(name: str) -> str:
    """The form of a package name that compares equal however it is spelt (PEP 503)."""
    return re.sub(r"[-_.]+", "_", name).lower()


def _metadata_version(name: str) -> str:
    from importlib import metadata  # noqa: PLC0415 - see _installed_versions

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "none"


_RENDERING_PACKAGES = (
    "jinja2",
    "markdown-it-py",
    "mdit-py-plugins",
    "linkify-it-py",
    "latex2mathml",
    "pyyaml",
    "feedgen",
)


def _encode(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _decode(text: Any) -> Any:
    try:
        return json.loads(text)
    except (TypeError, ValueError) as exc:
        raise CacheCorrupt(str(exc)) from None


def _discard(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)


def _ignore_file(folder: Path) -> None:
    """Keep the cache out of version control even where .gitignore does not mention it."""
    marker = folder / ".gitignore"
    if not marker.exists():
        marker.write_text("*\n", encoding="utf-8")
