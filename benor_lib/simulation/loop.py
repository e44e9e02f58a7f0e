"""The run loop shared by every variant's network: deliver until the run ends, then make
the :class:`~benor_lib.simulation.result.Run`.

A network here is anything with ``n``, ``quorum``, ``procs`` (with ``round``, ``phase``,
``decision``, ``decision_round``, ``heard_count()``), ``correct``, ``crashed``, ``inflight``,
``trace``, ``scheduler``, ``start(inputs)``, ``deliver(msg)`` and ``state(pid)``: Ben-Or's
(:mod:`~benor_lib.simulation.benor_network`) and Bracha's
(:mod:`~benor_lib.simulation.bracha_network`), both made on
:class:`~benor_lib.simulation.base_network.BaseNetwork`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import numpy as np

from benor_lib.protocol.events import DECIDE, PROPOSAL, REPORT, Event, EventKind
from benor_lib.protocol.process import CoinRule
from benor_lib.protocol.rules import Rules
from benor_lib.simulation.checks import check_run
from benor_lib.simulation.faults import Byzantine, Crash, Fault
from benor_lib.simulation.result import EndReason, Run, RunStatus
from benor_lib.simulation.schedulers import Scheduler


class EventCounter:
    """Stands in for the trace list of a run made with ``keep_trace=False``: it counts the
    events by kind and keeps none of them, so a long run uses bounded memory."""

    __slots__ = ("counts",)

    def __init__(self) -> None:
        self.counts: dict[EventKind, int] = {}

    def append(self, event: Event) -> None:
        """Count one event."""
        self.counts[event.kind] = self.counts.get(event.kind, 0) + 1

    def extend(self, events: list[Event]) -> None:
        """Count several events."""
        for e in events:
            self.counts[e.kind] = self.counts.get(e.kind, 0) + 1


@dataclass(frozen=True)
class RunSetup:
    """The checked arguments of one run, in plain form: what :func:`simulate` needs."""

    rules: Rules
    inputs: np.ndarray
    faults: dict[int, Fault]
    scheduler: Scheduler
    scheduler_rng: np.random.Generator
    coin: CoinRule
    coin_name: str
    seed: object
    decided_policy: str
    max_rounds: int
    max_deliveries: int
    keep_trace: bool
    replayer: Callable[..., Run] | None = None


def deliver_until_end(net: Any, setup: RunSetup) -> tuple[RunStatus, EndReason, str]:
    """Deliver messages until the run ends; return its status and why it ended."""
    work = delivering(net, setup)
    while True:
        try:
            next(work)
        except StopIteration as end:
            return end.value


End = tuple[RunStatus, EndReason, str]


def delivering(net: Any, setup: RunSetup, every: int = 0) -> Generator[int, None, End]:
    """Deliver messages until the run ends, pausing (``yield``: the deliveries so far) after
    every ``every`` deliveries (never when 0); return the run's status and why it ended."""
    sched, procs = setup.scheduler, net.procs
    max_rounds, max_deliveries = setup.max_rounds, setup.max_deliveries
    undecided = set(net.correct)
    exhausted: set[int] = set()
    deliveries = 0
    while True:
        undecided = {p for p in undecided if procs[p].decision is None}
        if not undecided:
            return RunStatus.DECIDED, EndReason.ALL_DECIDED, "every correct process decided"
        if undecided <= exhausted:
            reason = f"no decision within max_rounds={max_rounds}"
            return RunStatus.UNDECIDED, EndReason.MAX_ROUNDS, reason
        if deliveries >= max_deliveries:
            reason = f"the delivery budget ({max_deliveries}) ran out"
            return RunStatus.UNDECIDED, EndReason.DELIVERY_BUDGET, reason
        msg = sched.next()
        if msg is None:
            if sched.exhausted and net.inflight:
                # a script that ends with nothing left in flight leaves the run blocked, so a
                # blocked run replays as blocked
                return RunStatus.UNDECIDED, EndReason.SCRIPT_ENDED, "the delivery script ended"
            return RunStatus.BLOCKED, EndReason.NOTHING_IN_FLIGHT, _waiting(net, undecided)
        deliveries += 1
        events = net.deliver(msg)
        if events:
            proc = procs[msg.receiver]
            if proc.round > max_rounds and proc.decision is None and proc.pid in undecided:
                exhausted.add(proc.pid)
            undecided.difference_update(e.pid for e in events if e.kind == DECIDE)
        if every and deliveries % every == 0:
            yield deliveries


def run_network(net: Any, setup: RunSetup) -> Run:
    """Attach the scheduler to a newly made network, start it, deliver until the run ends
    and return the :class:`~benor_lib.simulation.result.Run`."""
    start_network(net, setup)
    status, end, reason = deliver_until_end(net, setup)
    return finish_run(net, setup, status, end, reason)


