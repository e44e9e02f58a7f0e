"""Exhaustive search over Bracha's rounds at small n, with reliable broadcast abstracted.

Reliable broadcast (tested on its own in test_bracha.py and in the simulator) gives every
correct process the same value from each origin, so a round reduces to choices: which
value each Byzantine process broadcasts in each step (any value the validation accepts, or
nothing), which n - t validated values each correct process acts on, and every coin. The
search tries all of them for a bounded number of rounds and checks agreement, validity and
the safety invariant (once a correct process has decided v, every correct process starts
the next round with v) in every reachable state.
"""

from __future__ import annotations

import itertools

import pytest

from benor_lib.protocol.bracha import (
    Step,
    justified,
    majority_of,
    proposal_outcome,
    report_outcome,
)
from benor_lib.protocol.rules import standard_rules


def _subset_counts(avail, q):
    """Every (zeros, ones, blanks) a process can hear: q of the available values."""
    c0 = sum(1 for v in avail if v == 0)
    c1 = sum(1 for v in avail if v == 1)
    cq = len(avail) - c0 - c1
    for a0 in range(min(c0, q) + 1):
        for a1 in range(min(c1, q - a0) + 1):
            if q - a0 - a1 <= cq:
                yield [0] * a0 + [1] * a1 + [None] * (q - a0 - a1)


def _outcomes(rules, step, avail, x, decision, skip_majority=False):
    """The (next value, decision) a correct process can reach from the available values."""
    out = set()
    if skip_majority and step == Step.MAJORITY:
        return {(x, decision)}  # Ben-Or's round: the process keeps its own value
    for heard in _subset_counts(avail, rules.quorum):
        if step == Step.MAJORITY:
            out.add((majority_of(heard), decision))
        elif step == Step.REPORT:
            out.add((report_outcome(rules, heard), decision))
        else:
            what, v = proposal_outcome(rules, heard)
            if decision is not None:
                out.add((decision, decision))
            elif what == "decide":
                out.add((v, v))
            elif what == "adopt":
                out.add((v, None))
            else:
                out.update({(0, None), (1, None)})
    return out


def _key(v):
    return -1 if v is None else v


def _canonical(vals, decisions):
    """Correct processes are interchangeable: a state is the sorted (value, decision) pairs."""
    pairs = sorted(zip(vals, decisions, strict=True), key=lambda p: (_key(p[0]), _key(p[1])))
    return tuple(v for v, _ in pairs), tuple(d for _, d in pairs)


def explore(n, t, rounds, skip_majority=False):
    """Every reachable state for every input vector; returns (states, decisions seen)."""
    rules = standard_rules(n, t, "bracha", allow_unsafe=True)
    correct = n - t
    seen: set = set()
    decided_values: set = set()
    for inputs in itertools.combinations_with_replacement((0, 1), correct):
        unanimous = inputs[0] if len(set(inputs)) == 1 else None
        stack = [(1, Step.MAJORITY, inputs, (None,) * correct, (), unanimous)]
        while stack:
            state = stack.pop()
            if state in seen:
                continue
            seen.add(state)
            rnd, step, vals, decisions, prev, unanimous = state
            decided = {d for d in decisions if d is not None}
            assert len(decided) <= 1, f"agreement broken: {state}"
            if unanimous is not None:
                assert decided <= {unanimous}, f"validity broken: {state}"
            if step == Step.MAJORITY and rnd > 1 and decided:
                assert set(vals) == decided, f"invariant broken: {state}"
            if rnd > rounds:
                continue
            domain = (0, 1, None) if step == Step.PROPOSAL else (0, 1)
            # without the majority step a report is the process's own x, justified as x is
            check = Step.MAJORITY if skip_majority and step == Step.REPORT else step
            byz_options = [
                v
                for v in domain
                if rnd == 1 and check == Step.MAJORITY or justified(rules, rnd, check, v, prev)
            ]
            nxt = (rnd + 1, Step.MAJORITY) if step == Step.PROPOSAL else (rnd, step + 1)
            for byz in itertools.combinations_with_replacement([*byz_options, "silent"], t):
                avail = list(vals) + [v for v in byz if v != "silent"]
                prev_values = tuple(sorted(avail, key=_key))
                if skip_majority and step == Step.MAJORITY:
                    prev_values = prev  # the skipped step changes nothing
                choices = [
                    _outcomes(rules, step, avail, x, d, skip_majority)
                    for x, d in zip(vals, decisions, strict=True)
                ]
                for pick in set(
                    _canonical(*zip(*p, strict=True)) for p in itertools.product(*choices)
                ):
                    decided_values.update(d for d in pick[1] if d is not None)
                    stack.append((*nxt, *pick, prev_values, unanimous))
    return seen, decided_values


@pytest.mark.parametrize(("n", "t", "rounds"), [(4, 1, 4), (5, 1, 3), (7, 2, 2)])
def test_exhaustive_no_violation_when_n_greater_than_3t(n, t, rounds):
    states, decided = explore(n, t, rounds)
    assert len(states) > 100  # the search really branched
    assert decided == {0, 1}  # both values can be decided (from different inputs)


def test_at_n_equal_3t_nothing_can_be_decided():
    """At n = 3t a process hears 2t values but deciding needs more than 2t D-messages:
    Bracha's thresholds stay safe and lose liveness."""
    states, decided = explore(3, 1, 3)
    assert len(states) > 10 and decided == set()


def test_without_validation_the_invariant_breaks(monkeypatch):
    """The search has teeth: let a Byzantine process send anything (no validation) and,
    after a decision, it can steer a correct process away from the decided value."""
    monkeypatch.setattr(__import__(__name__), "justified", lambda *args: True)
    with pytest.raises(AssertionError, match="invariant broken|agreement broken"):
        explore(4, 1, 2)


def test_without_the_majority_step_validity_breaks():
    """Ben-Or's two steps alone on reliable broadcast: with every correct input 0, a
    Byzantine 1 can leave processes without a D-message, and the coins can then decide 1."""
    with pytest.raises(AssertionError, match="validity broken"):
        explore(4, 1, 2, skip_majority=True)
