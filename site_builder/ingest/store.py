"""Upsert paper records into content/papers/ without losing what a curator wrote.

A record matches an existing file by id (or a former id, or its DOI), else by normalised title when
either of them is known only by its title. The source's fields update the file's (see `merge`);
everything else stays: pinned topics, `hidden`, any key the source does not set, and the curator's
notes below the abstract. A file whose text would not change is not touched, and
every write is atomic (a temporary file renamed over the old one).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ContentError
from ..frontmatter import dump_document, parse_document
from ..load import paper_files
from ..urls import paper_slug
from .records import PaperRecord, id_strength, normalize_title

__all__ = ["StoreReport", "merge", "store_records", "title_only_papers", "write_atomic"]


@dataclass(slots=True)
class StoreReport:
    """What an ingest did (or, for a dry run, would do), file by file."""

    added: list[Path] = field(default_factory=list)
    updated: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(paper id, reason)."""

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.skipped)} skipped"
        )


@dataclass(slots=True)
class _Existing:
    path: Path
    text: str
    meta: dict[str, Any]
    abstract: str
    notes: str


# Facts about the paper itself. A source that knows a paper by a weaker id than the file's (the
# text dump's title id against an arXiv id), or an older arXiv version, only fills gaps in these;
# it never overwrites what a firmer source wrote.
_BIBLIOGRAPHIC = frozenset(
    {
        "title",
        "authors",
        "affiliations",
        "published",
        "updated",
        "version",
        "categories",
        "comment",
        "journal_ref",
        "doi",
        "withdrawn",
        "source",
    }
)


class _Index:
    """Files by id (and former ids and DOIs) and by normalised title, current and former.

    Keys lead to paths, and a path to the file's latest state in this run, so a record always
    merges into what earlier records of the run made of the file. When several files share a key
    (two papers claiming one DOI), the first path in sorted order wins, whatever the history.
    """

    def __init__(self, papers_dir: Path) -> None:
        self.current: dict[Path, _Existing] = {}
        self.by_id: dict[str, set[Path]] = {}
        self.by_title: dict[str, set[Path]] = {}
        for path in paper_files(papers_dir):
            text = path.read_text(encoding="utf-8")
            doc = parse_document(text, path=path)
            meta = dict(doc.meta.data)
            paper_id, title = meta.get("id"), meta.get("title")
            if not isinstance(paper_id, str) or not isinstance(title, str):
                raise ContentError(
                    "needs a text id and title before papers can be merged into it",
                    path=path,
                    line=1,
                    field="id",
                )
            self.add(_Existing(path, text, meta, doc.abstract, doc.notes))

    def add(self, entry: _Existing) -> None:
        """Record a file's latest state; its ids and title lead to it from now on."""
        self.current[entry.path] = entry
        keys = [entry.meta["id"], *(entry.meta.get("aliases") or [])]
        if isinstance(entry.meta.get("doi"), str):
            keys.append(entry.meta["doi"])
        for key in keys:
            self.by_id.setdefault(str(key), set()).add(entry.path)
        self.by_title.setdefault(normalize_title(str(entry.meta["title"])), set()).add(entry.path)

    def find(self, record: PaperRecord) -> _Existing | None:
        """By id, former id or DOI; by normalised title when either side has only a title id."""
        paths = self.by_id.get(record.id) or (record.doi and self.by_id.get(record.doi))
        if paths:
            return self.current[min(paths)]
        paths = self.by_title.get(normalize_title(record.title))
        found = self.current[min(paths)] if paths else None
        if found and (id_strength(record.id) == 0 or id_strength(str(found.meta["id"])) == 0):
            return found
        return None


