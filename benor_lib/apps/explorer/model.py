"""The distribution explorer's logic, without widgets.

The explorer answers one question for one setting: how many rounds do runs of the crash
variant take? :class:`ExplorerSettings` holds a setting and says what is wrong with a bad
one (``ValueError``). :func:`plan_runs` applies the cap rule, :func:`compute_view` samples
the runs with ``sample_rounds`` and adds the exact distribution from ``exact_rounds``
where it applies, and :class:`ExplorerSession` keeps the current and the previous result
for the compare mode. The widget (``benor_lib.apps.explorer.view``) only reads its controls,
calls these and draws the result with ``benor_lib.figures.rounds_histogram_figure``.

The cap rule. The work of a sample is about ``runs x live processes x mean rounds``
process-rounds, weighted by the scheduler (a process-round of the uniform scheduler draws
two hypergeometric numbers and costs about ``WORK_WEIGHTS["uniform"]`` times one of the
split adversary), plus ``ITERATION_WORK`` for every round that a block of runs is
simulated (a block lasts as long as its slowest run). The mean is the exact one where
``exact_rounds`` covers the setting (no crashes, n <= ``EXACT_MAX_N``), the split
adversary's closed form where that applies, and otherwise an estimate from a small trial
sample. When the expected work exceeds ``WORK_BUDGET``
(about half a second on a laptop), the explorer first runs fewer runs (down to
``MIN_RUNS``) and then, if that is not enough, stops every run after ``max_rounds``
rounds (such runs are *censored*); the view's :meth:`ExplorerView.cap_note` says which.
The rule depends only on the settings, never on a clock, so a seed always gives the same
picture.

Progressive answers (:mod:`benor_lib.apps.budget`). The cap fixes *what* is computed; time
decides only how it is delivered. :meth:`ExplorerSession.begin` returns an
:class:`ExplorerJob` that has the exact distribution and the plan at once (or after the
trial sample) and then simulates the runs a slice at a time; its :meth:`~ExplorerJob.view`
is the view so far, with the runs still running counted as censored and a
:meth:`~ExplorerView.progress_note`. :meth:`ExplorerSession.finish` makes the finished job
current. However the work was sliced, the final view equals :func:`compute_view`'s.

The rounds chapter's analyses (decision split, round statistics against n) live in
:mod:`benor_lib.analysis.rounds`.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache

import numpy as np

from benor_lib.analysis.rounds import (
    cached_exact_rounds,
    exact_mean,
    exact_quantile,
    split_success_probability,
)
from benor_lib.apps.choices import COIN_LABELS as ALL_COIN_LABELS
from benor_lib.apps.choices import N_RANGES, check_app_n, check_tolerated_t, labels
from benor_lib.apps.choices import SCHEDULER_LABELS as ALL_SCHEDULER_LABELS
from benor_lib.distributions.exact import EXACT_MAX_N, ROUND_CAP
from benor_lib.distributions.phase_type import RoundDistribution, round_distribution
from benor_lib.distributions.sample import RoundSample, RoundSampler, chunk_sizes
from benor_lib.protocol.validate import check_choice, check_keys, check_number, check_whole

__all__ = [
    "COIN_LABELS",
    "INPUT_LABELS",
    "INPUT_MODES",
    "MIN_RUNS",
    "N_MAX",
    "N_MIN",
    "RUNS_CHOICES",
    "SCHEDULER_LABELS",
    "WORK_BUDGET",
    "WORK_WEIGHTS",
    "ExplorerSession",
    "ExplorerSettings",
    "ExplorerJob",
    "ExplorerView",
    "RunPlan",
    "compute_view",
    "plan_runs",
]

N_MIN, N_MAX = N_RANGES["explorer"]
"""The range of n the explorer offers."""

INPUT_MODES = ("random", "equal", "ones")
"""Inputs: fresh fair coins per run, all processes start with 1, or the last k start with 1."""

INPUT_LABELS = {"random": "random", "equal": "all equal", "ones": "k ones"}
SCHEDULER_LABELS = labels(ALL_SCHEDULER_LABELS, ("uniform", "split"))
COIN_LABELS = labels(ALL_COIN_LABELS, ("local", "common"))
SCALES = ("linear", "log")

RUNS_CHOICES = (1_000, 10_000, 100_000)
"""The numbers of runs the explorer's menu offers (any number from 1 is accepted)."""

