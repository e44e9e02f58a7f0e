"""What a run returns: messages, final process states, violations and the :class:`Run`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from benor_lib.protocol.events import (
    COIN,
    DELIVER,
    EVENT_KINDS,
    SEND,
    Event,
    EventKind,
    StrEnum,
)
from benor_lib.protocol.rules import Rules
from benor_lib.protocol.validate import check_bool, check_int
from benor_lib.simulation.narrate import narrate_event


class RunStatus(StrEnum):
    """How a run ended, in one word."""

    DECIDED = "decided"  # every correct process decided
    UNDECIDED = "undecided"  # a budget or a script ran out first
    BLOCKED = "blocked"  # no message is left and a correct process still waits


class EndReason(StrEnum):
    """Why a run ended, as data (``Run.reason`` says it in words)."""

    ALL_DECIDED = "all_decided"
    MAX_ROUNDS = "max_rounds"
    DELIVERY_BUDGET = "delivery_budget"
    SCRIPT_ENDED = "script_ended"
    NOTHING_IN_FLIGHT = "nothing_in_flight"


class Message(NamedTuple):
    """One point-to-point message. ``value`` is 0 or 1, or None for a ``?`` proposal."""

    sender: int
    receiver: int
    round: int
    phase: int  # a Phase in Ben-Or's runs (Bracha's runs number their three steps 1..3)
    value: int | None

    @property
    def key(self) -> tuple[int, int, int, int]:
        """(sender, receiver, round, phase): unique among the messages of a run."""
        return (self.sender, self.receiver, self.round, self.phase)


class ProcessState(NamedTuple):
    """A snapshot of one process at the end of a run (or of a partial, scripted run)."""

    pid: int
    round: int
    phase: int  # a Phase in Ben-Or's runs (Bracha's runs number their three steps 1..3)
    x: int
    decision: int | None
    decision_round: int | None
    halted: bool
    faulty: str  # "", "crashed" or "byzantine (...)"
    waiting_for: int  # messages of its current round and phase still missing (0 if not waiting)


@dataclass(frozen=True)
class Violation:
    """A broken safety or liveness property found in a run."""

    kind: str  # "agreement", "validity" or "termination"
    message: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


@dataclass(frozen=True, repr=False)
class Run:
    """The result of :func:`benor_lib.run`: decisions, status, trace and violations.

    ``status`` says how the run ended and ``end_reason`` why (both str enums: ``status ==
    "decided"`` works); ``reason`` says it in words. ``byzantine`` lists the Byzantine
    processes. ``event_counts`` counts the events by kind. A run made with
    ``keep_trace=False`` has an empty ``trace`` (``kept_trace`` is False): its decisions,
    status, violations and final states are complete, but whatever needs the events
    (replay, narration) raises.
    """

    def __repr__(self) -> str:
        return (
            f"Run(n={self.n}, t={self.t}, variant={self.rules.variant!r}, "
            f"status={str(self.status)!r}, rounds={self.rounds}, decisions={self.decisions}, "
            f"events={self.event_count}, violations={len(self.violations)})"
        )

    rules: Rules
    inputs: tuple[int, ...]
    faulty: dict[int, str]
    scheduler: str
    coin: str
    seed: object
    decided_policy: str
    max_rounds: int
    decisions: dict[int, int]
    decision_rounds: dict[int, int]
    rounds: int
    status: RunStatus
    reason: str  # the end in words; end_reason is the same as data
    trace: tuple[Event, ...]
    violations: tuple[Violation, ...]
    final: tuple[ProcessState, ...]
    pending: tuple[Message, ...] = field(default=())
    faults: tuple = field(default=())
    kept_trace: bool = True
    event_counts: dict[EventKind, int] = field(default_factory=dict)
    end_reason: EndReason = EndReason.ALL_DECIDED
    byzantine: tuple[int, ...] = ()
    replayer: Callable[..., Run] | None = field(default=None, compare=False)

    @property
    def event_count(self) -> int:
        """How many events the run had (also when its trace was not kept)."""
        return sum(self.event_counts.values()) if not self.kept_trace else len(self.trace)

    def _need_trace(self, what: str) -> None:
        if not self.kept_trace:
            raise ValueError(
                f"{what} needs the run's trace, and this run was made with keep_trace=False "
                "(it kept only event_counts): run it again with keep_trace=True"
            )

    def replay(
        self, upto: int | None = None, *, script: list | None = None, coin: object = None
    ) -> Run:
        """This run made again with its deliveries and coin flips: see
        :func:`benor_lib.simulation.network.replay` (``upto`` stops after that many deliveries).
        """
        if self.replayer is None:
            raise ValueError("this Run was not made by benor_lib.run, so it cannot be replayed")
        return self.replayer(self, upto, script=script, coin=coin)

    @property
    def n(self) -> int:
        """Number of processes."""
        return self.rules.n

    @property
    def t(self) -> int:
        """Number of faults the configuration is built to tolerate."""
        return self.rules.t

    @property
    def correct(self) -> tuple[int, ...]:
        """The processes that never fail in this run."""
        return tuple(p for p in range(self.n) if p not in self.faulty)

    @property
    def decided_value(self) -> int | None:
        """The value the correct processes decided, if they all decided the same one."""
        vals = {self.decisions[p] for p in self.correct if p in self.decisions}
        return vals.pop() if len(vals) == 1 else None

    def deliveries(self) -> list[tuple[int, ...]]:
        """The (sender, receiver, round, phase) of every delivery, in order: a replay script.

        In Bracha's variant each key also names the reliable broadcast the message belongs
        to: (sender, receiver, round, step, origin, rb kind).
        """
        self._need_trace("deliveries()")
        return [
            (int(e.sender or 0), e.pid, e.round, e.phase)
            if e.origin is None
            else (int(e.sender or 0), e.pid, e.round, e.phase, e.origin, int(e.rb or 0))
            for e in self.trace
            if e.kind == DELIVER  # (a delivery always names its sender)
        ]

    def coin_flips(self) -> list[int]:
        """The value of every coin flip of a non-Byzantine process, in order.

        A Byzantine process's own copy of the protocol never draws from the run's coin
        (it only paces its lies), so its COIN events are not flips: a replay leaves them out.
        """
        self._need_trace("coin_flips()")
        byz = set(self.byzantine)
        return [int(e.value or 0) for e in self.trace if e.kind == COIN and e.pid not in byz]

    def events(self, *kinds: str) -> list[Event]:
        """The events of the given kinds (all events when none are given).

        Kinds are the names in ``EVENT_KINDS``; any other name raises ValueError.
        """
        for k in kinds:
            if k not in EVENT_KINDS:
                options = ", ".join(repr(x) for x in EVENT_KINDS)
                raise ValueError(f"kinds must be event kinds ({options}); got {k!r}")
        self._need_trace("events()")
        return [e for e in self.trace if not kinds or e.kind in kinds]

    def narrate(self, *, deliveries: bool = False, limit: int | None = None) -> list[str]:
        """The run as plain sentences, one per event (deliveries left out unless asked for).

        ``limit`` (an integer >= 0) keeps only the first ``limit`` sentences.
        """
        deliveries = check_bool("deliveries", deliveries)
        if limit is not None:
            limit = check_int("limit", limit, 0)
        self._need_trace("narrate()")
        if self.rules.variant == "bracha":
            from benor_lib.simulation.bracha_narrate import is_detail, narrate_bracha_event

            lines = [
                narrate_bracha_event(e, self.rules)
                for e in self.trace
                if deliveries or not is_detail(e, self.byzantine)
            ]
            return lines if limit is None else lines[:limit]
        lines = [
            narrate_event(e, self.rules)
            for e in self.trace
            if deliveries or e.kind not in (DELIVER, SEND)
        ]
        return lines if limit is None else lines[:limit]

    def summary(self) -> str:
        """One sentence: how the run ended."""
        if self.status == RunStatus.DECIDED:
            vals = Counter(self.decisions[p] for p in self.correct)
            value = " and ".join(str(v) for v in sorted(vals))
            text = f"All correct processes decided {value} by round {self.rounds}."
        elif self.status == RunStatus.BLOCKED:
            text = f"Blocked: {self.reason}"
        else:
            text = f"Undecided after {self.rounds} rounds: {self.reason}"
        if self.violations:
            text += " Violations: " + "; ".join(str(v) for v in self.violations)
        return text