def store_records(
    records: Iterable[PaperRecord], papers_dir: Path, *, dry_run: bool = False
) -> StoreReport:
    """Write `records` into `papers_dir`; with `dry_run`, only report what would change.

    Records are merged in memory in order, then each file that changed is written once, so the
    report counts what the run as a whole changed.
    """
    index = _Index(papers_dir)
    report = StoreReport()
    before: dict[Path, str | None] = {}
    """The text each touched file had before the run (None: a new file)."""
    latest: dict[Path, str] = {}
    for record in records:
        existing = index.find(record)
        if existing is None:
            reason = _why_not_new(record, papers_dir, before)
            if reason:
                report.skipped.append((record.id, reason))
                continue
            path = _new_path(papers_dir, record)
            meta, abstract, notes = _new_meta(record), record.abstract, ""
            before[path] = None
        else:
            path = existing.path
            meta, abstract = merge(existing.meta, existing.abstract, record)
            notes = existing.notes
            before.setdefault(path, existing.text)
        text = dump_document(meta, abstract, notes)
        latest[path] = text
        index.add(_Existing(path, text, meta, abstract, notes))
    for path, text in latest.items():
        old = before[path]
        if old is None:
            report.added.append(path)
        elif old == text:
            report.unchanged.append(path)
            continue
        else:
            report.updated.append(path)
        if not dry_run:
            write_atomic(path, text)
    return report


def _why_not_new(record: PaperRecord, papers_dir: Path, planned: dict[Path, str | None]) -> str:
    """Why `record`, matching no file, cannot become a new one; empty when it can."""
    if record.update_only:
        return "a new version of a paper not in content/ (updates only)"
    if record.published is None and record.featured is None:
        return "the source gives no date for it"
    path = _new_path(papers_dir, record)
    if path.exists() or path in planned:
        return f"{path} exists but holds another paper"
    return ""


def merge(meta: dict[str, Any], abstract: str, record: PaperRecord) -> tuple[dict[str, Any], str]:
    """The front matter and abstract after `record` is merged into a file's.

    Keys the record does not own stay as they are. An id firmer than the file's replaces it (the
    old one is kept under `aliases`, as is any other id a source used for it). Bibliographic
    fields and the abstract are only filled in when the record's id is weaker than the file's or
    it describes an older arXiv version (or none, when the file knows one); everything else the
    record sets (upvotes, stars, rank, keywords, links, the featured day) wins.
    """
    merged = dict(meta)
    file_id = str(meta["id"])
    owned = record.owned_fields()
    owned.pop("id")
    weaker = id_strength(record.id) < id_strength(file_id)
    version = meta.get("version")
    # A record without a version (Hugging Face, BibTeX) is older than any arXiv-versioned file.
    older = isinstance(version, int) and (record.version is None or record.version < version)
    fill_only = weaker or older
    for key, value in owned.items():
        if key in _BIBLIOGRAPHIC and fill_only and merged.get(key) not in (None, "", [], {}):
            continue
        merged[key] = value
    if id_strength(record.id) > id_strength(file_id):
        merged["id"] = record.id
    # Every other id the paper was known by stays findable: a source that names it by title or
    # DOI on the next run finds this file even after its title or id changed.
    aliases = [a for a in merged.get("aliases") or [] if a != merged["id"]]
    for known in (file_id, record.id):
        if known != merged["id"] and known not in aliases:
            aliases.append(known)
    merged["aliases"] = aliases
    if record.links:
        merged["links"] = {**(meta.get("links") or {}), **record.links}
    if record.abstract.strip() and not (fill_only and abstract.strip()):
        abstract = record.abstract
    return merged, abstract


def _new_meta(record: PaperRecord) -> dict[str, Any]:
    meta = record.owned_fields()
    if record.links:
        meta["links"] = dict(record.links)
    return meta


def _new_path(papers_dir: Path, record: PaperRecord) -> Path:
    day = record.featured or record.published
    folder = papers_dir / str(day.year) if day else papers_dir
    return folder / f"{paper_slug(record.id)}.md"


def title_only_papers(papers_dir: Path) -> list[tuple[str, str]]:
    """(id, title) of every paper known only by its title, for `ingest arxiv --match-titles`."""
    return [
        (str(entry.meta["id"]), str(entry.meta["title"]))
        for _, entry in sorted(_Index(papers_dir).current.items())
        if id_strength(str(entry.meta["id"])) == 0
    ]


def write_atomic(path: Path, text: str) -> None:
    """Replace `path` with `text` so readers see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        Path(temp).replace(path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
