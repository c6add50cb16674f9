"""The citation texts' fast paths give the same text as the plain library calls they replace."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from site_builder.citation import _ascii_word, bibtex_key, indented_json, json_ld
from site_builder.models import Link, Paper

json_values = st.recursive(
    st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@given(json_values)
@settings(max_examples=300, deadline=None)
def test_indented_json_is_json_dumps_with_indent_1(value: object) -> None:
    assert indented_json(value) == json.dumps(value, ensure_ascii=False, indent=1)


def _reference_ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def _reference_key(paper: Paper) -> str:
    surname = _reference_ascii_word(paper.authors[0].split()[-1]) if paper.authors else ""
    words = [_reference_ascii_word(w) for w in paper.title.split()]
    first = next((w for w in words if len(w) > 3), words[0] if words else "")
    return f"{surname or 'paper'}{(paper.published or paper.day).year}{first}"


names = st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=30)


@given(word=st.text(max_size=20))
@settings(max_examples=300, deadline=None)
def test_ascii_word_matches_the_unicode_folding(word: str) -> None:
    assert _ascii_word(word) == _reference_ascii_word(word)


@given(
    title=st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=60),
    authors=st.lists(names.filter(str.split), max_size=3),
    day=st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 1, 1)),
)
@settings(max_examples=300, deadline=None)
def test_bibtex_key_matches_the_reference(title: str, authors: list[str], day: date) -> None:
    paper = Paper(id="x", title=title, authors=tuple(authors), published=day, featured=day)
    assert bibtex_key(paper) == _reference_key(paper)


@given(
    title=names,
    authors=st.lists(names, max_size=4),
    abstract=st.text(max_size=200),
    keywords=st.lists(names, max_size=3),
)
@settings(max_examples=150, deadline=None)
def test_json_ld_is_the_indented_json_dump_made_script_safe(
    title: str, authors: list[str], abstract: str, keywords: list[str]
) -> None:
    links = (Link(kind="arxiv", url="https://arxiv.org/abs/2401.00001"),)
    paper = Paper(
        id="2401.00001", title=title, authors=tuple(authors), featured=date(2024, 1, 2), links=links
    )
    text = json_ld(paper, url="https://example.org/p/<x>&", abstract=abstract, keywords=keywords)
    data = {
        "@context": "https://schema.org",
        "@type": "ScholarlyArticle",
        "headline": title[:110],
        "name": title,
        "url": "https://example.org/p/<x>&",
        "abstract": abstract,
        "datePublished": "2024-01-02",
    }
    if authors:
        data["author"] = [{"@type": "Person", "name": name} for name in authors]
    if keywords:
        data["keywords"] = keywords
    data["sameAs"] = ["https://arxiv.org/abs/2401.00001"]
    expected = json.dumps(data, ensure_ascii=False, indent=1)
    for char, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        expected = expected.replace(char, code)
    assert text == expected
    assert json.loads(text) == data
