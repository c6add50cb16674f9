"""Properties that hold for any input, checked with hypothesis."""

from __future__ import annotations

import posixpath
import tempfile
from datetime import date
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from site_builder.frontmatter import dump_document, parse_document
from site_builder.ingest.records import normalize_title, title_id
from site_builder.load import load_paper
from site_builder.urls import paper_slug, relative, slugify

text = st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=80)
words = st.text(st.characters(categories=("L", "N")), min_size=1, max_size=12)
title = st.lists(words, min_size=1, max_size=12).map(" ".join)


@given(
    title=title,
    authors=st.lists(text.filter(str.strip), max_size=4),
    day=st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 1, 1)),
    rank=st.integers(min_value=1, max_value=10_000),
    extra=st.dictionaries(st.sampled_from(["my_rating", "comment", "seen_at"]), text, max_size=2),
    abstract=st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=300),
    notes=st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=100),
)
@settings(max_examples=150, deadline=None)
def test_paper_files_round_trip(
    title: str,
    authors: list[str],
    day: date,
    rank: int,
    extra: dict[str, str],
    abstract: str,
    notes: str,
) -> None:
    meta = {
        "id": title_id(title),
        "title": title,
        "authors": authors,
        "featured": day,
        "rank": rank,
        **extra,
    }
    written = dump_document(meta, abstract, notes)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "p.md"
        path.write_text(written, encoding="utf-8")
        doc = parse_document(written, path=path)
        paper = load_paper(path, topics=set())
    for key, value in meta.items():
        if value != []:
            assert doc.meta.data[key] == value
    assert paper.title == " ".join(title.split())
    assert paper.authors == tuple(a.strip() for a in authors)
    assert doc.abstract == abstract.strip()
    if "## Notes" not in abstract:
        assert doc.notes == notes.strip()
    # Writing what was read gives the same file: a second ingest is a no-op.
    assert dump_document(dict(doc.meta.data), doc.abstract, doc.notes) == written or (
        "## Notes" in abstract
    )


@given(text)
def test_slugs_are_url_safe_and_stable(value: str) -> None:
    slug = slugify(value)
    assert slug == slugify(value)
    assert len(slug) <= 80
    assert all(ch.isascii() and (ch.isalnum() or ch == "-") for ch in slug)
    assert not slug.startswith("-") and not slug.endswith("-")
    page = paper_slug(value)
    assert page and "/" not in page and not page.startswith(".")


@given(title, title)
def test_title_ids_differ_when_normalised_titles_differ(first: str, second: str) -> None:
    assert (title_id(first) == title_id(second)) == (
        normalize_title(first) == normalize_title(second)
    ) or slugify(first) != slugify(second)


@given(
    st.lists(st.from_regex(r"[a-z0-9]{1,6}", fullmatch=True), min_size=1, max_size=4),
    st.lists(st.from_regex(r"[a-z0-9]{1,6}", fullmatch=True), min_size=1, max_size=4),
)
def test_relative_links_resolve_back_to_their_target(source: list[str], target: list[str]) -> None:
    start = "/".join(source) + "/index.html"
    goal = "/".join(target) + "/index.html"
    link = relative(start, goal)
    assert posixpath.normpath(posixpath.join(posixpath.dirname(start), link)) == goal
