"""Loading paper files: malformed input gets an error naming the file, line and field, and a
failed build leaves the previous _site/ exactly as it was."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from site_builder.cache import CacheCorrupt
from site_builder.cli import main
from site_builder.errors import ContentError
from site_builder.load import load_paper, load_papers

from .conftest import tree

GOOD = """\
---
id: "2403.01234"
title: A good paper
authors: [Ada Lovelace, Alan Turing]
published: 2024-03-02
featured: 2025-03-13
topics: [reasoning]
links:
  arxiv: https://arxiv.org/abs/2403.01234
  code: https://github.com/a/b
upvotes: 12
rank: 2
source: hf
---
The *abstract*.

## Notes

Curator's note.
"""

TOPICS = {"reasoning", "other"}


def test_a_good_file_loads_into_a_paper(tmp_path: Path) -> None:
    path = tmp_path / "good.md"
    path.write_text(GOOD)
    paper = load_paper(path, topics=TOPICS)
    assert paper.id == "2403.01234"
    assert paper.authors == ("Ada Lovelace", "Alan Turing")
    assert paper.published == date(2024, 3, 2)
    assert paper.day == date(2025, 3, 13)
    assert paper.topics == ("reasoning",)
    assert paper.link("code") == "https://github.com/a/b"
    assert [link.kind for link in paper.links] == ["arxiv", "code"]
    assert (paper.upvotes, paper.rank, paper.source) == (12, 2, "hf")
    assert paper.abstract == "The *abstract*."
    assert paper.notes == "Curator's note."


# (what is wrong, how the file is changed, line, field, words of the message)
SOURCE_FIELDS = """\
affiliations:
  Ada Lovelace: [University of London]
