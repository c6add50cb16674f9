"""The fast Markdown paths give exactly what markdown-it gives.

`render_markdown_and_text` renders plain prose (with `$...$` formulas and bare links) without
markdown-it, and skips linkify-it's slow searches in text with nothing like a link. Both must be
invisible: over generated text, full of the characters that make Markdown, math and links
tricky, the result is byte-identical to that of markdown-it configured as before, untouched.
"""

from __future__ import annotations

import re
import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st
from linkify_it import LinkifyIt  # type: ignore[import-untyped]
from markdown_it.common.utils import escapeHtml, isWhiteSpace

from site_builder.markdown import (
    _escape_html,
    _is_space,
    _names_a_host,
    _render_prose,
    may_hold_link,
    render_markdown,
    render_markdown_and_text,
)
from site_builder.markdown_parser import new_renderer, tokens_text

_REFERENCE = new_renderer(quick_linkify=False)


def reference(text: str) -> tuple[str, str]:
    """HTML and plain text from markdown-it alone, with linkify-it as shipped."""
    tokens = _REFERENCE.parse(text)
    html = _REFERENCE.renderer.render(tokens, _REFERENCE.options, {}) if text else ""
    return html, tokens_text(tokens)


WORDS = ["model", "Attention", "data", "the", "é", "λ-calculus", "naïve", "x", "a", "I"]
NUMBERS = ["3", "0.5", "2024", "1.2.3", "10%", "$5", "5$", "1.", "2)", "(a)"]
FORMULAS = [
    "$a$",
    r"$\alpha$",
    r"$O(n \log n)$",
    r"$\lambda_{\max}$",
    r"$\mathcal{L}_{\text{KL}}$",
    r"$k \times d$",
    r"$\sqrt{T}$",
    "$ a$",
    "$a $",
    r"$a\$",
    r"$\$a$",
    r"$\text{<b>&}$",
    r"$\begin{x}$",
    "$a\nb$",
    "$$x$$",
    "$",
    "$$",
]
URLS = [
    "https://github.com/lab5/repo123",
    "http://example.org/a_b-c/d.e/",
    "https://x.io",
    "https://arxiv.org/abs/2401.00001v2",
    "https://a-b.example.com/x//y",
    "https://github.com/lab5/repo123.",
    "https://github.com/lab5/repo123,",
    "https://Upper.com/x",
    "https://x.com/a~b",
    "https://x.com/(a)",
    "https://x.com/a*",
    "https://x.com/?q=1#f",
    "https:/x.com",
    "http://localhost:8000/",
]
PUNCTUATION = [*".,;:!?()\"'-—&<>#*_`~[]|\\@/{}^%=+", "''", "``", "e.g.", "i.e.", "et al."]
TRICKY = [
    "www.example.com",
    "example.com",
    "a@b.org",
    "see.Also",
    "xn--p1ai",
    "localhost",
    "LocalHo\u017ft",
    "WwW.",
    "&amp;",
    "&#42;",
    "&x",
    "\\textit{word}",
    "\\url{",
    "}",
    "~",
    "a~b",
    "<http://x.org>",
    "[link](http://x.org)",
    "**bold**",
    "`code`",
]
SEPARATORS = [" ", " ", " ", "", "\n", "\n\n", "  \n", "\t", "\u00a0", "\u2003", "\r\n", "\n   "]
LINE_STARTS = ["# ", "> ", "- ", "* ", "+ ", "1. ", "3) ", "    ", "---", "===", "| a | b |", "$$"]

anything = st.sampled_from(
    WORDS + NUMBERS + FORMULAS + URLS + PUNCTUATION + TRICKY + LINE_STARTS + SEPARATORS
)


@st.composite
def texts(draw: st.DrawFn, pieces: st.SearchStrategy[str]) -> str:
    parts = draw(st.lists(pieces, max_size=40))
    joined = ""
    for part in parts:
        joined += part + draw(st.sampled_from(SEPARATORS))
    return joined


