"""The round stepper's logic, without widgets: settings, moves, and the state at every step.

A :class:`StepperSession` never simulates the protocol itself. With the uniform scheduler or
the split adversary it holds one complete reference run (:func:`benor_lib.run` with the
session's seed) and the state after ``k`` deliveries is ``reference.replay(upto=k)``. In
"you choose" mode it keeps the deliveries the reader chose and replays them with a
:class:`~benor_lib.simulation.schedulers.Scripted` scheduler. Moving forward or back only
changes ``k``.

Moves: one delivery; one protocol step (the next delivery after which some process
completes a step: it sends D(v) or ?, or it adopts, flips a coin or decides and starts
the next round); one round (until every live process has finished the round the slowest
one is in); to the decision; back (undo the last move); reset.

This module is longer than the house limit of about 600 lines for a reason: it is one class,
:class:`StepperSession`, whose moves, narration and table rows all read the same timeline
and state cache; split apart, each piece would need the others' internals.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING

import numpy as np

from benor_lib.apps.choices import N_RANGES, check_app_n, check_tolerated_t, labels
from benor_lib.apps.choices import SCHEDULER_LABELS as ALL_SCHEDULER_LABELS
from benor_lib.protocol.events import (
    ADOPT,
    COIN,
    CRASH,
    DECIDE,
    DELIVER,
    HALT,
    PROPOSAL,
    PROPOSE,
    REPORT,
    SEND,
    Delivery,
    Event,
)
from benor_lib.protocol.rules import Rules, standard_rules
from benor_lib.protocol.validate import (
    check_choice,
    check_int,
    check_keys,
    check_sequence,
    check_whole,
)
from benor_lib.simulation.faults import Crash
from benor_lib.simulation.narrate import narrate_event
from benor_lib.simulation.network import run, run_sliced
from benor_lib.simulation.result import EndReason, Message, Run
from benor_lib.simulation.schedulers import Scripted

if TYPE_CHECKING:
    from matplotlib.figure import Figure

N_MIN, N_MAX = N_RANGES["stepper"]
"""The range of n the stepper offers (small enough to read every message)."""

STEPPER_SCHEDULERS = ("uniform", "split", "choose")
"""The stepper's schedulers: the canonical uniform one, the split adversary, or the reader."""

SCHEDULER_LABELS = labels(ALL_SCHEDULER_LABELS, STEPPER_SCHEDULERS)
"""How the stepper names its schedulers on screen."""

GRANULARITIES = ("delivery", "step", "round", "decision")
"""How far one forward move goes."""

STEP_EVENTS = (PROPOSE, ADOPT, COIN, DECIDE, HALT, CRASH)
"""The events a narration reports in preference to the delivery that caused them."""


Key = tuple[int, int, int, int]


