"""The one entry point from a site folder to its `Catalog`: load, then enrich.

`build`, `check` and every later command reach the papers through `load_catalog`, so nothing
assembles the pipeline a second time.
"""

from __future__ import annotations

from .cache import BuildCache
from .config import SiteConfig
from .enrich import enrich
from .load import load_papers
from .models import Catalog

__all__ = ["load_catalog"]


def load_catalog(
    config: SiteConfig, cache: BuildCache | None = None, *, workers: int = 1
) -> Catalog:
    """Every visible paper of the site, enriched; `cache` (the build's) skips repeated work and
    `workers` processes share what remains."""
    papers = load_papers(
        config.papers_dir, topics={rule.slug for rule in config.topics}, cache=cache
    )
    return enrich(papers, config, cache, workers=workers)
