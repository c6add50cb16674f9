"""Splitting a paper file: the quick split gives what splitting it into lines gives."""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from site_builder.errors import ContentError
from site_builder.frontmatter import Document, parse_document
from site_builder.load import _validate, load_paper
from site_builder.models import Paper
from site_builder.yamlload import load_mapping

PATH = Path("paper.md")
_NOTES = re.compile(r"^## Notes[ \t]*$", re.MULTILINE)


def split_by_lines(text: str, *, path: Path) -> Document:
    """The simple reference: split into lines and look at each."""
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        raise ContentError(
            "a paper file must start with a '---' line opening its front matter", path=path, line=1
        )
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            closing = index
            break
    else:
        raise ContentError(
            "the front matter opened here is never closed: add a '---' line after it",
            path=path,
            line=1,
        )
    meta = load_mapping(
        "\n".join(lines[1:closing]),
        path=path,
        error=ContentError,
        first_line=2,
        what="front matter",
    )
    body = "\n".join(lines[closing + 1 :])
    match = _NOTES.search(body)
    abstract, notes = (body[: match.start()], body[match.end() :]) if match else (body, "")
    return Document(
        meta=meta, abstract=abstract.strip(), notes=notes.strip(), body=body, body_line=closing + 2
    )


def outcome(parse: object, text: str) -> object:
    try:
        return parse(text, path=PATH)  # type: ignore[operator]
    except ContentError as exc:
        return str(exc)


LINES = st.sampled_from(
    ["---", "--- ", "---\x0c", "---x", "...", "... ", " ---", "## Notes", "## Notes \t",
     "##  Notes", "id: x", "title: T", "published: 2024-01-02", "", " ", "Text.", "\x1c",
     "a\u2028b", "\x85"]
)  # fmt: skip
TEXT = st.lists(LINES, max_size=10).map("\n".join)


@given(TEXT)
@settings(max_examples=2000, deadline=None)
@example("---")
@example("---\n---")
@example("---\nid: x\n---\nAbstract\n## Notes\nNote")
def test_the_quick_split_equals_splitting_into_lines(text: str) -> None:
    assert outcome(parse_document, text) == outcome(split_by_lines, text)


def full_check(text: str, path: Path, topics: Collection[str]) -> Paper | str:
    """Loading with every text searched for control characters."""
    try:
        return _validate(parse_document(text, path=path), path, topics, controls=True)
    except ContentError as exc:
        return str(exc)


PIECES = st.sampled_from(["a", " ", "\\", "\\f", "\\x0c", "\x0c", "\x08", "\x7f", "é", "\t", '"'])


@given(
    title=st.lists(PIECES, max_size=5).map("".join),
    quote=st.sampled_from(['"', "'", ""]),
    abstract=st.lists(PIECES, max_size=5).map("".join),
)
@settings(max_examples=500, deadline=None)
def test_skipping_the_control_character_search_changes_nothing(
    tmp_path_factory: pytest.TempPathFactory, title: str, quote: str, abstract: str
) -> None:
    """`load_paper` only searches for control characters where the file could hold one."""
    text = f"---\nid: x\ntitle: {quote}T{title}{quote}\nfeatured: 2025-01-01\n---\n{abstract}\n"
    path = tmp_path_factory.mktemp("p") / "p.md"
    path.write_bytes(text.encode())
    try:
        loaded: Paper | str = load_paper(path, topics=())
    except ContentError as exc:
        loaded = str(exc)
    assert loaded == full_check(text, path, ())
