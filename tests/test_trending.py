"""The trending score, its order, the windows, and where "now" comes from."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from site_builder.cli import main
from site_builder.config import SiteConfig, load_config, reference_day
from site_builder.enrich import enrich
from site_builder.enrich.trending import WINDOWS, in_window, points, score
from site_builder.errors import ConfigError
from site_builder.models import Paper
from site_builder.pipeline import load_catalog

from .conftest import ROOT
from .sitecheck import parse_html

NOW = date(2026, 6, 12)


def _paper(
    paper_id: str,
    day: date,
    *,
    upvotes: int | None = None,
    stars: int | None = None,
    rank: int | None = None,
) -> Paper:
    return Paper(
        id=paper_id, title=paper_id, featured=day, upvotes=upvotes, github_stars=stars, rank=rank
    )


def test_points_prefer_upvotes_then_stars_then_rank() -> None:
    day = NOW
    assert points(_paper("a", day, upvotes=7, stars=100, rank=1)) == 7
    assert points(_paper("a", day, stars=100, rank=1)) == 100
    assert points(_paper("a", day, rank=4)) == 0.25
    assert points(_paper("a", day)) == 0


def test_the_readme_worked_example() -> None:
    """README: 40 upvotes 6 days old, half-life 3 days → 40 * 0.5 ** 2 = 10, behind 12 today."""
    old = _paper("old", date(2026, 6, 6), upvotes=40)
    new = _paper("new", NOW, upvotes=12)
    assert score(old, now=NOW, half_life_days=3) == 10.0
    assert score(new, now=NOW, half_life_days=3) == 12.0
    assert score(old, now=NOW, half_life_days=6) == 20.0
    # A paper dated after "now" is not boosted: its age counts as 0.
    assert score(_paper("future", date(2026, 7, 1), upvotes=5), now=NOW, half_life_days=3) == 5


def test_the_fixture_site_orders_by_decayed_score(papers_site: Path) -> None:
    catalog = load_catalog(load_config(papers_site))
    assert catalog.now == NOW  # the newest paper's day: no clock, no option
    assert [p.paper.id for p in catalog.papers] == [
        "2606.06113",  # 13 today
        "2606.11409",  # 8 today
        "2606.12730",  # 5 today
        "2606.07867",  # 40, 11 days old: 3.15
        "2606.13174",  # 2 stars, 4 days old: 0.79
        "2606.12488",  # 1, 2 days old: 0.63
        "2606.00467",  # rank 1, 42 days old
    ]
    scores = [p.score for p in catalog.papers]
    assert scores == sorted(scores, reverse=True)


def test_the_windows_hold_their_days_ordered_by_points(papers_site: Path) -> None:
    catalog = load_catalog(load_config(papers_site))
    ids = {w.name: [p.paper.id for p in in_window(catalog.papers, w, NOW)] for w in WINDOWS}
    assert ids["today"] == ["2606.06113", "2606.11409", "2606.12730"]
    assert ids["week"] == ["2606.06113", "2606.11409", "2606.12730", "2606.13174", "2606.12488"]
    assert ids["month"] == [
        "2606.07867",
        "2606.06113",
        "2606.11409",
        "2606.12730",
        "2606.13174",
        "2606.12488",
    ]


def test_ties_are_broken_by_day_then_id_whatever_the_file_order() -> None:
    config = load_config_for_test()
    papers = [
        _paper("b", NOW, upvotes=4),
        _paper("a", NOW, upvotes=4),
        _paper("c", date(2026, 6, 9), upvotes=8),  # 8 * 0.5 = 4: same score, older
    ]
    for order in (papers, papers[::-1], [papers[1], papers[2], papers[0]]):
        catalog = enrich(order, config)
        assert [p.paper.id for p in catalog.papers] == ["a", "b", "c"]


def load_config_for_test(half_life: float = 3.0) -> SiteConfig:
    """The bundled site's settings with a given half-life and "now"."""
    config = load_config(ROOT)
    return dataclasses.replace(
        config,
        trending=dataclasses.replace(config.trending, half_life_days=half_life),
        now=NOW,
    )


