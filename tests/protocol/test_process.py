"""The process state machine and the thresholds, at their exact boundaries."""

import pytest

from benor_lib import Process, standard_rules
from benor_lib.protocol.events import ADOPT, COIN, DECIDE, PROPOSAL, PROPOSE


def _fresh(n, t, variant="crash", x=0, pid=0, coin=lambda p, r, x: 0, policy="keep_running"):
    return Process(pid, standard_rules(n, t, variant), x, coin, policy)


def _feed_reports(proc, values):
    """Deliver round-1 reports from senders 0..k-1 (the process's own pid first)."""
    out = []
    senders = [proc.pid] + [s for s in range(proc.rules.n) if s != proc.pid]
    for s, v in zip(senders, values, strict=False):
        out.append(proc.receive(s, 1, 1, v))
    return out


def _proposal_after(n, t, variant, values):
    proc = _fresh(n, t, variant, x=values[0])
    outs = _feed_reports(proc, values)
    events = [e for o in outs for e in o.events if e.kind == PROPOSE]
    assert len(events) == 1
    return events[0].value


@pytest.mark.parametrize(
    "values, expected",
    [
        ((1, 1, 1, 0), 1),  # 3 of 4: more than n/2 = 2.5
        ((1, 1, 0, 0), None),  # 2 of 4: not more than 2.5
        ((0, 0, 0, 1), 0),
        ((0, 0, 0, 0), 0),
    ],
)
def test_crash_d_message_boundary_n5(values, expected):
    assert _proposal_after(5, 1, "crash", values) == expected


def test_crash_d_message_boundary_n4_needs_three_of_three():
    # n=4, t=1: quorum 3; D needs more than 2, i.e. all 3
    assert _proposal_after(4, 1, "crash", (1, 1, 1)) == 1
    assert _proposal_after(4, 1, "crash", (1, 1, 0)) is None


@pytest.mark.parametrize(
    "values, expected",
    [
        ((1, 1, 1, 1, 0), 1),  # 4 of 5: 2*4 = 8 > n + t = 7
        ((1, 1, 1, 0, 0), None),  # 3 of 5: 6 > 7 fails
        ((0, 0, 0, 0, 1), 0),
    ],
)
def test_byzantine_d_message_boundary_n6_t1(values, expected):
    assert _proposal_after(6, 1, "byzantine", values) == expected


def _conclude(n, t, variant, proposals, coin_value=0):
    coin = lambda p, r, x: coin_value  # noqa: E731
    proc = Process.resume(0, standard_rules(n, t, variant), 0, coin, phase=PROPOSAL)
    events = []
    senders = [0] + list(range(1, n))
    for s, v in zip(senders, proposals, strict=False):
        events += proc.receive(s, 1, 2, v).events
    kinds = [e.kind for e in events if e.kind in (ADOPT, COIN, DECIDE)]
    assert len(kinds) == 1
    return kinds[0], proc


def test_crash_adopt_on_at_least_one_d_message():
    kind, proc = _conclude(5, 1, "crash", (None, 1, None, None), coin_value=0)
    assert kind == ADOPT and proc.x == 1 and proc.decision is None


def test_crash_decide_needs_more_than_t():
    kind, proc = _conclude(5, 1, "crash", (1, 1, None, None))
    assert kind == DECIDE and proc.decision == 1 and proc.decision_round == 1
    kind, proc = _conclude(5, 2, "crash", (1, 1, None))  # t=2: two D(1) is not more than 2
    assert kind == ADOPT and proc.decision is None


def test_coin_when_no_d_message():
    kind, proc = _conclude(5, 1, "crash", (None, None, None, None), coin_value=1)
    assert kind == COIN and proc.x == 1


def test_byzantine_adopt_and_decide_thresholds_n6_t1():
    # adopt needs t+1 = 2 D(v); decide needs 2*count > n + t = 7, i.e. 4
    kind, proc = _conclude(6, 1, "byzantine", (1, None, None, None, None), coin_value=0)
    assert kind == COIN and proc.x == 0
    kind, proc = _conclude(6, 1, "byzantine", (1, 1, None, None, None))
    assert kind == ADOPT and proc.x == 1
    kind, proc = _conclude(6, 1, "byzantine", (1, 1, 1, None, None))
    assert kind == ADOPT and proc.decision is None
    kind, proc = _conclude(6, 1, "byzantine", (1, 1, 1, 1, None))
    assert kind == DECIDE and proc.decision == 1


def test_acts_on_exactly_the_first_quorum_and_ignores_the_rest():
    proc = _fresh(5, 1, x=1)
    outs = _feed_reports(proc, (1, 1, 0, 0, 1))
    statuses = [o.status for o in outs]
    assert statuses == ["counted"] * 4 + ["stale"]
    (ev,) = [e for o in outs for e in o.events if e.kind == PROPOSE]
    assert ev.heard == (1, 1, 0, 0) and ev.value is None


def test_duplicates_ignored_and_later_rounds_kept():
    proc = _fresh(5, 1, x=1)
    assert proc.receive(0, 1, 1, 1).status == "counted"
    assert proc.receive(0, 1, 1, 1).status == "duplicate"
    # a proposal of round 1 and a report of round 2 arrive early: kept for later
    assert proc.receive(3, 1, 2, 1).status == "buffered"
    assert proc.receive(3, 2, 1, 0).status == "buffered"
    for s in (1, 2, 4):
        proc.receive(s, 1, 1, 1)
    assert proc.phase == 2  # it proposed after its 4th distinct report
    assert proc.heard_count() == 1  # the buffered proposal from p3 now counts
    for s in (0, 1, 2):
        proc.receive(s, 1, 2, 1)
    assert proc.decision == 1 and proc.round == 2


def test_extra_future_messages_beyond_quorum_are_ignored():
    proc = _fresh(5, 1, x=0)
    for s in range(4):
        assert proc.receive(s, 3, 1, 1).status == "buffered"
    assert proc.receive(4, 3, 1, 1).status == "extra"


def test_halt_policies():
    for policy, expected_broadcasts in (("halt", 0), ("halt_after_next", 2), ("keep_running", 1)):
        rules = standard_rules(5, 1)
        proc = Process.resume(0, rules, 0, lambda *a: 0, phase=PROPOSAL, policy=policy)
        bcasts = []
        for s in range(4):
            bcasts += proc.receive(s, 1, 2, 0).broadcasts
        assert proc.decision == 0
        assert len(bcasts) == expected_broadcasts
        assert proc.halted == (policy != "keep_running")
        if policy == "halt_after_next":
            assert [(b.round, b.phase, b.value) for b in bcasts] == [(2, 1, 0), (2, 2, 0)]
        if proc.halted:
            assert proc.receive(0, 2, 1, 0).status == "halted"


def test_resume_starts_in_the_given_state_and_acts_from_there():
    rules = standard_rules(5, 1)
    proc = Process.resume(2, rules, 1, lambda *a: 0, round=3, phase=PROPOSAL, decision=1)
    assert (proc.round, proc.phase, proc.x, proc.decision, proc.decision_round) == (
        3,
        PROPOSAL,
        1,
        1,
        3,
    )
    assert proc.receive(0, 3, 1, 1).status == "stale"  # its reports of round 3 are over
    events = [e for s in range(4) for e in proc.receive(s, 3, PROPOSAL, None).events]
    assert [e.kind for e in events] == [] and proc.round == 4 and proc.x == 1  # no coin: decided
    with pytest.raises(ValueError, match="decision_round needs a decision"):
        Process.resume(0, rules, 0, lambda *a: 0, decision_round=2)
