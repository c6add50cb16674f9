"""Plan the HTML pages of a `Catalog` and render them with Jinja.

Planning is cheap and complete: it lists every page with its template and context before any
rendering. Each page renders from its context, its template and the config alone.
"""

from __future__ import annotations

import posixpath
import sys
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache, partial
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup, escape

from . import citation, urls
from .config import SiteConfig, TopicRule
from .enrich import own_page_of
from .enrich.archives import week_key
from .enrich.trending import WINDOWS, in_window, latest_positions
from .errors import BuildError
from .feedlist import FORMATS, site_feeds
from .markdown import plain_text
from .models import Catalog, EnrichedPaper, OutputFile, Period, Topic
from .theme import template_dirs
from .workers import fork_map

__all__ = [
    "Alternate",
    "Page",
    "Renderer",
    "TopicLabel",
    "alternates",
    "plan_discovery_pages",
    "plan_pages",
    "plan_paper_pages",
    "render_pages",
]


@dataclass(frozen=True, slots=True)
class Page:
    path: str
    """Output path, e.g. `papers/<slug>/index.html`."""
    template: str
    title: str
    context: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    root_absolute: bool = False
    """Links start at the base URL's path instead of being relative: for 404.html, which a
    server returns at whatever depth the missing address had."""
    listed: bool = True
    """Whether the sitemap lists it (not the 404 page, not redirects)."""
    made_from: Any = None
    """For a context that computes some of its values on demand: the values it computes them
    from (with the config), which the page digest covers instead of the context."""
    own_page: str = ""
    """For a paper's own page, the digest of what only that page shows of the paper (its
    abstract, notes and related papers, `enrich.own_page_of`), which the page's digest covers:
    the paper's vouched digest, which lists use, leaves them out."""


@dataclass(frozen=True, slots=True)
class Pagination:
    number: int
    count: int
    previous: str | None
    next: str | None


