"""The one configured Markdown renderer. Abstracts are untrusted input.

markdown-it's `js-default` preset leaves raw HTML as text and refuses `javascript:`, `vbscript:`,
`file:` and most `data:` link targets; linkify turns bare URLs into links.

Math: `$...$` (inline) and `$$...$$` (display) become MathML on the server, so pages need no
script or font. Delimiters follow strict rules so money stays text: no space just inside a
delimiter and no digit just outside it ("$200 per model and $0.20" is two amounts, not math).
TeX that cannot be converted is shown as code, never dropped.

Abstracts pasted from papers carry a few LaTeX text commands; `\\textit{..}`, `\\emph{..}`,
`\\textbf{..}`, `\\texttt{..}`, `\\url{..}` and ``quotes'' are shown as what they mean.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from functools import cache
from typing import Any

from latex2mathml.converter import convert as tex_to_mathml
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.dollarmath import dollarmath_plugin

from .urls import is_web_url

__all__ = ["plain_text", "render_markdown", "render_markdown_and_text", "render_math"]

_TEXT_COMMAND = re.compile(r"\\(textit|emph|textbf|texttt)\{([^{}\\]*)\}")
_TAGS = {
    "textit": ("em_open", "em_close", "em"),
    "emph": ("em_open", "em_close", "em"),
    "textbf": ("strong_open", "strong_close", "strong"),
}
_TIE = re.compile(r"(?<=[A-Za-z.,;:])~(?=[A-Za-z])")


def render_math(tex: str, *, display: bool) -> str:
    """TeX → MathML; what cannot be converted safely is shown as escaped TeX in `<code>`.

    latex2mathml neither escapes `\\text{..}` nor refuses `\\href` or `\\style`, so its output
    is parsed back, checked to hold only allowed MathML elements and attributes, and written out
    again from the parsed tree: what reaches the page is exactly what was checked (a browser
    would see markup inside the comments and CDATA that the XML parser skips).
    """
    try:
        mathml = _checked_mathml(tex_to_mathml(tex, display="block" if display else "inline"))
        if mathml is not None:
            return mathml
    except Exception:
        pass
    delimiter = "$$" if display else "$"
    return f'<code class="tex">{html.escape(delimiter + tex + delimiter)}</code>'


_MATHML_NS = "{http://www.w3.org/1998/Math/MathML}"
_MATHML_ELEMENTS = frozenset(
    """
math mrow mi mn mo ms mtext mspace msub msup msubsup munder mover munderover mfrac msqrt mroot
mstyle mtable mtr mtd mpadded mphantom menclose merror semantics mmultiscripts mprescripts none
""".split()
)
_MATHML_ATTRIBUTES = frozenset(
    """
display stretchy mathvariant fence separator lspace rspace accent accentunder columnalign
rowalign rowspacing columnspacing columnlines rowlines frame width height depth linethickness
displaystyle scriptlevel minsize maxsize movablelimits notation form largeop symmetric align
""".split()
)


def _checked_mathml(markup: str) -> str | None:
    """`markup` re-serialised from its parsed tree, or None if it holds anything but MathML."""
    try:
        root = ET.fromstring(markup)
    except ET.ParseError:
        return None
    for element in root.iter():
        if not element.tag.startswith(_MATHML_NS):
            return None
        if element.tag.removeprefix(_MATHML_NS) not in _MATHML_ELEMENTS:
            return None
        if not set(element.attrib) <= _MATHML_ATTRIBUTES:
            return None
    return _serialise(root, root=True)


def _serialise(element: ET.Element, *, root: bool = False) -> str:
    """Write a checked MathML tree back: tags from the allow-list, text and values escaped."""
    tag = element.tag.removeprefix(_MATHML_NS)
    attributes = {"xmlns": _MATHML_NS[1:-1]} if root else {}
    attributes.update(sorted(element.attrib.items()))
    opening = "".join(f' {name}="{html.escape(value)}"' for name, value in attributes.items())
    inner = html.escape(element.text or "", quote=False)
    inner += "".join(
        _serialise(child) + html.escape(child.tail or "", quote=False) for child in element
    )
    return f"<{tag}{opening}>{inner}</{tag}>"


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


@cache
def _renderer() -> MarkdownIt:
    md = MarkdownIt("js-default", {"linkify": True, "typographer": False}).enable("linkify")
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


def render_markdown(text: str) -> str:
    """Markdown → safe HTML."""
    return _renderer().render(text) if text else ""


def render_markdown_and_text(text: str) -> tuple[str, str]:
    """`(render_markdown(text), plain_text(text))`, parsing the Markdown once."""
    md = _renderer()
    tokens = md.parse(text)
    html = md.renderer.render(tokens, md.options, {}) if text else ""
    return html, _tokens_text(tokens)


def plain_text(text: str) -> str:
    """Markdown → the text a reader sees, on one line (for summaries, feeds and search).

    Math keeps its TeX source, between its dollar signs."""
    return _tokens_text(_renderer().parse(text))


def _tokens_text(tokens: Sequence[Token]) -> str:
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
