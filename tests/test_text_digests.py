"""Lists' digests leave out what only a paper's own page shows (its abstract and notes), so an
edit of those re-renders that page alone, unless a template may show them elsewhere. Every
build here is checked against a clean build of the same content. No timings here."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import jinja2
import pytest

from site_builder.build import BuildReport, build
from site_builder.cache import BuildCache
from site_builder.config import load_config
from site_builder.dependencies import template_deps
from site_builder.models import EnrichedPaper, Paper
from site_builder.pipeline import load_catalog
from site_builder.render import Renderer

from .conftest import tree

NOW = date(2026, 6, 12)
OWN_PAGE = "papers/2606.12488/index.html"


def _reads(*files: tuple[str, str], page: str | None = None) -> str:
    """`TemplateDeps.own_page` of template `page` (the first file by default)."""
    env = jinja2.Environment(loader=jinja2.DictLoader(dict(files)), autoescape=True)
    return template_deps(env, page or files[0][0]).own_page


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ item.paper.title }} {{ item.summary }}", "none"),
        ("{{ papers[:3] | length }} {{ topics[slug].rule.name }} {{ periods['day'] }}", "none"),
        ("{{ item.abstract_html }} {{ item.paper.notes }}", "item"),
        ("{% for other in item.related %}{{ other }}{% endfor %}", "item"),
        ("{{ previous.related | length }}", "any"),
        ("{{ item['notes_html'] }}", "item"),
        # Another paper's texts, or the name `item` made to stand for another paper.
        ("{{ previous.abstract_html }}", "any"),
        ("{% for item in related %}{{ item.notes_html }}{% endfor %}", "any"),
        ("{% set item = related[0] %}{{ item.abstract }}", "any"),
        ("{% macro show(item) %}{{ item.abstract_text }}{% endmacro %}", "any"),
        ("{{ (related | first).abstract }}", "any"),
        # What cannot be told: attributes named by values, filters that read them.
        ("{{ item[field] }}", "any"),
        ("{{ related | map(attribute='paper.abstract') | join }}", "any"),
        ("{{ related | map(attribute=name) | join }}", "any"),
        ("{{ item | attr('notes_html') }}", "any"),
        ("{{ item.__class__ }}", "any"),
        ("{{ related | map(attribute='paper.title') | join(', ') }}", "none"),
    ],
)
def test_what_a_template_may_read_of_papers_texts(source: str, expected: str) -> None:
    assert _reads(("page.html", source)) == expected


def test_the_own_item_is_the_page_templates_alone() -> None:
    """`item` in an included or extended template may be any paper (a list entry's)."""
    included = ("entry.html", "{{ item.abstract_html }}")
    assert _reads(("page.html", '{% include "entry.html" %}'), included) == "any"
    assert _reads(("page.html", '{% extends "entry.html" %}'), included) == "any"
    assert _reads(("page.html", "{{ item.notes_html }}"), ("base.html", "x")) == "item"


def test_the_default_theme_shows_texts_only_on_a_papers_own_page(papers_site: Path) -> None:
    env = Renderer(load_catalog(load_config(papers_site, now=NOW))).env
    reads = {name: template_deps(env, name).own_page for name in env.list_templates(["html"])}
    assert reads.pop("paper.html") == "item"
    assert {name for name, found in reads.items() if found != "none"} == set()


def _build(site: Path) -> BuildReport:
    return build(load_config(site, now=NOW), workers=1)


def _sources(site: Path) -> dict[str, str]:
    cache = BuildCache.open(site)
    try:
        return {path: record.source for path, record in cache.outputs().items()}
    finally:
        cache.close()


def _same_as_clean(site: Path, scratch: Path) -> None:
    shutil.copytree(site, scratch, ignore=shutil.ignore_patterns("_site", ".cache"))
    build(load_config(scratch, now=NOW), clean=True, workers=1)
    assert tree(site / "_site") == tree(scratch / "_site")


def _edit(site: Path, old: str, new: str) -> None:
    paper = site / "content" / "papers" / "2026" / "2606.12488.md"
    text = paper.read_text("utf-8")
    assert old in text
    paper.write_text(text.replace(old, new, 1), "utf-8")


def test_a_notes_edit_renders_the_papers_own_page_alone(papers_site: Path, tmp_path: Path) -> None:
    _build(papers_site)
    before = _sources(papers_site)
    _edit(papers_site, "first-order statistics.", "first-order statistics.\n\n## Notes\n\nSeen.")
    report = _build(papers_site)
    after = _sources(papers_site)
    redone = {path for path in after if after[path] != before.get(path)}
    # Nothing else is made again: lists and feeds do not show notes.
    assert redone == {OWN_PAGE}
    assert {path for path, _ in report.reasons} == {OWN_PAGE}
    assert b"Seen." in (papers_site / "_site" / OWN_PAGE).read_bytes()
    _same_as_clean(papers_site, tmp_path / "clean")


def _written_after_an_abstract_edit(site: Path) -> set[str]:
    """The files a build writes after a sentence is added to the end of the paper's abstract
    (after its summary's end)."""
    _build(site)
    _edit(site, "first-order statistics.", "first-order statistics, and agrees.")
    return {path for path, _ in _build(site).reasons}


def test_feeds_follow_an_abstract_edit_lists_do_not_show(papers_site: Path, tmp_path: Path) -> None:
    written = _written_after_an_abstract_edit(papers_site)
    assert OWN_PAGE in written
    assert "feeds/trending.rss.xml" in written
    assert b"and agrees." in (papers_site / "_site" / "feeds" / "trending.rss.xml").read_bytes()
    assert not any(path.endswith(".html") and path != OWN_PAGE for path in written)
    _same_as_clean(papers_site, tmp_path / "clean")


def test_a_theme_whose_lists_show_abstracts_follows_abstract_edits(
    papers_site: Path, tmp_path: Path
) -> None:
    default = Path(__file__).parent.parent / "templates" / "partials" / "paper_item.html"
    entry = papers_site / "templates" / "partials" / "paper_item.html"
    entry.parent.mkdir(parents=True)
    source = default.read_text("utf-8")
    entry.write_text(
        source.replace("{{ item.summary }}", "{{ item.abstract_html | safe }}"), "utf-8"
    )
    written = _written_after_an_abstract_edit(papers_site)
    assert OWN_PAGE in written
    assert "index.html" in written
    assert b"and agrees." in (papers_site / "_site" / "index.html").read_bytes()
    _same_as_clean(papers_site, tmp_path / "clean")


def test_a_printed_paper_shows_none_of_its_texts() -> None:
    """A template may print a paper as it is (its repr): that must not show what lists'
    digests leave out."""
    paper = Paper(id="x", title="T", abstract="An abstract.", notes="A note.")
    item = EnrichedPaper(paper=paper, topics=("t",), score=1.0, summary="S", text_key="k1")
    env = jinja2.Environment(autoescape=True)
    shown = env.from_string("{{ item }} {{ item.paper }} {{ item | string }}").render(item=item)
    assert "T" in shown
    assert "An abstract" not in shown
    assert "A note" not in shown
    assert "k1" not in shown


def test_an_edit_that_moves_related_lists_renders_only_paper_pages(
    seeded_site: Path, tmp_path: Path
) -> None:
    """Related lists show only on a paper's own page: when an edit moves some, the pages of
    those papers are made again, and no list."""
    _build(seeded_site)
    before = _sources(seeded_site)
    papers = sorted((seeded_site / "content" / "papers").rglob("*.md"))
    # Words of another paper: weights move, and with them related lists.
    words = " ".join(papers[1].read_text("utf-8").split()[-40:])
    papers[0].write_text(papers[0].read_text("utf-8").rstrip() + " " + words + "\n", "utf-8")
    _build(seeded_site)
    after = _sources(seeded_site)
    redone = {path for path in after if after[path] != before.get(path)}
    pages = {path for path in redone if path.endswith(".html")}
    assert len(pages) > 1  # some other paper's related list moved
    assert all(path.startswith("papers/") for path in pages)
    _same_as_clean(seeded_site, tmp_path / "clean")
