"""Values the renderer keeps between pages are those it would make for each page anew."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import escape

from site_builder.config import load_config
from site_builder.pipeline import load_catalog
from site_builder.render import Page, Renderer, _entry, _LinksFrom, _text, alternates, plan_pages
from site_builder.sitemap import element_tree_sitemap, sitemap_file


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


folders = st.lists(st.sampled_from(["a", "b", "page", "2", "x&y"]), max_size=4)
targets = st.lists(
    st.tuples(folders, st.sampled_from(["index.html", "style.css", "a"])).map(
        lambda parts: "/".join([*parts[0], parts[1]])
    ),
    max_size=8,
)
texts = st.text(st.characters(blacklist_characters="\x00"), max_size=12)


@given(here=folders, targets=targets, data=st.data())
@settings(max_examples=400, deadline=None)
def test_marked_links_are_filled_as_each_link_alone(
    here: list[str], targets: list[str], data: st.DataObject
) -> None:
    page = Page(path="/".join([*here, "index.html"]), template="t.html", title="t")
    links = _LinksFrom(page, "/")
    # `_rewrite`'s premise: no target is a folder the page is in.
    targets = [t for t in targets if t not in links.prefixes]
    around = data.draw(st.lists(texts, min_size=len(targets) + 1, max_size=len(targets) + 1))
    entry = _entry(around, targets)
    expected = around[0] + "".join(
        str(escape(links.link(target))) + text
        for target, text in zip(targets, around[1:], strict=True)
    )
    assert _text(links._rewrite(entry.marked)) == expected
    assert links.fill(entry) == expected


@given(
    base=st.sampled_from(["https://example.org/", "https://ex.org/sub/", "https://é.org/a&b/"]),
    paths=st.lists(st.text(st.characters(exclude_categories=("Cs",)), max_size=20), max_size=6),
)
@settings(max_examples=300, deadline=None)
def test_the_sitemap_is_what_element_tree_writes(base: str, paths: list[str]) -> None:
    assert sitemap_file(base, paths).data == element_tree_sitemap(base, paths)
