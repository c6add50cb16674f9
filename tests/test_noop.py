"""A build with nothing to do: it must stay cheap (no rendering library is even imported) and
must never be taken when something did change. No timings here: `make bench` measures speed."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from datetime import date
from importlib import metadata
from pathlib import Path

import pytest

from site_builder.build import BuildReport, build
from site_builder.cache import CACHE_DIR
from site_builder.cli import main
from site_builder.config import load_config

from .conftest import SEED, SEED_DATE, tree

NOW = date(2026, 6, 12)
PAPER = "2606.12488"

HEAVY = (
    "jinja2",
    "markdown_it",
    "mdit_py_plugins",
    "linkify_it",
    "latex2mathml",
    "feedgen",
    "lxml",
    "pagefind_bin",
    "site_builder.render",
    "site_builder.pipeline",
    "site_builder.feeds",
    "site_builder.search",
    "site_builder.ingest",
    "site_builder.digest",
    "site_builder.serve",
)
"""What a real build (or another command) needs and a build with nothing to do must not load."""

# Runs the command line in a fresh interpreter, then lists the modules that were loaded.
_PROBE = """
import json, sys
from site_builder.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _heavy_loaded_by(*argv: str) -> list[str]:
    """Which of HEAVY `site-builder ARGV` imports, run in a fresh Python."""
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, *argv], capture_output=True, text=True, check=True, env=env
    )
    probe = json.loads(result.stdout.splitlines()[-1])
    assert probe["code"] == 0, result.stderr
    return [name for name in HEAVY if name in probe["modules"]]


def _build_command(site: Path) -> list[str]:
    return ["build", "--site", str(site), "--now", NOW.isoformat(), "--jobs", "1", "--quiet"]


def _paper(site: Path, paper_id: str = PAPER) -> Path:
    return site / "content" / "papers" / "2026" / f"{paper_id}.md"


def test_a_build_with_nothing_to_do_imports_no_rendering_library(papers_site: Path) -> None:
    command = _build_command(papers_site)
    assert "jinja2" in _heavy_loaded_by(*command)  # the first build renders everything
    assert _heavy_loaded_by(*command) == []
    # An edit needs a real build; the build after that has nothing to do again, so what the
    # incremental build recorded about its output matches the files it left.
    paper = _paper(papers_site)
    paper.write_text(paper.read_text("utf-8") + "\nOne sentence more.\n", "utf-8")
    assert "jinja2" in _heavy_loaded_by(*command)
    assert _heavy_loaded_by(*command) == []


def test_the_version_and_the_commands_list_load_no_heavy_library() -> None:
    for option in ("--version", "--help"):
        script = (
            "import json, sys\n"
            "from site_builder.cli import main\n"
            "try:\n"
            f"    main([{option!r}])\n"
            "except SystemExit:\n"
            "    pass\n"
            "print(json.dumps(sorted(sys.modules)))"
        )
        result = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True
        )
        loaded = set(json.loads(result.stdout.splitlines()[-1]))
        assert [name for name in HEAVY if name in loaded] == [], option


def test_importing_the_package_loads_no_rendering_library() -> None:
    script = (
        "import json, sys, site_builder; "
        "from site_builder import SiteError, __version__; "
        "print(json.dumps(sorted(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    loaded = set(json.loads(result.stdout))
    assert [name for name in HEAVY if name in loaded] == []
    assert "site_builder.build" not in loaded


def test_public_names_resolve_on_first_use_and_stay_the_functions() -> None:
    # The submodules site_builder.build and site_builder.check are imported first, as the
    # command line does; the package's `build` and `check` must still be the functions.
    script = """
import site_builder.build, site_builder.check, sys
import site_builder
from site_builder import build, check, load_catalog, Paper, SiteConfig
assert build is sys.modules["site_builder.build"].build, build
assert check is sys.modules["site_builder.check"].check, check
assert site_builder.build is build and site_builder.check is check
assert callable(load_catalog) and isinstance(Paper, type) and isinstance(SiteConfig, type)
assert set(site_builder.__all__) <= set(dir(site_builder))
try:
    site_builder.no_such_name
except AttributeError as exc:
    assert "no_such_name" in str(exc)
else:
    raise AssertionError("no AttributeError")
print("ok")
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert result.stdout.strip() == "ok", result.stderr


@pytest.mark.parametrize("site_option", ["--site", "--si"])
def test_the_command_line_finds_the_command_after_a_site_folder_named_like_one(
    site_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    site_option: str,
) -> None:
    # The parser is set up for the command being run (a build's leaves out what needs ingest):
    # a site folder called "build" must not be taken for the command.
    site_dir.rename(site_dir.parent / "build")
    monkeypatch.chdir(site_dir.parent)
    argv = ["ingest", "text", "--file", str(SEED), "--date", SEED_DATE, "--dry-run"]
    assert main([site_option, "build", *argv]) == 0
    assert "Dry run: 84 papers read from text: 84 added" in capsys.readouterr().out


def _config_build(site: Path, **overrides: object) -> BuildReport:
    now = overrides.pop("now", NOW)
    config = load_config(site, now=now, **overrides)  # type: ignore[arg-type]
    return build(config, workers=1)


def _clean_tree(site: Path, scratch: Path, **overrides: object) -> dict[str, bytes]:
    """What a clean build of `site`'s current inputs gives, built in a copy of the folder."""
    shutil.copytree(site, scratch, ignore=shutil.ignore_patterns("_site", ".cache"))
    now = overrides.pop("now", NOW)
    build(load_config(scratch, now=now, **overrides), clean=True, workers=1)  # type: ignore[arg-type]
    return tree(scratch / "_site")


def _later(path: Path) -> None:
    """Move the file's modification time on by a second, as a later save would: a file written
    in the same clock tick as the build could otherwise keep the very same time."""
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))


