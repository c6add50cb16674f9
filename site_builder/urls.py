"""Every output path and link of the site is made here and nowhere else.

Paths are relative to the output folder and always name a file (`topics/index.html`, not
`topics/`): links made from them work from a local folder (file://) as well as from a server.
Links between pages are relative, so one build serves at a domain root and under any sub-path;
only absolute URLs (canonical links, feeds, sitemap) use the configured base URL.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
from datetime import date
from urllib.parse import urlsplit

__all__ = [
    "INDEX",
    "absolute",
    "archive_index",
    "author",
    "authors_index",
    "day",
    "feed",
    "feeds_index",
    "home",
    "is_web_url",
    "month",
    "opml",
    "paper",
    "paper_slug",
    "relative",
    "search",
    "search_bundle",
    "slugify",
    "static",
    "subscribe",
    "topic",
    "topic_feed",
    "topic_latest",
    "topics_index",
    "trending",
    "week",
]

INDEX = "index.html"
_NON_SLUG = re.compile(r"[^a-z0-9]+")
_NON_ID_SLUG = re.compile(r"[^a-z0-9.]+")


def slugify(text: str, *, max_length: int = 80) -> str:
    """ASCII, lowercase, dash-separated; cut at a word boundary to at most `max_length`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = _NON_SLUG.sub("-", ascii_text.lower()).strip("-")
    if len(slug) > max_length:
        cut = slug[: max_length + 1]
        slug = cut[: cut.rfind("-")] if "-" in cut else slug[:max_length]
    return slug


def paper_slug(paper_id: str) -> str:
    """The folder name of a paper's page: its id with anything unsafe turned into dashes."""
    return _NON_ID_SLUG.sub("-", paper_id.lower()).strip("-.") or "paper"


def _paged(folder: str, page: int) -> str:
    prefix = f"{folder}/" if folder else ""
    return f"{prefix}{INDEX}" if page == 1 else f"{prefix}page/{page}/{INDEX}"


def home(page: int = 1) -> str:
    return _paged("", page)


def paper(paper_id: str) -> str:
    return f"papers/{paper_slug(paper_id)}/{INDEX}"


def topics_index() -> str:
    return f"topics/{INDEX}"


def topic(slug: str, page: int = 1) -> str:
    return _paged(f"topics/{slug}", page)


def topic_latest(slug: str, page: int = 1) -> str:
    """A topic's papers, newest first."""
    return _paged(f"topics/{slug}/latest", page)


def day(value: date, page: int = 1) -> str:
    return _paged(f"date/{value.isoformat()}", page)


def week(key: str, page: int = 1) -> str:
    """`key` is an ISO week such as 2025-W11."""
    return _paged(f"week/{key}", page)


def month(key: str, page: int = 1) -> str:
    """`key` is a month such as 2025-03."""
    return _paged(f"month/{key}", page)


def archive_index() -> str:
    return f"archive/{INDEX}"


def authors_index() -> str:
    return f"authors/{INDEX}"


def author(slug: str, page: int = 1) -> str:
    return _paged(f"authors/{slug}", page)


def search() -> str:
    return f"search/{INDEX}"


def search_bundle() -> str:
    """The folder of the search index (`search.py`)."""
    return "search/data/"


_FEED_SUFFIX = {"rss": ".rss.xml", "atom": ".atom.xml", "json": ".json"}


def feed(name: str, kind: str) -> str:
    """`kind` is "rss", "atom" or "json" (JSON Feed)."""
    return f"feeds/{name}{_FEED_SUFFIX[kind]}"


def topic_feed(slug: str, kind: str) -> str:
    """A topic's own feed; under topics/ so a topic slug never collides with a site feed."""
    return feed(f"topics/{slug}", kind)


def feeds_index() -> str:
    """The page listing every feed."""
    return f"feeds/{INDEX}"


def opml() -> str:
    """Every feed in one OPML file, for subscribing to all of them in one step."""
    return "feeds/feeds.opml"


def subscribe() -> str:
    return f"subscribe/{INDEX}"


def trending(window: str, page: int = 1) -> str:
    """A trending window's list: `trending/today/`, `trending/week/`, `trending/month/`."""
    return _paged(f"trending/{window}", page)


def static(name: str) -> str:
    return f"static/{name}"


def is_web_url(url: str) -> bool:
    """An absolute http(s) URL: the only kind of outside link a page carries, so `javascript:`,
    `data:` and friends from untrusted sources never reach one."""
    parts = urlsplit(url.strip())
    return parts.scheme.lower() in {"http", "https"} and bool(parts.netloc)


def relative(from_path: str, to_path: str) -> str:
    """The link from the page at `from_path` to `to_path`, both output paths.

    The same as `posixpath.relpath(to_path, dirname(from_path))`, computed on the strings alone
    for the plain paths the site uses (it runs for every link of every page)."""
    start = posixpath.dirname(from_path)
    if not _plain(start) or not _plain(to_path):
        return posixpath.relpath(to_path, start or ".")
    here = start.split("/") if start else []
    there = to_path.split("/")
    common = 0
    for mine, theirs in zip(here, there, strict=False):
        if mine != theirs:
            break
        common += 1
    return "/".join([".."] * (len(here) - common) + there[common:]) or "."


def _plain(path: str) -> bool:
    """A relative path with no empty, `.` or `..` part, which needs no normalising."""
    if not path:
        return True
    if path.startswith("/") or path.endswith("/") or "//" in path:
        return False
    return "." not in path.split("/") and ".." not in path.split("/")


def absolute(base_url: str, path: str) -> str:
    """The public URL of an output path; `index.html` is dropped as servers add it back."""
    if path == INDEX or path.endswith("/" + INDEX):
        path = path[: -len(INDEX)]
    return base_url + path
