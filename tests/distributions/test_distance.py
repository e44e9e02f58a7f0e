"""`distribution_distance` is calibrated: samples of the law it is given pass at its stated
rate, and samples of another law fail. Fixed seeds; tolerances from the binomial law of the
number of rejections."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from benor_lib import distribution_distance


def geometric(q: float, size: int = 200) -> np.ndarray:
    """P(round count = r) = q (1 - q)^(r - 1), truncated at ``size`` rounds."""
    r = np.arange(1, size + 1)
    return q * (1 - q) ** (r - 1)


def _sample(rng: np.random.Generator, p: np.ndarray, runs: int) -> np.ndarray:
    tail = max(0.0, 1.0 - p.sum())
    law = np.append(p, tail) / (p.sum() + tail)
    return rng.choice(np.arange(1, law.size + 1), size=runs, p=law)


def _rejections(p: np.ndarray, draw_from: np.ndarray, alpha: float, trials: int) -> int:
    rejected = 0
    for seed in range(trials):
        rng = np.random.default_rng([2026, seed])
        d = distribution_distance(_sample(rng, draw_from, 400), p, alpha=alpha)
        rejected += not d.consistent
    return rejected


def _upper(trials: int, rate: float) -> float:
    """Mean + 4 standard deviations of Binomial(trials, rate)."""
    return trials * rate + 4 * math.sqrt(trials * rate * (1 - rate))


def test_samples_of_the_law_are_rejected_at_most_at_the_stated_rate() -> None:
    alpha, trials = 0.05, 200
    p = geometric(0.4)
    rejected = _rejections(p, p, alpha, trials)
    # each of the two tests rejects a true law with probability at most alpha
    assert rejected <= _upper(trials, 2 * alpha), rejected


def test_samples_of_another_law_are_rejected() -> None:
    alpha, trials = 0.05, 100
    rejected = _rejections(geometric(0.4), geometric(0.3), alpha, trials)
    assert rejected >= 0.9 * trials, rejected


@settings(max_examples=25, deadline=None)
@given(q=st.floats(0.1, 0.9), seed=st.integers(0, 2**32 - 1), runs=st.integers(50, 3000))
def test_a_sample_of_the_law_is_consistent_at_alpha_1e_6(q: float, seed: int, runs: int) -> None:
    # fails with probability at most 2e-6 per example (the stated level of each test)
    p = geometric(q)
    d = distribution_distance(_sample(np.random.default_rng(seed), p, runs), p)
    assert d.consistent, d
    assert d.runs == runs and d.tv >= 0
