"""Abstract rendering: math as MathML, money as text, LaTeX text commands as what they mean."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from site_builder.markdown import plain_text, render_markdown

MATHML = "{http://www.w3.org/1998/Math/MathML}"


@pytest.mark.parametrize(
    "text",
    [
        "With a budget of less than $200 per model and using only open models",
        "at a cost of less than $0.20 via OpenAI's APIs, making it $5 cheaper",
        "between $10 and $20 per run",
        "a lone $ sign",
        "costs $ 5 and $ 6",
    ],
)
def test_money_is_not_math(text: str) -> None:
    html = render_markdown(text)
    assert "<math" not in html
    assert html == f"<p>{text}</p>\n"


def test_inline_and_display_math_become_mathml() -> None:
    html = render_markdown(r"We bound $O(n^2)$ with $$\sum_i x_i$$ steps.")
    root = ET.fromstring(f"<div>{html}</div>")
    maths = root.findall(f".//{MATHML}math")
    assert [m.get("display") for m in maths] == ["inline", "block"]
    assert maths[0].find(f".//{MATHML}msup") is not None
    assert maths[1].find(f".//{MATHML}munder") is not None


def test_a_display_block_is_its_own_element() -> None:
    html = render_markdown("Before.\n\n$$\n\\int_0^1 f(x)\\,dx\n$$\n\nAfter.")
    assert '<div class="math-display"><math' in html
    assert 'display="block"' in html


def test_tex_that_cannot_be_read_is_shown_as_code() -> None:
    html = render_markdown(r"Broken $\begin{x}$ math.")
    assert '<code class="tex">$\\begin{x}$</code>' in html


@pytest.mark.parametrize(
    "tex",
    [
        r"\text{<script>alert(1)</script>}",
        r"\href{javascript:alert(1)}{x}",
        r"\style{color:red}{x}",
        r"\text{a<b & c}",
    ],
)
def test_math_cannot_smuggle_markup(tex: str) -> None:
    html = render_markdown(f"${tex}$")
    assert "<script" not in html and "href=" not in html and "style=" not in html
    assert html.startswith('<p><code class="tex">$')


def test_comparisons_in_math_are_fine() -> None:
    assert "<mo>&lt;</mo>" in render_markdown("$p<0.05$")


def test_latex_text_commands_render_as_meant() -> None:
    html = render_markdown(
        r"remains \textit{agnostic to the training}, \textbf{bold}, \texttt{code}, "
        r"e.g.,~ChatGPT, a ``guided instruction'' at \url{https://github.com/a/b}."
    )
    assert "<em>agnostic to the training</em>" in html
    assert "<strong>bold</strong>" in html
    assert "<code>code</code>" in html
    assert "e.g.,\u00a0ChatGPT" in html
    assert "\u201cguided instruction\u201d" in html
    assert 'at <a href="https://github.com/a/b">https://github.com/a/b</a>.' in html
    assert "\\url" not in html and "\\text" not in html


def test_plain_text_keeps_math_source_and_drops_markup() -> None:
    assert plain_text(r"The *loss* $\ell_2$ is **small**.") == r"The loss $\ell_2$ is small."
