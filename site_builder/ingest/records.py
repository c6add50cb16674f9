"""What a source yields: the fields it owns of one paper."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..ids import normalize_doi, split_arxiv_id
from ..urls import slugify

__all__ = [
    "PaperRecord",
    "arxiv_links",
    "id_strength",
    "normalize_title",
    "split_arxiv_id",
    "title_id",
]

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


def id_strength(paper_id: str) -> int:
    """How firmly an id names a paper: 2 an arXiv id, 1 a DOI, 0 a title-derived id."""
    if split_arxiv_id(paper_id):
        return 2
    return 1 if normalize_doi(paper_id) == paper_id else 0


def arxiv_links(arxiv_id: str) -> dict[str, str]:
    """The abstract page and the PDF of the latest version."""
    return {
        "arxiv": f"https://arxiv.org/abs/{arxiv_id}",
        "pdf": f"https://arxiv.org/pdf/{arxiv_id}",
    }


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
    updated: date | None = None
    """When the newest version appeared."""
    version: int | None = None
    """The arXiv version this record describes (1 for v1)."""
    categories: tuple[str, ...] | None = None
    """arXiv categories, the primary one first."""
    affiliations: dict[str, list[str]] | None = None
    """Author name -> affiliations, for authors the source gives any for."""
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    keywords: tuple[str, ...] | None = None
    github_stars: int | None = None
    withdrawn: bool | None = None
    """True when the authors withdrew the paper; None when the source does not say."""
    update_only: bool = False
    """Only update a paper already in content/; skip it otherwise (arXiv replacements)."""

    def owned_fields(self) -> dict[str, Any]:
        """The front-matter keys this record sets (without the abstract, which is the body)."""
        fields: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "authors": list(self.authors) if self.authors is not None else None,
            "affiliations": self.affiliations or None,
            "published": self.published,
            "updated": self.updated,
            "version": self.version,
            "featured": self.featured,
            "categories": list(self.categories) if self.categories else None,
            "keywords": list(self.keywords) if self.keywords else None,
            "upvotes": self.upvotes,
            "github_stars": self.github_stars,
            "rank": self.rank,
            "doi": self.doi,
            "journal_ref": self.journal_ref,
            "comment": self.comment,
            "withdrawn": self.withdrawn,
            "source": self.source,
        }
        return {key: value for key, value in fields.items() if value is not None}
