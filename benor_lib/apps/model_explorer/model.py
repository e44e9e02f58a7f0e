"""The model explorer's logic, without widgets: which result applies to a model, and a run
that shows it.

The reader chooses a model: the coin (a real coin, or a deterministic rule in its place),
the fault model (crash or Byzantine), n, the number t of faults the protocol is built to
tolerate, the number of processes that are actually faulty, and the scheduler.
:func:`explore_model` names the result that applies, using
:func:`benor_lib.impossibility.classify_model`:

* **FLP**: the coin is a deterministic rule and t >= 1, so no schedule-independent
  guarantee of termination is possible;
* **Ben-Or**: a real coin, the resilience bound (n > 2t crash, n > 5t Byzantine) holds and
  at most t processes are faulty, so agreement and validity hold in every run and
  termination with probability 1;
* **bound violated**: a real coin, but the bound fails or more than t processes are faulty;
* **no fault to tolerate**: a deterministic rule with t = 0 and nobody faulty.

It then runs a demonstration. With the scheduler ``"adversary"`` (the worst case) that is
:func:`benor_lib.impossibility.demonstrate`: FLP's endless run, a decided run of Ben-Or's
protocol, or the counterexample found by the break-it search. With a named scheduler it
runs a handful of seeds of that scheduler, which shows the other half of the lesson: FLP
says that a bad schedule *exists*, not that a given scheduler finds it.

:class:`ModelView` holds the answer; its :meth:`~ModelView.figure` draws the key round of
the demonstration's run (the round of the violation, the first round of the endless
cycle, or the deciding round). :class:`ModelSession` caches views, so that going back to
a setting is instant. The widget (:mod:`benor_lib.apps.model_explorer.view`) only reads its
controls and draws a view; the chapters use the same views for their static output.

What the chapters' exercises and tables share with it lives below the apps:
:func:`~benor_lib.analysis.breakit.safe_find_violation` and
:func:`~benor_lib.analysis.breakit.rules_from_answer` (the break-it search and a reader's
broken thresholds), :func:`~benor_lib.analysis.key_rounds.key_round` and
:func:`~benor_lib.analysis.key_rounds.key_sentences` (which round to show, in words), and
:func:`~benor_lib.publish.duration_words` (a measured time in words).

At about 650 lines this module is over the house's limit of about 600 on purpose:
:func:`explore_model` and :class:`ModelJob` are two schedules of the same work (a named
scheduler's runs, then the view chosen from them), whole or a slice at a time, and share
its private steps; split apart, the two modules would import each other.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from benor_lib.analysis.breakit import RESULT_LABELS, safe_find_violation
from benor_lib.analysis.key_rounds import key_round, key_sentences
from benor_lib.apps.choices import COIN_LABELS as ALL_COIN_LABELS
from benor_lib.apps.choices import N_RANGES, labels
from benor_lib.apps.choices import SCHEDULER_LABELS as ALL_SCHEDULER_LABELS
from benor_lib.impossibility import (
    Demonstration,
    ModelVerdict,
    classify_model,
    demonstrate,
    static_termination_reason,
)
from benor_lib.protocol.coins import DETERMINISTIC_COINS
from benor_lib.protocol.rules import (
    VARIANTS,
    check_choice,
    check_int,
    standard_rules,
)
from benor_lib.protocol.validate import check_budget, check_keys
from benor_lib.simulation.faults import Byzantine, Crash
from benor_lib.simulation.network import run
from benor_lib.simulation.result import Run

__all__ = [
    "BEHAVIOUR_LABELS",
    "COIN_LABELS",
    "FAULT_LABELS",
    "N_MAX",
    "N_MIN",
    "PRESETS",
    "SCHEDULER_LABELS",
    "ModelJob",
    "ModelSession",
    "ModelSettings",
    "ModelView",
    "explore_model",
]

N_MIN = N_RANGES["model explorer"][0]
"""The smallest n the explorer offers."""
N_MAX = N_RANGES["model explorer"][1]
"""The largest n the explorer offers (FLP's endless run is searched exhaustively up to
``VALENCE_MAX_N``)."""

COIN_LABELS = labels(ALL_COIN_LABELS, ("local", "common", "keep", "zero", "pid_parity"))
"""The coins the explorer offers: the two real ones, then the deterministic rules."""

FAULT_LABELS = {"crash": "crash", "byzantine": "Byzantine"}

SCHEDULER_LABELS = labels(
    ALL_SCHEDULER_LABELS, ("adversary", "split", "uniform", "random_order", "fifo")
)
"""Who orders the messages. "adversary": whatever the result needs (the endless schedule,
the break-it search, the split adversary); the others are the library's named schedulers."""

