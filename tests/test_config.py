"""site.yaml and topics.yaml: defaults, and every problem reported with its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from site_builder.config import load_config
from site_builder.errors import ConfigError

from .conftest import ROOT


def test_the_bundled_config_loads() -> None:
    config = load_config(ROOT)
    assert config.title == "Daily Papers"
    assert config.base_url.endswith("/")
    assert config.feed_items == 50 and config.page_size == 30
    assert config.output_dir == ROOT / "_site"
    assert config.catch_all.slug == "other"
    assert 10 <= len(config.topics) <= 13


def test_an_empty_config_gets_defaults(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text("# nothing yet\n")
    config = load_config(tmp_path)
    assert (config.feed_items, config.page_size, config.language) == (50, 30, "en")
    assert [rule.slug for rule in config.topics] == ["other"]


def test_base_url_gains_its_trailing_slash(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text("base_url: https://u.github.io/repo\n")
    assert load_config(tmp_path).base_url == "https://u.github.io/repo/"


def test_every_problem_is_listed_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text(
        "title: Mine\nbase_url: ftp://x\npage_size: 0\nfeeds:\n  itmes: 3\ntitel: typo\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    path = tmp_path / "site.yaml"
    assert str(caught.value).splitlines() == [
        "4 problems:",
        f"  {path}:2: base_url: must be an absolute http(s) URL such as https://user.github.io/repo/",
        f"  {path}:3: page_size: must be a positive whole number",
        f"  {path}:5: feeds.itmes: unknown setting (known settings: items)",
        f"  {path}:6: titel: unknown setting (known settings: base_url, contact, content_dir, "
        "description, email, feeds, language, network, output_dir, page_size, sources, title, "
        "trending)",
    ]


def test_a_wrong_type_is_named(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text("title: [a, b]\n")
    with pytest.raises(ConfigError, match=r"site.yaml:1: title: must be a str, not list"):
        load_config(tmp_path)


@pytest.mark.parametrize(
    ("topics", "line", "words"),
    [
        ("topics:\n  - slug: Bad Slug\n    name: X\n", 2, "topics.0.slug: must be lowercase"),
        ("topics:\n  - slug: a\n  - slug: a\n", 3, "topics.1.slug: topic 'a' is defined twice"),
        (
            "topics:\n  - slug: a\n    keywords: [x]\n    catch_all: true\n",
            3,
            "a catch_all topic takes no keywords",
        ),
        ("topics:\n  - slug: a\n    keywrods: [x]\n", 3, "topics.0.keywrods: unknown setting"),
        ("topics: [\n", 2, "invalid YAML"),
    ],
)
def test_topics_file_problems(tmp_path: Path, topics: str, line: int, words: str) -> None:
    (tmp_path / "site.yaml").write_text("")
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "topics.yaml").write_text(topics)
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert caught.value.line == line
    assert words in str(caught.value)


def test_sources_contact_and_network_are_read(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text(
        "contact: curator@example.org\n"
        "network:\n  timeout: 10\n  retries: 5\n"
        "sources:\n"
        "  - type: arxiv-rss\n    categories: [cs.CL, cs.LG]\n    include_replacements: true\n"
        "  - type: arxiv\n    query: 'cat:cs.CL AND ti:instruction'\n    max_results: 50\n"
        "  - type: hf\n"
        "  - type: bibtex\n    file: refs.bib\n"
    )
    config = load_config(tmp_path)
    assert config.contact == "curator@example.org"
    assert (config.network.timeout, config.network.retries, config.network.backoff) == (10, 5, 2)
    rss, arxiv, hf, bibtex = config.sources
    assert rss.categories == ("cs.CL", "cs.LG") and rss.include_replacements and rss.line == 6
    assert arxiv.query == "cat:cs.CL AND ti:instruction" and arxiv.max_results == 50
    assert arxiv.delay is None  # the source's default: 3 seconds for arXiv
    assert hf.type == "hf" and hf.url is None
    assert bibtex.file == tmp_path.resolve() / "refs.bib"


def test_source_problems_are_listed_with_their_lines(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text(
        "contact: not-an-email\n"
        "network:\n  retries: -1\n  timout: 3\n"
        "sources:\n"
        "  - type: arxiv\n    ids: [2403.01234]\n"
        "  - type: rss\n"
        "  - type: hf\n    categories: [cs.CL]\n"
        "  - type: arxiv-rss\n    categories: [cs.CL]\n    delay: 0\n"
        "  - type: bibtex\n"
        "  - just a string\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    path = tmp_path.resolve() / "site.yaml"
    assert str(caught.value).splitlines() == [
        "9 problems:",
        f"  {path}:1: contact: must be an email address such as papers@example.org or "
        "'Papers <papers@example.org>'",
        f"  {path}:3: network.retries: must be a whole number, 0 or more",
        f"  {path}:4: network.timout: unknown setting (known settings: backoff, max_wait, "
        "retries, timeout)",
        f"  {path}:7: sources.0.ids: must be a list of texts: quote ids such as "
        '"2403.01234" (YAML reads them as numbers)',
        f"  {path}:8: sources.1.type: must be one of arxiv, arxiv-rss, hf, bibtex, json, text, "
        "not 'rss'",
        f"  {path}:10: sources.2.categories: not a setting of hf (it takes: url, file, date, "
        "delay)",
        f"  {path}:13: sources.3.delay: arXiv asks for at least 3 seconds between requests",
        f"  {path}:14: sources.4: a bibtex source needs file",
        f"  {path}:15: sources.5: each source must be a mapping with a type",
    ]
