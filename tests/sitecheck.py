"""Helpers that read a built site the way a browser or crawler would."""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

LINK_ATTRIBUTES = {
    ("a", "href"),
    ("link", "href"),
    ("script", "src"),
    ("img", "src"),
    ("form", "action"),
    ("source", "src"),
}


@dataclass
class ParsedPage:
    links: list[str] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    tags: list[tuple[str, dict[str, str | None]]] = field(default_factory=list)
    text: str = ""


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = ParsedPage()
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.page.tags.append((tag, values))
        if values.get("id"):
            self.page.ids.add(str(values["id"]))
        for name, value in attrs:
            if (tag, name) in LINK_ATTRIBUTES and value is not None:
                self.page.links.append(value)

    def handle_data(self, data: str) -> None:
        self._text.append(data)

    def close(self) -> None:
        super().close()
        self.page.text = " ".join(" ".join(self._text).split())


def parse_html(html: str) -> ParsedPage:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector.page


def broken_links(site: Path, base_url: str) -> list[str]:
    """Every link of every HTML page that does not lead to a file (or an anchor) of the site.

    Relative links resolve against the page; links to `base_url` map onto the site folder;
    other absolute links are outside the site and not followed.
    """
    problems = []
    base_path = urlsplit(base_url).path
    for page in sorted(site.rglob("*.html")):
        parsed = parse_html(page.read_text(encoding="utf-8"))
        page_path = page.relative_to(site).as_posix()
        for link in parsed.links:
            target, fragment = urldefrag(link)
            if target.startswith(base_url):
                target = "/" + target.removeprefix(base_url)
            elif target.startswith(base_path) and target.startswith("/"):
                target = "/" + target.removeprefix(base_path)
            elif urlsplit(target).scheme:
                continue
            resolved = urljoin("http://site/" + page_path, target)
            path = urlsplit(resolved).path.lstrip("/")
            file = site / path
            if path == "" or path.endswith("/"):
                file = file / "index.html"
            if not file.is_file():
                problems.append(f"{page_path}: {link} -> missing {file.relative_to(site)}")
            elif fragment and file.suffix == ".html":
                ids = parse_html(file.read_text(encoding="utf-8")).ids
                if fragment not in ids:
                    problems.append(f"{page_path}: {link} -> no id {fragment!r}")
    return problems


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve `folder` on 127.0.0.1 in a thread; yields the server's root URL."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
