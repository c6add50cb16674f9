"""The search index: words, files, and updates that give the same bytes as a fresh index."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from site_builder import search
from site_builder.build import build
from site_builder.config import load_config
from site_builder.search import SearchDoc, index_files, update_index

from .conftest import tree


def test_words_fold_accents_case_and_compatibility_forms() -> None:
    assert search.words("Pérez and the \uff2c\uff2c\uff2d ﬁne-tuning of GPT_4") == [
        "perez",
        "llm",
        "fine",
        "tuning",
        "gpt",
    ]
    assert search.words("x y 3D") == ["3d"]


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_ascii_words_split_as_the_unicode_rule_does(text: str) -> None:
    expected = [w for w in re.findall(r"[^\W_]+", text.lower()) if len(w) > 1]
    assert search.words(text) == [w for w in expected if w not in search.STOPWORDS]


def test_words_sharing_a_start_share_a_term_file() -> None:
    assert search.bucket_of("hallucination", 64) == search.bucket_of("hallucinate", 64)
    # FNV-1a of "hal" computed by hand from the algorithm's definition.
    value = 0x811C9DC5
    for byte in b"hal":
        value = ((value ^ byte) * 16777619) % 2**32
    assert search.bucket_of("hallucination", 1 << 20) == value % (1 << 20)


def _doc(number: int, title: str, text: str, day: str = "2025-01-01") -> SearchDoc:
    return SearchDoc(
        path=f"papers/p{number}/",
        title=title,
        authors=(f"Author {number}",),
        day=day,
        text=text,
        order=(day, f"p{number:04d}"),
    )


def _files(result: search.IndexFiles, before: dict[str, bytes]) -> dict[str, bytes]:
    files = {path: before[path] for path in result.kept}
    files.update({str(f.path): f.data for f in result.files})
    return files


def test_index_finds_each_word_with_field_weights() -> None:
    docs = [
        _doc(0, "Sparse attention", "We study transformers."),
        _doc(1, "Graph networks", "Attention over graphs, and attention again."),
    ]
    files = _files(index_files(docs), {})
    meta = json.loads(files["search/data/meta.json"])
    assert meta["documents"] == 2
    terms = json.loads(
        files[f"search/data/terms/{search.bucket_of('attention', meta['termFiles'])}.json"]
    )
    # Document 0 has it in the title (5), document 1 twice in the abstract (1 + 1).
    assert terms["attention"] == [0, 5, 1, 2]
    block = json.loads(files["search/data/docs/0.json"])
    assert [record[1] for record in block] == ["Sparse attention", "Graph networks"]
    assert "the" not in json.dumps([json.loads(d) for p, d in files.items() if "/terms/" in p])


def test_indexing_on_several_processes_gives_the_same_bytes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    docs = [
        _doc(n, f"paper {n} on topic{n % 7}", f"words{n} about w{n % 50} and v{n % 31} shared")
        for n in range(2500)
    ]
    monkeypatch.setattr(search, "_RUN", len(docs))  # one run: nothing to merge
    alone = index_files(docs)
    # Small runs, so the documents make 40 runs in five batches across the workers.
    monkeypatch.setattr(search, "_RUN", 64)
    together = index_files(docs, workers=2)
    assert _files(together, {}) == _files(alone, {})
    assert together.state == alone.state


_WORDS = st.sampled_from(
    "attention graph neural sparse model models modelling vision language agent agents "
    "reasoning robot diffusion token tokens retrieval Pérez café 3d x".split()
)
_TEXT = st.lists(_WORDS, min_size=0, max_size=12).map(" ".join)


@st.composite
def _histories(draw: st.DrawFn) -> tuple[list[SearchDoc], list[list[SearchDoc]]]:
    count = draw(st.integers(min_value=1, max_value=80))
    docs = [_doc(n, draw(_TEXT), draw(_TEXT), f"2025-01-{1 + n // 20:02d}") for n in range(count)]
    steps = []
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        docs = list(docs)
        action = draw(st.sampled_from(["edit", "add", "remove", "none"]))
        if action == "edit":
            target = draw(st.integers(min_value=0, max_value=len(docs) - 1))
            old = docs[target]
            docs[target] = _doc(int(old.path[8:-1]), draw(_TEXT), draw(_TEXT), old.day)
        elif action == "add":
            number = len(docs) + 1000 * len(steps)
            docs.append(_doc(number, draw(_TEXT), draw(_TEXT), "2025-02-01"))
        elif action == "remove" and len(docs) > 1:
            docs.pop(draw(st.integers(min_value=0, max_value=len(docs) - 1)))
        steps.append(docs)
    return steps[0], steps


@settings(max_examples=150, deadline=None)
@given(_histories())
def test_updating_gives_the_same_bytes_as_indexing_afresh(
    history: tuple[list[SearchDoc], list[list[SearchDoc]]],
) -> None:
    first, steps = history
    result = index_files(first)
    files = _files(result, {})
    state = result.state
    for docs in steps:
        result = update_index(docs, state, files.get)
        files = _files(result, files)
        state = result.state
        assert files == _files(index_files(docs), {})
        assert state == index_files(docs).state


def test_an_update_reads_only_what_it_needs_and_rewrites_little() -> None:
    docs = [
        _doc(n, f"paper {n} on topic{n % 7}", f"words{n} about w{n % 50} and v{n % 31} shared")
        for n in range(2000)
    ]
    fresh = index_files(docs)
    files = _files(fresh, {})
    edited = list(docs)
    edited[200] = _doc(200, "a new title entirely", "another abstract", docs[200].day)
    read: list[str] = []

    def reader(path: str) -> bytes | None:
        read.append(path)
        return files.get(path)

    result = update_index(edited, fresh.state, reader)
    assert json.loads(files["search/data/meta.json"])["termFiles"] >= 16
    assert len(result.files) < len(files) / 4
    assert "search/data/docs/6.json" in {str(f.path) for f in result.files}
    assert len(read) < len(files) / 4
    assert _files(result, files) == _files(index_files(edited), {})


def test_a_broken_old_index_is_rebuilt_not_patched() -> None:
    docs = [_doc(n, f"title {n}", "text") for n in range(50)]
    fresh = index_files(docs)
    files = _files(fresh, {})
    files["search/data/docs/0.json"] = b"{not json"
    edited = [_doc(0, "changed", "text"), *docs[1:]]
    result = update_index(edited, fresh.state, files.get)
    assert result.kept == []
    assert _files(result, {}) == _files(index_files(edited), {})


def test_an_edit_rebuilds_only_part_of_the_sites_index(papers_site: Path, tmp_path: Path) -> None:
    config = load_config(papers_site)
    build(config)
    before = {p: d for p, d in tree(papers_site / "_site").items() if p.startswith("search/")}
    paper = sorted((papers_site / "content" / "papers").rglob("*.md"))[0]
    paper.write_text(paper.read_text("utf-8").rstrip() + " Zyxwvut appears.\n", "utf-8")
    report = build(config)
    written = {path for path, _ in report.reasons if path.startswith("search/")}
    after = {p: d for p, d in tree(papers_site / "_site").items() if p.startswith("search/")}
    assert written == {p for p in after if before.get(p) != after[p]}
    assert any("zyxwvut" in after[p].decode() for p in written if "/terms/" in p)
    clean = tmp_path / "clean"
    build(dataclasses.replace(config, output_dir=clean), clean=True)
    assert after == {p: d for p, d in tree(clean).items() if p.startswith("search/")}


@settings(max_examples=100, deadline=None)
@given(
    count=st.integers(min_value=1, max_value=120),
    edits=st.lists(st.tuples(st.integers(min_value=0), _TEXT, _TEXT), min_size=1, max_size=3),
)
def test_patching_documents_gives_the_files_of_an_update(
    count: int, edits: list[tuple[int, str, str]]
) -> None:
    """`patch_index` reads back the documents it is not given and makes what an update over
    all of them makes (or nothing, where the update would rebuild the index)."""
    docs = [
        _doc(n, f"title {n % 9}", f"w{n % 13} text {n}", f"2025-01-{1 + n // 40:02d}")
        for n in range(count)
    ]
    fresh = index_files(docs)
    files = _files(fresh, {})
    edited = list(docs)
    for target, title, text in edits:
        old = edited[target % count]
        edited[target % count] = _doc(int(old.path[8:-1]), title, text, old.day)
    changed = [doc for doc in edited if doc not in docs]
    patched = search.patch_index(fresh.state, files.get, [(doc, doc.digest()) for doc in changed])
    updated = update_index(edited, fresh.state, files.get)
    if patched is None:
        assert updated.kept == []  # rebuilt
        return
    assert {str(f.path): f.data for f in patched.files} == {
        str(f.path): f.data for f in updated.files
    }
    assert patched.kept == updated.kept
    assert patched.state == updated.state
    assert _files(patched, files) == _files(index_files(edited), {})


def test_patching_reads_only_the_changed_documents_blocks() -> None:
    docs = [_doc(n, f"paper {n}", f"words{n} about w{n % 50}") for n in range(2000)]
    fresh = index_files(docs)
    files = _files(fresh, {})
    read: list[str] = []

    def reader(path: str) -> bytes | None:
        read.append(path)
        return files.get(path)

    new = _doc(200, "a new title entirely", "another abstract", docs[200].day)
    patched = search.patch_index(fresh.state, reader, [(new, new.digest())])
    assert patched is not None
    assert [path for path in read if "/docs/" in path] == ["search/data/docs/6.json"]
    assert _files(patched, files) == _files(index_files([*docs[:200], new, *docs[201:]]), {})
