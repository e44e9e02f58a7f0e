"""`Process` is indifferent to the order in which the messages of a quorum arrive.

A process acts on the first ``quorum`` distinct senders of each round and phase; which
messages those are is the scheduler's choice, but in what order they come within the
quorum must not matter: the same broadcasts, the same estimate, the same decision.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from benor_lib import Process, standard_rules


@st.composite
def one_round(draw):
    """A configuration and one round of messages: a quorum of reports, then of proposals,
    interleaved in some order (proposals may come before the reports are complete)."""
    variant = draw(st.sampled_from(("crash", "byzantine")))
    if variant == "crash":
        n = draw(st.integers(1, 9))
        t = draw(st.integers(0, (n - 1) // 2))
    else:
        t = draw(st.integers(0, 1))
        n = draw(st.integers(5 * t + 1, 5 * t + 4))
    rules = standard_rules(n, t, variant)
    pid = draw(st.integers(0, n - 1))
    others = [s for s in range(n) if s != pid]
    reports = [pid, *draw(st.permutations(others))[: rules.quorum - 1]]
    proposals = [pid, *draw(st.permutations(others))[: rules.quorum - 1]]
    report_values = draw(st.lists(st.integers(0, 1), min_size=len(reports), max_size=len(reports)))
    proposal_values = draw(
        st.lists(st.sampled_from((0, 1, None)), min_size=len(proposals), max_size=len(proposals))
    )
    messages = [(s, 1, 1, v) for s, v in zip(reports, report_values, strict=True)]
    messages += [(s, 1, 2, v) for s, v in zip(proposals, proposal_values, strict=True)]
    order = draw(st.permutations(range(len(messages))))
    return rules, pid, messages, [messages[i] for i in order]


def _outcome(rules, pid, messages) -> tuple:
    proc = Process(pid, rules, 0, lambda p, r, x: 1)  # a fixed coin
    broadcasts = []
    for sender, rnd, phase, value in messages:
        broadcasts += proc.receive(sender, rnd, phase, value).broadcasts
    return (
        [(b.round, int(b.phase), b.value) for b in broadcasts],
        proc.x,
        proc.decision,
        proc.decision_round,
        proc.round,
        int(proc.phase),
    )


@settings(max_examples=120, deadline=None)
@given(case=one_round())
def test_the_order_within_a_quorum_does_not_matter(case) -> None:
    rules, pid, in_order, shuffled = case
    expected = _outcome(rules, pid, in_order)
    assert expected[4] == 2, "a full round of messages ends the round"
    assert _outcome(rules, pid, shuffled) == expected


def test_the_outcome_depends_on_the_values() -> None:
    # the comparison above would pass for a process that ignored its messages: not this one
    rules = standard_rules(5, 1)
    ones = [(s, 1, 1, 1) for s in range(4)] + [(s, 1, 2, 1) for s in range(4)]
    zeros = [(s, 1, 1, 0) for s in range(4)] + [(s, 1, 2, 0) for s in range(4)]
    assert _outcome(rules, 0, ones)[2] == 1 and _outcome(rules, 0, zeros)[2] == 0
