"""`site-builder ingest`: every source from site.yaml over real HTTP, partial failures, dry runs."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from site_builder.cli import EXIT_ERROR, EXIT_OK, EXIT_PARTIAL, main
from site_builder.ingest import SOURCES

from .conftest import tree
from .payload_server import Answer, PayloadServer, fixture


def _configure(site: Path, sources: str) -> None:
    with (site / "site.yaml").open("a", encoding="utf-8") as config:
        config.write(
            "contact: curator@example.org\n"
            "network:\n  timeout: 2\n  retries: 1\n  backoff: 0.01\n"
            f"sources:\n{sources}"
        )


def _sources(url: str) -> str:
    return (
        f"  - type: arxiv-rss\n    url: {url}/rss/\n    categories: [cs.CL, cs.LG]\n"
        f"  - type: hf\n    url: {url}/api/daily_papers\n"
        f'  - type: arxiv\n    url: {url}/api/query\n    ids: [hep-th/9901001, "1001.0001"]\n'
        "    delay: 0\n"
    )


def _serve_all(payloads: PayloadServer) -> None:
    payloads.route("/rss/cs.CL+cs.LG", fixture("arxiv-rss-listing.xml"))
    payloads.route("/api/daily_papers", fixture("hf-daily-papers.json"))
    payloads.route("/api/query", fixture("arxiv-ids-old-format.xml"))


def test_ingest_without_a_source_pulls_every_configured_one(
    site_dir: Path, payloads: PayloadServer, capsys: pytest.CaptureFixture[str]
) -> None:
    _configure(site_dir, _sources(payloads.url))
    _serve_all(payloads)
    assert main(["ingest", "--site", str(site_dir)]) == EXIT_OK
    out, err = capsys.readouterr()
    # Both replacements are of papers not in content/ yet: skipped, never added.
    assert "4 papers read from arxiv-rss: 2 added, 0 updated, 0 unchanged, 2 skipped" in out
    assert "4 papers read from hf: 4 added, 0 updated, 0 unchanged, 0 skipped" in out
    assert "2 papers read from arxiv: 2 added" in out
    assert "skipped 2009.13987: a new version of a paper not in content/ (updates only)" in err
    assert {r.path for r in payloads.requests} == {
        "/rss/cs.CL+cs.LG",
        "/api/daily_papers",
        "/api/query",
    }
    assert all("curator@example.org" in r.headers["User-Agent"] for r in payloads.requests)
    # What was stored builds.
    assert main(["check", "--site", str(site_dir)]) == EXIT_OK
    # Run again, the listing's replacement of 2403.01234 now finds the paper (hf added it) and
    # updates it to v3; nothing else changes, and a third run changes nothing at all.
    before = tree(site_dir / "content")
    assert main(["ingest", "--site", str(site_dir)]) == EXIT_OK
    after = tree(site_dir / "content")
    assert [k for k in after if after[k] != before.get(k)] == ["papers/2026/2403.01234.md"]
    assert b"version: 3\n" in after["papers/2026/2403.01234.md"]
    assert main(["ingest", "--site", str(site_dir), "--quiet"]) == EXIT_OK
    assert tree(site_dir / "content") == after


def test_an_unreachable_source_leaves_the_others_ingested(
    site_dir: Path, payloads: PayloadServer, capsys: pytest.CaptureFixture[str]
) -> None:
    _configure(site_dir, _sources(payloads.url))
    _serve_all(payloads)
    payloads.route("/api/daily_papers", Answer(b"", 503))
    payloads.route("/api/query", Answer(fixture("arxiv-ids-old-format.xml").body[:900]))
    assert main(["ingest", "--site", str(site_dir)]) == EXIT_PARTIAL
    out, err = capsys.readouterr()
    assert "read from arxiv-rss: 2 added" in out
    lines = (site_dir / "site.yaml").read_text().splitlines()
    hf_line = lines.index("  - type: hf") + 1
    assert (
        "hf: unreachable: the server answered 503 Service Unavailable (2 attempts) "
        f"(the source on line {hf_line} of site.yaml)\n"
    ) in err
    assert "arxiv: malformed XML at line" in err
    assert "only part of the sources were ingested; failed: hf, arxiv" in err
    ids = sorted(p.stem for p in (site_dir / "content" / "papers").rglob("*.md"))
    assert ids == ["2205.06398", "2609.26811"]  # the listing's; nothing from hf or arxiv


def test_every_source_failing_is_an_error(
    site_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    _configure(site_dir, f"  - type: hf\n    url: http://127.0.0.1:{port}/api/daily_papers\n")
    assert main(["ingest", "--site", str(site_dir)]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert "hf: unreachable: no answer" in err and "every source failed (hf)" in err


def test_no_configured_sources_is_a_clear_error(
    site_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", "--site", str(site_dir)]) == EXIT_ERROR
    assert "site.yaml: no sources listed" in capsys.readouterr().err


def test_dry_run_changes_nothing_and_says_what_it_would_do(
    site_dir: Path, payloads: PayloadServer, capsys: pytest.CaptureFixture[str]
) -> None:
    _configure(site_dir, _sources(payloads.url))
    _serve_all(payloads)
    before = tree(site_dir)
    assert main(["ingest", "--dry-run", "--site", str(site_dir)]) == EXIT_OK
    assert tree(site_dir) == before
    out = capsys.readouterr().out
    assert "would add content/papers/2026/2609.26811.md" in out
    assert "Dry run: 4 papers read from arxiv-rss" in out


@pytest.mark.parametrize(
    ("source", "name", "summary"),
    [
        ("bibtex", "refs.bib", "4 papers read from bibtex: 4 added"),
        ("json", "papers.yaml", "2 papers read from json: 2 added"),
        ("hf", "hf-daily-papers-2024.json", "2 papers read from hf: 2 added"),
        ("hf", "hf-paper.json", "1 paper read from hf: 1 added"),
        ("arxiv", "arxiv-ids-old-format.xml", "2 papers read from arxiv: 2 added"),
        ("arxiv-rss", "arxiv-rss-listing.atom", "2 papers read from arxiv-rss: 1 added"),
    ],
)
def test_one_source_from_a_saved_file(
    site_dir: Path, capsys: pytest.CaptureFixture[str], source: str, name: str, summary: str
) -> None:
    path = Path(__file__).parent / "fixtures" / "ingest" / name
    assert main(["ingest", source, "--site", str(site_dir), "--file", str(path)]) == EXIT_OK
    assert summary in capsys.readouterr().out
    assert main(["check", "--site", str(site_dir)]) == EXIT_OK


def test_a_malformed_file_names_source_and_position_and_writes_nothing(
    seeded_site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = Path(__file__).parent / "fixtures" / "ingest" / "hf-truncated.json"
    before = tree(seeded_site)
    assert main(["ingest", "hf", "--site", str(seeded_site), "--file", str(path)]) == EXIT_ERROR
    assert capsys.readouterr().err == (
        f"error: {path}:1: hf: invalid JSON at line 1, column 1487: Unterminated string "
        "starting at\n"
    )
    assert tree(seeded_site) == before


def test_one_source_over_the_network(
    site_dir: Path, payloads: PayloadServer, capsys: pytest.CaptureFixture[str]
) -> None:
    payloads.route("/api/query", fixture("arxiv-query-page1.xml"), fixture("arxiv-query-page2.xml"))
    code = main(
        [
            "ingest",
            "arxiv",
            "--site",
            str(site_dir),
            "--url",
            payloads.url + "/api/query",
            "--delay",
            "0",
            "--query",
            "cat:cs.CL AND ti:instruction",
            "--page-size",
            "2",
        ]
    )
    assert code == EXIT_OK
    assert "3 papers read from arxiv: 3 added" in capsys.readouterr().out


def test_a_small_delay_is_refused_for_arxiv_itself(
    site_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", "arxiv", "2403.01234", "--delay", "0", "--site", str(site_dir)]) == 1
    assert "--delay below 3 s is only for --url servers" in capsys.readouterr().err


def test_match_titles_fills_in_ids_and_lists_the_rest(
    seeded_site: Path, payloads: PayloadServer, capsys: pytest.CaptureFixture[str]
) -> None:
    # The seed's 84 papers are known only by title. The server knows the first one asked about
    # (under a differently spaced and cased title) and none of the others.
    papers = sorted((seeded_site / "content" / "papers").rglob("*.md"))
    first = papers[0]
    title = first.read_text().split("\ntitle: ", 1)[1].split("\n", 1)[0]
    answer = fixture("arxiv-query-page2.xml").body.replace(
        b"Self-Instruct at Scale", title.upper().replace(" ", "  ").encode()
    )
    payloads.route("/api/query", Answer(answer), fixture("arxiv-empty.xml"))
    code = main(
        [
            "ingest",
            "arxiv",
            "--match-titles",
            "--site",
            str(seeded_site),
            "--url",
            payloads.url + "/api/query",
            "--delay",
            "0",
        ]
    )
    assert code == EXIT_OK
    out, err = capsys.readouterr()
    assert "1 paper read from arxiv: 0 added, 1 updated, 0 unchanged, 83 skipped" in out
    assert err.count("no arXiv paper has exactly this title") == 83
    assert len(payloads.requests) == 84
    text = first.read_text()
    assert "id: '2406.22222'\n" in text and f"aliases:\n- {first.stem}\n" in text
    assert "published: 2024-06-03\n" in text and "authors:\n- Ada Lovelace\n" in text
    assert "rank: " in text and "featured: 2025-03-13" in text  # the text dump's fields stay
    assert main(["check", "--site", str(seeded_site)]) == EXIT_OK


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_every_source_has_help_that_teaches(
    source: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["ingest", source, "--help"])
    assert caught.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: site-builder ingest {source}")
    assert "--dry-run" in out and "--file" in out
    assert len(out.split()) > 60


def test_ingest_help_explains_sources_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["ingest", "--help"])
    out = capsys.readouterr().out
    for words in ("sources:", "site.yaml", "exit code", "4", "Retry-After", *SOURCES):
        assert words in out