MAX_RUNS = 1_000_000

WORK_WEIGHTS = {"uniform": 20, "split": 1}
"""Relative cost of one simulated process-round under each scheduler (measured)."""

WORK_BUDGET = 30_000_000
"""Expected weighted process-rounds one update may cost (about half a second)."""

MAX_WORK_BUDGET = 1e11
"""The largest work budget accepted (about half an hour of sampling)."""

MIN_RUNS = 1_000
"""The cap reduces the number of runs down to this before it cuts runs short."""

PILOT_RUNS = 100
"""Runs of the trial sample that estimates the mean where no exact value is available."""

PILOT_SHARE = 0.1
"""Share of the budget the trial sample may use."""

ITERATION_WORK = 1_000
"""Fixed work of one simulated round of one block of runs, in the same units."""

MAX_SAMPLE_ROUNDS = 2**31 - 1
"""The largest max_rounds :func:`~benor_lib.distributions.sample.sample_rounds` accepts."""

DEFAULT_MAX_ROUNDS = 10_000
"""Rounds after which a run is censored when the cap does not apply (or 40 x the mean)."""


@dataclass(frozen=True)
class ExplorerSettings:
    """One setting of the explorer; a bad setting raises ``ValueError`` saying what is allowed.

    ``inputs``: ``"random"`` (fair coins, fresh for every run), ``"equal"`` (every process
    starts with 1) or ``"ones"`` (the last ``ones`` processes start with 1, the others with
    0). ``crashed`` processes (the last ones) crash before they start; at most t.
    ``scale`` only changes how the histogram is drawn.
    """

    n: int = 5
    t: int = 1
    inputs: str = "random"
    ones: int = 0
    scheduler: str = "uniform"
    crashed: int = 0
    coin: str = "local"
    runs: int = 10_000
    seed: int = 1
    scale: str = "linear"

    def __post_init__(self) -> None:
        n = check_app_n(self.n, "explorer")
        t = check_tolerated_t(n, self.t)
        check_choice("inputs", self.inputs, INPUT_MODES)
        ones = check_whole("number of ones", self.ones)
        if self.inputs == "ones" and not 0 <= ones <= n:
            raise ValueError(
                f"the number of ones must be between 0 and n={n}, got {ones}: "
                f"there are only {n} processes"
            )
        check_choice("scheduler", self.scheduler, tuple(SCHEDULER_LABELS))
        crashed = check_whole("crashed processes", self.crashed)
        if crashed < 0:
            raise ValueError(f"crashed processes must be 0 or more, got {crashed}")
        if crashed > t:
            raise ValueError(
                f"{crashed} crashed processes are more than t={t}: the protocol tolerates at "
                f"most t crashes (with more, every process waits forever for n - t = {n - t} "
                "messages); raise t or crash fewer"
            )
        check_choice("coin", self.coin, tuple(COIN_LABELS))
        runs = check_whole("number of runs", self.runs)
        if not 1 <= runs <= MAX_RUNS:
            raise ValueError(f"the number of runs must be between 1 and {MAX_RUNS:,}, got {runs}")
        seed = check_whole("seed", self.seed)
        if seed < 0:
            raise ValueError(f"seed must be a whole number, 0 or more, got {seed}")
        check_choice("scale", self.scale, SCALES)
        for name, value in (("n", n), ("t", t), ("ones", ones), ("crashed", crashed)):
            object.__setattr__(self, name, value)
        object.__setattr__(self, "runs", runs)
        object.__setattr__(self, "seed", seed)

    @property
    def live(self) -> int:
        """Processes that take part (n minus the crashed ones)."""
        return self.n - self.crashed

    @property
    def sample_inputs(self) -> object:
        """The ``inputs`` argument of :func:`~benor_lib.distributions.sample.sample_rounds`."""
        if self.inputs == "random":
            return "random"
        return self.n if self.inputs == "equal" else self.ones

    @property
    def sampling_key(self) -> ExplorerSettings:
        """These settings with the drawing-only fields set to their defaults (a cache key)."""
        ones = self.ones if self.inputs == "ones" else 0
        return replace(self, scale="linear", ones=ones)

    @property
    def exact_covered(self) -> bool:
        """True when :func:`~benor_lib.distributions.exact.exact_rounds` lists this setting's
        rounds: no crashes, and a tail that ends (below 1e-12) within ``ROUND_CAP`` rounds."""
        return self.crashed == 0 and self.n <= EXACT_MAX_N and not _tail_too_long(self)

    def label(self) -> str:
        """A short description, for legends and titles."""
        if self.inputs == "random":
            inputs = "random inputs"
        elif self.inputs == "equal":
            inputs = "equal inputs"
        else:
            inputs = f"{self.ones} ones"
        parts = [f"n={self.n}, t={self.t}", SCHEDULER_LABELS[self.scheduler]]
        if self.crashed:
            parts.append(f"{self.crashed} crashed")
        parts += [COIN_LABELS[self.coin], inputs]
        return ", ".join(parts)


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


