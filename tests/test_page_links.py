"""Links from a page, worked out once per page, agree with `urls.relative` link for link."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from site_builder import urls
from site_builder.render import Page, _LinksFrom

_PART = st.sampled_from(
    ["papers", "a", "b", "topics", "page", "2", "index.html", "x.y", ".", "..", "", ".a", "b."]
)
_PATH = st.lists(_PART, min_size=1, max_size=5).map("/".join).filter(bool)


@settings(max_examples=1000)
@given(source=_PATH, targets=st.lists(_PATH, min_size=1, max_size=4))
def test_links_from_a_page_match_relative(source: str, targets: list[str]) -> None:
    links = _LinksFrom(Page(path=source, template="t.html", title="t"), "/base/")
    for target in targets:
        assert links.link(target) == urls.relative(source, target)


def test_a_root_absolute_page_links_from_the_base_path() -> None:
    page = Page(path="404.html", template="404.html", title="x", root_absolute=True)
    links = _LinksFrom(page, "/daily/")
    assert links.link("papers/x/index.html") == "/daily/papers/x/"
    assert links.link("index.html") == "/daily/"
