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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from stat import S_ISDIR as stat_is_dir

from . import urls
from .cache import BuildCache, CacheCorrupt, OutputRecord
from .config import CONFIG_FILE, SiteConfig
from .dependencies import PageSource, page_sources
from .feedlist import site_feeds
from .feeds import feed_files
from .fingerprint import Fingerprinter, digest_bytes, digest_text
from .models import Catalog, OutputFile
from .parallel import render_into
from .pipeline import load_catalog
from .progress import Progress, make_progress
from .render import Page, Renderer, plan_pages
from .search import PAGE_GLOB, index_folder
from .sitemap import sitemap_file
from .theme import static_dirs, template_dirs
from .workers import worker_count
from .writer import (
    check_output_dir,
    check_paths,
    commit_pending,
    pending_dir,
    remove_outputs,
    staging_dir,
    swap_in,
    write_file,
)

__all__ = ["BuildReport", "build", "static_files"]

PAGE_PREFIX = PAGE_GLOB.split("*", 1)[0]
"""Where the pages the search index reads live: `papers/`."""


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

    def summary(self) -> str:
        return (
            f"Built {self.papers} papers into {self.output_dir}: {self.pages} pages, "
            f"{self.files} files ({self.bytes / 1024:.0f} KiB); {self.written} written, "
            f"{self.unchanged} unchanged, {self.removed} removed in {self.seconds:.2f} s"
        )


def static_files(config: SiteConfig) -> list[OutputFile]:
    """The theme's static files under static/, the site's own winning over the default's."""
    chosen: dict[str, Path] = {}
    for folder in reversed(static_dirs(config)):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                chosen[path.relative_to(folder).as_posix()] = path
    return [
        OutputFile(PurePosixPath(urls.static(name)), path.read_bytes())
        for name, path in sorted(chosen.items())
    ]


def _inputs_digest(config: SiteConfig) -> str:
    """A digest of the config and of the path, size and modification time of every file a
    build reads: site.yaml, content/, the templates and static folders (the site's and the
    default theme's). Taken before anything is read, so an edit during a build is seen by the
    next one."""
    parts = [Fingerprinter().digest(config)]
    folders = [config.content_dir, *template_dirs(config), *static_dirs(config)]
    for top in (config.root / CONFIG_FILE, *folders):
        parts.extend(_stats(str(top)))
    return digest_text(*parts)


def _stats(top: str) -> list[str]:
    """`path size mtime` of `top` and, for a folder, of every file below it, in sorted order."""
    try:
        stat = os.stat(top)  # noqa: PTH116 - strings, not Paths: this runs for every file
    except OSError:
        return [f"{top} missing"]
    if not stat_is_dir(stat.st_mode):
        return [f"{top} {stat.st_size} {stat.st_mtime_ns}"]
    found = []
    with os.scandir(top) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            if entry.is_dir():
                found.extend(_stats(entry.path))
            else:
                info = entry.stat()
                found.append(f"{entry.path} {info.st_size} {info.st_mtime_ns}")
    return found


def build(
    config: SiteConfig,
    *,
    clean: bool = False,
    progress: Progress | None = None,
    workers: int | None = None,
    defer_search: bool = False,
) -> BuildReport:
    """Build the site of `config` into its output folder; on any error the old output stays.

    `clean` ignores (and then replaces) the build cache and writes every file anew. `workers`
    is how many processes render pages (default: one per core). `defer_search` (for `serve`,
    so a browser reloads sooner) leaves the search index of the last build in place on an
    incremental build; the next build without it brings the index up to date."""
    started = time.perf_counter()
    output_dir = check_output_dir(
        config.output_dir,
        protected=[config.root, config.content_dir, config.templates_dir, config.static_dir],
    )
    job = _Job(
        config=config,
        output_dir=output_dir,
        progress=progress or make_progress(quiet=True),
        workers=workers or worker_count(),
        started=started,
        defer_search=defer_search,
    )
    cache = BuildCache.open(config.root, fresh=clean)
    try:
        try:
            inputs = _inputs_digest(config)
            unchanged = None if clean else job.unchanged(cache, inputs)
            if unchanged is not None:
                return unchanged
            report = job.run(cache, clean=clean)
            if not defer_search:
                cache.store_blob("inputs", inputs, [report.papers, report.pages])
            return report
        except (CacheCorrupt, sqlite3.DatabaseError) as exc:
            cache.close()
            cache = BuildCache.open(config.root, fresh=True)
            report = job.run(cache, clean=False)
            cache.store_blob("inputs", inputs, [report.papers, report.pages])
            return replace(report, cache_reset=f"it held unreadable data ({exc})")
    finally:
        cache.close()


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector off while the build loads and plans: that allocates millions
    of objects that live until the build ends and leaves little cyclic garbage, and the
    collector would scan them over and over (a fifth of that time at 10,000 papers)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass
