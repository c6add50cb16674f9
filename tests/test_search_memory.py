"""The search index made from documents read a run at a time: the same bytes as from a list of
documents, never more than a run of abstracts asked for at once, and plain texts read from the
build cache by key, in the build's process or a forked one."""

from __future__ import annotations

import dataclasses
import gc
import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from site_builder import search
from site_builder.build import build
from site_builder.cache import BuildCache, CacheCorrupt
from site_builder.config import load_config
from site_builder.models import EnrichedPaper, Paper
from site_builder.pipeline import load_catalog
from site_builder.search import Documents, SearchDoc, index_files, update_index
from site_builder.workers import fork_map

from .conftest import tree
from .test_search import _doc


class _Counted(Documents):
    """Documents that note every run asked of them, as a source reading from disk would."""

    def __init__(self, docs: Sequence[SearchDoc]) -> None:
        super().__init__(sorted(docs, key=lambda doc: doc.order))
        self.asked: list[tuple[int, int]] = []

    def run(self, start: int, stop: int) -> Sequence[SearchDoc]:
        self.asked.append((start, stop))
        return super().run(start, stop)


def _files(result: search.IndexFiles, before: dict[str, bytes]) -> dict[str, bytes]:
    files = {path: before[path] for path in result.kept}
    files.update({str(f.path): f.data for f in result.files})
    return files


_WORDS = st.sampled_from("attention graph sparse model vision agent café 3d x".split())
_TEXT = st.lists(_WORDS, max_size=8).map(" ".join)


@settings(max_examples=40, deadline=None)
@given(
    texts=st.lists(st.tuples(_TEXT, _TEXT), min_size=1, max_size=120),
    run=st.sampled_from([1, 7, 32, 50, 1024]),
)
def test_documents_read_by_runs_give_the_same_index(texts: list[tuple[str, str]], run: int) -> None:
    docs = [
        _doc(n, title, text, f"2025-02-{1 + n % 9:02d}") for n, (title, text) in enumerate(texts)
    ]
    expected = index_files(list(reversed(docs)))
    old_run = search._RUN
    search._RUN = run  # not monkeypatch: hypothesis runs many examples in one test
    try:
        counted = _Counted(docs)
        result = index_files(counted)
        files = _files(result, {})
    finally:
        search._RUN = old_run
    assert files == _files(expected, {})
    assert result.state == expected.state
    assert counted.asked and all(
        stop - start <= max(run, search.BLOCK) for start, stop in counted.asked
    )


def test_an_update_reads_documents_a_run_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    docs = [_doc(n, f"paper {n}", f"words{n} about w{n % 13}") for n in range(300)]
    fresh = index_files(docs)
    files = _files(fresh, {})
    monkeypatch.setattr(search, "_RUN", 64)
    edited = list(docs)
    edited[5] = dataclasses.replace(docs[5], text="a new abstract about zyxwvut")
    edited[250] = dataclasses.replace(docs[250], title="a new title")
    counted = _Counted(edited)
    result = update_index(counted, fresh.state, files.get)
    assert result.kept  # updated in place, not made again
    assert _files(result, files) == _files(index_files(edited), {})
    assert result.state == index_files(edited).state
    # Every document once for its digest, then only the runs of the two changed blocks.
    assert all(stop - start <= 64 for start, stop in counted.asked)
    assert counted.asked[-2:] == [(0, search.BLOCK), (7 * search.BLOCK, 8 * search.BLOCK)]


def _texts_cache(root: Path) -> BuildCache:
    cache = BuildCache.open(root)
    cache.update_texts(
        {f"k{n}": (f"plain {n}", f"<p>html {n}</p>", "") for n in range(1200)},
        removed=[],
    )
    # A damaged row: not three texts, so never trusted.
    assert cache._db is not None
    with cache._db:
        cache._db.execute("INSERT INTO texts VALUES ('bad', 'plain', 'html', x'33')")
    return cache


def test_plain_texts_of_a_few_keys_equal_the_whole_scan(tmp_path: Path) -> None:
    cache = _texts_cache(tmp_path)
    try:
        keys = ["k3", "bad", "missing", "k3", *(f"k{n}" for n in range(600, 1200))]
        assert cache.plain_texts_of(keys) == cache.plain_texts(keys)
        assert cache.plain_texts_of(["k7", "bad", "missing"]) == {"k7": "plain 7"}
        assert cache.plain_texts_of([]) == {}
    finally:
        cache.close()


