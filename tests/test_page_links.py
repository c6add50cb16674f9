"""Links from a page, worked out once per page, agree with `urls.relative` link for link."""

from __future__ import annotations

from typing import cast

from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import escape

from site_builder import urls
from site_builder.models import EnrichedPaper
from site_builder.render import Page, _Cards, _Entry, _entry, _LinksFrom

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


_TEXT = st.sampled_from(["", "<li>", '<a href="', '">x</a>', "&amp;"])


@settings(max_examples=500)
@given(
    source=_PATH,
    targets=st.lists(_PATH, max_size=4),
    texts=st.lists(_TEXT, min_size=5, max_size=5),
    root_absolute=st.booleans(),
)
def test_an_entry_filled_by_its_marks_matches_link_by_link(
    source: str, targets: list[str], texts: list[str], root_absolute: bool
) -> None:
    texts = texts[: len(targets) + 1]
    page = Page(path=source, template="t.html", title="t", root_absolute=root_absolute)
    links = _LinksFrom(page, "/base/")
    known = _Known(_entry(texts, targets))
    filled = links.card(known, _ITEM)
    expected = texts[0] + "".join(
        str(escape(urls.relative(source, target) if not root_absolute else _rooted(target))) + text
        for target, text in zip(targets, texts[1:], strict=True)
    )
    assert filled == expected
    assert links.cards(known, [_ITEM] * 3) == expected * 3  # a list's entries, filled at once


def _rooted(target: str) -> str:
    return "/base/" + target.removesuffix("index.html")


class _Known(_Cards):
    """Entries as given, not rendered: the fill alone is under test."""

    def __init__(self, entry: _Entry) -> None:
        self.known = entry

    def entry(self, item: EnrichedPaper) -> _Entry | None:
        return self.known


_ITEM = cast("EnrichedPaper", None)
