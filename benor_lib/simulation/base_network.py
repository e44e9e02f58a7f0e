"""What Ben-Or's and Bracha's networks share: the faults, crashes and messages in flight of
one run, the trace, the view schedulers get, and a snapshot of a process.

:class:`~benor_lib.simulation.benor_network.Network` and
:class:`~benor_lib.simulation.bracha_network.BrachaNetwork` add how their processes are
made and how one message is sent and received.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, Protocol, TypeVar

import numpy as np

from benor_lib.protocol.events import (
    BYZANTINE_SEND,
    CRASH,
    DELIVER,
    SEND,
    START,
    Delivery,
    Event,
)
from benor_lib.protocol.process import CoinRule
from benor_lib.simulation.checks import HeldState
from benor_lib.simulation.faults import Byzantine, Crash
from benor_lib.simulation.loop import EventCounter, RunSetup
from benor_lib.simulation.result import ProcessState
from benor_lib.simulation.schedulers import InFlight, Key, Scheduler


class ProcessView(HeldState, Protocol):
    """What a network reads of its processes (Ben-Or's Process, Bracha's BrachaProcess):
    what the invariant checker reads, and more."""

    @property
    def phase(self) -> int: ...
    @property
    def halted(self) -> bool: ...
    def heard_count(self) -> int: ...
    def start(self) -> Sequence[Any]: ...


_P = TypeVar("_P", bound=ProcessView)
_M = TypeVar("_M", bound=InFlight)

# How a fault shapes one send: the receivers, a Byzantine sender's value for each receiver
# (None: the value the protocol gave), and whether the sender crashes after it.
FaultPlan = tuple[range, list[int | None] | None, bool]


def _keep_coin(pid: int, rnd: int, x: int) -> int:
    return x


class BaseNetwork(Generic[_P, _M]):
    """The processes, the messages in flight and the faults, for one run.

    Made from a run's :class:`~benor_lib.simulation.loop.RunSetup`; a subclass's
    ``make_process(pid, x, coin)`` makes one process with input x. A Byzantine process's copy of
    the protocol only paces its lies and keeps its x as its coin (it never draws from the
    run's ``coin``, so scripted coins name correct processes only).
    """

    first_phase = 1
    """The phase (or step) every process starts in: the one its START event names."""

    def make_process(self, pid: int, x: int, coin: CoinRule) -> _P:
        """One process of the protocol, with input x (each network says which protocol)."""
        raise NotImplementedError

    def __init__(self, setup: RunSetup) -> None:
        rules, faults, coin = setup.rules, setup.faults, setup.coin
        self.rules = rules
        self.n = rules.n
        self.quorum = rules.quorum
        self.faults = faults
        self.procs = [
            self.make_process(
                p, int(x), _keep_coin if isinstance(faults.get(p), Byzantine) else coin
            )
            for p, x in enumerate(setup.inputs)
        ]
        self.crashed: set[int] = set()
        self.inflight: dict[Key, _M] = {}
        counter = None if setup.keep_trace else EventCounter()
        self.trace: list[Event] | EventCounter = [] if counter is None else counter
        # without a kept trace, sends and deliveries are only counted (no Event is built)
        self._counts = None if counter is None else counter.counts
        self.correct = [p for p in range(self.n) if p not in faults]
        self.scheduler: Scheduler | None = None  # attached before the start

    # --- the view schedulers get -------------------------------------------------------
    def active(self) -> list[int]:
        """Processes that still receive messages (not crashed, not halted)."""
        return [p.pid for p in self.procs if not p.halted and p.pid not in self.crashed]

    def position(self, pid: int) -> tuple[int, int]:
        """(round, phase) the process is waiting in."""
        p = self.procs[pid]
        return (p.round, p.phase)

    def xs_of_correct(self) -> list[int]:
        """Current x of every correct process."""
        return [self.procs[p].x for p in self.correct]

    # --- sending and delivering --------------------------------------------------------
    def start(self, inputs: np.ndarray) -> None:
        """Record every start and put every process's first messages in flight."""
        for p in range(self.n):
            self.trace.append(Event(START, p, 1, self.first_phase, int(inputs[p])))
        for proc in self.procs:
            for send in proc.start():
                self.broadcast(proc.pid, send)

    def broadcast(self, pid: int, send: Any) -> None:
        """Put one of a process's sends in flight, applying its fault if it has one."""
        raise NotImplementedError

    def fault_plan(
        self, pid: int, rnd: int, phase: int, as_phase: int, may_crash: bool
    ) -> FaultPlan | None:
        """How ``pid``'s fault shapes its send of (``rnd``, ``phase``); None when it sends
        nothing (it has crashed, or it is silent). A crash happens only at a send with
        ``may_crash``; a Byzantine sender's values are those of its behaviour in
        ``as_phase`` (1 report, 2 proposal)."""
        if pid in self.crashed:
            return None
        n = self.n
        fault = self.faults.get(pid)
        if isinstance(fault, Crash):
            if may_crash and (rnd, phase) == (fault.round, fault.phase):
                return range(fault.after), None, True
        elif isinstance(fault, Byzantine):
            if fault.behaviour == "silent":
                return None
            return range(n), fault.values(rnd, as_phase, n, self.xs_of_correct()), False
        return range(n), None, False

    def record_send(
        self,
        pid: int,
        rnd: int,
        phase: int,
        value: int | None,
        plan: FaultPlan,
        reached: list[int],
        origin: int | None = None,
        rb: int | None = None,
    ) -> None:
        """Trace one send (``origin`` and ``rb`` for Bracha's messages) and crash its sender
        if its fault says so."""
        _, values, crash_now = plan
        counts = self._counts
        if counts is not None:
            what = SEND if values is None else BYZANTINE_SEND
            counts[what] = counts.get(what, 0) + 1
        elif values is not None:
            self.trace.append(
                Event(
                    BYZANTINE_SEND,
                    pid,
                    rnd,
                    phase,
                    receivers=tuple(range(self.n)),
                    sent=tuple(values),
                    origin=origin,
                    rb=rb,
                )
            )
        else:
            self.trace.append(
                Event(
                    SEND,
                    pid,
                    rnd,
                    phase,
                    value,
                    receivers=tuple(reached),
                    cut_short=crash_now,
                    origin=origin,
                    rb=rb,
                )
            )
        if crash_now:
            self.crash(pid, rnd, phase)

    def crash(self, pid: int, rnd: int, phase: int) -> None:
        """Crash a process: it sends and receives nothing more."""
        self.crashed.add(pid)
        for key in [k for k in self.inflight if k[1] == pid]:
            del self.inflight[key]
        self.trace.append(Event(CRASH, pid, rnd, phase))

    def delivered(
        self,
        msg: _M,
        status: Delivery,
        events: list[Event],
        sends: Sequence[Any],
        origin: int | None = None,
        rb: int | None = None,
    ) -> list[Event]:
        """Trace the delivery of ``msg`` (its ``status``) and the ``events`` it caused, put
        the receiver's ``sends`` in flight, and return the events."""
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
                    delivery=status,
                    origin=origin,
                    rb=rb,
                )
            )
        if events:
            trace.extend(events)
        for s in sends:
            self.broadcast(msg.receiver, s)
        return events

    def state(self, pid: int) -> ProcessState:
        """A snapshot of one process."""
        p = self.procs[pid]
        fault = self.faults.get(pid)
        faulty = (
            "" if fault is None else ("crashed" if isinstance(fault, Crash) else fault.describe())
        )
        live = pid not in self.crashed and not p.halted
        return ProcessState(
            pid,
            p.round,
            p.phase,
            p.x,
            p.decision,
            p.decision_round,
            p.halted,
            faulty if (pid in self.crashed or not isinstance(fault, Crash)) else "",
            self.quorum - p.heard_count() if live else 0,
        )