BEHAVIOUR_LABELS = {
    "adaptive": "adaptive",
    "equivocate": "equivocate",
    "always": "always 1",
    "silent": "silent",
}
"""What a Byzantine process does under a named scheduler (the worst case chooses for it)."""

PRESETS: dict[str, dict[str, Any]] = {
    "FLP": dict(coin="keep", variant="crash", n=5, t=1, faults=0, scheduler="adversary"),
    "Ben-Or": dict(coin="local", variant="crash", n=5, t=1, faults=1, scheduler="adversary"),
    "bound broken": dict(
        coin="local", variant="byzantine", n=6, t=1, faults=2, scheduler="adversary"
    ),
}
"""Three settings worth starting from: one per kind of result."""

NAMED_RUNS = 20
"""How many seeds a named scheduler is run for (fewer if the time budget runs out)."""

NAMED_MAX_ROUNDS = 30
"""A run under a named scheduler that has not decided after this many rounds is stopped."""


# --------------------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelSettings:
    """One model, and how to demonstrate it. Bad values raise ``ValueError`` saying what
    is allowed.

    ``faults``: how many processes are actually faulty (crashed from the start, or
    Byzantine); ``behaviour``: what a Byzantine process does under a named scheduler;
    ``seed``: the seed of the demonstration.
    """

    coin: str = "local"
    variant: str = "crash"
    n: int = 5
    t: int = 1
    faults: int = 0
    scheduler: str = "adversary"
    behaviour: str = "adaptive"
    seed: int = 0

    def __post_init__(self) -> None:
        check_choice("coin", self.coin, tuple(COIN_LABELS))
        check_choice("the fault model", self.variant, VARIANTS)
        n = check_int("n", self.n, N_MIN, N_MAX)
        t = check_int("t", self.t, 0)
        if t >= n:
            raise ValueError(
                f"t must be smaller than n (t={t}, n={n}): at least one process is correct"
            )
        faults = check_int("the number of faulty processes", self.faults, 0)
        if faults >= n:
            raise ValueError(
                f"at most n - 1 = {n - 1} processes can be faulty (got {faults}): "
                "at least one process must be correct"
            )
        check_choice("scheduler", self.scheduler, tuple(SCHEDULER_LABELS))
        check_choice("Byzantine behaviour", self.behaviour, tuple(BEHAVIOUR_LABELS))
        seed = check_int("seed", self.seed, 0)
        for name, value in (("n", n), ("t", t), ("faults", faults), ("seed", seed)):
            object.__setattr__(self, name, value)  # numpy integers become plain ints

    @property
    def deterministic(self) -> bool:
        """True when the coin is a deterministic rule."""
        return self.coin in DETERMINISTIC_COINS

    def describe(self) -> str:
        """The setting in one line, as a reader would say it."""
        faulty = {"crash": "crashed", "byzantine": "Byzantine"}[self.variant]
        sched = SCHEDULER_LABELS[self.scheduler]
        extra = ""
        if self.variant == "byzantine" and self.faults and self.scheduler != "adversary":
            extra = f" ({BEHAVIOUR_LABELS[self.behaviour]})"
        return (
            f"{COIN_LABELS[self.coin]}, {FAULT_LABELS[self.variant]} faults, n={self.n}, "
            f"t={self.t}, {self.faults} {faulty}{extra}, {sched} scheduler, seed {self.seed}"
        )

    def call(self) -> str:
        """The library call behind the classification, to copy into a notebook."""
        return (
            f"benor_lib.classify_model({self.coin!r}, {self.variant!r}, {self.n}, "
            f"{self.t}, {self.faults})"
        )


