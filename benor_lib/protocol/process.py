"""One Ben-Or process as a sans-IO state machine.

A :class:`Process` takes messages in (:meth:`Process.receive`) and returns what it broadcasts
and what happened, as data. It knows nothing of networks, schedulers, plots or widgets.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from benor_lib.protocol.events import (
    ADOPT,
    COIN,
    DECIDE,
    HALT,
    PROPOSAL,
    PROPOSE,
    REPORT,
    Delivery,
    Event,
    Phase,
)
from benor_lib.protocol.rules import Rules

CoinRule = Callable[[int, int, int], int]
"""A coin: called with (pid, round, current x), returns 0 or 1."""


class Broadcast(NamedTuple):
    """A message a process sends to every process, itself included."""

    round: int
    phase: Phase
    value: int | None


class Outcome(NamedTuple):
    """What one received message did: the delivery status, broadcasts and events."""

    status: Delivery
    broadcasts: list[Broadcast]
    events: list[Event]


class Process:
    """A correct Ben-Or process.

    It acts on exactly the first ``rules.quorum`` distinct senders of its current round and
    phase, keeps messages of later rounds and phases for later, and ignores messages of
    earlier ones and second messages from the same sender.
    """

    __slots__ = (
        "pid",
        "rules",
        "x",
        "coin",
        "policy",
        "round",
        "phase",
        "decision",
        "decision_round",
        "halted",
        "_inbox",
    )

    def __init__(
        self, pid: int, rules: Rules, x: int, coin: CoinRule, policy: str = "keep_running"
    ) -> None:
        self.pid = pid
        self.rules = rules
        self.x = int(x)
        self.coin = coin
        self.policy = policy
        self.round = 1
        self.phase: Phase = REPORT
        self.decision: int | None = None
        self.decision_round: int | None = None
        self.halted = False
        self._inbox: dict[tuple[int, int], dict[int, int | None]] = {}

    @classmethod
    def resume(
        cls,
        pid: int,
        rules: Rules,
        x: int,
        coin: CoinRule,
        *,
        round: int = 1,
        phase: Phase = REPORT,
        decision: int | None = None,
        decision_round: int | None = None,
        policy: str = "keep_running",
    ) -> Process:
        """A process that starts in (``round``, ``phase``) with estimate ``x``, possibly
        already decided: for exploring one step of the protocol from a given state."""
        if decision is None and decision_round is not None:
            raise ValueError("decision_round needs a decision")
        proc = cls(pid, rules, x, coin, policy)
        proc.round = int(round)
        proc.phase = Phase(phase)
        if decision is not None:
            proc.decision = int(decision)
            proc.decision_round = int(round if decision_round is None else decision_round)
        return proc

    def start(self) -> list[Broadcast]:
        """The first broadcast: the round-1 report of the input."""
        return [Broadcast(1, REPORT, self.x)]

    def heard_count(self) -> int:
        """How many distinct senders of the current round and phase it has so far."""
        box = self._inbox.get((self.round, self.phase))
        return 0 if box is None else min(len(box), self.rules.quorum)

    def receive(self, sender: int, rnd: int, phase: int, value: int | None) -> Outcome:
        """Take one message in; return its status, the broadcasts it causes and the events."""
        if self.halted:
            return Outcome(Delivery.HALTED, [], [])
        if rnd < self.round or (rnd == self.round and phase < self.phase):
            return Outcome(Delivery.STALE, [], [])
        key = (rnd, phase)
        box = self._inbox.get(key)
        if box is None:
            box = self._inbox[key] = {}
        elif sender in box:
            return Outcome(Delivery.DUPLICATE, [], [])
        elif len(box) >= self.rules.quorum:
            return Outcome(Delivery.EXTRA, [], [])
        box[sender] = value
        if rnd != self.round or phase != self.phase:
            return Outcome(Delivery.BUFFERED, [], [])
        broadcasts: list[Broadcast] = []
        events: list[Event] = []
        self._advance(broadcasts, events)
        return Outcome(Delivery.COUNTED, broadcasts, events)

    def _advance(self, broadcasts: list[Broadcast], events: list[Event]) -> None:
        q = self.rules.quorum
        while not self.halted:
            key = (self.round, self.phase)
            box = self._inbox.get(key)
            if box is None or len(box) < q:
                return
            del self._inbox[key]
            senders = tuple(box)[:q]
            heard = tuple(box[s] for s in senders)
            if self.phase == REPORT:
                self._propose(heard, senders, broadcasts, events)
            else:
                self._conclude(heard, senders, broadcasts, events)

    def _propose(self, heard, senders, broadcasts: list[Broadcast], events: list[Event]) -> None:
        ones = sum(1 for v in heard if v == 1)
        zeros = len(heard) - ones
        rules = self.rules
        value: int | None = None
        if rules.sends_d(ones) and (ones > zeros or not rules.sends_d(zeros)):
            value = 1  # (both can pass only in broken variants; the larger count wins, ties 0)
        elif rules.sends_d(zeros):
            value = 0
        events.append(Event(PROPOSE, self.pid, self.round, REPORT, value, None, heard, senders))
        self.phase = PROPOSAL
        broadcasts.append(Broadcast(self.round, PROPOSAL, value))

    def _conclude(self, heard, senders, broadcasts: list[Broadcast], events: list[Event]) -> None:
        rules = self.rules
        d1 = sum(1 for v in heard if v == 1)
        d0 = sum(1 for v in heard if v == 0)
        v = 1 if d1 > d0 else 0  # the value with more D-messages; ties go to 0
        count = d1 if v == 1 else d0
        rnd = self.round
        decided_now = False
        if rules.decides(count) and self.decision is None:
            self.decision, self.decision_round, self.x = v, rnd, v
            decided_now = True
            events.append(Event(DECIDE, self.pid, rnd, PROPOSAL, v, None, heard, senders))
        elif rules.adopts(count):
            self.x = v
            events.append(Event(ADOPT, self.pid, rnd, PROPOSAL, v, None, heard, senders))
        elif self.decision is None:
            self.x = int(self.coin(self.pid, rnd, self.x))
            events.append(Event(COIN, self.pid, rnd, PROPOSAL, self.x, None, heard, senders))
        if self.decision is not None:
            self.x = self.decision  # a decided process keeps taking part with x = v
        self.round, self.phase = rnd + 1, REPORT
        if decided_now and self.policy == "halt":
            self.halted = True
            events.append(Event(HALT, self.pid, rnd, PROPOSAL, self.decision))
            return
        broadcasts.append(Broadcast(rnd + 1, REPORT, self.x))
        if decided_now and self.policy == "halt_after_next":
            broadcasts.append(Broadcast(rnd + 1, PROPOSAL, self.x))
            self.halted = True
            events.append(Event(HALT, self.pid, rnd, PROPOSAL, self.decision))
