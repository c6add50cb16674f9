"""The paper file format: YAML front matter between `---` lines, then Markdown.

    ---
    id: evaluating-llms-at-detecting-errors-in-llm-responses
    title: Evaluating LLMs at Detecting Errors in LLM Responses
    ...
    ---
    The abstract, in Markdown.

    ## Notes

    Anything the curator writes from this heading on is theirs; ingesting never touches it.

This module is the only place that splits or writes that format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import ContentError
from .yamlload import YamlMapping, load_mapping

__all__ = [
    "CONTROL_CHARACTERS",
    "FIELD_ORDER",
    "NOTES_HEADING",
    "Document",
    "dump_document",
    "parse_document",
]

FIELD_ORDER = (
    "id",
    "title",
    "authors",
    "affiliations",
    "published",
    "updated",
    "version",
    "featured",
    "topics",
    "categories",
    "keywords",
    "links",
    "upvotes",
    "github_stars",
    "rank",
    "doi",
    "journal_ref",
    "comment",
    "withdrawn",
    "aliases",
    "source",
    "hidden",
)
"""Front-matter keys in the order files are written; other keys follow in their own order."""

NOTES_HEADING = "## Notes"
_NOTES_RE = re.compile(r"^## Notes[ \t]*$", re.MULTILINE)
_FENCE = "---"


@dataclass(frozen=True, slots=True)
class Document:
    """A paper file split into its parts."""

    meta: YamlMapping
    abstract: str
    notes: str
    """The curator's notes without the heading; empty when there are none."""
    body: str = ""
    """Everything after the front matter, as written."""
    body_line: int = 1
    """The file line the body starts on."""


def parse_document(text: str, *, path: Path) -> Document:
    """Split a paper file; errors name `path` and the line."""
    opening_end = text.find("\n")
    if (text[:opening_end] if opening_end >= 0 else text).rstrip() != _FENCE:
        raise ContentError(
            "a paper file must start with a '---' line opening its front matter", path=path, line=1
        )
    closing = _CLOSING_RE.search(text, opening_end + 1) if opening_end >= 0 else None
    if closing is None:
        raise ContentError(
            "the front matter opened here is never closed: add a '---' line after it",
            path=path,
            line=1,
        )
    closing_line = 1 + text.count("\n", 0, closing.start())
    meta = load_mapping(
        text[opening_end + 1 : max(closing.start() - 1, opening_end + 1)],
        path=path,
        error=ContentError,
        first_line=2,
        what="front matter",
    )
    body_start = text.find("\n", closing.start())
    body = text[body_start + 1 :] if body_start >= 0 else ""
    # The heading is rare and the regular expression slow on long bodies: look for it first.
    match = _NOTES_RE.search(body) if NOTES_HEADING in body else None
    if match:
        abstract, notes = body[: match.start()], body[match.end() :]
    else:
        abstract, notes = body, ""
    return Document(
        meta=meta,
        abstract=abstract.strip(),
        notes=notes.strip(),
        body=body,
        body_line=closing_line + 1,
    )


# The line closing the front matter: a fence, or YAML's end of document, then only whitespace
# (what `str.rstrip` strips, within the line).
_CLOSING_RE = re.compile(r"^(?:---|\.\.\.)[^\S\n]*$", re.MULTILINE)


class _Dumper(yaml.SafeDumper):
    """Block style, Unicode kept, no line folding: diffs of paper files stay readable."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""Characters no paper text may hold (tab and newlines are fine): XML feeds cannot carry them,
and they arrive unseen from PDF copy-paste and JSON escapes."""


def _without_controls(value: Any) -> Any:
    if isinstance(value, str):
        return CONTROL_CHARACTERS.sub("", value)
    if isinstance(value, list):
        return [_without_controls(item) for item in value]
    if isinstance(value, dict):
        return {key: _without_controls(item) for key, item in value.items()}
    return value


def dump_document(meta: dict[str, Any], abstract: str, notes: str = "") -> str:
    """Write a paper file. Keys with None or empty values are left out; order is `FIELD_ORDER`.
    Control characters are dropped from every text, so what ingest writes always loads."""
    meta = _without_controls(meta)
    abstract, notes = _without_controls(abstract), _without_controls(notes)
    ordered = {key: meta[key] for key in FIELD_ORDER if key in meta}
    ordered.update((key, value) for key, value in meta.items() if key not in ordered)
    kept = {k: v for k, v in ordered.items() if v is not None and v not in ([], {})}
    front = yaml.dump(
        kept,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=1_000_000,
    )
    text = f"{_FENCE}\n{front}{_FENCE}\n{abstract.strip()}\n"
    if notes.strip():
        text += f"\n{NOTES_HEADING}\n\n{notes.strip()}\n"
    return text
