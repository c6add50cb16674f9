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
        f"  {path}:6: titel: unknown setting (known settings: base_url, content_dir, "
        "description, email, feeds, language, output_dir, page_size, title, trending)",
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
