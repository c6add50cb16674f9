"""Feeds readers trust: every feed in three formats, valid by each format's rules and by a real
parser, stable ids, rich items, discoverable from the pages, listed on the feeds page and in OPML,
and read by a real feed reader over HTTP."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path
from xml.etree import ElementTree as ET

import feedparser
import pytest

from site_builder.cli import main
from site_builder.config import load_config
from site_builder.feedlist import site_feeds
from site_builder.feeds import paper_guid
from site_builder.pipeline import load_catalog

from .feedcheck import DC, atom_problems, is_absolute, json_feed_problems, rss_problems
from .sitecheck import broken_links, parse_html, serve
from .tools import newsboat

BASE_URL = "https://example.github.io/daily-papers/"
TOPIC = "evaluation-benchmarks"


@pytest.fixture
def feeds_built(papers_site: Path) -> Path:
    assert main(["build", "--site", str(papers_site), "--quiet"]) == 0
    return papers_site / "_site"


def _names(site: Path) -> list[str]:
    catalog = load_catalog(load_config(site.parent))
    return [feed.name for feed in site_feeds(catalog)]


def test_every_feed_exists_in_every_format(feeds_built: Path) -> None:
    names = _names(feeds_built)
    assert names[:2] == ["trending", "latest"]
    assert f"topics/{TOPIC}" in names
    for name in names:
        for suffix in (".rss.xml", ".atom.xml", ".json"):
            assert (feeds_built / "feeds" / f"{name}{suffix}").is_file(), name + suffix


def test_rss_and_atom_follow_their_rules_and_parse_cleanly(feeds_built: Path) -> None:
    feeds = {feed.name: feed for feed in site_feeds(load_catalog(load_config(feeds_built.parent)))}
    for name, feed in feeds.items():
        for kind, version, check in (
            ("rss.xml", "rss20", rss_problems),
            ("atom.xml", "atom10", atom_problems),
        ):
            path = f"feeds/{name}.{kind}"
            data = (feeds_built / path).read_bytes()
            assert check(data, BASE_URL + path) == [], path
            parsed = feedparser.parse(data)
            assert not parsed.bozo, (path, parsed.get("bozo_exception"))
            assert parsed.version == version
            assert len(parsed.entries) == len(feed.papers), path
    assert sum(len(feed.papers) for feed in feeds.values()) > 20


def test_json_feeds_follow_the_json_feed_rules(feeds_built: Path) -> None:
    for name in _names(feeds_built):
        path = f"feeds/{name}.json"
        doc = json.loads((feeds_built / path).read_text(encoding="utf-8"))
        assert json_feed_problems(doc, BASE_URL + path) == [], path


def test_the_rule_checkers_catch_broken_feeds() -> None:
    """Guards the tests above: each checker must report a feed that breaks its rules."""
    broken_json = {
        "version": "https://jsonfeed.org/version/1",
        "items": [{"id": 1, "url": "/relative", "date_published": "2025-03-13"}, {"id": "1"}],
    }
    problems = json_feed_problems(broken_json, BASE_URL + "x.json")
    assert len(problems) >= 6
    rss = b"""<rss version="2.0"><channel><title>t</title><link>/x</link>
    <description>d</description><item><title>a</title><link>/a</link><guid>g</guid>
    <pubDate>13 Mar 2025</pubDate></item>
    <item><title>b</title><link>http://x/b</link><guid>g</guid></item></channel></rss>"""
    assert len(rss_problems(rss, BASE_URL + "x.xml")) >= 5
    atom = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
    <entry><id>a</id><title>a</title><updated>2025-03-13</updated></entry></feed>"""
    assert len(atom_problems(atom, BASE_URL + "x.xml")) >= 5


def test_items_carry_the_abstract_authors_topics_links_and_dates(feeds_built: Path) -> None:
    atom = feedparser.parse((feeds_built / "feeds/trending.atom.xml").read_bytes())
    entry = next(e for e in atom.entries if e.title.startswith("Risk Under Pressure"))
    assert entry.id == paper_guid("2606.11409")
    assert [a.name for a in entry.authors] == [
        "Malikeh Ehghaghi",
        "Boglárka Ecsedi",
        "Marsha Chechik",
        "Colin Raffel",
    ]
    assert entry.link == BASE_URL + "papers/2606.11409/"
    related = {link.title: link.href for link in entry.links if link.rel == "related"}
    assert related == {
        "arXiv": "https://arxiv.org/abs/2606.11409",
        "PDF": "https://arxiv.org/pdf/2606.11409",
        "Code": "https://github.com/r-three/risk-under-pressure",
    }
    html = entry.content[0].value
    assert entry.content[0].type == "text/html"
    assert html.startswith("<p>Adversarial robustness evaluations")
    assert '<a href="https://github.com/r-three/risk-under-pressure">Code</a>' in html
    assert entry.tags and all(tag.label for tag in entry.tags)
    assert entry.published == "2026-06-12T00:00:00+00:00"

    rss = ET.fromstring((feeds_built / "feeds/trending.rss.xml").read_bytes())
    item = next(i for i in rss.iter("item") if i.findtext("title", "").startswith("Risk"))
    assert [c.text for c in item.findall(f"{DC}creator")][1] == "Boglárka Ecsedi"
    assert item.findtext("pubDate") == "Fri, 12 Jun 2026 00:00:00 +0000"
    assert "arxiv.org/pdf/2606.11409" in item.findtext("description", "")
    assert item.findall("category")

    doc = json.loads((feeds_built / "feeds/trending.json").read_text(encoding="utf-8"))
    item_json = next(i for i in doc["items"] if i["id"] == paper_guid("2606.11409"))
    assert item_json["external_url"] == "https://arxiv.org/abs/2606.11409"
    assert item_json["authors"][1] == {"name": "Boglárka Ecsedi"}
    assert item_json["date_published"] == "2026-06-12T00:00:00+00:00"
    assert item_json["content_html"].strip() == html.strip()


def test_each_feed_holds_its_own_papers_in_its_order(feeds_built: Path) -> None:
    def ids(name: str) -> list[str]:
        doc = json.loads((feeds_built / f"feeds/{name}.json").read_text(encoding="utf-8"))
        return [item["url"].removeprefix(BASE_URL + "papers/").strip("/") for item in doc["items"]]

    assert ids("trending") == [
        "2606.06113",
        "2606.11409",
        "2606.12730",
        "2606.07867",
        "2606.13174",
        "2606.12488",
        "2606.00467",
    ]
    assert ids("latest") == [
        "2606.06113",
        "2606.11409",
        "2606.12730",
        "2606.12488",
        "2606.13174",
        "2606.07867",
        "2606.00467",
    ]
    catalog = load_catalog(load_config(feeds_built.parent))
    for topic in catalog.topics:
        in_feed = ids(f"topics/{topic.rule.slug}")
        assert sorted(in_feed) == sorted(topic.paper_ids)


def test_ids_stay_when_the_site_moves(papers_site: Path) -> None:
    """A rebuild at another address must not make a reader show any paper twice."""
    site = papers_site / "_site"
    assert main(["build", "--site", str(papers_site), "--quiet"]) == 0
    first = feedparser.parse((site / "feeds/latest.atom.xml").read_bytes())
    moved = "https://papers.example.org/"
    assert main(["build", "--site", str(papers_site), "--quiet", "--base-url", moved]) == 0
    second = feedparser.parse((site / "feeds/latest.atom.xml").read_bytes())
    assert [e.id for e in first.entries] == [e.id for e in second.entries]
    assert next(e.link for e in second.entries).startswith(moved)
    assert [link.href for link in second.feed.links if link.rel == "self"] == [
        moved + "feeds/latest.atom.xml"
    ]


def test_pages_announce_the_trending_feeds_and_a_topic_page_its_own(feeds_built: Path) -> None:
    def announced(path: str) -> list[tuple[str | None, str | None]]:
        tags = parse_html((feeds_built / path).read_text()).tags
        return [
            (t[1].get("type"), t[1].get("href"))
            for t in tags
            if t[0] == "link" and t[1].get("rel") == "alternate"
        ]

    assert announced("index.html") == [
        ("application/rss+xml", "feeds/trending.rss.xml"),
        ("application/atom+xml", "feeds/trending.atom.xml"),
        ("application/feed+json", "feeds/trending.json"),
    ]
    on_topic = announced(f"topics/{TOPIC}/index.html")
    assert on_topic[3:] == [
        ("application/rss+xml", f"../../feeds/topics/{TOPIC}.rss.xml"),
        ("application/atom+xml", f"../../feeds/topics/{TOPIC}.atom.xml"),
        ("application/feed+json", f"../../feeds/topics/{TOPIC}.json"),
    ]
    assert broken_links(feeds_built, BASE_URL) == []


def test_the_feeds_page_lists_every_feed_with_copyable_urls(feeds_built: Path) -> None:
    page = parse_html((feeds_built / "feeds/index.html").read_text())
    for name in _names(feeds_built):
        for suffix in (".rss.xml", ".atom.xml", ".json"):
            assert BASE_URL + f"feeds/{name}{suffix}" in page.text  # the whole URL, to copy
            assert f"{name.removeprefix('feeds/')}{suffix}" in page.links
    assert "feeds.opml" in page.links
    nav = parse_html((feeds_built / "index.html").read_text()).links
    assert "subscribe/index.html" in nav


def test_the_opml_file_lists_every_feed(feeds_built: Path) -> None:
    root = ET.fromstring((feeds_built / "feeds/feeds.opml").read_bytes())
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.findtext("head/title") == "Daily Papers: all feeds"
    outlines = root.findall("body/outline")
    urls = [o.get("xmlUrl") for o in outlines]
    assert urls == [BASE_URL + f"feeds/{name}.atom.xml" for name in _names(feeds_built)]
    for outline in outlines:
        assert outline.get("type") == "rss" and outline.get("text")
        assert is_absolute(outline.get("htmlUrl"))


def test_the_subscribe_page_shows_the_signup_link_and_the_feeds(papers_site: Path) -> None:
    site = papers_site / "_site"
    assert main(["build", "--site", str(papers_site), "--quiet"]) == 0
    text = parse_html((site / "subscribe/index.html").read_text()).text
    assert "sends no email digest yet" in text
    assert BASE_URL + "feeds/trending.rss.xml" in text
    config = papers_site / "site.yaml"
    config.write_text(
        config.read_text().replace(
            "  # signup_url: https://example.org/daily-papers-signup",
            "  signup_url: https://lists.example.org/join",
        )
    )
    assert main(["build", "--site", str(papers_site), "--quiet"]) == 0
    page = parse_html((site / "subscribe/index.html").read_text())
    assert "https://lists.example.org/join" in page.links
    assert "Sign up for the email digest" in page.text


def test_hostile_text_stays_inert_in_every_format(
    papers_site: Path,
) -> None:
    hostile = papers_site / "content/papers/2026/hostile.md"
    hostile.write_text(
        '---\nid: hostile\ntitle: "<script>alert(1)</script> & co"\nfeatured: 2026-06-12\n'
        "upvotes: 99\n---\n<script>alert(2)</script> [x](javascript:alert(3))\n",
        encoding="utf-8",
    )
    assert main(["build", "--site", str(papers_site), "--quiet"]) == 0
    site = papers_site / "_site"
    doc = json.loads((site / "feeds/trending.json").read_text(encoding="utf-8"))
    assert doc["items"][0]["title"] == "<script>alert(1)</script> & co"
    assert "<script" not in doc["items"][0]["content_html"]
    assert 'href="javascript:' not in doc["items"][0]["content_html"]
    for kind in ("rss.xml", "atom.xml"):
        entry = feedparser.parse((site / f"feeds/trending.{kind}").read_bytes()).entries[0]
        assert "<script" not in entry.get("content", [{"value": entry.summary}])[0]["value"]


def _reader_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"))
    env.update(XDG_DATA_HOME=str(home / ".local/share"))
    return env


def _newsboat(home: Path, *args: str) -> str:
    home.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [
            newsboat(),
            "-u",
            str(home / "urls"),
            "-c",
            str(home / "cache.db"),
            "-C",
            str(home / "config"),
            *args,
        ],
        capture_output=True,
        text=True,
        env=_reader_env(home),
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _shown(home: Path) -> dict[str, list[str]]:
    """What newsboat keeps per feed: the titles of its articles, from its cache."""
    with sqlite3.connect(home / "cache.db") as db:
        rows = db.execute("SELECT feedurl, title FROM rss_item ORDER BY id").fetchall()
    shown: dict[str, list[str]] = {}
    for url, title in rows:
        shown.setdefault(url, []).append(title)
    return shown


def test_a_real_feed_reader_subscribes_over_http(papers_site: Path, tmp_path: Path) -> None:
    www = tmp_path / "www"
    with serve(www) as root:
        assert (
            main(
                [
                    "build",
                    "--site",
                    str(papers_site),
                    "--quiet",
                    "--base-url",
                    root,
                    "--output",
                    str(www),
                ]
            )
            == 0
        )
        catalog = load_catalog(load_config(papers_site, base_url=root))
        feeds = site_feeds(catalog)
        # One feed at a time, in RSS and in Atom: the reader shows every item.
        for feed in feeds[:2]:
            for kind in ("rss", "atom"):
                home = tmp_path / f"reader-{feed.name}-{kind}"
                home.mkdir()
                (home / "urls").write_text(root + feed.path(kind) + "\n")
                out = _newsboat(home, "-x", "reload", "print-unread")
                assert out.strip() == f"{len(feed.papers)} unread articles"
                assert sorted(_shown(home)[root + feed.path(kind)]) == sorted(
                    item.paper.title for item in feed.papers
                )
        # Every feed at once, from the OPML file: each paper shows once, however many feeds
        # carry it, because its id is the same in all of them.
        home = tmp_path / "reader-opml"
        home.mkdir()
        (home / "urls").write_text("")
        _newsboat(home, "-i", str(www / "feeds/feeds.opml"))
        subscribed = (home / "urls").read_text().split()
        assert subscribed == [root + feed.path("atom") for feed in feeds]
        out = _newsboat(home, "-x", "reload", "print-unread")
        papers = {item.paper.id for feed in feeds for item in feed.papers}
        assert out.strip() == f"{len(papers)} unread articles"
        assert sum(len(titles) for titles in _shown(home).values()) == len(papers) == 7