def _listing(
    items: Sequence[EnrichedPaper],
    size: int,
    path_of: Callable[[int], str],
    *,
    template: str,
    title: str,
    description: str,
    context: dict[str, Any],
) -> list[Page]:
    """One page per `size` papers; page 2 on are titled "(page N)"."""
    count = max(1, -(-len(items) // size))
    pages = []
    for number in range(1, count + 1):
        pagination = Pagination(
            number=number,
            count=count,
            previous=path_of(number - 1) if number > 1 else None,
            next=path_of(number + 1) if number < count else None,
        )
        suffix = f" (page {number})" if number > 1 else ""
        pages.append(
            Page(
                path=path_of(number),
                template=template,
                title=title + suffix,
                description=description,
                context={
                    **context,
                    "papers": items[(number - 1) * size : number * size],
                    "pagination": pagination,
                    "offset": (number - 1) * size,
                },
            )
        )
    return pages


def plan_pages(catalog: Catalog) -> list[Page]:
    """Every HTML page of the site."""
    config = catalog.config
    size = config.page_size

    paper_by_id = catalog.by_id.__getitem__

    def papers_of(ids: Sequence[str]) -> list[EnrichedPaper]:
        return list(map(paper_by_id, ids))

    pages = _listing(
        catalog.papers,
        size,
        urls.home,
        template="index.html",
        title=config.title,
        description=config.description,
        context={},
    )
    paths = {item.paper.id: urls.paper(item.paper.id) for item in catalog.papers}
    pages += _paper_pages(catalog, paths)
    pages += _alias_pages(catalog, paths)
    pages.append(
        Page(
            path=urls.topics_index(),
            template="topics.html",
            title="Topics",
            description=f"Topics of {config.title}",
        )
    )
    # The latest order of every topic, read off the latest order of all papers: within a day
    # both keep the trending order, which topics share with the catalog.
    latest = latest_positions(catalog.papers)
    for topic in catalog.topics:
        slug, rule = topic.rule.slug, topic.rule
        description = rule.description or f"Papers on {rule.name}"
        trending = papers_of(topic.paper_ids)
        newest = papers_of(sorted(topic.paper_ids, key=latest.__getitem__))
        for order, items, path_of in (
            ("trending", trending, partial(urls.topic, slug)),
            ("latest", newest, partial(urls.topic_latest, slug)),
        ):
            title = rule.name if order == "trending" else f"{rule.name}: latest"
            pages += _listing(
                items,
                size,
                path_of,
                template="topic.html",
                title=title,
                description=description,
                context={"topic": topic, "order": order},
            )
    pages += _archive_pages(catalog)
    if catalog.authors:
        pages.append(
            Page(
                path=urls.authors_index(),
                template="authors.html",
                title="Authors",
                description=f"Authors of the papers on {config.title}",
            )
        )
        for author in catalog.authors:
            pages += _listing(
                papers_of(author.paper_ids),
                size,
                partial(urls.author, author.slug),
                template="author.html",
                title=author.name,
                description=f"Papers by {author.name} on {config.title}",
                context={"author": author},
            )
    pages.append(
        Page(
            path=urls.search(),
            template="search.html",
            title="Search",
            description=f"Search the papers of {config.title}",
        )
    )
    pages.extend(plan_discovery_pages(catalog))
    pages.append(
        Page(
            path="404.html",
            template="404.html",
            title="Page not found",
            root_absolute=True,
            listed=False,
        )
    )
    return pages


def _alias_pages(catalog: Catalog, paths: Mapping[str, str]) -> list[Page]:
    """A redirect at each old address of a paper whose id changed (e.g. a title id replaced
    by its arXiv id), so links and bookmarks to the old page keep working."""
    taken = set(paths.values())
    pages = []
    for item in catalog.papers:
        target = paths[item.paper.id]
        for alias in item.paper.aliases:
            path = urls.paper(alias)
            if path in taken:
                continue
            taken.add(path)
            pages.append(
                Page(
                    path=path,
                    template="redirect.html",
                    title=item.paper.title,
                    context={"target": target},
                    listed=False,
                )
            )
    return pages


def plan_paper_pages(catalog: Catalog, ids: Collection[str]) -> list[Page]:
    """The pages of the papers `ids` alone, as `plan_pages` plans them."""
    paths = {paper_id: urls.paper(paper_id) for paper_id in ids}
    return _paper_pages(catalog, paths, [catalog.by_id[paper_id] for paper_id in ids])


def _paper_pages(
    catalog: Catalog,
    paths: Mapping[str, str],
    items: Sequence[EnrichedPaper] | None = None,
) -> list[Page]:
    """One page per paper (of `items`, else of all), with its neighbours of the same day in
    trending order."""
    day_order = {period.key: period.paper_ids for period in catalog.periods.get("day", ())}
    position = {paper_id: index for ids in day_order.values() for index, paper_id in enumerate(ids)}
    topic_names = {topic.rule.slug: topic.rule.name for topic in catalog.topics}
    slugs = {author.name: author.slug for author in catalog.authors}
    by_id = catalog.by_id
    base_url = catalog.config.base_url
    pages = []
    for item in catalog.papers if items is None else items:
        paper = item.paper
        siblings = day_order.get(paper.day.isoformat(), (paper.id,))
        index = position.get(paper.id, 0)
        values = {
            "item": item,
            "related": [by_id[paper_id] for paper_id in item.related],
            # Only this paper's authors: a page depends on nothing it does not show.
            "author_slugs": {name: slugs[name] for name in paper.authors if name in slugs},
            "previous": by_id[siblings[index - 1]] if index > 0 else None,
            "next": by_id[siblings[index + 1]] if index + 1 < len(siblings) else None,
        }
        pages.append(
            Page(
                path=paths[paper.id],
                template="paper.html",
                title=paper.title,
                description=item.summary,
                context=_PaperContext(values, partial(_citations, item, base_url, topic_names)),
                made_from=values,
                own_page=own_page_of(item) or "",
            )
        )
    return pages


def _citations(
    item: EnrichedPaper, base_url: str, topic_names: Mapping[str, str]
) -> dict[str, Any]:
    """A paper page's BibTeX, Scholar tags and JSON-LD: made from the paper and the config."""
    paper = item.paper
    return {
        "bibtex": citation.bibtex(paper),
        "scholar_tags": citation.scholar_tags(paper),
        "json_ld": citation.json_ld(
            paper,
            url=urls.absolute(base_url, urls.paper(paper.id)),
            abstract=item.abstract_text or plain_text(paper.abstract),
            keywords=[topic_names[slug] for slug in item.topics],
        ),
    }


_CITATION_KEYS = ("bibtex", "scholar_tags", "json_ld")


class _PaperContext(Mapping[str, Any]):
    """A paper page's template variables, the citation texts made on first use.

    A build plans every paper page but renders only those whose digest changed, so the
    citation texts (a sizeable part of planning) are made in the process that renders the page
    and only then; the digest covers the values they are made from (`Page.made_from`)."""

    __slots__ = ("_derive", "_values")

    def __init__(self, values: dict[str, Any], derive: Callable[[], dict[str, Any]]) -> None:
        self._values = values
        self._derive: Callable[[], dict[str, Any]] | None = derive

    def __getitem__(self, key: str) -> Any:
        if self._derive is not None and key in _CITATION_KEYS:
            self._values = {**self._values, **self._derive()}
            self._derive = None
        return self._values[key]

    def complete(self) -> dict[str, Any]:
        """Every variable, the citation texts made anew and not kept: a worker renders
        thousands of pages, and keeping each page's texts (4 KB) grew it by 190 MiB at
        100,000 papers."""
        if self._derive is None:
            return self._values
        return {**self._values, **self._derive()}

    def __iter__(self) -> Iterator[str]:
        yield from self._values
        if self._derive is not None:
            yield from _CITATION_KEYS

    def __len__(self) -> int:
        return len(self._values) + (len(_CITATION_KEYS) if self._derive is not None else 0)


_PERIOD_PATHS: dict[str, Callable[[str, int], str]] = {
    "day": lambda key, n: urls.day(date.fromisoformat(key), n),
    "week": urls.week,
    "month": urls.month,
}


def _archive_pages(catalog: Catalog) -> list[Page]:
    """Day, week and month pages, each linking the nearest non-empty periods; and the index."""
    pages = []
    for kind, periods in catalog.periods.items():
        path_of = _PERIOD_PATHS[kind]
        for index, period in enumerate(periods):
            neighbours = {
                "previous_period": periods[index - 1] if index > 0 else None,
                "next_period": periods[index + 1] if index + 1 < len(periods) else None,
            }
            pages += _listing(
                [catalog.by_id[paper_id] for paper_id in period.paper_ids],
                catalog.config.page_size,
                partial(path_of, period.key),
                template="period.html",
                title=period.label,
                description=f"Papers of {period.label} on {catalog.config.title}",
                context={"period": period, **neighbours},
            )
    pages.append(
        Page(
            path=urls.archive_index(),
            template="archive.html",
            title="Archive",
            description=f"Every day, week and month of {catalog.config.title}",
            context={"tree": _archive_tree(catalog)},
        )
    )
    return pages


ArchiveTree = list[tuple[Period, list[tuple[Period, list[Period]]]]]


def _archive_tree(catalog: Catalog) -> ArchiveTree:
    """Months newest first, each with its weeks and, under each week, the month's days in it.

    A week that spans two months appears under both, with the days of each."""
    weeks = {period.key: period for period in catalog.periods.get("week", ())}
    tree: ArchiveTree = []
    for month in reversed(catalog.periods.get("month", ())):
        by_week: dict[str, list[Period]] = {}
        for day in catalog.periods.get("day", ()):
            if day.key.startswith(month.key):
                by_week.setdefault(week_key(day.start), []).append(day)
        tree.append((month, [(weeks[key], days) for key, days in sorted(by_week.items())]))
    return tree


def _environment(config: SiteConfig) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(path) for path in template_dirs(config)]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # one environment per build: no stat of the templates per page
    )
    env.globals["url"] = _url
    env.globals["period_url"] = lambda period: _PERIOD_PATHS[period.kind](period.key, 1)
    env.filters["human_date"] = _human_date
    # `{{ target|url }}` is `{{ url(target) }}`: a filter is a plain call in the compiled
    # template, where a function goes through the context's checks on every call.
    env.filters["url"] = _url_filter
    env.filters["isoformat"] = _isoformat
    env.globals["meta_tags"] = _meta_tags
    return env


