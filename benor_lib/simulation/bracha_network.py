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
from benor_lib.protocol.events import Event
from benor_lib.protocol.process import CoinRule
from benor_lib.protocol.reliable_broadcast import RBKind, rb_thresholds
from benor_lib.simulation.base_network import BaseNetwork
from benor_lib.simulation.loop import RunSetup, run_network
from benor_lib.simulation.result import Run
from benor_lib.simulation.schedulers import RandomOrder, Scheduler, Split, Uniform

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


def default_deliveries(n: int, max_rounds: int) -> int:
    """The default delivery budget: a round has 3n broadcasts of about 2n^2 + n messages."""
    return 7 * n**3 * (max_rounds + 2) + 1000


class BrachaNetwork(BaseNetwork[BrachaProcess, RBMessage]):
    """The Bracha processes, the reliable-broadcast messages in flight, and the faults."""

    first_phase = Step.MAJORITY
    step_words = {
        Step.MAJORITY: "validated step-1 values",
        Step.REPORT: "validated reports",
        Step.PROPOSAL: "validated proposals",
    }

    def make_process(self, pid: int, x: int, coin: CoinRule) -> BrachaProcess:
        """One Bracha process with input x."""
        return BrachaProcess(pid, self.rules, x, coin, self.thresholds)

    def __init__(self, setup: RunSetup) -> None:
        self.thresholds = rb_thresholds(setup.rules.n, setup.rules.t)
        super().__init__(setup)

    def broadcast(self, pid: int, s: BrachaSend) -> None:
        """Put one of a process's messages in flight to all, applying its fault if any."""
        as_phase = 2 if s.step == Step.PROPOSAL else 1
        plan = self.fault_plan(pid, s.round, s.step, as_phase, s.kind == RBKind.INITIAL)
        if plan is None:
            return
        receivers, values, _ = plan
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
        self.record_send(pid, s.round, s.step, s.value, plan, reached, s.origin, kind)

    def deliver(self, msg: RBMessage) -> list[Event]:
        """Hand ``msg`` to its receiver; return the protocol events it caused."""
        del self.inflight[msg.key]
        out = self.procs[msg.receiver].receive(
            msg.sender, msg.rb, msg.origin, msg.round, msg.phase, msg.value
        )
        return self.delivered(msg, out.status, out.events, out.sends, msg.origin, msg.rb)


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

    def _pick(self, k: int) -> int:
        """A uniformly random index below ``k``, from the block of draws."""
        draws = self._draws
        if not draws:
            draws.extend(self.rng.random(self.BLOCK).tolist())
        return int(draws.pop() * k)


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
    return run_network(BrachaNetwork(setup), setup)
