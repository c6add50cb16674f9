"""Incremental builds: only what changed is rendered and written, and the result is always the
same bytes as a clean build. No timings here: `make bench` measures speed."""

from __future__ import annotations

import contextlib
import dataclasses
import re
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from site_builder import theme, workers
from site_builder.build import BuildReport, build
from site_builder.cache import CACHE_DIR
from site_builder.cli import main
from site_builder.config import SiteConfig, load_config
from site_builder.errors import SiteError

from .conftest import clean_tree, tree

NOW = date(2026, 6, 12)


def _config(site: Path) -> SiteConfig:
    return load_config(site, now=NOW)


def _build(site: Path, **options: object) -> BuildReport:
    return build(_config(site), workers=1, **options)  # type: ignore[arg-type]


def _mtimes(folder: Path) -> dict[str, int]:
    return {
        p.relative_to(folder).as_posix(): p.stat().st_mtime_ns
        for p in folder.rglob("*")
        if p.is_file()
    }


def _paper(site: Path, name: str) -> Path:
    return site / "content" / "papers" / "2026" / name


def test_a_second_build_writes_nothing(papers_site: Path) -> None:
    first = _build(papers_site)
    assert first.written == first.files > 0
    before = _mtimes(papers_site / "_site")
    second = _build(papers_site)
    assert (second.written, second.removed, second.unchanged) == (0, 0, first.files)
    assert second.reasons == ()
    assert _mtimes(papers_site / "_site") == before


def test_editing_one_paper_rewrites_exactly_the_pages_that_show_it(
    papers_site: Path, tmp_path: Path
) -> None:
    _build(papers_site)
    site = papers_site / "_site"
    old = tree(site)
    before = _mtimes(site)
    paper = _paper(papers_site, "2606.12488.md")
    text = paper.read_text(encoding="utf-8")
    title = re.search(r'^title: "(.*)"$', text, re.MULTILINE)
    assert title is not None
    paper.write_text(text.replace(title.group(1), "A Retitled Paper About Agents"), "utf-8")

    report = _build(papers_site)

    new = tree(site)
    assert new == clean_tree(papers_site, tmp_path / "clean", NOW)
    differing = {path for path in new if old.get(path) != new[path]}
    written = {path for path, _ in report.reasons}
    assert written == differing
    # What shows the paper: its page, lists, archives, feeds, and related lists naming it.
    slug = "2606.12488"
    assert f"papers/{slug}/index.html" in written
    assert "index.html" in written
    assert any(path.startswith("topics/") for path in written)
    assert any(path.startswith("date/") for path in written)
    assert any(path.startswith("feeds/") for path in written)
    showing = {
        path
        for path, data in new.items()
        if path.startswith("papers/") and b"A Retitled Paper About Agents" in data
    }
    assert len(showing) > 1  # some other paper lists it as related
    assert showing <= written
    # Everything else is untouched, down to its modification time.
    after = _mtimes(site)
    assert {path for path in before if path in after and after[path] != before[path]} <= written
    assert set(before) - set(after) == set(old) - set(new)  # old search index files
    assert all("changed" in reason or "new" in reason for _, reason in report.reasons)


def test_deleting_a_paper_removes_its_page(papers_site: Path, tmp_path: Path) -> None:
    _build(papers_site)
    page = papers_site / "_site" / "papers" / "2606.12488" / "index.html"
    assert page.is_file()
    _paper(papers_site, "2606.12488.md").unlink()
    report = _build(papers_site)
    assert report.removed >= 1
    assert not page.exists()
    assert not page.parent.exists()
    assert tree(papers_site / "_site") == clean_tree(papers_site, tmp_path / "clean", NOW)


def test_a_template_edit_rerenders_the_pages_using_it(papers_site: Path) -> None:
    _build(papers_site)
    templates = papers_site / "templates"
    templates.mkdir()
    source = (Path(__file__).parent.parent / "templates" / "search.html").read_text("utf-8")
    (templates / "search.html").write_text(source.replace("</h1>", " (site)</h1>", 1), "utf-8")
    report = _build(papers_site)
    assert dict(report.reasons) == {"search/index.html": "its template changed"}
    assert "(site)" in (papers_site / "_site" / "search" / "index.html").read_text("utf-8")


