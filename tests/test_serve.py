"""`site-builder serve`, run for real: a process on a free port, fetched over HTTP, its
server-sent events read, its files edited, broken and mended, and stopped with Ctrl-C."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.error import HTTPError

import pytest

from site_builder.serve import EVENTS_PATH

_TIMEOUT = 60


class Served:
    def __init__(self, process: subprocess.Popen[str], url: str) -> None:
        self.process = process
        self.url = url
        self.events: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._listen, daemon=True).start()
        assert self.events.get(timeout=_TIMEOUT) == "connected"

    def _listen(self) -> None:
        with urllib.request.urlopen(self.url + EVENTS_PATH.lstrip("/"), timeout=_TIMEOUT) as stream:
            for raw in stream:
                line = raw.decode("utf-8").rstrip("\n")
                if line == ": connected":
                    self.events.put("connected")
                elif line.startswith("data: "):
                    self.events.put(line.removeprefix("data: "))

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=_TIMEOUT) as response:
                return response.status, response.read().decode("utf-8")
        except HTTPError as exc:
            return exc.code, exc.read().decode("utf-8")

    def next_reload(self) -> str:
        """The next reload event's state: `ok` or `error`."""
        data = self.events.get(timeout=_TIMEOUT)
        return data.split()[1]


@pytest.fixture
def served(papers_site: Path) -> Iterator[Served]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "site_builder",
            "serve",
            "--site",
            str(papers_site),
            "--port",
            "0",
            "--now",
            "2026-06-12",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    line = ""
    for line in process.stdout:
        if line.startswith("Serving"):
            break
    found = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
    assert found, line + (process.stderr.read() if process.stderr else "")
    server = Served(process, found.group(1))
    try:
        yield server
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_serve_reloads_on_edits_and_shows_errors_until_mended(
    served: Served, papers_site: Path
) -> None:
    status, home = served.get("")
    assert status == 200
    assert EVENTS_PATH in home  # the reload script, added only when serving
    assert EVENTS_PATH not in (papers_site / "_site" / "index.html").read_text("utf-8")
    status, missing = served.get("no/such/page/")
    assert status == 404 and "Page not found" in missing

    paper = papers_site / "content" / "papers" / "2026" / "2606.12488.md"
    original = paper.read_text("utf-8")
    title = re.search(r'^title: "(.*)"$', original, re.MULTILINE)
    assert title is not None
    paper.write_text(original.replace(title.group(1), "Served Fresh From The Dev Server"), "utf-8")
    # First the saved paper's own page, rendered ahead of the build, then the whole build.
    assert served.next_reload() == "preview"
    status, page = served.get("papers/2606.12488/")
    assert status == 200 and "Served Fresh From The Dev Server" in page
    assert served.next_reload() == "ok"
    status, page = served.get("")
    assert "Served Fresh From The Dev Server" in page  # the home page's list, too

    paper.write_text(original.replace("\nsource:", "\nupvotes: [broken\nsource:", 1), "utf-8")
    assert served.next_reload() == "error"
    status, page = served.get("papers/2606.12488/")
    assert status == 200
    assert 'id="site-builder-error"' in page
    assert "2606.12488.md:" in page  # the file and its line
    assert "Served Fresh From The Dev Server" in page  # the last good build, still served

    paper.write_text(original, "utf-8")
    assert served.next_reload() == "ok"
    status, page = served.get("papers/2606.12488/")
    assert 'id="site-builder-error"' not in page
    assert title.group(1).replace("'", "&#39;") in page

    served.process.send_signal(signal.SIGINT)
    stdout, stderr = served.process.communicate(timeout=_TIMEOUT)
    assert served.process.returncode == 0, stderr
    assert "Stopped." in stdout
    # One build per good save since "Serving": a build's own writes start no other.
    assert stdout.count("Built ") == 2, stdout
    assert "2606.12488.md:" in stderr  # the error was printed in the terminal too
    assert "Traceback" not in stderr