def _meta_tags(tags: Iterable[tuple[str, str]]) -> Markup:
    """`<meta name="(name)" content="(content)">` lines, each with its newline."""
    return Markup(
        "".join(
            [
                f'<meta name="{escape(name)}" content="{escape(content)}">\n'
                for name, content in tags
            ]
        )
    )


@jinja2.pass_context
def _url_filter(context: jinja2.runtime.Context, path: str) -> Any:
    link = context["url"]
    if hasattr(link, "jinja_pass_arg"):  # not a page's own `url` (see `Renderer.render`)
        return context.call(link, path)
    return link(path)


def _isoformat(value: date) -> str:
    return value.isoformat()


@jinja2.pass_context
def _url(context: jinja2.runtime.Context, path: str) -> str:
    """A link from the page being rendered to the output path `path`: for templates that do
    not get the page's own `url` (a page's render passes `_LinksFrom.link`)."""
    return _LinksFrom(context["page"], str(context["base_path"])).link(path)


class _LinksFrom:
    """The links from one page: `urls.relative(page.path, target)`, or from the base URL's path
    for a `root_absolute` page.

    Most links leave the page's top folder (a paper page links the home page, the static files,
    authors, topics): from a plain folder `depth` levels down, the link to a plain target in
    another top folder is `"../" * depth + target`, with no walk. The rest walk the common
    folders as `urls.relative` does, or are left to it (an empty, `.` or `..` part)."""

    __slots__ = (
        "base_path",
        "fast",
        "here",
        "known_html",
        "page",
        "plain",
        "prefixes",
        "rewrites",
        "top",
        "top_mark",
        "top_name",
        "up",
    )

    def __init__(self, page: Page, base_path: str) -> None:
        self.page = page
        self.base_path = base_path
        folder = posixpath.dirname(page.path)
        self.here = folder.split("/") if folder else []
        self.plain = not folder or _simple(folder)
        self.up = "../" * len(self.here)
        self.top_name = self.here[0] if self.here else "\x00"
        self.top = self.top_name + "/"
        """The top folder with its slash: a target under it shares a folder with the page."""
        self.known_html: dict[str, Markup] = {}
        self.fast = self.plain and not page.root_absolute
        """Whether texts rendered with link marks can be filled by `_rewrite`."""
        self.prefixes = frozenset(
            "/".join(self.here[:count]) for count in range(1, len(self.here) + 1)
        )
        """The folders this page is in: a link to one of them is left to `link`."""
        self.rewrites: list[tuple[bytes, bytes]] | None = None
        self.top_mark = b""

    def link(self, target: str) -> str:
        if self.page.root_absolute:
            return self.base_path + target.removesuffix(urls.INDEX)
        if (
            self.plain
            and not target.startswith(self.top)
            and target != self.top_name
            and _simple(target)
        ):
            return self.up + target
        return self._walk(target)

    def link_html(self, target: str) -> Markup:
        """`link(target)`, escaped for an attribute."""
        found = self.known_html.get(target)
        if found is None:
            found = self.known_html[target] = escape(self.link(target))
        return found

    def _walk(self, target: str) -> str:
        if not (self.plain and _simple(target)):
            return urls.relative(self.page.path, target)
        there = target.split("/")
        common = 0
        for mine, theirs in zip(self.here, there, strict=False):
            if mine != theirs:
                break
            common += 1
        return "/".join([".."] * (len(self.here) - common) + there[common:]) or "."

    def card(self, cards: _Cards, item: EnrichedPaper) -> Markup:
        """`item`'s list entry with the links from this page."""
        found = cards.entry(item)
        if found is None:
            return cards.render_in_place(self, item)
        return self.fill(found)

    def cards(self, cards: _Cards, items: Iterable[EnrichedPaper]) -> Markup:
        """The list entries of `items`, one after the other."""
        found = [cards.entry(item) for item in items]
        if self.fast and all(
            entry is not None and entry.plain and self.prefixes.isdisjoint(entry.targets)
            for entry in found
        ):
            marked = b"".join([entry.marked for entry in found if entry])
            return Markup(_text(self._rewrite(marked)))
        return Markup("".join([self.card(cards, item) for item in items]))

    def fragment(self, fragments: _Fragments, name: str, **values: Any) -> Markup:
        """Template `name` rendered with `values`, with the links from this page."""
        found = fragments.entry(name, values)
        if found is None:
            return fragments.render_in_place(self, name, values)
        return self.fill(found)

    def fill(self, found: _Entry) -> Markup:
        """A text rendered with link marks, with the links from this page."""
        if self.fast and found.plain and self.prefixes.isdisjoint(found.targets):
            return Markup(_text(self._rewrite(found.marked)))
        texts = found.texts()
        out = [texts[0]]
        for target, text in zip(found.targets, texts[1:], strict=True):
            out += [self.link_html(target), text]
        return Markup("".join(out))

    def _rewrite(self, marked: bytes) -> bytes:
        """The links of `marked` (UTF-8 text, each link a mark then its escaped target, every
        target plain and none a folder this page is in), from this page.

        A target whose first k folders are this page's and no more is `"../" * (depth - k)`
        then the rest of it; any other is `"../" * depth` then the target. So the text is cut
        at each mark followed by the page's top folder (few: on a topic's page, its tags),
        each piece after a cut starts with the rest of its target and gets the `../` of the
        longest of the page's folders it starts with, and every other mark becomes
        `"../" * depth`. A `str.replace` per folder would scan a 50 KB list once per folder.
        The work is done on the UTF-8 bytes: a list's text is rarely ASCII (the "▲" of its
        upvotes), and cutting and replacing in a `str` of two bytes a character was four times
        slower (70 against 18 us for a list of 30 entries)."""
        if not self.here:
            return marked.replace(_LINK_MARK_BYTES, b"")
        if self.rewrites is None:
            # Below the top folder, longest first: (escaped rest of the folder, its link).
            self.rewrites = [
                (
                    _utf8(escape("/".join(self.here[1:count]) + "/")),
                    b"../" * (len(self.here) - count),
                )
                for count in range(len(self.here), 1, -1)
            ]
            self.top_mark = _LINK_MARK_BYTES + _utf8(escape(self.top))
        pieces = marked.split(self.top_mark)
        if len(pieces) > 1:
            out = [pieces[0]]
            in_top = b"../" * (len(self.here) - 1)
            second = self.rewrites[-1][0] if self.rewrites else None
            for piece in pieces[1:]:
                # Most leave the page's second folder (other topics): one test for them.
                if second is None or not piece.startswith(second):
                    out += [in_top, piece]
                    continue
                for rest, link in self.rewrites:
                    if piece.startswith(rest):
                        out += [link, piece[len(rest) :]]
                        break
            marked = b"".join(out)
        return marked.replace(_LINK_MARK_BYTES, self.up.encode())


