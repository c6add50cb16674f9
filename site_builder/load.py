"""content/papers/**/*.md → validated `Paper`s, or errors naming the file, line and field."""

from __future__ import annotations

import dataclasses
import json
import operator
import os
import re
import sys
import time
import typing
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from . import urls
from .cache import BuildCache, CacheCorrupt, CachedPaper
from .errors import ContentError, SiteError, raise_collected
from .fingerprint import Fingerprinter, digest_bytes, digest_text
from .frontmatter import CONTROL_CHARACTERS, Document, parse_document
from .models import LINK_KINDS, Link, Paper
from .workers import fork_map

__all__ = [
    "PARSER_VERSION",
    "load_paper",
    "load_papers",
    "paper_files",
    "paper_from_row",
    "paper_to_row",
    "validate_document",
]

PARSER_VERSION = "2"
"""Part of every cached paper's key: raise it when parsing or validation changes."""

# Letters or digits first, then anything but spaces and control characters (DOIs hold <>;[]).
_ID_RE = re.compile(r"^[A-Za-z0-9][^\s\x00-\x1f\x7f]*$")
_SAFE_SCHEMES = {"http", "https"}


def paper_files(papers_dir: Path) -> list[Path]:
    """Every paper file, in a stable order."""
    if not papers_dir.is_dir():
        return []
    return sorted(papers_dir.rglob("*.md"))


def load_papers(
    papers_dir: Path,
    *,
    topics: Collection[str],
    cache: BuildCache | None = None,
    fingerprinter: Fingerprinter | None = None,
    workers: int = 1,
) -> tuple[Paper, ...]:
    """Load every paper; all problems across all files are reported together, in path order.

    `topics` are the known topic slugs that a paper may pin. With a `cache`, a file whose bytes
    (and the parser, and the topics) are unchanged since the last build is not parsed again, and
    one whose size and modification time are unchanged is not even read; `fingerprinter` is
    then told each paper's digest, made from its file's (so page digests need not walk papers).
    The files that must be read are read and parsed by up to `workers` processes.

    The digest vouched for leaves out the abstract and notes (`Fingerprinter.vouch`): it is
    made from the cache row's other fields, which are what lists of papers show.
    """
    loaded, listings = _load(papers_dir, topics, cache or BuildCache.disabled(), workers)
    if cache is not None and fingerprinter is not None:
        for paper, listing in zip(loaded, listings, strict=True):
            fingerprinter.vouch(paper, _vouched(listing, paper))
    return loaded


def vouch(fingerprinter: Fingerprinter, paper: Paper, row: CachedPaper) -> None:
    """Tell `fingerprinter` the digest of `paper`, read from cache row `row`, as
    `load_papers` does."""
    fingerprinter.vouch(paper, _vouched(digest_text(row.data), paper))


def _vouched(listing: str, paper: Paper) -> str:
    """The digest vouched for `paper`, from `listing`, the digest of its row's JSON."""
    return digest_text("Paper", listing, str(paper.path))


def changed_files(
    files: Sequence[tuple[str, int, int]], topics: Collection[str], stamps: Mapping[str, str]
) -> list[tuple[Path, str]] | None:
    """Of the paper `files` (path, size and modification time of each), those whose stamp
    differs from theirs in `stamps` (`CachedPaper.stamp`, by path), each with its stamp now;
    None when a file was added or removed since."""
    stamp_of = _stamper(topics)
    if len(files) != len(stamps):
        return None
    changed = []
    for path, size, mtime in files:
        known = stamps.get(path)
        if known is None:
            return None
        stamp = stamp_of(size, mtime)
        if not stamp or stamp != known:
            changed.append((Path(path), stamp))
    return changed


def reread(
    path: Path, stamp: str, row: CachedPaper, topics: Collection[str]
) -> tuple[CachedPaper, Paper | None]:
    """The cache row of the paper file at `path` as it is now (with `stamp`, from
    `changed_files`), and the paper itself if its bytes differ from those of `row`. Raises
    `ContentError` for a file that does not parse."""
    data = path.read_bytes()
    digest = digest_bytes(_salt(topics) + data)
    if digest == row.digest:
        return replace(row, stamp=stamp), None
    paper = _parse(data, path, topics)
    return paper_to_row(paper, digest=digest, stamp=stamp), paper


def _salt(topics: Collection[str]) -> bytes:
    """What a paper's digest covers besides its file: the parser and the topics it checks."""
    return f"{PARSER_VERSION}\x00{','.join(sorted(topics))}\x00".encode()