@st.composite
def prose(draw: st.DrawFn) -> str:
    """What the fast path is for: sentences of words, formulas and bare links, in paragraphs."""
    paragraphs = []
    for _ in range(draw(st.integers(1, 3))):
        words = draw(
            st.lists(
                st.sampled_from(WORDS + FORMULAS[:7] + URLS[:5] + ["3", "e.g.", "(a)"]),
                min_size=1,
                max_size=30,
            )
        )
        line_breaks = draw(st.lists(st.booleans(), min_size=len(words), max_size=len(words)))
        sentence = words[0].capitalize() if words[0] in WORDS else words[0]
        for word, newline in zip(words[1:], line_breaks, strict=False):
            sentence += ("\n" if newline else " ") + word
        paragraphs.append(sentence + ".")
    return "\n\n".join(paragraphs)


@settings(max_examples=1500, deadline=None)
@given(texts(anything))
def test_any_text_renders_as_markdown_it_renders_it(text: str) -> None:
    assert render_markdown_and_text(text) == reference(text)
    assert render_markdown(text) == reference(text)[0]


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=80))
def test_arbitrary_characters_render_as_markdown_it_renders_them(text: str) -> None:
    assert render_markdown_and_text(text) == reference(text)


@settings(max_examples=500, deadline=None)
@given(prose())
def test_prose_takes_the_fast_path_and_renders_the_same(text: str) -> None:
    quick = _render_prose(text)
    if all(line and not line[0].isdigit() for line in text.split("\n") if line):
        assert quick is not None, "plain prose fell back to markdown-it"
    assert render_markdown_and_text(text) == reference(text)


_LINKIFY = LinkifyIt()
link_like = st.text(
    alphabet=st.sampled_from([*"abcomrgwxn.-:/@1 \u0444\u0440\u00e9_>\uff5c\u3000"]),
    max_size=30,
)


@settings(max_examples=1500, deadline=None)
@given(st.one_of(link_like, st.text(max_size=30), texts(anything)))
def test_text_without_a_link_hint_has_no_link(text: str) -> None:
    """linkify-it finds nothing where the quick pre-check finds no hint of a link."""
    if not may_hold_link(text):
        assert not _LINKIFY.pretest(text)
        assert not _LINKIFY.test(text)


_HOST_NAME = re.compile("[Ll][Oo][Cc][Aa][Ll][Hh][Oo][Ss\u017f][Tt]|[Ww]{3}\\.")
"""What `_names_a_host` looks for, as a regular expression: the reference it must agree with."""
host_like = st.text(
    alphabet=st.sampled_from([*"LlOoCcAaHhSsTtWw.\u017f\u0130\u212a x"]), max_size=24
)


@settings(max_examples=1500, deadline=None)
@given(st.one_of(host_like, st.text(max_size=24)))
def test_host_names_are_found_as_the_regular_expression_finds_them(text: str) -> None:
    assert _names_a_host(text) == (_HOST_NAME.search(text) is not None)
    assert _names_a_host(f"a {text}.") == (_HOST_NAME.search(f"a {text}.") is not None)


def test_host_names_in_any_case() -> None:
    for text in ("LocalHost", "LOCALHOST:80", "localho\u017ft", "WwW.example", "see www.x"):
        assert _names_a_host(text)
    for text in ("local host", "ww.", "localhos", "w ww."):
        assert not _names_a_host(text)


def test_whitespace_is_markdown_its() -> None:
    """The fast path's test for whitespace around a formula's dollars is markdown-it's."""
    for code in range(0x11000):
        assert _is_space(code) == isWhiteSpace(code), hex(code)


@given(st.text(alphabet=st.sampled_from("&<>\"'a é\u2028"), max_size=20))
def test_text_is_escaped_as_markdown_it_escapes_it(text: str) -> None:
    assert _escape_html(text) == escapeHtml(text)


def test_prose_is_rendered_without_importing_markdown_it() -> None:
    """A quick build of an edited prose abstract pays for no Markdown parser: markdown-it is
    imported only for Markdown the fast path declines."""
    script = (
        "import sys\n"
        "from site_builder.markdown import plain_text, render_markdown_and_text\n"
        "render_markdown_and_text('Prose with a formula $x^2$ and https://example.org/a.')\n"
        "plain_text('Prose.')\n"
        "print(sorted(m for m in ('markdown_it', 'linkify_it') if m in sys.modules))\n"
        "render_markdown_and_text('# A heading')\n"
        "print('markdown_it' in sys.modules)\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert found[:2] == ["[]", "True"]