updated: 2024-07-16
version: 2
categories: [cs.CL, cs.AI]
keywords: [error detection]
github_stars: 87
doi: 10.18653/v1/2024.colm-1.7
journal_ref: COLM 2024
comment: 46 pages
withdrawn: false
aliases: [a-good-paper-123abc]
"""


def test_source_fields_load(tmp_path: Path) -> None:
    path = tmp_path / "paper.md"
    path.write_text(GOOD.replace("source: hf\n", "source: hf\n" + SOURCE_FIELDS))
    paper = load_paper(path, topics=TOPICS)
    assert paper.affiliations == {"Ada Lovelace": ("University of London",)}
    assert (paper.updated, paper.version) == (date(2024, 7, 16), 2)
    assert paper.categories == ("cs.CL", "cs.AI") and paper.keywords == ("error detection",)
    assert (paper.github_stars, paper.doi) == (87, "10.18653/v1/2024.colm-1.7")
    assert (paper.journal_ref, paper.comment, paper.withdrawn) == ("COLM 2024", "46 pages", False)
    assert paper.aliases == ("a-good-paper-123abc",)


@pytest.mark.parametrize(
    ("line", "field", "words"),
    [
        ("version: 0", "version", "at least 1"),
        ("github_stars: many", "github_stars", "whole number"),
        ("categories: cs.CL", None, None),
        ("affiliations: [MIT]", "affiliations", "must map author names"),
        ("withdrawn: yes please", "withdrawn", "true or false"),
        ("doi: 10.5", "doi", "must be text"),
    ],
)
def test_bad_source_fields_are_named(
    tmp_path: Path, line: str, field: str | None, words: str | None
) -> None:
    path = tmp_path / "paper.md"
    path.write_text(GOOD.replace("source: hf\n", f"source: hf\n{line}\n"))
    if field is None:  # a single text is read as a one-item list
        assert load_paper(path, topics=TOPICS).categories == ("cs.CL",)
        return
    with pytest.raises(ContentError) as caught:
        load_paper(path, topics=TOPICS)
    assert caught.value.field == field and words in str(caught.value)


BROKEN = [
    ("bad YAML", lambda t: t.replace("rank: 2", "rank: [2"), 13, None, "invalid YAML"),
    ("missing title", lambda t: t.replace("title: A good paper\n", ""), 1, "title", "is required"),
    (
        "empty title",
        lambda t: t.replace("title: A good paper", 'title: ""'),
        3,
        "title",
        "must not be empty",
    ),
    (
        "unknown pinned topic",
        lambda t: t.replace("[reasoning]", "[reasoning, knitting]"),
        7,
        "topics.1",
        "unknown topic 'knitting'",
    ),
    ("id read as a number", lambda t: t.replace('"2403.01234"', "2403.01234"), 2, "id", "quote it"),
    (
        "javascript link",
        lambda t: t.replace("https://github.com/a/b", "javascript:alert(1)"),
        10,
        "links.code",
        "absolute http(s) URL",
    ),
    (
        "unknown link kind",
        lambda t: t.replace("  code:", "  video:"),
        10,
        "links.video",
        "unknown link kind",
    ),
    ("bad date", lambda t: t.replace("2024-03-02", "March 2nd"), 5, "published", "must be a date"),
    (
        "no date",
        lambda t: t.replace("published: 2024-03-02\nfeatured: 2025-03-13\n", ""),
        1,
        "published",
        "needs a published or a featured date",
    ),
    (
        "negative upvotes",
        lambda t: t.replace("upvotes: 12", "upvotes: -1"),
        11,
        "upvotes",
        "at least 0",
    ),
    (
        "duplicate key",
        lambda t: t.replace("rank: 2", "rank: 2\nrank: 3"),
        13,
        "rank",
        "duplicate key (first given on line 12)",
    ),
    ("no front matter", lambda t: t.removeprefix("---\n"), 1, None, "must start with a '---'"),
    ("unclosed front matter", lambda t: t.replace("---\nThe", "The"), 1, None, "never closed"),
]


@pytest.mark.parametrize(
    ("change", "line", "field", "words"),
    [case[1:] for case in BROKEN],
    ids=[case[0] for case in BROKEN],
)
def test_malformed_files_name_file_line_and_field(
    tmp_path: Path, change: Callable[[str], str], line: int, field: str | None, words: str
) -> None:
    path = tmp_path / "paper.md"
    path.write_text(change(GOOD))
    with pytest.raises(ContentError) as caught:
        load_paper(path, topics=TOPICS)
    error = caught.value
    assert (error.path, error.line, error.field) == (path, line, field)
    assert words in str(error)
    assert str(error).startswith(f"{path}:{line}: {field + ': ' if field else ''}")


def test_duplicate_ids_name_both_files(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(GOOD)
    (tmp_path / "b.md").write_text(GOOD.replace("A good paper", "Another"))
    with pytest.raises(ContentError) as caught:
        load_papers(tmp_path, topics=TOPICS)
    assert str(caught.value) == (
        f"{tmp_path / 'b.md'}:2: id: duplicate id '2403.01234': same id in {tmp_path / 'a.md'}"
    )


def test_every_broken_file_is_reported_at_once(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(GOOD.replace("title: A good paper\n", ""))
    (tmp_path / "b.md").write_text(GOOD.replace("2403.01234", "2403.99999"))
    (tmp_path / "c.md").write_text(GOOD.replace("2403.01234", "x").replace("rank: 2", "rank: 0"))
    with pytest.raises(ContentError) as caught:
        load_papers(tmp_path, topics=TOPICS)
    message = str(caught.value)
    assert message.startswith("2 problems:\n")
    assert f"{tmp_path / 'a.md'}:1: title: is required" in message
    assert f"{tmp_path / 'c.md'}:12: rank: must be a whole number of at least 1" in message


MALFORMED_FOR_BUILD = {
    "bad YAML": ("title: [unclosed", "invalid YAML in front matter"),
    "missing title": ("title:", "title: is required"),
    "duplicate id": ("id: duplicate", "duplicate id"),
    "unknown pinned topic": ("topics: [knitting]", "unknown topic 'knitting'"),
}


@pytest.mark.parametrize("case", MALFORMED_FOR_BUILD)
def test_a_failed_build_leaves_the_previous_site_as_it_was(
    seeded_site: Path, case: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["build", "--site", str(seeded_site), "--quiet"]) == 0
    before = tree(seeded_site / "_site")
    line, words = MALFORMED_FOR_BUILD[case]
    papers = seeded_site / "content" / "papers" / "2025"
    victim = sorted(papers.glob("*.md"))[0]
    if case == "duplicate id":
        other = sorted(papers.glob("*.md"))[1]
        for path in (victim, other):
            text = path.read_text()
            path.write_text(text.replace(text.split("\n")[1], line, 1))
    else:
        text = victim.read_text()
        key = line.split(":")[0]
        old = (
            next(row for row in text.split("\n") if row.startswith(key + ":"))
            if (key + ":" in text)
            else None
        )
        text = text.replace(old, line, 1) if old else text.replace("---\n", f"---\n{line}\n", 1)
        victim.write_text(text)
    capsys.readouterr()
    assert main(["build", "--site", str(seeded_site)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and words in err
    assert str(papers) in err
    assert tree(seeded_site / "_site") == before
    # No staging or pending folder is left behind; the build cache (.cache/) may be.
    left = sorted(p.name for p in seeded_site.iterdir() if p.name != ".cache")
    assert left == ["_site", "content", "site.yaml"]


def test_every_paper_field_survives_the_cache(tmp_path: Path) -> None:
    from site_builder.load import paper_from_row, paper_to_row  # noqa: PLC0415

    path = tmp_path / "rich.md"
    path.write_text(
        GOOD.replace(
            "rank: 2\n",
            """rank: 2