def default_inputs(n: int) -> tuple[int, ...]:
    """The stepper's default inputs: the first n // 2 processes start with 0, the rest with 1."""
    return tuple(0 if p < n // 2 else 1 for p in range(n))


@dataclass(frozen=True)
class StepperSettings:
    """Everything that defines a stepper session; invalid settings raise ValueError.

    ``crashed`` lists the processes that crash before starting (at most t of them).
    ``scheduler`` is "uniform", "split" or "choose" ("you choose" is accepted too).
    """

    n: int = 5
    t: int = 1
    inputs: tuple[int, ...] | None = None
    scheduler: str = "uniform"
    crashed: tuple[int, ...] = ()
    seed: int = 1
    variant: str = "crash"
    max_rounds: int = 500

    def __post_init__(self) -> None:
        n = check_app_n(self.n, "stepper")
        check_choice("variant", self.variant, ("crash", "byzantine"))
        t = check_tolerated_t(n, self.t, self.variant)
        if self.inputs is None:
            inputs = default_inputs(n)
        else:
            inputs = tuple(check_sequence("inputs", self.inputs, f"{n} zeros and ones"))
        if len(inputs) != n:
            raise ValueError(f"inputs must have one value per process ({n}), got {len(inputs)}")
        for p, v in enumerate(inputs):
            if isinstance(v, bool) or v not in (0, 1):
                raise ValueError(f"the input of p{p} must be 0 or 1, got {v!r}")
        scheduler = "choose" if self.scheduler == "you choose" else self.scheduler
        if scheduler not in STEPPER_SCHEDULERS:
            options = ", ".join(repr(s) for s in STEPPER_SCHEDULERS)
            raise ValueError(f"scheduler must be one of {options}, got {self.scheduler!r}")
        listed = check_sequence("crashed", self.crashed, "process numbers (possibly empty)")
        crashed = tuple(sorted({check_whole("a crashed process", p) for p in listed}))
        if len(crashed) != len(listed):
            raise ValueError("a crashed process is listed twice")
        for p in crashed:
            if not 0 <= p < n:
                raise ValueError(
                    f"crashed process p{p} does not exist: the processes are p0..p{n - 1}"
                )
        if len(crashed) > t:
            who = ", ".join(f"p{p}" for p in crashed)
            raise ValueError(
                f"too many crashes: with t={t} at most {t} process{'es' if t != 1 else ''} "
                f"may crash, you chose {len(crashed)} ({who})"
            )
        if isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer)):
            raise ValueError(f"the seed must be a whole number, 0 or more, got {self.seed!r}")
        seed = int(self.seed)
        if seed < 0:
            raise ValueError(f"the seed must be a whole number, 0 or more, got {seed}")
        max_rounds = check_whole("max_rounds", self.max_rounds)
        if max_rounds < 1:
            raise ValueError(f"max_rounds must be at least 1, got {max_rounds}")
        for name, value in (
            ("n", n),
            ("t", t),
            ("inputs", tuple(int(v) for v in inputs)),
            ("scheduler", scheduler),
            ("crashed", crashed),
            ("seed", seed),
            ("max_rounds", max_rounds),
        ):
            object.__setattr__(self, name, value)

    @property
    def faults(self) -> list[Crash]:
        """The crash faults to pass to :func:`benor_lib.run`."""
        return [Crash(p) for p in self.crashed]


@dataclass(frozen=True)
class ProcessRow:
    """One process at the session's current step, with the details of the shown round.

    ``heard_reports`` and ``heard_proposals`` are (sender, value) pairs: the messages of the
    shown round it acts on (so far). ``proposal`` is meaningful when ``proposed`` is True
    (None is ``?``). ``outcome`` is "adopt", "coin", "decide" or "" for the shown round.
    """

    pid: int
    input: int
    status: str  # "", "crashed" or "halted"
    round: int
    step: int  # 2: waiting for reports, 3: waiting for proposals, 0: not taking part
    heard_count: int  # messages of its current round and step it has so far
    x: int
    report: int | None
    heard_reports: tuple[tuple[int, int | None], ...]
    proposed: bool
    proposal: int | None
    heard_proposals: tuple[tuple[int, int | None], ...]
    outcome: str
    outcome_value: int | None
    coins: tuple[tuple[int, int], ...]  # (round, value) of every flip so far
    decision: int | None
    decision_round: int | None


@dataclass
class _Timeline:
    """What each delivery of a full run caused, and the slowest live round after it."""

    caused: list[list[Event]] = field(default_factory=list)
    min_round: list[int] = field(default_factory=list)


def _timeline(full: Run, correct: Sequence[int]) -> _Timeline:
    caused: list[list[Event]] = [[]]
    live = set(correct)
    rounds = dict.fromkeys(range(full.n), 1)
    min_round: list[int] = []

    def slowest() -> int:
        alive = [rounds[p] for p in live]
        return min(alive) if alive else max(rounds.values())

    for e in full.trace:
        if e.kind == DELIVER:
            min_round.append(slowest())
            caused.append([e])
            continue
        caused[-1].append(e)
        if e.kind == SEND and e.phase == REPORT:
            rounds[e.pid] = max(rounds[e.pid], e.round)
        elif e.kind in (ADOPT, COIN, DECIDE):
            rounds[e.pid] = max(rounds[e.pid], e.round + 1)
        elif e.kind in (HALT, CRASH):
            live.discard(e.pid)
    min_round.append(slowest())
    return _Timeline(caused, min_round)


