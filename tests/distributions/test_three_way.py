"""The event simulator, the vectorised sampler and the exact Markov chain tell the same story.

Each comparison uses fixed seeds and `distribution_distance`, whose total-variation bound
and chi-square p-value threshold are derived from the sample size (a correct sample fails
with probability at most alpha = 1e-6), so noise passes and a real disagreement fails.
"""

import numpy as np
import pytest

from benor_lib import distribution_distance, exact_rounds, run, sample_rounds

SETTINGS = [
    # n, t, scheduler, event-simulator runs
    (5, 1, "uniform", 3000),  # the canonical experiment
    (3, 1, "uniform", 2000),
    (5, 2, "uniform", 2000),
    (7, 3, "uniform", 1000),
    (3, 1, "split", 2000),
    (5, 1, "split", 1500),
    (5, 2, "split", 600),
]


def _event_rounds(n, t, scheduler, runs, seed):
    rng = np.random.default_rng(seed)
    out = np.empty(runs, dtype=int)
    for i in range(runs):
        r = run(n, t, "random", scheduler=scheduler, seed=int(rng.integers(2**32)), max_rounds=2000)
        assert r.status == "decided" and not r.violations
        out[i] = r.rounds
    return out


@pytest.mark.parametrize("n, t, scheduler, runs", SETTINGS)
def test_event_sampler_and_exact_agree(n, t, scheduler, runs):
    p = exact_rounds(n, t, scheduler=scheduler)
    assert abs(p.sum() - 1) < 1e-9
    events = _event_rounds(n, t, scheduler, runs, seed=1000 + n * 10 + t)
    d_event = distribution_distance(events, p)
    assert d_event.consistent, (d_event, "event simulator vs exact")
    sample = sample_rounds(n, t, 100_000, scheduler=scheduler, seed=7)
    d_sample = distribution_distance(sample, p)
    assert d_sample.consistent, (d_sample, "sampler vs exact")
    # and the two simulations against each other, through their means
    se = np.sqrt(events.var() / len(events) + sample.rounds.var() / len(sample.rounds))
    assert abs(events.mean() - sample.rounds.mean()) < 5 * se + 1e-12


def test_a_real_disagreement_is_detected():
    # the event simulator under the split adversary is far from the uniform distribution
    events = _event_rounds(5, 2, "split", 600, seed=3)
    assert not distribution_distance(events, exact_rounds(5, 2, scheduler="uniform")).consistent


def test_trivial_inputs_take_one_round_in_all_three():
    for scheduler in ("uniform", "split"):
        for v in (0, 1):
            p = exact_rounds(5, 1, inputs=[v] * 5, scheduler=scheduler)
            assert p[0] == pytest.approx(1.0)
            s = sample_rounds(5, 1, 1000, inputs=[v] * 5, scheduler=scheduler, seed=1)
            assert np.all(s.rounds == 1)
            assert run(5, 1, [v] * 5, scheduler=scheduler, seed=v).rounds == 1


def test_split_with_n_equal_2t_plus_1_is_geometric_in_the_event_simulator():
    n, t = 3, 1
    events = _event_rounds(n, t, "split", 3000, seed=11)
    q = 2.0 ** (1 - n)
    expected_mean = 1 / q
    se = np.sqrt((1 - q) / q**2 / len(events))
    assert abs(events.mean() - expected_mean) < 5 * se
