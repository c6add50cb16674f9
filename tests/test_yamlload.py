"""The line-by-line reader of plain YAML gives exactly what PyYAML gives, or steps aside.

`load_mapping` reads documents in the plain subset itself and hands everything else to PyYAML;
for any text, what it returns (values, their types, and every key's line) must be what PyYAML's
node-building path returns, and every text PyYAML rejects must be left to PyYAML so the error
is PyYAML's own.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from site_builder import yamlload
from site_builder.errors import ContentError
from site_builder.frontmatter import dump_document
from site_builder.yamlload import YamlMapping, _parsed_mapping, _plain_mapping, load_mapping

from .test_load import GOOD

PATH = Path("paper.md")


def typed(value: Any) -> Any:
    """`value` with every type spelt out: True == 1 == 1.0 in Python, but not here."""
    if isinstance(value, dict):
        return ("dict", [(typed(key), typed(item)) for key, item in value.items()])
    if isinstance(value, list):
        return ("list", [typed(item) for item in value])
    return (type(value).__name__, value)


def parsed(text: str, first_line: int = 2) -> YamlMapping | None:
    """What PyYAML makes of `text`, or None where it reports an error."""
    try:
        return _parsed_mapping(
            text, path=PATH, error=ContentError, first_line=first_line, what="front matter"
        )
    except ContentError:
        return None


def assert_same_as_pyyaml(text: str) -> YamlMapping | None:
    fast = _plain_mapping(text, 2)
    if fast is not None:
        reference = parsed(text)
        assert reference is not None, f"PyYAML rejects {text!r}, the plain reader does not"
        assert typed(fast.data) == typed(reference.data)
        assert fast.lines == reference.lines
    return fast


# Scalars built from the characters that matter to YAML, and words YAML types.
TRICKY = st.sampled_from(
    [*"ab Z09-?:,[]{}#&*!|>'\"%@`.~<=_/\\é\u00a0\u3000",
       ": ", " #", "- ", "yes", "no", "on", "Off", "null", "~", "true", "1", "-1", "0x1f", "1_000",
       "1:30", "0o17", "017", ".5", "1e3", ".inf", ".NaN", "2024-03-02", "2024-03-02 10:00:00",
       "2024-03-02T10:00:00Z", "<<", "="]
)  # fmt: skip
SCALAR = st.lists(TRICKY, min_size=0, max_size=6).map("".join)
KEY = st.sampled_from(["id", "title", "on", "yes", "null", "y", "links", "a_b", "Key9", "x"])
NESTED_KEY = st.sampled_from(["arxiv", "code", "Ada Lovelace", "1", "yes", "a:b", "#x", "- x"])


def quoted(value: str, mark: str) -> str:
    return mark + value.replace(mark, mark * 2) + mark if mark == "'" else f'"{value}"'


VALUE = st.one_of(
    SCALAR,
    st.builds(quoted, SCALAR, st.sampled_from(["'", '"'])),
    st.lists(SCALAR, max_size=4).map(lambda items: "[" + ", ".join(items) + "]"),
    st.lists(SCALAR, max_size=4).map(lambda items: "[" + ",".join(items) + "]"),
)


@st.composite
def entries(draw: st.DrawFn) -> str:
    """One key and its value, in one of the shapes front matter is written in."""
    key = draw(KEY)
    shape = draw(st.sampled_from(["inline", "block list", "nested", "empty", "raw"]))
    if shape == "inline":
        return f"{key}: {draw(VALUE)}"
    if shape == "empty":
        return f"{key}:"
    if shape == "raw":  # anything at all, to meet the reader's refusals
        return draw(
            st.lists(st.one_of(TRICKY, st.just("\n"), st.just("\t")), max_size=8).map("".join)
        )
    if shape == "block list":
        indent = draw(st.sampled_from(["", "  ", " "]))
        items = draw(st.lists(VALUE, min_size=1, max_size=3))
        return f"{key}:\n" + "\n".join(f"{indent}- {item}" for item in items)
    indent = draw(st.sampled_from(["  ", "    "]))
    pairs = draw(st.lists(st.tuples(NESTED_KEY, nested_values()), min_size=1, max_size=3))
    return f"{key}:\n" + "\n".join(
        f"{indent}{name}:{value.replace(chr(10), chr(10) + indent)}" for name, value in pairs
    )


@st.composite
def nested_values(draw: st.DrawFn) -> str:
    """What follows a nested key's colon: a value, nothing, or a list on the lines below."""
    shape = draw(st.sampled_from(["inline", "empty", "list"]))
    if shape == "inline":
        return " " + draw(VALUE)
    if shape == "empty":
        return ""
    indent = draw(st.sampled_from(["", "  ", " "]))
    items = draw(st.lists(VALUE, min_size=1, max_size=3))
    return "".join(f"\n{indent}- {item}" for item in items)


