"""A paper page's lists made in Python (`_PaperLinks`, `_author_links`, `_topic_tags`,
`_meta_tags` in render.py) give the very bytes of the template loops they replaced, kept as
`fixtures/paper_loops.html`."""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import jinja2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from site_builder.config import load_config
from site_builder.models import Catalog
from site_builder.pipeline import load_catalog
from site_builder.render import Page, Renderer, plan_pages

LOOPS = Path(__file__).resolve().parent / "fixtures" / "paper_loops.html"


def _with_loops(catalog: Catalog) -> Renderer:
    """A renderer whose `paper.html` renders its lists with the template's own loops."""
    renderer = Renderer(catalog)
    loader = renderer.env.loader
    assert loader is not None
    renderer.env.loader = jinja2.ChoiceLoader(
        [jinja2.DictLoader({"paper.html": LOOPS.read_text(encoding="utf-8")}), loader]
    )
    return renderer


def test_every_paper_page_renders_as_with_the_loops(seeded_site: Path) -> None:
    catalog = load_catalog(load_config(seeded_site))
    made, looped = Renderer(catalog), _with_loops(catalog)
    pages = [page for page in plan_pages(catalog) if page.template == "paper.html"]
    assert pages
    assert any(page.context["previous"] is None for page in pages)
    assert any(page.context["next"] is None for page in pages)
    assert any(page.context["related"] for page in pages)
    for page in pages:
        assert made.render(page) == looped.render(page), page.path


@functools.cache
def _catalog(site: Path) -> Catalog:
    """The seeded site's catalog, loaded once for every example (the fixture's folder is the
    same for all of them)."""
    return load_catalog(load_config(site))


texts = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    title=texts,
    other_title=texts,
    authors=st.lists(texts, max_size=4, unique=True),
    affiliation=st.lists(texts, max_size=2),
    slugged=st.booleans(),
    ends=st.sampled_from(["both", "no previous", "no next"]),
)
def test_any_titles_and_names_render_as_with_the_loops(
    seeded_site: Path,
    title: str,
    other_title: str,
    authors: list[str],
    affiliation: list[str],
    slugged: bool,
    ends: str,
) -> None:
    catalog = _catalog(seeded_site)
    page = next(p for p in plan_pages(catalog) if p.template == "paper.html")
    values = dict(page.context)
    item = values["item"]
    affiliations = {name: tuple(affiliation) for name in authors[:2]}
    values["item"] = dataclasses.replace(
        item,
        paper=dataclasses.replace(
            item.paper, title=title, authors=tuple(authors), affiliations=affiliations
        ),
    )
    other = values["related"][0] if values["related"] else item
    other = dataclasses.replace(other, paper=dataclasses.replace(other.paper, title=other_title))
    values["related"] = [other, *values["related"][1:]]
    values["previous"] = None if ends == "no previous" else other
    values["next"] = None if ends == "no next" else other
    values["author_slugs"] = {
        name: f"slug-{index}" for index, name in enumerate(authors) if slugged
    }
    odd = Page(path=page.path, template=page.template, title=title, context=values)
    assert Renderer(catalog).render(odd) == _with_loops(catalog).render(odd)


def test_a_renderer_reused_with_an_edited_paper_shows_its_new_title(seeded_site: Path) -> None:
    """`serve`'s previews render an edited paper's neighbours with the last build's renderer."""
    catalog = load_catalog(load_config(seeded_site))
    renderer = Renderer(catalog)
    page = next(
        p for p in plan_pages(catalog) if p.template == "paper.html" and p.context["related"]
    )
    renderer.render(page)
    values = dict(page.context)
    other = values["related"][0]
    edited = dataclasses.replace(
        other, paper=dataclasses.replace(other.paper, title="A new <title>")
    )
    values["related"] = [edited, *values["related"][1:]]
    again = Page(path=page.path, template=page.template, title=page.title, context=values)
    assert "A new &lt;title&gt;" in renderer.render(again).decode("utf-8")
    assert renderer.render(again) == _with_loops(catalog).render(again)
