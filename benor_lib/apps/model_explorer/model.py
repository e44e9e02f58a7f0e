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
cycle, or the deciding round). :class:`ExplorerSession` caches views, so that going back to
a setting is instant. The widget (:mod:`benor_lib.apps.model_explorer.view`) only reads its
controls and draws a view; the chapters use the same views for their static output.

This module also holds what the two chapters' exercises and tables share:
:func:`safe_find_violation` (the break-it search, with a fallback when its exhaustive part
cannot replay a setting), :func:`rules_from_answer` (a reader's broken thresholds, as
``Rules`` or as a dict of changes) and :func:`duration_words` (a measured time in words
that stay true on another machine).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from benor_lib.impossibility import (
    VALENCE_MAX_N,
    Counterexample,
    Demonstration,
    Lasso,
    NoViolation,
    classify_model,
    demonstrate,
    find_violation,
    static_termination_reason,
)
from benor_lib.protocol.coins import DETERMINISTIC_COINS
from benor_lib.protocol.rules import (
    VARIANTS,
    Rules,
    check_choice,
    check_int,
    check_rules,
    standard_rules,
)
from benor_lib.protocol.validate import check_budget, check_keys
from benor_lib.simulation.checks import check_agreement, check_validity
from benor_lib.simulation.faults import Byzantine, Crash
from benor_lib.simulation.network import run
from benor_lib.simulation.trace import (
    ADOPT,
    BYZANTINE_SEND,
    COIN,
    CRASH,
    DECIDE,
    DELIVER,
    HALT,
    PROPOSE,
    Run,
    narrate_event,
)

__all__ = [
    "BEHAVIOUR_LABELS",
    "COIN_LABELS",
    "FAULT_LABELS",
    "N_MAX",
    "N_MIN",
    "PRESETS",
    "RESULT_LABELS",
    "SCHEDULER_LABELS",
    "THRESHOLD_FIELDS",
    "ExplorerSession",
    "ModelSettings",
    "ModelView",
    "changed_thresholds",
    "duration_words",
    "explore_model",
    "key_round",
    "key_sentences",
    "rules_from_answer",
    "safe_find_violation",
]

N_MIN, N_MAX = 2, VALENCE_MAX_N
"""The range of n the explorer offers (FLP's endless run is searched exhaustively up to
``VALENCE_MAX_N``)."""

COIN_LABELS = {
    "local": "local coin",
    "common": "common coin",
    "keep": "rule: keep",
    "zero": "rule: zero",
    "pid_parity": "rule: pid parity",
}
"""The coins the explorer offers: the two real ones, then the deterministic rules."""

FAULT_LABELS = {"crash": "crash", "byzantine": "Byzantine"}

SCHEDULER_LABELS = {
    "adversary": "worst case",
    "split": "split adversary",
    "uniform": "uniform",
    "random_order": "random order",
    "fifo": "FIFO",
}
"""Who orders the messages. "adversary": whatever the result needs (the endless schedule,
the break-it search, the split adversary); the others are the library's named schedulers."""

BEHAVIOUR_LABELS = {
    "adaptive": "adaptive",
    "equivocate": "equivocate",
    "always": "always 1",
    "silent": "silent",
}
"""What a Byzantine process does under a named scheduler (the worst case chooses for it)."""

RESULT_LABELS = {
    "FLP": "FLP impossibility",
    "Ben-Or": "Ben-Or's theorem",
    "bound violated": "outside the bound",
    "no fault to tolerate": "no fault to tolerate",
}

THRESHOLD_FIELDS = ("quorum", "d_twice", "adopt_min", "decide_twice")
"""The fields of :class:`~benor_lib.protocol.rules.Rules` a broken variant may change."""

