"""site.yaml and content/topics.yaml, validated into a frozen `SiteConfig`.

Every problem in a file is collected before anything is raised, so a user fixes them in one pass.
Unknown keys are errors too: a misspelt setting must not silently fall back to its default.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .errors import ConfigError, SiteError, raise_collected
from .yamlload import YamlMapping, load_mapping

__all__ = [
    "CONFIG_FILE",
    "SOURCE_KEYS",
    "EmailConfig",
    "NetworkConfig",
    "SiteConfig",
    "SourceSettings",
    "TopicRule",
    "TrendingConfig",
    "find_site_dir",
    "load_config",
    "parse_address",
    "reference_day",
]

CONFIG_FILE = "site.yaml"
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True, slots=True, kw_only=True)
class TopicRule:
    """One topic of topics.yaml and the rule that assigns papers to it."""

    slug: str
    """URL-safe name, also what a paper's front matter pins (`topics: [slug]`)."""
    name: str
    """Human name shown on pages."""
    description: str = ""
    """One or two sentences shown on the topic's page."""
    keywords: tuple[str, ...] = ()
    """Phrases matched case-insensitively on word boundaries; a trailing `*` matches any ending."""
    min_abstract_hits: int = 2
    """Keyword occurrences an abstract needs when the title matches none."""
    catch_all: bool = False
    """The topic of papers that match no other topic; `check` reports them."""


SOURCE_KEYS: dict[str, tuple[str, ...]] = {
    "arxiv": ("url", "file", "ids", "query", "max_results", "page_size", "delay"),
    "arxiv-rss": ("url", "file", "categories", "include_replacements", "delay"),
    "hf": ("url", "file", "date", "delay"),
    "bibtex": ("file",),
    "json": ("file",),
    "text": ("file", "date"),
}
"""The settings each source type of `sources:` accepts (besides `type`)."""

ARXIV_MIN_DELAY = 3.0
"""arXiv asks for at most one request every three seconds."""
_ARXIV_HOSTS = ("arxiv.org", "export.arxiv.org", "rss.arxiv.org")


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceSettings:
    """One entry of `sources:`: what `site-builder ingest` with no source pulls."""

    type: str
    """The source's name: arxiv, arxiv-rss, hf, bibtex, json or text."""
    line: int
    """The entry's line in site.yaml, for messages."""
    url: str | None = None
    """The service's address; None means the public one (a mirror or a test server otherwise)."""
    file: Path | None = None
    """A saved payload to read instead of the network (relative to the site folder)."""
    ids: tuple[str, ...] = ()
    """arxiv: arXiv ids to fetch (with or without version, old-style ids too)."""
    query: str | None = None
    """arxiv: an API search query such as `cat:cs.CL AND ti:instruction`."""
    max_results: int = 100
    """arxiv: how many results of `query` to read at most."""
    page_size: int = 100
    """arxiv: results per API request when paging through `query`."""
    categories: tuple[str, ...] = ()
    """arxiv-rss: the listings to read, e.g. cs.CL, cs.LG."""
    include_replacements: bool = False
    """arxiv-rss: add replaced papers that are not in content/ yet (normally only updates)."""
    date: str | None = None
    """hf: the daily list of this day (YYYY-MM-DD) instead of the latest; text: the page's day."""
    delay: float | None = None
    """Seconds between two requests to the service; None means the source's default."""


@dataclass(frozen=True, slots=True, kw_only=True)
class NetworkConfig:
    """How ingest talks to the network."""

    timeout: float = 30.0
    """Seconds to wait for a connection or a response before trying again."""
    retries: int = 3
    """Further attempts after a timeout, a refused connection, a 429 or a 5xx answer."""
    backoff: float = 2.0
    """Seconds before the first retry; doubled for each further one (unless Retry-After says)."""
    max_wait: float = 120.0
    """The longest single wait, whatever a Retry-After header asks for."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TrendingConfig:
    """How the trending score weighs a paper's points against its age (`trending:`)."""

    half_life_days: float = 3.0
    """Days after which a paper's points count half; the score halves again every as many days."""


