"""The quick build (`quick.py`): after an edit of papers' abstracts or notes only, the build
makes again just their pages and search files, and the site is the same bytes as a clean
build's. Anything it cannot vouch for goes to the full build. No timings here: `make bench`
measures speed."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from site_builder.build import BuildReport, build
from site_builder.cache import BuildCache
from site_builder.config import load_config
from site_builder.enrich.related import RELATED_VERSION
from site_builder.errors import SiteError
from site_builder.quick import FACTS, FACTS_VERSION

from .conftest import clean_tree, tree

NOW = date(2026, 6, 12)
NOTES = "\n\n## Notes\n\n"


def _build(site: Path) -> BuildReport:
    return build(load_config(site, now=NOW), workers=1)


@pytest.fixture
def site(seeded_site: Path) -> Path:
    """The seeded site with three papers a feed, so most papers are in none."""
    config = seeded_site / "site.yaml"
    text = config.read_text("utf-8")
    config.write_text(re.sub(r"(?m)^  items: 50 ", "  items: 3 ", text, count=1), "utf-8")
    return seeded_site


def _facts(site: Path) -> dict[str, object]:
    cache = BuildCache.open(site)
    try:
        found = cache.blob(FACTS, FACTS_VERSION)
    finally:
        cache.close()
    assert isinstance(found, dict)
    return found


def _papers(site: Path) -> list[Path]:
    return sorted((site / "content" / "papers").rglob("*.md"))


def _unfed(site: Path) -> Path:
    """A paper in no feed, of the last build."""
    facts = _facts(site)
    feeds, files = facts["feeds"], facts["files"]
    assert isinstance(feeds, list) and isinstance(files, dict)
    return next(Path(files[i]) for i in sorted(files) if i not in feeds)


def _fed(site: Path) -> Path:
    facts = _facts(site)
    feeds, files = facts["feeds"], facts["files"]
    assert isinstance(feeds, list) and isinstance(files, dict)
    return Path(files[feeds[0]])


def _append(paper: Path, text: str) -> None:
    paper.write_text(paper.read_text("utf-8").rstrip("\n") + text + "\n", "utf-8")


def _retitle(paper: Path, prefix: str) -> None:
    text = paper.read_text("utf-8")
    new = re.sub(r"(?m)^title: ([\"']?)", lambda m: f"title: {m[1]}{prefix}", text, count=1)
    assert new != text
    paper.write_text(new, "utf-8")


def _page_of(paper: Path) -> str:
    found = re.search(r"(?m)^id: \"?([^\"\n]*)\"?$", paper.read_text("utf-8"))
    assert found is not None
    return f"papers/{found.group(1)}/index.html"


def test_an_abstract_edit_makes_its_page_and_search_files_only(site: Path, tmp_path: Path) -> None:
    _build(site)
    paper = _unfed(site)
    before = tree(site / "_site")
    _append(paper, " Zyxwvut qwertzuiop.")

    report = _build(site)

    assert report.quick
    written = {path for path, _ in report.reasons}
    assert _page_of(paper) in written
    assert written - {_page_of(paper)} <= {p for p in written if p.startswith("search/data/")}
    assert b"qwertzuiop." in (site / "_site" / _page_of(paper)).read_bytes()
    after = tree(site / "_site")
    assert {path for path in after if after[path] != before.get(path)} == written
    assert after == clean_tree(site, tmp_path / "clean", NOW)
    # The next build has nothing to do, and the one after an edit of a title is a full one
    # that agrees with the quick one's cache.
    again = _build(site)
    assert (again.quick, again.written) == (False, 0)
    _retitle(paper, "Now: ")
    full = _build(site)
    assert not full.quick
    assert tree(site / "_site") == clean_tree(site, tmp_path / "clean", NOW)


def _every_row(cache: BuildCache) -> object:
    raise AssertionError("the quick build read every related row")


def test_an_edit_that_moves_related_lists_makes_those_papers_pages_again(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its own title said again in its abstract: the paper's words weigh more, no word's
    weight moves for the others, and some of their related lists change. The quick build
    finds them from the stored postings of the paper's terms, not from every paper's row."""
    _build(site)

    monkeypatch.setattr(BuildCache, "related_rows", _every_row)
    facts = _facts(site)
    feeds, files = facts["feeds"], facts["files"]
    assert isinstance(feeds, list) and isinstance(files, dict)
    others: set[str] = set()
    for paper_id in sorted(set(files) - set(feeds)):
        paper = Path(files[paper_id])
        title = re.search(r"(?m)^title: [\"']?(.*?)[\"']?$", paper.read_text("utf-8"))
        assert title is not None
        _append(paper, f" {title.group(1)} {title.group(1)}")
        report = _build(site)
        assert report.quick
        others = {p for p, _ in report.reasons if p.startswith("papers/")} - {_page_of(paper)}
        if others:
            break
    assert others  # another paper's related list moved
    monkeypatch.undo()
    assert tree(site / "_site") == clean_tree(site, tmp_path / "clean", NOW)
    assert _related_state(site) == _related_state(tmp_path / "clean")
    assert _postings(site) == _postings(tmp_path / "clean")


