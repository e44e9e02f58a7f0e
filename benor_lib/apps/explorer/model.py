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

import numpy as np

from benor_lib.analysis.rounds import (
    exact_mean,
    exact_quantile,
)
from benor_lib.apps.explorer.plan import (
    RunPlan,
    capped_plan,
    exact_array,
    known_mean,
    pilot_mean,
    pilot_sampler,
    plan_runs,
)
from benor_lib.apps.explorer.settings import (
    COIN_LABELS,
    INPUT_LABELS,
    INPUT_MODES,
    MAX_WORK_BUDGET,
    MIN_RUNS,
    N_MAX,
    N_MIN,
    PILOT_RUNS,
    RUNS_CHOICES,
    SCHEDULER_LABELS,
    WORK_BUDGET,
    WORK_WEIGHTS,
    ExplorerSettings,
    exact_law,
)
from benor_lib.distributions.exact import ROUND_CAP
from benor_lib.distributions.sample import RoundSample, RoundSampler
from benor_lib.protocol.validate import check_keys, check_number

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
        if s.crashes:
            return "The exact distribution is not shown: it is computed for runs without crashes."
        law = exact_law(s)
        return (
            f"The exact distribution is not shown: its rounds run past {ROUND_CAP:,} "
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
            f"scheduler={s.scheduler!r}, faults={s.crashes}, coin={s.coin!r}, "
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
        self.exact = exact_array(settings)
        known = known_mean(settings)
        self._pilot = pilot_sampler(settings, self.budget) if known is None else None
        self.plan: RunPlan | None = None
        self._sampler: RoundSampler | None = None
        if known is not None:
            self._start(*known)

    def _start(self, mean: float, estimate: str) -> None:
        s = self.settings
        self.plan = plan = capped_plan(s, self.budget, mean, estimate)
        self._sampler = RoundSampler(
            s.n,
            s.t,
            plan.runs,
            inputs=s.sample_inputs,
            scheduler=s.scheduler,
            faults=s.crashes,
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
            self._start(pilot_mean(self._pilot.result()), "trial")
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
