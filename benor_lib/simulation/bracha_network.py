"""The asynchronous network for Bracha's variant: reliable-broadcast messages in flight.

Every value a Bracha process sends is reliably broadcast, so the messages in flight are
initial / echo / ready messages (:class:`RBMessage`), each naming the broadcast it belongs to
(its ``origin`` and its round and step). The same schedulers, faults, trace, checkers and
replay serve it as Ben-Or's variants; the protocol itself is
:class:`~benor_lib.protocol.bracha.BrachaProcess`.

Faults. A crashed process sends nothing after its crash: ``Crash(pid, round, phase, after)``
crashes it while it sends the *initial* message of its own broadcast of (round, step =
``phase``), after ``after`` receivers. A Byzantine process runs its own copy of the protocol
only to pace itself; every message it sends (initial, echo and ready) is replaced per
receiver by its behaviour's values (:meth:`~benor_lib.simulation.faults.Byzantine.values`,
with steps 1 and 2 as reports and step 3 as proposals): "equivocate" tells the lower half of
the processes 0 (or D(0)) and the upper half 1 (or D(1)) in all three message types.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from benor_lib.protocol.bracha import BrachaProcess, BrachaSend, Step
from benor_lib.protocol.events import BYZANTINE_SEND, CRASH, DELIVER, SEND, START, Event
from benor_lib.protocol.reliable_broadcast import RBKind, rb_thresholds
from benor_lib.protocol.rules import Rules
from benor_lib.simulation.faults import Byzantine, Crash, Fault
from benor_lib.simulation.loop import EventCounter, RunSetup, deliver_until_end, finish_run
from benor_lib.simulation.result import ProcessState, Run
from benor_lib.simulation.schedulers import (
    InFlight,
    Key,
    RandomOrder,
    Scheduler,
    Split,
    Uniform,
)

RBKey = tuple[int, int, int, int, int, int]


class RBMessage(NamedTuple):
    """One point-to-point reliable-broadcast message.

    ``phase`` is the step (1 majority, 2 report, 3 proposal) of the broadcast it belongs to,
    ``origin`` the process whose broadcast it is and ``rb`` its kind (0 initial, 1 echo,
    2 ready). ``value`` is 0 or 1, or None for a ``?`` proposal.
    """

    sender: int
    receiver: int
    round: int
    phase: int
    value: int | None
    origin: int
    rb: int

    @property
    def key(self) -> RBKey:
        """(sender, receiver, round, phase, origin, rb): unique among the messages of a run."""
        return (self.sender, self.receiver, self.round, self.phase, self.origin, self.rb)


def _keep_coin(pid: int, rnd: int, x: int) -> int:
    return x


def default_deliveries(n: int, max_rounds: int) -> int:
    """The default delivery budget: a round has 3n broadcasts of about 2n^2 + n messages."""
    return 7 * n**3 * (max_rounds + 2) + 1000


class BrachaNetwork:
    """The Bracha processes, the reliable-broadcast messages in flight, and the faults."""

    step_words = {
        Step.MAJORITY: "validated step-1 values",
        Step.REPORT: "validated reports",
        Step.PROPOSAL: "validated proposals",
    }

    def __init__(
        self,
        rules: Rules,
        inputs: np.ndarray,
        faults: dict[int, Fault],
        coin,
        keep_trace: bool = True,
    ) -> None:
        self.rules = rules
        self.n = rules.n
        self.quorum = rules.quorum
        self.faults = faults
        th = rb_thresholds(rules.n, rules.t)
        self.procs = [
            BrachaProcess(
                p,
                rules,
                int(inputs[p]),
                _keep_coin if isinstance(faults.get(p), Byzantine) else coin,
                th,
            )
            for p in range(self.n)
        ]
        self.crashed: set[int] = set()
        self.inflight: dict[Key, RBMessage] = {}
        counter = None if keep_trace else EventCounter()
        self.trace: list[Event] | EventCounter = [] if counter is None else counter
        # without a kept trace, sends and deliveries are only counted (no Event is built)
        self._counts = None if counter is None else counter.counts
        self.correct = [p for p in range(self.n) if p not in faults]
        self.scheduler: Scheduler | None = None  # set by simulate_bracha before the start
        self.sent_count = 0

    # --- the view schedulers get -------------------------------------------------------
    def active(self) -> list[int]:
        """Processes that still receive messages (not crashed)."""
        return [p for p in range(self.n) if p not in self.crashed]

    def position(self, pid: int) -> tuple[int, int]:
        """(round, step) the process is waiting in."""
        p = self.procs[pid]
        return (p.round, p.phase)

    def xs_of_correct(self) -> list[int]:
        """Current x of every correct process."""
        return [self.procs[p].x for p in self.correct]

    # --- sending and delivering --------------------------------------------------------
    def start(self, inputs: np.ndarray) -> None:
        """Record every start and put every process's first broadcast in flight."""
        for p in range(self.n):
            self.trace.append(Event(START, p, 1, Step.MAJORITY, int(inputs[p])))
        for proc in self.procs:
            for s in proc.start():
                self.broadcast(proc.pid, s)

    def broadcast(self, pid: int, s: BrachaSend) -> None:
        """Put one of a process's messages in flight to all, applying its fault if any."""
        if pid in self.crashed:
            return
        n = self.n
        fault = self.faults.get(pid)
        receivers: range = range(n)
        values: list[int | None] | None = None
        crash_now = False
        if (
            isinstance(fault, Crash)
            and s.kind == RBKind.INITIAL
            and (s.round, s.step) == (fault.round, fault.phase)
        ):
            receivers = range(fault.after)
            crash_now = True
        elif isinstance(fault, Byzantine):
            if fault.behaviour == "silent":
                return
            as_phase = 2 if s.step == Step.PROPOSAL else 1
            values = fault.values(s.round, as_phase, n, self.xs_of_correct())
        assert self.scheduler is not None, "attach a scheduler before sending"
        inflight, on_send, crashed = self.inflight, self.scheduler.on_send, self.crashed
        reached = []
        kind, rnd, step, origin = int(s.kind), s.round, int(s.step), s.origin
        for r in receivers:
            if r in crashed:
                continue
            value = s.value if values is None else values[r]
            msg = RBMessage(pid, r, rnd, step, value, origin, kind)
            inflight[(pid, r, rnd, step, origin, kind)] = msg
            on_send(msg)
            reached.append(r)
        self.sent_count += len(reached)
        counts = self._counts
        if counts is not None:
            what = SEND if values is None else BYZANTINE_SEND
            counts[what] = counts.get(what, 0) + 1
        elif values is not None:
            event = Event(
                BYZANTINE_SEND,
                pid,
                s.round,
                s.step,
                receivers=tuple(range(n)),
                sent=tuple(values),
                origin=s.origin,
                rb=kind,
            )
        else:
            event = Event(
                SEND,
                pid,
                s.round,
                s.step,
                s.value,
                receivers=tuple(reached),
                cut_short=crash_now,
                origin=s.origin,
                rb=kind,
            )
        if counts is None:
            self.trace.append(event)
        if crash_now:
            self.crash(pid, s.round, s.step)

    def crash(self, pid: int, rnd: int, step: int) -> None:
        """Crash a process: it sends and receives nothing more."""
        self.crashed.add(pid)
        for key in [k for k in self.inflight if k[1] == pid]:
            del self.inflight[key]
        self.trace.append(Event(CRASH, pid, rnd, step))

    def deliver(self, msg: RBMessage) -> list[Event]:
        """Hand ``msg`` to its receiver; return the protocol events it caused."""
        del self.inflight[msg.key]
        out = self.procs[msg.receiver].receive(
            msg.sender, msg.rb, msg.origin, msg.round, msg.phase, msg.value
        )
        trace, counts = self.trace, self._counts
        if counts is not None:
            counts[DELIVER] = counts.get(DELIVER, 0) + 1
        else:
            trace.append(
                Event(
                    DELIVER,
                    msg.receiver,
                    msg.round,
                    msg.phase,
                    msg.value,
                    msg.sender,
                    delivery=out.status,
                    origin=msg.origin,
                    rb=msg.rb,
                )
            )
        if out.events:
            trace.extend(out.events)
        for s in out.sends:
            self.broadcast(msg.receiver, s)
        return out.events

    def state(self, pid: int) -> ProcessState:
        """A snapshot of one process."""
        p = self.procs[pid]
        fault = self.faults.get(pid)
        faulty = (
            "" if fault is None else ("crashed" if isinstance(fault, Crash) else fault.describe())
        )
        live = pid not in self.crashed
        return ProcessState(
            pid,
            p.round,
            p.phase,
            p.x,
            p.decision,
            p.decision_round,
            False,
            faulty if (pid in self.crashed or not isinstance(fault, Crash)) else "",
            self.quorum - p.heard_count() if live else 0,
        )


