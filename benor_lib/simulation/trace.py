"""Events, messages, the Run result, and plain-language narration of a run."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from benor_lib.protocol.rules import Rules
from benor_lib.protocol.validate import check_bool, check_int

REPORT = 1
PROPOSAL = 2

# Event kinds, in the order they tend to appear in a round.
START = "start"  # a process starts with its input
SEND = "send"  # a process broadcasts a report or a proposal
DELIVER = "deliver"  # the network hands a message to its receiver
PROPOSE = "propose"  # after hearing n - t reports: D(v) or ? sent
ADOPT = "adopt"  # after hearing n - t proposals: at least `adopt` D(v), x := v
COIN = "coin"  # after hearing n - t proposals: no D-message, x := coin
DECIDE = "decide"  # after hearing n - t proposals: more than `decide` D(v)
HALT = "halt"  # a decided process stops taking part
CRASH = "crash"  # a process crashes (possibly in the middle of a broadcast)
BYZANTINE_SEND = "byzantine_send"  # a Byzantine process sends (possibly different values)
EVENT_KINDS = (START, SEND, DELIVER, PROPOSE, ADOPT, COIN, DECIDE, HALT, CRASH, BYZANTINE_SEND)


class Message(NamedTuple):
    """One point-to-point message. ``value`` is 0 or 1, or None for a ``?`` proposal."""

    sender: int
    receiver: int
    round: int
    phase: int
    value: int | None

    @property
    def key(self) -> tuple[int, int, int, int]:
        """(sender, receiver, round, phase): unique among the messages of a run."""
        return (self.sender, self.receiver, self.round, self.phase)


class Event(NamedTuple):
    """One thing that happened in a run.

    ``pid`` is the process the event is about (the receiver, for a delivery). ``heard`` and
    ``senders`` list the n - t values a process acted on and who sent them (for a send:
    ``senders`` are the receivers reached). ``status`` says what a delivery did ("counted",
    "buffered", "stale", "duplicate", "extra", "halted"), or "crashed" for a broadcast cut
    short by its sender's crash.
    """

    kind: str
    pid: int
    round: int
    phase: int
    value: int | None = None
    sender: int | None = None
    heard: tuple = ()
    senders: tuple = ()
    status: str = ""


class ProcessState(NamedTuple):
    """A snapshot of one process at the end of a run (or of a partial, scripted run)."""

    pid: int
    round: int
    phase: int
    x: int
    decision: int | None
    decision_round: int | None
    halted: bool
    faulty: str  # "", "crashed" or "byzantine (...)"
    waiting_for: int  # messages of its current round and phase still missing (0 if not waiting)


def value_name(phase: int, value: int | None) -> str:
    """'1' for a report, 'D(1)' or '?' for a proposal."""
    if phase == REPORT:
        return str(value)
    return "?" if value is None else f"D({value})"


def _count_words(k: int) -> str:
    words = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    return words[k] if 0 <= k < len(words) else str(k)


def _plural(k: int, word: str) -> str:
    return f"{k} {word}" if k == 1 else f"{k} {word}s"


def _half(x: int) -> str:
    return f"{x // 2}" if x % 2 == 0 else f"{x / 2:g}"


def narrate_event(event: Event, rules: Rules) -> str:
    """One plain sentence saying what ``event`` was and why it happened."""
    p = f"p{event.pid}"
    kind = event.kind
    if kind == START:
        return f"{p} starts with input x={event.value}."
    if kind == SEND:
        what = "its report" if event.phase == REPORT else "its proposal"
        val = value_name(event.phase, event.value)
        reach = ""
        if event.status == "crashed":
            got = ", ".join(f"p{r}" for r in event.senders)
            reach = f", but crashes after reaching only {got}" if got else ", but crashes first"
        return f"{p} broadcasts {what} {val} for round {event.round}{reach}."
    if kind == BYZANTINE_SEND:
        vals = ", ".join(
            f"{value_name(event.phase, v)} to p{r}"
            for r, v in zip(event.senders, event.heard, strict=True)
        )
        what = "reports" if event.phase == REPORT else "proposals"
        return f"{p} (Byzantine) sends round {event.round} {what}: {vals}."
    if kind == DELIVER:
        what = "report" if event.phase == REPORT else "proposal"
        val = value_name(event.phase, event.value)
        note = {
            "counted": "",
            "buffered": " (kept for later: it is for a later round or phase)",
            "stale": " (ignored: that round and phase are over for it)",
            "duplicate": " (ignored: a second message from the same sender)",
            "extra": f" (ignored: it already had the first {rules.quorum})",
            "halted": " (ignored: it has halted)",
        }.get(event.status, "")
        return f"p{event.sender}'s round-{event.round} {what} {val} reaches {p}{note}."
    if kind == PROPOSE:
        ones = sum(1 for v in event.heard if v == 1)
        zeros = len(event.heard) - ones
        heard = ",".join(str(v) for v in event.heard)
        limit = f"more than {_half(rules.d_twice)}"
        if event.value is None:
            why = f"neither value has {limit}, so it sends ?"
        else:
            cnt = ones if event.value == 1 else zeros
            why = f"{_count_words(cnt)} {event.value}s is {limit}, so it sends D({event.value})"
        counts = f"{_plural(ones, 'one')}, {_plural(zeros, 'zero')} of {len(event.heard)}"
        return f"{p} heard {heard} ({counts}): {why}."
    if kind in (ADOPT, DECIDE, COIN):
        heard = ",".join(value_name(2, v) for v in event.heard)
        if kind == COIN:
            ds = sum(1 for v in event.heard if v is not None)
            if ds == 0:
                why = "no D-message"
            else:
                why = (
                    f"{_count_words(ds)} D-message{'s' if ds != 1 else ''}, fewer than the "
                    f"{rules.adopt_min} needed to adopt"
                )
            return f"{p} heard {heard}: {why}, so it flips a coin and gets x={event.value}."
        cnt = sum(1 for v in event.heard if v == event.value)
        ds = f"{_count_words(cnt)} D({event.value}){'' if cnt == 1 else 's'}"
        if kind == ADOPT:
            tail = ""
            if not rules.decides(cnt):
                tail = f" but cannot decide (that needs more than {_half(rules.decide_twice)})"
            return (
                f"{p} heard {heard}: {ds}, at least {rules.adopt_min}, "
                f"so it adopts x={event.value}{tail}."
            )
        return (
            f"{p} heard {heard}: {ds}, more than {_half(rules.decide_twice)}, "
            f"so it decides {event.value} in round {event.round}."
        )
    if kind == HALT:
        return f"{p} has decided and halts: it sends nothing more."
    if kind == CRASH:
        return f"{p} crashes in round {event.round}."
    return f"{p}: {kind}"


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

    ``event_counts`` counts the events by kind. A run made with ``keep_trace=False`` has an
    empty ``trace`` (``kept_trace`` is False): its decisions, status, violations and final
    states are complete, but whatever needs the events (replay, narration) raises.
    """

    def __repr__(self) -> str:
        return (
            f"Run(n={self.n}, t={self.t}, variant={self.rules.variant!r}, "
            f"status={self.status!r}, rounds={self.rounds}, decisions={self.decisions}, "
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
    status: str  # "decided", "undecided" or "blocked"
    reason: str
    trace: tuple[Event, ...]
    violations: tuple[Violation, ...]
    final: tuple[ProcessState, ...]
    pending: tuple[Message, ...] = field(default=())
    faults: tuple = field(default=())
    kept_trace: bool = True
    event_counts: dict[str, int] = field(default_factory=dict)

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
        """Run the same configuration again with this run's deliveries and coin flips.

        With ``upto`` (an integer >= 0) only the first ``upto`` deliveries are made: the
        result is the state of this run after that many deliveries (status "undecided", "the
        delivery script ended"); an ``upto`` beyond the run's length replays all of it.
        ``script`` (a list of delivery keys) and ``coin`` replace this run's deliveries and
        coin flips, for searches that try variations of a run. The replay is exact: the same
        events in the same order, for every scheduler and fault.
        """
        from benor_lib.simulation.network import run
        from benor_lib.simulation.schedulers import Scripted

        if upto is not None:
            upto = check_int("upto", upto, 0)
        if script is None or coin is None:
            self._need_trace("replay()")
        if script is None:
            script = self.deliveries()
        if upto is not None:
            script = script[:upto]
        return run(
            self.n,
            self.t,
            list(self.inputs),
            variant=self.rules.variant,
            rules=self.rules,
            scheduler=Scripted(script),
            faults=list(self.faults),
            coin=self.coin_flips() if coin is None else coin,
            max_rounds=self.max_rounds,
            decided_policy=self.decided_policy,
            allow_unsafe=True,
        )

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

    def deliveries(self) -> list[tuple[int, int, int, int]]:
        """The (sender, receiver, round, phase) of every delivery, in order: a replay script."""
        self._need_trace("deliveries()")
        return [(e.sender, e.pid, e.round, e.phase) for e in self.trace if e.kind == DELIVER]

    def coin_flips(self) -> list[int]:
        """The value of every coin flip of a non-Byzantine process, in order.

        A Byzantine process's own copy of the protocol never draws from the run's coin
        (it only paces its lies), so its COIN events are not flips: a replay leaves them out.
        """
        self._need_trace("coin_flips()")
        byz = {p for p, d in self.faulty.items() if d.startswith("byzantine")}
        return [int(e.value) for e in self.trace if e.kind == COIN and e.pid not in byz]

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
        lines = [
            narrate_event(e, self.rules)
            for e in self.trace
            if deliveries or e.kind not in (DELIVER, SEND)
        ]
        return lines if limit is None else lines[:limit]

    def summary(self) -> str:
        """One sentence: how the run ended."""
        if self.status == "decided":
            vals = Counter(self.decisions[p] for p in self.correct)
            value = " and ".join(str(v) for v in sorted(vals))
            text = f"All correct processes decided {value} by round {self.rounds}."
        elif self.status == "blocked":
            text = f"Blocked: {self.reason}"
        else:
            text = f"Undecided after {self.rounds} rounds: {self.reason}"
        if self.violations:
            text += " Violations: " + "; ".join(str(v) for v in self.violations)
        return text
