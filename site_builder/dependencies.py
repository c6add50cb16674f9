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
from jinja2 import meta

from .cache import BuildCache
from .fingerprint import Fingerprinter, digest_text
from .render import Page, Renderer
from .workers import fork_map

__all__ = ["PageSource", "TemplateDeps", "page_sources", "template_deps"]

_ANALYSIS_VERSION = "1"
"""Of the cached template analyses: raise when what `_Templates.file` stores changes."""

# Per page, not shared: the page itself and its canonical URL, covered by the page's fields.
_PER_PAGE = frozenset({"page", "canonical"})


@dataclass(frozen=True, slots=True)
class TemplateDeps:
    fingerprint: str
    """Digest of the sources of the template and everything it extends or includes."""
    names: frozenset[str]
    """The undeclared variables its templates read."""


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
                ]
            self.analyses[digest] = analysis
            found = self.files[name] = _TemplateFile(
                key=key, names=frozenset(analysis[0]), referenced=tuple(analysis[1])
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
        return TemplateDeps(fingerprint=fingerprint[:16], names=names)


def _valid_analysis(analysis: Any) -> bool:
    return (
        isinstance(analysis, list)
        and len(analysis) == 2
        and all(isinstance(part, list) for part in analysis)
        and all(isinstance(name, str) for name in analysis[0])
        and all(name is None or isinstance(name, str) for name in analysis[1])
    )


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
) -> list[PageSource]:
    """The digest of every page, in order; `fingerprinter` is the build's, which may already
    know the digests of the papers (`pipeline.load_catalog`), `cache` keeps the analysis
    of each template between builds, and `workers` processes share the pages' own parts."""
    fingerprinter = fingerprinter or Fingerprinter()
    contexts = _context_digests(pages, fingerprinter, workers)
    config = fingerprinter.digest(renderer.config)
    known = cache.blob("templates", _ANALYSIS_VERSION) if cache is not None else None
    templates = _Templates(renderer.env, known)
    deps: dict[str, TemplateDeps] = {}
    shared_digests: dict[str, str] = {}
    by_names: dict[tuple[frozenset[str], frozenset[str]], str] = {}
    sources = []
    for page, context in zip(pages, contexts, strict=True):
        found = deps.get(page.template)
        if found is None:
            try:
                found = deps[page.template] = templates.deps(page.template)
            except jinja2.TemplateError:
                # Rendering reports the error with its file and line; here the page just
                # has no usable digest.
                found = deps[page.template] = TemplateDeps(fingerprint="broken", names=frozenset())
        local = frozenset(page.context)
        key = (found.names, local)
        shared = by_names.get(key)
        if shared is None:
            used = sorted((found.names - local - _PER_PAGE) & set(renderer.shared))
            for name in used:
                if name not in shared_digests:
                    shared_digests[name] = fingerprinter.digest(renderer.shared[name])
            shared = by_names[key] = digest_text(
                config, *(f"{name}={shared_digests[name]}" for name in used)
            )[:16]
        sources.append(PageSource(found.fingerprint, shared, context))
    if cache is not None and templates.analyses != known:
        cache.store_blob("templates", _ANALYSIS_VERSION, templates.analyses)
    return sources


_CONTEXT_CHUNK = 1024
"""Pages per task of `_context_digests`: the answer is a digest per page, small to send back."""


def _context_digests(
    pages: Sequence[Page], fingerprinter: Fingerprinter, workers: int
) -> list[str]:
    """The digest of each page's own fields and context, the bulk of `page_sources`, on
    `workers` forked processes: they start with the fingerprinter as it is, which knows the
    digest of every paper, so they give the digests this process would."""

    def digest(index: int) -> str:
        page = pages[index]
        return fingerprinter.digest_items(
            page.path,
            page.template,
            page.title,
            page.description,
            page.root_absolute,
            page.context if page.made_from is None else page.made_from,
        )

    return fork_map(digest, range(len(pages)), workers=workers, chunk=_CONTEXT_CHUNK)
