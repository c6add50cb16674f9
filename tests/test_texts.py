"""Each paper's rendered Markdown lives in the build cache, not in the catalog: pages read it back
where they show it (`enrich.TextStore`), in whichever process renders them. A row that is missing
or damaged is rendered again, never trusted."""

from __future__ import annotations

import pickle
import shutil
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from site_builder import workers
from site_builder.build import build
from site_builder.cache import CACHE_DIR, BuildCache
from site_builder.config import SiteConfig, load_config
from site_builder.enrich import TextStore, _store, enrich, summarize
from site_builder.models import EnrichedPaper, Paper, RenderedText
from site_builder.pipeline import load_catalog

from .conftest import ROOT, tree

NOW = date(2026, 6, 12)
_PAGE = "papers/2606.12488/index.html"


def _config(site: Path) -> SiteConfig:
    return load_config(site, now=NOW)


def _database(site: Path) -> Path:
    return site / CACHE_DIR / "build.sqlite"


def _touch_paper_template(site: Path, mark: str) -> None:
    """A site copy of paper.html that differs by a comment: every paper page renders again."""
    templates = site / "templates"
    templates.mkdir(exist_ok=True)
    source = (ROOT / "templates" / "paper.html").read_text("utf-8")
    (templates / "paper.html").write_text(f"{{# {mark} #}}{source}", "utf-8")


def _clean_tree(site: Path, scratch: Path) -> dict[str, bytes]:
    build(_config(site), workers=1)
    shutil.copytree(site, scratch, ignore=shutil.ignore_patterns("_site", ".cache"))
    build(_config(scratch), clean=True, workers=1)
    return tree(scratch / "_site")


def test_paper_pages_show_the_html_the_cache_holds(papers_site: Path) -> None:
    build(_config(papers_site), workers=1)
    # A texts row is keyed by the digest of the Markdown it was rendered from, so a row with
    # three texts is used as it is; this one is marked to show that the page took it.
    with sqlite3.connect(_database(papers_site)) as connection:
        connection.execute("UPDATE texts SET abstract_html = '<p>from the cache</p>'")
    _touch_paper_template(papers_site, "again")
    build(_config(papers_site), workers=1)
    page = (papers_site / "_site" / _PAGE).read_text("utf-8")
    assert '<div class="abstract"><p>from the cache</p></div>' in page


@pytest.mark.parametrize(
    "damage",
    [
        "DELETE FROM texts",
        # The columns have TEXT affinity: only a blob can be of the wrong type.
        "UPDATE texts SET abstract_html = x'3c703e'",
        "UPDATE texts SET notes_html = x'3c703e'",
        "UPDATE texts SET plain = x'61'",
    ],
)
def test_a_damaged_or_missing_text_is_rendered_again(
    papers_site: Path, tmp_path: Path, damage: str
) -> None:
    expected = _clean_tree(papers_site, tmp_path / "clean")
    with sqlite3.connect(_database(papers_site)) as connection:
        connection.execute(damage)
    _touch_paper_template(papers_site, "damaged")
    build(_config(papers_site), workers=1)
    got = tree(papers_site / "_site")
    assert got[_PAGE] == tree(tmp_path / "clean" / "_site")[_PAGE] == expected[_PAGE]
    with sqlite3.connect(_database(papers_site)) as connection:
        kinds = connection.execute(
            "SELECT DISTINCT typeof(plain), typeof(abstract_html), typeof(notes_html) FROM texts"
        ).fetchall()
        count = connection.execute("SELECT count(*) FROM texts").fetchone()[0]
    assert kinds == [("text", "text", "text")]  # the build put the rows right
    assert count == 7


