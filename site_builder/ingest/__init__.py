"""Ingesting papers from sources into content/. The sources are registered by name in
`registry.py`: adding one touches only its own module and one line there.

Each source turns a payload into `PaperRecord`s (parsing is a pure function over bytes, fetching is
separate); `store.store_records` merges them into content/, and `run` drives whole ingests.
"""

from __future__ import annotations

from .records import PaperRecord
from .registry import SOURCES
from .run import SourceRun, ingest_configured, ingest_one
from .source import IngestContext, Reading, Source
from .store import StoreReport, store_records

__all__ = [
    "SOURCES",
    "IngestContext",
    "PaperRecord",
    "Reading",
    "Source",
    "SourceRun",
    "StoreReport",
    "ingest_configured",
    "ingest_one",
    "store_records",
]
