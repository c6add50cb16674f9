"""content/papers/**/*.md → validated `Paper`s, or errors naming the file, line and field."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from . import urls
from .cache import BuildCache, CacheCorrupt
from .errors import ContentError, SiteError, raise_collected
from .fingerprint import digest_bytes
from .frontmatter import Document, parse_document
from .models import LINK_KINDS, Link, Paper

__all__ = ["PARSER_VERSION", "load_paper", "load_papers", "paper_files"]

PARSER_VERSION = "1"
"""Part of every cached paper's key: raise it when parsing or validation changes."""

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:()-]*$")
_SAFE_SCHEMES = {"http", "https"}


def paper_files(papers_dir: Path) -> list[Path]:
    """Every paper file, in a stable order."""
    if not papers_dir.is_dir():
        return []
    return sorted(papers_dir.rglob("*.md"))


def load_papers(
    papers_dir: Path, *, topics: Collection[str], cache: BuildCache | None = None
) -> tuple[Paper, ...]:
    """Load every paper; all problems across all files are reported together.

    `topics` are the known topic slugs that a paper may pin. With a `cache`, a file whose bytes
    (and the parser, and the topics) are unchanged since the last build is not parsed again.
    """
    papers: list[Paper] = []
    problems: list[SiteError] = []
    stored: list[tuple[str, str, Any]] = []
    salt = f"{PARSER_VERSION}\x00{','.join(sorted(topics))}\x00".encode()
    for path in paper_files(papers_dir):
        if cache is None:
            try:
                papers.append(load_paper(path, topics=topics))
            except ContentError as exc:
                problems.append(exc)
            continue
        data = path.read_bytes()
        digest = digest_bytes(salt + data)
        known = cache.paper(str(path), digest)
        if known is not None:
            paper = paper_from_json(known, path)
        else:
            try:
                paper = _parse(data, path, topics)
            except ContentError as exc:
                problems.append(exc)
                continue
        papers.append(paper)
        stored.append((str(path), digest, known if known is not None else paper_to_json(paper)))
    problems.extend(_duplicates(papers))
    raise_collected(problems)
    if cache is not None:
        cache.store_papers(stored)
    return tuple(papers)


def paper_to_json(paper: Paper) -> dict[str, Any]:
    """A parsed paper as JSON for the cache (its path is the cache row's key)."""
    return {
        "id": paper.id,
        "title": paper.title,
        "authors": list(paper.authors),
        "published": paper.published.isoformat() if paper.published else None,
        "featured": paper.featured.isoformat() if paper.featured else None,
        "topics": list(paper.topics),
        "links": [[link.kind, link.url] for link in paper.links],
        "upvotes": paper.upvotes,
        "stars": paper.stars,
        "rank": paper.rank,
        "source": paper.source,
        "hidden": paper.hidden,
        "abstract": paper.abstract,
        "notes": paper.notes,
    }


def paper_from_json(data: Any, path: Path) -> Paper:
    """The inverse of `paper_to_json`; a row that does not fit is a corrupt cache."""
    try:
        return Paper(
            id=str(data["id"]),
            title=str(data["title"]),
            authors=tuple(str(name) for name in data["authors"]),
            published=_optional_day(data["published"]),
            featured=_optional_day(data["featured"]),
            topics=tuple(str(slug) for slug in data["topics"]),
            links=tuple(Link(kind=str(kind), url=str(url)) for kind, url in data["links"]),
            upvotes=_optional_int(data["upvotes"]),
            stars=_optional_int(data["stars"]),
            rank=_optional_int(data["rank"]),
            source=None if data["source"] is None else str(data["source"]),
            hidden=bool(data["hidden"]),
            abstract=str(data["abstract"]),
            notes=str(data["notes"]),
            path=path,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CacheCorrupt(f"paper {path}: {exc!r}") from None


def _optional_day(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _optional_int(value: Any) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"not a whole number: {value!r}")
    return value


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
    return _validate(parse_document(text, path=path), path, topics)


class _Fields:
    """Typed access to front-matter fields, each failure naming the field's line."""

    def __init__(self, doc: Document, path: Path) -> None:
        self.data = doc.meta.data
        self.doc = doc
        self.path = path

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
        value = self.data.get(field)
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
            if not isinstance(url, str) or not is_safe_url(url):
                raise self.fail(field, f"must be an absolute http(s) URL, not {url!r}")
            links.append((list(LINK_KINDS).index(kind), Link(kind=kind, url=url.strip())))
        return tuple(link for _, link in sorted(links, key=lambda pair: pair[0]))


def is_safe_url(url: str) -> bool:
    """Only absolute http(s) URLs reach a page; `javascript:` and friends never do."""
    parts = urlsplit(url.strip())
    return parts.scheme.lower() in _SAFE_SCHEMES and bool(parts.netloc)


def _validate(doc: Document, path: Path, topics: Collection[str]) -> Paper:
    fields = _Fields(doc, path)
    paper_id = fields.text("id", required=True)
    assert paper_id is not None
    if not _ID_RE.match(paper_id):
        raise fields.fail(
            "id", f"may hold only letters, digits and . _ / : ( ) -, not {paper_id!r}"
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
        stars=fields.count("stars", 0),
        rank=fields.count("rank", 1),
        source=fields.text("source"),
        hidden=fields.flag("hidden"),
        abstract=doc.abstract,
        notes=doc.notes,
        path=path,
    )
