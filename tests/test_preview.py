"""Previews in `serve`: the page of a saved paper rendered from the last build's catalog, before
the build; the build that follows makes the same page when the edit leaves the paper's related
papers and neighbours as they were."""

from __future__ import annotations

from pathlib import Path

import pytest

from site_builder.build import build
from site_builder.config import load_config
from site_builder.models import Catalog
from site_builder.preview import preview_papers
from site_builder.render import Renderer


def _built(site: Path) -> tuple[Catalog, Renderer]:
    kept: list[tuple[Catalog, Renderer]] = []
    build(load_config(site), workers=1, keep=lambda *last: kept.append(last))
    assert len(kept) == 1
    return kept[0]


def _some_paper(site: Path) -> Path:
    return sorted((site / "content" / "papers").rglob("*.md"))[0]


def _page_of(paper: Path) -> str:
    lines = paper.read_text("utf-8").splitlines()
    paper_id = next(line.removeprefix("id: ").strip("'\"") for line in lines if line[:3] == "id:")
    return f"papers/{paper_id}/index.html"


def test_a_preview_is_the_page_the_build_then_makes(seeded_site: Path) -> None:
    catalog, renderer = _built(seeded_site)
    paper = _some_paper(seeded_site)
    page = _page_of(paper)
    before = (seeded_site / "_site" / page).read_bytes()
    text = paper.read_text("utf-8")
    # A comment changes what the page shows, and neither its related papers nor its neighbours.
    paper.write_text(text.replace("\nsource:", '\ncomment: "Previewed comment"\nsource:', 1))

    assert preview_papers(catalog, renderer, {paper}) == [page]
    previewed = (seeded_site / "_site" / page).read_bytes()
    assert previewed != before and b"Previewed comment" in previewed

    report = build(load_config(seeded_site), workers=1)
    assert page in dict(report.reasons)  # the build rendered it again, over the preview...
    assert (seeded_site / "_site" / page).read_bytes() == previewed  # ...to the same bytes


def test_a_preview_shows_an_edited_abstract(seeded_site: Path) -> None:
    catalog, renderer = _built(seeded_site)
    paper = _some_paper(seeded_site)
    paper.write_text(paper.read_text("utf-8").rstrip() + " Saved $x^2$ a moment ago.\n")
    (page,) = preview_papers(catalog, renderer, {paper})
    html = (seeded_site / "_site" / page).read_text("utf-8")
    assert "Saved <math" in html and "a moment ago." in html


def test_a_preview_names_a_new_author_without_a_link_to_a_page_not_made_yet(
    seeded_site: Path,
) -> None:
    catalog, renderer = _built(seeded_site)
    paper = _some_paper(seeded_site)
    text = paper.read_text("utf-8")
    assert "\nauthors:" not in text  # the seed names no authors
    paper.write_text(text.replace("\nsource:", "\nauthors: [Newcomer Author]\nsource:", 1))
    (page,) = preview_papers(catalog, renderer, {paper})
    html = (seeded_site / "_site" / page).read_text("utf-8")
    assert '<p class="authors">\nNewcomer Author  </p>' in html  # named, not linked
    assert "authors/None" not in html
    build(load_config(seeded_site), workers=1)  # the build makes their page and links it
    html = (seeded_site / "_site" / page).read_text("utf-8")
    assert '<a href="../../authors/newcomer-author/index.html">Newcomer Author</a>' in html


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda text: text.replace("\nsource:", "\nupvotes: [x\nsource:", 1), id="bad"),
        pytest.param(lambda text: text.replace("id: ", "id: renamed-", 1), id="new-id"),
        pytest.param(
            lambda text: text.replace("\nsource:", "\nhidden: true\nsource:", 1), id="hid"
        ),
    ],
)
def test_no_preview_for_what_only_a_build_can_show(seeded_site: Path, change: object) -> None:
    catalog, renderer = _built(seeded_site)
    paper = _some_paper(seeded_site)
    before = {path: path.read_bytes() for path in (seeded_site / "_site").rglob("*.html")}
    assert callable(change)
    text = paper.read_text("utf-8")
    paper.write_text(change(text))
    assert paper.read_text("utf-8") != text
    assert preview_papers(catalog, renderer, {paper}) == []
    new = paper.with_name("new-paper.md")
    new.write_text(paper.read_text("utf-8"))
    assert preview_papers(catalog, renderer, {new}) == []  # not a paper the catalog knows
    after = {path: path.read_bytes() for path in (seeded_site / "_site").rglob("*.html")}
    assert after == before
