"""How a paper is cited: its BibTeX entry and the metadata search engines read.

Google Scholar reads `citation_*` meta tags; other engines read schema.org JSON-LD; link previews
read Open Graph. All three are built from the same `Paper` here.
"""

from __future__ import annotations

import re
import unicodedata
from json.encoder import encode_basestring
from typing import Any

from .ids import split_arxiv_id
from .models import Paper

__all__ = ["bibtex", "bibtex_key", "indented_json", "json_ld", "scholar_tags"]

_BIBTEX_SPECIAL = re.compile(r"(?<!\\)([&%#])")
_NOT_KEY_CHAR = re.compile(r"[^a-z0-9]")


def is_arxiv_id(paper_id: str) -> bool:
    """True for a bare arXiv id without version, as paper ids are."""
    split = split_arxiv_id(paper_id)
    return split is not None and split == (paper_id, None)


def _ascii_word(text: str) -> str:
    # An ASCII text is its own NFKD form: most words skip the Unicode tables.
    folded = text if text.isascii() else unicodedata.normalize("NFKD", text)
    return _NOT_KEY_CHAR.sub("", folded.encode("ascii", "ignore").decode().lower())


def bibtex_key(paper: Paper) -> str:
    """`surname2025firstword`, e.g. `kamoi2024evaluating`; `paper2025...` without authors."""
    surname = _ascii_word(paper.authors[0].split()[-1]) if paper.authors else ""
    year = (paper.published or paper.day).year
    words = paper.title.split()
    # The first word longer than 3 characters once folded, else the first word: folded one
    # at a time, as most titles have one among their first few words.
    first = next(
        (folded for folded in map(_ascii_word, words) if len(folded) > 3),
        _ascii_word(words[0]) if words else "",
    )
    return f"{surname or 'paper'}{year}{first}"


def _value(text: str) -> str:
    return _BIBTEX_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def bibtex(paper: Paper) -> str:
    """A `@misc` entry (the usual form for preprints), with arXiv fields when the id is one."""
    day = paper.published or paper.day
    fields: list[tuple[str, str]] = [("title", "{" + _value(paper.title) + "}")]
    if paper.authors:
        fields.append(("author", " and ".join(_value(a) for a in paper.authors)))
    fields.append(("year", str(day.year)))
    if is_arxiv_id(paper.id):
        fields += [("eprint", paper.id), ("archivePrefix", "arXiv")]
    url = paper.link("arxiv") or paper.link("doi") or paper.link("project") or paper.link("code")
    if url:
        fields.append(("url", url))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{bibtex_key(paper)},\n{body}\n}}"


def scholar_tags(paper: Paper) -> list[tuple[str, str]]:
    """(name, content) of Google Scholar's `citation_*` meta tags."""
    tags = [("citation_title", paper.title)]
    tags += [("citation_author", author) for author in paper.authors]
    day = paper.published or paper.day
    tags.append(("citation_publication_date", day.strftime("%Y/%m/%d")))
    if paper.featured and paper.published:
        tags.append(("citation_online_date", paper.featured.strftime("%Y/%m/%d")))
    if is_arxiv_id(paper.id):
        tags.append(("citation_arxiv_id", paper.id))
    pdf = paper.link("pdf")
    if pdf:
        tags.append(("citation_pdf_url", pdf))
    return tags


def indented_json(value: Any, level: int = 0) -> str:
    """`json.dumps(value, ensure_ascii=False, indent=1)` of dicts, lists and strings, the
    same text: an `indent` makes json.dumps use its pure-Python encoder, so the layout is
    built here around strings quoted by json's C encoder (a third of the time)."""
    if isinstance(value, str):
        return encode_basestring(value)
    newline = "\n" + " " * (level + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [
            encode_basestring(key)
            + ": "
            + (encode_basestring(item) if type(item) is str else indented_json(item, level + 1))
            for key, item in value.items()
        ]
        return "{" + newline + ("," + newline).join(items) + "\n" + " " * level + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        if all(type(item) is str for item in value):  # authors' names, keywords, links
            items = list(map(encode_basestring, value))
        else:
            items = [indented_json(item, level + 1) for item in value]
        return "[" + newline + ("," + newline).join(items) + "\n" + " " * level + "]"
    raise TypeError(f"indented_json takes dicts, lists and strings, not {type(value).__name__}")


def json_ld(paper: Paper, *, url: str, abstract: str, keywords: list[str]) -> str:
    """A schema.org ScholarlyArticle as JSON, safe to embed in a `<script>` element."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ScholarlyArticle",
        "headline": paper.title[:110],
        "name": paper.title,
        "url": url,
        "abstract": abstract,
        "datePublished": (paper.published or paper.day).isoformat(),
    }
    if paper.authors:
        data["author"] = [{"@type": "Person", "name": name} for name in paper.authors]
    if keywords:
        data["keywords"] = keywords
    same_as = [link.url for link in paper.links if link.kind in {"arxiv", "doi", "huggingface"}]
    if same_as:
        data["sameAs"] = same_as
    text = indented_json(data)
    # "</script>" or "<!--" inside a string must not end or confuse the script element.
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
