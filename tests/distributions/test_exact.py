"""Exact round distributions: closed forms, normalisation, and a brute-force check."""

from __future__ import annotations

import itertools
from collections import defaultdict
from functools import lru_cache

import numpy as np
import pytest

from benor_lib.distributions.exact import exact_rounds, round_chain, round_parts


def geometric(n: int, length: int) -> np.ndarray:
    success = 2.0 ** (1 - n)
    r = np.arange(1, length + 1)
    return success * (1 - success) ** (r - 1)


# --- brute force: explicit processes, explicit subsets, explicit coins -------------------


def _heard_sets(n: int, t: int, p: int, scheduler: str, values: tuple, score) -> list[tuple]:
    """The sets of other senders process p may hear, each equally likely."""
    others = [i for i in range(n) if i != p]
    subsets = list(itertools.combinations(others, n - t - 1))
    if scheduler == "uniform":
        return subsets
    scores = [score(values[p], [values[i] for i in sub]) for sub in subsets]
    best = min(scores)
    return [sub for sub, s in zip(subsets, scores, strict=True) if s == best]


def _joint(n: int, per_process: list[list]) -> dict[tuple, float]:
    """Distribution of the vector of per-process results (independent, uniform over options)."""
    out: dict[tuple, float] = defaultdict(float)
    weight = 1.0
    for options in per_process:
        weight /= len(options)
    for combo in itertools.product(*per_process):
        out[combo] += weight
    return out


def brute_force_round(n: int, t: int, scheduler: str, coin: str, x: tuple, decided: tuple):
    """All outcomes of one round from a full state: {(x', decided'): probability}."""

    # phase 1: split minimises |c1 - c0| over the heard reports, own report included
    def balance(own, heard):
        c1 = own + sum(heard)
        return abs(2 * c1 - (n - t))

    proposals = []
    for p in range(n):
        options = []
        for sub in _heard_sets(n, t, p, scheduler, x, balance):
            c1 = x[p] + sum(x[i] for i in sub)
            c0 = (n - t) - c1
            options.append(1 if 2 * c1 > n else 0 if 2 * c0 > n else None)
        proposals.append(options)
    result: dict[tuple, float] = defaultdict(float)
    for props, prob1 in _joint(n, proposals).items():
        is_d = tuple(int(v is not None) for v in props)

        # phase 2: split minimises the number of D-messages heard, own included
        def count_d(own, heard):
            return own + sum(heard)

        heard_d = []
        for p in range(n):
            options = []
            for sub in _heard_sets(n, t, p, scheduler, is_d, count_d):
                senders = [p, *sub]
                values = [props[i] for i in senders if props[i] is not None]
                options.append((len(values), values[0] if values else None))
            heard_d.append(options)
        for outcome, prob2 in _joint(n, heard_d).items():
            flippers = [p for p in range(n) if outcome[p][0] == 0]
            if coin == "local":
                coin_rows = list(itertools.product((0, 1), repeat=len(flippers)))
            else:
                coin_rows = [(b,) * len(flippers) for b in (0, 1)]
            for bits in coin_rows:
                flip = dict(zip(flippers, bits, strict=True))
                new_x, new_dec = [], []
                for p in range(n):
                    d, v = outcome[p]
                    new_x.append(v if d >= 1 else flip[p])
                    new_dec.append(decided[p] or d > t)
                key = (tuple(new_x), tuple(new_dec))
                result[key] += prob1 * prob2 / len(coin_rows)
    return dict(result)


def brute_force_rounds(n, t, scheduler, coin, starts: dict[tuple, float], rounds: int):
    """P(round count = r), r = 1..rounds; and whether a run went on 2+ rounds after a decision."""
    step = lru_cache(maxsize=None)(lambda x, dec: brute_force_round(n, t, scheduler, coin, x, dec))
    dist = {(x, (False,) * n): prob for x, prob in starts.items()}
    p = []
    late = False
    for _ in range(rounds):
        nxt: dict[tuple, float] = defaultdict(float)
        finished = 0.0
        for (x, dec), prob in dist.items():
            for (x2, dec2), q in step(x, dec).items():
                if all(dec2):
                    finished += prob * q
                else:
                    if any(dec) and q > 0:  # a decision was made before this round
                        late = True
                    nxt[(x2, dec2)] += prob * q
        p.append(finished)
        dist = nxt
    return np.array(p), late


def all_inputs(n: int) -> dict[tuple, float]:
    return {x: 2.0**-n for x in itertools.product((0, 1), repeat=n)}


@pytest.mark.parametrize("scheduler", ["uniform", "split"])
@pytest.mark.parametrize("coin", ["local", "common"])
def test_matches_brute_force_n3(scheduler, coin):
    want, late = brute_force_rounds(3, 1, scheduler, coin, all_inputs(3), rounds=3)
    got = exact_rounds(3, 1, scheduler=scheduler, coin=coin, max_rounds=3)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    assert not late  # everyone decides at most one round after the first decision


@pytest.mark.parametrize("scheduler", ["uniform", "split"])
def test_matches_brute_force_n4_fixed_inputs(scheduler):
    want, late = brute_force_rounds(4, 1, scheduler, "local", {(0, 0, 1, 1): 1.0}, rounds=2)
    got = exact_rounds(4, 1, inputs=[0, 0, 1, 1], scheduler=scheduler, max_rounds=2)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    assert not late


