"""The quick build: when only papers' abstracts or notes changed since the last build, the few
files that show them are made again from what the build cache holds, without loading the rest.

A full build (`build.py`) loads and enriches every paper, then plans and digests every page;
after an edit of one abstract at 10,000 papers that is nearly all of its 1.8 s, spent on papers
that did not change. This path runs only where facts stored by the last full build show that
a full build would write the same files:

- The last build finished, and only paper files changed since: the config, templates, static
  files and everything else under content/ are as they were (`facts["others"]`), no paper
  file was added or removed, and every output file is as the last build left it.
- Each changed paper differs only in its abstract and notes: its cache row's other fields
  (`CachedPaper.data`) are the same, and it is shown (not hidden).
- What lists show of it is the same: its summary (the start of its abstract), its topics and
  its score (it follows from the unchanged fields).
- The related lists that move can be found from the stored state alone: at once when no
  term's weight changes for any paper but the edited one (`related.update_for_text`), else
  from every paper's stored row (`related.update_from_state`), with the stored term counts
  of the papers to weigh again when a term's weight changed. Lists show no related papers,
  so only the pages of the papers whose lists moved change.
- If its abstract changed, it is in no feed: feeds show abstracts (not notes).
- No page template but the paper page's may show a paper's abstract or notes
  (`dependencies.own_page_reads`), and the paper page's template and site-wide parts of its
  digest are the ones stored for it.

Lists' digests leave abstracts, notes and related papers out (`enrich.vouch`), so every
other page keeps its digest, and the files to make again are the pages of the edited papers
and of those whose related lists moved, and the search files holding the edited papers'
documents. The papers' pages are planned by the same code as in a full build
(`render.plan_paper_pages`), from a catalog of just the papers they show, read back by id;
the search files are patched (`search.patch_index`). When any of this cannot be told,
`quick_build` returns None and the caller builds in full.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, TypeGuard

from . import dependencies, render
from .build import SEARCH_SOURCE, BuildReport
from .cache import BuildCache, CachedPaper, OutputRecord, OutputStamps, stamps_digest
from .config import SiteConfig
from .enrich import TextStore, summarize, text_key, vouch
from .enrich.archives import day_period
from .enrich.related import (
    RELATED_VERSION,
    Postings,
    RelatedChange,
    StoredPostings,
    collector_paused,
    update_for_text,
    update_from_postings,
    update_from_state,
)
from .enrich.topics import TopicMatcher
from .enrich.trending import score
from .errors import ContentError
from .feedlist import Feed
from .fingerprint import Fingerprinter, digest_bytes
from .load import changed_files, paper_from_row, reread
from .load import vouch as vouch_paper
from .models import Author, Catalog, EnrichedPaper, Paper, RenderedText, Topic
from .search import paper_document, patch_index
from .writer import OutputValuesAside, replace_file

__all__ = ["FACTS", "facts", "quick_build"]

FACTS = "quick"
"""The blob a full build stores `facts` in; it drops it when it starts, so a build that did
not finish leaves none."""
FACTS_VERSION = "1"
_MOST = 8
"""Edited papers this path takes on; more are left to a full build."""
_MOST_RELISTED = 400
"""Papers whose related lists move that this path makes the pages of; more are left to a
full build."""
_PAPER_TEMPLATE = "paper.html"
_RELATED_IDS = 5
"""Where a related row (`related.RelatedState.papers`) holds the paper's related ids."""


def facts(catalog: Catalog, feeds: tuple[Feed, ...], templates: list[str]) -> dict[str, Any]:
    """What a quick build needs to know of a full build's catalog: the values every paper page
    shares, each day's trending order, the authors' slugs, each paper's file, the papers in
    feeds and the templates pages use."""
    return {
        "updated": catalog.updated.isoformat(),
        "now": catalog.now.isoformat(),
        "topics": [topic.rule.slug for topic in catalog.topics],
        "days": {period.key: list(period.paper_ids) for period in catalog.periods.get("day", ())},
        "slugs": {author.name: author.slug for author in catalog.authors},
        "files": {item.paper.id: str(item.paper.path) for item in catalog.papers},
        "feeds": sorted({item.paper.id for feed in feeds for item in feed.papers}),
        "templates": templates,
    }