def _simple(path: str) -> bool:
    """A relative path with no empty, `.` or `..` part (a few more are turned down)."""
    return not (
        path.startswith(("/", "."))
        or path.endswith("/")
        or "//" in path
        or "/." in path
        or not path
    )


_CARD = "partials/paper_item.html"
_LINK_MARK = "\x00"
"""Stands for each link while a card renders; the page it goes on fills the links in."""
_LINK_MARK_BYTES = _LINK_MARK.encode()


def _utf8(text: str) -> bytes:
    """`text` as an entry's bytes hold it (`_entry`)."""
    return text.encode(errors="surrogatepass")


@dataclass(frozen=True, slots=True)
class _Entry:
    """A list entry rendered with a mark for each link."""

    marked: bytes
    """The text with each link as the mark then the escaped target, when every target is
    plain; else the mark alone. In UTF-8: an entry's text is rarely all ASCII (the "▲" of its
    upvotes), which a `str` would keep in two bytes a character, and a build keeps one entry
    per paper (270 MiB as `str` at 100,000 papers)."""
    targets: tuple[str, ...]
    """The output path each link goes to."""
    plain: bool
    """Whether every target is plain (no empty, `.` or `..` part)."""

    def texts(self) -> list[str]:
        """The text around the links."""
        parts = _text(self.marked).split(_LINK_MARK)
        if self.plain:
            for index, target in enumerate(self.targets, start=1):
                parts[index] = parts[index][len(escape(target)) :]
        return parts


