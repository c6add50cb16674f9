"""arXiv listings, Hugging Face, BibTeX and JSON/YAML: recorded payloads through the real parsers,
and what merging them into content/ gives."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from site_builder.errors import IngestError
from site_builder.frontmatter import parse_document
from site_builder.ingest.arxiv import parse_arxiv
from site_builder.ingest.arxiv_rss import parse_listing
from site_builder.ingest.bibtex import parse_bibtex
from site_builder.ingest.hf import parse_hf
from site_builder.ingest.jsonlist import parse_paper_list
from site_builder.ingest.store import store_records
from site_builder.load import load_papers

from .payload_server import fixture


def _meta(path: Path) -> dict:
    return dict(parse_document(path.read_text(), path=path).meta.data)


# --- arXiv listings -----------------------------------------------------------------------------


def test_rss_listing_announce_types() -> None:
    new, cross, replace, replace_cross = parse_listing(
        fixture("arxiv-rss-listing.xml").body, origin="x"
    )
    assert (new.id, new.version, new.published, new.featured) == (
        "2609.26811",
        1,
        date(2026, 9, 24),
        date(2026, 9, 24),
    )
    assert new.abstract.startswith("Local learning trains each layer")
    assert new.authors == ("Fabien Polly",)
    assert cross.authors == ("Pritam Dey", "Zhengwu Zhang", "David B. Dunson")
    assert cross.categories == ("stat.ME", "stat.ML")
    # A cross-list of a v2 is new to this listing, but its first version appeared earlier.
    assert cross.published is None and cross.featured == date(2026, 9, 24)
    for replaced in (replace, replace_cross):
        assert replaced.update_only and replaced.featured is None
        assert replaced.updated == date(2026, 9, 24) and replaced.version == 3


def test_the_atom_variant_and_unicode() -> None:
    new, replace = parse_listing(fixture("arxiv-rss-listing.atom").body, origin="x")
    assert new.title == "Schrödinger's Tokens: Uncertainty in Décoding"
    assert new.authors == ("Émile Zola", "Søren Kierkegaard")
    assert new.published == date(2026, 9, 24)
    assert replace.update_only and replace.id == "2403.01234"


def test_the_rss1_listings_arxiv_served_before_2024() -> None:
    new, updated = parse_listing(fixture("arxiv-rss-listing-rss1.rdf").body, origin="x")
    assert (new.id, new.title, new.categories) == (
        "2310.00001",
        "Small Models Reason Too",
        ("cs.CL",),
    )
    assert new.authors == ("Jane Doe", "Richard Roe")
    assert new.abstract == "We show that small models reason too."
    assert updated.update_only and updated.version == 2


def test_an_empty_listing_is_no_papers() -> None:
    assert parse_listing(fixture("arxiv-rss-empty.xml").body, origin="x") == []


def test_replacements_update_papers_already_there_and_are_skipped_otherwise(
    tmp_path: Path,
) -> None:
    store_records(parse_arxiv(fixture("arxiv-query-page1.xml").body, origin="x").records, tmp_path)
    records = parse_listing(fixture("arxiv-rss-listing.xml").body, origin="x")
    report = store_records(records, tmp_path)
    assert len(report.added) == 2  # the new paper and the cross-list
    [updated] = report.updated
    meta = _meta(updated)
    assert meta["version"] == 3 and meta["updated"] == date(2026, 9, 24)
    assert "featured" not in meta  # a new version is not a new listing of the paper
    assert meta["affiliations"]["Rui Zhang"] == ["Penn State University", "Allen Institute for AI"]
    assert report.skipped == [
        ("2009.13987", "a new version of a paper not in content/ (updates only)")
    ]
    # Never a duplicate, and a second run changes nothing.
    again = store_records(records, tmp_path)
    assert (again.added, again.updated) == ([], [])
    assert len(list(tmp_path.rglob("*.md"))) == 4


def test_replacements_can_be_included(tmp_path: Path) -> None:
    records = parse_listing(
        fixture("arxiv-rss-listing.xml").body, origin="x", include_replacements=True
    )
    report = store_records(records, tmp_path)
    assert len(report.added) == 4 and not report.skipped


def test_truncated_listing_is_an_error_with_its_line() -> None:
    data = fixture("arxiv-rss-listing.xml").body[:2000]
    with pytest.raises(
        IngestError, match=r"^listing.xml:\d+: arxiv-rss: malformed XML at line \d+"
    ):
        parse_listing(data, origin="listing.xml")


# --- Hugging Face -------------------------------------------------------------------------------


def test_hf_daily_papers() -> None:
    records = parse_hf(fixture("hf-daily-papers.json").body, origin="x")
    assert [r.rank for r in records] == [1, 2, 3, 4]
    flash = records[1]
    assert flash.id == "2606.10896"
    assert (flash.featured, flash.published) == (date(2026, 6, 12), date(2026, 6, 9))
    assert (flash.upvotes, flash.github_stars) == (2, 12)
    assert flash.links["code"] == "https://github.com/IBM/Flash-GMM"
    assert flash.links["huggingface"] == "https://huggingface.co/papers/2606.10896"
    assert flash.keywords is not None and "Triton kernel" in flash.keywords
    assert records[2].links["project"].startswith("https://chicychen.github.io/")
    assert "code" not in records[0].links and records[0].github_stars is None


def test_hf_older_shape() -> None:
    mm1, star = parse_hf(fixture("hf-daily-papers-2024.json").body, origin="x")
    assert mm1.featured == date(2024, 3, 15)  # the entry's publishedAt: no submittedOnDailyAt yet
    assert mm1.upvotes == 119 and mm1.keywords is None
    assert star.upvotes == 61  # kept on the entry, not the paper, in this shape


def test_hf_single_paper_object() -> None:
    [paper] = parse_hf(fixture("hf-paper.json").body, origin="x")
    assert paper.id == "2606.10896" and paper.rank is None and paper.upvotes == 2


def test_hf_invalid_json_names_line_and_column() -> None:
    with pytest.raises(IngestError) as caught:
        parse_hf(fixture("hf-truncated.json").body, origin="daily.json")
    assert str(caught.value) == (
        "daily.json:1: hf: invalid JSON at line 1, column 1487: Unterminated string starting at"
    )


def test_hf_entry_without_title_names_the_entry() -> None:
    with pytest.raises(IngestError, match=r"hf: entry 2: paper.title: missing"):
        parse_hf(
            b'[{"paper": {"id": "2606.00467", "title": "A"}}, {"paper": {"id": "2606.00468"}}]',
            origin="x",
        )


def test_hf_and_arxiv_become_one_file_with_the_richer_fields_of_both(tmp_path: Path) -> None:
    hf = parse_hf(fixture("hf-daily-papers.json").body, origin="x")
    arxiv = parse_arxiv(fixture("arxiv-query-page1.xml").body, origin="x").records
    store_records(hf, tmp_path)
    report = store_records(arxiv, tmp_path)
    [merged] = list(report.updated)
    meta = _meta(merged)
    assert meta["id"] == "2403.01234"
    assert (meta["upvotes"], meta["github_stars"], meta["rank"]) == (42, 87, 4)
    assert meta["featured"] == date(2026, 6, 12)
    assert meta["version"] == 2 and meta["journal_ref"].startswith("Conference on Language")
    assert meta["categories"] == ["cs.CL", "cs.AI"] and meta["keywords"] == [
        "error detection",
        "LLM evaluation",
    ]
    assert set(meta["links"]) == {"arxiv", "pdf", "doi", "code", "huggingface"}
    # The other order gives the same file.
    other = tmp_path / "other"
    store_records(arxiv, other)
    store_records(hf, other)
    [again] = list(other.rglob("2403.01234.md"))
    assert _meta(again) == meta


# --- BibTeX -------------------------------------------------------------------------------------


def test_bibtex_ids_accents_and_dates() -> None:
    kamoi, tulu, branes, bayes = parse_bibtex(fixture("refs.bib").body, origin="refs.bib")
    assert (kamoi.id, kamoi.version, kamoi.published) == ("2403.01234", 2, date(2024, 10, 1))
    assert kamoi.title == "Evaluating LLMs at Detecting Errors in LLM Responses"
    assert kamoi.journal_ref == "Conference on Language Modeling"  # from the @string
    assert kamoi.keywords == ("error detection", "evaluation")
    assert tulu.id == "2411.15124"  # Google Scholar's "arXiv preprint arXiv:ID"
    assert tulu.title == "TÜLU 3: Pushing Frontiers in Open Café Post-Training"
    assert tulu.authors == ("Jörg Müller", "María García")  # "and others" dropped
    assert branes.id == "hep-th/9901001"  # from the arxiv.org url
    assert bayes.id == "10.1234/joe.2020.42" and bayes.published == date(2020, 7, 1)
    assert bayes.authors == ("John Smith", "Ana de la Cruz")
    assert bayes.abstract == r"We study naïve Bayes when noise is $\alpha$-stable."


def test_broken_bibtex_names_the_entry_line_and_yields_nothing() -> None:
    with pytest.raises(IngestError) as caught:
        parse_bibtex(fixture("refs-broken.bib").body, origin="refs-broken.bib")
    assert str(caught.value).startswith("refs-broken.bib:6: bibtex: an entry does not parse")


# --- JSON and YAML ------------------------------------------------------------------------------


def test_yaml_and_json_lists(tmp_path: Path) -> None:
    yaml_records = parse_paper_list(fixture("papers.yaml").body, origin="papers.yaml")
    json_records = parse_paper_list(fixture("papers.json").body, origin="papers.json")
    assert [r.id for r in yaml_records] == ["2403.01234", "10.5555/unicode.2025"]
    assert yaml_records[1].title == "Ünïcödé Everywhere: Tokenizing Žluťoučký Kůň"
    assert json_records[0].upvotes == 7
    store_records([*yaml_records, *json_records], tmp_path)
    papers = load_papers(tmp_path, topics=())
    assert sorted(p.id for p in papers) == ["10.5555/unicode.2025", "2403.01234", "2406.22222"]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (fixture("papers-bad.json").body, "json: entry 2: links.code: must be an absolute http"),
        (b'[{"id": "x", "title": "T", "published": "2024-01-01",', "json: invalid JSON at line 1"),
        (b"- id: x\n  title: [unclosed\n", "json: invalid YAML"),
        (
            b'[{"id": "x", "title": "T", "published": "2024-01-01", "topics": ["a"]}]',
            "entry 1: topics: is the curator's",
        ),
        (b'{"id": "x"}', "expected a list of papers"),
    ],
)
def test_bad_lists_name_the_entry_or_position(payload: bytes, message: str) -> None:
    with pytest.raises(IngestError, match=message):
        parse_paper_list(payload, origin="list")
