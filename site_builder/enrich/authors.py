"""Author pages: every named author and their papers."""

from __future__ import annotations

from collections.abc import Sequence

from ..models import Author, EnrichedPaper
from ..urls import slugify

__all__ = ["group_authors"]


def group_authors(papers: Sequence[EnrichedPaper]) -> tuple[Author, ...]:
    """Authors sorted by name, each with their papers newest first.

    Names are matched exactly as written; two names that slug alike get `-2`, `-3`, ... in name
    order, so every author's address is stable while the set of names is.
    """
    by_name: dict[str, list[EnrichedPaper]] = {}
    for item in papers:
        for name in dict.fromkeys(item.paper.authors):
            by_name.setdefault(name, []).append(item)
    authors = []
    taken: dict[str, int] = {}
    for name in sorted(by_name, key=lambda n: (n.casefold(), n)):
        base = slugify(name) or "author"
        taken[base] = taken.get(base, 0) + 1
        slug = base if taken[base] == 1 else f"{base}-{taken[base]}"
        newest = sorted(by_name[name], key=lambda item: -item.paper.day.toordinal())
        authors.append(
            Author(name=name, slug=slug, paper_ids=tuple(item.paper.id for item in newest))
        )
    return tuple(authors)
