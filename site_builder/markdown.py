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
from functools import lru_cache

from .urls import is_web_url

# markdown-it (`markdown_parser.py`) and latex2mathml are imported where they are first needed:
# most abstracts take the fast path below, and a quick build of one edited paper would spend
# more time importing them than rendering it.

__all__ = [
    "may_hold_link",
    "plain_text",
    "render_markdown",
    "render_markdown_and_text",
    "render_math",
]


@lru_cache(maxsize=4096)
def render_math(tex: str, *, display: bool) -> str:
    """TeX → MathML; what cannot be converted safely is shown as escaped TeX in `<code>`.

    Cached: a build meets the same few formulas (`$\\alpha$`, `$O(n)$`) in many abstracts.

    latex2mathml neither escapes `\\text{..}` nor refuses `\\href` or `\\style`, so its output
    is parsed back, checked to hold only allowed MathML elements and attributes, and written out
    again from the parsed tree: what reaches the page is exactly what was checked (a browser
    would see markup inside the comments and CDATA that the XML parser skips).
    """
    from latex2mathml.converter import convert  # noqa: PLC0415 - see the imports above

    try:
        mathml = _checked_mathml(convert(tex, display="block" if display else "inline"))
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


_DOT_HINT = re.compile(r"\.(?:\d{1,3}\.|xn--|[^\W\d_]{2})", re.I)


def _names_a_host(text: str) -> bool:
    """Whether `text` holds `localhost` or `www.` in any case, as `re.I` reads case (U+017F,
    the long s, is an `s`). Searched for in the lower-cased text: no other character
    lower-cases to these ASCII letters, and a regular expression that starts with a class
    ("[Ll]...") is tried at every character, ten times slower on an abstract."""
    lowered = text.lower()
    return "www." in lowered or "localhost" in lowered or "localho\u017ft" in lowered


def may_hold_link(text: str) -> bool:
    """True wherever linkify-it could find a link: a scheme's `:` or `//`, an `@`, `localhost`,
    `www.`, or a dot before what could be a top-level domain (two letters at least, or `xn--`)
    or an IP's digits. linkify-it's own first test is a far slower regular expression: this one
    rules most text out."""
    return (
        ":" in text
        or "@" in text
        or "//" in text
        or _DOT_HINT.search(text) is not None
        or _names_a_host(text)
    )


def render_markdown(text: str) -> str:
    """Markdown → safe HTML."""
    quick = _render_prose(text)
    if quick is not None:
        return quick[0]
    from .markdown_parser import renderer  # noqa: PLC0415 - see the imports above

    return renderer().render(text) if text else ""


def render_markdown_and_text(text: str) -> tuple[str, str]:
    """`(render_markdown(text), plain_text(text))`, parsing the Markdown once."""
    quick = _render_prose(text)
    if quick is not None:
        return quick
    from .markdown_parser import render_parsed  # noqa: PLC0415 - see the imports above

    return render_parsed(text)


def plain_text(text: str) -> str:
    """Markdown → the text a reader sees, on one line (for summaries, feeds and search).

    Math keeps its TeX source, between its dollar signs."""
    quick = _render_prose(text)
    if quick is not None:
        return quick[1]
    from .markdown_parser import renderer, tokens_text  # noqa: PLC0415 - see the imports above

    return tokens_text(renderer().parse(text))


# The fast path. Most abstracts are paragraphs of prose with a few `$...$` formulas and perhaps a
# bare http(s) address: nothing markdown-it needs to parse. `_render_prose` renders exactly those
# directly and declines (returns None) everything else, which goes through markdown-it. The output
# is byte-identical to markdown-it's: tests/test_markdown_fast.py checks that over generated text.


def _escape_html(text: str) -> str:
    """`&`, `<`, `>` and `"` escaped, as markdown-it escapes text (`'` is left as it is)."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


_SPACES = frozenset(
    [
        0x09,
        0x0A,
        0x0B,
        0x0C,
        0x0D,
        0x20,
        0xA0,
        0x1680,
        *range(0x2000, 0x200B),
        0x202F,
        0x205F,
        0x3000,
    ]
)
"""Whitespace as Markdown counts it (and dollarmath with it): tab, line feed, vertical tab, form
feed, carriage return, and Unicode's space separators (category Zs)."""


def _is_space(code: int) -> bool:
    return code in _SPACES


