"""The vectorised sampler: agreement with the exact distributions, settings, errors."""

from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pytest

from benor_lib.distributions import compare
from benor_lib.distributions import sample as batch
from benor_lib.distributions.compare import distribution_distance, sweep
from benor_lib.distributions.exact import exact_rounds
from benor_lib.distributions.sample import RoundSample, chunk_sizes, sample_rounds


def assert_matches(sample: RoundSample | np.ndarray, p: np.ndarray, **kwargs) -> None:
    """The sample is consistent with p: TV within its bound and chi-square p-value >= 1e-6."""
    distance = distribution_distance(sample, p, **kwargs)
    assert distance.consistent, distance


def geometric(success: float, length: int) -> np.ndarray:
    return success * (1 - success) ** np.arange(length)


# --- agreement with the exact distribution --------------------------------------------


def test_canonical_experiment_matches_exact():
    sample = sample_rounds(5, 1, 100_000, seed=2024)
    p = exact_rounds(5, 1)
    assert_matches(sample, p)
    mean = np.arange(1, p.size + 1) @ p
    assert abs(sample.mean - mean) < 5 * sample.rounds.std() / math.sqrt(sample.runs)


@pytest.mark.parametrize("scheduler", ["uniform", "split"])
@pytest.mark.parametrize("n,t", [(3, 1), (5, 2), (7, 3), (6, 1), (4, 1), (2, 0)])
def test_sampler_matches_exact(n, t, scheduler):
    sample = sample_rounds(n, t, 20_000, scheduler=scheduler, seed=10 * n + t)
    assert not sample.censored.any()
    assert_matches(sample, exact_rounds(n, t, scheduler=scheduler))


@pytest.mark.parametrize("scheduler", ["uniform", "split"])
def test_sampler_matches_exact_with_fixed_inputs_and_common_coin(scheduler):
    inputs = [0, 1, 0, 1, 1, 0, 1]
    for coin in ("local", "common"):
        sample = sample_rounds(7, 2, 20_000, inputs=inputs, scheduler=scheduler, coin=coin, seed=5)
        assert_matches(sample, exact_rounds(7, 2, inputs=inputs, scheduler=scheduler, coin=coin))