def test_an_edit_that_moves_a_words_weight_is_quick(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A word only one other paper used weighs nothing; once the edited paper uses it too, it
    weighs, and that other paper is weighed again from its stored term counts (its text is not
    read, nor any other paper's row): the build stays quick and writes what a clean build
    writes."""
    _build(site)
    paper = _unfed(site)
    paper_id = _page_of(paper).split("/")[1]
    cache = BuildCache.open(site)
    try:
        header = cache.blob("related", RELATED_VERSION)
        rows = cache.related_rows()
        counts = cache.related_counts_of(rows)
    finally:
        cache.close()
    assert isinstance(header, dict)
    own = set(rows[paper_id][2].split())
    # A topic's keyword could move the paper to another topic: that is the full build's.
    topics = (site / "content" / "topics.yaml").read_text("utf-8").lower()
    # A word its one user says twice: once it weighs, it is among that paper's heaviest.
    word, user = next(
        (term, key)
        for key, row in sorted(rows.items())
        for term, count in zip(row[2].split(), counts[key], strict=True)
        if count > 1 and header["df"][term] == 1 and term.isalpha() and len(term) > 5
        if term not in own and term not in topics
    )

    _append(paper, f" {word.capitalize()} {word}.")
    monkeypatch.setattr(BuildCache, "related_rows", _every_row)
    report = _build(site)
    monkeypatch.undo()

    assert report.quick
    assert tree(site / "_site") == clean_tree(site, tmp_path / "clean", NOW)
    # The stored state is the clean build's: rows, weights and term counts.
    state = _related_state(site)
    assert state == _related_state(tmp_path / "clean")
    assert word in state[user][1]
    assert state[paper_id][4][state[paper_id][0].split().index(word)] == 2
    assert _postings(site) == _postings(tmp_path / "clean")


def _related_state(site: Path) -> dict[str, tuple[object, ...]]:
    """Each paper's related row and term counts, with vector terms as words."""
    cache = BuildCache.open(site)
    try:
        header = cache.blob("related", RELATED_VERSION)
        assert isinstance(header, dict)
        rows = cache.related_rows()
        counts = cache.related_counts_of(rows)
    finally:
        cache.close()
    words = header["vocabulary"]
    return {
        key: (terms, [words[n] for n in vector], weights, related, counts[key])
        for key, (_, _, terms, vector, weights, related) in rows.items()
    }


def _postings(site: Path) -> dict[str, tuple[list[str], list[float]]]:
    """The stored related postings, with terms as words and positions as paper ids."""
    cache = BuildCache.open(site)
    try:
        header = cache.blob("related", RELATED_VERSION)
        order = cache.related_order(RELATED_VERSION)
        assert isinstance(header, dict) and order is not None
        words = header["vocabulary"]
        found = cache.related_postings_of(range(len(words)))
    finally:
        cache.close()
    ids = order[0]
    return {
        words[term]: ([ids[at] for at in papers], weights)
        for term, (papers, weights) in found.items()
    }


def test_notes_take_the_quick_path_even_for_a_paper_in_a_feed(site: Path, tmp_path: Path) -> None:
    _build(site)
    paper = _fed(site)
    _append(paper, NOTES + "A curator's note on this paper.")
    report = _build(site)
    assert report.quick
    assert {path for path, _ in report.reasons} == {_page_of(paper)}
    assert tree(site / "_site") == clean_tree(site, tmp_path / "clean", NOW)
    # Its abstract is in feeds: the full build makes them again.
    text = paper.read_text("utf-8")
    paper.write_text(text.replace(NOTES, " One more sentence." + NOTES, 1), "utf-8")
    report = _build(site)
    assert not report.quick
    assert any(path.startswith("feeds/") for path, _ in report.reasons)
    assert tree(site / "_site") == clean_tree(site, tmp_path / "clean", NOW)


def test_what_the_quick_path_leaves_to_the_full_build(site: Path, tmp_path: Path) -> None:
    _build(site)
    paper = _unfed(site)
    # Lists show the title.
    _retitle(paper, "New: ")
    assert not _build(site).quick
    # An output changed by hand.
    (site / "_site" / "404.html").write_text("damaged", "utf-8")
    _append(paper, " Xyzzyx.")
    assert not _build(site).quick
    assert tree(site / "_site") == clean_tree(site, tmp_path / "clean", NOW)
    # A template.
    templates = site / "templates"
    templates.mkdir()
    (templates / "404.html").write_text(
        (Path(__file__).parent.parent / "templates" / "404.html").read_text("utf-8") + "\n"
    )
    _append(paper, " Plughx.")
    assert not _build(site).quick
    # A new paper.
    shutil.copy(paper, paper.with_name("copy.md"))
    text = paper.with_name("copy.md").read_text("utf-8")
    copy = re.sub(r"(?m)^id: (\"?)", lambda m: f"id: {m[1]}copy-", text, count=1)
    paper.with_name("copy.md").write_text(copy, "utf-8")
    _append(paper, " Frobozzq.")
    assert not _build(site).quick
    assert tree(site / "_site") == clean_tree(site, tmp_path / "clean", NOW)


def test_a_build_that_failed_leaves_nothing_for_the_quick_path(site: Path, tmp_path: Path) -> None:
    """A failed full build may have stored some of its work (the papers it read): the next
    build must not take the quick path from what it left."""
    _build(site)
    paper, broken = _unfed(site), site / "templates" / "paper.html"
    broken.parent.mkdir()
    broken.write_text("{% block main %}", "utf-8")
    _append(paper, " Wuxtryq.")
    with pytest.raises(SiteError):
        _build(site)
    broken.unlink()
    broken.parent.rmdir()
    report = _build(site)
    assert not report.quick
    assert tree(site / "_site") == clean_tree(site, tmp_path / "clean", NOW)


def test_a_theme_that_lists_abstracts_is_built_in_full(site: Path, tmp_path: Path) -> None:
    entry = site / "templates" / "partials" / "paper_item.html"
    entry.parent.mkdir(parents=True)
    default = Path(__file__).parent.parent / "templates" / "partials" / "paper_item.html"
    source = default.read_text("utf-8")
    entry.write_text(source.replace("{{ item.summary }}", "{{ item.notes_html | safe }}"))
    _build(site)
    paper = _unfed(site)
    _append(paper, NOTES + "Shown in lists by this theme.")
    report = _build(site)
    assert not report.quick
    showing = {path for path, data in tree(site / "_site").items() if b"by this theme." in data}
    assert any(path.startswith("date/") for path in showing)
    assert _page_of(paper) in showing
    assert tree(site / "_site") == clean_tree(site, tmp_path / "clean", NOW)


_EDITS = st.lists(
    st.tuples(
        st.sampled_from(["sentence", "words", "notes", "title", "rank"]),
        st.integers(min_value=0, max_value=83),
    ),
    min_size=1,
    max_size=4,
)


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(edits=_EDITS)
def test_quick_and_clean_builds_are_byte_identical(
    site: Path, tmp_path_factory: pytest.TempPathFactory, edits: list[tuple[str, int]]
) -> None:
    scratch = tmp_path_factory.mktemp("quick")
    copy = scratch / "site"
    shutil.copytree(site, copy)
    _build(copy)
    for kind, number in edits:
        paper = _papers(copy)[number % len(_papers(copy))]
        text = paper.read_text("utf-8")
        if kind == "sentence":
            _append(paper, f" Quuxword{number}.")  # a word no other paper uses
        elif kind == "words":
            # Words other papers use: weights and related lists may move.
            words = " ".join(_papers(copy)[(number + 1) % 84].read_text("utf-8").split()[-12:])
            _append(paper, f" {words}")
        elif kind == "notes":
            _append(paper, ("" if NOTES in text else NOTES) + f"Note {number}.")
        elif kind == "title":
            _retitle(paper, f"T{number} ")
        else:
            paper.write_text(re.sub(r"(?m)^rank: \d+$", f"rank: {number + 1}", text, count=1))
        _build(copy)
        assert tree(copy / "_site") == clean_tree(copy, scratch / "clean", NOW)


def test_the_summary_says_the_build_was_quick(site: Path) -> None:
    _build(site)
    _append(_unfed(site), NOTES + "Noted.")
    report = _build(site)
    assert report.quick
    assert report.summary().endswith(" (quick build: only abstracts or notes changed)")
    assert "quick" not in _build(site).summary()


def test_a_broken_paper_is_reported_by_the_full_build(site: Path) -> None:
    """The quick path reads the changed files first: one that does not parse is left to the
    full build, which names the file, line and field and leaves the site as it was."""
    _build(site)
    before = tree(site / "_site")
    paper = _unfed(site)
    text = paper.read_text("utf-8")
    paper.write_text(re.sub(r"(?m)^featured: .*$", "featured: not-a-date", text, count=1))
    with pytest.raises(SiteError) as raised:
        _build(site)
    assert str(paper) in str(raised.value)
    assert "featured" in str(raised.value)
    assert tree(site / "_site") == before


@pytest.mark.parametrize(
    "damage",
    [
        {"now": "not a day"},
        {"topics": ["no-such-topic"]},
        {"days": {"2025-03-13": [1, 2]}},
        {"slugs": {"A. Author": 5}},
        {"files": []},
    ],
)
def test_facts_of_another_shape_are_not_trusted(
    site: Path, tmp_path: Path, damage: dict[str, object]
) -> None:
    _build(site)
    paper, facts = _unfed(site), _facts(site)
    cache = BuildCache.open(site)
    try:
        cache.store_blob(FACTS, FACTS_VERSION, {**facts, **damage})
    finally:
        cache.close()
    _append(paper, NOTES + "Noted.")
    assert not _build(site).quick
    assert tree(site / "_site") == clean_tree(site, tmp_path / "clean", NOW)
