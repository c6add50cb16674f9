"""Where the default theme lives, and the folders a site's templates and static files come from.

The repository's own `templates/` and `static/` are the default theme. An installed wheel carries
them as `site_builder/_theme/`; an editable install or a source checkout finds them beside the
package. A site's own `templates/` and `static/` come first, so a site overrides any file.
"""

from __future__ import annotations

from pathlib import Path

from .config import SiteConfig
from .errors import BuildError

__all__ = ["static_dirs", "template_dirs"]

_PACKAGE = Path(__file__).resolve().parent


def _default(name: str) -> Path:
    for candidate in (_PACKAGE / "_theme" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise BuildError(f"the default theme's {name}/ folder is missing; reinstall site-builder")


def _chain(site_dir: Path, name: str) -> tuple[Path, ...]:
    default = _default(name)
    if site_dir.is_dir() and site_dir.resolve() != default:
        return (site_dir.resolve(), default)
    return (default,)


def template_dirs(config: SiteConfig) -> tuple[Path, ...]:
    """Template folders, the site's first."""
    return _chain(config.templates_dir, "templates")


def static_dirs(config: SiteConfig) -> tuple[Path, ...]:
    """Static folders, the site's first: its files win over the theme's of the same name."""
    return _chain(config.static_dir, "static")
