"""site_builder: a static research-feed generator.

The library API below is what the command line calls; tests and scripts may call it too.
"""

from __future__ import annotations

from .build import BuildReport, build
from .check import CheckReport, check
from .config import SiteConfig, load_config
from .errors import BuildError, ConfigError, ContentError, IngestError, SiteError
from .models import Catalog, EnrichedPaper, Paper
from .pipeline import load_catalog
from .version import __version__

__all__ = [
    "BuildError",
    "BuildReport",
    "Catalog",
    "CheckReport",
    "ConfigError",
    "ContentError",
    "EnrichedPaper",
    "IngestError",
    "Paper",
    "SiteConfig",
    "SiteError",
    "__version__",
    "build",
    "check",
    "load_catalog",
    "load_config",
]
