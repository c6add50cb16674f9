"""Every built page passes the Nu HTML Checker with no errors and no warnings."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from .tools import vnu_command


def _messages(site: Path) -> list[dict[str, object]]:
    result = subprocess.run(
        [*vnu_command(), "--format", "json", "--skip-non-html", str(site)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    return list(json.loads(result.stderr or result.stdout)["messages"])


def test_every_page_is_valid_html(built_site: Path) -> None:
    problems = [
        f"{m.get('url')}:{m.get('lastLine')}: {m.get('message')}"
        for m in _messages(built_site)
        if m.get("type") == "error" or m.get("subType") == "warning"
    ]
    assert problems == []


def test_the_checker_catches_invalid_html(tmp_path: Path) -> None:
    """Guards the test above: a broken page must be reported."""
    (tmp_path / "bad.html").write_text("<!doctype html><html><body><p><div></span></body>")
    assert any(m.get("type") == "error" for m in _messages(tmp_path))