def _text(marked: bytes) -> str:
    """An entry's text back from its UTF-8 (any lone surrogate a template printed, kept)."""
    return marked.decode(errors="surrogatepass")


def _entry(texts: list[str], targets: list[str]) -> _Entry:
    plain = all(_simple(target) and _LINK_MARK not in target for target in targets)
    parts = [texts[0]]
    for target, text in zip(targets, texts[1:], strict=True):
        parts += [_LINK_MARK, escape(target) if plain else "", text]
    # Interned: the entries share one `str` for each topic and author they link.
    return _Entry(
        "".join(parts).encode(errors="surrogatepass"), tuple(map(sys.intern, targets)), plain
    )


class _Cards:
    """Each paper's entry in a list (`partials/paper_item.html`), rendered once per build.

    A paper appears on many lists (home, topics, archives, authors, trending windows); the
    entry is the same on each but for its links, which are relative to the page. So the entry
    is rendered once with a mark for each link, and each page fills in its own links. The
    entry may read `item` and the site-wide values and print `url()` links as they are; it may
    not read the page it is on.
    """

    def __init__(self, env: jinja2.Environment, shared: dict[str, Any]) -> None:
        self.env = env
        self.shared = shared
        self.parts: dict[str, _Entry | None] = {}

    def entry(self, item: EnrichedPaper) -> _Entry | None:
        """`item`'s entry with marks; None when its own text holds the mark."""
        key = item.paper.id
        try:
            return self.parts[key]
        except KeyError:
            found = self.parts[key] = self._render(item)
            return found

    def render_in_place(self, links: _LinksFrom, item: EnrichedPaper) -> Markup:
        """The entry rendered for one page, when the mark cannot stand for its links."""
        values = {**self.shared, "page": links.page, "url": links.link}
        return Markup(self.env.get_template(_CARD).render(values, item=item))

    def prepare(self, items: Sequence[EnrichedPaper], *, workers: int) -> None:
        """Render the entries of `items` not rendered yet, on `workers` processes, before
        pages are split between processes (each would otherwise render most entries itself)."""
        # The same few thousand papers fill every list: dropped by identity first (cheap).
        unique = {id(item): item for item in items}.values()
        missing = list({i.paper.id: i for i in unique if i.paper.id not in self.parts}.values())

        def render_one(index: int) -> tuple[bytes, tuple[str, ...], bool] | str | None:
            found = self._try_render(missing[index])
            return (
                (found.marked, found.targets, found.plain) if isinstance(found, _Entry) else found
            )

        # Positions, not the papers, go to the workers (forked, they have `missing`), and
        # plain tuples come back: pickling 10,000 papers and unpickling 10,000 dataclasses
        # cost this process more than rendering the entries.
        for item, parts in zip(
            missing,
            fork_map(render_one, range(len(missing)), workers=workers, chunk=256),
            strict=True,
        ):
            if not isinstance(parts, str):  # a template error: the page showing it reports it
                # Targets stay shared: pickling a chunk's answers keeps one copy of each.
                self.parts[item.paper.id] = None if parts is None else _Entry(*parts)

    def _try_render(self, item: EnrichedPaper) -> _Entry | str | None:
        try:
            return self._render(item)
        except jinja2.TemplateError:
            return "error"

    def _render(self, item: EnrichedPaper) -> _Entry | None:
        return _render_marked(self.env.get_template(_CARD), {**self.shared, "item": item})


