"""What each page is made from, as one digest: the page is rendered again only when it changes.

A page's digest covers its template fingerprint (the source of its template and of every
template it extends or includes, wherever they were found), the config, the shared values its
templates read (found by Jinja's own analysis of the templates) and its own context. Templates
never see the wall clock, the file system or anything else, so nothing outside the digest can
change a page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jinja2
from jinja2 import meta, nodes

from .cache import BuildCache
from .enrich import own_page_of
from .fingerprint import Fingerprinter, digest_text
from .render import Page, Renderer
from .workers import fork_map

__all__ = ["PageSource", "TemplateDeps", "own_page_reads", "page_sources", "template_deps"]

_ANALYSIS_VERSION = "3"
"""Of the cached template analyses: raise when what `_Templates.file` stores changes."""

# Per page, not shared: the page itself and its canonical URL, covered by the page's fields.
_PER_PAGE = frozenset({"page", "canonical"})


@dataclass(frozen=True, slots=True)
class TemplateDeps:
    fingerprint: str
    """Digest of the sources of the template and everything it extends or includes."""
    names: frozenset[str]
    """The undeclared variables its templates read."""
    own_page: str = "any"
    """How its templates may read what a paper shows only on its own page (its abstract,
    notes and related papers; `_own_page_reads`): "none"; "item", only of the page's own
    `item`; or "any". Lists' digests leave those out (`enrich.vouch`), so a page whose
    templates may read them of a paper other than its own is digested with them."""


@dataclass(frozen=True, slots=True)
class PageSource:
    """A page's digest, in three parts so `build --explain` can say which one changed."""

    template: str
    shared: str
    context: str

    def encode(self) -> str:
        return f"{self.template}.{self.shared}.{self.context}"

    def changed_part(self, previous: str) -> str:
        """What differs from an earlier `encode()`, in words."""
        parts = previous.split(".")
        if len(parts) != 3:
            return "its record in the cache is from another version"
        if parts[0] != self.template:
            return "its template changed"
        if parts[1] != self.shared:
            return "site-wide data it shows changed"
        return "its content changed"


@dataclass(frozen=True, slots=True)
class _TemplateFile:
    key: str
    """Its file name and source."""
    names: frozenset[str]
    referenced: tuple[str | None, ...]
    own_page: str
    """`_own_page_reads` of the file alone."""


class _Templates:
    """Each template file read and analysed once per build; with `known` (analyses of earlier
    builds by a digest of the file's name and source), a template unchanged since is not even
    parsed."""

    def __init__(self, env: jinja2.Environment, known: Any = None) -> None:
        self.env = env
        self.files: dict[str, _TemplateFile] = {}
        self.known: dict[str, Any] = known if isinstance(known, dict) else {}
        self.analyses: dict[str, list[list[str | None]]] = {}
        """The analysis of every template read, by digest, for the next build."""

    def file(self, name: str) -> _TemplateFile:
        found = self.files.get(name)
        if found is None:
            loader = self.env.loader
            assert loader is not None
            # Not the file's path: the same template elsewhere (a theme installed in another
            # environment) renders the same pages.
            source, _, _ = loader.get_source(self.env, name)
            key = f"{name}\x00{source}"
            digest = digest_text(key)
            analysis: Any = self.known.get(digest)
            if not _valid_analysis(analysis):
                tree = self.env.parse(source)
                analysis = [
                    sorted(meta.find_undeclared_variables(tree)),
                    list(meta.find_referenced_templates(tree)),
                    _own_page_reads(tree),
                ]
            self.analyses[digest] = analysis
            found = self.files[name] = _TemplateFile(
                key=key,
                names=frozenset(analysis[0]),
                referenced=tuple(analysis[1]),
                own_page=analysis[2],
            )
        return found

    def deps(self, name: str) -> TemplateDeps:
        """The fingerprint and free variables of template `name` and all it pulls in."""
        seen: dict[str, _TemplateFile] = {}
        pending = [name]
        everything = False
        while pending:
            current = pending.pop()
            if current in seen:
                continue
            seen[current] = self.file(current)
            for referenced in seen[current].referenced:
                if referenced is None:
                    everything = True  # a computed template name: depend on every template
                else:
                    pending.append(referenced)
        if everything:
            for other in self.env.list_templates():
                seen.setdefault(other, self.file(other))
        names = frozenset().union(*(found.names for found in seen.values()))
        fingerprint = digest_text(*(seen[key].key for key in sorted(seen)))
        # `item` is the page's own paper only in the page's template itself.
        reads = {found.own_page for other, found in seen.items() if other != name}
        own = seen[name].own_page
        found = "any" if "any" in reads or "item" in reads or own == "any" else own
        return TemplateDeps(fingerprint=fingerprint[:16], names=names, own_page=found)


