"""A built site: complete, linked, valid feeds, deterministic, and safe with hostile input."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urljoin, urlsplit

import feedparser
import pytest

from site_builder.cli import main
from site_builder.config import load_config
from site_builder.feeds import paper_guid
from site_builder.pipeline import load_catalog

from .conftest import FIXTURES, tree
from .sitecheck import broken_links, parse_html, serve

BASE_URL = "https://example.github.io/daily-papers/"


def _titles() -> list[str]:
    return (FIXTURES / "daily-papers-mar13.titles").read_text(encoding="utf-8").splitlines()


def test_the_site_has_every_page(built_site: Path) -> None:
    files = {p.relative_to(built_site).as_posix() for p in built_site.rglob("*") if p.is_file()}
    assert {
        "index.html",
        "page/2/index.html",
        "page/3/index.html",
        "404.html",
        ".nojekyll",
        "sitemap.xml",
        "robots.txt",
        "topics/index.html",
        "feeds/trending.rss.xml",
        "feeds/trending.atom.xml",
        "static/style.css",
    } <= files
    assert len([f for f in files if f.startswith("papers/")]) == 84
    catalog = load_catalog(load_config(built_site.parent))
    for topic in catalog.topics:
        assert f"topics/{topic.rule.slug}/index.html" in files
    assert "topics/other/index.html" not in files  # the catch-all is empty for the seed


def test_home_lists_the_trending_papers_in_order(built_site: Path) -> None:
    titles = []
    for page in ("index.html", "page/2/index.html", "page/3/index.html"):
        html = (built_site / page).read_text()
        titles += [
            tag[1]["href"]
            for tag in parse_html(html).tags
            if tag[0] == "a"
            and "papers/" in str(tag[1].get("href"))
            and tag[1].get("class") is None
        ]
    catalog = load_catalog(load_config(built_site.parent))
    assert [p.paper.title for p in catalog.papers] == _titles()
    home = parse_html((built_site / "index.html").read_text()).text
    assert home.index(_titles()[0]) < home.index(_titles()[1]) < home.index(_titles()[29])
    assert _titles()[30] not in home
    assert _titles()[30] in parse_html((built_site / "page/2/index.html").read_text()).text


def test_every_internal_link_resolves(built_site: Path) -> None:
    assert broken_links(built_site, BASE_URL) == []


@pytest.mark.parametrize("prefix", ["", "repo/", "deep/sub/path/"])
def test_the_site_works_served_at_any_path(seeded_site: Path, tmp_path: Path, prefix: str) -> None:
    """Crawl the site over HTTP from its home page; every link must answer 200."""
    www = tmp_path / "www"
    with serve(www) as root:
        base_url = root + prefix
        assert (
            main(
                [
                    "build",
                    "--site",
                    str(seeded_site),
                    "--quiet",
                    "--base-url",
                    base_url,
                    "--output",
                    str(www / prefix),
                ]
            )
            == 0
        )
        seen: set[str] = set()
        queue = [base_url, base_url + "404.html"]
        while queue:
            url = queue.pop()
            if url in seen:
                continue
            seen.add(url)
            try:
                with urllib.request.urlopen(url, timeout=10) as response:
                    body = response.read()
                    kind = response.headers.get_content_type()
            except HTTPError as exc:
                pytest.fail(f"{url} answered {exc.code}")
            if kind == "text/html":
                for link in parse_html(body.decode()).links:
                    target = urljoin(url, link).split("#")[0]
                    if target.startswith(root):
                        assert target.startswith(base_url), f"{url} links outside: {link}"
                        queue.append(target)
        pages = [u for u in seen if urlsplit(u).path.endswith(("/", ".html"))]
        assert len(pages) >= 84 + 3 + 12
        assert base_url + "feeds/trending.atom.xml" in seen


def _parse_feed(path: Path) -> feedparser.FeedParserDict:
    feed = feedparser.parse(path.read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


@pytest.mark.parametrize(
    ("name", "version"), [("trending.rss.xml", "rss20"), ("trending.atom.xml", "atom10")]
)
def test_feeds_parse_with_the_expected_items(built_site: Path, name: str, version: str) -> None:
    feed = _parse_feed(built_site / "feeds" / name)
    assert feed.version == version
    assert feed.feed.title == "Daily Papers: Trending papers"
    assert feed.feed.link == BASE_URL
    assert [e.title for e in feed.entries] == _titles()[:50]
    ids = [e.id for e in feed.entries]
    assert len(set(ids)) == 50
    catalog = load_catalog(load_config(built_site.parent))
    assert ids == [paper_guid(p.paper.id) for p in catalog.papers[:50]]
    for entry in feed.entries:
        assert entry.link.startswith(BASE_URL)
        page = built_site / entry.link.removeprefix(BASE_URL) / "index.html"
        assert page.is_file()
        assert entry.published_parsed[:3] == (2025, 3, 13)
        assert entry.tags
    self_links = [link.href for link in feed.feed.links if link.rel == "self"]
    assert self_links == [BASE_URL + "feeds/" + name]


def test_feed_size_comes_from_site_yaml(seeded_site: Path) -> None:
    config = seeded_site / "site.yaml"
    config.write_text(config.read_text().replace("items: 50", "items: 7"))
    assert main(["build", "--site", str(seeded_site), "--quiet"]) == 0
    feed = _parse_feed(seeded_site / "_site" / "feeds" / "trending.atom.xml")
    assert len(feed.entries) == 7


def test_every_page_links_the_feeds_and_a_canonical_url(built_site: Path) -> None:
    for page in built_site.rglob("*.html"):
        tags = parse_html(page.read_text()).tags
        alternates = {
            t[1]["type"] for t in tags if t[0] == "link" and t[1].get("rel") == "alternate"
        }
        assert alternates == {
            "application/rss+xml",
            "application/atom+xml",
            "application/feed+json",
        }, page
        canonical = [
            t[1]["href"] for t in tags if t[0] == "link" and t[1].get("rel") == "canonical"
        ]
        if page.name != "404.html":
            assert canonical and str(canonical[0]).startswith(BASE_URL), page


def test_sitemap_lists_every_page_with_absolute_urls(built_site: Path) -> None:
    sitemap = (built_site / "sitemap.xml").read_text()
    pages = list(built_site.rglob("index.html"))
    assert sitemap.count("<loc>") == len(pages)
    assert f"<loc>{BASE_URL}</loc>" in sitemap
    assert "404" not in sitemap


def _digest(folder: Path) -> str:
    return hashlib.sha256(repr(sorted(tree(folder).items())).encode()).hexdigest()


def test_builds_are_byte_identical(seeded_site: Path, tmp_path: Path) -> None:
    assert main(["build", "--site", str(seeded_site), "--quiet"]) == 0
    first = tree(seeded_site / "_site")
    assert main(["build", "--site", str(seeded_site), "--quiet"]) == 0
    assert tree(seeded_site / "_site") == first
    # Elsewhere on disk, at another time: still the same bytes.
    moved = shutil.copytree(seeded_site, tmp_path / "elsewhere" / "site")
    shutil.rmtree(moved / "_site")
    assert main(["build", "--site", str(moved), "--quiet"]) == 0
    assert _digest(moved / "_site") == _digest(seeded_site / "_site")


def test_the_base_url_option_changes_only_absolute_urls(seeded_site: Path) -> None:
    assert (
        main(
            [
                "build",
                "--site",
                str(seeded_site),
                "--quiet",
                "--base-url",
                "https://papers.example.org",
            ]
        )
        == 0
    )
    home = (seeded_site / "_site" / "index.html").read_text()
    assert '<link rel="canonical" href="https://papers.example.org/">' in home
    assert 'href="papers/' in home
    assert BASE_URL not in home


HOSTILE = """\
---
id: hostile-paper
title: "<b>Bold</b> claims & <script>alert('title')</script>"
featured: 2025-03-14
links:
  code: https://github.com/a/b?x=1&y=2
