"""The arXiv API source: parsing recorded answers, paging over real HTTP, title look-ups."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from site_builder.errors import IngestError
from site_builder.frontmatter import parse_document
from site_builder.ingest.arxiv import fetch_arxiv, match_titles, parse_arxiv
from site_builder.ingest.fetch import Fetcher
from site_builder.ingest.records import split_arxiv_id
from site_builder.ingest.store import store_records

from .payload_server import Answer, PayloadServer, fixture

API = "/api/query"


def _parse(name: str) -> list:
    return parse_arxiv(fixture(name).body, origin=name).records


def test_an_answer_gives_every_field() -> None:
    paper = _parse("arxiv-query-page1.xml")[0]
    assert paper.id == "2403.01234" and paper.version == 2
    assert paper.title == "Evaluating LLMs at Detecting Errors in LLM Responses"
    assert paper.authors == ("Ryo Kamoi", "Rui Zhang")
    assert paper.affiliations == {
        "Ryo Kamoi": ["Penn State University"],
        "Rui Zhang": ["Penn State University", "Allen Institute for AI"],
    }
    assert (paper.published, paper.updated) == (date(2024, 4, 4), date(2024, 7, 16))
    assert paper.categories == ("cs.CL", "cs.AI")
    assert paper.comment == "COLM 2024, 46 pages"
    assert paper.journal_ref == "Conference on Language Modeling (COLM), 2024"
    assert paper.doi == "10.18653/v1/2024.colm-1.7"
    assert paper.links == {
        "arxiv": "https://arxiv.org/abs/2403.01234",
        "pdf": "https://arxiv.org/pdf/2403.01234",
        "doi": "https://doi.org/10.18653/v1/2024.colm-1.7",
        "code": "https://github.com/psunlpgroup/ReaLMistake",
    }
    assert paper.abstract.startswith("With Large Language Models (LLMs) being widely used")
    assert "\n" not in paper.abstract


def test_unicode_and_latex_titles_are_kept_as_written() -> None:
    paper = _parse("arxiv-query-page1.xml")[1]
    assert paper.title == r"Instruction Tuning with $\mathcal{O}(n)$ Memory: T\"ulu Meets Caf\'e"
    assert paper.authors == ("Zoë Ångström", "李 明")
    assert (
        paper.abstract
        == r"We tune T\"ulu models on 50\% of the data and keep accuracy within $\pm 1$ point."
    )


def test_the_older_format_old_style_ids_and_a_withdrawn_paper() -> None:
    branes, withdrawn = _parse("arxiv-ids-old-format.xml")
    assert branes.id == "hep-th/9901001" and branes.version == 3
    assert branes.categories == ("hep-th", "hep-ph")
    assert branes.affiliations == {
        "Lisa Randall": ["Princeton University"],
        "Raman Sundrum": ["Boston University"],
    }
    assert branes.journal_ref == "Phys.Rev.Lett.83:3370-3373,1999"
    assert branes.links["arxiv"] == "https://arxiv.org/abs/hep-th/9901001"
    assert branes.withdrawn is None
    assert withdrawn.id == "1001.0001" and withdrawn.withdrawn is True


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2403.01234", ("2403.01234", None)),
        ("2403.01234v2", ("2403.01234", 2)),
        ("arXiv:2403.01234v12", ("2403.01234", 12)),
        ("0704.0001", ("0704.0001", None)),
        ("hep-th/9901001", ("hep-th/9901001", None)),
        ("math.GT/0309136v1", ("math.GT/0309136", 1)),
        ("https://arxiv.org/abs/2403.01234v3", ("2403.01234", 3)),
        ("http://arxiv.org/pdf/hep-th/9901001v2", ("hep-th/9901001", 2)),
        ("10.1234/abc", None),
        ("2403.0123", None),
        ("a-paper-123abc", None),
    ],
)
def test_arxiv_ids(text: str, expected: tuple[str, int | None] | None) -> None:
    assert split_arxiv_id(text) == expected


def test_empty_results_are_no_papers() -> None:
    page = parse_arxiv(fixture("arxiv-empty.xml").body, origin="x")
    assert page.records == [] and page.total == 0


def test_an_api_error_entry_is_an_error() -> None:
    with pytest.raises(IngestError, match="the API refused the request: incorrect id format"):
        parse_arxiv(fixture("arxiv-error.xml").body, origin="x")


def test_truncated_xml_names_the_position() -> None:
    data = fixture("arxiv-query-page1.xml").body[:1500]
    with pytest.raises(IngestError) as caught:
        parse_arxiv(data, origin="answer.xml")
    assert caught.value.line is not None
    assert str(caught.value).startswith(
        f"answer.xml:{caught.value.line}: arxiv: malformed XML at line"
    )


def test_a_query_is_paged_until_the_total(payloads: PayloadServer, fetcher: Fetcher) -> None:
    payloads.route(API, fixture("arxiv-query-page1.xml"), fixture("arxiv-query-page2.xml"))
    records = fetch_arxiv(
        fetcher,
        query="cat:cs.CL AND ti:instruction",
        max_results=10,
        page_size=2,
        base_url=payloads.url + API,
        delay=0,
    )
    assert [r.id for r in records] == ["2403.01234", "2405.11111", "2406.22222"]
    asked = [parse_qs(urlsplit(r.target).query) for r in payloads.requests]
    assert [(q["start"], q["max_results"]) for q in asked] == [(["0"], ["2"]), (["2"], ["2"])]
    assert asked[0]["search_query"] == ["cat:cs.CL AND ti:instruction"]


def test_an_empty_page_inside_the_results_is_a_failure(
    payloads: PayloadServer, fetcher: Fetcher
) -> None:
    payloads.route(API, fixture("arxiv-query-page1.xml"), fixture("arxiv-empty.xml"))
    with pytest.raises(IngestError, match="arxiv: an empty page at 2 of 3 results"):
        fetch_arxiv(fetcher, query="ti:x", page_size=2, base_url=payloads.url + API, delay=0)


def test_an_empty_result_is_one_request(payloads: PayloadServer, fetcher: Fetcher) -> None:
    payloads.route(API, fixture("arxiv-empty.xml"))
    assert fetch_arxiv(fetcher, query="ti:x", base_url=payloads.url + API, delay=0) == []
    assert len(payloads.requests) == 1


def test_ids_with_versions_and_old_style_ids(payloads: PayloadServer, fetcher: Fetcher) -> None:
    payloads.route(API, fixture("arxiv-ids-old-format.xml"))
    records = fetch_arxiv(
        fetcher, ids=["hep-th/9901001v3", "1001.0001"], base_url=payloads.url + API, delay=0
    )
    assert [r.id for r in records] == ["hep-th/9901001", "1001.0001"]
    asked = parse_qs(urlsplit(payloads.requests[0].target).query)
    assert asked["id_list"] == ["hep-th/9901001v3,1001.0001"]


def test_a_bad_page_means_no_records(
    payloads: PayloadServer, fetcher: Fetcher, tmp_path: Path
) -> None:
    broken = Answer(fixture("arxiv-query-page2.xml").body[:700], 200)
    payloads.route(API, fixture("arxiv-query-page1.xml"), broken)
    with pytest.raises(IngestError, match="malformed XML"):
        fetch_arxiv(fetcher, query="ti:x", page_size=2, base_url=payloads.url + API, delay=0)
    assert not list(tmp_path.iterdir())


def test_an_invalid_id_is_refused_before_any_request(
    payloads: PayloadServer, fetcher: Fetcher
) -> None:
    with pytest.raises(IngestError, match=r"'2403\.0123' is not an arXiv id"):
        fetch_arxiv(fetcher, ids=["2403.0123"], base_url=payloads.url + API, delay=0)
    assert payloads.requests == []


def test_a_replaced_version_updates_the_paper(tmp_path: Path) -> None:
    v1 = _parse("arxiv-query-page1.xml")[0]
    store_records([v1], tmp_path)
    rss_v3 = parse_arxiv(
        fixture("arxiv-query-page1.xml").body.replace(b"2403.01234v2", b"2403.01234v3"),
        origin="x",
    ).records[0]
    report = store_records([rss_v3], tmp_path)
    assert len(report.updated) == 1
    meta = parse_document(report.updated[0].read_text(), path=tmp_path).meta.data
    assert meta["version"] == 3
    # An older version read later never downgrades the file.
    assert store_records([v1], tmp_path).unchanged == report.updated


def test_titles_are_matched_only_when_exactly_one_paper_has_them(
    payloads: PayloadServer, fetcher: Fetcher
) -> None:
    one = fixture("arxiv-query-page2.xml")
    two = Answer(
        fixture("arxiv-query-page1.xml").body.replace(
            b"Instruction Tuning with $\\mathcal{O}(n)$ Memory: T\\\"ulu Meets Caf\\'e",
            b"Evaluating LLMs at Detecting Errors in LLM Responses",
        )
    )
    payloads.route(API, one, two, fixture("arxiv-empty.xml"))
    found = match_titles(
        fetcher,
        ["Self-instruct at scale!", "Evaluating LLMs at detecting errors in LLM responses", "Nope"],
        base_url=payloads.url + API,
        delay=0,
    )
    assert found[0].record is not None and found[0].record.id == "2406.22222"
    assert found[1].record is None and found[1].candidates == ("2403.01234", "2405.11111")
    assert found[2].record is None and found[2].candidates == ()
    asked = parse_qs(urlsplit(payloads.requests[0].target).query)
    assert asked["search_query"] == ['ti:"self instruct at scale"']
