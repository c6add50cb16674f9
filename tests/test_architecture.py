"""Data flows one way: the build never reaches back into ingest, and stages never reach up."""

from __future__ import annotations
import __future__

import ast
import types
from pathlib import Path

import site_builder

PACKAGE = Path(site_builder.__file__).parent

# A module may import only modules below it (same rank or lower), never above.
RANKS = {
    "errors": 0,
    "ids": 0,
    "version": 0,
    "fingerprint": 0,
    "workers": 0,
    "memory": 0,
    "progress": 0,
    "cache": 1,
    "yamlload": 1,
    "config": 2,
    "models": 3,
    "urls": 1,
    "frontmatter": 2,
    "markdown": 1,
    "markdown_parser": 1,
    "load": 4,
    "enrich": 5,
    "pipeline": 6,
    "feedlist": 6,
    "theme": 3,
    "render": 7,
    "dependencies": 7,
    "parallel": 7,
    "feeds": 7,
    "sitemap": 7,
    "search": 7,
    "citation": 4,
    "pagescheck": 4,
    "scaffold": 8,
    "writer": 4,
    "build": 8,
    "serve": 8,
    "preview": 8,
    "quick": 8,
    "check": 8,
    "digest": 8,
    "ingest": 8,
    "cli": 9,
    "__main__": 10,
    "__init__": 10,
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    package = path.relative_to(PACKAGE).parts
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = list(package[: len(package) - node.level])
            module = [*base, *(node.module.split(".") if node.module else [])]
            if module:
                found.add(module[0])
            else:
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("site_builder."):
            found.add(node.module.split(".")[1])
    return found


def _layer(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def test_modules_import_only_downwards() -> None:
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        layer = _layer(path)
        for imported in _imports(path) - {layer}:
            if RANKS[imported] > RANKS[layer]:
                problems.append(f"{path.relative_to(PACKAGE)} imports {imported}")
    assert problems == []


def test_build_and_check_never_import_ingest() -> None:
    for name in (
        "build.py",
        "check.py",
        "pipeline.py",
        "render.py",
        "feeds.py",
        "feedlist.py",
        "digest.py",
    ):
        assert "ingest" not in _imports(PACKAGE / name), name


def test_public_api_is_explicit() -> None:
    for name in site_builder.__all__:
        getattr(site_builder, name)  # names are imported on first use
    public = {
        name
        for name, value in vars(site_builder).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType | __future__._Feature)
    }
    assert public | {"__version__"} == set(site_builder.__all__)