DOCUMENT = st.lists(st.one_of(entries(), st.just("")), max_size=6).map("\n".join)


@given(DOCUMENT)
@settings(max_examples=3000, deadline=None)
@example("id: x\nid: y")
@example("links:\n  code: a\n  code: b")
@example("title: Foo [bar] {x}, y")
@example("title: 'it''s'")
@example("a: [1, 2.5, yes, ~, 2024-01-02]")
@example("title: a\n  continued")
@example("upvotes: 1:30")
@example("affiliations:\n  Ada:\n  - X\n  Bob:\n    - Y\n  Cy: [Z]\n  Di:")
def test_the_plain_reader_equals_pyyaml(text: str) -> None:
    assert_same_as_pyyaml(text)


@given(
    title=st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=60),
    authors=st.lists(st.text(min_size=1, max_size=20), max_size=4),
    affiliations=st.dictionaries(
        st.text(st.characters(categories=("L", "Zs")), min_size=1, max_size=12),
        st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=2),
        max_size=2,
    ),
    day=st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 1, 1)),
    upvotes=st.integers(min_value=0, max_value=10_000),
    hidden=st.booleans(),
)
@settings(max_examples=500, deadline=None)
def test_written_front_matter_reads_the_same(
    title: str,
    authors: list[str],
    affiliations: dict[str, list[str]],
    day: date,
    upvotes: int,
    hidden: bool,
) -> None:
    meta = {
        "id": "2403.01234",
        "title": title,
        "authors": authors,
        "affiliations": affiliations,
        "featured": day,
        "links": {"arxiv": "https://arxiv.org/abs/2403.01234"},
        "upvotes": upvotes,
        "hidden": hidden,
    }
    written = dump_document(meta, "Abstract.")
    assert_same_as_pyyaml(written.split("---\n")[1])


def test_paper_front_matter_is_read_without_pyyaml() -> None:
    """The shapes papers are written in (by hand, by ingest, by the benchmark corpus) are all
    in the plain subset: otherwise the fast path would be fast for nobody."""
    front = GOOD.split("---\n")[1]
    written = dump_document(
        {
            "id": "2403.01234",
            "title": "Evaluating LLMs: a study",
            "authors": ["Ada Lovelace", "Alan Turing"],
            "affiliations": {"Ada Lovelace": ["University of London"]},
            "featured": date(2025, 3, 13),
            "links": {"arxiv": "https://arxiv.org/abs/2403.01234"},
            "upvotes": 3,
            "withdrawn": False,
        },
        "Abstract.",
    ).split("---\n")[1]
    bench = """id: "2412.08819"
title: "Embedding Latency Coverage Hallucination Reward Search"
authors: [Ivan Wu, Lei Singh, Lucas Xu]
published: 2024-12-14
featured: 2024-12-14
links:
  arxiv: https://arxiv.org/abs/2412.08819
  pdf: https://arxiv.org/pdf/2412.08819
upvotes: 0
source: bench
"""
    for text in (front, written, bench):
        assert assert_same_as_pyyaml(text) is not None, text


@pytest.mark.parametrize(
    "text",
    [
        "title: a\n  continued",  # a plain scalar over two lines
        "title: |\n  block",
        "title: x # a comment",
        "# a comment\ntitle: x",
        "title:\ttab",
        "title: &anchor x\nother: *anchor",
        "rank: -1",
        "links:\n  code:\n    deeper: x",
        "authors:\n- a\n  - b",
        'title: "escaped \\" quote"',
        "id: x\nid: y",
    ],
)
def test_anything_else_is_left_to_pyyaml(text: str) -> None:
    assert _plain_mapping(text, 2) is None
    assert_same_as_pyyaml(text)


def test_errors_still_name_the_line() -> None:
    with pytest.raises(ContentError) as caught:
        load_mapping("id: x\nrank: 2\nrank: 3", path=PATH, error=ContentError, first_line=2)
    assert (caught.value.line, caught.value.field) == (4, "rank")
    assert "duplicate key (first given on line 3)" in str(caught.value)


@settings(max_examples=2000, deadline=None)
@given(
    st.one_of(
        st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=40),
        st.text(max_size=40),
        st.text(alphabet=st.sampled_from("a\n\t\r\x7f\x85\xa0\u2028\ufeff\uffff"), max_size=12),
    )
)
def test_the_ascii_check_of_unsure_text_agrees_with_the_full_class(text: str) -> None:
    """ASCII text is checked with a small class; it must refuse exactly what the full one does."""
    assert yamlload._unsure_text(text) == (re.search(yamlload._UNSURE_CHARACTER, text) is not None)