def start_network(net: Any, setup: RunSetup) -> None:
    """Attach the scheduler to a newly made network and start it (the first broadcasts)."""
    net.scheduler = setup.scheduler
    setup.scheduler.attach(net, setup.scheduler_rng)
    net.start(setup.inputs)


class SlicedRun:
    """One run delivered a slice at a time, for a caller that must stay responsive.

    ``net`` is a newly made network for ``setup``. :meth:`advance` delivers until the run
    ends or ``over()`` is true (asked every :attr:`EVERY` deliveries); ``result`` is the
    :class:`~benor_lib.simulation.result.Run` once ``done``, the same run :func:`run_network`
    makes, however the work was sliced.
    """

    EVERY = 16
    """Deliveries between two questions to ``over()``."""

    def __init__(self, net: Any, setup: RunSetup) -> None:
        self._net, self._setup = net, setup
        start_network(net, setup)
        self._work = delivering(net, setup, self.EVERY)
        self.result: Run | None = None
        self.deliveries = 0
        """Deliveries made so far."""

    @property
    def done(self) -> bool:
        """True when the run has ended (``result`` is set)."""
        return self.result is not None

    @property
    def round(self) -> int:
        """The round the slowest correct process is in so far (progress)."""
        procs = self._net.procs
        return min((procs[p].round for p in self._net.correct), default=1)

    def advance(self, over: Callable[[], bool] | None = None) -> bool:
        """Deliver until the run ends or ``over()`` is true (never asked: to the end); True
        when the run has ended."""
        while self.result is None:
            try:
                self.deliveries = next(self._work)
            except StopIteration as end:
                status, reason_code, reason = end.value
                self.result = finish_run(self._net, self._setup, status, reason_code, reason)
                break
            if over is not None and over():
                break
        return self.result is not None


def _waiting(net: Any, undecided: set[int]) -> str:
    procs = net.procs
    words = getattr(net, "step_words", {REPORT: "reports", PROPOSAL: "proposals"})

    def more(p: int) -> str:
        missing, what = net.quorum - procs[p].heard_count(), words[procs[p].phase]
        return f"{missing} more {what.removesuffix('s') if missing == 1 else what}"

    waiting = ", ".join(
        f"p{p} in round {procs[p].round} waits for {more(p)}"
        for p in sorted(undecided)
        if p not in net.crashed
    )
    return f"no message is left in flight and {waiting}"


def _rounds(net: Any, status: RunStatus, end: EndReason, max_rounds: int) -> int:
    procs = net.procs
    if status == RunStatus.DECIDED:
        return max(procs[p].decision_round or 0 for p in net.correct)
    if end == EndReason.MAX_ROUNDS:
        return max_rounds
    return min(max(procs[p].round for p in net.correct), max_rounds)


def finish_run(net: Any, setup: RunSetup, status: RunStatus, end: EndReason, reason: str) -> Run:
    """The :class:`~benor_lib.simulation.result.Run` of a network whose run has ended."""
    procs, fault_map, n = net.procs, setup.faults, net.n
    byzantine = tuple(sorted(p for p, f in fault_map.items() if isinstance(f, Byzantine)))
    decisions = {
        p: procs[p].decision
        for p in range(n)
        if procs[p].decision is not None and p not in byzantine
    }
    decision_rounds = {p: procs[p].decision_round for p in decisions}
    faulty = {
        p: f.describe() if p in net.crashed or not isinstance(f, Crash) else f.describe_unreached()
        for p, f in fault_map.items()
    }
    honest = [p for p in range(n) if p not in byzantine]
    keep = setup.keep_trace
    trace = net.trace
    return Run(
        rules=setup.rules,
        inputs=tuple(int(v) for v in setup.inputs),
        faulty=faulty,
        scheduler=setup.scheduler.name,
        coin=setup.coin_name,
        seed=setup.seed,
        decided_policy=setup.decided_policy,
        max_rounds=setup.max_rounds,
        decisions=decisions,
        decision_rounds=decision_rounds,
        rounds=_rounds(net, status, end, setup.max_rounds),
        status=status,
        reason=reason,
        trace=tuple(trace) if isinstance(trace, list) else (),
        violations=check_run(setup.inputs, honest, decisions, status, reason),  # type: ignore[arg-type]
        final=tuple(net.state(p) for p in range(n)),
        pending=tuple(net.inflight.values()),
        faults=tuple(fault_map.values()),
        kept_trace=keep,
        event_counts=dict(Counter(e.kind for e in trace))
        if isinstance(trace, list)
        else trace.counts,
        end_reason=end,
        byzantine=byzantine,
        replayer=setup.replayer,
    )
