"""The one configured Markdown renderer. Abstracts are untrusted input.

markdown-it's `js-default` preset leaves raw HTML as text and refuses `javascript:`, `vbscript:`,
`file:` and most `data:` link targets; linkify turns bare URLs into links. No math syntax is
enabled, so dollar signs ("$200 per model") stay text.
"""

from __future__ import annotations

from functools import cache

from markdown_it import MarkdownIt
from markdown_it.token import Token

__all__ = ["plain_text", "render_markdown"]


@cache
def _renderer() -> MarkdownIt:
    return MarkdownIt("js-default", {"linkify": True, "typographer": False}).enable("linkify")


def render_markdown(text: str) -> str:
    """Markdown → safe HTML."""
    return _renderer().render(text) if text else ""


def plain_text(text: str) -> str:
    """Markdown → the text a reader sees, on one line (for summaries and feeds)."""
    words: list[str] = []
    for token in _renderer().parse(text):
        if token.type == "inline":
            words.append(_inline_text(token.children or []))
        elif token.type in {"code_block", "fence"}:
            words.append(token.content)
    return " ".join(" ".join(words).split())


def _inline_text(children: list[Token]) -> str:
    parts = []
    for child in children:
        if child.type in {"text", "code_inline"}:
            parts.append(child.content)
        elif child.type in {"softbreak", "hardbreak"}:
            parts.append(" ")
    return "".join(parts)
