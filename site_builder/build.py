"""The build: config → catalog → pages and feeds → files → output, doing only what changed.

Every step's result is checked against the build cache (`cache.py`): papers whose bytes did not
change are not parsed again, pages whose digest (`dependencies.py`) did not change are neither
rendered nor written, and the search index is rebuilt only when a paper page changed. Pages that
need rendering render in parallel (`parallel.py`). Everything is rendered before the output
folder is touched, so a failed build leaves the previous output as it was (`writer.py`).
"""

from __future__ import annotations

import contextlib
import gc
import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from stat import S_ISDIR as stat_is_dir
from typing import TYPE_CHECKING, Any

from .cache import BuildCache, CacheCorrupt, OutputRecord, OutputStamps, stamps_digest
from .config import CONFIG_FILE, SiteConfig
from .fingerprint import Fingerprinter, digest_bytes, digest_text
from .models import OutputFile
from .progress import Progress, make_progress
from .theme import static_dirs, template_dirs
from .writer import (
    FolderWriter,
    OutputValuesAside,
    check_output_dir,
    check_paths,
    commit_pending,
    output_stats,
    pending_dir,
    remove_outputs,
    staging_dir,
    swap_in,
)

if TYPE_CHECKING:
    from .dependencies import PageSource
    from .feedlist import Feed
    from .models import Catalog
    from .render import Page, Renderer
    from .search import Documents

# A build with nothing to do stops after `_Job.unchanged`: the modules only a real build needs
# (the pipeline, rendering, feeds, search; Jinja, markdown-it, feedgen...) are imported where
# they are used, so the no-op build does not pay for importing them.

__all__ = ["BuildReport", "build", "static_files"]

SEARCH_SOURCE = "search"
"""The source recorded for the search index's files."""


@dataclass(frozen=True, slots=True)
class BuildReport:
    output_dir: Path
    papers: int
    pages: int
    files: int
    bytes: int
    seconds: float
    written: int = 0
    """Files written by this build."""
    unchanged: int = 0
    """Files left as they were."""
    removed: int = 0
    """Files of the previous build that the site no longer has."""
    reasons: tuple[tuple[str, str], ...] = ()
    """(path, why) for every file written, in output order: what `build --explain` prints."""
    cache_reset: str = ""
    """Why the cache was thrown away and rebuilt, if it was."""
    quick: bool = False
    """Whether only edited papers' own files were made again (`quick.py`)."""

    def summary(self) -> str:
        return (
            f"Built {self.papers} papers into {self.output_dir}: {self.pages} pages, "
            f"{self.files} files ({self.bytes / 1024:.0f} KiB); {self.written} written, "
            f"{self.unchanged} unchanged, {self.removed} removed in {self.seconds:.2f} s"
            + (" (quick build: only abstracts or notes changed)" if self.quick else "")
        )


def static_files(config: SiteConfig) -> list[OutputFile]:
    """The theme's static files under static/, the site's own winning over the default's."""
    from . import urls  # noqa: PLC0415 - see the imports above

    chosen: dict[str, Path] = {}
    for folder in reversed(static_dirs(config)):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                chosen[path.relative_to(folder).as_posix()] = path
    return [
        OutputFile(PurePosixPath(urls.static(name)), path.read_bytes())
        for name, path in sorted(chosen.items())
    ]


@dataclass(frozen=True, slots=True)
class _Inputs:
    """Digests of the config and of the path, size and modification time of every file a
    build reads: site.yaml, content/, the templates and static folders (the site's and the
    default theme's). Taken before anything is read, so an edit during a build is seen by the
    next one."""

    digest: str
    """Of everything."""
    others: str
    """Of everything but the papers folder: the same when only papers changed."""
    paper_names: list[str]
    """The path of everything under the papers folder, folders too, in walk order."""
    paper_values: list[int]
    """The size and modification time of each of `paper_names`, one after the other
    (`_FOLDER` for a folder)."""

    def papers(self) -> list[tuple[str, int, int]]:
        """The path, size and modification time of each paper file."""
        values = self.paper_values
        return [
            (name, size, mtime)
            for name, size, mtime in zip(self.paper_names, values[::2], values[1::2], strict=True)
            if size >= 0 and name.endswith(".md")
        ]


