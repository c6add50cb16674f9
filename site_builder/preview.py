"""The pages of just-saved papers, rendered ahead of the build, for `serve`.

After a save, `serve` runs an incremental build, which at 10,000 papers takes a second or more:
it loads and enriches every paper and works out which of 18,000 pages changed. The page a person
looks at while editing a paper is that paper's own, so `serve` first renders just that page from
the last good build's catalog with the saved paper put in, writes it, and reloads the tabs. The
build then brings every page up to date, that one included (its file no longer matches the build
cache's record, so the build renders it again), and reloads the tabs again.

Until then, the previewed page keeps the last build's related papers and neighbours of the day;
everything else on it comes from the saved file.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from pathlib import Path

from .enrich import enrich
from .errors import SiteError
from .load import load_paper
from .models import Catalog, EnrichedPaper
from .render import Renderer, plan_paper_pages
from .writer import FolderWriter, commit_pending, pending_dir

__all__ = ["preview_papers"]


def preview_papers(catalog: Catalog, renderer: Renderer, saved: Collection[Path]) -> list[str]:
    """Render the page of each paper file in `saved` into the output folder, from `catalog`
    and `renderer` (the last good build's) with the saved papers put in; return the pages'
    paths. Returns [] and writes nothing when any saved file is not the file of a paper of
    `catalog` as it still is (a new, moved, hidden or broken paper, a changed id, a template
    or the config): only the full build can show those."""
    config = catalog.config
    by_path = {item.paper.path: item for item in catalog.papers}
    slugs = [rule.slug for rule in config.topics]
    shown = {topic.rule.slug for topic in catalog.topics}
    # Enriched against the catalog's day, so its score is the one the build gives it.
    alone = dataclasses.replace(config, now=catalog.now)
    fresh: dict[str, EnrichedPaper] = {}
    for path in saved:
        old = by_path.get(path)
        if old is None:
            return []
        try:
            paper = load_paper(path, topics=slugs)
        except (SiteError, OSError):
            return []  # the build reports it, with its file and line
        if paper.id != old.paper.id or paper.hidden:
            return []
        (item,) = enrich([paper], alone).papers
        if not shown.issuperset(item.topics):
            return []  # a topic with no page yet
        fresh[paper.id] = dataclasses.replace(item, related=old.related)
    if not fresh:
        return []
    patched = dataclasses.replace(
        catalog,
        papers=tuple(fresh.get(item.paper.id, item) for item in catalog.papers),
        by_id={**catalog.by_id, **fresh},
    )
    pages = plan_paper_pages(patched, fresh)
    rendered = [(page.path, renderer.render(page)) for page in pages]
    # Written as the build writes its changes: each file by one rename, never half there.
    folder = pending_dir(config.output_dir)
    writer = FolderWriter(folder, flat=True)
    for page_path, data in rendered:
        writer.write(page_path, data)
    commit_pending(folder, config.output_dir, [page_path for page_path, _ in rendered])
    return [page_path for page_path, _ in rendered]
