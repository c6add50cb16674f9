"""`urls.relative` computes links on strings alone; it must agree with `posixpath.relpath`."""

from __future__ import annotations

import posixpath

from hypothesis import given, settings
from hypothesis import strategies as st

from site_builder import urls

_PART = st.sampled_from(["papers", "a", "b", "topics", "page", "2", "index.html", "x.y", ".", ".."])
_PATH = st.lists(_PART, min_size=1, max_size=5).map("/".join)


@settings(max_examples=300)
@given(source=_PATH, target=_PATH)
def test_relative_matches_relpath(source: str, target: str) -> None:
    start = posixpath.dirname(source) or "."
    assert urls.relative(source, target) == posixpath.relpath(target, start)


def test_relative_examples() -> None:
    assert urls.relative("index.html", "papers/x/index.html") == "papers/x/index.html"
    assert urls.relative("papers/x/index.html", "index.html") == "../../index.html"
    assert urls.relative("papers/x/index.html", "papers/y/index.html") == "../y/index.html"
    assert urls.relative("papers/x/index.html", "papers/x") == "."