@pytest.mark.parametrize("change", [{"adopt_min": 2}, {"decide_twice": 0}])
def test_brute_force_catches_a_wrong_chain(monkeypatch, change):
    """A chain built with one wrong threshold no longer matches the brute force."""
    from benor_lib.distributions import chain as chain_module
    from benor_lib.protocol.rules import standard_rules

    def wrong_rules(n, t, variant="crash", **kwargs):
        return standard_rules(n, t, variant, **kwargs).with_changes(**change)

    want, _ = brute_force_rounds(3, 1, "uniform", "local", all_inputs(3), rounds=3)
    monkeypatch.setattr(chain_module, "standard_rules", wrong_rules)
    chain_module.chain_arrays.cache_clear()
    try:
        got = exact_rounds(3, 1, max_rounds=3)
    finally:
        chain_module.chain_arrays.cache_clear()
    assert np.abs(got - want).max() > 1e-3


@pytest.mark.parametrize("n", [3, 5, 7, 9, 11])
def test_split_with_n_2t_plus_1_is_geometric(n):
    p = exact_rounds(n, (n - 1) // 2, scheduler="split")
    np.testing.assert_allclose(p, geometric(n, p.size), rtol=0, atol=1e-12)
    mean = np.arange(1, p.size + 1) @ p
    assert mean == pytest.approx(2.0 ** (n - 1), rel=1e-8)


@pytest.mark.parametrize("n", [3, 5, 9])
def test_split_common_coin_with_n_2t_plus_1(n):
    p = exact_rounds(n, (n - 1) // 2, scheduler="split", coin="common")
    np.testing.assert_allclose(p, [2.0 ** (1 - n), 1 - 2.0 ** (1 - n)], rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    "n,t,scheduler",
    [
        (5, 1, "uniform"),
        (5, 1, "split"),
        (9, 4, "uniform"),
        (9, 4, "split"),
        (12, 5, "uniform"),
        (12, 3, "split"),
        (1, 0, "uniform"),
        (2, 0, "split"),
    ],
)
def test_sums_to_one(n, t, scheduler):
    for coin in ("local", "common"):
        p = exact_rounds(n, t, scheduler=scheduler, coin=coin)
        assert p.min() >= 0
        assert abs(p.sum() - 1) < 1e-9


@pytest.mark.parametrize("scheduler", ["uniform", "split"])
@pytest.mark.parametrize("inputs", [0, 5, [1, 1, 1, 1, 1], (0, 0, 0, 0, 0)])
def test_all_equal_inputs_take_one_round(scheduler, inputs):
    for coin in ("local", "common"):
        np.testing.assert_array_equal(
            exact_rounds(5, 1, inputs=inputs, scheduler=scheduler, coin=coin), [1.0]
        )


def test_max_rounds_gives_a_prefix():
    full = exact_rounds(5, 2, scheduler="split")
    short = exact_rounds(5, 2, scheduler="split", max_rounds=300)
    assert short.size == 300
    np.testing.assert_allclose(short, full[:300], rtol=0, atol=1e-15)
    assert exact_rounds(5, 1, max_rounds=1000).size == 1000


def test_tolerance_controls_the_length():
    assert (
        exact_rounds(7, 3, scheduler="split", tol=1e-3).size
        < exact_rounds(7, 3, scheduler="split").size
    )


def test_chain_rows_are_distributions():
    for scheduler in ("uniform", "split"):
        chain = round_chain(7, 2, scheduler=scheduler)
        rows = chain.stay.sum(axis=1) + chain.all_decide + chain.some_decide
        np.testing.assert_allclose(rows, 1.0, rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    "kwargs,words",
    [
        ({"n": 65, "t": 1}, ["n", "64"]),
        ({"n": 40, "t": 19, "scheduler": "split"}, ["round_distribution", "max_rounds"]),
        ({"n": 4, "t": 2}, ["n > 2t", "n=4", "t=2"]),
        ({"n": 0, "t": 0}, ["n", "0"]),
        ({"n": 5, "t": 1, "scheduler": "fifo"}, ["scheduler", "fifo", "uniform"]),
        ({"n": 5, "t": 1, "coin": "shared"}, ["coin", "shared", "common"]),
        ({"n": 5, "t": 1, "inputs": [0, 1]}, ["inputs", "5", "2"]),
        ({"n": 5, "t": 1, "inputs": "half"}, ["inputs", "half"]),
        ({"n": 5, "t": 1, "max_rounds": 0}, ["max_rounds", "0"]),
        ({"n": 5, "t": 1, "tol": 0.0}, ["tol", "0"]),
    ],
)
def test_bad_arguments(kwargs, words):
    with pytest.raises(ValueError) as info:
        exact_rounds(**kwargs)
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize(
    "n, t, kwargs",
    [(5, 1, {}), (5, 2, {"scheduler": "split"}), (7, 3, {"coin": "common"}), (4, 1, {"inputs": 2})],
)
def test_round_parts_add_up_to_exact_rounds(n, t, kwargs) -> None:
    together, lagged = round_parts(n, t, max_rounds=40, **kwargs)
    assert together.shape == lagged.shape == (40,) and lagged[0] == 0
    assert np.allclose(together + lagged, exact_rounds(n, t, max_rounds=40, **kwargs), atol=1e-15)
    # the split adversary lets nobody decide early (all decide together); the others do
    assert (lagged.sum() == 0) == (kwargs.get("scheduler") == "split")
