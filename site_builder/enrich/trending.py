"""The trending score, the trending order and the trending windows.

A paper's *points* are its upvotes; without upvotes, the stars of its code; without either, its
place in the source's own list, as 1 / rank (rank 1 is worth one point, rank 4 a quarter), so a
pasted list keeps its order. No points at all is 0.

Points decay with age against a reference day `now` (from `--now`, SOURCE_DATE_EPOCH or the
newest paper, never the wall clock):

    score = points * 0.5 ** (age_days / half_life_days)

where `age_days` is the days from the paper's day (featured, else published) to `now`, and 0 for a
paper dated after `now`. Ties go to the newer paper, then to more points, then to the smaller id,
so the order never depends on file order or on the platform's float formatting.

The windows (today, this week, this month) are rolling: the papers whose day lies within the
last 1, 7 or 30 days up to `now`. Within a window the age is bounded already, so papers are
ordered by their points, as a daily-papers page orders a day, with the same tie-breaks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from operator import attrgetter

from ..models import EnrichedPaper, Paper

__all__ = [
    "WINDOWS",
    "Window",
    "age_days",
    "in_window",
    "latest_positions",
    "newest_first",
    "points",
    "score",
    "trending_key",
    "window",
]


@dataclass(frozen=True, slots=True)
class Window:
    name: str
    """Used in URLs: `trending/<name>/`."""
    title: str
    days: int
    """The window holds the papers of the last `days` days up to and including `now`."""


WINDOWS = (
    Window("today", "Today", 1),
    Window("week", "This week", 7),
    Window("month", "This month", 30),
)


def points(paper: Paper) -> float:
    """Upvotes, else stars, else 1 / rank, else 0."""
    if paper.upvotes is not None:
        return float(paper.upvotes)
    if paper.github_stars is not None:
        return float(paper.github_stars)
    if paper.rank is not None:
        return 1.0 / paper.rank
    return 0.0


def age_days(paper: Paper, now: date) -> int:
    """Whole days from the paper's day to `now`; never negative."""
    return max(0, (now - paper.day).days)


def score(paper: Paper, *, now: date, half_life_days: float) -> float:
    """Points halved every `half_life_days` of age."""
    decay: float = 0.5 ** (age_days(paper, now) / half_life_days)
    return points(paper) * decay


def trending_key(
    paper: Paper, *, now: date, half_life_days: float
) -> tuple[float, int, float, str]:
    """Sort key: highest score, then newest day, then most points, then id."""
    return (
        -score(paper, now=now, half_life_days=half_life_days),
        -paper.day.toordinal(),
        -points(paper),
        paper.id,
    )


def in_window(items: Iterable[EnrichedPaper], window: Window, now: date) -> list[EnrichedPaper]:
    """The papers of `window` ending at `now`, most points first (ties as in the trending key)."""
    first = now - timedelta(days=window.days - 1)
    chosen = [item for item in items if first <= item.paper.day <= now]
    return sorted(
        chosen, key=lambda item: (-points(item.paper), -item.paper.day.toordinal(), item.paper.id)
    )


def window(name: str) -> Window:
    return next(w for w in WINDOWS if w.name == name)


_DAY = attrgetter("paper.day")


def newest_first(items: Sequence[EnrichedPaper]) -> list[EnrichedPaper]:
    """The latest order: newest day first; within a day, the trending order (`items`' order).

    Python's sort is stable, also in reverse, so papers of one day keep `items`' order. A
    subsequence of `items` comes out as the same subsequence of `newest_first(items)`, so
    callers that need the latest order of many subsets sort once (`latest_positions`)."""
    return sorted(items, key=_DAY, reverse=True)


def latest_positions(items: Sequence[EnrichedPaper]) -> dict[str, int]:
    """Each paper's place in `newest_first(items)`, by id: sorting a subset of `items` (in
    `items`' order) by it gives the subset's own `newest_first`."""
    return {item.paper.id: index for index, item in enumerate(newest_first(items))}