def _run_arguments(settings: StepperSettings) -> dict[str, object]:
    """The arguments of the session's reference run, after n and t."""
    return {
        "inputs": list(settings.inputs),
        "variant": settings.variant,
        "scheduler": settings.scheduler,
        "faults": settings.faults,
        "seed": settings.seed,
        "max_rounds": settings.max_rounds,
    }


def reference_settings(reference: Run) -> StepperSettings | None:
    """The settings whose reference run ``reference`` is (None when it is no such run)."""
    crashed = tuple(sorted(int(p) for p in reference.faulty))
    try:
        return StepperSettings(
            n=reference.n,
            t=reference.t,
            inputs=reference.inputs,
            scheduler=str(reference.scheduler),
            crashed=crashed,
            seed=reference.seed,  # type: ignore[arg-type]
            variant=reference.rules.variant,
            max_rounds=reference.max_rounds,
        )
    except ValueError:
        return None


class StepperJob:
    """The work of starting a session: its reference run, simulated a slice at a time.

    :meth:`advance` works until ``over()`` says the slice is used up; :meth:`session` is the
    :class:`StepperSession` once ``done``, the same one ``StepperSession(settings)`` makes.
    In "you choose" mode there is nothing to simulate: the job is done at once.
    """

    def __init__(self, settings: StepperSettings) -> None:
        if not isinstance(settings, StepperSettings):
            raise ValueError(f"settings must be a StepperSettings, got {type(settings).__name__}")
        self.settings = settings
        standard_rules(settings.n, settings.t, settings.variant)  # bad settings fail here
        self._run = (
            None
            if settings.scheduler == "choose"
            else run_sliced(settings.n, settings.t, **_run_arguments(settings))
        )

    @property
    def done(self) -> bool:
        """True when the reference run is complete."""
        return self._run is None or self._run.done

    def advance(self, over: Callable[[], bool] | None = None) -> bool:
        """Simulate until done or until ``over()`` is true (never asked: to the end)."""
        return self._run is None or self._run.advance(over)

    @property
    def deliveries(self) -> int:
        """Deliveries simulated so far."""
        if self._run is None:
            return 0
        return len(self._run.result.deliveries()) if self._run.result else self._run.deliveries

    def progress_note(self) -> str:
        """How far the simulation has come, in a sentence."""
        if self._run is None or self._run.done:
            return ""
        return (
            f"Simulating the run: {self._run.deliveries:,} deliveries so far, every process "
            f"is in round {self._run.round:,} or later. The moves unlock when it is complete."
        )

    def session(self) -> StepperSession:
        """The session of the finished job."""
        if not self.done:
            raise ValueError("the job is not finished: call job.advance() until it is done")
        reference = None if self._run is None else self._run.result
        return StepperSession(self.settings, reference=reference)