def _law(settings: ExplorerSettings) -> RoundDistribution:
    """The exact law of the round count of ``settings`` (no crashes), in closed form."""
    return _cached_law(
        settings.n, settings.t, settings.sample_inputs, settings.scheduler, settings.coin
    )


@lru_cache(maxsize=128)
def _cached_law(n: int, t: int, inputs: object, scheduler: str, coin: str) -> RoundDistribution:
    return round_distribution(n, t, inputs=inputs, scheduler=scheduler, coin=coin)


def _tail_too_long(settings: ExplorerSettings) -> bool:
    """True when exact_rounds' array would pass ROUND_CAP rounds (a mean like 2^14)."""
    return _law(settings).sf(ROUND_CAP) >= 1e-12


def _exact(settings: ExplorerSettings) -> np.ndarray | None:
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
    if settings.scheduler != "split" or settings.crashed:
        return None
    n, t = settings.n, settings.t
    q = split_success_probability(n, t)
    if settings.inputs == "random":
        return 1 / q if settings.coin == "local" else 2 - q
    ones = settings.n if settings.inputs == "equal" else settings.ones
    if 2 * max(ones, n - ones) > n + 2 * t:
        return 1.0
    return 1 + 1 / q if settings.coin == "local" else 2.0


def _known_mean(settings: ExplorerSettings) -> tuple[float, str] | None:
    """The mean round count from the exact chain or the split formula (None: a trial)."""
    if settings.crashed == 0 and settings.n <= EXACT_MAX_N:
        return _law(settings).mean, "exact"  # exact at any size, even where no array fits
    formula = _split_formula_mean(settings)
    if formula is not None:
        return formula, "formula"
    return None


