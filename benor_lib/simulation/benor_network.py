"""Ben-Or's asynchronous network: the processes, the messages in flight and the faults."""

from __future__ import annotations

import numpy as np

from benor_lib.protocol.events import (
    BYZANTINE_SEND,
    CRASH,
    DELIVER,
    REPORT,
    SEND,
    START,
    Event,
    Phase,
)
from benor_lib.protocol.process import Broadcast, Process
from benor_lib.protocol.rules import Rules
from benor_lib.simulation.faults import Byzantine, Crash
from benor_lib.simulation.loop import EventCounter, RunSetup, deliver_until_end, finish_run
from benor_lib.simulation.result import Message, ProcessState, Run
from benor_lib.simulation.schedulers import Scheduler


def _keep_coin(pid: int, rnd: int, x: int) -> int:
    return x


class Network:
    """The processes, the messages in flight, and the faults, for one run."""

    def __init__(
        self,
        rules: Rules,
        inputs: np.ndarray,
        faults: dict[int, Crash | Byzantine],
        coin,
        policy: str,
        keep_trace: bool = True,
    ) -> None:
        self.rules = rules
        self.n = rules.n
        self.quorum = rules.quorum
        self.faults = faults
        # A Byzantine process's own copy of the protocol only paces its lies: it never
        # draws from the run's coins (so scripted coins name correct processes only).
        self.procs = [
            Process(
                p,
                rules,
                int(inputs[p]),
                _keep_coin if isinstance(faults.get(p), Byzantine) else coin,
                policy,
            )
            for p in range(self.n)
        ]
        self.crashed: set[int] = set()
        self.inflight: dict[tuple[int, ...], Message] = {}
        self.trace: list[Event] | EventCounter = [] if keep_trace else EventCounter()
        self.correct = [p for p in range(self.n) if p not in faults]
        self.scheduler: Scheduler | None = None  # set by simulate_benor before the start

    # --- the view schedulers get -------------------------------------------------------
    def active(self) -> list[int]:
        """Processes that still receive messages (not crashed, not halted)."""
        return [p.pid for p in self.procs if not p.halted and p.pid not in self.crashed]

    def position(self, pid: int) -> tuple[int, Phase]:
        """(round, phase) the process is waiting in."""
        p = self.procs[pid]
        return (p.round, p.phase)

    def xs_of_correct(self) -> list[int]:
        """Current x of every correct process."""
        return [self.procs[p].x for p in self.correct]

    # --- sending and delivering --------------------------------------------------------
    def broadcast(self, pid: int, b: Broadcast) -> None:
        """Put a process's broadcast in flight, applying its fault if it has one."""
        if pid in self.crashed:
            return
        n = self.n
        fault = self.faults.get(pid)
        receivers: range | list[int] = range(n)
        values: list[int | None] | None = None
        crash_now = False
        if isinstance(fault, Crash) and (b.round, b.phase) == (fault.round, fault.phase):
            receivers = range(fault.after)
            crash_now = True
        elif isinstance(fault, Byzantine):
            if fault.behaviour == "silent":
                return
            values = fault.values(b.round, b.phase, n, self.xs_of_correct())
        assert self.scheduler is not None, "attach a scheduler before sending"
        inflight, on_send = self.inflight, self.scheduler.on_send
        procs, crashed = self.procs, self.crashed
        reached = []
        for r in receivers:
            if r in crashed or procs[r].halted:
                continue
            msg = Message(pid, r, b.round, b.phase, b.value if values is None else values[r])
            inflight[(pid, r, b.round, b.phase)] = msg
            on_send(msg)
            reached.append(r)
        if values is not None:
            self.trace.append(
                Event(
                    BYZANTINE_SEND,
                    pid,
                    b.round,
                    b.phase,
                    receivers=tuple(range(n)),
                    sent=tuple(values),
                )
            )
        else:
            self.trace.append(
                Event(
                    SEND,
                    pid,
                    b.round,
                    b.phase,
                    b.value,
                    receivers=tuple(reached),
                    cut_short=crash_now,
                )
            )
        if crash_now:
            self.crash(pid, b.round, b.phase)

    def crash(self, pid: int, rnd: int, phase: Phase) -> None:
        """Crash a process: it sends and receives nothing more."""
        self.crashed.add(pid)
        for key in [k for k in self.inflight if k[1] == pid]:
            del self.inflight[key]
        self.trace.append(Event(CRASH, pid, rnd, phase))

    def deliver(self, msg: Message) -> list[Event]:
        """Hand ``msg`` to its receiver; return the protocol events it caused."""
        del self.inflight[(msg.sender, msg.receiver, msg.round, msg.phase)]
        proc = self.procs[msg.receiver]
        outcome = proc.receive(msg.sender, msg.round, msg.phase, msg.value)
        trace = self.trace
        trace.append(
            Event(
                DELIVER,
                msg.receiver,
                msg.round,
                msg.phase,
                msg.value,
                msg.sender,
                delivery=outcome.status,
            )
        )
        if outcome.events:
            trace.extend(outcome.events)
        for b in outcome.broadcasts:
            self.broadcast(msg.receiver, b)
        return outcome.events

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


def default_deliveries(n: int, max_rounds: int) -> int:
    """The default delivery budget: about 4 n^2 deliveries per round."""
    return 4 * n * n * (max_rounds + 2) + 1000


def simulate_benor(setup: RunSetup) -> Run:
    """Run Ben-Or's protocol on already checked arguments (no validation here)."""
    net = _start(setup)
    status, end, reason = deliver_until_end(net, setup)
    return finish_run(net, setup, status, end, reason)


def _start(setup: RunSetup) -> Network:
    xs = setup.inputs
    net = Network(setup.rules, xs, setup.faults, setup.coin, setup.decided_policy, setup.keep_trace)
    net.scheduler = setup.scheduler
    setup.scheduler.attach(net, setup.scheduler_rng)
    for p in range(net.n):
        net.trace.append(Event(START, p, 1, REPORT, int(xs[p])))
    for proc in net.procs:
        for b in proc.start():
            net.broadcast(proc.pid, b)
    return net