def test_plain_texts_of_are_read_in_forked_workers(tmp_path: Path) -> None:
    cache = _texts_cache(tmp_path)
    try:
        runs = [[f"k{n}" for n in range(start, start + 300)] for start in range(0, 1200, 300)]
        found = fork_map(cache.plain_texts_of, runs, workers=2, chunk=1, min_items=2)
        assert found == [cache.plain_texts_of(run) for run in runs]
        assert found[1]["k450"] == "plain 450"
    finally:
        cache.close()


def test_a_build_indexing_on_workers_by_runs_gives_the_same_files(
    papers_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load_config(papers_site)
    build(config, workers=1)
    alone = tree(papers_site / "_site")
    # Runs of two papers, indexed by forked workers that read the plain texts themselves.
    monkeypatch.setattr(search, "_RUN", 2)
    other = tmp_path / "other"
    report = build(dataclasses.replace(config, output_dir=other), clean=True, workers=2)
    assert tree(other) == alone
    assert any(path.startswith("search/data/docs/") for path, _ in report.reasons)


def test_paper_documents_hold_no_paper_and_refuse_a_missing_text(papers_site: Path) -> None:
    catalog = load_catalog(load_config(papers_site))
    names = {topic.rule.slug: topic.rule.name for topic in catalog.topics}
    known = {item.text_key: item.abstract_text for item in catalog.papers}
    docs = search.paper_documents(catalog.papers, names, lambda keys: known)
    reached, level = [], [docs]
    for _ in range(4):  # the documents, their fields, the list of papers, each paper's tuple
        level = gc.get_referents(*level)
        reached += level
    assert any(isinstance(value, tuple) and len(value) >= 8 for value in reached)
    assert not any(isinstance(value, EnrichedPaper | Paper) for value in reached)
    expected = sorted(
        (search.search_doc(item, names) for item in catalog.papers), key=lambda doc: doc.order
    )
    assert list(docs.run(0, len(docs))) == expected
    lacking = search.paper_documents(catalog.papers, names, lambda keys: {})
    with pytest.raises(CacheCorrupt, match="plain text"):
        lacking.run(0, 1)


def test_an_update_of_paper_documents_reads_only_the_texts_of_changed_blocks(
    papers_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "_RUN", 2)
    monkeypatch.setattr(search, "BLOCK", 2)
    catalog = load_catalog(load_config(papers_site))
    names = {topic.rule.slug: topic.rule.name for topic in catalog.topics}
    texts = {item.text_key: item.abstract_text for item in catalog.papers}
    asked: list[str] = []

    def plain(keys: Sequence[str]) -> dict[str, str]:
        asked.extend(keys)
        return {key: texts[key] for key in keys}

    docs = search.paper_documents(catalog.papers, names, plain)
    fresh = index_files(docs)
    files = _files(fresh, {})
    asked.clear()
    assert update_index(docs, fresh.state, files.get).kept
    assert asked == []  # nothing changed: no text read

    ordered = sorted(catalog.papers, key=lambda item: (item.paper.day, item.paper.id))
    assert len(ordered) >= 6
    texts["edited"] = "an edited abstract about zyxwvut"
    edited = [
        dataclasses.replace(item, text_key="edited") if item is ordered[4] else item
        for item in catalog.papers
    ]
    again = search.paper_documents(edited, names, plain)
    asked.clear()
    result = update_index(again, fresh.state, files.get)
    assert result.kept
    assert set(asked) == {"edited", ordered[5].text_key}  # block 2: documents 4 and 5
    assert _files(result, files) == _files(index_files(again), {})


def test_a_build_whose_cache_loses_a_plain_text_starts_again_afresh(
    papers_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load_config(papers_site)
    build(config, workers=1)
    expected = tree(papers_site / "_site")
    shutil.rmtree(papers_site / "_site")
    reads = BuildCache.plain_texts_of
    lost: list[int] = []

    def losing(cache: BuildCache, keys: Sequence[str]) -> dict[str, str]:
        found = reads(cache, keys)
        if not lost and found:  # the first read finds the table broken
            lost.append(1)
            return {}
        return found

    monkeypatch.setattr(BuildCache, "plain_texts_of", losing)
    report = build(config, workers=1)
    assert lost
    assert "plain text" in report.cache_reset
    assert tree(papers_site / "_site") == expected