# --------------------------------------------------------------------------------------
# The view
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelView:
    """What the explorer shows for one setting.

    ``result`` is one of "FLP", "Ben-Or", "bound violated", "no fault to tolerate";
    ``title`` and ``why`` name it and say why it applies; ``guarantees`` maps agreement,
    validity and termination to "always", "with probability 1" or "not guaranteed".
    ``kind`` is what the demonstration found: "endless run", "decided run",
    "counterexample", "undecided run", "blocked run" or "nothing found"; ``text`` says it
    in sentences; ``run`` is the run to draw (None for "nothing found") and ``round`` its
    key round. ``detail`` is the Lasso, Counterexample or NoViolation behind it (None for
    runs of a named scheduler), ``outcomes`` counts the runs of a named scheduler, and
    ``elapsed`` is the time the demonstration took, in seconds.
    """

    settings: ModelSettings
    result: str
    title: str
    why: str
    guarantees: dict[str, str]
    kind: str
    text: str
    run: Run | None
    round: int | None
    elapsed: float
    detail: object = None
    note: str = ""
    outcomes: dict[str, int] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The result's short name, for a badge."""
        return RESULT_LABELS[self.result]

    def figure(self, *, title: str | None = None, fig: Any = None) -> Any:
        """The space-time diagram of the key round (None when there is no run to draw);
        drawn into ``fig`` when given, so that a widget reuses its canvas."""
        from benor_lib.figures import fault_space_time_figure

        if self.run is None or self.round is None:
            return None
        shown = _through_round(self.run, self.round)
        return fault_space_time_figure(
            shown, self.round, title=title or self.figure_title(), fig=fig
        )

    def figure_title(self) -> str:
        """A short title for the figure: which round of what."""
        if self.round is None:
            return ""
        what = {
            "endless run": "the first round of the endless cycle",
            "decided run": "the deciding round",
            "counterexample": "the round in which it breaks",
            "undecided run": "the last round shown",
            "blocked run": "the round in which it blocks",
        }.get(self.kind, "")
        return f"Round {self.round}" + (f": {what}" if what else "")

    def alt_text(self) -> str:
        """What the figure shows, in words."""
        from benor_lib.figures import fault_space_time_alt_text

        if self.run is None or self.round is None:
            return ""
        return fault_space_time_alt_text(_through_round(self.run, self.round), self.round)

    def sentences(self, limit: int = 24) -> list[str]:
        """What happened in the key round, one plain sentence per step (see
        :func:`key_sentences`)."""
        if self.run is None or self.round is None:
            return []
        return key_sentences(self.run, self.round, limit=limit)

    def guarantee_rows(self) -> list[list[str]]:
        """[property, guarantee] rows, in the order agreement, validity, termination."""
        return [[k, v] for k, v in self.guarantees.items()]

    def summary(self) -> str:
        """The whole view as plain text: result, why, demonstration."""
        parts = [f"{self.title}. {self.why}", f"Demonstration ({self.kind}): {self.text}"]
        if self.note:
            parts.append(self.note)
        return "\n".join(parts)


def _through_round(r: Run, rnd: int) -> Run:
    """The run as it stood after the last delivery of round ``rnd`` (the run itself if that
    cannot be replayed)."""
    from benor_lib.figures import through_round

    try:
        return through_round(r, rnd)
    except ValueError:
        return r


# --------------------------------------------------------------------------------------
# The demonstration
# --------------------------------------------------------------------------------------


def _faults(s: ModelSettings) -> list:
    pids = range(s.n - s.faults, s.n)
    if s.variant == "crash":
        return [Crash(p) for p in pids]
    return [Byzantine(p, s.behaviour, value=1) for p in pids]


def _why(model: ModelVerdict) -> str:
    return str(model.explanation)


def _adversary_demo(s: ModelSettings, budget_s: float) -> tuple[Demonstration | None, str]:
    """impossibility.demonstrate, or None and a note when it could not run this setting."""
    try:
        return demonstrate(
            s.coin, s.variant, s.n, s.t, s.faults, seed=s.seed, budget_s=budget_s
        ), ""
    except ValueError as exc:
        return None, str(exc)