def _render_marked(template: jinja2.Template, values: Mapping[str, Any]) -> _Entry | None:
    """`template` rendered with a mark for each `url()` link; None when its own text holds
    the mark."""
    targets: list[str] = []

    def mark(path: str) -> Markup:
        targets.append(path)
        return Markup(_LINK_MARK)

    texts = template.render(values, url=mark).split(_LINK_MARK)
    return _entry(texts, targets) if len(texts) == len(targets) + 1 else None


class _Fragments:
    """Parts that many pages show alike but for their links (the head's stylesheet and feed
    links, the site header, the footer), through `fragment(name, **values)`: rendered once
    per build for each `values`, with a mark for each link, and filled in per page like a list
    entry. A fragment reads the site-wide values and its `values`, never the page it is on;
    lists among `values` are compared as tuples."""

    def __init__(self, env: jinja2.Environment, shared: dict[str, Any]) -> None:
        self.env = env
        self.shared = shared
        self.known: dict[tuple[Any, ...], _Entry | None] = {}

    def entry(self, name: str, values: dict[str, Any]) -> _Entry | None:
        key = (name, *((k, tuple(v) if isinstance(v, list) else v) for k, v in values.items()))
        try:
            return self.known[key]
        except KeyError:
            found = self.known[key] = _render_marked(
                self.env.get_template(name), {**self.shared, **values}
            )
            return found

    def render_in_place(self, links: _LinksFrom, name: str, values: dict[str, Any]) -> Markup:
        """The fragment rendered for one page, when the mark cannot stand for its links."""
        template = self.env.get_template(name)
        return Markup(template.render(self.shared, url=links.link, **values))


