"""The trending order.

Papers of the newest featured day come first, like a daily-papers page. Within a day the score
orders them: upvotes when the source has them, else the source's own ranking (1 / rank), so a
pasted list keeps its order. Ties fall back to the id, so the order never depends on file order.
"""

from __future__ import annotations

from ..models import Paper

__all__ = ["score", "trending_key"]


def score(paper: Paper) -> float:
    if paper.upvotes is not None:
        return float(paper.upvotes)
    if paper.rank is not None:
        return 1.0 / paper.rank
    return 0.0


def trending_key(paper: Paper) -> tuple[int, float, str]:
    """Sort key: newest day first, then highest score, then id."""
    return (-paper.day.toordinal(), -score(paper), paper.id)
