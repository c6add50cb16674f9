"""Author pages: every named author and their papers."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from ..models import Author, EnrichedPaper
from ..urls import slugify
from .trending import newest_first

__all__ = ["group_authors"]


def _digest(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:6]


def group_authors(papers: Sequence[EnrichedPaper]) -> tuple[Author, ...]:
    """Authors sorted by name, each with their papers newest first.

    Names are matched exactly as written. An ASCII name takes its plain slug unless an earlier
    one has it; other names get their slug plus a short hash of the name.
    """
    # One sort for every author: each author's papers, gathered in the latest order of all
    # papers, are in their own latest order (see `newest_first`).
    by_name: dict[str, list[str]] = {}
    for item in newest_first(papers):
        for name in dict.fromkeys(item.paper.authors):
            by_name.setdefault(name, []).append(item.paper.id)
    authors = []
    taken: dict[str, str] = {}
    for name in sorted(by_name, key=lambda n: (n.casefold(), n)):
        base = slugify(name)
        plain = bool(base) and name.isascii() and base not in taken
        if plain:
            taken[base] = name
        # A name with letters outside ASCII (José, 李娜), or one that slugs like an earlier
        # name, gets a short hash of itself: adding "Jose" never moves José's page.
        slug = base if plain else f"{base or 'author'}-{_digest(name)}"
        authors.append(Author(name=name, slug=slug, paper_ids=tuple(by_name[name])))
    return tuple(authors)