def _valid_analysis(analysis: Any) -> bool:
    return (
        isinstance(analysis, list)
        and len(analysis) == 3
        and all(isinstance(part, list) for part in analysis[:2])
        and all(isinstance(name, str) for name in analysis[0])
        and all(name is None or isinstance(name, str) for name in analysis[1])
        and analysis[2] in _READS
    )


# What a paper shows only on its own page (`EnrichedPaper` and `Paper` attributes): its
# abstract, notes and related papers, which the digests of lists leave out.
_OWN_PAGE_FIELDS = frozenset(
    (
        *("abstract", "notes", "related"),
        *("abstract_html", "notes_html", "abstract_text", "rendered", "texts"),
    )
)
_READS = ("none", "item", "any")
# Shared mappings a template may index with a computed key: they hold no papers.
_PLAIN_MAPPINGS = frozenset({"topics", "author_slugs"})
# Filters and tests that read the attributes their arguments name.
_ATTRIBUTE_READERS = frozenset(
    (
        *("attr", "map", "selectattr", "rejectattr", "sort", "groupby"),
        *("sum", "unique", "min", "max", "join"),
    )
)


def _own_page_reads(tree: nodes.Template) -> str:
    """How a template file may read what a paper shows only on its own page (`_OWN_PAGE_FIELDS`):
    "none"; "item", only as an attribute of the name `item`, which the file never assigns;
    or "any", which includes what cannot be told (an attribute named by a computed value, or
    any private one)."""
    found = "none"
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter, nodes.Test)):
        if isinstance(node, nodes.Filter | nodes.Test):
            if node.name not in _ATTRIBUTE_READERS:
                continue
            if node.dyn_args is not None or node.dyn_kwargs is not None:
                return "any"
            for argument in [*node.args, *(keyword.value for keyword in node.kwargs)]:
                if not isinstance(argument, nodes.Const) or (
                    isinstance(argument.value, str) and _names_own_page_field(argument.value)
                ):
                    return "any"
            continue
        if isinstance(node, nodes.Getattr):
            name: str | None = node.attr
        else:
            assert isinstance(node, nodes.Getitem)
            name = _subscript(node)
        if name is None:
            return "any"
        if name.startswith("_"):
            return "any"  # from there, anything can be reached
        if name not in _OWN_PAGE_FIELDS:
            continue
        if _root_name(node) != "item":
            return "any"
        found = "item"
    if found == "item" and any(
        name.name == "item" and name.ctx in ("store", "param") for name in tree.find_all(nodes.Name)
    ):
        return "any"
    return found


def _subscript(node: nodes.Getitem) -> str | None:
    """The attribute a subscript may read (Jinja falls back to one of that name): "" for
    none (a number, a slice, a key of a mapping that holds no papers), None when it cannot be
    told (a computed key)."""
    key, value = node.arg, node.node
    if isinstance(key, nodes.Const):
        return key.value if isinstance(key.value, str) else ""
    if isinstance(key, nodes.Slice) or (
        isinstance(value, nodes.Name) and value.name in _PLAIN_MAPPINGS
    ):
        return ""
    return None


def _names_own_page_field(name: str) -> bool:
    return any(part in _OWN_PAGE_FIELDS or part.startswith("_") for part in name.split("."))


def _root_name(node: nodes.Node) -> str | None:
    while isinstance(node, nodes.Getattr | nodes.Getitem):
        node = node.node
    return node.name if isinstance(node, nodes.Name) else None


