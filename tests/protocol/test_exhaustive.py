"""Exhaustive check for n=3, t=1 and n=4, t=1 (crash variant, no crashes).

From every input vector, for three rounds, every choice the scheduler can make (which
n - t messages each process hears in each phase, own included) and every coin outcome
are explored, merging identical states. The processes are the real
:class:`benor_lib.Process` state machines, fed the chosen messages. No reachable state
may break agreement, validity or the safety invariant
(:func:`benor_lib.simulation.checks.invariant_holds`). The states explored are those between
rounds; a state in the middle of a round adds only processes that have finished it, whose
values the next state between rounds already holds, so checking these covers every state.
"""

import itertools
from functools import cache
from typing import NamedTuple

import pytest

from benor_lib import Process, standard_rules
from benor_lib.protocol.events import ADOPT, COIN, DECIDE, PROPOSAL, PROPOSE
from benor_lib.simulation.checks import invariant_holds


def _views(n, q, pid):
    others = [s for s in range(n) if s != pid]
    return [(pid, *c) for c in itertools.combinations(others, q - 1)]


@cache
def _propose(n, t, pid, x, heard):
    # feed the heard values under distinct sender ids (own first)
    proc = Process(pid, standard_rules(n, t), x, lambda *a: 0)
    events = []
    senders = [pid] + [s for s in range(n) if s != pid]
    for s, v in zip(senders, heard, strict=False):
        events += proc.receive(s, 1, 1, v).events
    (ev,) = [e for e in events if e.kind == PROPOSE]
    return ev.value


@cache
def _conclude(n, t, pid, x, decision, heard, coin):
    proc = Process.resume(
        pid, standard_rules(n, t), x, lambda *a: coin, phase=PROPOSAL, decision=decision
    )
    senders = [pid] + [s for s in range(n) if s != pid]
    events = []
    for s, v in zip(senders, heard, strict=False):
        events += proc.receive(s, 1, 2, v).events
    kinds = {e.kind for e in events} & {ADOPT, COIN, DECIDE}
    return proc.x, proc.decision, COIN in kinds


def _successors(n, t, state):
    q = n - t
    xs = tuple(x for x, _ in state)
    decisions = tuple(d for _, d in state)
    views = [_views(n, q, p) for p in range(n)]
    proposal_vectors = set()
    for choice in itertools.product(*views):
        props = tuple(_propose(n, t, p, xs[p], tuple(xs[s] for s in choice[p])) for p in range(n))
        proposal_vectors.add(props)
    out = set()
    for props in proposal_vectors:
        for choice in itertools.product(*views):
            per_process = []
            for p in range(n):
                heard = tuple(props[s] for s in choice[p])
                options = set()
                for coin in (0, 1):
                    options.add(_conclude(n, t, p, xs[p], decisions[p], heard, coin)[:2])
                per_process.append(sorted(options, key=str))
            for combo in itertools.product(*per_process):
                out.add(tuple(combo))
    return out


class _Held(NamedTuple):
    # one process between rounds, as the invariant reads it (a decision counts as made in
    # the round just finished: every process is past it, so the check is the same)
    pid: int
    round: int
    x: int
    decision: int | None
    decision_round: int | None


@pytest.mark.parametrize("n", [3, 4])
def test_no_violation_in_three_rounds(n):
    t = 1
    explored = 0
    for inputs in itertools.product((0, 1), repeat=n):
        frontier = {tuple((x, None) for x in inputs)}
        for _round in range(3):
            nxt = set()
            for state in frontier:
                nxt |= _successors(n, t, state)
            explored += len(nxt)
            for state in nxt:
                # every process has entered round _round + 2: the invariant's state form
                held = [
                    _Held(p, _round + 2, x, d, None if d is None else _round + 1)
                    for p, (x, d) in enumerate(state)
                ]
                assert invariant_holds(held), f"invariant broken from {inputs}: {state}"
                decided = {d for _, d in state if d is not None}
                assert len(decided) <= 1, f"agreement broken from {inputs}: {state}"
                if len(set(inputs)) == 1:
                    assert decided <= {inputs[0]}, f"validity broken from {inputs}: {state}"
                    assert all(d == inputs[0] for _, d in state), "trivial case not decided"
            frontier = nxt
    assert explored > 0
