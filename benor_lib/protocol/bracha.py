"""Bracha's consensus protocol (Bracha, 1987): Ben-Or's rounds on reliable broadcast, n > 3t.

Rules of this module: everything that decides what one correct Bracha process does lives
here; it knows nothing of networks, schedulers, plots or widgets. Thresholds are data: the
round's in :class:`~benor_lib.protocol.rules.Rules` (``standard_rules(n, t, "bracha")``),
reliable broadcast's in :class:`~benor_lib.protocol.reliable_broadcast.RBThresholds`.

Theory of operation. Each round has three steps (:class:`Step`). In each, a process
*reliably broadcasts* its value, then waits for n - t *validated* values of that step:

1. MAJORITY: broadcast x; on n - t values set x := their majority (a tie goes to 0).
2. REPORT: broadcast x; on n - t values, if more than n/2 of them are v, the next value is
   D(v), else ``?``.
3. PROPOSAL: broadcast it; on n - t values, with c D(v) among them: more than 2t decides v,
   at least t + 1 sets x := v, else x := a coin. Then the next round starts.

Steps 2 and 3 are Ben-Or's report and proposal phases; step 1 is Bracha's addition, which
gives validity when the Byzantine processes' values hide the correct majority.

Two filters restrict what a Byzantine process can do. *Reliable broadcast* (echo / ready,
:mod:`~benor_lib.protocol.reliable_broadcast`) makes it send one value per step to everybody:
it cannot tell different processes different things. *Validation* accepts a value only when
a correct process could have sent it given the values validated before it: some n - t
validated values of the step before lead to it by the rules above (after a coin step any
value is possible; in round 1 step 1 any input is). A message that is not justified yet is
held, and checked again whenever another message is validated: a correct process's message
always becomes valid, because the values that justified it are reliably broadcast too.

What follows Bracha (1987, Figure 4, Protocol 2): the three steps and their thresholds
(majority; (d, v) on more than n/2; decide on more than 2t (d, v), adopt on more than t, else
a coin), every message reliably broadcast, only validated messages counted, n > 3t.
Simplifications: validation asks whether *some* n - t validated values of the previous step
lead to the value; it does not also check the value against the sender's own earlier
values. A step-3 message without (d, v) is sent as ``?`` (Bracha's carries the sender's
value, which no rule reads). A tie in the majority step goes to 0. Coins are local, so the
expected number of rounds is exponential in n in the worst case, as for Ben-Or. A decided
process keeps taking part with x = its decision (the only decided policy: halting would stop
it echoing the others' broadcasts), and reliable-broadcast state is never discarded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import IntEnum
from functools import lru_cache
from typing import NamedTuple, cast

from benor_lib.protocol.events import ADOPT, COIN, DECIDE, PROPOSE, Delivery, Event, EventKind
from benor_lib.protocol.reliable_broadcast import RBKind, RBThresholds, ReliableBroadcast
from benor_lib.protocol.rules import Rules

CoinRule = Callable[[int, int, int], int]


class Step(IntEnum):
    """The three steps of a Bracha round (the ``phase`` of its messages and events)."""

    MAJORITY = 1
    REPORT = 2
    PROPOSAL = 3

    __str__ = int.__repr__


STEP_NAMES = {Step.MAJORITY: "majority", Step.REPORT: "report", Step.PROPOSAL: "proposal"}


class BrachaSend(NamedTuple):
    """A message of one of the round's reliable broadcasts, sent to every process, itself too.

    ``origin`` is whose broadcast it belongs to (the sender itself for ``initial``), and
    (``round``, ``step``) names that broadcast.
    """

    kind: RBKind
    origin: int
    round: int
    step: int  # a Step
    value: int | None


class BrachaOutcome(NamedTuple):
    """What one received message did: the delivery status, the sends and the events."""

    status: Delivery
    sends: list[BrachaSend]
    events: list[Event]


# --- the rules of one step, as functions of what was heard ---------------------------------


def majority_of(heard: Iterable[int | None]) -> int:
    """Step 1: the majority value of the values heard (a tie goes to 0)."""
    heard = list(heard)
    ones = sum(1 for v in heard if v == 1)
    return 1 if 2 * ones > len(heard) else 0


def report_outcome(rules: Rules, heard: Iterable[int | None]) -> int | None:
    """Step 2: v when more than n/2 of the reports heard are v (``rules.sends_d``), else None."""
    heard = list(heard)
    ones = sum(1 for v in heard if v == 1)
    zeros = sum(1 for v in heard if v == 0)
    if rules.sends_d(ones) and (ones > zeros or not rules.sends_d(zeros)):
        return 1
    if rules.sends_d(zeros):
        return 0
    return None


def proposal_outcome(rules: Rules, heard: Iterable[int | None]) -> tuple[str, int | None]:
    """Step 3: ("decide", v), ("adopt", v) or ("coin", None) from the proposals heard."""
    heard = list(heard)
    d1 = sum(1 for v in heard if v == 1)
    d0 = sum(1 for v in heard if v == 0)
    v = 1 if d1 > d0 else 0  # the value with more D-messages; ties go to 0
    count = max(d0, d1)
    if rules.decides(count):
        return "decide", v
    if rules.adopts(count):
        return "adopt", v
    return "coin", None


@lru_cache(maxsize=4096)
def _justified_values(rules: Rules, step: int, counts: tuple[int, int, int]) -> frozenset:
    """The values a correct process could send in ``step`` after hearing n - t of the
    previous step's validated values, of which ``counts`` = (zeros, ones, blanks) exist."""
    q = rules.quorum
    c0, c1, cq = counts
    out: set[int | None] = set()
    if c0 + c1 + cq < q:
        return frozenset()
    for a1 in range(min(c1, q) + 1):
        for a0 in range(min(c0, q - a1) + 1):
            aq = q - a1 - a0
            if aq > cq:
                continue
            heard = [1] * a1 + [0] * a0 + [None] * aq
            if step == Step.REPORT:
                out.add(majority_of(heard))
            elif step == Step.PROPOSAL:
                out.add(report_outcome(rules, heard))
            else:
                what, v = proposal_outcome(rules, heard)
                out.update((0, 1) if what == "coin" else (v,))
    return frozenset(out)


