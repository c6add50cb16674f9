"""Page planning and page digests on the build's fast path: what the cache lets the build skip
must not change what a page is made from, nor what it says. No timings here."""

from __future__ import annotations

import gc
import os
import shutil
import sqlite3
from datetime import date
from pathlib import Path

from site_builder import citation, urls
from site_builder.build import build
from site_builder.cache import CACHE_DIR, BuildCache
from site_builder.config import load_config
from site_builder.dependencies import page_sources
from site_builder.fingerprint import Fingerprinter
from site_builder.load import load_papers, paper_files
from site_builder.pipeline import load_catalog
from site_builder.render import Renderer, plan_pages
from site_builder.workers import PARALLEL_MIN_ITEMS

NOW = date(2026, 6, 12)
_PAPER_KEYS = {
    "item",
    "related",
    "author_slugs",
    "previous",
    "next",
    "bibtex",
    "scholar_tags",
    "json_ld",
}


def _sources(site: Path) -> dict[str, str]:
    """Each page's digest, as a build with the site's cache computes it."""
    config = load_config(site, now=NOW)
    cache = BuildCache.open(config.root)
    try:
        fingerprinter = Fingerprinter()
        catalog = load_catalog(config, cache, fingerprinter=fingerprinter)
        pages = plan_pages(catalog)
        sources = page_sources(pages, Renderer(catalog), fingerprinter)
    finally:
        cache.close()
    return {page.path: source.encode() for page, source in zip(pages, sources, strict=True)}


def test_paper_pages_offer_their_citations_when_rendered(seeded_site: Path) -> None:
    catalog = load_catalog(load_config(seeded_site, now=NOW))
    names = {topic.rule.slug: topic.rule.name for topic in catalog.topics}
    pages = [page for page in plan_pages(catalog) if page.template == "paper.html"]
    assert len(pages) == len(catalog.papers)
    for page in pages:
        assert set(page.context) == _PAPER_KEYS
        assert len(page.context) == len(_PAPER_KEYS)
        item = page.context["item"]
        values = dict(page.context)
        assert set(values) == _PAPER_KEYS
        assert values["bibtex"] == citation.bibtex(item.paper)
        assert values["scholar_tags"] == citation.scholar_tags(item.paper)
        assert values["json_ld"] == citation.json_ld(
            item.paper,
            url=urls.absolute(catalog.config.base_url, page.path),
            abstract=item.abstract_text,
            keywords=[names[slug] for slug in item.topics],
        )
        assert values["related"] == [catalog.paper(paper_id) for paper_id in item.related]


def test_page_digests_are_the_same_from_the_cache_and_change_with_the_content(
    papers_site: Path,
) -> None:
    first = _sources(papers_site)
    assert _sources(papers_site) == first  # the second time, every paper comes from the cache
    paper = papers_site / "content" / "papers" / "2026" / "2606.12488.md"
    text = paper.read_text("utf-8")
    # A sentence at the end of the abstract: lists show the summary, which stops before it,
    # so only the paper's own page shows the change.
    paper.write_text(text + "\nOne more sentence.\n", "utf-8")
    edited = _sources(papers_site)
    changed = {path for path in first if edited[path] != first[path]}
    assert changed == {"papers/2606.12488/index.html"}
    # A new title shows in lists too.
    paper.write_text(text.replace("All You Need", "Most of What You Need"), "utf-8")
    retitled = _sources(papers_site)
    changed = {path for path in first if retitled[path] != first[path]}
    assert "papers/2606.12488/index.html" in changed
    assert "index.html" in changed
    # A page that shows nothing of the edited paper keeps its digest.
    assert "404.html" not in changed
    assert "search/index.html" not in changed


