"""Archives, author pages, related papers and citation data, on a small site spread over time."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from site_builder.citation import bibtex, json_ld, scholar_tags
from site_builder.cli import main
from site_builder.config import load_config
from site_builder.enrich.related import related_papers
from site_builder.models import Paper
from site_builder.pipeline import load_catalog

from .sitecheck import broken_links, parse_html
from .test_html_valid import _messages as vnu_messages

DAYS = [
    date(2025, 2, 27),
    date(2025, 3, 3),
    date(2025, 3, 3),
    date(2025, 3, 13),
    date(2025, 3, 13),
    date(2025, 3, 13),
    date(2025, 4, 1),
]
TOPICS = ["diffusion models for images", "reasoning with verifiers", "hallucination in LLMs"]


@pytest.fixture
def timeline_site(site_dir: Path, write_paper: Callable[[str, str], Path]) -> Path:
    """Seven papers over five days in three months; two share an author."""
    for index, day in enumerate(DAYS):
        authors = ["Ada Lovelace", f"Author {index}"] if index % 3 == 0 else [f"Author {index}"]
        topic = TOPICS[index % 3]
        # Paper 0 was known by its title before its arXiv id; its alias 2503.00001 is taken.
        aliases = '["paper-0-on-diffusion-models-abc123", "2503.00001"]' if index == 0 else "[]"
        write_paper(
            f"{day.year}/p{index}.md",
            (
                f'---\nid: "2503.0000{index}"\ntitle: Paper {index} on {topic}\n'
                f"authors: {json.dumps(authors)}\npublished: {day - timedelta(days=3)}\n"
                f"featured: {day}\nupvotes: {10 * index}\naliases: {aliases}\n"
                f"links:\n  arxiv: https://arxiv.org/abs/2503.0000{index}\n"
                f"  pdf: https://arxiv.org/pdf/2503.0000{index}\n---\n"
                f"We study {topic} and {topic} again, with $O(n^2)$ cost.\n"
            ),
        )
    assert main(["build", "--site", str(site_dir), "--quiet"]) == 0
    return site_dir / "_site"


def _text(site: Path, path: str) -> str:
    return parse_html((site / path).read_text()).text


def test_archive_pages_for_days_weeks_and_months(timeline_site: Path) -> None:
    for path in [
        "date/2025-02-27/index.html",
        "date/2025-03-03/index.html",
        "date/2025-03-13/index.html",
        "date/2025-04-01/index.html",
        "week/2025-W09/index.html",
        "week/2025-W10/index.html",
        "week/2025-W11/index.html",
        "week/2025-W14/index.html",
        "month/2025-02/index.html",
        "month/2025-03/index.html",
        "month/2025-04/index.html",
        "archive/index.html",
    ]:
        assert (timeline_site / path).is_file(), path
    assert not (timeline_site / "date/2025-03-04").exists()
    march = _text(timeline_site, "month/2025-03/index.html")
    assert "5 papers, trending first" in march
    # Trending within the period: more upvotes first.
    assert march.index("Paper 5") < march.index("Paper 4") < march.index("Paper 3")


def test_period_navigation_skips_empty_periods(timeline_site: Path) -> None:
    html = (timeline_site / "date/2025-03-03/index.html").read_text()
    tags = {
        t[1].get("rel"): t[1]["href"]
        for t in parse_html(html).tags
        if t[0] == "a" and t[1].get("rel") in {"prev", "next"}
    }
    assert tags == {"prev": "../2025-02-27/index.html", "next": "../2025-03-13/index.html"}
    first = (timeline_site / "month/2025-02/index.html").read_text()
    assert 'rel="prev"' not in first and 'rel="next" href="../2025-03/index.html"' in first


def test_archive_index_is_a_calendar(timeline_site: Path) -> None:
    text = _text(timeline_site, "archive/index.html")
    assert text.index("April 2025") < text.index("March 2025") < text.index("February 2025")
    assert "Week 11 of 2025" in text and "Thu 13 3 papers" in text


def test_author_pages(timeline_site: Path) -> None:
    ada = _text(timeline_site, "authors/ada-lovelace/index.html")
    assert "3 papers, newest first" in ada
    assert ada.index("Paper 6") < ada.index("Paper 3") < ada.index("Paper 0")
    assert "Ada Lovelace" in _text(timeline_site, "authors/index.html")
    paper = (timeline_site / "papers/2503.00003/index.html").read_text()
    assert 'href="../../authors/ada-lovelace/index.html">Ada Lovelace</a>' in paper


def test_topic_pages_have_a_latest_view(timeline_site: Path) -> None:
    catalog = load_catalog(load_config(timeline_site.parent))
    slug = next(t.rule.slug for t in catalog.topics if t.rule.slug == "diffusion-models")
    trending = _text(timeline_site, f"topics/{slug}/index.html")
    latest = _text(timeline_site, f"topics/{slug}/latest/index.html")
    assert trending.index("Paper 6") < trending.index("Paper 3") < trending.index("Paper 0")
    assert latest.index("Paper 6") < latest.index("Paper 3") < latest.index("Paper 0")


def test_paper_page_neighbours_are_of_the_same_day(timeline_site: Path) -> None:
    html = (timeline_site / "papers/2503.00004/index.html").read_text()
    links = {
        t[1].get("rel"): t[1]["href"]
        for t in parse_html(html).tags
        if t[0] == "a" and t[1].get("rel") in {"prev", "next"}
    }
    assert links == {"prev": "../2503.00005/index.html", "next": "../2503.00003/index.html"}


def test_paper_page_carries_citation_data(timeline_site: Path) -> None:
    html = (timeline_site / "papers/2503.00003/index.html").read_text()
    metas = [
        (t[1].get("name"), t[1].get("content"))
        for t in parse_html(html).tags
        if t[0] == "meta" and t[1].get("name", "").startswith("citation_")
    ]
    assert ("citation_title", "Paper 3 on diffusion models for images") in metas
    assert ("citation_author", "Ada Lovelace") in metas
    assert ("citation_publication_date", "2025/03/10") in metas
    assert ("citation_arxiv_id", "2503.00003") in metas
    assert ("citation_pdf_url", "https://arxiv.org/pdf/2503.00003") in metas
    data = json.loads(re.search(r'application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["@type"] == "ScholarlyArticle"
    assert data["author"][0] == {"@type": "Person", "name": "Ada Lovelace"}
    assert data["url"] == "https://example.github.io/daily-papers/papers/2503.00003/"
    og = {
        t[1]["property"]: t[1]["content"]
        for t in parse_html(html).tags
        if t[0] == "meta" and "property" in t[1]
    }
    assert og["og:type"] == "article" and og["og:url"] == data["url"]
    assert "<math" in html  # the abstract's $O(n^2)$


def test_bibtex_entry() -> None:
    paper = Paper(
        id="2403.01234",
        title="Costs & Benefits of 50% Less",
        authors=("Ryo Kämoi", "Rui Zhang"),
        published=date(2024, 4, 4),
        path=Path("x.md"),
    )
    assert bibtex(paper) == (
        "@misc{kamoi2024costs,\n"
        "  title = {{Costs \\& Benefits of 50\\% Less}},\n"
        "  author = {Ryo Kämoi and Rui Zhang},\n"
        "  year = {2024},\n"
        "  eprint = {2403.01234},\n"
        "  archivePrefix = {arXiv}\n"
        "}"
    )
    assert ("citation_online_date", "2024/04/04") not in scholar_tags(paper)


def test_json_ld_cannot_close_its_script() -> None:
    paper = Paper(id="x", title="</script><script>alert(1)</script>", featured=date(2025, 1, 1))
    text = json_ld(paper, url="https://e.org/", abstract="a & b", keywords=[])
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text)["name"] == "</script><script>alert(1)</script>"


def test_the_timeline_site_links_resolve(timeline_site: Path) -> None:
    assert broken_links(timeline_site, "https://example.github.io/daily-papers/") == []


def test_old_addresses_redirect_to_the_paper(timeline_site: Path) -> None:
    old = timeline_site / "papers/paper-0-on-diffusion-models-abc123/index.html"
    html = old.read_text()
    assert '<meta http-equiv="refresh" content="0; url=../2503.00000/index.html">' in html
    assert 'href="https://example.github.io/daily-papers/papers/2503.00000/"' in html
    assert "Paper 1 on" in _text(timeline_site, "papers/2503.00001/index.html")
    sitemap = (timeline_site / "sitemap.xml").read_text()
    assert "paper-0-on" not in sitemap and "papers/2503.00000/" in sitemap


def test_the_timeline_site_is_valid_html(timeline_site: Path) -> None:
    problems = [
        f"{m.get('url')}:{m.get('lastLine')}: {m.get('message')}"
        for m in vnu_messages(timeline_site)
        if m.get("type") == "error" or m.get("subType") == "warning"
    ]
    assert problems == []


words = st.sampled_from(
    "diffusion guidance reasoning verifier hallucination benchmark agent "
    "distillation safety alignment retrieval vision speech".split()
)


@given(
    st.lists(
        st.tuples(st.lists(words, min_size=2, max_size=12), st.integers(0, 30)),
        min_size=1,
        max_size=25,
    )
)
@settings(max_examples=60, deadline=None)
def test_related_papers_properties(docs: list[tuple[list[str], int]]) -> None:
    papers = [
        Paper(
            id=f"p{i}",
            title=" ".join(text[:3]),
            abstract=" ".join(text),
            featured=date(2025, 1, 1) + timedelta(days=offset),
        )
        for i, (text, offset) in enumerate(docs)
    ]
    related = related_papers(papers)
    by_id = {paper.id: paper for paper in papers}
    for paper in papers:
        others = related[paper.id]
        assert paper.id not in others
        assert len(others) <= 5 and len(set(others)) == len(others)
        assert all(by_id[other].day <= paper.day for other in others)


def test_paper_page_shows_what_sources_know(
    site_dir: Path, write_paper: Callable[[str, str], Path]
) -> None:
    write_paper(
        "2024/rich.md",
        """\
---
id: "2403.09999"
title: A Rich Record
authors: [Ada Lovelace, Alan Turing]
affiliations:
  Ada Lovelace: [Analytical Engines Ltd]
published: 2024-03-02
updated: 2024-05-01
version: 3
featured: 2024-05-02
categories: [cs.CL, cs.LG]
keywords: [error detection, benchmarks]
github_stars: 42
doi: 10.18653/v1/2024.colm-1.7
journal_ref: COLM 2024
comment: 12 pages, 3 figures
withdrawn: true
---
An abstract.
""",
    )
    assert main(["build", "--site", str(site_dir), "--quiet"]) == 0
    text = _text(site_dir / "_site", "papers/2403.09999/index.html")
    for words in [
        "The authors have withdrawn this paper.",
        "Ada Lovelace (Analytical Engines Ltd)",
        "Updated 1 May 2024 (v3)",
        "Code stars 42",
        "Published in COLM 2024",
        "Comment 12 pages, 3 figures",
        "Categories cs.CL, cs.LG",
        "Keywords error detection, benchmarks",
    ]:
        assert words in text, words
    html = (site_dir / "_site" / "papers/2403.09999/index.html").read_text()
    assert 'href="https://doi.org/10.18653/v1/2024.colm-1.7"' in html