_BLOCK_MARKERS = frozenset("#>+*=_`~<|-")
"""A line starting with one of these may begin a heading, quote, list, rule, fence or table."""
_ORDERED_ITEM = re.compile(r"\d+[.)]")
_MARKUP = re.compile(r"[\\`*_\[\]<~|\r\x00]")
_ENTITY = re.compile(r"&[#\w]")
"""Outside formulas and addresses these make prose more than prose: escapes, code, emphasis,
links, autolinks, strikethrough, tables and HTML entities (and `''`, see `_is_prose`)."""
_BARE_URL = re.compile(
    r"https?://[a-z][a-z0-9-]*(?:\.[a-z][a-z0-9-]*)+"
    r"(?:/(?:[A-Za-z0-9_/-]|\.(?=[A-Za-z0-9_/-]))*)?(?=[.,]?(?:\s|\Z))"
)
"""A plain address linkify-it turns into a link as it stands: lower-case host, a path of letters,
digits, `_`, `-`, `/` and inner dots, ended by a space, the end, or `.`/`,` and one of those;
after a space or at the start (checked apart: a look-behind would slow the search down)."""


def _render_prose(text: str) -> tuple[str, str] | None:
    """`(html, plain text)` of plain paragraphs with inline math and bare links, else None."""
    if "$$" in text or "\r" in text or "\x00" in text:
        return None
    paragraphs: list[list[str]] = [[]]
    for line in text.split("\n"):
        if not line:
            if paragraphs[-1]:
                paragraphs.append([])
            continue
        first = line[0]
        if first.isspace() or line[-1].isspace() or first in _BLOCK_MARKERS:
            return None
        if first.isdigit() and _ORDERED_ITEM.match(line):
            return None
        paragraphs[-1].append(line)
    parts: list[str] = []
    for lines in paragraphs:
        if lines:
            inline = _render_inline("\n".join(lines))
            if inline is None:
                return None
            parts.append(f"<p>{inline}</p>\n")
    return "".join(parts), " ".join(text.split())


def _render_inline(source: str) -> str | None:
    """One paragraph's inline content as HTML, or None if it holds more than prose, formulas
    and bare links."""
    pieces: list[tuple[int, int, str]] = [
        (start, end, render_math(source[start + 1 : end].strip(), display=False))
        for start, end in _math_spans(source)
    ]
    for match in _BARE_URL.finditer(source) if "://" in source else ():
        if match.start() > 0 and not source[match.start() - 1].isspace():
            return None
        if any(start < match.start() < end for start, end, _ in pieces):
            continue  # inside a formula
        url = match.group()
        if not is_web_url(url):
            return None
        link = _escape_html(url)
        pieces.append((match.start(), match.end() - 1, f'<a href="{link}">{link}</a>'))
    pieces.sort()
    out: list[str] = []
    position = 0
    for start, end, markup in [*pieces, (len(source), len(source), "")]:
        prose = source[position:start]
        if not _is_prose(prose):
            return None
        out += [_escape_html(prose), markup]
        position = end + 1
    return "".join(out)


def _is_prose(text: str) -> bool:
    """Text markdown-it would pass through as it is (escaped), linking nothing: no markup, no
    entity, none of the LaTeX quotes `_latex_text` rewrites, nothing like a link."""
    return not (
        _MARKUP.search(text)
        or "''" in text
        or ("&" in text and _ENTITY.search(text))
        or may_hold_link(text)
    )


def _math_spans(source: str) -> list[tuple[int, int]]:
    """(opening, closing) positions of the `$...$` formulas in one paragraph, found as
    dollarmath finds them with `allow_space=False, allow_digits=False` (no `$$` reaches here)."""
    spans = []
    position = 0
    while (start := source.find("$", position)) >= 0:
        end = _closing_dollar(source, start)
        if end is None:
            position = start + 1
        else:
            spans.append((start, end))
            position = end + 1
    return spans


def _closing_dollar(source: str, start: int) -> int | None:
    # dollarmath's checks, in its order; like it, `source[start - 1]` at 0 reads the last char.
    if start + 1 >= len(source) or _is_space(ord(source[start + 1])):
        return None
    if source[start - 1].isdigit() or _escaped(source, start):
        return None
    position = start + 1
    while True:
        end = source.find("$", position)
        if end < 0:
            return None
        if not _escaped(source, end):
            break
        position = end + 1
    if _is_space(ord(source[end - 1])):
        return None
    if end + 1 < len(source) and source[end + 1].isdigit():
        return None
    return end


def _escaped(source: str, index: int) -> bool:
    """Whether an odd number of backslashes comes just before `index` (as dollarmath counts:
    from index 0 it wraps round to the end of the text once)."""
    backslashes = 0
    back = index
    while back >= 0:
        back -= 1
        if source[back] == "\\":
            backslashes += 1
        else:
            break
    return backslashes % 2 == 1
