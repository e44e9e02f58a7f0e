"""The phase-type round distribution: exact at every n up to 64 (issue 17, item 7)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from benor_lib import distribution_distance, exact_rounds, round_distribution, sample_rounds


def split_success(n: int, t: int) -> float:
    """P(more than n/2 + t of n fair coins agree): the split adversary's geometric rate."""
    return 2 * sum(math.comb(n, s) for s in range(n + 1) if 2 * s > n + 2 * t) / 2**n


def pmf_array(dist, rounds: int) -> np.ndarray:
    return np.array([dist.pmf(r) for r in range(1, rounds + 1)])


def mean_from_pmf(dist) -> float:
    """Sum of r P(R = r): the head explicitly, the geometric tail in closed form."""
    h = dist.head.size
    head = float(np.arange(1, h + 1) @ dist.head)
    if dist.tail_rate >= 1.0:
        return head
    return head + dist.sf(h) * (h + 1.0 / dist.tail_rate)


@pytest.mark.parametrize(
    "n,t,scheduler,runs",
    [(20, 9, "uniform", 1500), (33, 5, "uniform", 20_000), (33, 5, "split", 20_000)],
)
def test_agrees_with_the_sampler(n, t, scheduler, runs):
    dist = round_distribution(n, t, scheduler=scheduler)
    sample = sample_rounds(n, t, runs, scheduler=scheduler, seed=17, max_rounds=100_000)
    assert sample.censored_share == 0
    # the mean, within five standard errors of the sample
    assert abs(sample.mean - dist.mean) < 5 * sample.rounds.std() / math.sqrt(runs)
    # the whole shape: chi-square test of the sample against the phase-type pmf
    last = dist.quantile(1 - 1e-9)
    assert distribution_distance(sample, pmf_array(dist, last)).consistent


def test_a_wrong_distribution_is_rejected_by_the_same_check():
    dist = round_distribution(33, 6, scheduler="split")  # the neighbouring t
    sample = sample_rounds(33, 5, 20_000, scheduler="split", seed=17)
    assert not distribution_distance(sample, pmf_array(dist, dist.quantile(1 - 1e-9))).consistent


@pytest.mark.parametrize("n,t", [(20, 9), (20, 3), (33, 5), (33, 16), (64, 1), (64, 8), (64, 31)])
def test_split_adversary_is_geometric(n, t):
    q = split_success(n, t)
    dist = round_distribution(n, t, scheduler="split")
    assert dist.mean == pytest.approx(1 / q, rel=1e-9)
    assert dist.tail_rate == pytest.approx(q, rel=1e-9)
    rounds = np.arange(1, 41)
    np.testing.assert_allclose(
        pmf_array(dist, 40), q * np.exp((rounds - 1) * math.log1p(-q)), rtol=1e-9, atol=0
    )
    # far out in the tail, where the mean is astronomically large, still exact
    for r in (10**3, 10**9, 10**18, 10**20):
        assert dist.log_sf(r) == pytest.approx(r * math.log1p(-q), rel=1e-9, abs=1e-12)
    for level in (0.5, 0.99):
        want = math.ceil(math.log1p(-level) / math.log1p(-q))
        assert abs(dist.quantile(level) - want) <= 1 + 1e-9 * want


def test_n_64_t_31_split_mean_is_2_to_the_63():
    dist = round_distribution(64, 31, scheduler="split")
    assert dist.mean == pytest.approx(2.0**63, rel=1e-12)
    assert dist.quantile(0.5) > 10**18


@pytest.mark.parametrize(
    "n,t,scheduler,coin",
    [
        (5, 1, "uniform", "local"),
        (5, 1, "uniform", "common"),
        (9, 4, "split", "local"),
        (12, 5, "uniform", "local"),
        (12, 5, "uniform", "common"),
        (20, 9, "uniform", "local"),
        (33, 5, "split", "common"),
        (64, 8, "uniform", "local"),
        (64, 1, "split", "local"),
    ],
)
def test_agrees_with_the_array(n, t, scheduler, coin):
    dist = round_distribution(n, t, scheduler=scheduler, coin=coin)
    p = exact_rounds(n, t, scheduler=scheduler, coin=coin)
    np.testing.assert_allclose(pmf_array(dist, p.size), p, rtol=0, atol=1e-12)
    array_mean = float(np.arange(1, p.size + 1) @ p)
    assert dist.mean == pytest.approx(array_mean, rel=1e-8)


