"""What a source yields: the fields it owns of one paper."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..urls import slugify

__all__ = ["PaperRecord", "normalize_title", "title_id"]

_TEX_COMMAND = re.compile(r"\\[a-zA-Z]+\s*")
_NOT_WORD = re.compile(r"[\W_]+")


def normalize_title(title: str) -> str:
    """Fold case, accents, spacing, punctuation and TeX markup: equal for the same paper."""
    text = _TEX_COMMAND.sub(" ", title)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(_NOT_WORD.sub(" ", text.casefold()).split())


def title_id(title: str) -> str:
    """The id of a paper known only by its title: a readable slug plus a short hash of the
    normalised title, so two titles that slug alike never collide and the id never drifts."""
    digest = hashlib.sha256(normalize_title(title).encode()).hexdigest()[:6]
    return f"{slugify(title, max_length=60) or 'paper'}-{digest}"


@dataclass(frozen=True, slots=True, kw_only=True)
class PaperRecord:
    """One paper as a source sees it. Fields left as None are not the source's to set."""

    id: str
    title: str
    abstract: str
    source: str
    authors: tuple[str, ...] | None = None
    published: date | None = None
    featured: date | None = None
    links: dict[str, str] = field(default_factory=dict)
    upvotes: int | None = None
    rank: int | None = None

    def owned_fields(self) -> dict[str, Any]:
        """The front-matter keys this record sets (without the abstract, which is the body)."""
        fields: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "authors": list(self.authors) if self.authors is not None else None,
            "published": self.published,
            "featured": self.featured,
            "upvotes": self.upvotes,
            "rank": self.rank,
            "source": self.source,
        }
        return {key: value for key, value in fields.items() if value is not None}
