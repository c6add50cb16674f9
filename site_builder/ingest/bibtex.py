"""BibTeX files, read with bibtexparser; LaTeX accents and braces decoded to Unicode.

The id is the arXiv id when the entry has one (`eprint` with `archivePrefix = {arXiv}`, an
arxiv.org `url`, or Google Scholar's `journal = {arXiv preprint arXiv:2403.01234}`), else its DOI,
else an id made from the title. `year` and `month` give `published` (the first of the month).
"""

from __future__ import annotations

import argparse
import logging
import re
from datetime import date

import bibtexparser
from bibtexparser import middlewares
from bibtexparser.model import Entry

from ..errors import IngestError
from ..ids import normalize_doi
from .records import PaperRecord, arxiv_links, split_arxiv_id, title_id
from .source import IngestContext, Reading, Source, add_file_argument, payload

__all__ = ["SOURCE", "parse_bibtex"]

# bibtexparser logs each failed block; the error raised here says the same with the file's name.
logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)

_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_ARXIV_IN_TEXT = re.compile(r"arxiv[:\s/]*(?:abs/)?([a-z.-]*/?\d{4}\.?\d{3,5}(?:v\d+)?)", re.I)


def parse_bibtex(data: bytes, *, origin: str) -> list[PaperRecord]:
    """Records of every entry with a title; a block that does not parse is an error."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise IngestError(f"bibtex: not UTF-8 text ({exc.reason})", path=origin) from None
    library = bibtexparser.parse_string(  # type: ignore[attr-defined]
        text,
        append_middleware=[
            middlewares.LatexDecodingMiddleware(),
            middlewares.SeparateCoAuthors(),
            middlewares.SplitNameParts(),
        ],
    )
    if library.failed_blocks:
        block = library.failed_blocks[0]
        line = (block.start_line or 0) + 1
        error = getattr(block, "error", None)
        reason = str(getattr(error, "abort_reason", "") or error or "").strip()
        detail = f": {reason}" if reason else ""
        raise IngestError(f"bibtex: an entry does not parse{detail}", path=origin, line=line)
    records = []
    for entry in library.entries:
        record = _record(entry, origin)
        if record is not None:
            records.append(record)
    return records


def _field(entry: Entry, name: str) -> str:
    for field in entry.fields:
        if field.key.lower() == name:
            return " ".join(str(field.value).split())
    return ""


def _names(entry: Entry) -> tuple[str, ...]:
    for field in entry.fields:
        if field.key.lower() == "author" and isinstance(field.value, list):
            names = []
            for parts in field.value:
                pieces = [*parts.first, *parts.von, *parts.last]
                name = " ".join(" ".join(pieces).split())
                if parts.jr:
                    name += ", " + " ".join(parts.jr)
                if name and name.lower() != "others":
                    names.append(name)
            return tuple(names)
    return ()


def _arxiv_id(entry: Entry) -> tuple[str, int | None] | None:
    eprint = _field(entry, "eprint")
    prefix = _field(entry, "archiveprefix").lower()
    if eprint and prefix in ("", "arxiv"):
        split = split_arxiv_id(eprint)
        if split:
            return split
    for name in ("url", "journal", "note", "howpublished"):
        if split := split_arxiv_id(_field(entry, name)):
            return split
        match = _ARXIV_IN_TEXT.search(_field(entry, name))
        if match and (split := split_arxiv_id(match[1])):
            return split
    return None


def _published(entry: Entry, origin: str) -> date | None:
    year = _field(entry, "year")
    if not year:
        return None
    if not year.isdigit():
        raise IngestError(
            f"bibtex: entry {entry.key!r}: year: must be a year like 2024, not {year!r}",
            path=origin,
            line=(entry.start_line or 0) + 1,
        )
    month_text = _field(entry, "month").lower()[:3]
    month = int(month_text) if month_text.isdigit() else None
    if month is None and month_text in _MONTHS:
        month = _MONTHS.index(month_text) + 1
    return date(int(year), month if month and 1 <= month <= 12 else 1, 1)


def _record(entry: Entry, origin: str) -> PaperRecord | None:
    title = _field(entry, "title")
    if not title:
        return None
    split = _arxiv_id(entry)
    doi = normalize_doi(_field(entry, "doi"))
    if split:
        paper_id = split[0]
    elif doi:
        paper_id = doi
    else:
        paper_id = title_id(title)
    links = arxiv_links(split[0]) if split else {}
    if doi:
        links["doi"] = f"https://doi.org/{doi}"
    url = _field(entry, "url")
    if url.startswith(("https://", "http://")) and "arxiv.org" not in url:
        links.setdefault("project", url)
    keywords = tuple(k.strip() for k in _field(entry, "keywords").split(",") if k.strip())
    venue = _field(entry, "journal") or _field(entry, "booktitle")
    if venue.lower().startswith("arxiv"):
        venue = ""
    primary = _field(entry, "primaryclass")
    return PaperRecord(
        id=paper_id,
        title=title,
        abstract=_field(entry, "abstract"),
        source="bibtex",
        authors=_names(entry) or None,
        published=_published(entry, origin),
        version=split[1] if split else None,
        categories=(primary,) if primary else None,
        doi=doi,
        journal_ref=venue or None,
        keywords=keywords or None,
        links=links,
    )


def _arguments(parser: argparse.ArgumentParser) -> None:
    add_file_argument(parser, "a .bib file (UTF-8)", required=True)


def _read(options: argparse.Namespace, context: IngestContext) -> Reading:
    data, origin = payload(options, context, source="bibtex", url=None)
    return Reading(parse_bibtex(data, origin=origin))


SOURCE = Source(
    name="bibtex",
    summary="a BibTeX file (arXiv eprints, DOIs, LaTeX accents decoded)",
    description=(
        "Read every entry of a BibTeX file. LaTeX accents and braces become plain Unicode "
        '({\\"u} is ü). The id is the arXiv id (eprint with archivePrefix arXiv, an arxiv.org '
        "url, or 'arXiv preprint arXiv:ID' as journal), else the DOI, else one made from the "
        "title; year and month give the published date (the first of the month)."
    ),
    add_arguments=_arguments,
    read=_read,
)
