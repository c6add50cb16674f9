"""JSON or YAML lists of papers in the front-matter schema of docs/content.md.

    [{"id": "2403.01234", "title": "...", "authors": [...], "published": "2024-03-02",
      "abstract": "...", "links": {"code": "https://github.com/..."}}, ...]

A top-level mapping with a `papers:` list works too. Each entry is validated exactly as a paper
file is; `abstract` takes the place of the file's Markdown body. `topics` and `hidden` are the
curator's, set in the paper files themselves, so a list may not carry them.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import yaml

from ..errors import ContentError, IngestError
from ..frontmatter import Document
from ..load import validate_document
from ..yamlload import YamlMapping
from .records import PaperRecord, split_arxiv_id
from .source import IngestContext, Reading, Source, add_file_argument, payload

__all__ = ["SOURCE", "parse_paper_list"]

_CURATORS = ("topics", "hidden", "aliases")
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load(data: bytes, origin: str) -> Any:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise IngestError(f"json: not UTF-8 text ({exc.reason})", path=origin) from None
    if text.lstrip()[:1] in ("[", "{"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise IngestError(
                f"json: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
                path=origin,
                line=exc.lineno,
            ) from None
    try:
        return yaml.load(text, Loader=_Loader)  # the safe loader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark else None
        raise IngestError(f"json: invalid YAML: {exc.problem}", path=origin, line=line) from None


def parse_paper_list(data: bytes, *, origin: str) -> list[PaperRecord]:
    payload = _load(data, origin)
    if isinstance(payload, dict) and set(payload) == {"papers"}:
        payload = payload["papers"]
    if not isinstance(payload, list):
        raise IngestError(
            "json: expected a list of papers (or a mapping with papers:)", path=origin
        )
    records = []
    for index, item in enumerate(payload, start=1):
        where = f"json: entry {index}"
        if not isinstance(item, dict):
            raise IngestError(f"{where}: must be a mapping of fields", path=origin)
        fields = {str(key): value for key, value in item.items()}
        for key in _CURATORS:
            if key in fields:
                raise IngestError(
                    f"{where}: {key}: is the curator's; set it in the paper file", path=origin
                )
        abstract = fields.pop("abstract", "") or ""
        if not isinstance(abstract, str):
            raise IngestError(f"{where}: abstract: must be text", path=origin)
        if isinstance(fields.get("id"), str) and (split := split_arxiv_id(fields["id"])):
            fields["id"] = split[0]
        doc = Document(meta=YamlMapping(data=fields, lines={}), abstract=abstract, notes="")
        try:
            paper = validate_document(doc, Path(origin), topics=())
        except ContentError as exc:
            field = f"{exc.field}: " if exc.field else ""
            raise IngestError(f"{where}: {field}{exc.message}", path=origin) from None
        records.append(
            PaperRecord(
                id=paper.id,
                title=paper.title,
                abstract=paper.abstract,
                source="json",
                authors=paper.authors or None,
                affiliations={k: list(v) for k, v in paper.affiliations.items()} or None,
                published=paper.published,
                updated=paper.updated,
                version=paper.version,
                featured=paper.featured,
                categories=paper.categories or None,
                keywords=paper.keywords or None,
                links={link.kind: link.url for link in paper.links},
                upvotes=paper.upvotes,
                github_stars=paper.github_stars,
                rank=paper.rank,
                doi=paper.doi,
                journal_ref=paper.journal_ref,
                comment=paper.comment,
                withdrawn=True if paper.withdrawn else None,
            )
        )
    return records


def _arguments(parser: argparse.ArgumentParser) -> None:
    add_file_argument(parser, "a JSON or YAML list of papers", required=True)


def _read(options: argparse.Namespace, context: IngestContext) -> Reading:
    data, origin = payload(options, context, source="json", url=None)
    return Reading(parse_paper_list(data, origin=origin))


SOURCE = Source(
    name="json",
    summary="a JSON or YAML list of papers in the paper-file schema",
    description=(
        "Read a JSON or YAML list of papers (or a mapping with a papers: list) whose fields are "
        "those of a paper file's front matter (see docs/content.md), with the abstract under "
        "'abstract'. Each entry is validated like a paper file; topics and hidden stay the "
        "curator's and may not be given."
    ),
    add_arguments=_arguments,
    read=_read,
)