def test_page_digests_made_by_worker_processes_are_the_ones_made_here(seeded_site: Path) -> None:
    """Worker processes digest the pages' own parts when there are many pages: they start with
    the build's fingerprinter, so each digest is the one this process makes."""
    config = load_config(seeded_site, now=NOW)
    fingerprinter = Fingerprinter()
    catalog = load_catalog(config, BuildCache.disabled(), fingerprinter=fingerprinter)
    pages = plan_pages(catalog)
    many = pages * (-(-PARALLEL_MIN_ITEMS // len(pages)) + 1)  # enough to fork for
    renderer = Renderer(catalog)
    serial = page_sources(many, renderer, fingerprinter, workers=1)
    assert page_sources(many, renderer, fingerprinter, workers=2) == serial
    # A fingerprinter that knows no paper yet walks them, in the workers as here.
    walked = page_sources(many, renderer, Fingerprinter(), workers=1)
    assert page_sources(many, renderer, Fingerprinter(), workers=2) == walked
    assert len(set(serial[: len(pages)])) == len(pages)


def test_old_files_are_trusted_by_size_and_time_new_ones_read_again(papers_site: Path) -> None:
    files = paper_files(papers_site / "content" / "papers")
    old = files[0]
    os.utime(old, (1_600_000_000, 1_600_000_000))
    _sources(papers_site)
    with sqlite3.connect(papers_site / CACHE_DIR / "build.sqlite") as connection:
        stamps = dict(connection.execute("SELECT path, stamp FROM papers"))
    assert stamps[str(old)] != ""
    # Written just now: a later write could keep the same size and time, so no stamp.
    assert all(stamps[str(path)] == "" for path in files[1:])


def test_a_same_size_rewrite_at_the_same_time_is_seen(papers_site: Path) -> None:
    """A file written moments before a build is read again by the next one, even when a later
    write kept its size and modification time."""
    paper = papers_site / "content" / "papers" / "2026" / "2606.12488.md"
    _sources(papers_site)
    before = paper.stat()
    text = paper.read_text("utf-8")
    assert 'title: "A ' in text
    paper.write_text(text.replace('title: "A ', 'title: "Z ', 1), "utf-8")
    assert paper.stat().st_size == before.st_size
    os.utime(paper, ns=(before.st_atime_ns, before.st_mtime_ns))
    topics = {rule.slug for rule in load_config(papers_site, now=NOW).topics}
    cache = BuildCache.open(papers_site)
    try:
        cached = {
            p.id: p.title for p in load_papers(paper.parent.parent, topics=topics, cache=cache)
        }
    finally:
        cache.close()
    assert cached["2606.12488"].startswith("Z")


def test_paper_files_come_in_the_same_order_from_the_cache(tmp_path: Path) -> None:
    """The cached load walks the folder itself: same files, same order as `paper_files`."""
    site = tmp_path / "site"
    papers = site / "content" / "papers"
    source = Path(__file__).parent / "fixtures" / "papers"
    names = ["a.md", "a/b.md", "a-b.md", "B.md", "a/c/d.md", "z/a.md", "notes.txt"]
    fixtures = sorted(source.glob("*.md"))
    for index, name in enumerate(names):
        target = papers / name
        target.parent.mkdir(parents=True, exist_ok=True)
        text = fixtures[index % len(fixtures)].read_text("utf-8")
        target.write_text(text.replace('id: "', f'id: "n{index}-', 1), "utf-8")
    shutil.copy(Path(__file__).parent.parent / "site.yaml", site / "site.yaml")
    shutil.copy(
        Path(__file__).parent.parent / "content" / "topics.yaml", site / "content" / "topics.yaml"
    )
    topics = {rule.slug for rule in load_config(site, now=NOW).topics}
    cache = BuildCache.open(site)
    try:
        cached = load_papers(papers, topics=topics, cache=cache)
    finally:
        cache.close()
    assert [paper.path for paper in cached] == paper_files(papers)
    assert [paper.path for paper in load_papers(papers, topics=topics)] == paper_files(papers)


def test_a_build_leaves_no_object_frozen_from_the_cycle_collector(papers_site: Path) -> None:
    """The build freezes what it loads so the collector skips it; once it ends, a long-lived
    process (`serve`) must be able to collect it again."""
    config = load_config(papers_site, now=NOW)
    frozen = gc.get_freeze_count()
    build(config, workers=1)
    assert gc.get_freeze_count() == frozen
    paper = papers_site / "content" / "papers" / "2026" / "2606.12488.md"
    paper.write_text(paper.read_text("utf-8") + "\nOne more sentence.\n", "utf-8")
    assert build(config, workers=1).written > 0
    assert gc.get_freeze_count() == frozen