def _inputs(config: SiteConfig) -> _Inputs:
    names: list[str] = []
    values: list[int] = []
    papers: tuple[str, list[str], list[int]] = (str(config.papers_dir), [], [])
    folders = [config.content_dir, *template_dirs(config), *static_dirs(config)]
    for top in (config.root / CONFIG_FILE, *folders):
        _stats(str(top), names, values, papers)
    others = digest_text(
        Fingerprinter().digest(config), _names_digest(names), stamps_digest(values)
    )
    _, paper_names, paper_values = papers
    digest = digest_text(others, _names_digest(paper_names), stamps_digest(paper_values))
    return _Inputs(digest, others, paper_names, paper_values)


def _names_digest(names: list[str]) -> str:
    # No name holds "\0" and each has two values, so names and values say it all unambiguously.
    return digest_bytes("\0".join(names).encode("utf-8", "surrogateescape"))


_FOLDER, _MISSING = (-2, -2), (-1, -1)
"""The two values noted for a folder and for a path with nothing there (no file has these)."""


def _search_documents(catalog: Catalog, cache: BuildCache) -> Documents:
    """The catalog's papers as search documents, made a run at a time, each process reading
    its runs' plain texts from the cache."""
    from .search import paper_documents  # noqa: PLC0415 - see the imports above

    names = {topic.rule.slug: topic.rule.name for topic in catalog.topics}
    return paper_documents(catalog.papers, names, cache.plain_texts_of)


def _stats(
    top: str,
    names: list[str],
    values: list[int],
    apart: tuple[str, list[str], list[int]] | None = None,
    *,
    whole: bool = False,
) -> None:
    """Note `top` and, for a folder, everything below it: the path of each folder with
    `_FOLDER`, the name of each file (its path if `whole`) with its size and modification
    time. The folder at path `apart[0]` and what it holds are noted in `apart`'s lists
    instead, with each file's path.

    Entries come in the order the folder lists them, not sorted: sorting cost more than all the
    rest, and a listing that came out in another order would only mean one build too many."""
    names.append(top)
    try:
        stat = os.stat(top)  # noqa: PTH116 - strings, not Paths: this runs for every file
    except OSError:
        values.extend(_MISSING)
        return
    if not stat_is_dir(stat.st_mode):
        values.extend((stat.st_size, stat.st_mtime_ns))
        return
    values.extend(_FOLDER)
    folders = []
    with os.scandir(top) as entries:  # one listing of the folder; its entries know their type
        for entry in entries:
            if entry.is_dir():
                folders.append(entry.path)
            else:
                info = entry.stat()
                names.append(entry.path if whole else entry.name)
                values.extend((info.st_size, info.st_mtime_ns))
    for folder in folders:
        if apart is not None and folder == apart[0]:
            _stats(folder, apart[1], apart[2], whole=True)
        else:
            _stats(folder, names, values, apart, whole=whole)


def build(
    config: SiteConfig,
    *,
    clean: bool = False,
    progress: Progress | None = None,
    workers: int | None = None,
    keep: Callable[[Catalog, Renderer], None] | None = None,
) -> BuildReport:
    """Build the site of `config` into its output folder; on any error the old output stays.

    `clean` ignores (and then replaces) the build cache and writes every file anew. `workers`
    is how many processes render pages (default: one per core). `keep`, if given, is handed
    the build's catalog and renderer (`serve` previews saved papers with them, `preview.py`);
    a build given `keep` loads the catalog even when it has nothing to write."""
    started = time.perf_counter()
    output_dir = check_output_dir(
        config.output_dir,
        protected=[config.root, config.content_dir, config.templates_dir, config.static_dir],
    )
    job = _Job(
        config=config,
        output_dir=output_dir,
        progress=progress or make_progress(quiet=True),
        workers=workers or 0,
        started=started,
        keep=keep,
    )
    cache = BuildCache.open(config.root, fresh=clean)
    try:
        try:
            if clean or keep is not None:
                inputs = _inputs(config)
                return job.complete(cache, inputs.digest, inputs.others, clean=clean)
            digests, done = _without_rendering(job, cache)
            return done or job.complete(cache, *digests, clean=False)
        except (CacheCorrupt, sqlite3.DatabaseError) as exc:
            cache.close()
            cache = BuildCache.open(config.root, fresh=True)
            inputs = _inputs(config)
            report = job.complete(cache, inputs.digest, inputs.others, clean=False)
            return replace(report, cache_reset=f"it held unreadable data ({exc})")
    finally:
        cache.close()
        gc.unfreeze()  # see _no_cycle_collection


