"""The asynchronous message pool and the run loop behind :func:`benor_lib.run`."""

from __future__ import annotations

from collections import Counter

import numpy as np

from benor_lib.protocol.coins import make_coin
from benor_lib.protocol.process import Broadcast, Process
from benor_lib.protocol.rules import (
    DECIDED_POLICIES,
    Rules,
    check_bound,
    check_choice,
    check_int,
    check_n_t,
    check_rules,
    make_rng,
    published_rules,
    resolve_inputs,
)
from benor_lib.protocol.validate import check_bool
from benor_lib.simulation.checks import check_run
from benor_lib.simulation.faults import Byzantine, Crash, normalise_faults
from benor_lib.simulation.schedulers import make_scheduler
from benor_lib.simulation.trace import (
    BYZANTINE_SEND,
    CRASH,
    DECIDE,
    DELIVER,
    REPORT,
    SEND,
    START,
    Event,
    Message,
    ProcessState,
    Run,
)


def _keep_coin(pid: int, rnd: int, x: int) -> int:
    return x


class EventCounter:
    """Stands in for the trace list of a run made with ``keep_trace=False``: it counts the
    events by kind and keeps none of them, so a long run uses bounded memory."""

    __slots__ = ("counts",)

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def append(self, event: Event) -> None:
        """Count one event."""
        self.counts[event.kind] = self.counts.get(event.kind, 0) + 1

    def extend(self, events: list[Event]) -> None:
        """Count several events."""
        for e in events:
            self.counts[e.kind] = self.counts.get(e.kind, 0) + 1


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
        self.inflight: dict[tuple[int, int, int, int], Message] = {}
        self.trace: list[Event] | EventCounter = [] if keep_trace else EventCounter()
        self.correct = [p for p in range(self.n) if p not in faults]
        self.scheduler = None

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
                    None,
                    None,
                    tuple(values),
                    tuple(range(n)),
                )
            )
        else:
            status = "crashed" if crash_now else ""
            self.trace.append(
                Event(SEND, pid, b.round, b.phase, b.value, None, (), tuple(reached), status)
            )
        if crash_now:
            self.crash(pid, b.round, b.phase)

    def crash(self, pid: int, rnd: int, phase: int) -> None:
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
                (),
                (),
                outcome.status,
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


def _default_deliveries(n: int, max_rounds: int) -> int:
    return 4 * n * n * (max_rounds + 2) + 1000