def _pilot_sampler(settings: ExplorerSettings, budget: float) -> RoundSampler:
    """The trial sample that estimates the mean where no exact value is known."""
    per_round = PILOT_RUNS * _weight(settings) + ITERATION_WORK
    pilot_rounds = max(1, int(budget * PILOT_SHARE // per_round))
    return RoundSampler(
        settings.n,
        settings.t,
        PILOT_RUNS,
        inputs=settings.sample_inputs,
        scheduler=settings.scheduler,
        faults=settings.crashed,
        coin=settings.coin,
        seed=np.random.default_rng([settings.seed, 1]),
        max_rounds=pilot_rounds,
    )


def _pilot_mean(pilot: RoundSample) -> float:
    finished = int((~pilot.censored).sum())
    # the mean of a geometric-like law from censored data: rounds seen / runs finished
    return float(pilot.rounds.sum()) / finished if finished else math.inf


def _capped_plan(settings: ExplorerSettings, budget: float, mean: float, estimate: str) -> RunPlan:
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
    known = _known_mean(settings)
    if known is None:
        pilot = _pilot_sampler(settings, budget)
        pilot.advance()
        known = _pilot_mean(pilot.result()), "trial"
    return _capped_plan(settings, budget, *known)


@dataclass(frozen=True, eq=False)
class ExplorerView:
    """What the explorer shows for one setting: the sample, its statistics, the exact law."""

    settings: ExplorerSettings
    plan: RunPlan
    sample: RoundSample
    exact: np.ndarray | None = field(repr=False)
    running: int = 0
    """Runs still being simulated (a progressive view: they count as censored for now)."""
    reached: int = 0
    """Rounds those runs have reached so far."""

    @property
    def last_round(self) -> int:
        """The longest finished run's round count (at least 1): the histogram's last bar."""
        return max(1, self.counts.size)

    @property
    def complete(self) -> bool:
        """True when every planned run has been simulated (not a view of work in progress)."""
        return self.sample.runs == self.plan.runs and self.running == 0

    def progress_note(self) -> str:
        """How far a progressive view has come ("" when it is complete)."""
        if self.complete:
            return ""
        done = self.sample.runs - self.running
        text = f"Sampling: {done:,} of {self.plan.runs:,} runs are in so far"
        if self.running:
            text += f", {self.running:,} more are still running after {self.reached:,} rounds"
        return text + "; the histogram and the statistics refine as more runs come in."

    def hidden_note(self) -> str:
        """What the histogram leaves out: runs cut off, or still running ("" when none)."""
        cut = self.censored_runs - self.running
        parts = []
        if cut:
            parts.append(f"{cut:,} runs cut off undecided after {self.plan.max_rounds:,} rounds")
        if self.running:
            parts.append(f"{self.running:,} runs still running")
        return " and ".join(parts) + (" are not shown" if parts else "")

    @property
    def runs(self) -> int:
        """Number of runs sampled (after the cap)."""
        return self.sample.runs

    @property
    def counts(self) -> np.ndarray:
        """``counts[r-1]`` = number of finished runs that took r rounds."""
        return self.sample.histogram()

    @property
    def censored_runs(self) -> int:
        """Runs stopped after ``max_rounds`` rounds, undecided."""
        return int(self.sample.censored.sum())

    @property
    def label(self) -> str:
        """A short description of the setting."""
        return self.settings.label()

    @property
    def exact_mean(self) -> float | None:
        """The exact mean round count, where the exact law is available."""
        return None if self.exact is None else exact_mean(self.exact)

    @property
    def exact_note(self) -> str:
        """Why the exact distribution is not shown ("" when it is)."""
        if self.exact is not None:
            return ""
        s = self.settings
        if s.crashed:
            return "The exact distribution is not shown: it is computed for runs without crashes."
        law = _law(s)
        return (
            f"The exact distribution is not drawn: its rounds run past {ROUND_CAP:,} "
            f"(exact mean {law.mean:.4g} rounds)."
        )

    def stats(self) -> dict[str, float | int | None]:
        """Mean, median, 99th percentile and censored share (censored runs count as
        ``max_rounds``), with the exact mean and P(1 round) where available."""
        s = self.sample
        return {
            "runs": s.runs,
            "mean": s.mean,
            "median": s.median,
            "p99": s.quantile(0.99),
            "censored_share": s.censored_share,
            "exact_mean": self.exact_mean,
            "exact_p1": None if self.exact is None else float(self.exact[0]),
            "exact_p99": None if self.exact is None else exact_quantile(self.exact, 0.99),
        }

    def stats_text(self) -> str:
        """The statistics as one line of plain text."""
        st = self.stats()
        text = (
            f"{st['runs']:,} runs: mean {st['mean']:.3f} rounds, median {st['median']}, "
            f"99th percentile {st['p99']}, censored {100 * st['censored_share']:.1f}%"
        )
        if st["exact_mean"] is not None:
            text += f"; exact mean {st['exact_mean']:.3f}, exact 99th percentile {st['exact_p99']}"
        if st["censored_share"] > 0:
            text += " (censored runs count as the cut-off, so these are lower bounds)"
        return text

    def cap_note(self) -> str:
        """Plain words on what the cap changed ("" when nothing)."""
        plan, s = self.plan, self.settings
        if not plan.capped:
            return self.sample.censored_note
        if not math.isfinite(plan.expected_rounds):
            about = "far more rounds per run than the explorer can afford"
        elif plan.estimate == "trial":
            about = (
                f"roughly {_rounds_text(plan.expected_rounds)} rounds per run on average "
                f"(estimated from a trial of {PILOT_RUNS} runs)"
            )
        else:
            about = f"{_rounds_text(plan.expected_rounds)} rounds per run on average"
            random_local = s.inputs == "random" and s.coin == "local"
            if s.scheduler == "split" and random_local and 2 * s.t + 2 >= s.n:
                about += " (2^(n-1) under the split adversary with t = ⌊(n-1)/2⌋)"
        text = f"Capped to stay responsive: this setting takes {about}, so the explorer ran "
        text += f"{plan.runs:,} runs"
        if plan.capped_runs:
            text += f" instead of {plan.requested_runs:,}"
        if plan.capped_rounds:
            share = self.sample.censored_share
            text += (
                f" and stopped each run after {plan.max_rounds:,} rounds: "
                f"{100 * share:.1f}% of them were cut off undecided"
            )
            if self.sample.heavily_censored:
                text += ", so the statistics are lower bounds of the real ones"
        return text + "."

    def call(self) -> str:
        """The :func:`~benor_lib.distributions.sample.sample_rounds` call that reproduces the
        sample."""
        s, plan = self.settings, self.plan
        return (
            f"sample_rounds({s.n}, {s.t}, {plan.runs:_}, inputs={s.sample_inputs!r}, "
            f"scheduler={s.scheduler!r}, faults={s.crashed}, coin={s.coin!r}, "
            f"seed={s.seed}, max_rounds={plan.max_rounds:_})"
        )

    def alt_text(self) -> str:
        """A sentence that says what the histogram shows."""
        counts = self.counts
        top = int(np.argmax(counts)) + 1 if counts.size and counts.max() > 0 else None
        text = f"Histogram of the round counts of {self.runs:,} runs ({self.label})"
        if top is not None:
            text += f": most runs take {top} round{'s' if top > 1 else ''}"
            text += f", the longest finished run took {counts.size}"
        text += f". {self.stats_text()}."
        if self.exact is not None:
            text += " The exact distribution is drawn over the bars."
        return text


def _rounds_text(x: float) -> str:
    """A round count for a sentence: 1,234 or, beyond ten million, 9.2 × 10^18."""
    if x < 1e7:
        return f"{x:,.0f}"
    mantissa, exponent = f"{x:.1e}".split("e")
    return f"{mantissa} × 10^{int(exponent)}"


def compute_view(settings: ExplorerSettings, budget: float = WORK_BUDGET) -> ExplorerView:
    """Sample ``settings`` under the cap rule and add the exact distribution if covered."""
    job = ExplorerJob(settings, budget)
    job.advance()
    return job.view()


class ExplorerJob:
    """The work of showing one setting, done in slices (see :mod:`benor_lib.apps.budget`).

    The exact distribution (where the chain covers the setting) and the plan are ready at
    once, or after the trial sample; then the runs are simulated. :meth:`advance` works
    until ``over()`` says the slice is used up; :meth:`view` is the view so far (None
    before the first simulated round). However the work is sliced, the finished view is
    the one :func:`compute_view` returns: the same runs with the same seed.
    """

    def __init__(self, settings: ExplorerSettings, budget: float = WORK_BUDGET) -> None:
        self.settings = settings
        self.shown = settings
        """The settings the views carry (the sampling ones, or the same with another scale)."""
        self.budget = check_number("budget", budget, high=MAX_WORK_BUDGET, positive=True)
        self.exact = _exact(settings)
        known = _known_mean(settings)
        self._pilot = _pilot_sampler(settings, self.budget) if known is None else None
        self.plan: RunPlan | None = None
        self._sampler: RoundSampler | None = None
        if known is not None:
            self._start(*known)

    def _start(self, mean: float, estimate: str) -> None:
        s = self.settings
        self.plan = plan = _capped_plan(s, self.budget, mean, estimate)
        self._sampler = RoundSampler(
            s.n,
            s.t,
            plan.runs,
            inputs=s.sample_inputs,
            scheduler=s.scheduler,
            faults=s.crashed,
            coin=s.coin,
            seed=s.seed,
            max_rounds=plan.max_rounds,
        )

    @property
    def done(self) -> bool:
        """True when every planned run has been simulated."""
        return self._sampler is not None and self._sampler.done

    @property
    def estimating(self) -> bool:
        """True while the trial sample estimates the mean round count."""
        return self._sampler is None

    def advance(self, over: Callable[[], bool] | None = None) -> bool:
        """Work until done or until ``over()`` is true (never asked: work to the end)."""
        if self._sampler is None:
            assert self._pilot is not None
            if not self._pilot.advance(over):
                return False
            self._start(_pilot_mean(self._pilot.result()), "trial")
            if over is not None and over():
                return False
        assert self._sampler is not None
        return self._sampler.advance(over)

    def view(self) -> ExplorerView | None:
        """The view so far: every finished run, and the runs still running as censored."""
        if self._sampler is None or self.plan is None:
            return None
        sampler = self._sampler
        sample = sampler.partial()
        if sample is None:
            return None
        running = 0 if sampler.done else int(sample.censored[sampler.runs_done :].sum())
        reached = 0 if sampler.done else sampler.round
        return ExplorerView(self.shown, self.plan, sample, self.exact, running, reached)


class _DoneJob(ExplorerJob):
    """A job whose view is already known (a cached setting)."""

    def __init__(self, view: ExplorerView) -> None:
        self.settings, self.budget, self.exact, self.plan = (
            view.settings,
            view.plan.budget,
            view.exact,
            view.plan,
        )
        self.shown = view.settings
        self._view = view

    done = True
    estimating = False

    def advance(self, over: Callable[[], bool] | None = None) -> bool:
        """Nothing to do."""
        return True

    def view(self) -> ExplorerView:
        """The cached view, with the shown settings."""
        v = self._view
        return v if v.settings == self.shown else replace(v, settings=self.shown)


class ExplorerSession:
    """The explorer's state: the current view, the previous one, and a small cache.

    :meth:`update` computes the view of new settings; the view shown before becomes
    ``previous`` when the sampled setting changed (a change of scale alone keeps it).
    """

    def __init__(self, settings: ExplorerSettings | None = None, budget: float = WORK_BUDGET):
        self.budget = check_number("budget", budget, high=MAX_WORK_BUDGET, positive=True)
        self._cache: OrderedDict[ExplorerSettings, ExplorerView] = OrderedDict()
        self.previous: ExplorerView | None = None
        self.current: ExplorerView = self._view(settings or ExplorerSettings())
        self.settings: ExplorerSettings = self.current.settings

    def _view(self, settings: ExplorerSettings) -> ExplorerView:
        key = settings.sampling_key
        if key in self._cache:
            self._cache.move_to_end(key)
        else:
            self._cache[key] = compute_view(key, self.budget)
            while len(self._cache) > 16:
                self._cache.popitem(last=False)
        view = self._cache[key]
        return view if view.settings == settings else replace(view, settings=settings)

    def begin(self, settings: ExplorerSettings) -> ExplorerJob:
        """Start showing ``settings`` progressively: returns the job (already done when the
        setting is cached). Show its views as it advances, then call :meth:`finish`."""
        if not isinstance(settings, ExplorerSettings):
            raise ValueError(f"settings must be an ExplorerSettings, got {type(settings).__name__}")
        key = settings.sampling_key
        cached = self._cache.get(key)
        job = ExplorerJob(key, self.budget) if cached is None else _DoneJob(cached)
        job.shown = settings
        return job

    def finish(self, job: ExplorerJob) -> ExplorerView:
        """Make a finished job's setting the current one (the shown one becomes previous)."""
        if not job.done:
            raise ValueError("the job is not finished: call job.advance() until it is done")
        view = job.view()
        assert view is not None
        key = view.settings.sampling_key
        self._cache[key] = view if view.settings == key else replace(view, settings=key)
        self._cache.move_to_end(key)
        while len(self._cache) > 16:
            self._cache.popitem(last=False)
        settings = job.shown
        if settings.sampling_key != self.current.settings.sampling_key:
            self.previous = self.current
        self.current, self.settings = view, settings
        return view

    def update(self, settings: ExplorerSettings | Mapping[str, object]) -> ExplorerView:
        """Show ``settings``: returns the new current view.

        ``settings`` is an :class:`ExplorerSettings`, or a mapping of the fields to change
        in the current settings (``{"n": 7}``).
        """
        if isinstance(settings, Mapping):
            allowed = [f.name for f in fields(ExplorerSettings)]
            check_keys("update", settings, allowed)
            settings = replace(self.settings, **settings)
        elif not isinstance(settings, ExplorerSettings):
            raise ValueError(
                "settings must be an ExplorerSettings or a mapping of its fields, got "
                f"{type(settings).__name__}"
            )
        view = self._view(settings)
        if settings.sampling_key != self.current.settings.sampling_key:
            self.previous = self.current
        self.current, self.settings = view, settings
        return view
