"""Hugging Face papers JSON: the daily list (`/api/daily_papers`) or one paper (`/api/papers/ID`).

    [{"paper": {"id": "2606.00467", "title": ..., "summary": ..., "authors": [{"name": ...}],
                "publishedAt": ..., "submittedOnDailyAt": ..., "upvotes": 3,
                "ai_summary": ..., "ai_keywords": [...], "githubRepo": ..., "githubStars": 12,
                "projectPage": ...},
      "publishedAt": ..., "title": ..., "numComments": 2, "submittedBy": {...}, ...}, ...]

Optional keys are absent when unknown. Older answers lack `submittedOnDailyAt` (the entry's own
`publishedAt` is then the listing day), `ai_*`, `githubRepo` and `projectPage`, and some keep
`upvotes` on the entry instead of the paper. Upvotes, the GitHub repository (the code link), its
stars and the keywords flow into the paper.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from typing import Any

from ..errors import IngestError
from .records import PaperRecord, arxiv_links, split_arxiv_id, title_id
from .source import IngestContext, Reading, Source, add_file_argument, add_url_argument, payload

__all__ = ["DAILY_URL", "SOURCE", "daily_url", "parse_hf"]

DAILY_URL = "https://huggingface.co/api/daily_papers"


def daily_url(day: str | None = None, base_url: str = DAILY_URL) -> str:
    return f"{base_url}?date={day}" if day else base_url


def parse_hf(data: bytes, *, origin: str) -> list[PaperRecord]:
    """Records of a daily list (ranked in list order) or of one paper object."""
    try:
        payload = json.loads(data)
    except UnicodeDecodeError as exc:
        raise IngestError(f"hf: not UTF-8 text ({exc.reason})", path=origin) from None
    except json.JSONDecodeError as exc:
        raise IngestError(
            f"hf: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
            path=origin,
            line=exc.lineno,
        ) from None
    if isinstance(payload, dict):
        entries = [payload]
    elif isinstance(payload, list):
        entries = payload
    else:
        raise IngestError("hf: expected a list of daily papers or one paper object", path=origin)
    ranked = len(entries) > 1 or isinstance(payload, list)
    records = []
    for index, entry in enumerate(entries, start=1):
        try:
            records.append(_record(entry, rank=index if ranked else None))
        except (KeyError, TypeError, ValueError) as exc:
            where = f"entry {index}" if ranked else "the paper"
            raise IngestError(f"hf: {where}: {_problem(exc)}", path=origin) from None
    return records


def _problem(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"{exc.args[0]}: missing"
    return str(exc)


def _text(mapping: dict[str, Any], key: str) -> str:
    value = mapping.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError(f"{key}: must be text, not {type(value).__name__}")
    return " ".join(value.split())


def _count(mapping: dict[str, Any], key: str) -> int | None:
    value = mapping.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{key}: must be a whole number of at least 0, not {value!r}")
    return value


def _day(value: Any) -> date | None:
    if not value:
        return None
    if not isinstance(value, str):
        raise TypeError(f"a date must be text, not {value!r}")
    return date.fromisoformat(value[:10])


def _record(entry: Any, *, rank: int | None) -> PaperRecord:
    if not isinstance(entry, dict):
        raise TypeError(f"must be an object, not {type(entry).__name__}")
    wrapped = isinstance(entry.get("paper"), dict)
    paper: dict[str, Any] = entry["paper"] if wrapped else entry
    title = _text(paper, "title") or _text(entry, "title")
    if not title:
        raise KeyError("paper.title")
    raw_id = _text(paper, "id")
    split = split_arxiv_id(raw_id) if raw_id else None
    paper_id = split[0] if split else (raw_id or title_id(title))
    authors = []
    for author in paper.get("authors") or []:
        name = author.get("name") if isinstance(author, dict) else author
        if isinstance(name, str) and name.strip():
            authors.append(" ".join(name.split()))
    listed = paper.get("submittedOnDailyAt") or (entry.get("publishedAt") if wrapped else None)
    links = arxiv_links(paper_id) if split else {}
    links["huggingface"] = f"https://huggingface.co/papers/{paper_id}"
    for kind, key in (("code", "githubRepo"), ("project", "projectPage")):
        url = _text(paper, key)
        if url.startswith(("https://", "http://")):
            links[kind] = url
    upvotes = _count(paper, "upvotes")
    if upvotes is None:
        upvotes = _count(entry, "upvotes")
    keywords = paper.get("ai_keywords") or []
    if not isinstance(keywords, list):
        raise TypeError("ai_keywords: must be a list")
    return PaperRecord(
        id=paper_id,
        title=title,
        abstract=_text(paper, "summary") or _text(entry, "summary"),
        source="hf",
        authors=tuple(authors) or None,
        published=_day(paper.get("publishedAt")),
        featured=_day(listed),
        links=links,
        upvotes=upvotes,
        rank=rank,
        keywords=tuple(str(k).strip() for k in keywords if str(k).strip()) or None,
        github_stars=_count(paper, "githubStars"),
    )


def _arguments(parser: argparse.ArgumentParser) -> None:
    add_file_argument(parser, "a daily_papers list or a paper object", required=False)
    add_url_argument(parser, DAILY_URL)
    parser.add_argument(
        "--date",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="the daily list of this day (default: the latest one)",
    )
    parser.add_argument("--delay", type=float, default=None, help=argparse.SUPPRESS)


def _read(options: argparse.Namespace, context: IngestContext) -> Reading:
    day = options.date.isoformat() if options.date else None
    url = daily_url(day, options.url or DAILY_URL)
    data, origin = payload(options, context, source="hf", url=url, delay=options.delay or 0.0)
    return Reading(parse_hf(data, origin=origin))


SOURCE = Source(
    name="hf",
    summary="Hugging Face Daily Papers (the daily list, or one paper's JSON)",
    description=(
        "Read the Hugging Face daily papers list (GET /api/daily_papers, optionally of one "
        "--date), or a saved list or single paper object (/api/papers/ID) with --file. "
        "Upvotes, the GitHub repository (the code link), its stars, the project page and the "
        "keywords flow into each paper; the list day becomes its featured date."
    ),
    add_arguments=_arguments,
    read=_read,
)