affiliations:
  Ada Lovelace: [Analytical Engines Ltd]
updated: 2024-05-01
version: 3
categories: [cs.CL, cs.LG]
keywords: [errors]
github_stars: 42
doi: 10.1000/xyz
journal_ref: COLM 2024
comment: 12 pages
withdrawn: true
aliases: [old-id-abc123]
hidden: true
""",
        )
    )
    paper = load_paper(path, topics=TOPICS)
    row = paper_to_row(paper, digest="d", stamp="s")
    assert paper_from_row(row, path) == paper
    values = json.loads(row.data)
    values[values.index(3)] = "3"  # the version, written as text
    damaged = dataclasses.replace(row, data=json.dumps(values))
    with pytest.raises(CacheCorrupt, match="version is '3'"):
        paper_from_row(damaged, path)
    for data in ("{not json", "[]", json.dumps({"id": "x"})):
        with pytest.raises(CacheCorrupt):
            paper_from_row(dataclasses.replace(row, data=data), path)


def test_a_parallel_load_reports_every_problem_as_a_serial_load_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files parsed by forked workers give the same papers, and the same errors (file, line,
    field, all at once, in path order), as files parsed here; with the cache or without."""
    from site_builder import workers  # noqa: PLC0415
    from site_builder.cache import BuildCache  # noqa: PLC0415

    monkeypatch.setattr(workers, "PARALLEL_MIN_ITEMS", 1)  # fork even for a few files
    for number in range(40):
        (tmp_path / f"p{number:02}.md").write_text(GOOD.replace("2403.01234", f"2403.{number:05}"))
    good = {workers_: load_papers(tmp_path, topics=TOPICS, workers=workers_) for workers_ in (1, 2)}
    assert good[1] == good[2] and len(good[1]) == 40
    (tmp_path / "p07.md").write_text(GOOD.replace("rank: 2", "rank: 0"))
    (tmp_path / "p31.md").write_text(GOOD.replace("  code:", "  video:"))
    (tmp_path / "p33.md").write_text(GOOD.replace("2403.01234", "2403.00001"))
    messages = set()
    for workers_ in (1, 2):
        for cache in (None, BuildCache.open(tmp_path / f"site{workers_}")):
            with pytest.raises(ContentError) as caught:
                load_papers(tmp_path, topics=TOPICS, cache=cache, workers=workers_)
            messages.add(str(caught.value))
    assert messages == {
        "3 problems:\n"
        f"  {tmp_path / 'p07.md'}:12: rank: must be a whole number of at least 1, not 0\n"
        f"  {tmp_path / 'p31.md'}:10: links.video: unknown link kind; use one of "
        "arxiv, pdf, code, project, huggingface, doi\n"
        f"  {tmp_path / 'p33.md'}:2: id: duplicate id '2403.00001': same id in "
        f"{tmp_path / 'p01.md'}"
    }
