"""benor_lib.protocol.coins: every kind of coin a run can use."""

from __future__ import annotations

import math

import numpy as np
import pytest

from benor_lib.protocol.coins import make_coin


def test_the_local_coin_is_fair_and_independent_per_process() -> None:
    flip, name = make_coin("local", np.random.default_rng(7))
    assert name == "local"
    flips = np.array([[flip(p, r, 0) for p in range(5)] for r in range(1, 2001)])
    assert set(np.unique(flips)) <= {0, 1}
    k = flips.size
    # fair: the share of ones within 5 standard deviations of 1/2
    assert abs(flips.mean() - 0.5) <= 5 * math.sqrt(0.25 / k)
    # independent across processes: the processes disagree in about half the rounds
    disagree = (flips.min(axis=1) != flips.max(axis=1)).mean()
    assert abs(disagree - (1 - 2 * 0.5**5)) <= 5 * math.sqrt(0.25 / len(flips))


def test_the_common_coin_is_one_bit_per_round_for_everyone() -> None:
    flip, _ = make_coin("common", np.random.default_rng(7))
    rounds = [[flip(p, r, p % 2) for p in range(5)] for r in range(1, 401)]
    assert all(len(set(bits)) == 1 for bits in rounds)
    ones = sum(bits[0] for bits in rounds)
    assert abs(ones / 400 - 0.5) <= 5 * math.sqrt(0.25 / 400)


@pytest.mark.parametrize(
    "coin, expected",
    [("keep", [0, 1, 0, 1]), ("zero", [0, 0, 0, 0]), ("pid_parity", [0, 1, 0, 1])],
)
def test_deterministic_coins(coin: str, expected: list[int]) -> None:
    flip, name = make_coin(coin, np.random.default_rng(0))
    assert name == coin
    assert [flip(p, 1, p % 2) for p in range(4)] == expected


def test_scripted_coins_replay_their_bits() -> None:
    flip, name = make_coin([1, 0, 0, 1], np.random.default_rng(0))
    assert name == "scripted" and [flip(0, 1, 0) for _ in range(4)] == [1, 0, 0, 1]
    flip, _ = make_coin({(0, 1): 1, (1, 1): 0}, np.random.default_rng(0))
    assert (flip(0, 1, 0), flip(1, 1, 1)) == (1, 0)


@pytest.mark.parametrize("coin", ["bogus", 3.5, None])
def test_a_bad_coin_is_a_value_error_that_names_it(coin: object) -> None:
    with pytest.raises((ValueError, TypeError), match="coin"):
        make_coin(coin, np.random.default_rng(0))
