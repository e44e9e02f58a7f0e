"""The one-round chain at large n: a probability law in every row, and the same law as a
direct count for one small case."""

from __future__ import annotations

import math
from itertools import product

import numpy as np
import pytest

from benor_lib.distributions.chain import round_chain


@pytest.mark.parametrize(
    ("n", "t", "scheduler", "coin"),
    [
        (63, 7, "uniform", "local"),  # P(D) within an ulp of 1 for most s
        (64, 16, "uniform", "common"),
        (64, 31, "split", "local"),
        (40, 5, "uniform", "local"),
    ],
)
def test_every_row_is_a_probability_law(n: int, t: int, scheduler: str, coin: str) -> None:
    chain = round_chain(n, t, scheduler=scheduler, coin=coin)
    for part in (chain.stay, chain.all_decide, chain.some_decide):
        assert (part >= 0).all()
    rows = chain.stay.sum(axis=1) + chain.all_decide + chain.some_decide
    np.testing.assert_allclose(rows, 1.0, rtol=0, atol=1e-12)


def test_round_one_of_three_processes_matches_a_direct_count() -> None:
    """n = 3, t = 1, uniform: every process hears itself and one of the two others, chosen
    by a fair coin, in both phases; enumerate all 2^6 views and all coin flips by hand."""
    chain = round_chain(3, 1)
    for s in range(4):
        x = [1] * s + [0] * (3 - s)
        stay, all_decide, some_decide = np.zeros(4), 0.0, 0.0
        for views in product((0, 1), repeat=6):  # which other process each one hears
            heard1 = [(p, [q for q in range(3) if q != p][views[p]]) for p in range(3)]
            d = [x[p] if x[p] == x[q] else None for p, q in heard1]  # D(v) on 2 of 2 equal
            heard2 = [(p, [q for q in range(3) if q != p][views[3 + p]]) for p in range(3)]
            decided = [d[p] is not None and d[q] is not None for p, q in heard2]  # > t = 1 Ds
            adopted = [d[p] if d[p] is not None else d[q] for p, q in heard2]
            weight = 1 / 64
            if all(decided):
                all_decide += weight
            elif any(decided):
                some_decide += weight
            else:
                flips = [p for p in range(3) if adopted[p] is None]
                for coins in product((0, 1), repeat=len(flips)):
                    new = [adopted[p] for p in range(3)]
                    for p, c in zip(flips, coins, strict=True):
                        new[p] = c
                    stay[sum(new)] += weight / 2 ** len(flips)
        np.testing.assert_allclose(chain.stay[s], stay, atol=1e-15)
        assert math.isclose(chain.all_decide[s], all_decide, abs_tol=1e-15)
        assert math.isclose(chain.some_decide[s], some_decide, abs_tol=1e-15)
