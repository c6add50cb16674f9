"""Paper identifiers: arXiv ids and DOIs, recognised and normalised in one place."""

from __future__ import annotations

import re

__all__ = ["normalize_doi", "split_arxiv_id"]

# New-style ids (2403.01234, 0704.0001) and old-style ones (hep-th/9901001, math.GT/0309136),
# optionally with a version; an "arXiv:" prefix or an abs/pdf URL around them is accepted.
_ARXIV_ID = re.compile(
    r"(?:arxiv:|arxiv\.org/(?:abs|pdf)/)?"
    r"(?P<id>\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7})(?:v(?P<version>\d+))?(?:\.pdf)?",
    re.IGNORECASE,
)
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_DOI_PREFIX = re.compile(r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)", re.IGNORECASE)


def split_arxiv_id(text: str) -> tuple[str, int | None] | None:
    """(id without version, version or None) when `text` is an arXiv id or abs/pdf URL."""
    candidate = text.strip()
    for prefix in ("http://", "https://", "export.", "www."):
        candidate = candidate.removeprefix(prefix)
    match = _ARXIV_ID.fullmatch(candidate)
    if not match:
        return None
    number = match["id"]
    if "/" not in number and len(number.partition(".")[2]) != (5 if number[:4] >= "1501" else 4):
        return None  # since January 2015 new ids have five digits after the dot, before four
    version = match["version"]
    return match["id"], int(version) if version else None


def normalize_doi(text: str) -> str | None:
    """A DOI without `doi:` or a doi.org address around it (`10.1234/abc`), or None."""
    doi = _DOI_PREFIX.sub("", text.strip())
    return doi if _DOI.match(doi) else None
