"""The command line: help that teaches, meaningful exit codes, errors on stderr."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from site_builder import __version__
from site_builder.cli import main

from .conftest import SEED

COMMANDS = [["build"], ["ingest"], ["ingest", "text"], ["check"], ["digest"]]


@pytest.mark.parametrize("command", [[], *COMMANDS], ids=lambda c: " ".join(c) or "top")
def test_every_command_has_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main([*command, "--help"])
    assert caught.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: site-builder")
    assert len(out.splitlines()) > 8


def test_top_level_help_shows_examples_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for words in ("build", "ingest", "check", "--site DIR", "examples:", "exit codes:"):
        assert words in out


def test_wrong_usage_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["frobnicate"])
    assert caught.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_no_site_here_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["build"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "no site.yaml here or in any parent folder" in err
    assert main(["check", "--site", str(tmp_path)]) == 1
    assert "no site.yaml in that folder" in capsys.readouterr().err


def test_commands_find_the_site_from_a_subfolder(
    seeded_site: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(seeded_site / "content" / "papers")
    assert main(["build"]) == 0
    assert "Built 84 papers" in capsys.readouterr().out
    assert (seeded_site / "_site" / "index.html").is_file()


def test_check_reports_papers_in_the_catch_all(
    seeded_site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--site", str(seeded_site)]) == 0
    assert capsys.readouterr().out.strip() == "84 papers in 11 topics: 0 warnings"
    lonely = seeded_site / "content" / "papers" / "2025" / "lonely.md"
    lonely.write_text(
        "---\nid: lonely\ntitle: Zebra stripes\nfeatured: 2025-03-13\n---\nOn zebras.\n"
    )
    assert main(["check", "--site", str(seeded_site)]) == 0
    captured = capsys.readouterr()
    assert "lonely: matches no topic, filed under 'Other'" in captured.err
    assert captured.out.strip() == "85 papers in 12 topics: 1 warning"
    assert main(["check", "--site", str(seeded_site), "--strict", "--quiet"]) == 3


def test_ingest_dry_run_lists_changes_and_writes_nothing(
    site_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            [
                "ingest",
                "text",
                "--site",
                str(site_dir),
                "--file",
                str(SEED),
                "--date",
                "2025-03-13",
                "--dry-run",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert out.count("would add content/papers/2025/") == 84
    assert "Dry run: 84 papers read from text: 84 added" in out
    assert not list((site_dir / "content" / "papers").iterdir())


def test_python_dash_m_runs_the_cli() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "site_builder", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == f"site-builder {__version__}"