---
Costs less than $200 per model and $0.20 per query.
<script>alert('abstract')</script> <img src=x onerror="alert(1)">
[click me](javascript:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=)
<a href="javascript:alert(2)">raw</a>
"""


def test_hostile_abstracts_render_inert(
    site_dir: Path, write_paper: Callable[[str, str], Path]
) -> None:
    write_paper("2025/hostile.md", HOSTILE)
    assert main(["build", "--site", str(site_dir), "--quiet"]) == 0
    site = site_dir / "_site"
    for page in [site / "papers/hostile-paper/index.html", site / "index.html"]:
        html = page.read_text()
        parsed = parse_html(html)
        assert not [t for t in parsed.tags if t[0] in {"img", "b"}], page
        scripts = [t[1] for t in parsed.tags if t[0] == "script"]
        assert all(
            s.get("type") == "application/ld+json" or str(s.get("src")).startswith("../../static/")
            for s in scripts
        ), scripts
        for body in re.findall(r"<script[^>]*>(.*?)</script>", html, re.DOTALL):
            assert "<" not in body and ">" not in body
        assert not [t for t in parsed.tags if any(k.startswith("on") for k in t[1])], page
        assert {urlsplit(link).scheme for link in parsed.links} <= {"", "http", "https"}
        assert "javascript:" not in " ".join(parsed.links)
        assert "<b>Bold</b> claims & <script>alert('title')</script>" in parsed.text
    paper_html = (site / "papers/hostile-paper/index.html").read_text()
    ld = json.loads(
        re.search(
            r'<script type="application/ld\+json">(.*?)</script>', paper_html, re.DOTALL
        ).group(1)
    )
    assert ld["name"] == "<b>Bold</b> claims & <script>alert('title')</script>"
    assert "Costs less than $200 per model and $0.20 per query." in paper_html
    assert "<math" not in paper_html and 'class="math' not in paper_html
    assert 'href="https://github.com/a/b?x=1&amp;y=2"' in paper_html
    for name in ("trending.rss.xml", "trending.atom.xml"):
        feed = _parse_feed(site / "feeds" / name)
        assert "<script" not in feed.entries[0].get("content", [{"value": ""}])[0]["value"]
