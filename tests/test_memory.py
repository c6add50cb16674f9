"""What a build keeps in memory: the main process holds every paper and one list entry per
paper, and a render worker the whole plan for thousands of pages, so what each keeps per paper or
per page adds up (at 100,000 papers: 190 MiB per worker for the citation texts, 270 MiB for the
entries, 60 MiB for copies of the ids and slugs that related lists and topics name)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from site_builder import workers
from site_builder.cache import BuildCache
from site_builder.config import load_config
from site_builder.load import load_papers
from site_builder.memory import release_free_memory
from site_builder.pipeline import load_catalog
from site_builder.render import Renderer, plan_pages


def test_a_rendered_paper_page_keeps_no_citation_texts(seeded_site: Path) -> None:
    catalog = load_catalog(load_config(seeded_site))
    renderer = Renderer(catalog)
    page = next(page for page in plan_pages(catalog) if page.template == "paper.html")
    first = renderer.render(page)
    assert b"@article{" in first or b"@misc{" in first  # the BibTeX is on the page
    assert b"application/ld+json" in first
    # Made for the render and dropped with it, not kept on the planned page.
    assert set(page.context._values) == {"item", "related", "author_slugs", "previous", "next"}
    assert "bibtex" in page.context  # still there for a template that asks
    assert renderer.render(page) == first


def test_list_entries_are_kept_as_utf8_sharing_their_link_targets(
    seeded_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workers, "PARALLEL_MIN_ITEMS", 1)  # fork even for the seeded papers
    catalog = load_catalog(load_config(seeded_site))
    renderer = Renderer(catalog)
    pages = plan_pages(catalog)
    renderer.prepare(pages, workers=2)  # forked workers render them, the entries pickled back
    entries = [entry for entry in renderer.cards.parts.values() if entry is not None]
    assert len(entries) == len(catalog.papers)
    assert all(type(entry.marked) is bytes for entry in entries)
    assert any(not entry.marked.isascii() for entry in entries)  # "▲": not ASCII
    by_text: dict[str, set[int]] = {}
    for entry in entries:
        for target in entry.targets:
            by_text.setdefault(target, set()).add(id(target))
    shared = [target for target in by_text if target.startswith("topics/")]
    assert shared
    assert all(len(by_text[target]) == 1 for target in shared), "one str per topic link"


def test_related_lists_and_topics_share_the_strings_they_name(seeded_site: Path) -> None:
    config = load_config(seeded_site)
    load_catalog(config, BuildCache.open(seeded_site))  # the second load reads the cache
    catalog = load_catalog(config, BuildCache.open(seeded_site))
    slugs = {rule.slug: rule.slug for rule in config.topics}
    related = [other for item in catalog.papers for other in item.related]
    topics = [slug for item in catalog.papers for slug in item.topics]
    assert related
    assert topics
    assert all(other is catalog.by_id[other].paper.id for other in related)
    assert all(slug is slugs[slug] for slug in topics)


def _resident_mib() -> float:
    pages = int(Path("/proc/self/statm").read_text("ascii").split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim: Linux")
def test_freed_memory_goes_back_to_the_system() -> None:
    # 64 MiB in blocks the size of list entries, then one more that stays: the freed blocks
    # are below it, where glibc does not hand memory back by itself.
    blocks = [bytes(2000) + bytes([index % 256]) for index in range(32 * 1024)]
    kept = bytes(2000) + b"kept"
    before = _resident_mib()
    del blocks
    release_free_memory()
    assert _resident_mib() < before - 40
    assert kept.endswith(b"kept")


def test_papers_read_from_the_cache_share_their_authors_and_categories(
    site_dir: Path, write_paper: Callable[[str, str], Path]
) -> None:
    for number in range(3):
        write_paper(
            f"2026/2606.0000{number}.md",
            f"---\nid: '2606.0000{number}'\ntitle: Paper {number}\n"
            "authors: [Ada Lovelace, Alan Turing]\ncategories: [cs.CL]\n"
            "published: 2026-06-01\n---\nAn abstract.\n",
        )
    config = load_config(site_dir)
    load_papers(config.papers_dir, topics=(), cache=BuildCache.open(site_dir))
    papers = load_papers(config.papers_dir, topics=(), cache=BuildCache.open(site_dir))
    assert len(papers) == 3
    first, *others = papers
    for paper in others:
        assert paper.authors == first.authors
        assert all(a is b for a, b in zip(paper.authors, first.authors, strict=True))
        assert paper.categories[0] is first.categories[0]