def _fallback_demo(s: ModelSettings, model: ModelVerdict, budget_s: float) -> ModelView:
    """A demonstration for a bound violation that impossibility.demonstrate could not run."""
    rules = standard_rules(s.n, s.t, s.variant, allow_unsafe=True)
    start = time.perf_counter()
    static = static_termination_reason(rules)
    note = "(The exhaustive search could not replay this Byzantine setting; "
    if static:
        note += "the thresholds alone show the failure.)"
        r = run(
            s.n,
            s.t,
            "random",
            variant=s.variant,
            scheduler="uniform",
            coin=s.coin,
            faults=_faults(s),
            seed=s.seed,
            max_rounds=3,
            allow_unsafe=True,
        )
        kind = "blocked run" if r.status == "blocked" else "undecided run"
        text = f"Termination fails in every run: {static}. {r.summary()}"
        return _view(s, model, kind, text, r, key_round(r, kind), start, None, note)
    note += "shown instead: what the random search found.)"
    found = safe_find_violation(
        s.n,
        s.t,
        variant=s.variant,
        crashes=s.faults if s.variant == "crash" else 0,
        byzantine=s.faults if s.variant == "byzantine" else 0,
        budget_s=budget_s,
        seed=s.seed,
        search="random",
    )
    if found:
        kind = "counterexample"
        return _view(
            s,
            model,
            kind,
            found.explain(),
            found.run,
            key_round(found.run, kind, found),
            start,
            found,
            note,
        )
    return _view(s, model, "nothing found", found.explain(), None, None, start, found, note)


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _view(
    s: ModelSettings,
    model: ModelVerdict,
    kind: str,
    text: str,
    r: Run | None,
    rnd: int | None,
    start: float,
    detail: object = None,
    note: str = "",
    outcomes: dict[str, int] | None = None,
) -> ModelView:
    return ModelView(
        settings=s,
        result=str(model.result),
        title=_capitalised(str(model.title)),
        why=_why(model),
        guarantees=dict(model.guarantees),  # type: ignore[arg-type]
        kind=kind,
        text=text,
        run=r,
        round=rnd,
        elapsed=time.perf_counter() - start,
        detail=detail,
        note=note,
        outcomes=outcomes or {},
    )


def _named_run(s: ModelSettings, seed: int) -> Run:
    """One run of the named scheduler from random inputs."""
    return run(
        s.n,
        s.t,
        "random",
        variant=s.variant,
        scheduler=s.scheduler,
        coin=s.coin,
        faults=_faults(s),
        seed=seed,
        max_rounds=NAMED_MAX_ROUNDS,
        allow_unsafe=True,
    )


def _named_demo(s: ModelSettings, model: ModelVerdict, budget_s: float) -> ModelView:
    """Runs of a named scheduler, seeds s.seed, s.seed + 1, ...; the most telling is shown."""
    job = ModelJob(s, budget_s)
    job.advance()
    assert job.view is not None
    return job.view


def _named_view(s: ModelSettings, model: ModelVerdict, runs: list[Run], start: float) -> ModelView:
    """The view of the runs of a named scheduler: the most telling one is shown."""
    broken = [r for r in runs if r.violations and r.status != "blocked"]
    blocked = [r for r in runs if r.status == "blocked"]
    undecided = [r for r in runs if r.status == "undecided"]
    decided = [r for r in runs if r.status == "decided" and not r.violations]
    outcomes = {
        "runs": len(runs),
        "decided": sum(r.status == "decided" for r in runs),
        "undecided": len(undecided),
        "blocked": len(blocked),
        "agreement": sum(any(v.kind == "agreement" for v in r.violations) for r in runs),
        "validity": sum(any(v.kind == "validity" for v in r.violations) for r in runs),
    }
    if broken:
        shown, kind = broken[0], "counterexample"
    elif blocked:
        shown, kind = blocked[0], "blocked run"
    elif undecided:
        shown, kind = undecided[0], "undecided run"
    else:
        shown, kind = max(decided, key=lambda r: r.rounds), "decided run"
    rounds = [r.rounds for r in runs if r.status == "decided"]
    sched = SCHEDULER_LABELS[s.scheduler]
    last = s.seed + len(runs) - 1
    seeds = f"seed {s.seed}" if len(runs) == 1 else f"seeds {s.seed} to {last}"
    k = len(runs)
    text = (
        f"Under the {sched} scheduler, {k} run{'s' if k != 1 else ''} from random inputs ({seeds})."
    )
    done = outcomes["decided"]
    text += f" Every correct process decided in {done} of {k}"
    if rounds:
        text += f" (after {np.mean(rounds):.1f} rounds on average, at most {max(rounds)})"
    if undecided:
        text += f"; {len(undecided)} were still undecided after {NAMED_MAX_ROUNDS} rounds"
    if blocked:
        text += f"; {len(blocked)} blocked (a correct process waits forever)"
    if outcomes["agreement"] + outcomes["validity"]:
        text += (
            f"; {outcomes['agreement']} broke agreement and {outcomes['validity']} broke validity."
        )
    else:
        text += "; none broke agreement or validity."
    text += f" Shown: seed {shown.seed}. {_short_summary(shown)}"
    note = _named_note(s, str(model.result), kind, outcomes)
    return _view(s, model, kind, text, shown, key_round(shown, kind), start, None, note, outcomes)