class _PaperLinks:
    """A paper page's related papers and its day's pager, as `paper.html`'s loops over them
    printed them, made here: each paper's path, escaped title and date once per build, then
    one link per page. Rendered by the template, they were a fifth of a paper page's time."""

    def __init__(self) -> None:
        self.known: dict[str, tuple[EnrichedPaper, tuple[str, Markup, Markup]]] = {}

    def _parts(self, item: EnrichedPaper) -> tuple[str, Markup, Markup]:
        """`item`'s page path, escaped title and escaped day."""
        paper = item.paper
        found = self.known.get(paper.id)
        # Made again for another item of the same id: `serve`'s previews render an edited
        # paper with the last build's renderer.
        if found is None or found[0] is not item:
            found = self.known[paper.id] = (
                item,
                (urls.paper(paper.id), escape(paper.title), escape(_human_date(paper.day))),
            )
        return found[1]

    def related_list(self, links: _LinksFrom, related: Iterable[EnrichedPaper]) -> Markup:
        """One `<li>` line per paper of `related`, without the last line's newline."""
        lines = []
        for path, title, day in map(self._parts, related):
            href = links.link_html(path)
            lines.append(
                f'      <li><a href="{href}">{title}</a> <span class="count">{day}</span></li>'
            )
        return Markup("\n".join(lines))

    def pager_links(
        self, links: _LinksFrom, previous: EnrichedPaper | None, following: EnrichedPaper | None
    ) -> Markup:
        """The links to the previous and next papers of the day (an empty `<span>` when there
        is no previous one, keeping the next one on the right)."""
        out = "<span></span>"
        if previous:
            path, title, _ = self._parts(previous)
            href = links.link_html(path)
            out = (
                f'<a rel="prev" href="{href}"><span class="dir">\u2190 Previous</span> {title}</a>'
            )
        if following:
            path, title, _ = self._parts(following)
            href = links.link_html(path)
            out += f'<a rel="next" href="{href}"><span class="dir">Next \u2192</span> {title}</a>'
        return Markup(out)


def _author_links(
    links: _LinksFrom,
    authors: Sequence[str],
    affiliations: Mapping[str, Sequence[str]],
    slugs: Mapping[str, str],
) -> Markup:
    """A paper's authors, each a link to their page with their affiliations after it, comma
    separated. A name without a slug (a new author in a `serve` preview, before the rebuild
    makes their page) is not linked."""
    out = []
    for name in authors:
        slug = slugs.get(name)
        entry = (
            f'<a href="{links.link_html(urls.author(slug))}">{escape(name)}</a>'
            if slug is not None
            else str(escape(name))
        )
        places = affiliations.get(name)
        if places:
            entry += f' <span class="affiliation">({"; ".join(map(escape, places))})</span>'
        out.append(entry)
    return Markup(", ".join(out))


def _topic_tags(
    links: _LinksFrom, topics: Mapping[str, TopicLabel], slugs: Iterable[str]
) -> Markup:
    """One `<li>` line per topic of `slugs`, each a link to the topic, with its newline."""
    lines = []
    for slug in slugs:
        label = topics.get(slug)
        if label is None:
            raise jinja2.UndefinedError(f"no topic {slug!r}")
        href = links.link_html(urls.topic(slug))
        lines.append(f'        <li><a href="{href}">{escape(label.rule.name)}</a></li>\n')
    return Markup("".join(lines))


@lru_cache(maxsize=4096)  # a site has few distinct days; every list entry shows one
def _human_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


@dataclass(frozen=True, slots=True)
class TopicLabel:
    """What every page may read of any topic: its rule (name, description), not its papers,
    so a paper moving between topics re-renders only the pages that list it."""

    rule: TopicRule


