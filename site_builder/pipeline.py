"""The one entry point from a site folder to its `Catalog`: load, then enrich.

`build`, `check` and every later command reach the papers through `load_catalog`, so nothing
assembles the pipeline a second time.
"""

from __future__ import annotations

from .cache import BuildCache
from .config import SiteConfig
from .enrich import enrich
from .fingerprint import Fingerprinter
from .load import load_papers
from .models import Catalog

__all__ = ["load_catalog"]


def load_catalog(
    config: SiteConfig,
    cache: BuildCache | None = None,
    *,
    workers: int = 1,
    fingerprinter: Fingerprinter | None = None,
) -> Catalog:
    """Every visible paper of the site, enriched; `cache` (the build's) skips repeated work and
    `workers` processes share what remains. With the cache, `fingerprinter` (the build's) is
    told the digest of every paper and enriched paper, made from the digests of their inputs."""
    papers = load_papers(
        config.papers_dir,
        topics={rule.slug for rule in config.topics},
        cache=cache,
        fingerprinter=fingerprinter,
        workers=workers,
    )
    return enrich(papers, config, cache, workers=workers, fingerprinter=fingerprinter)
