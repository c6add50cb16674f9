"""Parts every page shows alike (head links, site header, footer) are rendered once per build
through `fragment()` and give the very bytes of their `{% include %}`."""

from __future__ import annotations

from pathlib import Path

from site_builder.config import load_config
from site_builder.pipeline import load_catalog
from site_builder.render import Page, Renderer, plan_pages


def test_every_page_renders_as_with_the_includes(seeded_site: Path) -> None:
    catalog = load_catalog(load_config(seeded_site))
    cached, included = Renderer(catalog), Renderer(catalog)
    del included.env.globals["fragment"]
    del included.env.globals["card"], included.env.globals["cards"]
    pages = plan_pages(catalog)
    for page in pages:
        assert cached.render(page) == included.render(page), page.path
    # One header per template, one set of head links per topic and one for all other pages.
    names = [key[0] for key in cached.fragments.known]
    assert names.count("partials/site_footer.html") == 1
    assert names.count("partials/site_header.html") == len({page.template for page in pages})
    assert names.count("partials/head_links.html") == len(catalog.topics) + 1


def test_a_fragment_whose_text_holds_the_link_mark_renders_in_place(seeded_site: Path) -> None:
    config = load_config(seeded_site)
    catalog = load_catalog(config)
    odd = catalog.topics[0]
    page = next(p for p in plan_pages(catalog) if p.context.get("topic") is odd)
    renderer, included = Renderer(catalog), Renderer(catalog)
    del included.env.globals["fragment"]
    renderer.shared["site"] = included.shared["site"] = _Titled(catalog.config, "A \x00 site")
    assert renderer.render(page) == included.render(page)
    assert "A \x00 site" in renderer.render(page).decode("utf-8")
    # The header and footer show the title; the head's links do not.
    shown = {key[0]: entry for key, entry in renderer.fragments.known.items()}
    assert shown["partials/site_header.html"] is None
    assert shown["partials/site_footer.html"] is None
    assert shown["partials/head_links.html"] is not None


def test_the_url_filter_and_function_give_the_same_links(seeded_site: Path) -> None:
    catalog = load_catalog(load_config(seeded_site))
    renderer = Renderer(catalog)
    template = renderer.env.from_string("{{ url(target) }}|{{ target|url }}")
    for path in ("index.html", "papers/x/index.html", "topics/a/page/2/index.html", "404.html"):
        page = Page(path=path, template="t.html", title="t", root_absolute=path == "404.html")
        for target in ("index.html", "topics/a/index.html", "static/style.css", "papers/y"):
            by_function, by_filter = template.render(
                renderer.shared, page=page, target=target
            ).split("|")
            assert by_function == by_filter


class _Titled:
    """The config with another title: what the templates read of it."""

    def __init__(self, config: object, title: str) -> None:
        self._config = config
        self.title = title

    def __getattr__(self, name: str) -> object:
        return getattr(self._config, name)
