"""`site-builder check`: validate the content without building, and report what needs a look."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .config import SiteConfig
from .pagescheck import pages_warnings
from .pipeline import load_catalog

__all__ = ["CheckReport", "check"]


@dataclass(frozen=True, slots=True)
class CheckReport:
    papers: int
    topics: int
    warnings: list[str] = field(default_factory=list)


def _shown(path: Path, config: SiteConfig) -> Path:
    return path.relative_to(config.root) if path.is_relative_to(config.root) else path


def check(config: SiteConfig) -> CheckReport:
    """Load and enrich everything a build would (raising its errors), then list warnings:
    papers in the catch-all topic, and what would break on GitHub Pages in the last build."""
    catalog = load_catalog(config)
    catch_all = config.catch_all
    warnings = [
        f"{_shown(item.paper.path, config)}: {item.paper.id}: matches no topic, filed under "
        f"{catch_all.name!r}; add keywords to topics.yaml or pin topics in the file"
        for item in catalog.papers
        if catch_all.slug in item.topics
    ]
    warnings += pages_warnings(config.output_dir, config.base_url)
    return CheckReport(papers=len(catalog.papers), topics=len(catalog.topics), warnings=warnings)
