"""The distribution explorer's settings: what it offers (n, inputs, schedulers, coins, runs),
the constants of its cap rule, and :class:`ExplorerSettings`, which says what is wrong with
a bad setting (``ValueError``). Also the exact law of a setting, which decides whether the
exact distribution is listed."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

from benor_lib.apps.choices import COIN_LABELS as ALL_COIN_LABELS
from benor_lib.apps.choices import N_RANGES, check_app_n, check_tolerated_t, labels
from benor_lib.apps.choices import SCHEDULER_LABELS as ALL_SCHEDULER_LABELS
from benor_lib.distributions.exact import EXACT_MAX_N, ROUND_CAP
from benor_lib.distributions.phase_type import RoundDistribution, round_distribution
from benor_lib.protocol.validate import check_choice, check_whole

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
    0). ``crashes`` processes (the last ones) crash before they start; at most t.
    ``scale`` only changes how the histogram is drawn.
    """

    n: int = 5
    t: int = 1
    inputs: str = "random"
    ones: int = 0
    scheduler: str = "uniform"
    crashes: int = 0
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
        crashed = check_whole("crashed processes", self.crashes)
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
        for name, value in (("n", n), ("t", t), ("ones", ones), ("crashes", crashed)):
            object.__setattr__(self, name, value)
        object.__setattr__(self, "runs", runs)
        object.__setattr__(self, "seed", seed)

    @property
    def live(self) -> int:
        """Processes that take part (n minus the crashed ones)."""
        return self.n - self.crashes

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
        return self.crashes == 0 and self.n <= EXACT_MAX_N and not _tail_too_long(self)

    def label(self) -> str:
        """A short description, for legends and titles."""
        if self.inputs == "random":
            inputs = "random inputs"
        elif self.inputs == "equal":
            inputs = "equal inputs"
        else:
            inputs = f"{self.ones} ones"
        parts = [f"n={self.n}, t={self.t}", SCHEDULER_LABELS[self.scheduler]]
        if self.crashes:
            parts.append(f"{self.crashes} crashed")
        parts += [COIN_LABELS[self.coin], inputs]
        return ", ".join(parts)


def exact_law(settings: ExplorerSettings) -> RoundDistribution:
    """The exact law of the round count of ``settings`` (no crashes), in closed form."""
    return _cached_law(
        settings.n, settings.t, settings.sample_inputs, settings.scheduler, settings.coin
    )


@lru_cache(maxsize=128)
def _cached_law(n: int, t: int, inputs: object, scheduler: str, coin: str) -> RoundDistribution:
    return round_distribution(n, t, inputs=inputs, scheduler=scheduler, coin=coin)


def _tail_too_long(settings: ExplorerSettings) -> bool:
    """True when exact_rounds' array would pass ROUND_CAP rounds (a mean like 2^14)."""
    return exact_law(settings).sf(ROUND_CAP) >= 1e-12