def test_a_text_gone_from_the_cache_after_planning_is_rendered_by_the_page(
    papers_site: Path,
) -> None:
    config = _config(papers_site)
    cache = BuildCache.open(papers_site)
    try:
        catalog = load_catalog(config, cache)
        item = catalog.paper("2606.12488")
        assert item.abstract_html == RenderedText.of_markdown(item.paper.abstract, "").abstract_html
        with sqlite3.connect(_database(papers_site)) as connection:
            connection.execute("UPDATE texts SET abstract_html = '<p>cached</p>'")
        assert catalog.paper("2606.07867").abstract_html == "<p>cached</p>"
        with sqlite3.connect(_database(papers_site)) as connection:
            connection.execute("DELETE FROM texts")
        for entry in catalog.papers:
            own = RenderedText.of_markdown(entry.paper.abstract, entry.paper.notes)
            assert entry.rendered == own
    finally:
        cache.close()
    # And once the build's cache is closed, a catalog that outlives it still has its texts.
    assert catalog.paper("2606.12488").rendered == RenderedText.of_markdown(
        catalog.paper("2606.12488").paper.abstract, ""
    )


def test_forked_workers_read_the_cache_through_their_own_connection(
    papers_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workers, "PARALLEL_MIN_ITEMS", 1)
    cache = BuildCache.open(papers_site)
    try:
        catalog = load_catalog(_config(papers_site), cache)
        with sqlite3.connect(_database(papers_site)) as connection:
            connection.execute("UPDATE texts SET abstract_html = '<p>worker</p>' || digest")
            wanted = dict(connection.execute("SELECT digest, abstract_html FROM texts"))
        # The papers cross to the workers pickled, their store by its number.
        found = workers.fork_map(
            lambda item: item.abstract_html, list(catalog.papers), workers=2, chunk=2
        )
        assert found == [wanted[item.text_key] for item in catalog.papers]
        # The parent's own connection still works after the workers used theirs.
        assert catalog.papers[0].abstract_html == wanted[catalog.papers[0].text_key]
    finally:
        cache.close()


def test_a_store_unpickled_where_it_is_unknown_renders_the_texts_itself() -> None:
    paper = Paper(id="x", title="X", featured=NOW, abstract="*A* $x^2$", notes="## Notes\n\nN")
    store = TextStore(None)
    item = EnrichedPaper(paper=paper, topics=(), score=0.0, summary="", texts=store.rendered)
    copy = pickle.loads(pickle.dumps(item))
    assert copy.rendered == item.rendered == RenderedText.of_markdown(paper.abstract, paper.notes)
    assert copy.texts.__self__ is store  # type: ignore[union-attr]  # same process: same store
    stranger = _store(-1)
    assert stranger is not store
    assert stranger.rendered(item) == item.rendered


_MARKDOWN = st.lists(
    st.sampled_from(
        [*"ab $*_`\\^{}#\n<>&é…", "\N{GREEK SMALL LETTER ALPHA}", "$x$", "**b**", "\\alpha"]
    ),
    max_size=30,
).map("".join)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(texts=st.lists(st.tuples(_MARKDOWN, _MARKDOWN), min_size=1, max_size=4))
def test_texts_from_the_cache_equal_texts_rendered_on_the_spot(
    site_dir: Path, texts: list[tuple[str, str]]
) -> None:
    config = _config(site_dir)
    papers = [
        Paper(id=f"p{i}", title=f"Paper {i}", featured=NOW, abstract=abstract, notes=notes)
        for i, (abstract, notes) in enumerate(texts)
    ]
    reference = {p.id: RenderedText.of_markdown(p.abstract, p.notes) for p in papers}
    for _ in range(2):  # rendered and stored, then read back
        cache = BuildCache.open(site_dir)
        try:
            catalog = enrich(papers, config, cache)
            for item in catalog.papers:
                assert item.rendered == reference[item.paper.id]
                assert isinstance(item.rendered, RenderedText)
                assert item.summary == summarize(reference[item.paper.id].plain)
        finally:
            cache.close()
    uncached = enrich(papers, config)
    assert {item.paper.id: item.rendered for item in uncached.papers} == reference
