"""The safety invariant as a predicate (benor_lib.simulation.checks): on hand-made states,
and along the traces of runs, where it holds for the real rules and breaks for weakened ones."""

from typing import NamedTuple

import benor_lib as bl
from benor_lib.simulation.checks import (
    check_invariant,
    check_invariant_along_trace,
    invariant_holds,
    states_along_trace,
)


class S(NamedTuple):
    pid: int
    round: int
    x: int
    decision: int | None
    decision_round: int | None


def test_predicate_on_hand_made_states():
    # p0 decided 1 in round 2; p1 is in round 3 holding 1, p2 still in round 2 holding 0
    ok = [S(0, 3, 1, 1, 2), S(1, 3, 1, None, None), S(2, 2, 0, None, None)]
    assert invariant_holds(ok) and check_invariant(ok) == []
    # p2 enters round 3 holding 0: broken
    bad = [S(0, 3, 1, 1, 2), S(1, 3, 1, None, None), S(2, 3, 0, None, None)]
    (v,) = check_invariant(bad)
    assert v.kind == "invariant" and "p0 decided 1 in round 2" in v.message and "p2" in v.message
    assert not invariant_holds(bad)
    # no decision, no constraint
    assert invariant_holds([S(0, 5, 0, None, None), S(1, 5, 1, None, None)])


def test_states_follow_the_run():
    r = bl.run(5, 1, [0, 0, 1, 1, 1], seed=3)
    states = list(states_along_trace(r.trace, r.n))
    assert states, "a run passes through states"
    last = {s.pid: s for s in states[-1]}
    # the last state agrees with the run's own final process states
    for f in r.final:
        assert (last[f.pid].x, last[f.pid].decision) == (f.x, f.decision)
        assert last[f.pid].decision_round == f.decision_round
    assert all(invariant_holds(s) for s in states)


def test_real_rules_keep_it_weakened_rules_break_it():
    # deciding on t D-messages instead of more than t: a process can miss all of them
    weak = bl.standard_rules(5, 2).with_changes(decide_twice=2 * 1)
    broken = agreement_broken = 0
    for seed in range(200):
        good = bl.run(5, 2, "random", scheduler="random_order", seed=seed, max_rounds=50)
        assert check_invariant_along_trace(good.trace, good.n) == []
        r = bl.run(5, 2, "random", rules=weak, scheduler="random_order", seed=seed, max_rounds=50)
        found = check_invariant_along_trace(r.trace, r.n)
        broken += bool(found)
        agreement_broken += any(v.kind == "agreement" for v in r.violations)
        if any(v.kind == "agreement" for v in r.violations):
            assert found, "a run that breaks agreement breaks the invariant first"
    assert broken > 0
    assert broken >= agreement_broken


def test_byzantine_processes_can_be_left_out():
    r = bl.run(6, 1, "random", variant="byzantine", faults=[bl.Byzantine(5, "adaptive")], seed=4)
    states = list(states_along_trace(r.trace, r.n, skip=[5]))
    assert states and all(s.pid != 5 for st in states for s in st)