@dataclass(frozen=True, slots=True, kw_only=True)
class EmailConfig:
    """The email digest (`email:`). SMTP host and credentials come from the environment."""

    sender: str = ""
    """The From address, e.g. `Daily Papers <papers@example.org>`; `digest` needs it."""
    subject_prefix: str = ""
    """Put before every digest's subject, e.g. `[Daily Papers]`."""
    signup_url: str = ""
    """Where readers sign up for the email; shown on the subscribe page and in every digest."""
    items: int = 10
    """Papers in one digest."""
    recipients_file: Path = Path("recipients.txt")
    """One address a line (site.yaml gives it relative to the site folder)."""
    state_file: Path = Path("digest-state.json")
    """Which digests went to whom, so a re-run never sends one twice (relative in site.yaml)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SiteConfig:
    """Everything a build needs to know besides the papers."""

    root: Path
    """The site folder: the one holding site.yaml."""
    title: str
    description: str
    base_url: str
    """Absolute URL the site is served from, ending in `/`; used only for absolute links
    (canonical links, feeds, sitemap). Internal links are relative."""
    language: str = "en"
    content_dir: Path
    output_dir: Path
    page_size: int = 30
    """Papers per page on the home page and topic pages."""
    feed_items: int = 50
    """Papers in the trending feeds."""
    topics: tuple[TopicRule, ...] = field(default=())
    trending: TrendingConfig = field(default_factory=TrendingConfig)
    email: EmailConfig = field(default_factory=EmailConfig)
    now: date | None = None
    """The day trending decays against (from `--now` or SOURCE_DATE_EPOCH); None means the
    newest paper's day, so the same content always gives the same site."""
    contact: str | None = None
    """An email address sent in the User-Agent of ingest requests, as arXiv asks."""
    network: NetworkConfig = field(default_factory=NetworkConfig)
    sources: tuple[SourceSettings, ...] = ()
    """What `site-builder ingest` with no source pulls, in order."""

    @property
    def papers_dir(self) -> Path:
        return self.content_dir / "papers"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def static_dir(self) -> Path:
        return self.root / "static"

    @property
    def catch_all(self) -> TopicRule:
        return next(rule for rule in self.topics if rule.catch_all)

    def topic(self, slug: str) -> TopicRule | None:
        return next((rule for rule in self.topics if rule.slug == slug), None)


