"""Upsert paper records into content/papers/ without losing what a curator wrote.

A record matches an existing file by id, else by normalised title. The source's fields replace
the file's; everything else stays: pinned topics, `hidden`, any key the source does not set, and
the curator's notes below the abstract. A file whose text would not change is not touched, and
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
from .records import PaperRecord, normalize_title

__all__ = ["StoreReport", "store_records", "write_atomic"]


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
    notes: str


def _index(papers_dir: Path) -> tuple[dict[str, _Existing], dict[str, _Existing]]:
    by_id: dict[str, _Existing] = {}
    by_title: dict[str, _Existing] = {}
    for path in paper_files(papers_dir):
        text = path.read_text(encoding="utf-8")
        doc = parse_document(text, path=path)
        existing = _Existing(path, text, dict(doc.meta.data), doc.notes)
        paper_id, title = existing.meta.get("id"), existing.meta.get("title")
        if not isinstance(paper_id, str) or not isinstance(title, str):
            raise ContentError(
                "needs a text id and title before papers can be merged into it",
                path=path,
                line=1,
                field="id",
            )
        by_id[paper_id] = existing
        by_title.setdefault(normalize_title(title), existing)
    return by_id, by_title


def store_records(
    records: Iterable[PaperRecord], papers_dir: Path, *, dry_run: bool = False
) -> StoreReport:
    """Write `records` into `papers_dir`; with `dry_run`, only report what would change."""
    by_id, by_title = _index(papers_dir)
    report = StoreReport()
    for record in records:
        existing = by_id.get(record.id) or by_title.get(normalize_title(record.title))
        if existing is None:
            path = _new_path(papers_dir, record)
            if path.exists():
                report.skipped.append((record.id, f"{path} exists but holds another paper"))
                continue
            meta, notes = _new_meta(record), ""
            text = dump_document(meta, record.abstract)
            report.added.append(path)
        else:
            path = existing.path
            meta = dict(existing.meta)
            owned = record.owned_fields()
            owned.pop("id")  # a file keeps its id: links to its page must not break
            meta.update(owned)
            if record.links:
                meta["links"] = {**(meta.get("links") or {}), **record.links}
            notes = existing.notes
            text = dump_document(meta, record.abstract, notes)
            if text == existing.text:
                report.unchanged.append(path)
                continue
            report.updated.append(path)
        if not dry_run:
            write_atomic(path, text)
        entry = _Existing(path, text, meta, notes)
        by_id[record.id] = entry
        by_title[normalize_title(record.title)] = entry
    return report


def _new_meta(record: PaperRecord) -> dict[str, Any]:
    meta = record.owned_fields()
    if record.links:
        meta["links"] = dict(record.links)
    return meta


def _new_path(papers_dir: Path, record: PaperRecord) -> Path:
    day = record.featured or record.published
    folder = papers_dir / str(day.year) if day else papers_dir
    return folder / f"{paper_slug(record.id)}.md"


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