def _short_summary(r: Run) -> str:
    """How one run ended, in a sentence, without repeating a blocked run's reason."""
    if r.status == "decided":
        return r.summary()
    if r.status == "blocked":
        text = f"Blocked: {r.reason}."
    else:
        text = f"Still undecided after {r.rounds} rounds."
    safety = [str(v) for v in r.violations if v.kind != "termination"]
    return text + (" Violations: " + "; ".join(safety) + "." if safety else "")


def _named_note(s: ModelSettings, result: str, kind: str, outcomes: dict[str, int]) -> str:
    static = static_termination_reason(standard_rules(s.n, s.t, s.variant, allow_unsafe=True))
    if static and result == "bound violated":
        return f"No run of this setting can ever decide: {static}."
    all_fine = outcomes["decided"] == outcomes["runs"] and kind == "decided run"
    if result == "FLP" and all_fine:
        return (
            "This does not contradict FLP: the theorem says that some schedule keeps a "
            "deterministic protocol undecided forever, not that this scheduler finds it. "
            "Choose the worst case to see such a schedule."
        )
    if result == "bound violated" and all_fine:
        return (
            "Nothing broke under this scheduler. Outside the bound, Ben-Or's guarantees do "
            "not hold: some adversary breaks them, not necessarily this one. Choose the worst "
            "case to let the break-it search look."
        )
    if result == "Ben-Or" and kind in ("undecided run", "blocked run"):
        return (
            f"Undecided after {NAMED_MAX_ROUNDS} rounds is not a violation: Ben-Or's theorem "
            "promises termination with probability 1, not within a fixed number of rounds."
        )
    return ""


def explore_model(settings: ModelSettings | None = None, *, budget_s: float = 1.5, **kw: Any):
    """The :class:`ModelView` of one setting: the result that applies and a demonstration.

    Pass a :class:`ModelSettings` or its fields as keywords
    (``explore_model(coin="keep", n=5, t=1)``). ``budget_s`` bounds the search of the worst
    case and the runs of a named scheduler (the whole call can take about twice as long
    when the search tries both the actual number of faults and t).
    """
    if settings is None:
        check_keys("explore_model", kw, [f.name for f in fields(ModelSettings)])
        settings = ModelSettings(**kw)
    elif kw:
        raise ValueError("pass either a ModelSettings or keywords, not both")
    if not isinstance(settings, ModelSettings):
        raise ValueError(f"settings must be a ModelSettings, got {type(settings).__name__}")
    budget_s = check_budget("budget_s", budget_s)
    s = settings
    model = classify_model(s.coin, s.variant, s.n, s.t, s.faults)
    if s.scheduler != "adversary":
        return _named_demo(s, model, float(budget_s))
    start = time.perf_counter()
    demo, error = _adversary_demo(s, float(budget_s))
    if demo is None:
        if model.result != "bound violated":
            raise ValueError(f"the demonstration of this setting failed: {error}")
        return _fallback_demo(s, model, float(budget_s))
    rnd = None if demo.run is None else key_round(demo.run, demo.kind, demo.detail)
    kind = demo.kind
    if kind == "undecided run" and demo.run is not None and demo.run.status == "blocked":
        kind = "blocked run"
    return _view(s, model, kind, demo.text, demo.run, rnd, start, demo.detail)


