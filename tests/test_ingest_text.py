"""The text-dump ingester on the seed page and on broken pages."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from site_builder.cli import main
from site_builder.errors import IngestError
from site_builder.ingest.text import extract_links, parse_text_dump
from site_builder.load import paper_files

from .conftest import FIXTURES, SEED, tree

HEADER_LINES = {
    "new",
    "Get trending papers in your email inbox!",
    "Subscribe",
    "byAK and the research community",
    "Mar 13",
}


def _seed_records() -> list:
    return parse_text_dump(SEED.read_text(encoding="utf-8"), path=SEED, day=date(2025, 3, 13))


def test_seed_gives_84_papers_with_the_right_titles_in_order() -> None:
    records = _seed_records()
    expected = (FIXTURES / "daily-papers-mar13.titles").read_text(encoding="utf-8").splitlines()
    assert len(records) == 84
    assert [r.title for r in records] == expected
    assert [r.rank for r in records] == list(range(1, 85))
    assert not HEADER_LINES & {r.title for r in records}
    assert all(r.featured == date(2025, 3, 13) and r.source == "text" for r in records)
    assert len({r.id for r in records}) == 84


def test_seed_keeps_latex_and_money_as_written() -> None:
    by_title = {r.title: r for r in _seed_records()}
    antidote = by_title[
        "Antidote: Post-fine-tuning Safety Alignment for Large Language Models "
        "against Harmful Fine-tuning"
    ]
    assert r"\textit{agnostic to the training hyper-parameters in the fine-tuning stage}" in (
        antidote.abstract
    )
    assert any("$200 per model" in r.abstract for r in by_title.values())


@pytest.mark.parametrize(
    ("title_start", "kind", "url"),
    [
        (
            "Evaluating LLMs at Detecting Errors",
            "code",
            "https://github.com/psunlpgroup/ReaLMistake",
        ),
        (
            "Can LLMs Learn from Previous Mistakes",
            "code",
            "https://github.com/YookiTong/Learn-from-Mistakes-CotErrorSet",
        ),
        ("R-Tuning", "code", "https://github.com/shizhediao/R-Tuning"),
        ("Antidote", "project", "https://huangtiansheng.github.io/Antidote_gh_page/"),
        ("Pervasive Label Errors", "code", "https://github.com/cleanlab/label-errors"),
        ("Pervasive Label Errors", "project", "https://labelerrors.com"),
        ("Crafting Distribution Shifts", "code", "https://github.com/NikosEfth/crafting-shifts"),
    ],
)
def test_seed_links_come_from_the_abstracts(title_start: str, kind: str, url: str) -> None:
    record = next(r for r in _seed_records() if r.title.startswith(title_start))
    assert record.links[kind] == url


def test_seed_code_links_are_clean() -> None:
    codes = [r.links["code"] for r in _seed_records() if "code" in r.links]
    assert len(codes) == 14
    assert all(url.startswith("https://github.com/") for url in codes)
    assert not [url for url in codes if url[-1] in ".,;:)}]"]
    assert "https://github.com/lunyiliu/CoachLM" in codes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (r"at \url{https://github.com/a/b}.", {"code": "https://github.com/a/b"}),
        ("(see https://github.com/a/b).", {"code": "https://github.com/a/b"}),
        (
            "https://en.wikipedia.org/wiki/Set_(mathematics).",
            {"project": "https://en.wikipedia.org/wiki/Set_(mathematics)"},
        ),
        (
            "https://www.github.com/x/y, and https://x.org/p",
            {"code": "https://www.github.com/x/y", "project": "https://x.org/p"},
        ),
        ("no links here", {}),
    ],
)
def test_extract_links(text: str, expected: dict[str, str]) -> None:
    assert extract_links(text) == expected


def test_ingest_into_content_and_a_second_run_is_a_no_op(seeded_site: Path, capsys) -> None:
    papers = seeded_site / "content" / "papers"
    files = paper_files(papers)
    assert len(files) == 84
    assert all(p.parent.name == "2025" for p in files)
    before = tree(papers)
    mtimes = {p: p.stat().st_mtime_ns for p in files}
    capsys.readouterr()
    assert (
        main(
            [
                "ingest",
                "text",
                "--site",
                str(seeded_site),
                "--file",
                str(SEED),
                "--date",
                "2025-03-13",
            ]
        )
        == 0
    )
    assert "0 added, 0 updated, 84 unchanged" in capsys.readouterr().out
    assert tree(papers) == before
    assert {p: p.stat().st_mtime_ns for p in files} == mtimes


def _page(body: str, header: str = "Subscribe\n\nMar 13\n\n") -> str:
    return header + body


@pytest.mark.parametrize(
    ("text", "day", "line", "message"),
    [
        (
            _page("A title\n\nAn abstract.\n\nA lonely title\n"),
            date(2025, 3, 13),
            9,
            "has no abstract",
        ),
        (
            _page("A title\n\n" + "word " * 60 + "\n\n" + "word " * 60 + "\n"),
            date(2025, 3, 13),
            9,
            "expected a title",
        ),
        (_page("A title\n\nAn abstract.\n"), date(2025, 3, 14), 3, "--date says 2025-03-14"),
        (_page("A title\n\nAn abstract.\n"), None, 3, "pass --date"),
        (_page(""), date(2025, 3, 13), 3, "no papers found"),
        (
            _page("Same title\n\nOne.\n\nSame Title!\n\nTwo.\n"),
            date(2025, 3, 13),
            9,
            "listed twice (first on line 5)",
        ),
    ],
)
def test_broken_pages_name_the_line(text: str, day: date | None, line: int, message: str) -> None:
    with pytest.raises(IngestError) as caught:
        parse_text_dump(text, path=Path("page.txt"), day=day)
    assert caught.value.line == line
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"page.txt:{line}: ")


def test_a_page_with_a_full_date_needs_no_date_option() -> None:
    records = parse_text_dump("March 14, 2025\n\nTitle\n\nAbstract\n", path=Path("p"))
    assert records[0].featured == date(2025, 3, 14)


def test_wrapped_abstracts_are_joined() -> None:
    records = parse_text_dump("2025-03-13\n\nTitle\n\nFirst line\nsecond line.\n", path=Path("p"))
    assert records[0].abstract == "First line second line."


def test_ingest_errors_leave_content_untouched(seeded_site: Path, tmp_path: Path, capsys) -> None:
    broken = tmp_path / "broken.txt"
    broken.write_text(_page("Only a title\n"), encoding="utf-8")
    before = tree(seeded_site / "content")
    code = main(
        [
            "ingest",
            "text",
            "--site",
            str(seeded_site),
            "--file",
            str(broken),
            "--date",
            "2025-03-13",
        ]
    )
    assert code == 1
    assert f"{broken}:5: abstract: the title 'Only a title' has no abstract" in (
        capsys.readouterr().err
    )
    assert tree(seeded_site / "content") == before
