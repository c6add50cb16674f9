"""Plan the HTML pages of a `Catalog` and render them with Jinja.

Planning is cheap and complete: it lists every page with its template and context before any
rendering. Each page renders from its context, its template and the config alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import jinja2

from . import urls
from .config import SiteConfig
from .errors import BuildError
from .models import Catalog, EnrichedPaper, OutputFile
from .theme import template_dirs

__all__ = ["FEEDS", "Page", "plan_pages", "render_pages"]

FEEDS = (("trending", "Trending papers"),)
"""(name, title) of every feed; each is published as RSS and Atom."""


@dataclass(frozen=True, slots=True)
class Page:
    path: str
    """Output path, e.g. `papers/<slug>/index.html`."""
    template: str
    title: str
    context: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    root_absolute: bool = False
    """Links start at the base URL's path instead of being relative: for 404.html, which a
    server returns at whatever depth the missing address had."""


@dataclass(frozen=True, slots=True)
class Pagination:
    number: int
    count: int
    previous: str | None
    next: str | None


def _paginate(
    items: Sequence[EnrichedPaper], size: int, path_of: Any
) -> list[tuple[Sequence[EnrichedPaper], Pagination]]:
    count = max(1, -(-len(items) // size))
    return [
        (
            items[(number - 1) * size : number * size],
            Pagination(
                number=number,
                count=count,
                previous=path_of(number - 1) if number > 1 else None,
                next=path_of(number + 1) if number < count else None,
            ),
        )
        for number in range(1, count + 1)
    ]


def plan_pages(catalog: Catalog) -> list[Page]:
    """Every HTML page of the site."""
    config = catalog.config
    pages: list[Page] = []
    for papers, pagination in _paginate(catalog.papers, config.page_size, urls.home):
        suffix = f" (page {pagination.number})" if pagination.number > 1 else ""
        pages.append(
            Page(
                path=urls.home(pagination.number),
                template="index.html",
                title=config.title + suffix,
                description=config.description,
                context={
                    "papers": papers,
                    "pagination": pagination,
                    "offset": (pagination.number - 1) * config.page_size,
                },
            )
        )
    pages.extend(
        Page(
            path=urls.paper(item.paper.id),
            template="paper.html",
            title=item.paper.title,
            description=item.summary,
            context={"item": item},
        )
        for item in catalog.papers
    )
    pages.append(
        Page(
            path=urls.topics_index(),
            template="topics.html",
            title="Topics",
            description=f"Topics of {config.title}",
        )
    )
    for topic in catalog.topics:
        papers_of = [catalog.paper(paper_id) for paper_id in topic.paper_ids]
        slug = topic.rule.slug
        for papers, pagination in _paginate(
            papers_of, config.page_size, lambda n, slug=slug: urls.topic(slug, n)
        ):
            suffix = f" (page {pagination.number})" if pagination.number > 1 else ""
            pages.append(
                Page(
                    path=urls.topic(slug, pagination.number),
                    template="topic.html",
                    title=topic.rule.name + suffix,
                    description=topic.rule.description or f"Papers on {topic.rule.name}",
                    context={
                        "topic": topic,
                        "papers": papers,
                        "pagination": pagination,
                        "offset": (pagination.number - 1) * config.page_size,
                    },
                )
            )
    pages.append(
        Page(path="404.html", template="404.html", title="Page not found", root_absolute=True)
    )
    return pages


def _environment(config: SiteConfig) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(path) for path in template_dirs(config)]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["url"] = _url
    env.filters["human_date"] = _human_date
    return env


@jinja2.pass_context
def _url(context: jinja2.runtime.Context, path: str) -> str:
    """A link from the page being rendered to the output path `path`."""
    page: Page = context["page"]
    if page.root_absolute:
        return str(context["base_path"]) + path.removesuffix(urls.INDEX)
    return urls.relative(page.path, path)


def _human_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def render_pages(pages: Sequence[Page], catalog: Catalog) -> list[OutputFile]:
    config = catalog.config
    env = _environment(config)
    shared = {
        "site": config,
        "topics": {topic.rule.slug: topic for topic in catalog.topics},
        "topic_list": catalog.topics,
        "feeds": [
            (name, title, urls.feed(name, "rss"), urls.feed(name, "atom")) for name, title in FEEDS
        ],
        "updated": catalog.updated,
        "base_path": urlsplit(config.base_url).path,
        "urls": urls,
    }
    files = []
    for page in pages:
        try:
            template = env.get_template(page.template)
            html = template.render(
                shared,
                page=page,
                canonical=urls.absolute(config.base_url, page.path),
                **page.context,
            )
        except jinja2.TemplateError as exc:
            name = getattr(exc, "filename", None) or page.template
            line = getattr(exc, "lineno", None)
            raise BuildError(
                f"template error while rendering {page.path}: {exc}", path=name, line=line
            ) from exc
        files.append(OutputFile(PurePosixPath(page.path), html.encode("utf-8")))
    return files
