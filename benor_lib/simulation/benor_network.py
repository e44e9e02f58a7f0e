"""Ben-Or's asynchronous network: the processes, the messages in flight and the faults."""

from __future__ import annotations

from benor_lib.protocol.events import REPORT, Event
from benor_lib.protocol.process import Broadcast, CoinRule, Process
from benor_lib.simulation.base_network import BaseNetwork
from benor_lib.simulation.loop import RunSetup, run_network
from benor_lib.simulation.result import Message, Run


class Network(BaseNetwork[Process, Message]):
    """The processes, the messages in flight, and the faults, for one run."""

    first_phase = REPORT

    def make_process(self, pid: int, x: int, coin: CoinRule) -> Process:
        """One Ben-Or process with input x, following the run's decided policy."""
        return Process(pid, self.rules, x, coin, self.policy)

    def __init__(self, setup: RunSetup) -> None:
        self.policy = setup.decided_policy
        super().__init__(setup)

    def broadcast(self, pid: int, b: Broadcast) -> None:
        """Put a process's broadcast in flight, applying its fault if it has one."""
        plan = self.fault_plan(pid, b.round, b.phase, b.phase, True)
        if plan is None:
            return
        receivers, values, _ = plan
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
        self.record_send(pid, b.round, b.phase, b.value, plan, reached)

    def deliver(self, msg: Message) -> list[Event]:
        """Hand ``msg`` to its receiver; return the protocol events it caused."""
        del self.inflight[(msg.sender, msg.receiver, msg.round, msg.phase)]
        out = self.procs[msg.receiver].receive(msg.sender, msg.round, msg.phase, msg.value)
        return self.delivered(msg, out.status, out.events, out.broadcasts)


def default_deliveries(n: int, max_rounds: int) -> int:
    """The default delivery budget: about 4 n^2 deliveries per round."""
    return 4 * n * n * (max_rounds + 2) + 1000


def simulate_benor(setup: RunSetup) -> Run:
    """Run Ben-Or's protocol on already checked arguments (no validation here)."""
    return run_network(Network(setup), setup)