def justified(rules: Rules, rnd: int, step: int, value: object, previous: Iterable) -> bool:
    """True when a correct process could send ``value`` in (``rnd``, ``step``) given the
    validated values ``previous`` of the step before (for step 1 of round r: the proposals
    of round r - 1). Any input 0 or 1 is justified in round 1, step 1."""
    if step != Step.PROPOSAL and value not in (0, 1):
        return False
    if step == Step.PROPOSAL and value not in (0, 1, None):
        return False
    if rnd == 1 and step == Step.MAJORITY:
        return True
    prev = list(previous)
    counts = (
        sum(1 for v in prev if v == 0),
        sum(1 for v in prev if v == 1),
        sum(1 for v in prev if v is None),
    )
    return value in _justified_values(rules, int(step), counts)


def previous_step(rnd: int, step: int) -> tuple[int, int]:
    """The (round, step) whose values justify a value of (``rnd``, ``step``)."""
    if step == Step.MAJORITY:
        return rnd - 1, Step.PROPOSAL
    return rnd, step - 1


_STATUS = {"counted": Delivery.COUNTED, "duplicate": Delivery.DUPLICATE}


# --- one process ----------------------------------------------------------------------------


class BrachaProcess:
    """A correct process of Bracha's protocol (sans-IO).

    :meth:`start` gives its first reliable-broadcast message; :meth:`receive` takes one
    point-to-point message (kind, origin, round, step, value) from ``sender`` and returns what
    it sends to everybody and what happened. It takes part in every reliable broadcast
    (echo, ready) for as long as it runs, also of rounds it has left behind.
    """

    def __init__(
        self,
        pid: int,
        rules: Rules,
        x: int,
        coin: CoinRule,
        rb: RBThresholds,
    ) -> None:
        self.pid = pid
        self.rules = rules
        self.x = int(x)
        self.coin = coin
        self.round = 1
        self.phase: Step = Step.MAJORITY
        self.decision: int | None = None
        self.decision_round: int | None = None
        self.halted = False
        self.rb = ReliableBroadcast(pid, rb)
        self.validated: dict[tuple[int, int], dict[int, int | None]] = {}
        self.held: dict[tuple[int, int], dict[int, int | None]] = {}

    def start(self) -> list[BrachaSend]:
        """The first message: the initial of its round-1 step-1 broadcast of its input."""
        return [BrachaSend(RBKind.INITIAL, self.pid, 1, Step.MAJORITY, self.x)]

    def heard_count(self) -> int:
        """How many validated values of its current round and step it has (up to n - t)."""
        box = self.validated.get((self.round, self.phase))
        return 0 if box is None else min(len(box), self.rules.quorum)

    def receive(
        self, sender: int, kind: int, origin: int, rnd: int, step: int, value: int | None
    ) -> BrachaOutcome:
        """Take one message in; return its status, the messages it causes and the events."""
        status, rb_sends, accepted = self.rb.receive(sender, kind, origin, (rnd, step), value)
        sends = [
            BrachaSend(s.kind, origin, rnd, step, cast("int | None", s.value)) for s in rb_sends
        ]
        events: list[Event] = []
        if accepted is not None:
            v = cast("int | None", accepted[0])
            events.append(Event(EventKind.ACCEPT, self.pid, rnd, Step(step), v, origin))
            self.held.setdefault((rnd, step), {})[origin] = v
            self._validate(events)
            self._advance(sends, events)
        return BrachaOutcome(_STATUS[status], sends, events)

    def _validate(self, events: list[Event]) -> None:
        """Move held messages that are now justified to the validated ones, until none moves."""
        moved = True
        while moved:
            moved = False
            for key in sorted(self.held):
                box = self.held[key]
                prev_key = previous_step(*key)
                prev = self.validated.get(prev_key, {}).values()
                for origin in list(box):
                    v = box[origin]
                    if justified(self.rules, key[0], key[1], v, prev):
                        del box[origin]
                        self.validated.setdefault(key, {})[origin] = v
                        events.append(
                            Event(EventKind.VALIDATE, self.pid, key[0], key[1], v, origin)
                        )
                        moved = True
                if not box:
                    del self.held[key]

    def _advance(self, sends: list[BrachaSend], events: list[Event]) -> None:
        q = self.rules.quorum
        while True:
            box = self.validated.get((self.round, self.phase))
            if box is None or len(box) < q:
                return
            senders = tuple(box)[:q]
            heard = tuple(box[s] for s in senders)
            rnd, step = self.round, self.phase
            if step == Step.MAJORITY:
                self.x = majority_of(heard)
                events.append(
                    Event(EventKind.MAJORITY, self.pid, rnd, step, self.x, None, heard, senders)
                )
                self.phase = Step.REPORT
                value: int | None = self.x
            elif step == Step.REPORT:
                value = report_outcome(self.rules, heard)
                events.append(Event(PROPOSE, self.pid, rnd, step, value, None, heard, senders))
                self.phase = Step.PROPOSAL
            else:
                self._conclude(heard, senders, events)
                value = self.x
            sends.append(BrachaSend(RBKind.INITIAL, self.pid, self.round, self.phase, value))

    def _conclude(self, heard, senders, events: list[Event]) -> None:
        what, v = proposal_outcome(self.rules, heard)
        rnd = self.round
        assert v is not None or what == "coin", "a decide or adopt outcome carries its value"
        if what == "decide" and self.decision is None and v is not None:
            self.decision, self.decision_round, self.x = v, rnd, v
            events.append(Event(DECIDE, self.pid, rnd, Step.PROPOSAL, v, None, heard, senders))
        elif what != "coin" and v is not None:
            self.x = v
            events.append(Event(ADOPT, self.pid, rnd, Step.PROPOSAL, v, None, heard, senders))
        elif self.decision is None:
            self.x = int(self.coin(self.pid, rnd, self.x))
            events.append(Event(COIN, self.pid, rnd, Step.PROPOSAL, self.x, None, heard, senders))
        if self.decision is not None:
            self.x = self.decision  # a decided process keeps taking part with x = v
        self.round, self.phase = rnd + 1, Step.MAJORITY