_FACT_KINDS = {
    "updated": str,
    "now": str,
    "topics": list,
    "days": dict,
    "slugs": dict,
    "files": dict,
    "feeds": list,
    "templates": list,
    "others": str,
    "papers": int,
    "pages": int,
}


def _valid(known: Any, config: SiteConfig) -> TypeGuard[dict[str, Any]]:
    """Whether `known` holds facts as `facts` stores them, of topics `config` has: facts of
    another shape are not trusted (the full build stores them again)."""
    if not (
        isinstance(known, dict)
        and all(isinstance(known.get(key), kind) for key, kind in _FACT_KINDS.items())
    ):
        return False
    try:
        date.fromisoformat(known["updated"])
        date.fromisoformat(known["now"])
    except ValueError:
        return False
    texts = [*known["topics"], *known["feeds"], *known["templates"], *known["files"].values()]
    return (
        all(isinstance(text, str) for text in texts)
        and set(known["topics"]) <= {rule.slug for rule in config.topics}
        and all(isinstance(slug, str) for slug in known["slugs"].values())
        and all(
            isinstance(ids, list) and all(isinstance(i, str) for i in ids)
            for ids in known["days"].values()
        )
    )


def quick_build(
    config: SiteConfig,
    cache: BuildCache,
    output_dir: Path,
    *,
    inputs: str,
    others: str,
    papers: Sequence[tuple[str, int, int]],
    outputs: tuple[OutputStamps, OutputValuesAside],
    started: float,
) -> BuildReport | None:
    """Build by the quick path if it applies (see the module's description), else None.
    `inputs` and `others` are the digests of the build's inputs and `papers` its paper files
    (`build._Inputs`); `outputs` what the last build stored of its outputs and their sizes and
    times now."""
    known = cache.blob(FACTS, FACTS_VERSION)
    if not (
        _valid(known, config)
        and known["others"] == others
        and cache.blob("output_dir", str(output_dir)) is not None
    ):
        return None
    topics = [rule.slug for rule in config.topics]
    changed = changed_files(papers, topics, cache.paper_stamps())
    if not changed:
        return None
    stamps, now = outputs
    values = now.values()
    if values is None or stamps_digest(values) != stamps.digest:
        return None
    try:
        # Reading every related row makes 100,000s of lists, none in a cycle: the collector
        # would only walk them again and again.
        with collector_paused():
            quick = _Quick(config, cache, output_dir, known)
            return quick.run(changed, _Outputs(stamps, values), inputs, started)
    except (_NotQuick, ContentError):
        return None


class _NotQuick(Exception):
    """The change is not one the quick path can make."""


class _Outputs:
    """The records of the outputs this build writes, read by key, and the sizes and times of
    all outputs, for the summary the no-op check reads (`cache.OutputStamps`)."""

    def __init__(self, stamps: OutputStamps, values: list[int]) -> None:
        self.paths, self.values, self.bytes = list(stamps.paths), values, stamps.bytes
        self.records: dict[str, OutputRecord] = {}

    def record(self, cache: BuildCache, path: str) -> OutputRecord | None:
        if path not in self.records:
            self.records.update(cache.outputs_at([path]))
        return self.records.get(path)

    def replace(self, path: str, old: OutputRecord | None, new: OutputRecord) -> None:
        """`new` is `path`'s record now, where `old` was."""
        self.records[path] = new
        if old is None:
            self.paths.append(path)
            self.values += [new.size, new.mtime]
        else:
            at = 2 * self.paths.index(path)
            self.values[at : at + 2] = [new.size, new.mtime]
        self.bytes += new.size - (old.size if old is not None else 0)

    def stamps(self) -> OutputStamps:
        return OutputStamps(paths=self.paths, digest=stamps_digest(self.values), bytes=self.bytes)