class Renderer:
    """Renders pages of one catalog: the Jinja environment and the values every page shares."""

    def __init__(self, catalog: Catalog) -> None:
        config = catalog.config
        self.config = config
        self.env = _environment(config)
        announced: dict[str | None, tuple[Alternate, ...]] = {}
        self.shared: dict[str, Any] = {
            "site": config,
            "topics": {topic.rule.slug: TopicLabel(rule=topic.rule) for topic in catalog.topics},
            "topic_list": catalog.topics,
            "alternates": lambda page: _known_alternates(page, config, announced),
            "absolute_url": lambda path: urls.absolute(config.base_url, path),
            "trending_windows": WINDOWS,
            "updated": catalog.updated,
            "has_papers": bool(catalog.papers),
            "now": catalog.now,
            "base_path": urlsplit(config.base_url).path,
            "urls": urls,
            "periods": catalog.periods,
            "authors": catalog.authors,
            "has_authors": bool(catalog.authors),
            "author_slugs": {author.name: author.slug for author in catalog.authors},
        }
        self.cards = _Cards(self.env, self.shared)
        self.env.globals["card"] = self._card
        self.env.globals["cards"] = self._cards
        """Without these, lists render each entry by its `{% include %}`."""
        self.fragments = _Fragments(self.env, self.shared)
        self.env.globals["fragment"] = self._fragment
        """Without it, pages render each fragment by its `{% include %}`."""
        self.paper_links = _PaperLinks()

    @jinja2.pass_context
    def _card(self, context: jinja2.runtime.Context, item: EnrichedPaper) -> Markup:
        """`card(item)` for templates that do not get the page's own (see `render`)."""
        return _LinksFrom(context["page"], str(context["base_path"])).card(self.cards, item)

    @jinja2.pass_context
    def _cards(self, context: jinja2.runtime.Context, items: Iterable[EnrichedPaper]) -> Markup:
        """`cards(items)` for templates that do not get the page's own (see `render`)."""
        return _LinksFrom(context["page"], str(context["base_path"])).cards(self.cards, items)

    @jinja2.pass_context
    def _fragment(self, context: jinja2.runtime.Context, name: str, **values: Any) -> Markup:
        """`fragment(name, ...)` for templates that do not get the page's own."""
        links = _LinksFrom(context["page"], str(context["base_path"]))
        return links.fragment(self.fragments, name, **values)

    def prepare(self, pages: Sequence[Page], *, workers: int) -> None:
        """Work shared by `pages`, done up front on `workers` processes: the paper entries
        their lists show."""
        self.cards.prepare(
            [item for page in pages for item in page.context.get("papers", ())], workers=workers
        )

    def release(self) -> None:
        """Forget the list entries `prepare` rendered (a list rendered later renders its own
        again): a build drops them once its pages are written, for the steps after."""
        self.cards.parts.clear()

    def render(self, page: Page) -> bytes:
        try:
            template = self.env.get_template(page.template)
            links = _LinksFrom(page, self.shared["base_path"])
            # The page's own `url` and `card`: no context to look the page up in on each call.
            values: dict[str, Any] = {"url": links.link}
            if "card" in self.env.globals:
                values["card"] = partial(links.card, self.cards)
            if "cards" in self.env.globals:
                values["cards"] = partial(links.cards, self.cards)
            if "fragment" in self.env.globals:
                values["fragment"] = partial(links.fragment, self.fragments)
            values["related_list"] = partial(self.paper_links.related_list, links)
            values["pager_links"] = partial(self.paper_links.pager_links, links)
            values["author_links"] = partial(_author_links, links)
            values["topic_tags"] = partial(_topic_tags, links, self.shared["topics"])
            context = page.context
            values.update(context.complete() if isinstance(context, _PaperContext) else context)
            html = template.render(
                self.shared,
                page=page,
                canonical=urls.absolute(self.config.base_url, page.path),
                **values,
            )
        except jinja2.TemplateError as exc:
            name = getattr(exc, "filename", None) or page.template
            line = getattr(exc, "lineno", None)
            raise BuildError(
                f"template error while rendering {page.path}: {exc}", path=name, line=line
            ) from exc
        return html.encode("utf-8")


def render_pages(pages: Sequence[Page], catalog: Catalog) -> list[OutputFile]:
    """Every page rendered, in one process (the build renders only what changed, in parallel)."""
    renderer = Renderer(catalog)
    return [OutputFile(PurePosixPath(page.path), renderer.render(page)) for page in pages]


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


def _known_alternates(
    page: Page, config: SiteConfig, known: dict[str | None, tuple[Alternate, ...]]
) -> list[Alternate]:
    """`alternates(page, config)`, made once per topic in `known` (None for every page that
    is not a topic's): every page's head announces them."""
    topic = page.context.get("topic")
    key = topic.rule.slug if isinstance(topic, Topic) else None
    found = known.get(key)
    if found is None:
        found = known[key] = tuple(alternates(page, config))
    return list(found)


def plan_discovery_pages(catalog: Catalog) -> list[Page]:
    """One list per trending window (today, this week, this month), the feeds page and the
    subscribe page."""
    config = catalog.config
    pages: list[Page] = []
    for window in WINDOWS:
        pages += _listing(
            in_window(catalog.papers, window, catalog.now),
            config.page_size,
            partial(urls.trending, window.name),
            template="trending.html",
            title=f"Trending {window.title.lower()}",
            description=f"The papers with the most points {window.title.lower()}.",
            context={"window": window},
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
