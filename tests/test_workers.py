"""`fork_map` and `fork_imap` give what a plain map gives, in order, in one process or several."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from site_builder import workers


@settings(max_examples=10, deadline=None)
@given(
    items=st.lists(st.integers(), max_size=300),
    chunk=st.integers(min_value=1, max_value=70),
    count=st.sampled_from([1, 2]),
)
def test_fork_imap_gives_the_map_in_chunks_in_order(
    items: list[int], chunk: int, count: int
) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(workers, "PARALLEL_MIN_ITEMS", 1)
        parts = list(workers.fork_imap(lambda x: x * 3 + 1, items, workers=count, chunk=chunk))
    assert [len(part) for part in parts] == [
        len(items[start : start + chunk]) for start in range(0, len(items), chunk)
    ]
    assert [value for part in parts for value in part] == [x * 3 + 1 for x in items]


def test_fork_imap_runs_in_other_processes_while_the_caller_consumes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(workers, "PARALLEL_MIN_ITEMS", 1)
    seen = []
    for part in workers.fork_imap(lambda _: os.getpid(), range(40), workers=2, chunk=4):
        seen += part
    assert len(seen) == 40 and os.getpid() not in seen
    assert workers.fork_map(lambda x: -x, range(5), workers=2, chunk=2) == [0, -1, -2, -3, -4]