def _edit_output_same_size(site: Path) -> str:
    page = site / "_site" / "index.html"
    data = page.read_bytes()
    page.write_bytes(data.replace(b"<title>", b"<TITLE>", 1))
    assert page.stat().st_size == len(data)
    _later(page)
    return "index.html"


def _touch_output(site: Path) -> str:
    _later(site / "_site" / "index.html")
    return "index.html"


def _remove_output(site: Path) -> str:
    (site / "_site" / "papers" / PAPER / "index.html").unlink()
    return f"papers/{PAPER}/index.html"


def _remove_feed(site: Path) -> str:
    feed = next((site / "_site" / "feeds").rglob("*.xml"))
    feed.unlink()
    return feed.relative_to(site / "_site").as_posix()


def _edit_paper(site: Path) -> str:
    paper = _paper(site)
    paper.write_text(paper.read_text("utf-8").replace("title:", "title: Edited", 1), "utf-8")
    _later(paper)
    return f"papers/{PAPER}/index.html"


def _add_paper(site: Path) -> str:
    text = re.sub(r'^id: "(.*)"$', r'id: "\1-copy"', _paper(site).read_text("utf-8"), flags=re.M)
    _paper(site, f"{PAPER}-copy").write_text(text, "utf-8")
    return f"papers/{PAPER}-copy/index.html"


def _add_static_file(site: Path) -> str:
    (site / "static").mkdir()
    (site / "static" / "extra.txt").write_text("an extra file\n", "utf-8")
    return "static/extra.txt"


def _edit_template(site: Path) -> str:
    (site / "templates").mkdir()
    source = (Path(__file__).parent.parent / "templates" / "404.html").read_text("utf-8")
    (site / "templates" / "404.html").write_text(source.replace("</h1>", " here</h1>", 1))
    return "404.html"


def _edit_config(site: Path) -> str:
    config = site / "site.yaml"
    text = config.read_text("utf-8")
    config.write_text(re.sub(r"^title: .*$", "title: Other Papers", text, count=1, flags=re.M))
    _later(config)
    return "index.html"


@pytest.mark.parametrize(
    "change",
    [
        _edit_output_same_size,
        _touch_output,
        _remove_output,
        _remove_feed,
        _edit_paper,
        _add_paper,
        _add_static_file,
        _edit_template,
        _edit_config,
    ],
    ids=lambda change: change.__name__.strip("_"),
)
def test_any_change_to_an_input_or_output_file_means_a_real_build(
    papers_site: Path, tmp_path: Path, change: object
) -> None:
    first = _config_build(papers_site)
    assert _config_build(papers_site).written == 0
    assert callable(change)
    path = change(papers_site)
    report = _config_build(papers_site)
    assert path in dict(report.reasons), report.reasons
    assert report.files > 0
    assert tree(papers_site / "_site") == _clean_tree(papers_site, tmp_path / "clean")
    assert first.files <= report.files
    assert _config_build(papers_site).written == 0


@pytest.mark.parametrize(
    "overrides",
    [{"base_url": "https://papers.example.org/feed/"}, {"now": date(2026, 6, 20)}],
    ids=["base-url", "now"],
)
def test_settings_given_on_the_command_line_mean_a_real_build(
    papers_site: Path, tmp_path: Path, overrides: dict[str, object]
) -> None:
    _config_build(papers_site)
    report = _config_build(papers_site, **dict(overrides))
    assert report.written > 0
    assert tree(papers_site / "_site") == _clean_tree(papers_site, tmp_path / "clean", **overrides)


def test_a_cache_of_another_version_means_a_full_build(papers_site: Path) -> None:
    first = _config_build(papers_site)
    database = papers_site / CACHE_DIR / "build.sqlite"
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE meta SET value = '0/an older site-builder'")
    report = _config_build(papers_site)
    assert report.written == report.files == first.files


@pytest.mark.parametrize(
    "damage",
    [
        "UPDATE blobs SET data = '{\"paths\": 3}' WHERE name = 'output_stamps'",
        "UPDATE blobs SET data = 'not json' WHERE name = 'output_stamps'",
    ],
)
def test_damaged_output_stamps_are_rebuilt_not_trusted(
    papers_site: Path, tmp_path: Path, damage: str
) -> None:
    _config_build(papers_site)
    with sqlite3.connect(papers_site / CACHE_DIR / "build.sqlite") as connection:
        assert connection.execute(damage).rowcount == 1
    _remove_output(papers_site)
    report = _config_build(papers_site)
    assert report.cache_reset
    assert tree(papers_site / "_site") == _clean_tree(papers_site, tmp_path / "clean")
    assert _config_build(papers_site).written == 0


def test_the_cache_is_tagged_with_the_versions_installed(papers_site: Path) -> None:
    # Upgrading a rendering library must throw the cache away; the tag is read from the
    # dist-info folder names, which must agree with what importlib.metadata reports.
    _config_build(papers_site)
    with sqlite3.connect(papers_site / CACHE_DIR / "build.sqlite") as connection:
        (tag,) = connection.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
    pairs = dict(pair.split("=", 1) for pair in tag.split("/", 1)[1].split(","))
    assert {"jinja2", "markdown-it-py", "pyyaml"} <= set(pairs)
    for name, version in pairs.items():
        try:
            expected = metadata.version(name)
        except metadata.PackageNotFoundError:
            expected = "none"
        assert version == expected, name
