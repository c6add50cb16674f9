"""Every source by name: the CLI asks `SOURCES` for one, and `sources:` in site.yaml names them."""

from __future__ import annotations

from . import arxiv, arxiv_rss, bibtex, hf, jsonlist, text
from .source import Source

__all__ = ["SOURCES"]

SOURCES: dict[str, Source] = {
    source.name: source
    for source in (
        arxiv.SOURCE,
        arxiv_rss.SOURCE,
        hf.SOURCE,
        bibtex.SOURCE,
        jsonlist.SOURCE,
        text.SOURCE,
    )
}
