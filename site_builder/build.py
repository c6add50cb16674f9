"""The build, one readable function: config → catalog → pages and feeds → files → output."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from . import urls
from .config import SiteConfig
from .feeds import feed_files
from .models import OutputFile
from .pipeline import load_catalog
from .render import plan_pages, render_pages
from .search import search_files
from .sitemap import sitemap_file
from .theme import static_dirs
from .writer import write_site

__all__ = ["BuildReport", "build", "static_files"]


@dataclass(frozen=True, slots=True)
class BuildReport:
    output_dir: Path
    papers: int
    pages: int
    files: int
    bytes: int
    seconds: float

    def summary(self) -> str:
        return (
            f"Built {self.papers} papers into {self.output_dir}: {self.pages} pages, "
            f"{self.files} files, {self.bytes / 1024:.0f} KiB in {self.seconds:.2f} s"
        )


def static_files(config: SiteConfig) -> list[OutputFile]:
    """The theme's static files under static/, the site's own winning over the default's."""
    chosen: dict[str, Path] = {}
    for folder in reversed(static_dirs(config)):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                chosen[path.relative_to(folder).as_posix()] = path
    return [
        OutputFile(PurePosixPath(urls.static(name)), path.read_bytes())
        for name, path in sorted(chosen.items())
    ]


def build(config: SiteConfig) -> BuildReport:
    """Build the site of `config` into its output folder; on any error the old output stays."""
    started = time.perf_counter()
    catalog = load_catalog(config)
    pages = plan_pages(catalog)
    html = render_pages(pages, catalog)
    paper_pages = [
        file for page, file in zip(pages, html, strict=True) if page.template == "paper.html"
    ]
    files = [
        *html,
        *feed_files(catalog),
        *search_files(paper_pages, language=config.language),
        sitemap_file(config.base_url, [page.path for page in pages if page.listed]),
        OutputFile(
            PurePosixPath("robots.txt"),
            f"User-agent: *\nAllow: /\nSitemap: {config.base_url}sitemap.xml\n".encode(),
        ),
        OutputFile(PurePosixPath(".nojekyll"), b""),
        *static_files(config),
    ]
    written = write_site(
        files,
        config.output_dir,
        protected=[config.root, config.content_dir, config.templates_dir, config.static_dir],
    )
    return BuildReport(
        output_dir=config.output_dir,
        papers=len(catalog.papers),
        pages=len(pages),
        files=written.files,
        bytes=written.bytes,
        seconds=time.perf_counter() - started,
    )