def _without_rendering(job: _Job, cache: BuildCache) -> tuple[tuple[str, str], BuildReport | None]:
    """The digests of the build's inputs (`_Inputs.digest` and `others`), and its report if it
    has nothing to do or a quick build did it.

    A function of its own so that what it reads (the path of every output and every paper
    file) is let go before a full build starts: 35 MiB at 100,000 papers, which were kept
    while rendering, the build's peak."""
    stamps = cache.output_stamps()
    # The outputs are checked on another core while this one checks the inputs.
    with OutputValuesAside(job.output_dir, stamps.paths if stamps else ()) as outputs:
        inputs = _inputs(job.config)
        digests = (inputs.digest, inputs.others)
        if stamps is None:
            return digests, None
        unchanged = job.unchanged(cache, inputs.digest, stamps, outputs)
        if unchanged is not None:
            return digests, unchanged
        from .quick import quick_build  # noqa: PLC0415 - see the imports above

        return digests, quick_build(
            job.config,
            cache,
            job.output_dir,
            inputs=inputs.digest,
            others=inputs.others,
            papers=inputs.papers(),
            outputs=(stamps, outputs),
            started=job.started,
        )


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector off while the build loads and plans: that allocates millions
    of objects that live until the build ends and leaves little cyclic garbage, and the
    collector would scan them over and over (a fifth of that time at 10,000 papers). They are
    then frozen (`gc.freeze`), so the collections of the rest of the build skip them too (one
    such scan, the first after loading, cost 0.2 s at 10,000 papers); `build` unfreezes them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


