"""site_builder: a static research-feed generator.

The library API below is what the command line calls; tests and scripts may call it too.

Names are imported on first use (`__getattr__` below), so that `import site_builder` and the
command line load only what they run: a build with nothing to do never imports Jinja,
markdown-it or feedgen. `from site_builder import build` works as usual.
"""

from __future__ import annotations

# Aliased: every public name of this module is in __all__ (`test_architecture` checks).
import sys as _sys
import typing as _typing
from importlib import import_module as _import_module
from types import ModuleType as _ModuleType

from .errors import BuildError, ConfigError, ContentError, IngestError, SiteError
from .version import __version__

if _typing.TYPE_CHECKING:
    from .build import BuildReport, build
    from .check import CheckReport, check
    from .config import SiteConfig, load_config
    from .models import Catalog, EnrichedPaper, Paper
    from .pipeline import load_catalog

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

_LAZY = {
    "BuildReport": "build",
    "build": "build",
    "CheckReport": "check",
    "check": "check",
    "SiteConfig": "config",
    "load_config": "config",
    "Catalog": "models",
    "EnrichedPaper": "models",
    "Paper": "models",
    "load_catalog": "pipeline",
}
"""Public name → the module (under site_builder) it comes from."""


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value: object = getattr(_import_module(f".{module}", __name__), name)
    globals()[name] = value  # found directly from now on
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


class _Package(_ModuleType):
    """Importing the submodule `site_builder.build` (or `.check`) makes Python set it as an
    attribute of the package, which would hide the function of the same name: the functions
    are the public API, so the submodules are left to `sys.modules`."""

    def __setattr__(self, name: str, value: object) -> None:
        if isinstance(value, _ModuleType) and _LAZY.get(name) == name:
            return
        super().__setattr__(name, value)


_sys.modules[__name__].__class__ = _Package
