"""Bracha's variant in the simulator: bounds, faults, schedulers, safety, replay, narration."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import benor_lib as bl
from benor_lib.protocol.events import DELIVER, EventKind
from benor_lib.protocol.rules import max_t


def test_bound_and_options_are_checked():
    with pytest.raises(ValueError, match="n > 3t"):
        bl.run(6, 2, 0, variant="bracha")
    assert bl.run(6, 2, 0, variant="bracha", allow_unsafe=True, max_rounds=2).status in (
        "decided",
        "undecided",
    )
    with pytest.raises(ValueError, match="keep_running"):
        bl.run(4, 1, 0, variant="bracha", decided_policy="halt")
    with pytest.raises(ValueError, match="split adversary"):
        bl.run(4, 1, 0, variant="bracha", scheduler="split")
    with pytest.raises(ValueError, match="variant"):
        bl.run(4, 1, 0, variant="brach")


def test_a_run_has_three_steps_and_reliable_broadcast():
    r = bl.run(4, 1, [0, 0, 1, 1], variant="bracha", faults=[bl.Byzantine(3)], seed=3)
    assert r.status == "decided" and not r.violations
    steps = {e.phase for e in r.trace if e.kind == DELIVER}
    assert steps == {1, 2, 3}
    kinds = {e.rb for e in r.trace if e.kind == DELIVER}
    assert kinds == {0, 1, 2}  # initial, echo, ready
    assert r.events(EventKind.MAJORITY) and r.events(EventKind.ACCEPT)
    assert all(len(k) == 6 for k in r.deliveries())


def test_byzantine_equivocation_is_filtered():
    """An equivocating process tells half the processes 0 and half 1; reliable broadcast
    lets every correct process accept the same value or none."""
    for seed in range(6):
        r = bl.run(4, 1, [1, 1, 0, 0], variant="bracha", faults=[bl.Byzantine(0)], seed=seed)
        accepted: dict[tuple, set] = {}
        for e in r.events(EventKind.ACCEPT):
            if e.pid != 0:
                accepted.setdefault((e.sender, e.round, e.phase), set()).add(e.value)
        assert all(len(vals) == 1 for vals in accepted.values())
        assert r.status == "decided" and not r.violations


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.sampled_from([4, 5, 7]),
    bits=st.integers(0, 2**7 - 1),
    behaviour=st.sampled_from(["equivocate", "always", "adaptive", "silent"]),
    value=st.integers(0, 1),
    scheduler=st.sampled_from(["uniform", "random_order", "fifo"]),
    crash=st.booleans(),
    seed=st.integers(0, 2**20),
)
def test_no_violation_at_n_3t_plus_1(n, bits, behaviour, value, scheduler, crash, seed):
    """Agreement, validity and termination hold with t faulty processes, n > 3t."""
    t = max_t(n, "bracha")
    inputs = [(bits >> i) & 1 for i in range(n)]
    faults: list = [bl.Byzantine(n - 1, behaviour, value=value)]
    if t > 1:
        faults.append(bl.Crash(0, 1, 2, 2) if crash else bl.Byzantine(0, "equivocate"))
    r = bl.run(
        n,
        t,
        inputs,
        variant="bracha",
        faults=faults,
        scheduler=scheduler,
        seed=seed,
        max_rounds=200,
        keep_trace=False,
    )
    assert not r.violations, r.summary()
    assert r.status == "decided"


@pytest.mark.parametrize("seed", range(4))
def test_replay_is_the_identity(seed):
    faults = [bl.Byzantine(1, ["equivocate", "adaptive", "always", "silent"][seed])]
    r = bl.run(4, 1, "random", variant="bracha", faults=faults, scheduler="random_order", seed=seed)
    script = r.deliveries()
    again = r.replay(upto=len(script))
    assert again.trace == r.trace and again.decisions == r.decisions
    half = r.replay(upto=len(script) // 2)
    assert half.trace == r.trace[: len(half.trace)]


def test_narration_says_every_step():
    r = bl.run(4, 1, [0, 1, 1, 1], variant="bracha", faults=[bl.Byzantine(0)], seed=1)
    lines = r.narrate()
    assert any("majority" in s for s in lines) and any("decides" in s for s in lines)
    every = r.narrate(deliveries=True)
    assert len(every) == len(r.trace) and not [s for s in every if ": " in s[:8]]
    assert any("accepts" in s for s in every) and any("echo(" in s for s in every)
    # the Byzantine p0's own copy of the protocol paces its lies: it is not narrated
    assert not [s for s in lines if s.startswith("p0 ") and "decides" in s]
    assert any(s.startswith("p0 (Byzantine) starts its round-1") for s in lines)


def test_break_it_search_finds_a_replayable_violation_at_n_3t():
    found = bl.find_violation(3, 1, variant="bracha", byzantine=1, seed=0, max_runs=10, budget_s=4)
    assert found and found.kind == "termination"
    r = found.run
    assert r.status == "blocked" and r.violations
    again = r.replay(upto=len(r.deliveries()))
    assert again.trace == r.trace and again.violations == r.violations
    assert not bl.find_violation(4, 1, variant="bracha", byzantine=1, seed=0, max_runs=8)


def test_message_count_is_cubic():
    """A fault-free round sends 3 steps x n broadcasts x (n initial + n^2 echo + n^2 ready)."""
    for n in (4, 5):
        r = bl.run(n, 1, 0, variant="bracha", seed=0, scheduler="fifo")
        sent: dict[int, int] = {}
        for e in r.trace:
            if e.kind == "send":
                sent[e.round] = sent.get(e.round, 0) + len(e.receivers)
        assert r.rounds == 1
        assert sent[1] == 3 * n * (n + 2 * n * n)


def test_inputs_and_seeds_reproduce():
    a = bl.run(5, 1, "random", variant="bracha", seed=np.int64(7).item())
    b = bl.run(5, 1, "random", variant="bracha", seed=7)
    assert a.trace == b.trace
