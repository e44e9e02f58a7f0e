"""The distribution explorer's cap rule (see :mod:`benor_lib.apps.explorer.model`):
:func:`plan_runs` turns a setting and a work budget into a :class:`RunPlan`, from the exact
mean, the split adversary's formula or a small trial sample."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from benor_lib.analysis.rounds import (
    cached_exact_rounds,
    split_round_ends_run,
    split_success_probability,
)
from benor_lib.apps.explorer.settings import (
    DEFAULT_MAX_ROUNDS,
    ITERATION_WORK,
    MAX_SAMPLE_ROUNDS,
    MAX_WORK_BUDGET,
    MIN_RUNS,
    PILOT_RUNS,
    PILOT_SHARE,
    WORK_BUDGET,
    WORK_WEIGHTS,
    ExplorerSettings,
    exact_law,
)
from benor_lib.distributions.exact import EXACT_MAX_N
from benor_lib.distributions.sample import RoundSample, RoundSampler, chunk_sizes
from benor_lib.protocol.validate import check_number


@dataclass(frozen=True)
class RunPlan:
    """How many runs to sample and when to stop a run, after the cap rule.

    ``expected_rounds`` is the mean round count the rule assumed (``inf`` when the trial
    sample had no finished run) and ``estimate`` where it came from: ``"exact"`` (the
    Markov chain), ``"formula"`` (the split adversary's geometric law, see
    :func:`split_success_probability`) or ``"trial"`` (a small sample). ``work`` is the
    expected weighted work of the plan.
    """

    requested_runs: int
    runs: int
    max_rounds: int
    expected_rounds: float
    estimate: str
    work: float
    budget: float

    @property
    def capped_runs(self) -> bool:
        """True when the cap reduced the number of runs."""
        return self.runs < self.requested_runs

    @property
    def capped_rounds(self) -> bool:
        """True when the cap stops runs early (they may be censored)."""
        return self.max_rounds < _uncapped_rounds(self.expected_rounds)

    @property
    def capped(self) -> bool:
        """True when the cap changed anything."""
        return self.capped_runs or self.capped_rounds


def _uncapped_rounds(mean: float) -> int:
    """40 x the mean, at least DEFAULT_MAX_ROUNDS and at most what sample_rounds accepts."""
    if not math.isfinite(mean) or 40 * mean >= MAX_SAMPLE_ROUNDS:
        return MAX_SAMPLE_ROUNDS
    return max(DEFAULT_MAX_ROUNDS, math.ceil(40 * mean))


def exact_array(settings: ExplorerSettings) -> np.ndarray | None:
    if not settings.exact_covered:
        return None
    return cached_exact_rounds(
        settings.n, settings.t, settings.sample_inputs, settings.scheduler, settings.coin
    )


def _weight(settings: ExplorerSettings) -> float:
    return float(settings.live * WORK_WEIGHTS[settings.scheduler])


def _work(settings: ExplorerSettings, mean: float, runs: int, max_rounds: int) -> float:
    """Expected weighted work of sampling ``runs`` runs cut off at ``max_rounds`` rounds.

    Process-rounds (``runs x live x mean``, weighted by the scheduler) plus a fixed cost per
    simulated round of each block of runs, which lasts as long as its slowest run (about
    ``mean x (1 + ln(block size))`` rounds for the geometric-like laws here).
    """
    weight = _weight(settings)
    total = 0.0
    for size in chunk_sizes(runs, settings.live):
        longest = min(float(max_rounds), mean * (1.0 + math.log(size)))
        total += size * weight * min(mean, max_rounds) + ITERATION_WORK * longest
    return total


def _largest(low: int, high: int, fits) -> int | None:
    """The largest k in [low, high] with fits(k) (fits is monotone decreasing), or None."""
    if low > high or not fits(low):
        return None
    while low < high:
        mid = (low + high + 1) // 2
        if fits(mid):
            low = mid
        else:
            high = mid - 1
    return low


def _split_formula_mean(settings: ExplorerSettings) -> float | None:
    """The mean round count under the split adversary without crashes, from
    :func:`split_success_probability` (None for other settings).

    A round succeeds with probability q when the processes hold fresh fair coins; a failed
    round leaves nobody with a D-message, so every process flips again (local coins: a
    geometric number of rounds) or takes the same common bit (the next round succeeds).
    """
    if settings.scheduler != "split" or settings.crashes:
        return None
    n, t = settings.n, settings.t
    q = split_success_probability(n, t)
    if settings.inputs == "random":
        return 1 / q if settings.coin == "local" else 2 - q
    ones = settings.n if settings.inputs == "equal" else settings.ones
    if split_round_ends_run(n, t, ones):
        return 1.0
    return 1 + 1 / q if settings.coin == "local" else 2.0


def known_mean(settings: ExplorerSettings) -> tuple[float, str] | None:
    """The mean round count from the exact chain or the split formula (None: a trial)."""
    if settings.crashes == 0 and settings.n <= EXACT_MAX_N:
        return exact_law(settings).mean, "exact"  # exact at any size, even where no array fits
    formula = _split_formula_mean(settings)
    if formula is not None:
        return formula, "formula"
    return None


def pilot_sampler(settings: ExplorerSettings, budget: float) -> RoundSampler:
    """The trial sample that estimates the mean where no exact value is known."""
    per_round = PILOT_RUNS * _weight(settings) + ITERATION_WORK
    pilot_rounds = max(1, int(budget * PILOT_SHARE // per_round))
    return RoundSampler(
        settings.n,
        settings.t,
        PILOT_RUNS,
        inputs=settings.sample_inputs,
        scheduler=settings.scheduler,
        faults=settings.crashes,
        coin=settings.coin,
        seed=np.random.default_rng([settings.seed, 1]),
        max_rounds=pilot_rounds,
    )


def pilot_mean(pilot: RoundSample) -> float:
    finished = int((~pilot.censored).sum())
    # the mean of a geometric-like law from censored data: rounds seen / runs finished
    return float(pilot.rounds.sum()) / finished if finished else math.inf


def capped_plan(settings: ExplorerSettings, budget: float, mean: float, estimate: str) -> RunPlan:
    runs = settings.runs
    max_rounds = _uncapped_rounds(mean)
    if _work(settings, mean, runs, max_rounds) > budget:
        fewer = _largest(
            min(runs, MIN_RUNS), runs, lambda k: _work(settings, mean, k, max_rounds) <= budget
        )
        if fewer is not None and math.isfinite(mean):
            runs = fewer
        else:
            runs = min(runs, MIN_RUNS)
            shorter = _largest(1, max_rounds, lambda m: _work(settings, mean, runs, m) <= budget)
            max_rounds = shorter or 1
    work = _work(settings, mean, runs, max_rounds)
    return RunPlan(settings.runs, runs, max_rounds, mean, estimate, work, float(budget))


def plan_runs(settings: ExplorerSettings, budget: float = WORK_BUDGET) -> RunPlan:
    """Apply the cap rule (see the module docstring) to ``settings``."""
    budget = check_number("budget", budget, high=MAX_WORK_BUDGET, positive=True)
    known = known_mean(settings)
    if known is None:
        pilot = pilot_sampler(settings, budget)
        pilot.advance()
        known = pilot_mean(pilot.result()), "trial"
    return capped_plan(settings, budget, *known)