# --------------------------------------------------------------------------------------
# The work of one view, in slices
# --------------------------------------------------------------------------------------


class ModelJob:
    """The work of showing one setting, done in pieces (see :mod:`benor_lib.apps.budget`).

    Under a named scheduler the runs are the pieces: :meth:`advance` makes runs until
    ``over()`` says the slice is used up, and :meth:`progress_note` says how many are in.
    The worst case (the break-it search, FLP's endless run) is one piece: ``sliced`` is
    False, and a widget that must stay responsive runs it apart from its event loop.
    ``view`` is the :class:`ModelView` once ``done``, the one :func:`explore_model` gives.
    """

    def __init__(self, settings: ModelSettings, budget_s: float = 1.5) -> None:
        if not isinstance(settings, ModelSettings):
            raise ValueError(f"settings must be a ModelSettings, got {type(settings).__name__}")
        self.settings = settings
        self.budget_s = float(check_budget("budget_s", budget_s))
        self.view: ModelView | None = None
        self.sliced = settings.scheduler != "adversary"
        self._runs: list[Run] = []
        self._spent = 0.0  # seconds the runs took (pauses between slices do not count)
        self._start = time.perf_counter()

    @property
    def done(self) -> bool:
        """True when the view is ready."""
        return self.view is not None

    def advance(self, over: Callable[[], bool] | None = None) -> bool:
        """Work until done or until ``over()`` is true (never asked: to the end)."""
        s = self.settings
        if self.view is not None:
            return True
        if not self.sliced:
            self.view = explore_model(s, budget_s=self.budget_s)
            return True
        while len(self._runs) < NAMED_RUNS and (not self._runs or self._spent <= self.budget_s):
            began = time.perf_counter()
            self._runs.append(_named_run(s, s.seed + len(self._runs)))
            self._spent += time.perf_counter() - began
            if over is not None and over() and len(self._runs) < NAMED_RUNS:
                return False
        model = classify_model(s.coin, s.variant, s.n, s.t, s.faults)
        self.view = _named_view(s, model, self._runs, self._start)
        return True

    def progress_note(self) -> str:
        """How far the work has come, in a sentence ("" when done)."""
        if self.view is not None:
            return ""
        if not self.sliced:
            return "Searching the worst case…"
        return f"Running the {SCHEDULER_LABELS[self.settings.scheduler]} scheduler: " + (
            f"{len(self._runs)} of {NAMED_RUNS} runs so far…"
        )


# --------------------------------------------------------------------------------------
# A session with a cache
# --------------------------------------------------------------------------------------


class ModelSession:
    """The current view and a small cache of earlier ones (so going back is instant)."""

    CACHE_SIZE = 32

    def __init__(self, budget_s: float = 1.5) -> None:
        self.budget_s = check_budget("budget_s", budget_s)
        self.view: ModelView | None = None
        self._cache: dict[ModelSettings, ModelView] = {}

    def show(self, settings: ModelSettings | Mapping[str, Any]) -> ModelView:
        """The view of ``settings`` (from the cache if it was computed before).

        ``settings`` is a :class:`ModelSettings` or a mapping of its fields.
        """
        if isinstance(settings, Mapping):
            check_keys("show", settings, [f.name for f in fields(ModelSettings)])
            settings = ModelSettings(**settings)
        elif not isinstance(settings, ModelSettings):
            raise ValueError(f"settings must be a ModelSettings, got {type(settings).__name__}")
        job = self.begin(settings)
        job.advance()
        return self.finish(job)

    def begin(self, settings: ModelSettings) -> ModelJob:
        """Start showing ``settings``: returns the job (already done when cached). Advance
        it, then call :meth:`finish`."""
        job = ModelJob(settings, self.budget_s)
        job.view = self._cache.get(settings)
        return job

    def finish(self, job: ModelJob) -> ModelView:
        """Make a finished job's view the current one (and cache it)."""
        if job.view is None:
            raise ValueError("the job is not finished: call job.advance() until it is done")
        view = job.view
        if job.settings not in self._cache:
            if len(self._cache) >= self.CACHE_SIZE:
                self._cache.pop(next(iter(self._cache)))
            self._cache[job.settings] = view
        self.view = view
        return view
