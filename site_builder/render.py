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
from .enrich.trending import WINDOWS, in_window
from .errors import BuildError
from .feedlist import FORMATS, site_feeds
from .models import Catalog, EnrichedPaper, OutputFile, Topic
from .theme import template_dirs

__all__ = ["Alternate", "Page", "alternates", "plan_discovery_pages", "plan_pages", "render_pages"]


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
    pages.extend(plan_discovery_pages(catalog))
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
        "alternates": lambda page: alternates(page, config),
        "absolute_url": lambda path: urls.absolute(config.base_url, path),
        "trending_windows": WINDOWS,
        "updated": catalog.updated,
        "now": catalog.now,
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


# The trending windows, the feeds page and the subscribe page: planned apart from the pages
# above, each with a template of its own.


@dataclass(frozen=True, slots=True)
class Alternate:
    """One `<link rel="alternate">` feed autodiscovery tag."""

    title: str
    media_type: str
    path: str


def alternates(page: Page, config: SiteConfig) -> list[Alternate]:
    """The feeds a page announces: the trending feed on every page, and on a topic's pages
    that topic's feed too. Few on purpose: the feeds page lists the rest."""
    found = [
        Alternate(
            f"{config.title}: Trending papers ({form.label})",
            form.media_type,
            urls.feed("trending", form.kind),
        )
        for form in FORMATS
    ]
    topic = page.context.get("topic")
    if isinstance(topic, Topic):
        found += [
            Alternate(
                f"{config.title}: {topic.rule.name} ({form.label})",
                form.media_type,
                urls.topic_feed(topic.rule.slug, form.kind),
            )
            for form in FORMATS
        ]
    return found


def plan_discovery_pages(catalog: Catalog) -> list[Page]:
    """One list per trending window (today, this week, this month), the feeds page and the
    subscribe page."""
    config = catalog.config
    pages: list[Page] = []
    for window in WINDOWS:
        papers_in = in_window(catalog.papers, window, catalog.now)
        for papers, pagination in _paginate(
            papers_in, config.page_size, lambda n, name=window.name: urls.trending(name, n)
        ):
            suffix = f" (page {pagination.number})" if pagination.number > 1 else ""
            pages.append(
                Page(
                    path=urls.trending(window.name, pagination.number),
                    template="trending.html",
                    title=f"Trending {window.title.lower()}{suffix}",
                    description=f"The papers with the most points {window.title.lower()}.",
                    context={
                        "window": window,
                        "papers": papers,
                        "pagination": pagination,
                        "offset": (pagination.number - 1) * config.page_size,
                    },
                )
            )
    feeds = site_feeds(catalog)
    pages.append(
        Page(
            path=urls.feeds_index(),
            template="feeds.html",
            title="Feeds",
            description=f"Every feed of {config.title}, as RSS, Atom and JSON Feed.",
            context={"site_feeds": feeds, "formats": FORMATS},
        )
    )
    pages.append(
        Page(
            path=urls.subscribe(),
            template="subscribe.html",
            title="Subscribe",
            description=f"Follow {config.title} by feed reader or by email.",
            context={"site_feeds": feeds[:2], "formats": FORMATS},
        )
    )
    return pages