class _Job:
    config: SiteConfig
    output_dir: Path
    progress: Progress
    workers: int
    started: float
    defer_search: bool = False
    records: dict[str, OutputRecord] = field(default_factory=dict)
    reasons: list[tuple[str, str]] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    def unchanged(self, cache: BuildCache, inputs: str) -> BuildReport | None:
        """The report of a build with nothing to do, if no input file changed since the last
        build (same paths, sizes and modification times, same config and code) and every output
        file is still as that build left it; else None."""
        counts = cache.blob("inputs", inputs)
        if cache.blob("output_dir", str(self.output_dir)) is None or not (
            isinstance(counts, list) and len(counts) == 2
        ):
            return None
        records = cache.outputs()
        if not records or not all(self._intact(path, record) for path, record in records.items()):
            return None
        return BuildReport(
            output_dir=self.config.output_dir,
            papers=int(counts[0]),
            pages=int(counts[1]),
            files=len(records),
            bytes=sum(record.size for record in records.values()),
            seconds=time.perf_counter() - self.started,
            unchanged=len(records),
        )

    def run(self, cache: BuildCache, *, clean: bool) -> BuildReport:
        self.records, self.reasons, self.changed = {}, [], []
        config = self.config
        with _no_cycle_collection():
            fingerprinter = Fingerprinter()
            catalog = load_catalog(config, cache, workers=self.workers, fingerprinter=fingerprinter)
            pages = plan_pages(catalog)
            renderer = Renderer(catalog)
            sources = page_sources(pages, renderer, fingerprinter, cache)
        where = str(self.output_dir)
        previous = cache.outputs() if cache.blob("output_dir", where) is not None else {}
        full = clean or not previous or not self.output_dir.is_dir()
        known = previous
        if full:
            why_all = "--clean" if clean else "first build into this folder (nothing cached)"
            previous = {}
        target = staging_dir(self.output_dir) if full else pending_dir(self.output_dir)
        try:
            self._pages(renderer, pages, sources, previous, target, why_all if full else "")
            self._extras(catalog, pages, previous, target)
            paper_pages = [page.path for page in pages if page.template == "paper.html"]
            search_source = "search." + digest_text(
                config.language, *(f"{p}:{self.records[p].hash}" for p in sorted(paper_pages))
            )
            if full:
                self._search(target, search_source, previous, target)
                swap_in(target, self.output_dir)
            else:
                commit_pending(target, self.output_dir, self.changed)
                # Pages the site no longer has go before the search index reads the folder.
                remove_outputs(
                    self.output_dir,
                    [p for p in previous if p not in self.records and p.startswith(PAGE_PREFIX)],
                )
                self._stamp(self.changed)
                # Should the search step fail, the next build still knows the old index.
                old_index = {p: r for p, r in previous.items() if r.source.startswith("search.")}
                cache.store_outputs({**old_index, **self.records})
                if self.defer_search:
                    # Keep the old index for now; the build after this one brings it up to date.
                    self.records.update(old_index)
                elif not self._reusable(previous, search_source):
                    target = pending_dir(self.output_dir)
                    before = len(self.changed)
                    self._search(self.output_dir, search_source, previous, target)
                    commit_pending(target, self.output_dir, self.changed[before:])
                else:
                    self._reuse(previous, search_source)
        finally:
            shutil.rmtree(target, ignore_errors=True)
        removed = sorted(set(known) - set(self.records))
        if not full:
            remove_outputs(self.output_dir, removed)
        self._stamp(self.records if full else self.changed)
        cache.store_outputs(self.records)
        cache.store_blob("output_dir", where, True)
        return BuildReport(
            output_dir=config.output_dir,
            papers=len(catalog.papers),
            pages=len(pages),
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
        pages: Sequence[Page],
        sources: Sequence[PageSource],
        previous: dict[str, OutputRecord],
        target: Path,
        why_all: str,
    ) -> None:
        check_paths(PurePosixPath(page.path) for page in pages)
        wanted: list[int] = []
        why: dict[int, str] = {}
        for index, page in enumerate(pages):
            old = previous.get(page.path)
            encoded = sources[index].encode()
            if why_all:
                why[index] = why_all
            elif old is None:
                why[index] = "new page"
            elif old.source != encoded:
                why[index] = sources[index].changed_part(old.source)
            elif not self._intact(page.path, old):
                why[index] = "its file in the output folder was changed or removed"
            else:
                self.records[page.path] = old
                continue
            wanted.append(index)
        with self.progress.step("Rendering pages", len(wanted)) as advance:
            rendered = render_into(
                renderer, pages, wanted, target, workers=self.workers, advance=advance
            )
        for index in wanted:
            path, (digest, size) = pages[index].path, rendered[index]
            old = previous.get(path)
            if old is not None and old.hash == digest and self._intact(path, old):
                # Rendered again but came out the same: the file stays as it is.
                self.records[path] = replace(old, source=sources[index].encode())
                target.joinpath(*PurePosixPath(path).parts).unlink()
                continue
            self.records[path] = OutputRecord(sources[index].encode(), digest, size, 0)
            self.changed.append(path)
            self.reasons.append((path, why[index]))

    def _extras(
        self,
        catalog: Catalog,
        pages: Sequence[Page],
        previous: dict[str, OutputRecord],
        target: Path,
    ) -> None:
        """Feeds, sitemap, robots.txt, static files: small, so made every time except the
        feeds, which are made only when what they show changed."""
        config = catalog.config
        feed_source = "feeds." + Fingerprinter().digest(
            (config, site_feeds(catalog), catalog.updated)
        )
        files: list[tuple[OutputFile, str]] = []
        if not self._reusable(previous, feed_source):
            files += [(output, feed_source) for output in feed_files(catalog)]
        else:
            self._reuse(previous, feed_source)
        files += [
            (output, "file")
            for output in (
                sitemap_file(config.base_url, [page.path for page in pages if page.listed]),
                OutputFile(
                    PurePosixPath("robots.txt"),
                    f"User-agent: *\nAllow: /\nSitemap: {config.base_url}sitemap.xml\n".encode(),
                ),
                OutputFile(PurePosixPath(".nojekyll"), b""),
                *static_files(config),
            )
        ]
        check_paths([PurePosixPath(path) for path in self.records] + [f.path for f, _ in files])
        self._write(files, previous, target)

    def _search(
        self, site: Path, source: str, previous: dict[str, OutputRecord], target: Path
    ) -> None:
        files = index_folder(site, language=self.config.language)
        self._write([(output, source) for output in files], previous, target)

    def _write(
        self,
        files: Sequence[tuple[OutputFile, str]],
        previous: dict[str, OutputRecord],
        target: Path,
    ) -> None:
        for output, source in files:
            path = output.path.as_posix()
            digest = digest_bytes(output.data)
            old = previous.get(path)
            if old is not None and old.hash == digest and self._intact(path, old):
                self.records[path] = replace(old, source=source)
                continue
            write_file(target, path, output.data)
            self.records[path] = OutputRecord(source, digest, len(output.data), 0)
            self.changed.append(path)
            self.reasons.append((path, "new file" if old is None else "its content changed"))

    def _reusable(self, previous: dict[str, OutputRecord], source: str) -> bool:
        """Whether the files made from `source` last time are all still there, untouched."""
        made = [path for path, record in previous.items() if record.source == source]
        return bool(made) and all(self._intact(path, previous[path]) for path in made)

    def _reuse(self, previous: dict[str, OutputRecord], source: str) -> None:
        self.records.update(
            (path, record) for path, record in previous.items() if record.source == source
        )

    def _intact(self, path: str, record: OutputRecord) -> bool:
        try:
            stat = os.stat(f"{self.output_dir}/{path}")  # noqa: PTH116 - runs for every file
        except OSError:
            return False
        return stat.st_size == record.size and stat.st_mtime_ns == record.mtime

    def _stamp(self, paths: Sequence[str] | dict[str, OutputRecord]) -> None:
        """Record the size and modification time each file has now that it is in place."""
        for path in paths:
            stat = self.output_dir.joinpath(*PurePosixPath(path).parts).stat()
            record = self.records[path]
            self.records[path] = replace(record, size=stat.st_size, mtime=stat.st_mtime_ns)
