"""The records that flow through the pipeline. All are frozen; stages derive new ones."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath

from .config import SiteConfig, TopicRule

__all__ = [
    "LINK_KINDS",
    "Author",
    "Catalog",
    "EnrichedPaper",
    "Link",
    "OutputFile",
    "Paper",
    "Period",
    "RenderedText",
    "Topic",
]

LINK_KINDS: dict[str, str] = {
    "arxiv": "arXiv",
    "pdf": "PDF",
    "code": "Code",
    "project": "Project page",
    "huggingface": "Hugging Face",
    "doi": "DOI",
}
"""The link kinds a paper may carry, in display order, with their labels."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Link:
    kind: str
    """One of `LINK_KINDS`."""
    url: str
    """An absolute http(s) URL."""

    @property
    def label(self) -> str:
        return LINK_KINDS[self.kind]


@dataclass(frozen=True, slots=True, kw_only=True)
class Paper:
    """One paper file of content/papers/, validated."""

    id: str
    """Canonical id: an arXiv id without version, a DOI, or a slug made from the title."""
    title: str
    authors: tuple[str, ...] = ()
    published: date | None = None
    """When the paper first appeared (e.g. arXiv v1)."""
    featured: date | None = None
    """The day a source listed it as trending (the daily list it came from)."""
    topics: tuple[str, ...] = ()
    """Topics pinned by the curator; when present they replace automatic assignment."""
    links: tuple[Link, ...] = ()
    upvotes: int | None = None
    rank: int | None = None
    """Position in the source's list for the featured day, 1 = top."""
    source: str | None = None
    """Which ingester wrote the file (text, arxiv, hf, ...)."""
    hidden: bool = False
    """Set by a curator to keep the file but leave the paper off the site."""
    updated: date | None = None
    """When the newest version appeared."""
    version: int | None = None
    """The newest arXiv version known (1 for v1)."""
    categories: tuple[str, ...] = ()
    """arXiv categories, the primary one first."""
    keywords: tuple[str, ...] = ()
    """Keywords from the source (Hugging Face's ai_keywords, BibTeX keywords)."""
    affiliations: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Author name -> affiliations, where the source gives them."""
    github_stars: int | None = None
    doi: str | None = None
    journal_ref: str | None = None
    comment: str | None = None
    """The authors' comment on arXiv (pages, venue, "withdrawn", ...)."""
    withdrawn: bool = False
    """The authors withdrew the paper."""
    aliases: tuple[str, ...] = ()
    """Former ids of the paper (a title id before its arXiv id was known)."""
    # Not in the repr, which a template printing a paper would show: lists' page digests
    # leave the abstract and notes out (`enrich.vouch`).
    abstract: str = field(default="", repr=False)
    """Markdown."""
    notes: str = field(default="", repr=False)
    """The curator's Markdown below the abstract, from a `## Notes` heading on."""
    path: Path = field(default=Path(), compare=False)
    """The file it was loaded from."""

    @property
    def day(self) -> date:
        """The date the site files the paper under: featured, else published."""
        day = self.featured or self.published
        assert day is not None, "load guarantees one of the dates"
        return day

    def link(self, kind: str) -> str | None:
        return next((link.url for link in self.links if link.kind == kind), None)


@dataclass(frozen=True, slots=True)
class RenderedText:
    """What a paper's Markdown renders to."""

    plain: str
    """The abstract as plain text on one line (math as its TeX source)."""
    abstract_html: str
    notes_html: str

    @classmethod
    def of_markdown(cls, abstract: str, notes: str) -> RenderedText:
        """What a paper's abstract and notes render to."""
        # Imported here: a build with nothing to do never loads markdown-it.
        from .markdown import render_markdown, render_markdown_and_text  # noqa: PLC0415

        html, plain = render_markdown_and_text(abstract)
        return cls(plain=plain, abstract_html=html, notes_html=render_markdown(notes))


@dataclass(frozen=True, slots=True, kw_only=True)
class EnrichedPaper:
    """A paper with everything computed from the whole collection.

    Its rendered Markdown (`abstract_html`, `notes_html`, `abstract_text`) is not kept here but
    asked of `texts` when a page shows it: held for every paper for the whole build, it was the
    largest part of a build's memory."""

    paper: Paper
    topics: tuple[str, ...]
    """Topic slugs, pinned or assigned; never empty (the catch-all at worst)."""
    score: float
    """Trending score; higher is hotter."""
    summary: str
    """A short plain-text abstract for lists."""
    related: tuple[str, ...] = ()
    """Ids of the most similar papers, most similar first."""
    text_key: str = field(default="", repr=False)
    """The digest of the paper's Markdown (abstract and notes), under which the build cache
    keeps what it renders to."""
    texts: Callable[[EnrichedPaper], RenderedText] | None = field(
        default=None, compare=False, repr=False
    )
    """Gives the paper's rendered Markdown (the build's reads it from the build cache); None
    renders it from the paper's Markdown on each use."""

    @property
    def rendered(self) -> RenderedText:
        if self.texts is not None:
            return self.texts(self)
        return RenderedText.of_markdown(self.paper.abstract, self.paper.notes)

    @property
    def abstract_html(self) -> str:
        return self.rendered.abstract_html

    @property
    def notes_html(self) -> str:
        return self.rendered.notes_html

    @property
    def abstract_text(self) -> str:
        return self.rendered.plain


@dataclass(frozen=True, slots=True, kw_only=True)
class Topic:
    rule: TopicRule
    paper_ids: tuple[str, ...]
    """Papers in trending order."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Period:
    """A day, ISO week or month of the archive that has papers."""

    kind: str
    """"day", "week" or "month"."""
    key: str
    """2025-03-13, 2025-W11 or 2025-03."""
    label: str
    """How pages name it: "13 March 2025", "Week 11 of 2025", "March 2025"."""
    start: date
    paper_ids: tuple[str, ...]
    """In trending order."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Author:
    name: str
    slug: str
    paper_ids: tuple[str, ...]
    """Newest first."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Catalog:
    """The enriched collection every output is planned from."""

    config: SiteConfig
    papers: tuple[EnrichedPaper, ...]
    """Visible papers in trending order."""
    topics: tuple[Topic, ...]
    """Topics in topics.yaml order; the catch-all last, and only if it has papers."""
    updated: date
    """The newest paper date: the site's "last updated", never the wall clock."""
    periods: Mapping[str, tuple[Period, ...]] = field(default_factory=dict)
    """Archive periods by kind ("day", "week", "month"), oldest first."""
    authors: tuple[Author, ...] = ()
    """Every named author, by name."""
    now: date
    """The day trending is computed against: `--now`, SOURCE_DATE_EPOCH or `updated`."""

    by_id: Mapping[str, EnrichedPaper] = field(default_factory=dict, repr=False)
    """The same papers by id."""

    def paper(self, paper_id: str) -> EnrichedPaper:
        return self.by_id[paper_id]


@dataclass(frozen=True, slots=True)
class OutputFile:
    """One file of the built site."""

    path: PurePosixPath
    """Relative to the output folder."""
    data: bytes