class StepperSession:
    """A run of Ben-Or's protocol that a reader steps through, forward and back.

    Pass a :class:`StepperSettings` or its fields as keywords. ``k`` is the number of
    deliveries made so far; :attr:`state` is the run after them (a partial
    :class:`~benor_lib.simulation.result.Run`). Every move returns plain sentences saying what
    happened and why (also kept in ``last_message``).
    """

    def __init__(
        self,
        settings: StepperSettings | None = None,
        *,
        reference: Run | None = None,
        **changes: object,
    ) -> None:
        check_keys("StepperSession", changes, [f.name for f in fields(StepperSettings)])
        if settings is not None and not isinstance(settings, StepperSettings):
            raise ValueError(f"settings must be a StepperSettings, got {type(settings).__name__}")
        if settings is None:
            settings = StepperSettings(**changes)
        elif changes:
            settings = replace(settings, **changes)
        self.settings: StepperSettings = settings
        self.rules: Rules = standard_rules(settings.n, settings.t, settings.variant)
        self.correct: tuple[int, ...] = tuple(
            p for p in range(settings.n) if p not in settings.crashed
        )
        self._cache: OrderedDict[int, Run] = OrderedDict()
        self._reference: Run | None = None
        if reference is not None:
            if settings.scheduler == "choose" or reference_settings(reference) != settings:
                raise ValueError(
                    "reference must be the run of these settings (begin_session makes it)"
                )
            self._reference = reference
        elif settings.scheduler != "choose":
            self._reference = run(settings.n, settings.t, **_run_arguments(settings))
        self.reset()

    # --- the run and its states ------------------------------------------------------
    @property
    def choosing(self) -> bool:
        """True in "you choose" mode."""
        return self.settings.scheduler == "choose"

    @property
    def reference(self) -> Run | None:
        """The complete run being stepped through (None in "you choose" mode)."""
        return self._reference

    @property
    def script(self) -> list[Key]:
        """Every delivery that can be stepped through, in order (chosen ones in choose mode)."""
        if self._reference is not None:
            return self._reference.deliveries()
        return list(self._chosen)

    @property
    def total(self) -> int:
        """How many deliveries can be stepped through."""
        return len(self._timeline.caused) - 1

    def _coin(self, pid: int, rnd: int, x: int) -> int:
        """In choose mode, p's coin in round r is fixed by the seed, whatever is chosen."""
        rng = np.random.default_rng([self.settings.seed, pid, rnd])
        return int(rng.integers(0, 2))

    def _scripted_run(self, keys: Sequence[Key], then: str | None = None) -> Run:
        s = self.settings
        return run(
            s.n,
            s.t,
            list(s.inputs),
            variant=s.variant,
            scheduler=Scripted(list(keys), then=then),
            faults=s.faults,
            coin=self._coin,
            seed=s.seed,
            max_rounds=s.max_rounds,
        )

    def state_at(self, k: int) -> Run:
        """The run after the first ``k`` deliveries (cached; k is clamped to 0..total)."""
        k = max(0, min(check_int("k", k), self.total))
        cached = self._cache.get(k)
        if cached is not None:
            self._cache.move_to_end(k)
            return cached
        if self._reference is not None and k == self.total:
            state = self._reference  # the whole run: replaying it all would give the same
        elif self._reference is not None:
            state = self._reference.replay(upto=k)
        else:
            state = self._scripted_run(self._chosen[:k])
        self._cache[k] = state
        if len(self._cache) > 48:
            self._cache.popitem(last=False)
        return state

    @property
    def state(self) -> Run:
        """The run after the deliveries made so far."""
        return self.state_at(self.k)

    @property
    def finished(self) -> bool:
        """True when the run is over: everyone decided, or max_rounds was reached."""
        return self.k == self.total and self.state.end_reason != EndReason.SCRIPT_ENDED

    @property
    def focus_round(self) -> int:
        """The round the last delivery belonged to (1 before any delivery): the one to show."""
        if self.k == 0:
            return 1
        return self._timeline.caused[self.k][0].round

    def _set_full(self, full: Run) -> None:
        if full is getattr(self, "_full", None):
            return  # the same run (a reset): its timeline and states are still right
        self._full = full
        self._timeline = _timeline(full, self.correct)
        self._cache.clear()

    # --- moves -------------------------------------------------------------------------
    def reset(self) -> str:
        """Back to the start (the same seed; in choose mode the choices are forgotten)."""
        self.k = 0
        self._history: list[int] = []
        self._chosen: list[Key] = []
        if self._reference is not None:
            self._set_full(self._reference)
        else:
            self._set_full(self._scripted_run([]))
        self.last_message = "Reset. " + self.narration()
        return self.last_message

    def target(self, granularity: str) -> int:
        """The k one forward move of ``granularity`` would reach."""
        if granularity not in GRANULARITIES:
            options = ", ".join(repr(g) for g in GRANULARITIES)
            raise ValueError(f"granularity must be one of {options}, got {granularity!r}")
        k, total, tl = self.k, self.total, self._timeline
        if granularity == "delivery":
            return min(k + 1, total)
        if granularity == "step":
            return next((i for i in range(k + 1, total + 1) if len(tl.caused[i]) > 1), total)
        if granularity == "round":
            r0 = tl.min_round[k]
            return next((i for i in range(k + 1, total + 1) if tl.min_round[i] > r0), total)
        return total

    def goto(self, k: int) -> str:
        """Jump to the state after ``k`` deliveries (recorded, so that back returns).

        ``k`` is a whole number, clamped to 0..total.
        """
        k = max(0, min(check_int("k", k), self.total))
        if k != self.k:
            self._history.append(self.k)
            self.k = k
        self.last_message = self.narration()
        return self.last_message

    def forward(self, granularity: str = "delivery") -> str:
        """Move forward by one delivery, step, round, or to the decision; say what happened."""
        target = self.target(granularity)
        if self.choosing and granularity == "decision" and not self.finished:
            return self.finish()
        if target == self.k:
            self.last_message = self._nothing_to_do()
            return self.last_message
        r0 = self._timeline.min_round[self.k]
        self._history.append(self.k)
        self.k = target
        text = self.narration()
        if self.finished and granularity in ("round", "decision"):
            text = f"{self.state.summary()} Last: {text}"
        elif granularity == "round" and self._timeline.min_round[target] > r0:
            text = f"Round {r0} is over for every process still running. Last: {text}"
        self.last_message = text
        return text

    def step_delivery(self) -> str:
        """Move forward by one delivery."""
        return self.forward("delivery")

    def step_protocol(self) -> str:
        """Move forward until some process completes a protocol step."""
        return self.forward("step")

    def step_round(self) -> str:
        """Move forward until every live process has finished the current round."""
        return self.forward("round")

    def run_to_decision(self) -> str:
        """Move to the end of the run (in choose mode the uniform scheduler finishes it)."""
        return self.forward("decision")

    def back(self) -> str:
        """Undo the last move (or, with nothing to undo, go back one delivery)."""
        if self.k == 0 and not self._history:
            self.last_message = "Already at the start: nothing has been delivered yet."
            return self.last_message
        self.k = self._history.pop() if self._history else self.k - 1
        self.last_message = "Back. " + self.narration()
        return self.last_message

    def _nothing_to_do(self) -> str:
        if self.finished:
            return f"The run is over. {self.state.summary()}"
        if self.choosing:
            p = self.next_to_serve()
            who = f"p{p}" if p is not None else "a process"
            return (
                f"You choose: tick the messages {who} hears next and press 'deliver chosen' "
                "(or run to the decision to let the uniform scheduler finish)."
            )
        return f"Nothing more to deliver: {self.state.summary()}"

    # --- "you choose" ------------------------------------------------------------------
    def waiting(self) -> list[int]:
        """Live processes still waiting for messages, the slowest first."""
        st = self.state
        live = [s for s in st.final if s.waiting_for > 0 and s.pid in self.correct]
        return [s.pid for s in sorted(live, key=lambda s: (s.round, s.phase, s.pid))]

    def servable(self) -> list[int]:
        """Waiting processes with at least one message on offer, the slowest first."""
        if self.finished:
            return []
        return [p for p in self.waiting() if self.offers(p)]

    def next_to_serve(self) -> int | None:
        """The process the reader would most naturally serve next (the slowest servable one)."""
        servable = self.servable()
        return servable[0] if servable else None

    def offers(self, pid: int) -> list[Message]:
        """The in-flight messages to ``pid`` of the round and step it is waiting in."""
        st = self.state
        s = st.final[pid]
        return sorted(
            (
                m
                for m in st.pending
                if m.receiver == pid and (m.round, m.phase) == (s.round, s.phase)
            ),
            key=lambda m: m.sender,
        )

    def choose(self, pid: int, chosen: Iterable[int | Key | Message]) -> str:
        """Deliver to ``pid`` the chosen in-flight messages (given by sender, key or Message).

        Only in "you choose" mode; the messages must be among :meth:`offers` and no more
        than the process still needs. Choices after the current step are forgotten.
        """
        if not self.choosing:
            raise ValueError("choosing messages needs the 'you choose' scheduler")
        if self.finished:
            raise ValueError(f"the run is over: {self.state.summary()}")
        pid = check_whole("pid", pid)
        if not 0 <= pid < self.settings.n:
            raise ValueError(f"there is no process p{pid}")
        state = self.state.final[pid]
        if pid not in self.correct or state.waiting_for == 0:
            raise ValueError(f"p{pid} is not waiting for messages")
        offered = {m.sender: m for m in self.offers(pid)}
        senders: list[int] = []
        for c in chosen:
            if isinstance(c, Message):
                sender = c.sender if c.key == (c.sender, pid, state.round, state.phase) else -1
            elif isinstance(c, tuple):
                sender = c[0] if tuple(c[1:]) == (pid, state.round, state.phase) else -1
            else:
                sender = check_whole("sender", c)
            if sender not in offered:
                raise ValueError(f"{c!r} is not a message in flight to p{pid} for its current step")
            if sender not in senders:
                senders.append(sender)
        if not senders:
            raise ValueError(f"choose at least one message for p{pid}")
        if len(senders) > state.waiting_for:
            raise ValueError(
                f"p{pid} needs only {state.waiting_for} more message"
                f"{'s' if state.waiting_for != 1 else ''}; you chose {len(senders)}"
            )
        keys = [offered[s].key for s in senders]
        self._chosen = self._chosen[: self.k] + keys
        self._set_full(self._scripted_run(self._chosen))
        self._history.append(self.k)
        self.k = self.total
        heard = ", ".join(f"p{s}" for s in senders)
        if len(self.caused()) > 1:
            text = f"p{pid} hears {heard}. {self.narration()}"
        elif len(senders) == 1:
            text = self.narration()
        else:
            need = self.state.final[pid].waiting_for
            text = f"p{pid} hears {heard}; it still needs {need} more before it can act."
        self.last_message = text
        return self.last_message

    def finish(self, scheduler: str = "uniform") -> str:
        """In choose mode: the chosen deliveries, then ``scheduler`` delivers the rest."""
        if not self.choosing:
            return self.forward("decision")
        full = self._scripted_run(self._chosen, then=scheduler)
        self._chosen = full.deliveries()
        self._set_full(full)
        self._history.append(self.k)
        self.k = self.total
        self.last_message = (
            f"The {scheduler} scheduler delivered the rest. {self.state.summary()} "
            f"Last: {self.narration()}"
        )
        return self.last_message

    # --- what to show ----------------------------------------------------------------
    def caused(self, k: int | None = None) -> list[Event]:
        """The events delivery ``k`` caused (its DELIVER event first); k=0: the start."""
        k = self.k if k is None else k
        return list(self._timeline.caused[k])

    def narration(self, k: int | None = None) -> str:
        """Plain sentences saying what delivery ``k`` did and why (from the trace's narration).

        A delivery that completes a step is told as that step ("Step 2. p0 heard ..."), one
        that starts a new round adds "Steps 4 and 1: ..."; any other is the delivery itself.
        """
        k = self.k if k is None else k
        if k == 0:
            st = self.settings
            sent = ", ".join(f"p{p} sends {st.inputs[p]}" for p in self.correct)
            crashed = ", ".join(f"p{p}" for p in st.crashed)
            extra = f"; {crashed} crashed before starting" if crashed else ""
            return (
                f"Step 1: every process broadcasts its round-1 report ({sent}){extra}. "
                "Nothing has been delivered yet."
            )
        events = self._timeline.caused[k]
        parts = []
        for e in events[1:]:
            if e.kind == PROPOSE:
                parts.append(f"Step 2. {narrate_event(e, self.rules)}")
            elif e.kind in (ADOPT, COIN, DECIDE):
                parts.append(f"Step 3. {narrate_event(e, self.rules)}")
            elif e.kind in STEP_EVENTS:
                parts.append(narrate_event(e, self.rules))
            elif e.kind == SEND and e.phase == REPORT:
                parts.append(
                    f"Steps 4 and 1: p{e.pid} moves on to round {e.round} and broadcasts "
                    f"its report {e.value}."
                )
        return " ".join(parts) if parts else narrate_event(events[0], self.rules)

    def rows(self, round: int | None = None) -> list[ProcessRow]:
        """Every process at the current step, with what it heard and sent in ``round``."""
        rnd = self.focus_round if round is None else check_int("round", round, 1)
        st = self.state
        by_pid: dict[int, dict[str, object]] = {p: {} for p in range(st.n)}
        delivered: dict[tuple[int, int], list[tuple[int, int | None]]] = {}
        coins: dict[int, list[tuple[int, int]]] = {p: [] for p in range(st.n)}
        for e in st.trace:
            if e.kind == COIN:
                coins[e.pid].append((e.round, int(e.value)))
            if e.round != rnd:
                continue
            info = by_pid[e.pid]
            if e.kind == SEND and e.phase == REPORT:
                info["report"] = e.value
            elif e.kind == DELIVER and e.delivery in (Delivery.COUNTED, Delivery.BUFFERED):
                delivered.setdefault((e.pid, e.phase), []).append((e.sender, e.value))
            elif e.kind == PROPOSE:
                info["proposal"] = e.value
                info["heard_reports"] = tuple(zip(e.senders, e.heard, strict=True))
            elif e.kind in (ADOPT, COIN, DECIDE):
                info["outcome"] = e.kind
                info["outcome_value"] = e.value
                info["heard_proposals"] = tuple(zip(e.senders, e.heard, strict=True))
        rows = []
        for s in st.final:
            info = by_pid[s.pid]
            q = self.rules.quorum
            status = "crashed" if s.faulty == "crashed" else ("halted" if s.halted else "")
            rows.append(
                ProcessRow(
                    pid=s.pid,
                    input=self.settings.inputs[s.pid],
                    status=status,
                    round=s.round,
                    step=0 if status else (2 if s.phase == REPORT else 3),
                    heard_count=q - s.waiting_for if not status else 0,
                    x=s.x,
                    report=info.get("report"),  # type: ignore[arg-type]
                    heard_reports=info.get(  # type: ignore[arg-type]
                        "heard_reports", tuple(delivered.get((s.pid, REPORT), ()))
                    ),
                    proposed="proposal" in info,
                    proposal=info.get("proposal"),  # type: ignore[arg-type]
                    heard_proposals=info.get(  # type: ignore[arg-type]
                        "heard_proposals", tuple(delivered.get((s.pid, PROPOSAL), ()))
                    ),
                    outcome=str(info.get("outcome", "")),
                    outcome_value=info.get("outcome_value"),  # type: ignore[arg-type]
                    coins=tuple(coins[s.pid]),
                    decision=s.decision,
                    decision_round=s.decision_round,
                )
            )
        return rows

    def position(self) -> str:
        """A short line: where the session is (delivery k of total, the round shown, status)."""
        end = "" if not self.finished else f" · {self.state.summary()}"
        total = f" of {self.total}" if not self.choosing else ""
        return f"Round {self.focus_round} · delivery {self.k}{total}{end}"

    def figure(self, *, dpi: float | None = None, fig: Figure | None = None) -> Figure:
        """The space-time diagram of the shown round at the current step (drawn into
        ``fig`` when given, so that a widget reuses its canvas)."""
        from benor_lib.figures import space_time_figure

        return space_time_figure(self.state, round=self.focus_round, dpi=dpi, fig=fig, static=False)

    def frames(self, round: int = 1, granularity: str = "step") -> list[int]:
        """The k of each frame of ``round`` shown ``granularity`` by ``granularity``.

        The first frame is the round's start; the last is the step that ends it for the
        slowest live process (or the end of the run).
        """
        if granularity not in ("delivery", "step"):
            raise ValueError(f"frames go by 'delivery' or 'step', got {granularity!r}")
        round = check_int("round", round, 1)
        tl = self._timeline
        start = next((i for i, r in enumerate(tl.min_round) if r >= round), None)
        if start is None:
            raise ValueError(f"the run never reaches round {round}")
        saved, saved_hist = self.k, list(self._history)
        self.k = start
        ks = [start]
        while self.k < self.total and tl.min_round[self.k] <= round:
            self.k = self.target(granularity)
            ks.append(self.k)
        self.k, self._history = saved, saved_hist
        return ks