class _Quick:
    def __init__(
        self, config: SiteConfig, cache: BuildCache, output_dir: Path, known: dict[str, Any]
    ) -> None:
        self.config, self.cache, self.output_dir, self.facts = config, cache, output_dir, known
        self.matcher = TopicMatcher(config.topics)
        self.now = date.fromisoformat(known["now"])
        self.fingerprinter = Fingerprinter()
        self.texts = TextStore(cache).rendered
        self.header: dict[str, Any] = {}
        """The related state's header, with the edited papers' terms counted."""
        self.counts: dict[str, Sequence[int]] = {}
        """The term counts of the related rows whose terms changed."""
        self.postings: dict[int, Postings] = {}
        """The related postings that changed."""
        self.relisted: list[str] = []
        """Papers not edited whose related lists move: their pages are made again too."""

    def run(
        self, changed: list[tuple[Path, str]], outputs: _Outputs, inputs: str, started: float
    ) -> BuildReport:
        cache, files = self.cache, self.facts["files"]
        topics = [rule.slug for rule in self.config.topics]
        old_rows = cache.papers_at(str(path) for path, _ in changed)
        new_rows: dict[str, CachedPaper] = {}
        edited: list[tuple[Paper, CachedPaper, RenderedText]] = []
        for path, stamp in changed:
            old = old_rows.get(str(path))
            if old is None:
                raise _NotQuick
            row, paper = reread(path, stamp, old, topics)
            new_rows[str(path)] = row
            if paper is None:
                continue  # the same bytes
            if row.data != old.data or files.get(paper.id) != str(path):
                raise _NotQuick  # more than its texts changed, or it is hidden
            if len(edited) == _MOST:
                raise _NotQuick
            edited.append((paper, row, self._check(paper, paper_from_row(old, path))))
        related_rows = self._related(edited)
        written: dict[str, tuple[bytes, str]] = {}
        catalog = self._catalog(edited, related_rows)
        renderer = render.Renderer(catalog)
        self._check_templates(renderer)
        ids = [*(paper.id for paper, _, _ in edited), *self.relisted]
        pages = render.plan_paper_pages(catalog, ids)
        # The analyses of every template stay as the last full build stored them.
        sources = dependencies.page_sources(
            pages, renderer, self.fingerprinter, cache, keep_analyses=False
        )
        reasons: dict[str, str] = {}
        outputs.records.update(cache.outputs_at(page.path for page in pages))
        for page, source in zip(pages, sources, strict=True):
            old_record = outputs.records.get(page.path)
            if old_record is None or old_record.source.split(".")[:2] != [
                source.template,
                source.shared,
            ]:
                raise _NotQuick
            written[page.path] = (renderer.render(page), source.encode())
            reasons[page.path] = source.changed_part(old_record.source)
        search_state = self._search(catalog, edited, written)
        changed_records = self._write(written, outputs, reasons)
        stamps = outputs.stamps()
        with cache.transaction():
            cache.update_papers(new_rows, removed=())
            if related_rows:
                cache.store_related(
                    RELATED_VERSION,
                    self.header,
                    related_rows,
                    counts=self.counts,
                    postings=self.postings,
                )
            cache.update_outputs(changed_records, stamps)
            if search_state is not None:
                cache.store_blob("search", "state", search_state)
            cache.store_blob("inputs", inputs, [self.facts["papers"], self.facts["pages"]])
        return BuildReport(
            output_dir=self.config.output_dir,
            papers=self.facts["papers"],
            pages=self.facts["pages"],
            files=len(stamps.paths),
            bytes=stamps.bytes,
            seconds=time.perf_counter() - started,
            written=len(reasons),
            unchanged=len(stamps.paths) - len(reasons),
            reasons=tuple(reasons.items()),
            quick=True,
        )

    def _check(self, paper: Paper, old: Paper) -> RenderedText:
        """`paper`'s rendered Markdown, stored in the cache, if lists show the same of it as
        of `old`, the paper as the last build knew it."""
        if paper.abstract != old.abstract and paper.id in self.facts["feeds"]:
            raise _NotQuick  # feeds show abstracts (not notes)
        if self.matcher.assign(paper) != self.matcher.assign(old):
            raise _NotQuick
        old_key = text_key(old)
        old_plain = self.cache.plain_texts_of([old_key]).get(old_key)
        if old_plain is None:
            raise _NotQuick
        rendered = RenderedText.of_markdown(paper.abstract, paper.notes)
        if summarize(rendered.plain) != summarize(old_plain):
            raise _NotQuick
        self.cache.update_texts(
            {text_key(paper): (rendered.plain, rendered.abstract_html, rendered.notes_html)},
            removed=(),
        )
        return rendered

    def _related(
        self, edited: list[tuple[Paper, CachedPaper, RenderedText]]
    ) -> dict[str, list[Any]]:
        """The related rows that change: the edited papers', and those of the papers whose
        lists move (`self.relisted`), found from the stored state alone."""
        header = self.cache.blob("related", RELATED_VERSION)
        if not isinstance(header, dict):
            raise _NotQuick
        rows = self.cache.related_rows_of(paper.id for paper, _, _ in edited)
        fresh: dict[str, list[Any]] = {}
        updated = header
        for paper, _, rendered in edited:
            found = update_for_text(updated, rows.get(paper.id), paper, rendered.plain)
            if found is None:
                return self._relisted(header, edited)
            df, fresh[paper.id], self.counts[paper.id] = found
            updated = {**updated, "df": df}
        self.header = updated
        return fresh

    def _relisted(
        self, header: dict[str, Any], edited: list[tuple[Paper, CachedPaper, RenderedText]]
    ) -> dict[str, list[Any]]:
        """`_related` when some list moves: the update from the postings of the terms the
        edits touch, or else from every paper's row."""
        changed = {paper.id: (paper, rendered.plain) for paper, _, rendered in edited}
        order = self.cache.related_order(RELATED_VERSION)
        found = None
        if order is not None:
            stored = StoredPostings(
                order=order,
                postings_of=self.cache.related_postings_of,
                rows_of=self.cache.related_rows_of,
                users_of=self.cache.related_users_of,
                counts_of=self.cache.related_counts_of,
            )
            found = update_from_postings(header, stored, changed)
        change = found or self._from_every_row(header, changed)
        if len(change.relisted) > _MOST_RELISTED:
            raise _NotQuick
        self.header, self.counts, self.postings = change.header, change.counts, change.postings
        self.relisted = change.relisted
        return change.rows

    def _from_every_row(
        self, header: dict[str, Any], changed: dict[str, tuple[Paper, str]]
    ) -> RelatedChange:
        rows = self.cache.related_rows()
        found = update_from_state(header, rows, changed, self.cache.related_counts_of)
        if found is None:
            raise _NotQuick
        _, state = found
        new_header = state.to_json()
        new_rows = new_header.pop("papers")
        fresh = {key: row for key, row in new_rows.items() if rows.get(key) is not row}
        return RelatedChange(
            header=new_header,
            rows=fresh,
            relisted=[
                key
                for key, row in fresh.items()
                if key not in changed and row[_RELATED_IDS] != rows[key][_RELATED_IDS]
            ],
            counts=state.counts,
            postings=state.postings,
        )

    def _catalog(
        self,
        edited: list[tuple[Paper, CachedPaper, RenderedText]],
        related_rows: dict[str, list[Any]],
    ) -> Catalog:
        """A catalog of the papers whose pages change (the edited ones and `self.relisted`)
        and of the papers those pages show (related papers, neighbours of the day), each
        enriched as a full build enriches it."""
        known = self.facts
        days: dict[str, list[str]] = {}
        wanted: dict[str, None] = {}
        day_of = {paper.id: paper.day.isoformat() for paper, _, _ in edited}
        relisted = set(self.relisted)
        if relisted:
            day_of.update(
                (paper_id, day)
                for day, ids in known["days"].items()
                for paper_id in ids
                if paper_id in relisted
            )
        if not relisted <= day_of.keys():
            raise _NotQuick
        for paper_id, day in day_of.items():
            order = known["days"].get(day)
            if not isinstance(order, list) or paper_id not in order:
                raise _NotQuick
            days[day] = order
            index = order.index(paper_id)
            wanted.update(dict.fromkeys(order[max(0, index - 1) : index + 2]))
            wanted.update(dict.fromkeys(related_rows[paper_id][_RELATED_IDS]))
        fresh = {paper.id: (paper, row, rendered) for paper, row, rendered in edited}
        others = [paper_id for paper_id in wanted if paper_id not in fresh]
        paths: dict[str, str] = {}
        for paper_id in others:
            path = known["files"].get(paper_id)
            if not isinstance(path, str):
                raise _NotQuick
            paths[paper_id] = path
        rows = self.cache.papers_at(paths.values())
        related = self.cache.related_rows_of(wanted)
        related.update(related_rows)
        papers: list[tuple[Paper, CachedPaper, str]] = []
        for path in paths.values():
            row = rows.get(path)
            if row is None:
                raise _NotQuick
            paper = paper_from_row(row, Path(path))
            papers.append((paper, row, text_key(paper)))
        plain = self.cache.plain_texts_of([key for _, _, key in papers])
        items = []
        for paper, row, key in papers:
            if key not in plain:
                raise _NotQuick
            items.append(self._enriched(paper, row, key, plain[key], related))
        for paper, row, rendered in edited:
            items.append(self._enriched(paper, row, text_key(paper), rendered.plain, related))
        rules = {rule.slug: rule for rule in self.config.topics}
        return Catalog(
            config=self.config,
            papers=tuple(items),
            topics=tuple(Topic(rule=rules[slug], paper_ids=()) for slug in known["topics"]),
            updated=date.fromisoformat(known["updated"]),
            now=self.now,
            by_id={item.paper.id: item for item in items},
            periods={
                "day": tuple(day_period(date.fromisoformat(d), ids) for d, ids in days.items())
            },
            authors=tuple(
                Author(name=name, slug=slug, paper_ids=()) for name, slug in known["slugs"].items()
            ),
        )

    def _enriched(
        self,
        paper: Paper,
        row: CachedPaper,
        key: str,
        plain: str,
        related: dict[str, Any],
    ) -> EnrichedPaper:
        found = related.get(paper.id)
        if not (isinstance(found, list) and len(found) > _RELATED_IDS):
            raise _NotQuick
        item = EnrichedPaper(
            paper=paper,
            topics=self.matcher.assign(paper),
            score=score(paper, now=self.now, half_life_days=self.config.trending.half_life_days),
            summary=summarize(plain),
            related=tuple(found[_RELATED_IDS]),
            text_key=key,
            texts=self.texts,
        )
        vouch_paper(self.fingerprinter, paper, row)
        vouch(self.fingerprinter, item)
        return item

    def _check_templates(self, renderer: render.Renderer) -> None:
        """Only the paper page's template may show abstracts or notes, and only its own."""
        reads = dependencies.own_page_reads(renderer.env, self.facts["templates"], self.cache)
        for name, found in reads.items():
            if found != "none" and not (name == _PAPER_TEMPLATE and found == "item"):
                raise _NotQuick

    def _search(
        self,
        catalog: Catalog,
        edited: list[tuple[Paper, CachedPaper, RenderedText]],
        written: dict[str, tuple[bytes, str]],
    ) -> dict[str, Any] | None:
        """The search files holding the edited papers' documents, added to `written`; the
        index's new state."""
        state = self.cache.blob("search", "state")
        if not state:
            if catalog.papers:
                raise _NotQuick
            return None
        names = {topic.rule.slug: topic.rule.name for topic in catalog.topics}
        docs = [
            paper_document(catalog.by_id[paper.id], names, rendered.plain)
            for paper, _, rendered in edited
        ]

        def read(path: str) -> bytes | None:
            # Every output is as the last build left it (checked before this path started).
            try:
                return self.output_dir.joinpath(path).read_bytes()
            except FileNotFoundError:
                return None

        index = patch_index(state, read, docs)
        if index is None:
            raise _NotQuick
        for output in index.files:
            written[output.path.as_posix()] = (output.data, SEARCH_SOURCE)
        return index.state

    def _write(
        self,
        written: dict[str, tuple[bytes, str]],
        outputs: _Outputs,
        reasons: dict[str, str],
    ) -> dict[str, OutputRecord]:
        """Write the files of `written` whose bytes changed, in place, one at a time; update
        `outputs` and `reasons` (only files written have one). Returns the changed records."""
        changed = {}
        for path, (data, source) in written.items():
            digest = digest_bytes(data)
            old = outputs.record(self.cache, path)
            if old is not None and old.hash == digest:
                reasons.pop(path, None)
                if old.source != source:
                    changed[path] = OutputRecord(source, old.hash, old.size, old.mtime)
                    outputs.replace(path, old, changed[path])
                continue
            stat = replace_file(self.output_dir, path, data)
            changed[path] = OutputRecord(source, digest, stat.st_size, stat.st_mtime_ns)
            outputs.replace(path, old, changed[path])
            reasons.setdefault(path, "new file" if old is None else "its content changed")
        return changed
