"""Shared fixtures: throwaway site folders built from the repository's own site."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from hypothesis import settings

from site_builder.build import build
from site_builder.cli import main
from site_builder.config import NetworkConfig, load_config
from site_builder.ingest.fetch import Fetcher

from .payload_server import PayloadServer, serve

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED = FIXTURES / "daily-papers-mar13.txt"
SEED_DATE = "2025-03-13"

# No time limit per example: speed is measured by the benchmark, and a limit would only fail
# property tests on a busy machine.
settings.register_profile("site_builder", deadline=None)
settings.load_profile("site_builder")


@pytest.fixture(autouse=True)
def _no_outside_now(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests choose "now" themselves (--now); a SOURCE_DATE_EPOCH of the shell must not leak in."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


@pytest.fixture
def site_dir(tmp_path: Path) -> Path:
    """A site folder with the repository's site.yaml and topics.yaml and no papers."""
    site = tmp_path / "site"
    (site / "content" / "papers").mkdir(parents=True)
    shutil.copy(ROOT / "site.yaml", site / "site.yaml")
    shutil.copy(ROOT / "content" / "topics.yaml", site / "content" / "topics.yaml")
    return site


def ingest_seed(site: Path) -> None:
    """Ingest the seed page into `site` as the bundled site was made: its 84 papers."""
    command = ["ingest", "text", "--site", str(site), "--file", str(SEED), "--date", SEED_DATE]
    assert main([*command, "--quiet"]) == 0


@pytest.fixture
def seeded_site(site_dir: Path) -> Path:
    """`site_dir` with the seed page ingested: the bundled site's 84 papers."""
    ingest_seed(site_dir)
    return site_dir


PAPERS = FIXTURES / "papers"
"""Seven papers written from the Hugging Face daily-papers sample: upvotes, stars, a rank, code
links, non-ASCII authors, spread over 2026-05-01 to 2026-06-12 so every trending window differs."""


@pytest.fixture
def papers_site(site_dir: Path) -> Path:
    """`site_dir` with the seven fixture papers."""
    target = site_dir / "content" / "papers" / "2026"
    target.mkdir(parents=True)
    for paper in sorted(PAPERS.glob("*.md")):
        shutil.copy(paper, target / paper.name)
    return site_dir


@pytest.fixture
def built_site(seeded_site: Path) -> Path:
    """The seeded site, built; returns its _site folder."""
    assert main(["build", "--site", str(seeded_site), "--quiet"]) == 0
    return seeded_site / "_site"


@pytest.fixture
def write_paper(site_dir: Path) -> Callable[[str, str], Path]:
    """Write a paper file (front matter and body as given) under content/papers/."""

    def write(name: str, text: str) -> Path:
        path = site_dir / "content" / "papers" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write


def clean_tree(site: Path, scratch: Path, now: date) -> dict[str, bytes]:
    """What a clean build of `site`'s current content gives, built in a copy of the folder at
    `scratch` (replaced if it is there)."""
    if scratch.exists():
        shutil.rmtree(scratch)
    shutil.copytree(site, scratch, ignore=shutil.ignore_patterns("_site", ".cache", ".*_site*"))
    build(load_config(scratch, now=now), clean=True, workers=1)
    return tree(scratch / "_site")


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` by relative path, with its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def payloads() -> Iterator[PayloadServer]:
    """A real HTTP server on 127.0.0.1 serving recorded payloads (see payload_server.py)."""
    yield from serve()


FAST_NETWORK = NetworkConfig(timeout=2.0, retries=2, backoff=0.01, max_wait=5.0)
"""Real requests and real retries, with waits short enough for a quick test suite."""


@pytest.fixture
def fetcher() -> Fetcher:
    return Fetcher(FAST_NETWORK, contact="curator@example.org")