@pytest.mark.parametrize("n", [3, 5, 7])
def test_split_with_n_2t_plus_1_is_geometric(n):
    sample = sample_rounds(n, (n - 1) // 2, 20_000, scheduler="split", seed=n)
    success = 2.0 ** (1 - n)
    assert_matches(sample, geometric(success, 40 * 2 ** (n - 1)))
    standard_error = math.sqrt(1 - success) / success / math.sqrt(sample.runs)
    assert abs(sample.mean - 2 ** (n - 1)) < 5 * standard_error


def test_distance_rejects_a_wrong_distribution():
    sample = sample_rounds(5, 2, 20_000, scheduler="split", seed=1)
    assert not distribution_distance(sample, exact_rounds(5, 2, scheduler="uniform")).consistent
    assert not distribution_distance(sample, geometric(1 / 14, 2000)).consistent


# --- special settings ------------------------------------------------------------------


@pytest.mark.parametrize("scheduler", ["uniform", "split"])
@pytest.mark.parametrize("coin", ["local", "common"])
def test_all_equal_inputs_take_one_round(scheduler, coin):
    for inputs in (0, 5, [1] * 5, (0, 0, 0, 0, 0)):
        sample = sample_rounds(5, 2, 500, inputs=inputs, scheduler=scheduler, coin=coin, seed=0)
        assert (sample.rounds == 1).all() and not sample.censored.any()
    # with one crash, the live processes 0..3 all start with 0
    sample = sample_rounds(5, 1, 500, inputs=1, faults=1, scheduler=scheduler, coin=coin, seed=0)
    assert (sample.rounds == 1).all()


def test_common_coin_shortens_split_runs():
    local = sample_rounds(5, 2, 20_000, scheduler="split", seed=3)
    common = sample_rounds(5, 2, 20_000, scheduler="split", coin="common", seed=3)
    # every round after the first makes all values equal, so common-coin runs end by round 2
    assert common.rounds.max() == 2
    assert common.mean == pytest.approx(2 - 2.0**-4, abs=0.01)
    assert local.mean > 5 * common.mean
    assert_matches(common, exact_rounds(5, 2, scheduler="split", coin="common"))


@pytest.mark.parametrize("scheduler", ["uniform", "split"])
def test_crashes_up_to_t(scheduler):
    # n=2t+1 with t crashes: the t+1 live processes hear each other only, so a run ends
    # when all live values are equal: geometric with success 2**-t per round
    sample = sample_rounds(5, 2, 20_000, faults=2, scheduler=scheduler, seed=8)
    assert sample.faults == 2
    assert_matches(sample, geometric(0.25, 400))


def test_more_crashes_than_t():
    with pytest.raises(ValueError, match="faults must be at most t=1"):
        sample_rounds(5, 1, 10, faults=2)
    blocked = sample_rounds(5, 1, 10, faults=2, allow_unsafe=True, max_rounds=7)
    assert blocked.censored.all() and (blocked.rounds == 7).all()


def test_unsafe_bound_never_decides():
    sample = sample_rounds(4, 2, 10, allow_unsafe=True, max_rounds=5, seed=1)
    assert sample.censored.all() and (sample.rounds == 5).all()


def test_censored_runs_are_kept_and_marked():
    runs = 20_000
    sample = sample_rounds(7, 3, runs, scheduler="split", max_rounds=3, seed=11)
    assert len(sample.rounds) == len(sample.censored) == runs
    assert (sample.rounds[sample.censored] == 3).all()
    assert (sample.rounds[~sample.censored] <= 3).all()
    p = exact_rounds(7, 3, scheduler="split", max_rounds=3)
    share = 1 - p.sum()
    assert abs(sample.censored_share - share) < 5 * math.sqrt(share * (1 - share) / runs)
    assert sample.histogram().sum() + sample.censored.sum() == runs
    assert_matches(sample, p)  # the censored runs form the tail bin


# --- reproducibility, chunking, memory --------------------------------------------------


def test_same_seed_same_array():
    a = sample_rounds(5, 1, 3_000, seed=42, chunk_size=700)
    b = sample_rounds(5, 1, 3_000, seed=42, chunk_size=700)
    c = sample_rounds(5, 1, 3_000, seed=43, chunk_size=700)
    np.testing.assert_array_equal(a.rounds, b.rounds)
    np.testing.assert_array_equal(a.censored, b.censored)
    assert not np.array_equal(a.rounds, c.rounds)
    g = sample_rounds(5, 1, 3_000, seed=np.random.default_rng(42), chunk_size=700)
    np.testing.assert_array_equal(a.rounds, g.rounds)


def test_chunk_sizes():
    sizes = chunk_sizes(1_000_000, 5)
    assert sum(sizes) == 1_000_000
    assert max(sizes) == batch.CHUNK_ELEMENTS // 5 <= 20_000
    assert chunk_sizes(10, 5, 3) == [3, 3, 3, 1]
    assert chunk_sizes(7, 64, 100) == [7]
    assert chunk_sizes(10**6, 64) == [100_000 // 64] * (10**6 // (100_000 // 64)) + [10**6 % 1562]


def test_a_million_runs_are_processed_in_bounded_blocks(monkeypatch):
    """1,000,000 runs of n=5: blocks of at most 20,000 runs, results ~9 MB."""
    shapes = []

    def fake_block(rng, x, rules, scheduler, coin, max_rounds):
        shapes.append(x.shape)
        return np.ones(x.shape[0], dtype=np.int64)

    monkeypatch.setattr(batch, "_simulate_block", fake_block)
    sample = sample_rounds(5, 1, 1_000_000, seed=0)
    assert sum(rows for rows, _ in shapes) == 1_000_000
    assert max(rows for rows, _ in shapes) <= 20_000
    assert sample.rounds.nbytes + sample.censored.nbytes <= 9_000_000


def test_working_memory_follows_the_chunk_size():
    tracemalloc.start()
    try:
        sample_rounds(5, 1, 50_000, seed=1, chunk_size=2_000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # results: 50,000 * 9 bytes; one block of 2,000 runs * 5 processes needs well under 2 MB
    assert peak < 50_000 * 9 + 2_000_000


# --- the RoundSample object -----------------------------------------------------------------


def test_round_sample_statistics():
    sample = sample_rounds(5, 1, 2_000, seed=4, max_rounds=2)
    rounds = sample.rounds
    assert sample.runs == 2_000
    assert sample.mean == pytest.approx(rounds.mean())
    assert sample.median == 1
    assert sample.quantile(1.0) == rounds.max() == 2
    assert sample.quantile(0.0) == 1
    hist = sample.histogram()
    assert hist[0] == (rounds == 1).sum()
    assert hist.sum() == (~sample.censored).sum()
    assert sample.censored_share == pytest.approx(sample.censored.mean())
    assert (sample.n, sample.t, sample.inputs, sample.scheduler) == (5, 1, "random", "uniform")
    assert (sample.faults, sample.coin, sample.seed, sample.max_rounds) == (0, "local", 4, 2)
    row = sample.summary()
    assert row["p99"] == sample.quantile(0.99) and row["runs"] == 2_000
    with pytest.raises(ValueError, match="q must be"):
        sample.quantile(1.5)


def test_round_sample_is_read_only():
    sample = sample_rounds(3, 1, 10, seed=0, inputs=[0, 1, 1])
    assert sample.inputs == (0, 1, 1)
    with pytest.raises(AttributeError):
        sample.n = 4
    with pytest.raises(ValueError):
        sample.rounds[0] = 5


def test_progress_bar(capsys):
    sample = sample_rounds(3, 1, 300, seed=0, chunk_size=100, progress=True)
    assert sample.runs == 300


# --- distribution_distance and sweep --------------------------------------------------------


def test_distance_on_plain_arrays_and_censoring():
    rng = np.random.default_rng(0)
    p = exact_rounds(5, 1)
    draws = rng.choice(np.arange(1, p.size + 1), size=50_000, p=p / p.sum())
    assert distribution_distance(draws, p).consistent
    assert not distribution_distance(draws + 1, p).consistent
    cut = np.minimum(draws, 2)
    distance = distribution_distance(cut, p, censored=draws > 2, max_rounds=2)
    assert distance.consistent and distance.bins == 3
    with pytest.raises(ValueError, match="max_rounds"):
        distribution_distance(cut, p, censored=draws > 2)


def test_chi_square_tail_probabilities():
    # textbook 5% critical values
    for x, dof in [(3.841, 1), (5.991, 2), (11.070, 5), (18.307, 10), (31.410, 20)]:
        assert compare._chi2_sf(x, dof) == pytest.approx(0.05, abs=2e-4)
    assert compare._chi2_sf(0.0, 3) == 1.0


def test_sweep():
    settings = [
        {"n": 3, "t": 1},
        {"n": 5, "t": 2, "scheduler": "split", "coin": "common"},
        {"n": 5, "t": 1, "faults": 1},
    ]
    rows = sweep(settings, 2_000, seed=7)
    again = sweep(settings, 2_000, seed=7)
    assert rows == again
    assert [row["n"] for row in rows] == [3, 5, 5]
    for row in rows:
        assert {"mean", "median", "p99", "censored_share", "exact_mean", "runs"} <= set(row)
    assert rows[1]["exact_mean"] == pytest.approx(2 - 2.0**-4)
    assert rows[2]["exact_mean"] is None
    assert abs(rows[0]["mean"] - rows[0]["exact_mean"]) < 0.15
    with pytest.raises(ValueError, match="unknown keys"):
        sweep([{"n": 3, "t": 1, "sched": "split"}], 10)
    with pytest.raises(ValueError, match="'n' and 't'"):
        sweep([{"n": 3}], 10)


# --- bad arguments -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs,words",
    [
        ({"runs": 0}, ["runs", "0", "between 1"]),
        ({"runs": 2.5}, ["runs", "2.5", "integer"]),
        ({"n": 0}, ["n", "0"]),
        ({"t": -1}, ["t", "-1"]),
        ({"t": 5}, ["t", "smaller than n"]),
        ({"n": 4, "t": 2}, ["n > 2t", "allow_unsafe"]),
        ({"scheduler": "fifo"}, ["scheduler", "'fifo'", "'uniform'", "'split'"]),
        ({"coin": "shared"}, ["coin", "'shared'", "'local'", "'common'"]),
        ({"inputs": "zeros"}, ["inputs", "zeros", "random"]),
        ({"inputs": [0, 1]}, ["inputs", "5", "2"]),
        ({"inputs": [0, 1, 2, 0, 1]}, ["inputs[2]", "0 or 1", "2"]),
        ({"inputs": 6}, ["inputs", "6", "between 0 and 5"]),
        ({"faults": -1}, ["faults", "-1"]),
        ({"faults": 2}, ["faults", "2", "t=1", "allow_unsafe"]),
        ({"faults": 5, "allow_unsafe": True}, ["faults", "5", "between 0 and 4"]),
        ({"max_rounds": 0}, ["max_rounds", "0"]),
        ({"chunk_size": 0}, ["chunk_size", "0"]),
        ({"seed": -3}, ["seed", "-3"]),
        ({"seed": "abc"}, ["seed", "abc"]),
        ({"allow_unsafe": "yes"}, ["allow_unsafe", "yes"]),
    ],
)
def test_bad_arguments(kwargs, words):
    args = {"n": 5, "t": 1, "runs": 10} | kwargs
    with pytest.raises(ValueError) as info:
        sample_rounds(**args)
    for word in words:
        assert word in str(info.value), (word, str(info.value))


def test_a_heavily_censored_sample_says_so():
    # the split adversary at n = 21, t = 10: about 2^20 rounds per run on average
    sample = sample_rounds(21, 10, 200, scheduler="split", seed=0, max_rounds=50)
    assert sample.heavily_censored and sample.censored_share > 0.9
    assert "Heavily censored" in sample.censored_note and "lower bounds" in sample.censored_note
    quick = sample_rounds(5, 1, 200, seed=0)
    assert not quick.heavily_censored and quick.censored_note == ""


def test_sample_rounds_refuses_a_sample_too_large_for_memory():
    from benor_lib.distributions.sample import MAX_RUNS

    with pytest.raises(ValueError, match=r"at most 20,000,000 per call.*8\.4 GiB"):
        sample_rounds(5, 1, 10**9)
    assert MAX_RUNS * 9 < 2**28  # the largest accepted sample needs under 256 MiB of results
