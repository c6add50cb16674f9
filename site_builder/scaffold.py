"""`site-builder init`: a new site folder, ready to build, commit and publish.

The folder gets a commented site.yaml, the default topics, an empty content/papers/, the same
GitHub Pages workflow this repository uses, a Makefile that installs site-builder from
requirements.txt, a README for the curator and a .gitignore. Nothing existing is overwritten.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from .config import CONFIG_FILE
from .errors import ConfigError
from .version import __version__

__all__ = ["ScaffoldReport", "default_requirement", "scaffold_site"]

_HERE = Path(__file__).resolve().parent
_FILES = _HERE / "scaffold"


def _shipped(*candidates: Path) -> Path:
    """A file a wheel carries inside the package, or its original in a source checkout."""
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise ConfigError(f"{candidates[-1].name} is missing from site-builder; reinstall it")


def _workflow() -> Path:
    return _shipped(
        _HERE / "_scaffold" / "pages.yml", _HERE.parent / ".github" / "workflows" / "pages.yml"
    )


def _topics() -> Path:
    return _shipped(_HERE / "_scaffold" / "topics.yaml", _HERE.parent / "content" / "topics.yaml")


def default_requirement() -> str:
    """How the new site's CI should install site-builder: the way this copy was installed when
    that was from a Git repository (PEP 610's direct_url.json), else this version from PyPI."""
    try:
        raw = metadata.distribution("site-builder").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        raw = None
    if raw:
        info = json.loads(raw)
        vcs = info.get("vcs_info")
        if vcs and vcs.get("vcs") == "git":
            commit = vcs.get("commit_id")
            return f"site-builder @ git+{info['url']}" + (f"@{commit}" if commit else "")
    return f"site-builder=={__version__}"


@dataclass(frozen=True, slots=True)
class ScaffoldReport:
    root: Path
    created: tuple[Path, ...]


def scaffold_site(
    root: Path,
    *,
    title: str = "Research papers",
    description: str = "Trending papers, curated daily.",
    base_url: str = "https://example.github.io/papers/",
    requirement: str | None = None,
) -> ScaffoldReport:
    """Create a site in `root` (which may exist but must not hold a site already)."""
    if (root / CONFIG_FILE).exists():
        raise ConfigError(
            f"{CONFIG_FILE} already exists here; init never overwrites a site",
            path=root / CONFIG_FILE,
        )
    values = {"title": title, "description": description, "base_url": base_url}
    files: dict[str, str] = {
        CONFIG_FILE: _fill(
            (_FILES / "site.yaml").read_text(encoding="utf-8"),
            {name: json.dumps(value, ensure_ascii=False) for name, value in values.items()},
        ),
        "content/topics.yaml": _topics().read_text(encoding="utf-8"),
        "content/papers/.gitkeep": "",
        ".github/workflows/pages.yml": _workflow().read_text(encoding="utf-8"),
        "Makefile": (_FILES / "Makefile").read_text(encoding="utf-8"),
        "requirements.txt": (requirement or default_requirement()) + "\n",
        "README.md": _fill((_FILES / "README.md").read_text(encoding="utf-8"), values),
        ".gitignore": (_FILES / "gitignore").read_text(encoding="utf-8"),
    }
    clashes = [name for name in files if (root / name).exists()]
    if clashes:
        raise ConfigError(
            f"would overwrite {', '.join(clashes)}; init never overwrites files", path=root
        )
    created = []
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        created.append(path)
    return ScaffoldReport(root=root, created=tuple(created))


def _fill(template: str, values: dict[str, str]) -> str:
    """Put values into the template's `{name}` slots."""
    for name, value in values.items():
        template = template.replace("{" + name + "}", value)
    return template
