"""Values the renderer keeps between pages are those it would make for each page anew."""

from __future__ import annotations

from pathlib import Path

from site_builder.config import load_config
from site_builder.pipeline import load_catalog
from site_builder.render import Renderer, alternates, plan_pages


def test_the_feeds_a_page_announces_are_its_alternates(seeded_site: Path) -> None:
    config = load_config(seeded_site)
    catalog = load_catalog(config)
    renderer = Renderer(catalog)
    announced = renderer.shared["alternates"]
    pages = plan_pages(catalog)
    assert any(page.context.get("topic") is not None for page in pages)
    for page in pages:
        first, again = announced(page), announced(page)
        assert first == again == alternates(page, config), page.path
        first.append(first[0])  # each call's list is its own
        assert announced(page) == alternates(page, config)