def test_a_failed_build_leaves_the_output_and_writes_nothing(papers_site: Path) -> None:
    _build(papers_site)
    before = tree(papers_site / "_site")
    times = _mtimes(papers_site / "_site")
    templates = papers_site / "templates"
    templates.mkdir()
    (templates / "paper.html").write_text('{% extends "base.html" %}\n{% block main %}\n', "utf-8")
    paper = _paper(papers_site, "2606.12488.md")
    paper.write_text(paper.read_text("utf-8").replace("title:", "title: Changed", 1), "utf-8")
    with pytest.raises(SiteError) as caught:
        _build(papers_site)
    assert "paper.html" in str(caught.value)
    assert caught.value.line is not None
    assert tree(papers_site / "_site") == before
    assert _mtimes(papers_site / "_site") == times
    assert sorted(p.name for p in papers_site.iterdir() if p.name.startswith(".")) == [CACHE_DIR]


def test_the_same_templates_elsewhere_render_nothing_again(
    papers_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page depends on its templates' names and sources, not on where they are: a default
    theme installed at another path (a new virtual environment, another Python) is the same
    theme, and a site overriding a template with an identical copy changes no page."""
    _build(papers_site)
    moved = tmp_path / "elsewhere" / "site_builder"
    for name in ("templates", "static"):
        shutil.copytree(theme._default(name), moved / "_theme" / name)
    monkeypatch.setattr(theme, "_PACKAGE", moved)
    steps = _Steps()
    report = _build(papers_site, progress=steps)
    assert (report.written, steps.totals["Rendering pages"]) == (0, 0)
    shutil.copytree(moved / "_theme" / "templates", papers_site / "templates")
    report = _build(papers_site, progress=steps)
    assert (report.written, steps.totals["Rendering pages"]) == (0, 0)
    # Not a test that never renders: a changed template is rendered again.
    paper_template = papers_site / "templates" / "paper.html"
    paper_template.write_text("{# changed #}" + paper_template.read_text("utf-8"), "utf-8")
    _build(papers_site, progress=steps)
    assert steps.totals["Rendering pages"] == report.papers


class _Steps:
    """A `Progress` that notes how much each step of the last build had to do."""

    def __init__(self) -> None:
        self.totals: dict[str, int] = {}

    @contextlib.contextmanager
    def step(self, label: str, total: int) -> Iterator[Callable[[int], None]]:
        self.totals[label] = total
        yield lambda count: None


@pytest.mark.parametrize(
    "damage",
    [
        "garbage",
        "UPDATE papers SET data = '{not json'",
        "UPDATE papers SET data = '[1]'",
        "UPDATE meta SET value = '0/old'",
        "UPDATE outputs SET size = 'x'",
        "DROP TABLE texts",
        "UPDATE related SET weights = x'0102'",
        "UPDATE related SET vector = 'not numbers'",
        "UPDATE related SET related = 5",
        "UPDATE related SET day = 'x', terms = 7",
        "UPDATE blobs SET data = '{\"version\": \"2\"}' WHERE name = 'related'",
        "DROP TABLE related",
    ],
)
def test_a_damaged_cache_is_rebuilt_not_trusted(
    papers_site: Path, tmp_path: Path, damage: str
) -> None:
    _build(papers_site)
    expected = tree(papers_site / "_site")
    database = papers_site / CACHE_DIR / "build.sqlite"
    if damage == "garbage":
        for leftover in database.parent.glob("build.sqlite*"):
            leftover.unlink()
        database.write_bytes(b"this is not a database" * 100)
    else:
        with sqlite3.connect(database) as connection:
            connection.execute(damage)
    # The content changes too, so a trusted stale cache would show in the output.
    paper = _paper(papers_site, "2606.12488.md")
    paper.write_text(paper.read_text("utf-8") + "\nOne more sentence.\n", "utf-8")
    _build(papers_site)
    rebuilt = tree(papers_site / "_site")
    assert rebuilt != expected
    assert rebuilt == clean_tree(papers_site, tmp_path / "clean", NOW)
    assert _build(papers_site).written == 0  # and the rebuilt cache works


def test_clean_ignores_the_cache_and_explain_says_why(
    papers_site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["build", "--site", str(papers_site), "--now", "2026-06-12"]
    assert main(args) == 0
    capsys.readouterr()
    assert main([*args, "--explain"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1 and " 0 written, " in out[0] and " 0 removed" in out[0]
    assert main([*args, "--clean", "--explain"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "papers/2606.12488/index.html: --clean" in out
    assert " 0 unchanged" in out[-1]
    paper = _paper(papers_site, "2606.12488.md")
    paper.write_text(paper.read_text("utf-8") + "\nA sentence more.\n", "utf-8")
    (papers_site / "_site" / "404.html").unlink()
    assert main([*args, "--explain", "--quiet"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "404.html: its file in the output folder was changed or removed" in out
    assert "papers/2606.12488/index.html: its content changed" in out


def test_parallel_and_serial_rendering_give_the_same_site(
    seeded_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workers, "PARALLEL_MIN_ITEMS", 1)
    config = load_config(seeded_site, now=NOW)
    build(config, workers=2)
    parallel = tree(seeded_site / "_site")
    assert parallel == clean_tree(seeded_site, tmp_path / "serial", NOW)


_EDITS = st.lists(
    st.tuples(
        st.sampled_from(["abstract", "upvotes", "title", "delete", "add", "template", "config"]),
        st.integers(min_value=0, max_value=6),
    ),
    min_size=1,
    max_size=3,
)


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(edits=_EDITS)
def test_cached_and_clean_builds_are_byte_identical(
    papers_site: Path, tmp_path_factory: pytest.TempPathFactory, edits: list[tuple[str, int]]
) -> None:
    scratch = tmp_path_factory.mktemp("property")
    site = scratch / "site"
    shutil.copytree(papers_site, site)
    _build(site)
    for kind, number in edits:
        _apply(site, kind, number)
        _build(site)
        assert tree(site / "_site") == clean_tree(site, scratch / "clean", NOW)


def _apply(site: Path, kind: str, number: int) -> None:
    papers = sorted((site / "content" / "papers").rglob("*.md"))
    paper = papers[number % len(papers)]
    text = paper.read_text("utf-8")
    if kind == "abstract":
        paper.write_text(text.rstrip() + f" Edited with benchmark number {number}.\n", "utf-8")
    elif kind == "upvotes":
        if "upvotes:" in text:
            text = re.sub(r"upvotes: (\d+)", lambda m: f"upvotes: {int(m[1]) + 7}", text)
        else:
            text = text.replace("\nsource:", f"\nupvotes: {number * 11}\nsource:", 1)
        paper.write_text(text, "utf-8")
    elif kind == "title":
        paper.write_text(re.sub(r'^title: "', 'title: "Revised: ', text, count=1, flags=re.M))
    elif kind == "delete" and len(papers) > 1:
        paper.unlink()
    elif kind == "add":
        copy = re.sub(r'^id: "(.*)"$', rf'id: "\1-{number}b"', text, count=1, flags=re.M)
        paper.with_name(f"{paper.stem}-{number}b.md").write_text(copy, "utf-8")
    elif kind == "template":
        templates = site / "templates"
        templates.mkdir(exist_ok=True)
        page = templates / "404.html"
        source = page if page.exists() else Path(__file__).parent.parent / "templates/404.html"
        page.write_text(source.read_text("utf-8") + f"{{# edit {number} #}}\n", "utf-8")
    elif kind == "config":
        config = site / "site.yaml"
        config.write_text(
            re.sub(
                r"^title: .*$",
                f"title: Papers {number}",
                config.read_text("utf-8"),
                count=1,
                flags=re.M,
            ),
            "utf-8",
        )


def test_a_build_into_another_folder_builds_everything(papers_site: Path, tmp_path: Path) -> None:
    _build(papers_site)
    other = dataclasses.replace(_config(papers_site), output_dir=tmp_path / "elsewhere")
    report = build(other, workers=1)
    assert report.written == report.files
    assert tree(tmp_path / "elsewhere") == tree(papers_site / "_site")


def test_a_template_that_starts_showing_site_data_follows_it(
    papers_site: Path, tmp_path: Path
) -> None:
    """What a template reads is analysed again when it changes (the cache keeps analyses by
    the template's source): once 404.html shows how many days the archive has, a paper on a
    new day changes that page."""
    _build(papers_site)
    templates = papers_site / "templates"
    templates.mkdir()
    source = (Path(__file__).parent.parent / "templates" / "404.html").read_text("utf-8")
    marked = source.replace("</h1>", "</h1>\n<p>{{ periods['day'] | length }} days</p>", 1)
    (templates / "404.html").write_text(marked, "utf-8")
    _build(papers_site)
    paper = _paper(papers_site, "2606.12488.md")
    text = paper.read_text("utf-8").replace("featured: 2026-06-10", "featured: 2026-05-20")
    # A paper on a day the archive did not have, and not the newest day: only the number of
    # days changes for the 404 page.
    newer = re.sub(r'^id: "(.*)"$', 'id: "2606.99999"', text, count=1, flags=re.M)
    _paper(papers_site, "2606.99999.md").write_text(newer, "utf-8")
    report = _build(papers_site)
    assert "404.html" in {path for path, _ in report.reasons}
    assert b" days</p>" in (papers_site / "_site" / "404.html").read_bytes()
    assert tree(papers_site / "_site") == clean_tree(papers_site, tmp_path / "clean", NOW)