@dataclass
class _Job:
    config: SiteConfig
    output_dir: Path
    progress: Progress
    workers: int
    """Processes that render pages; 0 until `run` sets it to one per core."""
    started: float
    keep: Callable[[Catalog, Renderer], None] | None = None
    records: dict[str, OutputRecord] = field(default_factory=dict)
    reasons: list[tuple[str, str]] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    """What the next quick build needs to know of this build's catalog (`quick.facts`)."""

    def unchanged(
        self,
        cache: BuildCache,
        inputs: str,
        stamps: OutputStamps,
        outputs: OutputValuesAside,
    ) -> BuildReport | None:
        """The report of a build with nothing to do, if no input file changed since the last
        build (same paths, sizes and modification times, same config and code) and every output
        file is still as that build left it (same size and modification time: `outputs` has
        their values now, `stamps` the last build's); else None."""
        counts = cache.blob("inputs", inputs)
        if cache.blob("output_dir", str(self.output_dir)) is None or not (
            isinstance(counts, list) and len(counts) == 2
        ):
            return None
        if not stamps.paths:
            return None
        values = outputs.values()
        if values is None or stamps_digest(values) != stamps.digest:
            return None
        return BuildReport(
            output_dir=self.config.output_dir,
            papers=int(counts[0]),
            pages=int(counts[1]),
            files=len(stamps.paths),
            bytes=stamps.bytes,
            seconds=time.perf_counter() - self.started,
            unchanged=len(stamps.paths),
        )

    def complete(self, cache: BuildCache, inputs: str, others: str, *, clean: bool) -> BuildReport:
        """`run`, with what the next build's checks start from stored once it has finished:
        the inputs, and the facts a quick build needs (dropped first, so a build that fails
        leaves none)."""
        from .quick import FACTS, FACTS_VERSION  # noqa: PLC0415

        cache.drop_blob(FACTS)
        report = self.run(cache, clean=clean)
        cache.store_blob("inputs", inputs, [report.papers, report.pages])
        facts = {**self.facts, "others": others, "papers": report.papers}
        cache.store_blob(FACTS, FACTS_VERSION, {**facts, "pages": report.pages})
        return report

    def run(self, cache: BuildCache, *, clean: bool) -> BuildReport:
        from . import dependencies, pipeline, quick, render, workers  # noqa: PLC0415 - see imports
        from .memory import release_free_memory  # noqa: PLC0415

        self.workers = self.workers or workers.worker_count()
        self.records, self.reasons, self.changed = {}, [], []
        config = self.config
        with _no_cycle_collection():
            fingerprinter = Fingerprinter()
            catalog = pipeline.load_catalog(
                config, cache, workers=self.workers, fingerprinter=fingerprinter
            )
            pages = render.plan_pages(catalog)
            renderer = render.Renderer(catalog)
            sources = dependencies.page_sources(
                pages, renderer, fingerprinter, cache, workers=self.workers
            )
        where = str(self.output_dir)
        previous = cache.outputs() if cache.blob("output_dir", where) is not None else {}
        full = clean or not previous or not self.output_dir.is_dir()
        known = previous
        if full:
            why_all = "--clean" if clean else "first build into this folder (nothing cached)"
            previous = {}
        target = staging_dir(self.output_dir) if full else pending_dir(self.output_dir)
        # A staging folder is laid out as the site; a pending one holds files by name alone.
        writer = FolderWriter(target, flat=not full)
        try:
            page_count, paper_count = len(pages), len(catalog.papers)
            listed = sorted(page.path for page in pages if page.listed)
            templates = sorted({page.template for page in pages})
            # `_pages` empties both lists: the steps after rendering reuse their memory.
            self._pages(renderer, pages, sources, previous, writer, why_all if full else "")
            feeds = self._extras(catalog, listed, previous, writer, fingerprinter)
            self.facts = quick.facts(catalog, feeds, templates)
            docs = _search_documents(catalog, cache)
            if self.keep is None:
                # The search documents hold what they need of the papers, so the catalog (and
                # the fingerprinter, which keeps every paper it vouched for) can go: at 100,000
                # papers that is most of this process, which the index then grows by 170 MiB.
                del catalog, fingerprinter
                release_free_memory()
            search_state = self._search(docs, cache, previous, writer)
            if full:
                swap_in(target, self.output_dir)
            else:
                commit_pending(target, self.output_dir, self.changed)
        finally:
            shutil.rmtree(target, ignore_errors=True)
        removed = sorted(set(known) - set(self.records))
        if not full:
            remove_outputs(self.output_dir, removed)
        self._stamp(self.records if full else self.changed)
        cache.store_outputs(self.records)
        cache.store_blob("search", "state", search_state)
        cache.store_blob("output_dir", where, True)
        if self.keep is not None:
            self.keep(catalog, renderer)
        return BuildReport(
            output_dir=config.output_dir,
            papers=paper_count,
            pages=page_count,
            files=len(self.records),
            bytes=sum(record.size for record in self.records.values()),
            seconds=time.perf_counter() - self.started,
            written=len(self.changed),
            unchanged=len(self.records) - len(self.changed),
            removed=len(removed),
            reasons=tuple(self.reasons),
        )

    def _pages(  # noqa: PLR0917 - one caller, the steps of `run`
        self,
        renderer: Renderer,
        pages: list[Page],
        sources: list[PageSource],
        previous: dict[str, OutputRecord],
        writer: FolderWriter,
        why_all: str,
    ) -> None:
        """Render the pages whose digest or file changed. Consumes `pages` and `sources` (both
        are emptied): the plan of the pages that stay as they are is let go before the render
        workers fork, so they do not start with it (one paper added at 100,000 papers: the
        process rendered at 1,053 MiB before, 994 after)."""
        from .memory import release_free_memory  # noqa: PLC0415
        from .parallel import render_into  # noqa: PLC0415

        check_paths(page.path for page in pages)
        # The pages to render, each with its encoded digest and why it is rendered.
        chosen: list[Page] = []
        new_sources: list[str] = []
        reasons: list[str] = []
        for page, source in zip(pages, sources, strict=True):
            old = previous.get(page.path)
            encoded = source.encode()
            if why_all:
                why = why_all
            elif old is None:
                why = "new page"
            elif old.source != encoded:
                why = source.changed_part(old.source)
            elif not self._intact(page.path, old):
                why = "its file in the output folder was changed or removed"
            else:
                self.records[page.path] = old
                continue
            chosen.append(page)
            new_sources.append(encoded)
            reasons.append(why)
        pages.clear()
        sources.clear()
        release_free_memory()
        with self.progress.step("Rendering pages", len(chosen)) as advance:
            rendered = render_into(
                renderer,
                chosen,
                range(len(chosen)),
                writer,
                workers=self.workers,
                advance=advance,
            )
        if self.keep is None:  # `serve` renders with it again
            # The list entries (a sixth of this process at 100,000 papers) go before the
            # records of the pages are made, not after: they were its peak.
            renderer.release()
            release_free_memory()
        for index, page in enumerate(chosen):
            path, (digest, size) = page.path, rendered[index]
            old = previous.get(path)
            if old is not None and old.hash == digest and self._intact(path, old):
                # Rendered again but came out the same: the file stays as it is.
                self.records[path] = replace(old, source=new_sources[index])
                os.unlink(writer.file(path))  # noqa: PTH108 - a string
                continue
            self.records[path] = OutputRecord(new_sources[index], digest, size, 0)
            self.changed.append(path)
            self.reasons.append((path, reasons[index]))

    def _extras(
        self,
        catalog: Catalog,
        listed: Sequence[str],
        previous: dict[str, OutputRecord],
        writer: FolderWriter,
        fingerprinter: Fingerprinter,
    ) -> tuple[Feed, ...]:
        """Feeds, sitemap, robots.txt, static files: small, so made every time except the
        feeds and the sitemap, which are made only when what they list changed. Returns the
        feeds."""
        from .enrich import abstracts_of  # noqa: PLC0415
        from .feedlist import site_feeds  # noqa: PLC0415
        from .feeds import feed_files  # noqa: PLC0415
        from .sitemap import sitemap_file  # noqa: PLC0415

        config = catalog.config
        # The build's fingerprinter already knows every paper's digest; feeds show abstracts,
        # which it leaves out (but not notes).
        feeds = site_feeds(catalog)
        feed_source = "feeds." + fingerprinter.digest_with_extras(
            (config, feeds, catalog.updated), abstracts_of
        )
        files: list[tuple[OutputFile, str]] = []
        if not self._reusable(previous, feed_source):
            files += [(output, feed_source) for output in feed_files(catalog)]
        else:
            self._reuse(previous, feed_source)
        sitemap_source = "sitemap." + digest_text(config.base_url, *listed)
        if not self._reusable(previous, sitemap_source):
            files.append((sitemap_file(config.base_url, listed), sitemap_source))
        else:
            self._reuse(previous, sitemap_source)
        files += [
            (output, "file")
            for output in (
                OutputFile(
                    PurePosixPath("robots.txt"),
                    f"User-agent: *\nAllow: /\nSitemap: {config.base_url}sitemap.xml\n".encode(),
                ),
                OutputFile(PurePosixPath(".nojekyll"), b""),
                *static_files(config),
            )
        ]
        check_paths([*self.records, *(f.path for f, _ in files)])
        self._write(files, previous, writer)
        return feeds

    def _search(
        self,
        docs: Documents,
        cache: BuildCache,
        previous: dict[str, OutputRecord],
        writer: FolderWriter,
    ) -> dict[str, Any]:
        """The search index of `docs`: on an incremental build, only the files that hold a
        changed paper are made again (`search.update_index`). Returns the state to keep for the
        next build."""
        from .search import index_files, update_index  # noqa: PLC0415

        def read(path: str) -> bytes | None:
            record = previous.get(path)
            if record is None or not self._intact(path, record):
                return None
            return self.output_dir.joinpath(*PurePosixPath(path).parts).read_bytes()

        # Not kept in a name here: a rebuild lets the old state go (`update_index`).
        index = update_index(
            docs, cache.blob("search", "state") if previous else None, read, workers=self.workers
        )
        if not all(p in previous and self._intact(p, previous[p]) for p in index.kept):
            index = index_files(docs, workers=self.workers)
        self.records.update((path, previous[path]) for path in index.kept)
        self._write(((output, SEARCH_SOURCE) for output in index.files), previous, writer)
        return index.state

    def _write(
        self,
        files: Iterable[tuple[OutputFile, str]],
        previous: dict[str, OutputRecord],
        writer: FolderWriter,
    ) -> None:
        for output, source in files:
            path = output.path.as_posix()
            digest = digest_bytes(output.data)
            old = previous.get(path)
            if old is not None and old.hash == digest and self._intact(path, old):
                self.records[path] = replace(old, source=source)
                continue
            writer.write(path, output.data)
            self.records[path] = OutputRecord(source, digest, len(output.data), 0)
            self.changed.append(path)
            self.reasons.append((path, "new file" if old is None else "its content changed"))

    def _reusable(self, previous: dict[str, OutputRecord], source: str) -> bool:
        """Whether the files made from `source` last time are all still there, untouched."""
        made = [path for path, record in previous.items() if record.source == source]
        return bool(made) and all(self._intact(path, previous[path]) for path in made)

    def _reuse(self, previous: dict[str, OutputRecord], *sources: str) -> None:
        self.records.update(
            (path, record) for path, record in previous.items() if record.source in sources
        )

    def _intact(self, path: str, record: OutputRecord) -> bool:
        try:
            stat = os.stat(f"{self.output_dir}/{path}")  # noqa: PTH116 - runs for every file
        except OSError:
            return False
        return stat.st_size == record.size and stat.st_mtime_ns == record.mtime

    def _stamp(self, paths: Sequence[str] | dict[str, OutputRecord]) -> None:
        """Record the size and modification time each file has now that it is in place."""
        records = self.records
        for path, stat in zip(paths, output_stats(self.output_dir, paths), strict=True):
            record = records[path]
            records[path] = OutputRecord(record.source, record.hash, stat.st_size, stat.st_mtime_ns)
