"""Related papers: what ranks first, and updating from the previous state gives exactly what
computing from nothing gives (after edits, additions, deletions, date changes, through JSON)."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from site_builder.cache import BuildCache
from site_builder.config import load_config
from site_builder.enrich import related
from site_builder.enrich.related import RelatedState, related_papers, update_related
from site_builder.models import Paper
from site_builder.pipeline import load_catalog

DAY = date(2025, 3, 3)


def _paper(paper_id: str, title: str, abstract: str, days_ago: int = 0) -> Paper:
    return Paper(
        id=paper_id, title=title, abstract=abstract, featured=DAY - timedelta(days=days_ago)
    )


HAND_MADE = [
    _paper(
        "spec-new",
        "Faster Speculative Decoding with Tree Drafts",
        "Speculative decoding lets a small draft model propose tokens that the large target "
        "model verifies in one pass. We build draft trees and raise the acceptance rate of "
        "drafted tokens, cutting decoding latency.",
    ),
    _paper(
        "spec-old",
        "Speculative Decoding Revisited",
        "A draft model proposes several tokens and the target model verifies them; we study "
        "the acceptance rate of drafted tokens and how speculative decoding latency scales.",
        days_ago=9,
    ),
    _paper(
        "diffusion",
        "Consistency Distillation for Diffusion Image Generation",
        "We distil a diffusion model into a consistency model for few-step image generation, "
        "keeping sample quality while cutting denoising steps.",
        days_ago=3,
    ),
    _paper(
        "speech",
        "Streaming Speech Recognition with Small Encoders",
        "A streaming speech recognizer with a small encoder matches larger models on word "
        "error rate; latency drops with chunked attention over audio frames.",
        days_ago=4,
    ),
    _paper(
        "rl",
        "Reward Models for Mathematical Reasoning",
        "Process reward models score each reasoning step of mathematical solutions; the "
        "policy trained with them solves more competition problems.",
        days_ago=5,
    ),
    _paper(
        "latency",
        "Serving Large Models at Low Latency",
        "Batching, paged memory for the key value cache and kernel fusion lower the serving "
        "latency of large models; tokens per second double on one GPU.",
        days_ago=2,
    ),
    _paper(
        "graph",
        "Graph Neural Networks for Molecules",
        "Message passing over molecular graphs predicts properties of molecules; we add "
        "equivariant layers and improve accuracy on standard molecule benchmarks.",
        days_ago=6,
    ),
    _paper(
        "spec-future",
        "Speculative Decoding for Speech",
        "Draft tokens for speech models: speculative decoding with a draft model and a target "
        "model that verifies drafted tokens, with high acceptance rate.",
        days_ago=-1,
    ),
]


def test_the_obviously_related_paper_ranks_first() -> None:
    lists = related_papers(HAND_MADE)
    # The one older paper on speculative decoding comes first; the newer one, featured a day
    # later, never appears in an older paper's list.
    assert lists["spec-new"][0] == "spec-old"
    assert "spec-future" not in lists["spec-new"]
    assert set(lists["spec-future"][:2]) == {"spec-new", "spec-old"}
    # Papers sharing no distinctive word are not related at all.
    assert "graph" not in lists["spec-new"]
    assert lists["graph"] == ()


def test_every_related_paper_shares_a_distinctive_word() -> None:
    lists = related_papers(HAND_MADE)
    stems = related._Stems()
    words = {paper.id: set(related._bag(paper.title, paper.abstract, stems)) for paper in HAND_MADE}
    for paper_id, others in lists.items():
        for other in others:
            assert words[paper_id] & words[other], (paper_id, other)


# A small vocabulary, so that document frequencies cross rounding steps, terms turn common and
# back, and windows fill: everything the update has to get right.
_WORDS = (
    "diffusion guidance reasoning verifier hallucination benchmark agent distillation safety "
    "alignment retrieval vision speech tokens decoding draft reward graph molecule latency"
).split()


def _random_papers(rng: random.Random, count: int, start: int = 0) -> list[Paper]:
    return [_random_paper(rng, f"p{number:04d}") for number in range(start, start + count)]


def _random_paper(rng: random.Random, paper_id: str) -> Paper:
    # A few words used by nearly every paper, and some only a handful of papers use.
    favourite = _WORDS[: rng.randint(3, len(_WORDS))]
    words = [rng.choice(favourite) for _ in range(rng.randint(3, 25))]
    return _paper(paper_id, " ".join(words[:3]), " ".join(words), days_ago=rng.randrange(12))


def _edit(rng: random.Random, papers: list[Paper], step: int) -> list[Paper]:
    papers = list(papers)
    kind = rng.choice(["abstract", "abstract", "title", "day", "add", "delete", "many"])
    index = rng.randrange(len(papers))
    paper = papers[index]
    if kind == "abstract":
        papers[index] = _paper(
            paper.id, paper.title, f"{paper.abstract} {rng.choice(_WORDS)} revised", 0
        )
        papers[index] = _with_day(papers[index], paper.day)
    elif kind == "title":
        papers[index] = _with_day(
            _paper(paper.id, f"{rng.choice(_WORDS)} {paper.title}", paper.abstract), paper.day
        )
    elif kind == "day":
        papers[index] = _with_day(paper, paper.day - timedelta(days=rng.randint(-3, 3)))
    elif kind == "add":
        papers.append(_random_paper(rng, f"added{step}"))
    elif kind == "delete" and len(papers) > 1:
        del papers[index]
    elif kind == "many":
        papers.extend(_random_papers(rng, rng.randint(5, 40), start=1000 + 100 * step))
    return papers


def _with_day(paper: Paper, featured: date) -> Paper:
    return Paper(id=paper.id, title=paper.title, abstract=paper.abstract, featured=featured)


def _through_json(state: RelatedState) -> RelatedState:
    restored = RelatedState.from_json(json.loads(json.dumps(state.to_json())))
    assert restored is not None
    return restored


@given(seed=st.integers(0, 2**32), size=st.integers(1, 80), window=st.sampled_from([2, 5, 32]))
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_updating_gives_exactly_what_computing_from_nothing_gives(
    monkeypatch: pytest.MonkeyPatch, seed: int, size: int, window: int
) -> None:
    # Small windows make them fill and slide in a small collection.
    monkeypatch.setattr(related, "WINDOW", window)
    rng = random.Random(seed)
    papers = _random_papers(rng, size)
    lists, state = update_related(papers, None, None)
    kept = _keep_postings({}, state)
    for step in range(6):
        papers = _edit(rng, papers, step)
        lists, state = update_related(papers, None, _through_json(state))
        assert lists == related_papers(papers)
        # The postings a caller keeps, moved as the state says, are those from nothing.
        kept = _keep_postings(kept, state)
        assert _by_word(kept, state) == _by_word(*_postings_from_nothing(papers))


def _postings_from_nothing(
    papers: list[Paper],
) -> tuple[dict[int, related.Postings], RelatedState]:
    state = update_related(papers, None, None)[1]
    return state.postings, state


def _by_word(
    postings: dict[int, related.Postings], state: RelatedState
) -> dict[str, related.Postings]:
    """`postings` by the terms' words: numbers differ between an update and a computation
    from nothing."""
    return {
        state.vocabulary[term]: (list(papers), list(weights))
        for term, (papers, weights) in postings.items()
    }


def _keep_postings(
    kept: dict[int, related.Postings], state: RelatedState
) -> dict[int, related.Postings]:
    """`kept` as a caller of `update_related` keeps it after `state` (`RelatedState.postings`,
    all of them when it has an `order`)."""
    kept = {} if state.order is not None else dict(kept)
    kept.update(state.postings)
    return {term: found for term, found in kept.items() if found[0]}


def test_an_edit_recomputes_a_few_lists_not_all() -> None:
    rng = random.Random(7)
    papers = _random_papers(rng, 600)
    _, state = update_related(papers, None, None)
    edited = list(papers)
    edited[300] = _with_day(
        _paper(papers[300].id, papers[300].title, papers[300].abstract + " speech"),
        papers[300].day,
    )
    previous = _through_json(state)
    lists, new_state = update_related(edited, None, previous)
    assert lists == related_papers(edited)
    # Entries the update did not touch are the very objects it was given.
    kept = sum(new_state.papers[key] is previous.papers[key] for key in previous.papers)
    assert kept > len(papers) // 2


def test_nothing_changed_returns_the_same_state() -> None:
    papers = _random_papers(random.Random(3), 50)
    lists, state = update_related(papers, None, None)
    again, same = update_related(papers, None, state)
    assert same is state and again == lists


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data.update(df="nonsense"),
        lambda data: data.pop("vocabulary"),
        lambda data: data.update(version="0"),
        lambda data: next(iter(data["papers"].values())).__setitem__(4, "weights"),
        lambda data: next(iter(data["papers"].values())).__setitem__(3, [10**6]),
        lambda data: next(iter(data["papers"].values())).pop(),
        lambda data: data["df"].update(dict.fromkeys(data["df"], 0)),
    ],
)
def test_a_damaged_state_is_not_trusted(damage: object) -> None:
    rng = random.Random(11)
    papers = _random_papers(rng, 60)
    _, state = update_related(papers, None, None)
    data = json.loads(json.dumps(state.to_json()))
    damage(data)  # type: ignore[operator]
    papers = _edit(rng, papers, 0)
    papers[0] = _with_day(papers[0], papers[0].day - timedelta(days=1))
    restored = RelatedState.from_json(data)
    assert update_related(papers, None, restored)[0] == related_papers(papers)


def test_processes_and_one_process_agree() -> None:
    papers = _random_papers(random.Random(5), 900)
    assert related_papers(papers, workers=2) == related_papers(papers, workers=1)


def test_cached_and_clean_builds_give_the_same_related_lists(papers_site: Path) -> None:
    site = papers_site
    config = load_config(site, now=date(2026, 6, 12))
    folder = site / "content" / "papers" / "2026"
    rng = random.Random(2)
    for step in range(8):
        files = sorted(folder.glob("*.md"))
        target = files[rng.randrange(len(files))]
        text = target.read_text("utf-8")
        if step % 4 == 3:
            copy = re.sub(r'^id: "(.*)"$', rf'id: "\1-{step}"', text, count=1, flags=re.M)
            target.with_name(f"copy-{step}.md").write_text(copy + " diffusion\n", "utf-8")
        else:
            target.write_text(text.rstrip() + f" {rng.choice(_WORDS)} revised.\n", "utf-8")
        cache = BuildCache.open(site)
        try:
            cached = {p.paper.id: p.related for p in load_catalog(config, cache).papers}
        finally:
            cache.close()
        clean = {p.paper.id: p.related for p in load_catalog(config).papers}
        assert cached == clean
        assert any(clean.values())


def _header_and_rows(state: RelatedState) -> tuple[dict[str, object], dict[str, list[object]]]:
    data = json.loads(json.dumps(state.to_json()))
    return data, data.pop("papers")


_RARE = [f"rare{n}" for n in range(24)]


def _rarely(rng: random.Random, paper_id: str) -> Paper:
    """A paper of common words and a few of `_RARE`, which few papers share: their weights
    move when one paper more or less uses them."""
    words = [rng.choice(_WORDS) for _ in range(rng.randint(3, 12))]
    words += rng.sample(_RARE, rng.randint(0, 4))
    rng.shuffle(words)
    return _paper(paper_id, " ".join(words[:2]), " ".join(words), days_ago=rng.randrange(5))


@given(
    seed=st.integers(0, 2**32),
    size=st.integers(2, 70),
    added=st.lists(st.sampled_from([*_RARE[:8], *_WORDS[:4], "zyzzyva"]), max_size=3),
    cut=st.integers(0, 3),
)
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_an_update_for_one_text_is_the_full_update_or_nothing(
    monkeypatch: pytest.MonkeyPatch, seed: int, size: int, added: list[str], cut: int
) -> None:
    """`update_for_text` answers only when no list changes, and then with the state the full
    update gives: the same lists, counts and row."""
    # Short vectors leave terms out of them, whose weights can still move other papers'.
    monkeypatch.setattr(related, "_MAX_TERMS", 3)
    rng = random.Random(seed)
    papers = [_rarely(rng, f"p{number:03d}") for number in range(size)]
    lists, state = update_related(papers, None, None)
    index = rng.randrange(size)
    paper = papers[index]
    words = paper.abstract.split()
    abstract = " ".join([*words[: max(1, len(words) - cut)], *added])
    edited = _with_day(_paper(paper.id, paper.title, abstract), paper.day)
    header, rows = _header_and_rows(state)
    found = related.update_for_text(header, rows[paper.id], edited, abstract)
    after = [*papers[:index], edited, *papers[index + 1 :]]
    new_lists, new_state = update_related(after, None, _through_json(state))
    if found is None:
        return
    df, row, counts = found
    assert new_lists == lists
    assert new_state.df == df
    assert new_state.papers[paper.id] == row
    if abstract != paper.abstract:  # else the update keeps the state, counts and all
        assert list(new_state.counts[paper.id]) == list(counts)


def test_a_word_no_other_paper_uses_changes_no_list() -> None:
    papers = _random_papers(random.Random(7), 40)
    other = papers[6]
    papers[6] = _with_day(_paper(other.id, other.title, other.abstract + " quokka"), other.day)
    _, state = update_related(papers, None, None)
    paper = papers[5]
    edited = _with_day(_paper(paper.id, paper.title, paper.abstract + " zyzzyva"), paper.day)
    header, rows = _header_and_rows(state)
    found = related.update_for_text(header, rows[paper.id], edited, edited.abstract)
    assert found is not None
    assert found[0]["zyzzyva"] == 1
    # A word one other paper uses now has two, and a weight: only the full update can tell.
    shared = _with_day(_paper(paper.id, paper.title, paper.abstract + " quokka"), paper.day)
    assert related.update_for_text(header, rows[paper.id], shared, shared.abstract) is None


@given(
    seed=st.integers(0, 2**32),
    size=st.integers(2, 70),
    added=st.lists(st.sampled_from([*_RARE[:8], *_WORDS[:6], "zyzzyva"]), max_size=4),
    edits=st.integers(1, 2),
    terms=st.sampled_from([3, 30]),
)
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_an_update_from_the_state_alone_is_the_full_update_or_nothing(
    monkeypatch: pytest.MonkeyPatch, seed: int, size: int, added: list[str], edits: int, terms: int
) -> None:
    """`update_from_state` knows the unchanged papers only by their rows and, when a term's
    weight changes, the term counts of those using it: it gives what the full update gives,
    lists and state. Without the counts it gives that or nothing."""
    monkeypatch.setattr(related, "_MAX_TERMS", terms)
    rng = random.Random(seed)
    papers = [_rarely(rng, f"p{number:03d}") for number in range(size)]
    _, state = update_related(papers, None, None)
    assert state.counts.keys() == {paper.id for paper in papers}
    stored = {key: list(counts) for key, counts in state.counts.items()}
    asked: list[str] = []

    def counts_of(ids: Iterable[str]) -> dict[str, list[int]]:
        wanted = list(ids)
        asked.extend(wanted)
        return {key: stored[key] for key in wanted}

    changed = {}
    for index in rng.sample(range(size), min(edits, size)):
        paper = papers[index]
        abstract = " ".join([*paper.abstract.split()[1:], *added])
        papers[index] = _with_day(_paper(paper.id, paper.title, abstract), paper.day)
        changed[paper.id] = (papers[index], abstract)
    header, rows = _header_and_rows(state)
    found = related.update_from_state(header, rows, changed, counts_of)
    without_counts = related.update_from_state(header, rows, changed)
    lists, full = update_related(papers, None, _through_json(state))
    assert found is not None
    assert found[0] == lists
    assert found[1].df == full.df
    assert found[1].papers == full.papers
    assert found[1].vocabulary == full.vocabulary
    # Counts are asked for only of papers to weigh again, and come back for the new rows.
    assert not set(asked) & changed.keys()
    for key, counts in found[1].counts.items():
        assert list(counts) == list(full.counts[key]), key
    assert changed.keys() <= found[1].counts.keys()
    assert (without_counts is None) == bool(asked)
    if without_counts is not None:
        assert without_counts[0] == lists


def test_the_cache_keeps_a_rows_term_counts_while_its_terms_stay(tmp_path: Path) -> None:
    """A row stored again without counts (its list moved, its text did not) keeps them; one
    whose terms changed without counts has none, so no update weighs it from stale counts."""
    cache = BuildCache.open(tmp_path)
    try:
        row = ["digest", 700000, "graph neural", [0], [1.0], []]
        cache.store_related("v", {}, {"a": row, "b": row}, counts={"a": [2, 1], "b": [1, 1]})
        moved = [*row[:5], ["b"]]
        retermed = [*row[:2], "graph", [0], [1.0], []]
        cache.store_related("v", {}, {"a": moved, "b": retermed}, counts={})
        assert cache.related_counts_of(["a", "b", "c"]) == {"a": [2, 1]}
        assert cache.related_rows()["a"] == moved
    finally:
        cache.close()


@given(
    seed=st.integers(0, 2**32),
    size=st.integers(2, 70),
    added=st.lists(st.sampled_from([*_RARE[:8], *_WORDS[:4], "zyzzyva"]), max_size=3),
    edits=st.integers(1, 3),
    terms=st.sampled_from([3, 30]),
    window=st.sampled_from([2, 5, 32]),
)
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_an_update_from_the_postings_is_the_full_update(
    monkeypatch: pytest.MonkeyPatch,
    seed: int,
    size: int,
    added: list[str],
    edits: int,
    terms: int,
    window: int,
) -> None:
    """`update_from_postings` reads only the postings and rows it needs, and changes the
    state as the full update does: rows, lists, counts and postings. Papers that use a term
    whose weight moved are weighed again from their term counts; without those counts it
    declines exactly when there is such a paper."""
    monkeypatch.setattr(related, "_MAX_TERMS", terms)
    monkeypatch.setattr(related, "WINDOW", window)
    rng = random.Random(seed)
    papers = [_rarely(rng, f"p{number:03d}") for number in range(size)]
    _, state = update_related(papers, None, None)
    assert state.order is not None
    header, rows = _header_and_rows(state)
    kept = json.loads(json.dumps(_keep_postings({}, state)))
    kept = {int(term): found for term, found in kept.items()}
    stored_counts = {key: list(counts) for key, counts in state.counts.items()}
    read: list[str] = []
    asked: list[str] = []

    def rows_of(ids: Iterable[str]) -> dict[str, list[object]]:
        wanted = list(ids)
        read.extend(wanted)
        return {key: rows[key] for key in wanted if key in rows}

    def counts_of(ids: Iterable[str]) -> dict[str, list[int]]:
        wanted = list(ids)
        asked.extend(wanted)
        return {key: stored_counts[key] for key in wanted}

    def stored(counts: related.CountsOf) -> related.StoredPostings:
        return related.StoredPostings(
            order=state.order,  # type: ignore[arg-type]
            postings_of=lambda terms: {term: kept[term] for term in terms if term in kept},
            rows_of=rows_of,
            users_of=lambda words: [
                key for key, row in rows.items() if set(words) & set(str(row[2]).split())
            ],
            counts_of=counts,
        )

    changed = {}
    for index in rng.sample(range(size), min(edits, size)):
        paper = papers[index]
        abstract = " ".join([*paper.abstract.split()[1:], *added])
        papers[index] = _with_day(_paper(paper.id, paper.title, abstract), paper.day)
        changed[paper.id] = (papers[index], abstract)
    found = related.update_from_postings(header, stored(counts_of), changed)
    without_counts = related.update_from_postings(header, stored(lambda ids: {}), changed)
    _, full = update_related(papers, None, _through_json(state))
    assert found is not None
    assert (without_counts is None) == bool(asked)
    assert not set(asked) & changed.keys()
    assert found.header == {**header, "df": full.df, "vocabulary": full.vocabulary}
    assert {**rows, **found.rows} == full.papers
    assert not {key for key, row in found.rows.items() if rows[key] == row}
    assert found.relisted == [
        key for key in full.papers if key not in changed and full.papers[key][5] != rows[key][5]
    ]
    assert {key: list(counts) for key, counts in found.counts.items()} == {
        key: list(full.counts[key]) for key in found.counts
    }
    after = _as_state(found)
    assert _by_word(_keep_postings(kept, after), after) == _by_word(*_postings_from_nothing(papers))
    # Rows are read of the changed papers, those weighed again and those whose lists are
    # made again, only.
    bound = len(changed) + len(set(asked)) + len(found.rows) + window * terms * 2 * len(changed)
    assert len(set(read)) <= 2 * bound  # the call without counts reads them again


def _as_state(change: related.RelatedChange) -> RelatedState:
    state = RelatedState.from_json({**change.header, "papers": {}})
    assert state is not None
    return RelatedState(**{**vars_of(state), "postings": change.postings})


def vars_of(state: RelatedState) -> dict[str, object]:
    return {name: getattr(state, name) for name in RelatedState.__dataclass_fields__}


def test_postings_that_disagree_with_the_rows_are_not_trusted() -> None:
    rng = random.Random(21)
    papers = _random_papers(rng, 120)
    _, state = update_related(papers, None, None)
    assert state.order is not None
    header, rows = _header_and_rows(state)
    paper = next(paper for paper in papers if len(rows[paper.id][3]) >= 2)  # type: ignore[arg-type]
    # The same words, one more often: no term's weight moves, the paper's vector does.
    word = state.vocabulary[rows[paper.id][3][-1]]  # type: ignore[index]
    abstract = f"{paper.abstract} {word} {word}"
    edited = _with_day(_paper(paper.id, paper.title, abstract), paper.day)
    changed = {paper.id: (edited, edited.abstract)}
    kept = _keep_postings({}, state)

    def update(postings: dict[int, related.Postings]) -> related.RelatedChange | None:
        stored = related.StoredPostings(
            order=state.order,  # type: ignore[arg-type]
            postings_of=lambda terms: {term: postings[term] for term in terms if term in postings},
            rows_of=lambda ids: {key: rows[key] for key in ids},
            users_of=lambda words: [],
            counts_of=lambda ids: {},
        )
        return related.update_from_postings(header, stored, changed)

    found = update(kept)
    assert found is not None and found.postings
    term = rows[paper.id][3][0]  # type: ignore[index]
    assert update({key: found for key, found in kept.items() if key != term}) is None
    papers_of, weights = kept[term]
    assert update({**kept, term: (papers_of, [weight + 1 for weight in weights])}) is None


def test_the_cache_moves_postings_as_told(tmp_path: Path) -> None:
    """Postings given alone replace those of their terms (an empty one deletes its term's);
    with an order, they replace all, and the order is kept with them."""
    cache = BuildCache.open(tmp_path)
    try:
        order = (["a", "b"], [700000, 700001])
        first = {0: ([0, 1], [0.5, 0.25]), 1: ([1], [1.0])}
        cache.store_related("v", {}, {}, counts={}, postings=first, order=order)
        assert cache.related_order("v") == (["a", "b"], [700000, 700001])
        assert cache.related_order("w") is None
        cache.store_related("v", {}, {}, counts={}, postings={0: ([], []), 2: ([0], [0.75])})
        assert cache.related_postings_of([0, 1, 2, 3]) == {1: ([1], [1.0]), 2: ([0], [0.75])}
        cache.store_related("v", {}, {}, counts={}, postings={5: ([0], [1.0])}, order=order)
        assert cache.related_postings_of(range(6)) == {5: ([0], [1.0])}
        cache.store_related("v", {}, {}, counts={}, replace=True)
        assert cache.related_postings_of(range(6)) == {}
        assert cache.related_order("v") is None
    finally:
        cache.close()


def test_the_cache_finds_the_users_of_terms(tmp_path: Path) -> None:
    cache = BuildCache.open(tmp_path)
    try:
        rows = {
            "a": ["d", 700000, "graph neural", [], [], []],
            "b": ["d", 700000, "graphs neural", [], [], []],
            "c": ["d", 700000, "graph", [], [], []],
        }
        cache.store_related("v", {}, rows, counts={})
        assert sorted(cache.related_users_of(["graph"])) == ["a", "c"]
        assert sorted(cache.related_users_of(["graphs", "nothing"])) == ["b"]
        assert cache.related_users_of([]) == []
    finally:
        cache.close()