def run(
    n: int,
    t: int,
    inputs: object = "random",
    *,
    variant: str = "crash",
    scheduler: object = "uniform",
    faults: object = (),
    coin: object = "local",
    seed: object = None,
    max_rounds: int = 1000,
    decided_policy: str = "keep_running",
    rules: Rules | None = None,
    allow_unsafe: bool = False,
    max_deliveries: int | None = None,
    keep_trace: bool = True,
) -> Run:
    """Simulate one run of Ben-Or's protocol in the asynchronous model.

    ``inputs``: "random", a number of ones (the last processes), or n zeros and ones.
    ``variant``: "crash" (protocol A) or "byzantine" (protocol B); ``rules`` overrides the
    thresholds (for deliberately broken variants). ``scheduler``: "uniform" (canonical),
    "random_order", "fifo", "split", a :class:`~benor_lib.simulation.schedulers.Scripted` scheduler, a
    list of (sender, receiver, round, phase) deliveries or a callable. ``faults``: a number
    of processes crashed from the start, or a list of :class:`~benor_lib.simulation.faults.Crash` and
    :class:`~benor_lib.simulation.faults.Byzantine`. ``coin``: "local", "common", "keep", "zero",
    "pid_parity", or scripted bits. ``decided_policy``: "keep_running" (default),
    "halt_after_next" or "halt" (unsafe). The run ends "decided" when every correct
    process has decided, "undecided" when max_rounds (or the delivery budget, or a script)
    ran out, or "blocked" when no message is left and a correct process still waits.
    ``max_rounds`` (default 1000) and ``max_deliveries`` (default about 4 n^2 per round) are
    the budget of the run. ``keep_trace=False`` keeps only counts of the events
    (``Run.event_counts``), so that a long run uses bounded memory; replay and narration
    then need the run made again with ``keep_trace=True``.
    """
    n, t = check_n_t(n, t)
    variant = check_choice("variant", variant, ("crash", "byzantine"))
    decided_policy = check_choice("decided_policy", decided_policy, DECIDED_POLICIES)
    max_rounds = check_int("max_rounds", max_rounds, 1, 2**31 - 1)
    if max_deliveries is None:
        max_deliveries = _default_deliveries(n, max_rounds)
    max_deliveries = check_int("max_deliveries", max_deliveries, 1)
    allow_unsafe = check_bool("allow_unsafe", allow_unsafe)
    keep_trace = check_bool("keep_trace", keep_trace)
    if rules is None:
        check_bound(n, t, variant, allow_unsafe)
        rules = published_rules(n, t, variant)
    else:
        rules = check_rules(rules, n, t)
        if rules.variant != variant:
            variant = rules.variant
        check_bound(n, t, variant, allow_unsafe)
    fault_map = normalise_faults(faults, n)
    if len(fault_map) > t and not allow_unsafe:
        raise ValueError(
            f"{len(fault_map)} faulty processes but the protocol tolerates t={t}; "
            "pass allow_unsafe=True to run it anyway"
        )
    if variant == "crash" and not allow_unsafe:
        byz = [p for p, f in fault_map.items() if isinstance(f, Byzantine)]
        if byz:
            raise ValueError(
                f"Byzantine processes {byz} in the crash variant: use variant='byzantine', "
                "or pass allow_unsafe=True"
            )
    rng = make_rng(seed)
    input_rng, sched_rng, coin_rng = rng.spawn(3)
    xs = resolve_inputs(n, inputs, input_rng)
    coin_rule, coin_name = make_coin(coin, coin_rng)
    sched = make_scheduler(scheduler)
    net = Network(rules, xs, fault_map, coin_rule, decided_policy, keep_trace)
    net.scheduler = sched
    sched.attach(net, sched_rng)
    for p in range(n):
        net.trace.append(Event(START, p, 1, REPORT, int(xs[p])))
    for proc in net.procs:
        for b in proc.start():
            net.broadcast(proc.pid, b)

    correct = net.correct
    undecided = set(correct)
    exhausted: set[int] = set()
    procs = net.procs
    status, reason = "", ""
    deliveries = 0
    while True:
        undecided = {p for p in undecided if procs[p].decision is None}
        if not undecided:
            status, reason = "decided", "every correct process decided"
            break
        if undecided <= exhausted:
            status = "undecided"
            reason = f"no decision within max_rounds={max_rounds}"
            break
        if deliveries >= max_deliveries:
            status, reason = "undecided", f"the delivery budget ({max_deliveries}) ran out"
            break
        msg = sched.next()
        if msg is None:
            if sched.exhausted and net.inflight:
                # a script that ends with nothing left in flight leaves the run blocked, so a
                # blocked run replays as blocked
                status, reason = "undecided", "the delivery script ended"
            else:
                status = "blocked"
                waiting = ", ".join(
                    f"p{p} in round {procs[p].round} waits for "
                    f"{net.quorum - procs[p].heard_count()} more "
                    f"{'reports' if procs[p].phase == REPORT else 'proposals'}"
                    for p in sorted(undecided)
                    if p not in net.crashed
                )
                reason = f"no message is left in flight and {waiting}"
            break
        deliveries += 1
        events = net.deliver(msg)
        if events:
            p = msg.receiver
            proc = procs[p]
            if proc.round > max_rounds and proc.decision is None and p in undecided:
                exhausted.add(p)
            for e in events:
                if e.kind == DECIDE:
                    undecided.discard(e.pid)

    decisions = {p: procs[p].decision for p in range(n) if procs[p].decision is not None}
    decisions = {p: v for p, v in decisions.items() if not isinstance(fault_map.get(p), Byzantine)}
    decision_rounds = {p: procs[p].decision_round for p in decisions}
    if status == "decided":
        rounds = max(decision_rounds[p] for p in correct)
    elif reason.startswith("no decision within"):
        rounds = max_rounds
    else:
        rounds = max(procs[p].round for p in correct)
        if status == "blocked" or rounds > max_rounds:
            rounds = min(rounds, max_rounds)
    faulty = {
        p: f.describe() if p in net.crashed or not isinstance(f, Crash) else f.describe_unreached()
        for p, f in fault_map.items()
    }
    sched_name = sched.name
    honest = [p for p in range(n) if not isinstance(fault_map.get(p), Byzantine)]
    violations = check_run(xs, honest, decisions, status, reason)
    return Run(
        rules=rules,
        inputs=tuple(int(v) for v in xs),
        faulty=faulty,
        scheduler=sched_name,
        coin=coin_name,
        seed=seed if not isinstance(seed, np.random.Generator) else "generator",
        decided_policy=decided_policy,
        max_rounds=max_rounds,
        decisions=decisions,
        decision_rounds=decision_rounds,
        rounds=rounds,
        status=status,
        reason=reason,
        trace=tuple(net.trace) if keep_trace else (),
        violations=violations,
        final=tuple(net.state(p) for p in range(n)),
        pending=tuple(net.inflight.values()),
        faults=tuple(fault_map.values()),
        kept_trace=keep_trace,
        event_counts=dict(Counter(e.kind for e in net.trace)) if keep_trace else net.trace.counts,
    )