@given(
    others=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=60),
            st.one_of(st.none(), st.integers(min_value=0, max_value=500)),
            st.one_of(st.none(), st.integers(min_value=1, max_value=100)),
        ),
        max_size=8,
    ),
    age=st.integers(min_value=0, max_value=60),
    upvotes=st.integers(min_value=0, max_value=500),
    more=st.integers(min_value=1, max_value=500),
    half_life=st.floats(min_value=0.25, max_value=60),
)
def test_trending_never_falls_as_upvotes_rise(
    others: list[tuple[int, int | None, int | None]],
    age: int,
    upvotes: int,
    more: int,
    half_life: float,
) -> None:
    """More upvotes never lower a paper's score, nor its place among the same other papers."""
    config = load_config_for_test(half_life)
    day = date.fromordinal(NOW.toordinal() - age)
    rest = [
        _paper(f"p{index}", date.fromordinal(NOW.toordinal() - d), upvotes=u, rank=r)
        for index, (d, u, r) in enumerate(others)
    ]

    def place(votes: int) -> tuple[int, float]:
        catalog = enrich([*rest, _paper("me", day, upvotes=votes)], config)
        ids = [p.paper.id for p in catalog.papers]
        return ids.index("me"), catalog.paper("me").score

    before, after = place(upvotes), place(upvotes + more)
    assert after[1] >= before[1]
    assert after[0] <= before[0]


def test_now_comes_from_the_option_then_source_date_epoch() -> None:
    assert reference_day("2025-03-20", {"SOURCE_DATE_EPOCH": "0"}) == date(2025, 3, 20)
    assert reference_day(None, {"SOURCE_DATE_EPOCH": "1741824000"}) == date(2025, 3, 13)
    assert reference_day(None, {}) is None
    with pytest.raises(ConfigError, match="--now must be a date"):
        reference_day("yesterday", {})
    with pytest.raises(ConfigError, match="SOURCE_DATE_EPOCH must be whole seconds"):
        reference_day(None, {"SOURCE_DATE_EPOCH": "soon"})


def test_build_now_moves_the_windows_and_the_scores(
    papers_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = papers_site / "_site"
    assert main(["build", "--site", str(papers_site), "--quiet", "--now", "2026-06-01"]) == 0
    today = parse_html((site / "trending/today/index.html").read_text()).text
    assert "The Cold-Start Safety Gap in LLM Agents" in today  # 2606.07867, featured 06-01
    assert "Risk Under Pressure" not in today  # after "now": not in today's window
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1749686400")  # 2025-06-12: before every paper
    assert main(["build", "--site", str(papers_site), "--quiet"]) == 0
    assert "No papers yet." in (site / "trending/today/index.html").read_text()


def test_home_links_every_window_and_each_window_page_exists(papers_site: Path) -> None:
    assert main(["build", "--site", str(papers_site), "--quiet", "--now", "2026-06-12"]) == 0
    site = papers_site / "_site"
    home = parse_html((site / "index.html").read_text())
    for name in ("today", "week", "month"):
        assert f"trending/{name}/index.html" in home.links
        page = parse_html((site / f"trending/{name}/index.html").read_text())
        assert "../../index.html" in page.links  # and back to the home page
    week = parse_html((site / "trending/week/index.html").read_text()).text
    titles = ["Where, What, Why", "Risk Under Pressure", "Rethinking Psychometric"]
    assert week.index(titles[0]) < week.index(titles[1]) < week.index(titles[2])
    assert "The Cold-Start Safety Gap" not in week


@pytest.mark.parametrize(
    ("yaml", "words"),
    [
        ("trending:\n  half_life_days: 0\n", "trending.half_life_days: must be a positive number"),
        ("trending:\n  half_life_days: soon\n", "trending.half_life_days: must be an int or float"),
        ("trending:\n  gravity: 1.8\n", "trending.gravity: unknown setting"),
    ],
)
def test_trending_settings_are_validated(tmp_path: Path, yaml: str, words: str) -> None:
    (tmp_path / "site.yaml").write_text(yaml)
    with pytest.raises(ConfigError, match=words) as caught:
        load_config(tmp_path)
    assert caught.value.line == 2
