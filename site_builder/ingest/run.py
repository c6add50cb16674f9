"""Whole ingests: one source from the command line, or every source listed in site.yaml.

A source whose payload cannot be fetched or parsed contributes nothing (its records are read and
checked in full before any is stored), and with several sources the others still run: the caller
sees which failed and can say so in its exit code.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from ..config import SiteConfig
from ..errors import IngestError
from .registry import SOURCES
from .source import IngestContext, options_from_settings
from .store import StoreReport, store_records

__all__ = ["SourceRun", "ingest_configured", "ingest_one"]


@dataclass(slots=True)
class SourceRun:
    """The outcome of one source: what it read and stored, or why it failed."""

    name: str
    read: int = 0
    """Records the source yielded."""
    report: StoreReport | None = None
    error: IngestError | None = None
    line: int | None = None
    """The line of site.yaml that configures the source, when it came from there."""


def ingest_one(
    name: str, options: argparse.Namespace, context: IngestContext, *, dry_run: bool = False
) -> SourceRun:
    """Read one source and store its records; errors propagate (nothing is stored then)."""
    reading = SOURCES[name].read(options, context)
    report = store_records(reading.records, context.config.papers_dir, dry_run=dry_run)
    report.skipped[:0] = reading.skipped
    return SourceRun(name=name, read=len(reading.records), report=report)


def ingest_configured(
    config: SiteConfig, context: IngestContext, *, dry_run: bool = False
) -> list[SourceRun]:
    """Every source of site.yaml's `sources:`, in order; a failing one does not stop the rest."""
    if not config.sources:
        raise IngestError(
            "no sources listed: add a sources: list, or name a source (site-builder ingest --help)",
            path=config.root / "site.yaml",
        )
    runs = []
    for settings in config.sources:
        options = options_from_settings(settings)
        try:
            runs.append(ingest_one(settings.type, options, context, dry_run=dry_run))
        except IngestError as exc:
            runs.append(SourceRun(name=settings.type, error=exc, line=settings.line))
    return runs
