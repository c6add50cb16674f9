"""Archive grouping: the days, ISO weeks and months that have papers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from ..models import EnrichedPaper, Period

__all__ = ["day_period", "group_periods", "week_key"]


def _day(day: date) -> tuple[str, str, date]:
    return day.isoformat(), f"{day.day} {day:%B %Y}", day


def week_key(day: date) -> str:
    """The ISO week a day belongs to, e.g. 2025-W11."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _week(day: date) -> tuple[str, str, date]:
    year, week, _ = day.isocalendar()
    return week_key(day), f"Week {week} of {year}", date.fromisocalendar(year, week, 1)


def _month(day: date) -> tuple[str, str, date]:
    return f"{day:%Y-%m}", f"{day:%B %Y}", day.replace(day=1)


_KINDS: dict[str, Callable[[date], tuple[str, str, date]]] = {
    "day": _day,
    "week": _week,
    "month": _month,
}


def group_periods(papers: Sequence[EnrichedPaper]) -> dict[str, tuple[Period, ...]]:
    """Periods of each kind, oldest first; papers keep the order they are given in."""
    grouped: dict[str, tuple[Period, ...]] = {}
    days = [item.paper.day for item in papers]
    ids = [item.paper.id for item in papers]
    for kind, describe in _KINDS.items():
        # A site has few distinct days: each is described once, not once per paper.
        described = {day: describe(day) for day in set(days)}
        members: dict[str, list[str]] = {}
        info: dict[str, tuple[str, date]] = {}
        for day, paper_id in zip(days, ids, strict=True):
            key, label, start = described[day]
            members.setdefault(key, []).append(paper_id)
            info[key] = (label, start)
        grouped[kind] = tuple(
            Period(
                kind=kind,
                key=key,
                label=info[key][0],
                start=info[key][1],
                paper_ids=tuple(members[key]),
            )
            for key in sorted(members, key=lambda k: info[k][1])
        )
    return grouped


def day_period(day: date, paper_ids: Sequence[str]) -> Period:
    """The period of `day` as `group_periods` makes it, given its papers in their order."""
    key, label, start = _day(day)
    return Period(kind="day", key=key, label=label, start=start, paper_ids=tuple(paper_ids))