PRESETS: dict[str, dict[str, Any]] = {
    "FLP": dict(coin="keep", fault_model="crash", n=5, t=1, faults=0, scheduler="adversary"),
    "Ben-Or": dict(coin="local", fault_model="crash", n=5, t=1, faults=1, scheduler="adversary"),
    "bound broken": dict(
        coin="local", fault_model="byzantine", n=6, t=1, faults=2, scheduler="adversary"
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
    fault_model: str = "crash"
    n: int = 5
    t: int = 1
    faults: int = 0
    scheduler: str = "adversary"
    behaviour: str = "adaptive"
    seed: int = 0

    def __post_init__(self) -> None:
        check_choice("coin", self.coin, tuple(COIN_LABELS))
        check_choice("the fault model", self.fault_model, VARIANTS)
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
        faulty = {"crash": "crashed", "byzantine": "Byzantine"}[self.fault_model]
        sched = SCHEDULER_LABELS[self.scheduler]
        extra = ""
        if self.fault_model == "byzantine" and self.faults and self.scheduler != "adversary":
            extra = f" ({BEHAVIOUR_LABELS[self.behaviour]})"
        return (
            f"{COIN_LABELS[self.coin]}, {FAULT_LABELS[self.fault_model]} faults, n={self.n}, "
            f"t={self.t}, {self.faults} {faulty}{extra}, {sched} scheduler, seed {self.seed}"
        )

    def call(self) -> str:
        """The library call behind the classification, to copy into a notebook."""
        return (
            f"benor_lib.classify_model({self.coin!r}, {self.fault_model!r}, {self.n}, "
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

    def figure(self, *, title: str | None = None) -> Any:
        """The space-time diagram of the key round (None when there is no run to draw)."""
        from benor_lib.figures import fault_space_time_figure

        if self.run is None or self.round is None:
            return None
        shown = _through_round(self.run, self.round)
        return fault_space_time_figure(shown, self.round, title=title or self.figure_title())

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
# Key rounds and key sentences
# --------------------------------------------------------------------------------------


def _violation_round(r: Run, kind: str) -> int | None:
    """The round of the decision that completed a violation of ``kind``."""
    byz = {p for p, d in r.faulty.items() if d.startswith("byzantine")}
    decisions: dict[int, int] = {}
    for e in r.trace:
        if e.kind == DECIDE and e.pid not in byz:
            decisions[e.pid] = int(e.value)
            bad = check_agreement(decisions) + check_validity(r.inputs, r.correct, decisions)
            if any(v.kind == kind for v in bad):
                return e.round
    return None


def _last_round(r: Run) -> int:
    delivered = [e.round for e in r.trace if e.kind == DELIVER]
    return delivered[-1] if delivered else 1


def key_round(r: Run, kind: str, detail: object = None) -> int:
    """The round of ``r`` worth drawing for a demonstration of ``kind``.

    The first round of the cycle of an endless run; the round in which an agreement or
    validity violation is completed; the last round of a run that blocks, stays undecided
    or reaches a configuration without a decision; the deciding round of a decided run.
    """
    if isinstance(detail, Lasso):
        return len(detail.prefix) + 1
    if isinstance(detail, Counterexample) and detail.kind in ("agreement", "validity"):
        found = _violation_round(r, detail.kind)
        if found is not None:
            return found
    if kind == "decided run" and r.status == "decided":
        return r.rounds
    for v in r.violations:
        if v.kind in ("agreement", "validity"):
            found = _violation_round(r, v.kind)
            if found is not None:
                return found
    return _last_round(r)


def _coin_sentence(e: Any, rules: Rules) -> str:
    """A coin flip in words, saying why: no D-message at all, or too few to adopt (the
    narration of :mod:`benor_lib.simulation.trace` says "no D-message" in both cases)."""
    heard = ",".join("?" if v is None else f"D({v})" for v in e.heard)
    ds = sum(1 for v in e.heard if v is not None)
    if ds == 0:
        why = "no D-message"
    else:
        why = (
            f"{ds} D-message{'s' if ds > 1 else ''}, fewer than the {rules.adopt_min} needed "
            "to adopt"
        )
    return f"p{e.pid} heard {heard}: {why}, so it flips a coin and gets x={e.value}."


def key_sentences(r: Run, rnd: int, *, limit: int | None = 24) -> list[str]:
    """The steps of round ``rnd`` in plain sentences: what the Byzantine processes sent,
    what each correct process proposed and concluded, crashes and halts.

    Deliveries are left out, and so is what a Byzantine process's own copy of the protocol
    would have done: its messages are all that matter.
    """
    byz = {p for p, d in r.faulty.items() if d.startswith("byzantine")}
    inner = (PROPOSE, ADOPT, COIN, DECIDE)
    lines = []
    for e in r.trace:
        if e.round != rnd or e.kind not in (BYZANTINE_SEND, CRASH, HALT, *inner):
            continue
        if e.pid in byz and e.kind in inner:
            continue
        lines.append(_coin_sentence(e, r.rules) if e.kind == COIN else narrate_event(e, r.rules))
    return lines if limit is None else lines[:limit]


# --------------------------------------------------------------------------------------
# Words for measured times, and the break-it search with its fallback
# --------------------------------------------------------------------------------------


def duration_words(seconds: float) -> str:
    """A measured time as words that stay true on a similar machine: "in under a tenth of
    a second", "in under a second", "in under 3 seconds", "in about 12 seconds"."""
    s = float(seconds)
    if not math.isfinite(s) or s < 0:
        raise ValueError(f"seconds must be a finite number >= 0, got {seconds!r}")
    if s < 0.1:
        return "in under a tenth of a second"
    if s < 1:
        return "in under a second"
    if s < 10:
        return f"in under {math.ceil(s)} seconds" if math.ceil(s) > 1 else "in under a second"
    return f"in about {round(s)} seconds"


def safe_find_violation(
    n: int,
    t: int,
    **kwargs: Any,
) -> Counterexample | NoViolation:
    """:func:`~benor_lib.impossibility.find_violation`, falling back to the random search
    when the exhaustive round-by-round search cannot replay a setting (it raises
    ``ValueError`` for some Byzantine settings in which a Byzantine process's own copy of
    the protocol would flip a coin). Arguments are checked first, so that a caller's mistake
    is still reported as the ``ValueError`` it is.
    """
    try:
        return find_violation(n, t, **kwargs)
    except ValueError:
        if kwargs.get("search", "auto") == "random" or not kwargs.get("byzantine"):
            raise
    return find_violation(n, t, **{**kwargs, "search": "random"})


# --------------------------------------------------------------------------------------
# Reading a reader's broken thresholds
# --------------------------------------------------------------------------------------


def changed_thresholds(rules: Rules) -> dict[str, tuple[int, int]]:
    """field -> (standard value, this value) for every threshold that differs from the
    published protocol's."""
    std = standard_rules(rules.n, rules.t, rules.variant, allow_unsafe=True)
    return {
        f: (getattr(std, f), getattr(rules, f))
        for f in THRESHOLD_FIELDS
        if getattr(std, f) != getattr(rules, f)
    }


def rules_from_answer(answer: object, n: int, t: int, variant: str) -> Rules:
    """A reader's broken thresholds as :class:`~benor_lib.protocol.rules.Rules`.

    ``answer`` is a ``Rules`` object for (n, t, variant), made with
    ``standard_rules(n, t, variant).with_changes(...)``, or a dict of the changes, such as
    ``{"decide_twice": 2}``. Raises ``ValueError`` saying what is wrong with it.
    """
    base = standard_rules(n, t, variant, allow_unsafe=True)
    example = f"standard_rules({n}, {t}, {variant!r}).with_changes(decide_twice=...)"
    if isinstance(answer, Rules):
        if (answer.n, answer.t, answer.variant) != (n, t, variant):
            raise ValueError(
                f"these rules are for the {answer.variant} variant with n={answer.n}, "
                f"t={answer.t}; the exercise is about the {variant} variant with n={n}, t={t}: "
                f"start from {example}"
            )
        rules = answer
        for f in (x.name for x in fields(Rules)):
            if f not in (*THRESHOLD_FIELDS, "name") and getattr(rules, f) != getattr(base, f):
                raise ValueError(f"change only the thresholds {', '.join(THRESHOLD_FIELDS)}")
    elif isinstance(answer, Mapping):
        if not answer:
            raise ValueError(
                "the dict is empty: name the threshold to change, e.g. {'decide_twice': 2}"
            )
        unknown = [k for k in answer if k not in THRESHOLD_FIELDS]
        if unknown:
            names = ", ".join(repr(k) for k in THRESHOLD_FIELDS)
            raise ValueError(
                f"there is no threshold called {unknown[0]!r}; the thresholds are {names}"
            )
        changes = {}
        for k, v in answer.items():
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                raise ValueError(f"{k} must be a whole number, got {v!r}")
            changes[k] = int(v)
        rules = base.with_changes(**changes)
    else:
        raise ValueError(
            f"the answer should be Rules, made with {example}, or a dict of changes such as "
            f"{{'decide_twice': 2}}; got {type(answer).__name__}"
        )
    for f in THRESHOLD_FIELDS:
        value = getattr(rules, f)
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"{f} must be a whole number, got {value!r}")
    check_int("quorum", rules.quorum, 1, n)
    check_int("adopt_min", rules.adopt_min, 1, n)
    check_int("d_twice", rules.d_twice, 0, 2 * n)
    check_int("decide_twice", rules.decide_twice, 0, 2 * n)
    return check_rules(rules, n, t)


# --------------------------------------------------------------------------------------
# The demonstration
# --------------------------------------------------------------------------------------


def _faults(s: ModelSettings) -> list:
    pids = range(s.n - s.faults, s.n)
    if s.fault_model == "crash":
        return [Crash(p) for p in pids]
    return [Byzantine(p, s.behaviour, value=1) for p in pids]


def _why(model: Mapping[str, object]) -> str:
    return str(model["explanation"])


def _adversary_demo(s: ModelSettings, budget_s: float) -> tuple[Demonstration | None, str]:
    """impossibility.demonstrate, or None and a note when it could not run this setting."""
    try:
        return demonstrate(
            s.coin, s.fault_model, s.n, s.t, s.faults, seed=s.seed, budget_s=budget_s
        ), ""
    except ValueError as exc:
        return None, str(exc)


def _fallback_demo(s: ModelSettings, model: dict, budget_s: float) -> ModelView:
    """A demonstration for a bound violation that impossibility.demonstrate could not run."""
    rules = standard_rules(s.n, s.t, s.fault_model, allow_unsafe=True)
    start = time.perf_counter()
    static = static_termination_reason(rules)
    note = "(The exhaustive search could not replay this Byzantine setting; "
    if static:
        note += "the thresholds alone show the failure.)"
        r = run(
            s.n,
            s.t,
            "random",
            variant=s.fault_model,
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
        variant=s.fault_model,
        crashes=s.faults if s.fault_model == "crash" else 0,
        byzantine=s.faults if s.fault_model == "byzantine" else 0,
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
    model: Mapping[str, object],
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
        result=str(model["result"]),
        title=_capitalised(str(model["title"])),
        why=_why(model),
        guarantees=dict(model["guarantees"]),  # type: ignore[arg-type]
        kind=kind,
        text=text,
        run=r,
        round=rnd,
        elapsed=time.perf_counter() - start,
        detail=detail,
        note=note,
        outcomes=outcomes or {},
    )


def _named_demo(s: ModelSettings, model: dict, budget_s: float) -> ModelView:
    """Runs of a named scheduler, seeds s.seed, s.seed + 1, ...; the most telling is shown."""
    start = time.perf_counter()
    deadline = start + budget_s
    runs: list[Run] = []
    for seed in range(s.seed, s.seed + NAMED_RUNS):
        runs.append(
            run(
                s.n,
                s.t,
                "random",
                variant=s.fault_model,
                scheduler=s.scheduler,
                coin=s.coin,
                faults=_faults(s),
                seed=seed,
                max_rounds=NAMED_MAX_ROUNDS,
                allow_unsafe=True,
            )
        )
        if time.perf_counter() > deadline:
            break
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
    note = _named_note(s, str(model["result"]), kind, outcomes)
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
    static = static_termination_reason(standard_rules(s.n, s.t, s.fault_model, allow_unsafe=True))
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
    model = classify_model(s.coin, s.fault_model, s.n, s.t, s.faults)
    if s.scheduler != "adversary":
        return _named_demo(s, model, float(budget_s))
    start = time.perf_counter()
    demo, error = _adversary_demo(s, float(budget_s))
    if demo is None:
        if model["result"] != "bound violated":
            raise ValueError(f"the demonstration of this setting failed: {error}")
        return _fallback_demo(s, model, float(budget_s))
    rnd = None if demo.run is None else key_round(demo.run, demo.kind, demo.detail)
    kind = demo.kind
    if kind == "undecided run" and demo.run is not None and demo.run.status == "blocked":
        kind = "blocked run"
    return _view(s, model, kind, demo.text, demo.run, rnd, start, demo.detail)


# --------------------------------------------------------------------------------------
# A session with a cache
# --------------------------------------------------------------------------------------


class ExplorerSession:
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
        view = self._cache.get(settings)
        if view is None:
            view = explore_model(settings, budget_s=self.budget_s)
            if len(self._cache) >= self.CACHE_SIZE:
                self._cache.pop(next(iter(self._cache)))
            self._cache[settings] = view
        self.view = view
        return view
