"""Merging records into content/, checked with hypothesis over any sequence of records.

Every record here carries a date, as records from arXiv, its listings and Hugging Face do. A record
that is skipped because its paper is not in content/ yet (an arXiv replacement, an undated BibTeX
entry) is the one designed exception: it applies on a later run, once the paper is there.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from site_builder.frontmatter import dump_document, parse_document
from site_builder.ingest.records import PaperRecord, title_id
from site_builder.ingest.store import store_records

from .conftest import tree

# Three papers, each known to sources by its arXiv id, its DOI or only its title (in several
# spellings, and once renamed between versions), so records often meet the same paper by id, DOI
# or title. A DOI belongs to one paper, as in the real world.
PAPERS = [
    (
        "2403.01234",
        "10.1000/xyz.42",
        [
            "A Study of Attention",
            "a  study of ATTENTION!",
            r"A Study of \textit{Attention}",
            "Attention, Studied Again",
        ],
    ),
    ("2403.05678", None, ["Another Paper", "Another paper."]),
    ("hep-th/9901001", None, ["Tülu 3: Post-Training"]),
]
DAYS = st.dates(min_value=date(2024, 1, 1), max_value=date(2024, 12, 31))


@st.composite
def records(draw: st.DrawFn) -> PaperRecord:
    arxiv_id, doi, titles = draw(st.sampled_from(PAPERS))
    title = draw(st.sampled_from(titles))
    paper_id = draw(st.sampled_from([arxiv_id, title_id(title), *([doi] if doi else [])]))
    published = draw(st.none() | DAYS)
    return PaperRecord(
        id=paper_id,
        title=title,
        abstract=draw(st.sampled_from(["", "Abstract one.", "Abstract two, revised."])),
        source=draw(st.sampled_from(["text", "arxiv", "hf", "bibtex"])),
        authors=draw(st.none() | st.tuples(st.sampled_from(["Ada", "Bo", "Zoë"]))),
        published=published,
        featured=draw(DAYS) if published is None else draw(st.none() | DAYS),
        updated=draw(st.none() | DAYS),
        version=draw(st.none() | st.integers(1, 3)),
        links=draw(
            st.dictionaries(
                st.sampled_from(["code", "project", "arxiv"]),
                st.sampled_from(["https://github.com/a/b", "https://example.org/p"]),
                max_size=2,
            )
        ),
        upvotes=draw(st.none() | st.integers(0, 500)),
        rank=draw(st.none() | st.integers(1, 50)),
        categories=draw(st.none() | st.just(("cs.CL", "cs.AI"))),
        keywords=draw(st.none() | st.just(("attention",))),
        github_stars=draw(st.none() | st.integers(0, 9)),
        doi=draw(st.none() | st.just(doi)) if doi else None,
        withdrawn=draw(st.none() | st.just(True)),
    )


sequences = st.lists(records(), max_size=8)


@given(sequences)
@settings(max_examples=100, deadline=None)
def test_ingesting_a_sequence_twice_equals_ingesting_it_once(sequence: list[PaperRecord]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        papers = Path(folder)
        store_records(sequence, papers)
        once = tree(papers)
        report = store_records(sequence, papers)
        assert tree(papers) == once
        assert report.added == [] and report.updated == []


CURATOR = {"topics": ["reasoning"], "hidden": True, "my_rating": 5, "seen_in": "reading group"}
NOTES = "Discussed on Friday; see the 2023 paper."


@given(sequences, sequences)
@settings(max_examples=60, deadline=None)
def test_curator_fields_survive_every_sequence(
    first: list[PaperRecord], then: list[PaperRecord]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        papers = Path(folder)
        store_records(first, papers)
        for path in papers.rglob("*.md"):
            doc = parse_document(path.read_text(), path=path)
            meta = {**doc.meta.data, **CURATOR}
            path.write_text(dump_document(meta, doc.abstract, NOTES))
        curated = set(papers.rglob("*.md"))
        store_records(then, papers)
        for path in curated:
            doc = parse_document(path.read_text(), path=path)
            for key, value in CURATOR.items():
                assert doc.meta.data[key] == value
            assert doc.notes == NOTES
