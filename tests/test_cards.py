"""Paper entries in lists are rendered once per build and give the very bytes of the include."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from site_builder.config import load_config
from site_builder.models import Catalog
from site_builder.pipeline import load_catalog
from site_builder.render import Page, Renderer, plan_pages


def _renderers(catalog: Catalog) -> tuple[Renderer, Renderer]:
    """One renderer with the entry cache, one rendering each entry by its `{% include %}`."""
    cached, included = Renderer(catalog), Renderer(catalog)
    del included.env.globals["card"]
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