@pytest.mark.parametrize(
    "n,t,scheduler,coin",
    [
        (7, 3, "uniform", "local"),
        (20, 9, "uniform", "common"),
        (40, 12, "split", "local"),
        (64, 31, "uniform", "local"),
        (64, 31, "uniform", "common"),
        (64, 8, "split", "common"),
    ],
)
def test_linear_algebra_mean_equals_the_pmf_sum(n, t, scheduler, coin):
    dist = round_distribution(n, t, scheduler=scheduler, coin=coin)
    assert dist.mean == pytest.approx(mean_from_pmf(dist), rel=1e-9)


@pytest.mark.parametrize("inputs", [0, 64, [1] * 64])
def test_unanimous_inputs_take_one_round(inputs):
    dist = round_distribution(64, 31, inputs=inputs)
    assert dist.mean == pytest.approx(1.0, abs=1e-15)
    assert dist.pmf(1) == pytest.approx(1.0, abs=1e-15)
    assert dist.sf(1) == 0.0
    assert dist.quantile(0.999) == 1


def test_given_inputs_change_the_start():
    close = round_distribution(20, 3, inputs=1)
    even = round_distribution(20, 3, inputs=10)
    assert close.pmf(1) > even.pmf(1)


@pytest.mark.parametrize(
    "n,t,scheduler", [(64, 8, "uniform"), (40, 12, "split"), (12, 5, "uniform")]
)
def test_sf_and_pmf_are_consistent(n, t, scheduler):
    dist = round_distribution(n, t, scheduler=scheduler)
    h = dist.head.size
    for r in (1, 2, h, h + 1, h + 50):
        assert dist.sf(r - 1) - dist.sf(r) == pytest.approx(dist.pmf(r), rel=1e-9, abs=1e-15)
    assert 0 < dist.tail_ratio < 1
    assert dist.tail_ratio == pytest.approx(1 - dist.tail_rate, abs=1e-15)


def test_tail_of_a_huge_mean_is_consistent_in_log_space():
    dist = round_distribution(64, 31)
    assert dist.mean > 1e9
    for r in (dist.head.size + 1, 10**6, 10**15):
        step = dist.log_sf(r) - dist.log_sf(r - 1)
        assert dist.pmf(r) == pytest.approx(dist.sf(r - 1) * -math.expm1(step), rel=1e-6)
    # the geometric tail carries the mean: its rate is about 1 / mean
    assert dist.tail_rate * dist.mean == pytest.approx(1.0, rel=1e-3)


@pytest.mark.parametrize(
    "kwargs,words",
    [
        ({"n": 65, "t": 1}, ["n", "64"]),
        ({"n": 10, "t": 5}, ["n > 2t"]),
        ({"n": 10, "t": 1, "scheduler": "fifo"}, ["scheduler", "fifo"]),
        ({"n": 10, "t": 1, "coin": "shared"}, ["coin", "shared"]),
        ({"n": 10, "t": 1, "inputs": [0, 1]}, ["inputs"]),
    ],
)
def test_bad_arguments(kwargs, words):
    with pytest.raises(ValueError) as info:
        round_distribution(**kwargs)
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize(
    "method,value,words",
    [("sf", -1, ["r", "0"]), ("pmf", 1.5, ["r", "integer"]), ("quantile", 1.0, ["q", "1"])],
)
def test_bad_method_arguments(method, value, words):
    dist = round_distribution(10, 2)
    with pytest.raises(ValueError) as info:
        getattr(dist, method)(value)
    for word in words:
        assert word in str(info.value)


def test_exact_rounds_points_to_round_distribution_when_the_array_is_too_long():
    with pytest.raises(ValueError, match="round_distribution"):
        exact_rounds(64, 31)
    assert exact_rounds(64, 31, max_rounds=10).size == 10