class BrachaUniform(RandomOrder):
    """The "uniform" scheduler of Bracha's variant: every step, a uniformly random one of
    all messages in flight (Ben-Or's phase-by-phase uniform scheduler has no counterpart
    when every value travels as initial, echo and ready messages). It draws its random
    numbers in blocks, since a Bracha run makes O(n^3) deliveries per round."""

    name = "uniform"
    BLOCK = 1024

    def attach(self, net, rng: np.random.Generator) -> None:
        super().attach(net, rng)
        self._draws: list[float] = []

    def on_send(self, msg: InFlight) -> None:
        self._keys.append(msg.key)

    def next(self) -> InFlight | None:
        keys, inflight, draws = self._keys, self.net.inflight, self._draws
        while keys:
            if not draws:
                draws.extend(self.rng.random(self.BLOCK).tolist())
            i = int(draws.pop() * len(keys))
            key = keys[i]
            keys[i] = keys[-1]
            keys.pop()
            msg = inflight.get(key)
            if msg is not None:
                return msg
        return None


def bracha_scheduler(scheduler: Scheduler) -> Scheduler:
    """The scheduler a Bracha run uses for ``scheduler``: "uniform" becomes
    :class:`BrachaUniform`; the split adversary is not defined for it (ValueError)."""
    if isinstance(scheduler, Split):
        raise ValueError(
            "the split adversary is defined on Ben-Or's report and proposal phases; "
            "Bracha's variant takes 'uniform', 'random_order', 'fifo' or a script"
        )
    if isinstance(scheduler, Uniform):
        return BrachaUniform()
    return scheduler


def simulate_bracha(setup: RunSetup) -> Run:
    """Run Bracha's protocol on already checked arguments (a
    :class:`~benor_lib.simulation.loop.RunSetup`; no validation here)."""
    net = BrachaNetwork(setup.rules, setup.inputs, setup.faults, setup.coin, setup.keep_trace)
    net.scheduler = setup.scheduler
    setup.scheduler.attach(net, setup.scheduler_rng)
    net.start(setup.inputs)
    status, end, reason = deliver_until_end(net, setup)
    return finish_run(net, setup, status, end, reason)
