"""Replay: a run made again from its own deliveries and coin flips is the same run."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from benor_lib import Crash, run


@st.composite
def runs(draw):
    n = draw(st.integers(1, 7))
    t = draw(st.integers(0, (n - 1) // 2))
    crashed = draw(st.permutations(range(n)))[: draw(st.integers(0, t))]
    faults = [Crash(p, after=draw(st.integers(0, n))) for p in crashed]
    inputs = draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
    return run(
        n,
        t,
        inputs,
        scheduler=draw(st.sampled_from(("uniform", "random_order", "fifo", "split"))),
        coin=draw(st.sampled_from(("local", "common"))),
        faults=faults,
        seed=draw(st.integers(0, 2**32 - 1)),
        max_rounds=20,
    )


def _summary(r) -> tuple:
    return (r.status, r.rounds, dict(r.decisions), r.trace)


@settings(max_examples=60, deadline=None)
@given(r=runs())
def test_replay_of_every_delivery_is_the_identity(r) -> None:
    again = r.replay(upto=len(r.deliveries()))
    assert _summary(again) == _summary(r)
    assert _summary(r.replay()) == _summary(r)


@settings(max_examples=30, deadline=None)
@given(r=runs(), data=st.data())
def test_replay_of_a_prefix_is_a_prefix(r, data) -> None:
    deliveries = r.deliveries()
    k = data.draw(st.integers(0, len(deliveries)))
    part = r.replay(upto=k)
    assert part.deliveries() == deliveries[:k]
    assert part.trace == r.trace[: len(part.trace)]