def _stamper(topics: Collection[str]) -> Callable[[int, int], str]:
    """A file's stamp (`CachedPaper.stamp`) from its size and modification time: empty for a
    file too new to vouch for its bytes."""
    tag = digest_bytes(_salt(topics))[:8]
    racy = time.time_ns() - _RACY_NS
    return lambda size, mtime: f"{tag}:{size}:{mtime}" if mtime < racy else ""


# A file modified this recently could be modified again with the same size and time stamp (file
# systems keep times in ticks): its stamp is not trusted, so the next build reads it again.
_RACY_NS = 2_000_000_000

# What reading one file gives (`_Reader`): its cached row still holds, or a new row's data,
# abstract and notes (with the paper itself when read in this process), or the error; each with
# the file's digest. Plain tuples: they pickle faster than the dataclasses.
_Same = tuple[str]
_New = tuple[str, str, str, str, Paper | None]
_Failed = tuple[str, str, int | None, str | None]
_CHUNKS_PER_WORKER = 16
"""Tasks per worker: enough to share the work out evenly, few enough that handing them out
(a few milliseconds each on a busy machine) costs little."""
_CHUNK_SIZES = (32, 1024)


def _load(
    papers_dir: Path, topics: Collection[str], cache: BuildCache, workers: int
) -> tuple[tuple[Paper, ...], list[str]]:
    """The papers and a digest of each one's fields but the abstract and notes (of the JSON
    its cache row holds them in)."""
    salt = _salt(topics)
    known = cache.papers()
    stamp_of = _stamper(topics)
    files = _paper_stats(papers_dir)
    stamps = [stamp_of(size, mtime) for _, size, mtime in files]
    rows = [known.get(str(path)) for path, _, _ in files]
    unread = [
        index
        for index, (row, stamp) in enumerate(zip(rows, stamps, strict=True))
        if row is None or not stamp or row.stamp != stamp
    ]
    reader = _Reader(files, rows, salt, topics)
    smallest, largest = _CHUNK_SIZES
    chunk = min(largest, max(smallest, len(unread) // (max(workers, 1) * _CHUNKS_PER_WORKER)))
    read = fork_map(reader, unread, workers=workers, chunk=chunk)
    outcomes = dict(zip(unread, read, strict=True))
    papers: list[Paper] = []
    listings: list[str] = []
    problems: list[SiteError] = []
    changed: dict[str, CachedPaper] = {}
    for index, (path, _, _) in enumerate(files):
        row, stamp, outcome = rows[index], stamps[index], outcomes.get(index)
        if outcome is None or len(outcome) == 1:  # the cached row holds
            assert row is not None
            papers.append(paper_from_row(row, path))
            listings.append(digest_text(row.data))
            if row.stamp != stamp:
                changed[str(path)] = replace(row, stamp=stamp)
        elif len(outcome) == 5:
            digest, data, abstract, notes, paper = outcome
            new_row = CachedPaper(digest, stamp, data, abstract, notes)
            papers.append(paper_from_row(new_row, path) if paper is None else paper)
            listings.append(digest_text(data))
            changed[str(path)] = new_row
        else:
            _, message, line, field = outcome
            problems.append(ContentError(message, path=path, line=line, field=field))
    problems.extend(_duplicates(papers))
    raise_collected(problems)
    seen = {str(paper.path) for paper in papers}
    cache.update_papers(changed, removed=[name for name in known if name not in seen])
    return tuple(papers), listings


class _Reader:
    """Reads, digests and parses one file by its index; run in worker processes (forked, so
    the file list and cached rows are already there), it returns plain values to pickle back:
    a row, not a `Paper` (a row crosses several times faster), and errors as values (an
    exception would lose its line and field on the way)."""

    def __init__(
        self,
        files: list[tuple[Path, int, int]],
        rows: list[CachedPaper | None],
        salt: bytes,
        topics: Collection[str],
    ) -> None:
        self.files, self.rows, self.salt, self.topics = files, rows, salt, topics
        self.parent = os.getpid()

    def __call__(self, index: int) -> _Same | _New | _Failed:
        path = self.files[index][0]
        data = path.read_bytes()
        digest = digest_bytes(self.salt + data)
        row = self.rows[index]
        if row is not None and row.digest == digest:
            return (digest,)
        try:
            paper = _parse(data, path, self.topics)
        except ContentError as exc:
            return (digest, exc.message, exc.line, exc.field)
        row = paper_to_row(paper, digest=digest, stamp="")
        here = os.getpid() == self.parent
        return (digest, row.data, row.abstract, row.notes, paper if here else None)


def _paper_stats(folder: Path) -> list[tuple[Path, int, int]]:
    """(path, size, modification time) of every paper file, in `paper_files`' order: a walk
    of the folder that reads each directory once instead of globbing."""
    found: list[tuple[Path, int, int]] = []

    def walk(top: Path) -> None:
        try:
            entries = sorted(os.scandir(top), key=lambda entry: entry.name)
        except (FileNotFoundError, NotADirectoryError):
            return
        for entry in entries:
            if entry.is_dir():
                walk(top / entry.name)
            elif entry.name.endswith(".md"):
                info = entry.stat()
                found.append((top / entry.name, info.st_size, info.st_mtime_ns))

    walk(folder)
    return found


_DATE_FIELDS = frozenset({"published", "featured", "updated"})
_TEXT_FIELDS = ("abstract", "notes")
_ROW_FIELDS = tuple(
    f.name for f in dataclasses.fields(Paper) if f.name != "path" and f.name not in _TEXT_FIELDS
)
"""The fields a cache row holds as JSON, in order; the abstract and notes have columns."""


def paper_to_row(paper: Paper, *, digest: str, stamp: str) -> CachedPaper:
    """A parsed paper as a cache row (its path is the row's key). Every field of `Paper` but
    the path is written, so a new field cannot be forgotten here."""
    values = list(_ROW_VALUES(paper))  # tuples are written as JSON lists as they are
    for index in _DATE_INDICES:
        if values[index] is not None:
            values[index] = values[index].isoformat()
    values[_LINKS_INDEX] = [[link.kind, link.url] for link in paper.links]
    values[_AFFILIATIONS_INDEX] = {
        author: list(places) for author, places in paper.affiliations.items()
    }
    return CachedPaper(
        digest=digest,
        stamp=stamp,
        data=json.dumps(values, ensure_ascii=False, separators=(",", ":")),
        abstract=paper.abstract,
        notes=paper.notes,
    )


_ROW_VALUES = operator.attrgetter(*_ROW_FIELDS)
_DATE_INDICES = [index for index, name in enumerate(_ROW_FIELDS) if name in _DATE_FIELDS]
_LINKS_INDEX = _ROW_FIELDS.index("links")
_AFFILIATIONS_INDEX = _ROW_FIELDS.index("affiliations")


def paper_from_row(row: CachedPaper, path: Path) -> Paper:
    """The inverse of `paper_to_row`; a row that does not fit exactly is a corrupt cache."""
    name = "the row"
    try:
        values = json.loads(row.data)
        if type(values) is not list or len(values) != len(_ROW_FIELDS):
            raise TypeError("a row of another shape")
        fields: dict[str, Any] = {}
        for name, allowed, convert, value in zip(
            _ROW_FIELDS, _ALLOWED, _CONVERTERS, values, strict=True
        ):
            if type(value) in allowed:
                fields[name] = value
            elif convert is None:
                raise TypeError(f"{value!r} does not fit")
            else:
                fields[name] = convert(value)
        name = "abstract or notes"
        if type(row.abstract) is not str or type(row.notes) is not str:
            raise TypeError("not text")
        return Paper(**fields, abstract=row.abstract, notes=row.notes, path=path)
    except (TypeError, ValueError) as exc:
        raise CacheCorrupt(f"paper {path}: {name} is {exc}") from None


# How each field's JSON value becomes the field's value: the JSON types it may hold as they are
# (bool is not an int here), and for the others a converter that accepts exactly what
# `paper_to_row` writes, raising TypeError or ValueError for anything else (None: no other
# value is valid).


def _text(value: Any) -> str:
    if type(value) is not str:
        raise TypeError(f"{value!r} is not text")
    return value


def _texts(value: Any) -> tuple[str, ...]:
    if type(value) is not list:
        raise TypeError(f"{value!r} is not a list of texts")
    "".join(value)  # raises TypeError unless every item is text, at C speed
    # Interned: authors, categories and keywords recur across papers, and each paper's row
    # would otherwise give it its own copies (30 MiB at 100,000 papers).
    return tuple(map(sys.intern, value))


def _links(value: Any) -> tuple[Link, ...]:
    if type(value) is not list:
        raise TypeError(f"{value!r} is not a list of links")
    return tuple(Link(kind=_text(kind), url=_text(url)) for kind, url in value)


def _affiliations(value: Any) -> dict[str, tuple[str, ...]]:
    if type(value) is not dict:
        raise TypeError(f"{value!r} is not a mapping of affiliations")
    return {author: _texts(places) for author, places in value.items()}


_NONE = type(None)
_BY_HINT: dict[Any, tuple[frozenset[type], Callable[[Any], Any] | None]] = {
    str: (frozenset({str}), None),
    str | None: (frozenset({str, _NONE}), None),
    int | None: (frozenset({int, _NONE}), None),
    bool: (frozenset({bool}), None),
    date | None: (frozenset({_NONE}), date.fromisoformat),
    tuple[str, ...]: (frozenset(), _texts),
    tuple[Link, ...]: (frozenset(), _links),
    Mapping[str, tuple[str, ...]]: (frozenset(), _affiliations),
}


def _layout(name: str, hint: Any) -> tuple[frozenset[type], Callable[[Any], Any] | None]:
    if hint not in _BY_HINT:  # a new field of a new type: teach the cache to read it
        raise TypeError(f"Paper.{name}: no cache converter for {hint}")
    return _BY_HINT[hint]


_HINTS = typing.get_type_hints(Paper)
_ALLOWED, _CONVERTERS = zip(*(_layout(name, _HINTS[name]) for name in _ROW_FIELDS), strict=True)


def _duplicates(papers: Iterable[Paper]) -> list[SiteError]:
    problems: list[SiteError] = []
    by_slug: dict[str, Paper] = {}
    for paper in papers:
        slug = urls.paper_slug(paper.id)
        first = by_slug.setdefault(slug, paper)
        if first is not paper:
            same = "id" if first.id == paper.id else f"page address as id {first.id!r}"
            problems.append(
                ContentError(
                    f"duplicate id {paper.id!r}: same {same} in {first.path}",
                    path=paper.path,
                    line=_id_line(paper.path),
                    field="id",
                )
            )
    return problems


def _id_line(path: Path) -> int | None:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith("id:"):
            return number
    return None


def load_paper(path: Path, *, topics: Collection[str]) -> Paper:
    return _parse(path.read_bytes(), path, topics)


def _parse(data: bytes, path: Path, topics: Collection[str]) -> Paper:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError(f"not UTF-8 text ({exc.reason})", path=path) from None
    # Read as text mode would: universal newlines.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    doc = parse_document(text, path=path)
    # A value can only hold a control character written in the file or spelt as a YAML escape,
    # which needs a backslash in the front matter: without either, nothing needs looking at.
    # (Control characters are ASCII, so the bytes tell: deleting every other byte is quick.)
    front_end = len(text) - len(doc.body)
    clean = not data.translate(None, _NOT_CONTROL) and text.find("\\", 0, front_end) == -1
    return _validate(doc, path, topics, controls=not clean)


_NOT_CONTROL = bytes(byte for byte in range(256) if not CONTROL_CHARACTERS.match(chr(byte)))


class _Fields:
    """Typed access to front-matter fields, each failure naming the field's line."""

    def __init__(self, doc: Document, path: Path) -> None:
        self.data = doc.meta.data
        self.doc = doc
        self.path = path

    def _value(self, field: str) -> Any:
        """The value at a dotted path (`affiliations.Ada Lovelace`)."""
        head, _, rest = field.partition(".")
        value = self.data.get(head)
        return value.get(rest) if rest and isinstance(value, dict) else value

    def fail(self, field: str, message: str) -> ContentError:
        return ContentError(message, path=self.path, line=self.doc.meta.line(field, 2), field=field)

    def text(self, field: str, *, required: bool = False) -> str | None:
        value = self.data.get(field)
        if value is None:
            if required:
                raise ContentError("is required", path=self.path, line=1, field=field)
            return None
        if not isinstance(value, str):
            hint = " (quote it: YAML read it as a number)" if isinstance(value, int | float) else ""
            raise self.fail(field, f"must be text, not {type(value).__name__} {value!r}{hint}")
        if required and not value.strip():
            raise self.fail(field, "must not be empty")
        return value.strip()

    def texts(self, field: str) -> tuple[str, ...]:
        value = self._value(field)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise self.fail(field, "must be a list")
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                raise self.fail(f"{field}.{index}", f"must be non-empty text, not {item!r}")
        return tuple(item.strip() for item in value)

    def day(self, field: str) -> date | None:
        value = self.data.get(field)
        if value is None or (isinstance(value, date) and not hasattr(value, "hour")):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        if hasattr(value, "date"):  # a YAML timestamp: keep its calendar day
            day: date = value.date()
            return day
        raise self.fail(field, f"must be a date like 2025-03-13, not {value!r}")

    def count(self, field: str, minimum: int) -> int | None:
        value = self.data.get(field)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.fail(field, f"must be a whole number of at least {minimum}, not {value!r}")
        return value

    def flag(self, field: str) -> bool:
        value = self.data.get(field, False)
        if not isinstance(value, bool):
            raise self.fail(field, f"must be true or false, not {value!r}")
        return value

    def affiliations(self) -> dict[str, tuple[str, ...]]:
        value: Any = self.data.get("affiliations")
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail("affiliations", "must map author names to lists of affiliations")
        for author in value:
            if not isinstance(author, str) or not author.strip():
                raise self.fail("affiliations", f"author names must be text, not {author!r}")
        return {author.strip(): self.texts(f"affiliations.{author}") for author in value}

    def links(self) -> tuple[Link, ...]:
        value: Any = self.data.get("links")
        if value is None:
            return ()
        if not isinstance(value, dict):
            raise self.fail("links", "must map link kinds (arxiv, pdf, code, ...) to URLs")
        links = []
        for kind, url in value.items():
            field = f"links.{kind}"
            if kind not in LINK_KINDS:
                raise self.fail(field, f"unknown link kind; use one of {', '.join(LINK_KINDS)}")
            if not isinstance(url, str) or not urls.is_web_url(url):
                raise self.fail(field, f"must be an absolute http(s) URL, not {url!r}")
            links.append((list(LINK_KINDS).index(kind), Link(kind=kind, url=url.strip())))
        return tuple(link for _, link in sorted(links, key=lambda pair: pair[0]))


def validate_document(doc: Document, path: Path, topics: Collection[str]) -> Paper:
    """The paper a parsed document describes (also used by ingest for papers given as data)."""
    return _validate(doc, path, topics)


def _has_controls(value: Any) -> bool:
    if isinstance(value, str):
        return bool(CONTROL_CHARACTERS.search(value))
    if isinstance(value, list):
        return any(_has_controls(item) for item in value)
    if isinstance(value, dict):
        return any(_has_controls(key) or _has_controls(item) for key, item in value.items())
    return False


_CONTROL_MESSAGE = "holds a control character (such as a form feed from a PDF); delete it"


def _reject_controls(doc: Document, path: Path) -> None:
    """A control character anywhere in the paper is an error at its line and field."""
    for key, value in doc.meta.data.items():
        if _has_controls(value):
            raise ContentError(
                _CONTROL_MESSAGE, path=path, line=doc.meta.line(str(key)), field=str(key)
            )
    for field, text in (("abstract", doc.abstract), ("notes", doc.notes)):
        position = CONTROL_CHARACTERS.search(text)
        if position:
            line = doc.body_line + doc.body.count("\n", 0, doc.body.find(text) + position.start())
            raise ContentError(_CONTROL_MESSAGE, path=path, line=line, field=field)


def _validate(
    doc: Document, path: Path, topics: Collection[str], *, controls: bool = True
) -> Paper:
    """`controls`: whether the document may hold control characters (to be reported)."""
    if controls:
        _reject_controls(doc, path)
    fields = _Fields(doc, path)
    paper_id = fields.text("id", required=True)
    assert paper_id is not None
    if not _ID_RE.match(paper_id):
        raise fields.fail(
            "id", f"must start with a letter or digit and hold no spaces, not {paper_id!r}"
        )
    title = fields.text("title", required=True)
    assert title is not None
    published, featured = fields.day("published"), fields.day("featured")
    if published is None and featured is None:
        raise ContentError(
            "a paper needs a published or a featured date", path=path, line=1, field="published"
        )
    pinned = fields.texts("topics")
    for index, slug in enumerate(pinned):
        if slug not in topics:
            known = ", ".join(sorted(topics))
            raise fields.fail(
                f"topics.{index}", f"unknown topic {slug!r} (topics.yaml has: {known})"
            )
    return Paper(
        id=paper_id,
        title=" ".join(title.split()),
        authors=fields.texts("authors"),
        published=published,
        featured=featured,
        topics=pinned,
        links=fields.links(),
        upvotes=fields.count("upvotes", 0),
        rank=fields.count("rank", 1),
        source=fields.text("source"),
        hidden=fields.flag("hidden"),
        updated=fields.day("updated"),
        version=fields.count("version", 1),
        categories=fields.texts("categories"),
        keywords=fields.texts("keywords"),
        affiliations=fields.affiliations(),
        github_stars=fields.count("github_stars", 0),
        doi=fields.text("doi"),
        journal_ref=fields.text("journal_ref"),
        comment=fields.text("comment"),
        withdrawn=fields.flag("withdrawn"),
        aliases=fields.texts("aliases"),
        abstract=doc.abstract,
        notes=doc.notes,
        path=path,
    )
