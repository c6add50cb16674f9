"""Atom and RSS payloads through feedparser, refusing malformed XML with its position.

feedparser is lenient by design: on broken XML it falls back to a loose parser and returns what it
could salvage. A truncated payload must not become half an ingest, so a well-formedness error
(`bozo` with a SAX parse error) is an error here.
"""

from __future__ import annotations

from typing import Any
from xml.sax import SAXParseException

import feedparser

from ..errors import IngestError

__all__ = ["parse_feed"]


def parse_feed(data: bytes, *, source: str, origin: str) -> Any:
    """The parsed feed of `data`; `origin` (a file or URL) and `source` name it in errors."""
    if not data.strip():
        raise IngestError(f"{source}: the payload is empty", path=origin)
    # Bytes, never a string: feedparser would take a string for a URL or a file name.
    parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
    problem = parsed.get("bozo_exception")
    if parsed.get("bozo") and isinstance(problem, SAXParseException):
        line, column = problem.getLineNumber(), problem.getColumnNumber()
        raise IngestError(
            f"{source}: malformed XML at line {line}, column {column}: {problem.getMessage()}",
            path=origin,
            line=line,
        )
    if not parsed.get("version") and not parsed.get("entries"):
        raise IngestError(f"{source}: not an RSS or Atom feed", path=origin)
    return parsed