def own_page_reads(
    env: jinja2.Environment, names: Sequence[str], cache: BuildCache
) -> dict[str, str]:
    """`TemplateDeps.own_page` of each of the templates `names`, from the analyses `cache` keeps
    where it has them."""
    templates = _Templates(env, cache.blob("templates", _ANALYSIS_VERSION))
    return {name: templates.deps(name).own_page for name in names}


def template_deps(env: jinja2.Environment, name: str) -> TemplateDeps:
    """The fingerprint and free variables of template `name` and all it pulls in."""
    return _Templates(env).deps(name)


def page_sources(
    pages: Sequence[Page],
    renderer: Renderer,
    fingerprinter: Fingerprinter | None = None,
    cache: BuildCache | None = None,
    *,
    workers: int = 1,
    keep_analyses: bool = True,
) -> list[PageSource]:
    """The digest of every page, in order; `fingerprinter` is the build's, which may already
    know the digests of the papers (`pipeline.load_catalog`), `cache` keeps the analysis
    of each template between builds (the analyses of the templates `pages` use replace those
    it had, unless not `keep_analyses`), and `workers` processes share the pages' own
    parts."""
    fingerprinter = fingerprinter or Fingerprinter()
    config = fingerprinter.digest(renderer.config)
    known = cache.blob("templates", _ANALYSIS_VERSION) if cache is not None else None
    templates = _Templates(renderer.env, known)
    deps: dict[str, TemplateDeps] = {}
    for name in dict.fromkeys(page.template for page in pages):
        try:
            deps[name] = templates.deps(name)
        except jinja2.TemplateError:
            # Rendering reports the error with its file and line; here the page just has no
            # usable digest.
            deps[name] = TemplateDeps(fingerprint="broken", names=frozenset())
    with_own_page = [_with_own_page(page, deps[page.template]) for page in pages]
    contexts = _context_digests(pages, with_own_page, fingerprinter, workers)
    shared_digests: dict[tuple[str, bool], str] = {}
    by_names: dict[tuple[frozenset[str], frozenset[str], bool], str] = {}
    sources = []
    for page, context, extras in zip(pages, contexts, with_own_page, strict=True):
        found = deps[page.template]
        local = frozenset(page.context)
        key = (found.names, local, extras)
        shared = by_names.get(key)
        if shared is None:
            used = sorted((found.names - local - _PER_PAGE) & set(renderer.shared))
            for name in used:
                if (name, extras) not in shared_digests:
                    value = renderer.shared[name]
                    shared_digests[name, extras] = (
                        fingerprinter.digest_with_extras(value, own_page_of)
                        if extras
                        else fingerprinter.digest(value)
                    )
            shared = by_names[key] = digest_text(
                config, *(f"{name}={shared_digests[name, extras]}" for name in used)
            )[:16]
        sources.append(PageSource(found.fingerprint, shared, context))
    if cache is not None and keep_analyses and templates.analyses != known:
        cache.store_blob("templates", _ANALYSIS_VERSION, templates.analyses)
    return sources


def _with_own_page(page: Page, deps: TemplateDeps) -> bool:
    """Whether `page`'s digest must cover what every paper it holds shows only on its own
    page: its templates may read that of papers other than its own (`TemplateDeps.own_page`)."""
    return deps.own_page == "any" or (deps.own_page == "item" and not page.own_page)


_CONTEXT_CHUNK = 1024
"""Pages per task of `_context_digests`: the answer is a digest per page, small to send back."""


def _context_digests(
    pages: Sequence[Page], with_own_page: Sequence[bool], fingerprinter: Fingerprinter, workers: int
) -> list[str]:
    """The digest of each page's own fields and context, the bulk of `page_sources`, on
    `workers` forked processes: they start with the fingerprinter as it is, which knows the
    digest of every paper, so they give the digests this process would."""

    def digest(index: int) -> str:
        page = pages[index]
        values = (
            page.path,
            page.template,
            page.title,
            page.description,
            page.root_absolute,
            page.context if page.made_from is None else page.made_from,
            page.own_page,
        )
        if with_own_page[index]:
            return fingerprinter.digest_with_extras(values, own_page_of)
        return fingerprinter.digest_items(*values)

    return fork_map(digest, range(len(pages)), workers=workers, chunk=_CONTEXT_CHUNK)
