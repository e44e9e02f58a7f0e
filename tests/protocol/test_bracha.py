"""Bracha's reliable broadcast and consensus process, at the protocol layer (no network)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from benor_lib.protocol.bracha import (
    BrachaProcess,
    Step,
    justified,
    majority_of,
    proposal_outcome,
    report_outcome,
)
from benor_lib.protocol.reliable_broadcast import RBKind, ReliableBroadcast, rb_thresholds
from benor_lib.protocol.rules import bound_holds, max_t, standard_rules


def test_thresholds_are_bracha_s():
    th = rb_thresholds(7, 2)
    assert (th.ready_echo_twice, th.ready_amplify, th.accept) == (9, 3, 5)
    assert th.ready_on_echoes(5) and not th.ready_on_echoes(4)  # more than (n + t) / 2
    assert th.ready_on_readys(3) and not th.ready_on_readys(2)
    assert th.accepts(5) and not th.accepts(4)
    assert len(th.table()) == 4 and "accept" in th.describe()
    rules = standard_rules(7, 2, "bracha")
    assert (rules.quorum, rules.adopt_min) == (5, 3)
    assert rules.decides(5) and not rules.decides(4)  # more than 2t
    assert rules.sends_d(4) and not rules.sends_d(3)  # more than n / 2


def test_bound_is_n_greater_than_3t():
    assert bound_holds(4, 1, "bracha") and not bound_holds(3, 1, "bracha")
    assert [max_t(n, "bracha") for n in (1, 3, 4, 7, 10)] == [0, 0, 1, 2, 3]
    assert max_t(10, "byzantine") == 1 and max_t(10, "crash") == 4
    with pytest.raises(ValueError, match="n > 3t"):
        standard_rules(6, 2, "bracha")
    assert standard_rules(6, 2, "bracha", allow_unsafe=True).variant == "bracha"


def test_step_rules():
    rules = standard_rules(4, 1, "bracha")
    assert majority_of([0, 1]) == 0 and majority_of([1, 1, 0]) == 1
    assert report_outcome(rules, [1, 1, 1]) == 1 and report_outcome(rules, [1, 1, 0]) is None
    assert proposal_outcome(rules, [0, 0, 0]) == ("decide", 0)
    assert proposal_outcome(rules, [0, 0, None]) == ("adopt", 0)
    assert proposal_outcome(rules, [0, None, None]) == ("coin", None)


def test_validation():
    rules = standard_rules(4, 1, "bracha")
    assert justified(rules, 1, Step.MAJORITY, 1, [])  # any input
    assert not justified(rules, 1, Step.MAJORITY, None, [])
    # after three D(0) only 0 is a correct next value; with a lone D(0) a coin could give 1
    assert not justified(rules, 2, Step.MAJORITY, 1, [0, 0, 0])
    assert justified(rules, 2, Step.MAJORITY, 1, [0, None, None, None])
    # fewer than n - t previous values justify nothing yet
    assert not justified(rules, 2, Step.MAJORITY, 0, [0, 0])
    # a D(1) needs more than n/2 reports of 1 among some n - t validated reports
    assert not justified(rules, 1, Step.PROPOSAL, 1, [1, 1, 0, 0])
    assert justified(rules, 1, Step.PROPOSAL, 1, [1, 1, 1, 0])
    assert justified(rules, 1, Step.PROPOSAL, None, [1, 1, 1, 0])
    # a report must be the majority of some n - t majority-step values
    assert not justified(rules, 1, Step.REPORT, 1, [0, 0, 0, 1])
    assert justified(rules, 1, Step.REPORT, 1, [0, 0, 1, 1])


def _rb_network(n, t, origin_values, byzantine, rng, steps=20000):
    """Every process runs ReliableBroadcast for one broadcast by process 0. A Byzantine
    process sends per receiver the value ``origin_values[receiver]`` in every message.
    Deliveries in random order. Returns what each correct process accepted."""
    th = rb_thresholds(n, t)
    rbs = [ReliableBroadcast(p, th) for p in range(n)]
    flight = []

    def send(sender, kind, value):
        for r in range(n):
            v = origin_values[r] if sender in byzantine else value
            flight.append((sender, r, kind, v))

    send(0, RBKind.INITIAL, origin_values[0])
    for b in byzantine - {0}:  # Byzantine helpers echo and ready their lies at once
        send(b, RBKind.ECHO, None)
        send(b, RBKind.READY, None)
    accepted = {}
    while flight and steps:
        steps -= 1
        sender, r, kind, v = flight.pop(int(rng.integers(len(flight))))
        if r in byzantine:
            continue
        _, sends, acc = rbs[r].receive(sender, kind, 0, ("tag",), v)
        for s in sends:
            send(r, s.kind, s.value)
        if acc is not None:
            accepted[r] = acc[0]
    return accepted


@pytest.mark.parametrize("seed", range(30))
def test_reliable_broadcast_consistency_and_totality(seed):
    rng = np.random.default_rng(seed)
    n, t = 4, 1
    # a correct origin: everybody accepts its value
    got = _rb_network(n, t, [1] * n, set(), rng)
    assert got == {p: 1 for p in range(n)}
    # a Byzantine origin telling halves different things: all correct accept the same or none
    got = _rb_network(n, t, [0, 0, 1, 1], {0}, rng)
    assert len(set(got.values())) <= 1
    assert len(got) in (0, 3)  # totality: all three correct processes, or none


def _run_processes(n, t, inputs, rng):
    """n correct Bracha processes, random delivery order, local coins from ``rng``."""
    rules = standard_rules(n, t, "bracha")
    th = rb_thresholds(n, t)
    coin = lambda pid, rnd, x: int(rng.integers(2))  # noqa: E731
    procs = [BrachaProcess(p, rules, inputs[p], coin, th) for p in range(n)]
    flight = [(p, r, s) for p in range(n) for s in procs[p].start() for r in range(n)]
    while flight and any(p.decision is None for p in procs):
        sender, r, s = flight.pop(int(rng.integers(len(flight))))
        out = procs[r].receive(sender, s.kind, s.origin, s.round, s.step, s.value)
        flight.extend((r, q, s2) for s2 in out.sends for q in range(n))
    return procs


@pytest.mark.parametrize(("n", "t"), [(4, 1), (5, 1), (7, 2)])
def test_processes_agree_and_respect_validity(n, t):
    rng = np.random.default_rng(n)
    every = 3 if n < 7 else 17  # n = 7 is slow: 8 of its 128 input vectors, and all ones
    vectors = list(itertools.islice(itertools.product((0, 1), repeat=n), 0, 2**n, every))
    for inputs in [*vectors, (1,) * n]:
        procs = _run_processes(n, t, list(inputs), rng)
        decisions = {p.decision for p in procs}
        assert len(decisions) == 1 and None not in decisions
        if len(set(inputs)) == 1:
            assert decisions == {inputs[0]}


def _rb_with_pattern(pattern, rng, n=4, t=1, byz=3):
    """Correct processes 0..n-2 run one reliable broadcast whose origin ``byz`` is Byzantine:
    it sends ``pattern[kind, receiver]`` as its initial, echo and ready to each receiver.
    Random delivery order; returns what each correct process accepted."""
    th = rb_thresholds(n, t)
    correct = [p for p in range(n) if p != byz]
    rbs = {p: ReliableBroadcast(p, th) for p in correct}
    flight = [(byz, r, RBKind(k), pattern[k, r]) for k in range(3) for r in correct]
    accepted = {}
    while flight:
        sender, r, kind, v = flight.pop(int(rng.integers(len(flight))))
        _, sends, acc = rbs[r].receive(sender, kind, byz, ("tag",), v)
        flight.extend((r, q, s.kind, s.value) for s in sends for q in correct)
        if acc is not None:
            accepted[r] = acc[0]
    return accepted


def test_reliable_broadcast_against_every_equivocation_at_n_4():
    """Every way a Byzantine origin can split its initial, echo and ready messages between
    the three correct processes (2^9 patterns), each in several random delivery orders:
    the correct processes accept one value or none, and all of them or none of them."""
    rng = np.random.default_rng(0)
    outcomes = set()
    for bits in itertools.product((0, 1), repeat=9):
        pattern = {(k, r): bits[3 * k + r] for k in range(3) for r in range(3)}
        for _ in range(3):
            got = _rb_with_pattern(pattern, rng)
            assert len(set(got.values())) <= 1 and len(got) in (0, 3), (pattern, got)
            outcomes.add(tuple(sorted(set(got.values()))))
    assert outcomes == {(), (0,), (1,)}  # the search saw acceptance of each value, and none
