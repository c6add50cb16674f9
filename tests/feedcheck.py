"""The rules of RSS 2.0, Atom 1.0 and JSON Feed 1.1 that our feeds must keep, checked on the
parsed documents. Each function returns the problems it found, so a test shows them all."""

from __future__ import annotations

from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

ATOM = "{http://www.w3.org/2005/Atom}"
DC = "{http://purl.org/dc/elements/1.1/}"
JSON_FEED_KEYS = {
    "version",
    "title",
    "home_page_url",
    "feed_url",
    "description",
    "user_comment",
    "next_url",
    "icon",
    "favicon",
    "authors",
    "language",
    "expired",
    "hubs",
    "items",
}
JSON_ITEM_KEYS = {
    "id",
    "url",
    "external_url",
    "title",
    "content_html",
    "content_text",
    "summary",
    "image",
    "banner_image",
    "date_published",
    "date_modified",
    "authors",
    "tags",
    "language",
    "attachments",
}


def is_absolute(url: object) -> bool:
    parts = urlsplit(str(url))
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


def _rfc3339(value: object) -> bool:
    try:
        return datetime.fromisoformat(str(value)).tzinfo is not None and "T" in str(value)
    except ValueError:
        return False


def _rfc822(value: str | None) -> bool:
    try:
        return value is not None and parsedate_to_datetime(value).tzinfo is not None
    except (TypeError, ValueError):
        return False


def rss_problems(data: bytes, self_url: str) -> list[str]:
    """RSS 2.0: channel title, link, description; items with a title or description, unique
    guids, dates in RFC 822 with a zone, absolute links; an atom:link rel=self."""
    problems = []
    root = ET.fromstring(data)
    if root.tag != "rss" or root.get("version") != "2.0":
        problems.append(f"root is {root.tag} version {root.get('version')}")
    channel = root.find("channel")
    assert channel is not None
    for name in ("title", "link", "description"):
        if not (channel.findtext(name) or "").strip():
            problems.append(f"channel has no {name}")
    if not is_absolute(channel.findtext("link")):
        problems.append("channel link is not absolute")
    selves = [e.get("href") for e in channel.findall(f"{ATOM}link") if e.get("rel") == "self"]
    if selves != [self_url]:
        problems.append(f"self links {selves} != [{self_url}]")
    guids = []
    for index, item in enumerate(channel.findall("item")):
        if not (item.findtext("title") or item.findtext("description")):
            problems.append(f"item {index} has neither title nor description")
        if not is_absolute(item.findtext("link")):
            problems.append(f"item {index} link is not absolute")
        if not _rfc822(item.findtext("pubDate")):
            problems.append(f"item {index} pubDate {item.findtext('pubDate')!r} lacks a zone")
        guids.append(item.findtext("guid"))
    if None in guids or len(set(guids)) != len(guids):
        problems.append("guids are missing or repeated")
    return problems


def atom_problems(data: bytes, self_url: str) -> list[str]:
    """Atom 1.0 (RFC 4287): feed id, title, updated, author; entries with unique ids, titles,
    updated dates with zones, an alternate link; absolute links; a rel=self link."""
    problems = []
    root = ET.fromstring(data)
    if root.tag != f"{ATOM}feed":
        problems.append(f"root is {root.tag}")
    for name in ("id", "title", "updated"):
        if not (root.findtext(f"{ATOM}{name}") or "").strip():
            problems.append(f"feed has no {name}")
    if not _rfc3339(root.findtext(f"{ATOM}updated")):
        problems.append("feed updated is not RFC 3339 with a zone")
    if root.find(f"{ATOM}author/{ATOM}name") is None:
        problems.append("feed has no author (every entry would need one)")
    selves = [e.get("href") for e in root.findall(f"{ATOM}link") if e.get("rel") == "self"]
    if selves != [self_url]:
        problems.append(f"self links {selves} != [{self_url}]")
    ids = []
    for index, entry in enumerate(root.findall(f"{ATOM}entry")):
        ids.append(entry.findtext(f"{ATOM}id"))
        if not entry.findtext(f"{ATOM}title"):
            problems.append(f"entry {index} has no title")
        if not _rfc3339(entry.findtext(f"{ATOM}updated")):
            problems.append(f"entry {index} updated is not RFC 3339 with a zone")
        links = entry.findall(f"{ATOM}link")
        alternates = [e for e in links if e.get("rel", "alternate") == "alternate"]
        if len(alternates) != 1:  # one per type and language; we publish one of each
            problems.append(f"entry {index} has {len(alternates)} alternate links, not 1")
        problems += [
            f"entry {index} link {e.get('href')} is not absolute"
            for e in links
            if not is_absolute(e.get("href"))
        ]
    if None in ids or len(set(ids)) != len(ids):
        problems.append("entry ids are missing or repeated")
    return problems


def json_feed_problems(doc: Any, self_url: str) -> list[str]:
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1): version, title and items required;
    URLs absolute; each item a unique string id and content_html or content_text; dates RFC 3339;
    authors objects with a name, url or avatar; extension keys start with an underscore."""
    if not isinstance(doc, dict):
        return ["the document is not an object"]
    problems = []
    if doc.get("version") != "https://jsonfeed.org/version/1.1":
        problems.append(f"version is {doc.get('version')!r}")
    if not isinstance(doc.get("title"), str) or not doc["title"]:
        problems.append("title is missing")
    if doc.get("feed_url") != self_url:
        problems.append(f"feed_url {doc.get('feed_url')!r} != {self_url!r}")
    for key in ("home_page_url", "feed_url"):
        if key in doc and not is_absolute(doc[key]):
            problems.append(f"{key} is not absolute")
    problems += [f"unknown key {k!r}" for k in doc if k not in JSON_FEED_KEYS and k[0] != "_"]
    problems += _authors_problems(doc.get("authors", []), "feed")
    items = doc.get("items")
    if not isinstance(items, list):
        return [*problems, "items is not a list"]
    ids = []
    for index, item in enumerate(items):
        where = f"item {index}"
        if not isinstance(item, dict):
            problems.append(f"{where} is not an object")
            continue
        ids.append(item.get("id"))
        if not isinstance(item.get("id"), str) or not item["id"]:
            problems.append(f"{where} id must be a non-empty string")
        if not isinstance(item.get("content_html", item.get("content_text")), str):
            problems.append(f"{where} has neither content_html nor content_text")
        for key in ("url", "external_url"):
            if key in item and not is_absolute(item[key]):
                problems.append(f"{where} {key} is not absolute")
        for key in ("date_published", "date_modified"):
            if key in item and not _rfc3339(item[key]):
                problems.append(f"{where} {key} {item[key]!r} is not RFC 3339 with a zone")
        tags = item.get("tags", [])
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            problems.append(f"{where} tags must be strings")
        problems += _authors_problems(item.get("authors", []), where)
        problems += [
            f"{where} unknown key {k!r}" for k in item if k not in JSON_ITEM_KEYS and k[0] != "_"
        ]
    if len(set(map(str, ids))) != len(ids):
        problems.append("item ids repeat")
    return problems


def _authors_problems(authors: object, where: str) -> list[str]:
    if not isinstance(authors, list):
        return [f"{where} authors is not a list"]
    return [
        f"{where} author {a!r} needs a name, url or avatar"
        for a in authors
        if not isinstance(a, dict) or not ({"name", "url", "avatar"} & set(a))
    ]