def find_site_dir(start: Path) -> Path:
    """The folder holding site.yaml: `start` itself or its nearest parent."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_FILE).is_file():
            return folder
    raise ConfigError(
        f"no {CONFIG_FILE} here or in any parent folder; "
        "run inside a site folder or pass --site DIR",
        path=start,
    )


class _Problems:
    """Collects problems of one file and raises them together."""

    def __init__(self, path: Path, doc: YamlMapping) -> None:
        self.path = path
        self.doc = doc
        self.items: list[SiteError] = []

    def add(self, key: str, message: str) -> None:
        self.items.append(
            ConfigError(message, path=self.path, line=self.doc.line(key, 1), field=key)
        )

    def raise_if_any(self) -> None:
        raise_collected(list(self.items))


def _read(path: Path, what: str) -> YamlMapping:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{what} not found", path=path) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not UTF-8 text ({exc.reason})", path=path) from None
    return load_mapping(text, path=path, error=ConfigError, what=what)


def _take(
    data: dict[str, Any],
    problems: _Problems,
    key: str,
    kind: type | tuple[type, ...],
    default: Any,
    *,
    prefix: str = "",
    check: Callable[[Any], str | None] | None = None,
) -> Any:
    """Pop `key` from `data`, checking its type and an optional `check` returning a problem."""
    if key not in data:
        return default
    value = data.pop(key)
    name = prefix + key
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        expected = " or ".join(k.__name__ for k in kinds)
        problems.add(name, f"must be {_article(expected)}, not {type(value).__name__} {value!r}")
        return default
    problem = check(value) if check else None
    if problem:
        problems.add(name, problem)
        return default
    return value


def _article(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word


def _positive(value: int) -> str | None:
    return None if value > 0 else "must be a positive whole number"


def _base_url(value: str) -> str | None:
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return "must be an absolute http(s) URL such as https://user.github.io/repo/"
    if parts.query or parts.fragment:
        return "must not have a query or fragment"
    return None


def _half_life(value: float) -> str | None:
    return None if value > 0 else "must be a positive number of days"


def parse_address(value: str) -> tuple[str, str] | None:
    """(display name, address) when `value` is exactly one email address, with or without a
    name ('Papers <papers@example.org>'); None otherwise (two addresses, no domain, ...)."""
    # Imported here: the email package costs every command several milliseconds of start-up,
    # and only a site with email settings (`site-builder digest`) needs it.
    from email.utils import getaddresses  # noqa: PLC0415

    found = getaddresses([value])
    if len(found) != 1:
        return None
    name, address = found[0]
    local, _, domain = address.partition("@")
    if not local or "." not in domain or " " in address or "@" in domain:
        return None
    return name, address


def _email_address(value: str) -> str | None:
    if parse_address(value) is None:
        return (
            "must be an email address such as papers@example.org or 'Papers <papers@example.org>'"
        )
    return None


def _web_url(value: str) -> str | None:
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return "must be an absolute http(s) URL"
    return None


def reference_day(now: str | None, environ: Mapping[str, str] = os.environ) -> date | None:
    """The "now" trending is computed against: `--now YYYY-MM-DD`, else the day of
    `SOURCE_DATE_EPOCH` (UTC), else None (the newest paper's day). Never the wall clock."""
    if now is not None:
        try:
            return date.fromisoformat(now)
        except ValueError:
            raise ConfigError(f"--now must be a date like 2025-03-13, not {now!r}") from None
    epoch = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return None
    try:
        return datetime.fromtimestamp(int(epoch), tz=UTC).date()
    except (ValueError, OverflowError, OSError):
        raise ConfigError(
            f"SOURCE_DATE_EPOCH must be whole seconds since 1970, not {epoch!r}"
        ) from None


def _trending(data: dict[str, Any], problems: _Problems) -> TrendingConfig:
    section = dict(_take(data, problems, "trending", dict, {}))
    half_life = _take(
        section,
        problems,
        "half_life_days",
        (int, float),
        3.0,
        prefix="trending.",
        check=_half_life,
    )
    _unknown(section, problems, ("half_life_days",), "trending.")
    return TrendingConfig(half_life_days=float(half_life))


def _email(data: dict[str, Any], problems: _Problems, root: Path) -> EmailConfig:
    section = dict(_take(data, problems, "email", dict, {}))

    def take(key: str, default: Any, check: Callable[[Any], str | None] | None = None) -> Any:
        kind = int if isinstance(default, int) else str
        return _take(section, problems, key, kind, default, prefix="email.", check=check)

    config = EmailConfig(
        sender=take("from", "", _email_address),
        subject_prefix=take("subject_prefix", ""),
        signup_url=take("signup_url", "", _web_url),
        items=take("items", 10, _positive),
        recipients_file=root / take("recipients_file", "recipients.txt"),
        state_file=root / take("state_file", "digest-state.json"),
    )
    known = ("from", "items", "recipients_file", "signup_url", "state_file", "subject_prefix")
    _unknown(section, problems, known, "email.")
    return config


def _unknown(
    data: dict[str, Any], problems: _Problems, known: tuple[str, ...], prefix: str
) -> None:
    allowed = ", ".join(sorted(known))
    for key in data:
        problems.add(prefix + str(key), f"unknown setting (known settings: {allowed})")


def load_config(
    site_dir: Path, *, base_url: str | None = None, now: date | None = None
) -> SiteConfig:
    """Read `site_dir/site.yaml` and the topics file; `base_url` overrides the file's, and
    `now` is the reference day for trending (see `reference_day`)."""
    root = site_dir.resolve()
    path = root / CONFIG_FILE
    doc = _read(path, CONFIG_FILE)
    data = dict(doc.data)
    problems = _Problems(path, doc)

    title = _take(data, problems, "title", str, "Research papers")
    description = _take(data, problems, "description", str, "")
    url = _take(data, problems, "base_url", str, "http://localhost:8000/", check=_base_url)
    language = _take(data, problems, "language", str, "en")
    content = _take(data, problems, "content_dir", str, "content")
    output = _take(data, problems, "output_dir", str, "_site")
    page_size = _take(data, problems, "page_size", int, 30, check=_positive)
    feeds = _take(data, problems, "feeds", dict, {})
    feeds = dict(feeds)
    feed_items = _take(feeds, problems, "items", int, 50, prefix="feeds.", check=_positive)
    _unknown(feeds, problems, ("items",), "feeds.")
    trending = _trending(data, problems)
    email = _email(data, problems, root)
    contact = _take(data, problems, "contact", str, None, check=_email_address)
    network = _network(dict(_take(data, problems, "network", dict, {})), problems)
    sources = _sources(_take(data, problems, "sources", list, []), problems, root)
    _unknown(
        data,
        problems,
        (
            "title",
            "description",
            "base_url",
            "language",
            "content_dir",
            "output_dir",
            "page_size",
            "feeds",
            "trending",
            "email",
            "contact",
            "network",
            "sources",
        ),
        "",
    )
    problems.raise_if_any()

    if base_url is not None:
        problem = _base_url(base_url)
        if problem:
            raise ConfigError(f"--base-url {problem}")
        url = base_url
    content_dir = root / content
    return SiteConfig(
        root=root,
        title=title,
        description=description,
        base_url=url if url.endswith("/") else url + "/",
        language=language,
        content_dir=content_dir,
        output_dir=root / output,
        page_size=page_size,
        feed_items=feed_items,
        topics=load_topics(content_dir / "topics.yaml"),
        trending=trending,
        email=email,
        now=now,
        contact=contact,
        network=network,
        sources=sources,
    )


def _not_negative(value: int) -> str | None:
    return None if value >= 0 else "must be a whole number, 0 or more"


def _seconds(value: float) -> str | None:
    return None if value >= 0 else "must be a number of seconds, 0 or more"


def _network(data: dict[str, Any], problems: _Problems) -> NetworkConfig:
    prefix = "network."
    timeout = _take(data, problems, "timeout", (int, float), 30.0, prefix=prefix, check=_positive)
    retries = _take(data, problems, "retries", int, 3, prefix=prefix, check=_not_negative)
    backoff = _take(data, problems, "backoff", (int, float), 2.0, prefix=prefix, check=_seconds)
    max_wait = _take(data, problems, "max_wait", (int, float), 120.0, prefix=prefix, check=_seconds)
    _unknown(data, problems, ("timeout", "retries", "backoff", "max_wait"), prefix)
    return NetworkConfig(
        timeout=float(timeout), retries=retries, backoff=float(backoff), max_wait=float(max_wait)
    )


def _sources(entries: list[Any], problems: _Problems, root: Path) -> tuple[SourceSettings, ...]:
    found: list[SourceSettings] = []
    for index, raw in enumerate(entries):
        prefix = f"sources.{index}."
        if not isinstance(raw, dict):
            problems.add(f"sources.{index}", "each source must be a mapping with a type")
            continue
        entry = dict(raw)
        kind = _take(entry, problems, "type", str, "", prefix=prefix)
        if kind not in SOURCE_KEYS:
            problems.add(prefix + "type", f"must be one of {', '.join(SOURCE_KEYS)}, not {kind!r}")
            continue
        url = _take(entry, problems, "url", str, None, prefix=prefix, check=_base_url)
        file = _take(entry, problems, "file", str, None, prefix=prefix)
        ids = _take(entry, problems, "ids", list, [], prefix=prefix, check=_texts)
        query = _take(entry, problems, "query", str, None, prefix=prefix)
        max_results = _take(
            entry, problems, "max_results", int, 100, prefix=prefix, check=_positive
        )
        page_size = _take(entry, problems, "page_size", int, 100, prefix=prefix, check=_positive)
        categories = _take(entry, problems, "categories", list, [], prefix=prefix, check=_texts)
        replacements = _take(entry, problems, "include_replacements", bool, False, prefix=prefix)
        day = _take(entry, problems, "date", str, None, prefix=prefix, check=_iso_date)
        delay = _take(entry, problems, "delay", (int, float), None, prefix=prefix, check=_seconds)
        allowed = SOURCE_KEYS[kind]
        for key in sorted(set(raw) - {"type", *allowed}):
            problems.add(
                prefix + str(key), f"not a setting of {kind} (it takes: {', '.join(allowed)})"
            )
        needs = {"bibtex": "file", "json": "file", "text": "file", "arxiv-rss": "categories"}
        if kind in needs and not raw.get(needs[kind]) and not raw.get("file"):
            problems.add(f"sources.{index}", f"a {kind} source needs {needs[kind]}")
        if kind == "arxiv" and not (raw.get("ids") or query or file):
            problems.add(f"sources.{index}", "an arxiv source needs ids or a query")
        host = urlsplit(url or "https://arxiv.org/").hostname or ""
        if (
            kind.startswith("arxiv")
            and delay is not None
            and delay < ARXIV_MIN_DELAY
            and host.endswith(_ARXIV_HOSTS)
        ):
            problems.add(
                prefix + "delay",
                f"arXiv asks for at least {ARXIV_MIN_DELAY:g} seconds between requests",
            )
        found.append(
            SourceSettings(
                type=kind,
                line=problems.doc.line(f"sources.{index}", 1) or 1,
                url=url,
                file=root / file if file else None,
                ids=tuple(ids),
                query=query,
                max_results=max_results,
                page_size=page_size,
                categories=tuple(categories),
                include_replacements=replacements,
                date=day,
                delay=float(delay) if delay is not None else None,
            )
        )
    return tuple(found)


def _texts(value: list[Any]) -> str | None:
    if all(isinstance(item, str) and item.strip() for item in value):
        return None
    if any(isinstance(item, int | float) for item in value):
        return (
            'must be a list of texts: quote ids such as "2403.01234" (YAML reads them as numbers)'
        )
    return "must be a list of non-empty texts"


def _iso_date(value: str) -> str | None:
    try:
        date.fromisoformat(value)
    except ValueError:
        return "must be a date like 2025-03-13"
    return None


def load_topics(path: Path) -> tuple[TopicRule, ...]:
    """Read topics.yaml; a catch-all topic named "Other" is added when the file has none."""
    if not path.exists():
        return (_default_catch_all(),)
    doc = _read(path, "topics.yaml")
    problems = _Problems(path, doc)
    data = dict(doc.data)
    entries = _take(data, problems, "topics", list, [])
    _unknown(data, problems, ("topics",), "")
    rules: list[TopicRule] = []
    seen: set[str] = set()
    for index, raw in enumerate(entries):
        prefix = f"topics.{index}."
        if not isinstance(raw, dict):
            problems.add(f"topics.{index}", "each topic must be a mapping with slug and name")
            continue
        entry = dict(raw)
        slug = _take(entry, problems, "slug", str, "", prefix=prefix)
        if not SLUG_RE.match(slug):
            problems.add(prefix + "slug", f"must be lowercase letters, digits and dashes: {slug!r}")
        elif slug in seen:
            problems.add(prefix + "slug", f"topic {slug!r} is defined twice")
        seen.add(slug)
        name = _take(entry, problems, "name", str, slug, prefix=prefix)
        description = _take(entry, problems, "description", str, "", prefix=prefix)
        keywords = _take(entry, problems, "keywords", list, [], prefix=prefix)
        for k_index, keyword in enumerate(keywords):
            if not isinstance(keyword, str) or not keyword.strip("* "):
                problems.add(f"{prefix}keywords.{k_index}", "must be a non-empty phrase")
        min_hits = _take(
            entry, problems, "min_abstract_hits", int, 2, prefix=prefix, check=_positive
        )
        catch_all = _take(entry, problems, "catch_all", bool, False, prefix=prefix)
        if catch_all and keywords:
            problems.add(prefix + "keywords", "a catch_all topic takes no keywords")
        _unknown(
            entry,
            problems,
            ("slug", "name", "description", "keywords", "min_abstract_hits", "catch_all"),
            prefix,
        )
        rules.append(
            TopicRule(
                slug=slug,
                name=name,
                description=description,
                keywords=tuple(str(k) for k in keywords),
                min_abstract_hits=min_hits,
                catch_all=catch_all,
            )
        )
    catch_alls = [rule for rule in rules if rule.catch_all]
    if len(catch_alls) > 1:
        problems.add("topics", "only one topic may be the catch_all")
    default_slug = _default_catch_all().slug
    if not catch_alls and default_slug in seen:
        index = next(i for i, rule in enumerate(rules) if rule.slug == default_slug)
        problems.add(
            f"topics.{index}.slug",
            f"{default_slug!r} names the catch-all topic that is added when none is marked "
            "catch_all: true; mark this topic catch_all or choose another slug",
        )
    problems.raise_if_any()
    if not catch_alls:
        rules.append(_default_catch_all())
    return tuple(rules)


def _default_catch_all() -> TopicRule:
    return TopicRule(
        slug="other",
        name="Other",
        description="Papers that match no other topic yet.",
        catch_all=True,
    )
