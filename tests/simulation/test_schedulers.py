"""benor_lib.simulation.schedulers: who hears what, and in which order."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from benor_lib import run
from benor_lib.simulation.schedulers import (
    Fifo,
    RandomOrder,
    Scripted,
    Split,
    Uniform,
    make_scheduler,
    split_proposal_ds,
    split_report_ones,
)


@pytest.mark.parametrize(
    "name, kind",
    [("uniform", Uniform), ("random_order", RandomOrder), ("fifo", Fifo), ("split", Split)],
)
def test_names_make_fresh_schedulers(name: str, kind: type) -> None:
    a, b = make_scheduler(name), make_scheduler(name)
    assert isinstance(a, kind) and a is not b
    assert isinstance(make_scheduler([(0, 1, 1, 1)]), Scripted)


def test_an_unknown_scheduler_is_a_value_error_that_lists_the_names() -> None:
    with pytest.raises(ValueError, match="uniform"):
        make_scheduler("bogus")
    with pytest.raises(ValueError, match="scheduler"):
        make_scheduler(3.5)


@given(
    own=st.integers(0, 1),
    ones_others=st.integers(0, 12),
    zeros_others=st.integers(0, 12),
    data=st.data(),
)
def test_the_split_view_is_the_most_balanced_possible(own, ones_others, zeros_others, data):
    need = data.draw(st.integers(0, ones_others + zeros_others))
    fewest, most = (int(v) for v in split_report_ones(own, 1, ones_others, zeros_others, need))
    possible = range(max(0, need - zeros_others), min(need, ones_others) + 1)
    assert fewest in possible and most in possible and fewest <= most
    total = need + 1

    def imbalance(k: int) -> int:
        return abs(2 * (k + own) - total)

    best = min(imbalance(k) for k in possible)
    assert imbalance(fewest) == best and imbalance(most) == best


def test_the_split_view_works_elementwise() -> None:
    own, ones, zeros, need = [0, 1, 1], [3, 4, 0], [2, 0, 5], [4, 3, 4]
    fewest, most = split_report_ones(own, [1, 1, 1], ones, zeros, need)
    for i in range(3):
        f, m = split_report_ones(own[i], 1, ones[i], zeros[i], need[i])
        assert (fewest[i], most[i]) == (f, m)
    assert split_proposal_ds([4, 4, 2], [1, 5, 0]).tolist() == [3, 0, 2]


def test_fifo_delivers_each_message_in_the_order_it_was_sent() -> None:
    r = run(4, 1, [0, 1, 1, 0], scheduler="fifo", seed=1, max_rounds=5)
    assert r.status in ("decided", "undecided")
    # a FIFO run is the same whatever the seed, as long as the coins agree
    again = run(4, 1, [0, 1, 1, 0], scheduler="fifo", coin=r.coin_flips(), seed=99, max_rounds=5)
    assert again.deliveries() == r.deliveries()


def test_a_scripted_scheduler_delivers_its_script() -> None:
    r = run(5, 1, [0, 1, 1, 0, 1], scheduler="random_order", seed=3, max_rounds=5)
    script = r.deliveries()
    again = run(5, 1, [0, 1, 1, 0, 1], scheduler=Scripted(script), coin=r.coin_flips())
    assert again.deliveries() == script and again.decisions == r.decisions


def test_the_split_adversary_keeps_balanced_inputs_undecided_in_round_one() -> None:
    rng = np.random.default_rng(5)
    for _ in range(20):
        r = run(5, 2, [0, 0, 1, 1, 1], scheduler="split", seed=int(rng.integers(2**31)))
        assert r.rounds > 1 or r.status != "decided"
