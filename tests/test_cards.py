"""Paper entries in lists are rendered once per build and give the very bytes of the include."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from site_builder import workers
from site_builder.build import build
from site_builder.config import load_config
from site_builder.errors import SiteError
from site_builder.models import Catalog
from site_builder.pipeline import load_catalog
from site_builder.render import Page, Renderer, plan_pages

from .conftest import tree

NOW = date(2026, 6, 12)


def _renderers(catalog: Catalog) -> tuple[Renderer, Renderer]:
    """One renderer with the entry cache, one rendering each entry by its `{% include %}`."""
    cached, included = Renderer(catalog), Renderer(catalog)
    del included.env.globals["card"], included.env.globals["cards"]
    return cached, included


def test_every_page_renders_as_with_the_include(seeded_site: Path) -> None:
    catalog = load_catalog(load_config(seeded_site))
    cached, included = _renderers(catalog)
    pages = plan_pages(catalog)
    listings = [page for page in pages if page.context.get("papers")]
    assert len({page.path.count("/") for page in listings}) >= 3  # links at several depths
    for page in pages:
        assert cached.render(page) == included.render(page), page.path
    assert b'class="paper-item"' in cached.render(listings[-1])


def test_an_entry_whose_text_holds_the_link_mark_renders_in_place(seeded_site: Path) -> None:
    catalog = load_catalog(load_config(seeded_site))
    cached, included = _renderers(catalog)
    first = catalog.papers[0]
    odd = replace(first, paper=replace(first.paper, title="A \x00 in the title"))
    home = next(page for page in plan_pages(catalog) if page.path == "index.html")
    page = replace(home, context={**home.context, "papers": [odd, *catalog.papers[1:3]]})
    assert isinstance(page, Page)
    assert cached.render(page) == included.render(page)
    assert "A \x00 in the title" in cached.render(page).decode("utf-8")


def test_entries_rendered_ahead_on_two_processes_render_the_same(
    seeded_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workers, "PARALLEL_MIN_ITEMS", 1)  # fork even for the 84 papers
    catalog = load_catalog(load_config(seeded_site))
    cached, included = _renderers(catalog)
    pages = plan_pages(catalog)
    cached.prepare(pages, workers=2)
    assert len(cached.cards.parts) == len(catalog.papers)
    for page in pages:
        assert cached.render(page) == included.render(page), page.path


_DEFAULT_ENTRY = Path(__file__).parent.parent / "templates" / "partials" / "paper_item.html"


def _entry_override(site: Path, text: str) -> None:
    partials = site / "templates" / "partials"
    partials.mkdir(parents=True, exist_ok=True)
    (partials / "paper_item.html").write_text(text, "utf-8")


def test_a_site_entry_template_is_used_and_an_edit_rerenders_the_lists(papers_site: Path) -> None:
    config = load_config(papers_site, now=NOW)
    build(config, workers=2)
    source = _DEFAULT_ENTRY.read_text("utf-8")
    _entry_override(papers_site, source.replace('<p class="summary">', '<p class="summary">+ ', 1))
    report = build(config, workers=2)
    changed = {path for path, _ in report.reasons}
    assert "index.html" in changed and "topics/index.html" not in changed
    assert all(not path.startswith("papers/") for path in changed)
    home = (papers_site / "_site" / "index.html").read_text("utf-8")
    assert home.count('<p class="summary">+ ') == home.count('class="paper-item"') > 0
    clean = tmp_copy(papers_site)
    build(load_config(clean, now=NOW), clean=True, workers=1)
    assert tree(clean / "_site") == tree(papers_site / "_site")


def test_an_error_in_the_entry_template_names_its_file_and_line(papers_site: Path) -> None:
    _entry_override(papers_site, "<li>\n{{ item.paper.title }\n</li>\n")
    with pytest.raises(SiteError) as caught:
        build(load_config(papers_site, now=NOW), workers=2)
    assert "paper_item.html" in str(caught.value.path)
    assert caught.value.line == 2


def tmp_copy(site: Path) -> Path:
    """A copy of `site` beside it, without its output and cache."""
    copy = site.parent / "copy"
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns("_site", ".cache", ".*_site*"))
    return copy
