"""The configured markdown-it, for the Markdown that `markdown.py`'s fast path declines.

Imported only when such Markdown turns up: markdown-it, its dollarmath plugin and linkify-it
take about 50 ms to import, which a quick build of an edited prose abstract does not need.
What the configuration does is described in `markdown.py`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Any

from linkify_it import LinkifyIt  # type: ignore[import-untyped]
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.dollarmath import dollarmath_plugin

from .markdown import may_hold_link, render_math
from .urls import is_web_url

__all__ = ["new_renderer", "render_parsed", "renderer", "tokens_text"]

_TEXT_COMMAND = re.compile(r"\\(textit|emph|textbf|texttt)\{([^{}\\]*)\}")
_TAGS = {
    "textit": ("em_open", "em_close", "em"),
    "emph": ("em_open", "em_close", "em"),
    "textbf": ("strong_open", "strong_close", "strong"),
}
_TIE = re.compile(r"(?<=[A-Za-z.,;:])~(?=[A-Za-z])")


def _math_rule(display: bool) -> Any:
    def render(self: Any, tokens: Sequence[Token], index: int, options: Any, env: Any) -> str:
        mathml = render_math(tokens[index].content.strip(), display=display)
        return f'<div class="math-display">{mathml}</div>\n' if tokens[index].block else mathml

    return render


def _latex_text(state: StateCore) -> None:
    """Turn LaTeX text commands inside text into emphasis, code, quotes and plain links."""
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        for token in block.children:
            if token.type != "text":
                children.append(token)
                continue
            content = token.content.replace("``", "\u201c").replace("''", "\u201d")
            content = _TIE.sub("\u00a0", content)
            position = 0
            for match in _TEXT_COMMAND.finditer(content):
                children.append(_text(content[position : match.start()]))
                command, inner = match.groups()
                if command == "texttt":
                    code = Token("code_inline", "code", 0)
                    code.content = inner
                    children.append(code)
                else:
                    opening, closing, tag = _TAGS[command]
                    children += [Token(opening, tag, 1), _text(inner), Token(closing, tag, -1)]
                position = match.end()
            children.append(_text(content[position:]))
        block.children = _unwrap_urls(
            [child for child in children if child.type != "text" or child.content]
        )


def _unwrap_urls(children: list[Token]) -> list[Token]:
    """`\\url{` + a linkified URL + `}` → just the link."""
    for index, token in enumerate(children):
        if (
            token.type == "link_open"
            and index > 0
            and index + 3 < len(children)
            and children[index - 1].type == "text"
            and children[index - 1].content.endswith("\\url{")
            and children[index + 2].type == "link_close"
            and children[index + 3].type == "text"
            and children[index + 3].content.startswith("}")
        ):
            children[index - 1].content = children[index - 1].content.removesuffix("\\url{")
            children[index + 3].content = children[index + 3].content[1:]
    return [child for child in children if child.type != "text" or child.content]


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


class _QuickLinkify(LinkifyIt):  # type: ignore[misc]
    """linkify-it that skips its expensive searches in text with nothing like a link."""

    def pretest(self, text: str) -> bool:
        return may_hold_link(text) and bool(super().pretest(text))

    def test(self, text: str) -> bool:
        return may_hold_link(text) and bool(super().test(text))


@cache
def renderer() -> MarkdownIt:
    return new_renderer()


def new_renderer(*, quick_linkify: bool = True) -> MarkdownIt:
    """The configured markdown-it; `quick_linkify=False` (for tests) keeps linkify-it as is."""
    md = MarkdownIt("js-default", {"linkify": True, "typographer": False}).enable("linkify")
    if quick_linkify:
        md.linkify = _QuickLinkify()
    # Links only to absolute http(s) addresses; no images (a remote image is a tracking pixel).
    md.validateLink = is_web_url  # type: ignore[method-assign]
    md.disable("image")
    dollarmath_plugin(
        md, allow_labels=False, allow_space=False, allow_digits=False, double_inline=True
    )
    md.add_render_rule("math_inline", _math_rule(display=False))
    md.add_render_rule("math_inline_double", _math_rule(display=True))
    md.add_render_rule("math_block", _math_rule(display=True))
    md.core.ruler.push("latex_text", _latex_text)
    return md


def render_parsed(text: str) -> tuple[str, str]:
    """`render_markdown_and_text` by markdown-it alone, without the fast path."""
    md = renderer()
    tokens = md.parse(text)
    html = md.renderer.render(tokens, md.options, {}) if text else ""
    return html, tokens_text(tokens)


def tokens_text(tokens: Sequence[Token]) -> str:
    words: list[str] = []
    for token in tokens:
        if token.type == "inline":
            words.append(_inline_text(token.children or []))
        elif token.type in {"code_block", "fence"}:
            words.append(token.content)
        elif token.type == "math_block":
            words.append(f"$${token.content.strip()}$$")
    return " ".join(" ".join(words).split())


def _inline_text(children: list[Token]) -> str:
    parts = []
    for child in children:
        if child.type in {"text", "code_inline"}:
            parts.append(child.content)
        elif child.type == "math_inline":
            parts.append(f"${child.content}$")
        elif child.type == "math_inline_double":
            parts.append(f"$${child.content}$$")
        elif child.type in {"softbreak", "hardbreak"}:
            parts.append(" ")
    return "".join(parts)
