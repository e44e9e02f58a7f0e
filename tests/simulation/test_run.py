"""benor_lib.run: schedulers, faults, coins, policies, determinism and the trace."""

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import benor_lib as bl
from benor_lib import Byzantine, Crash, Scripted, run
from benor_lib.protocol.events import COIN, CRASH, DECIDE, DELIVER, PROPOSE, SEND

SCHEDULERS = ("uniform", "random_order", "fifo", "split")


@pytest.mark.parametrize("scheduler", SCHEDULERS)
@pytest.mark.parametrize("v", (0, 1))
@pytest.mark.parametrize(
    "n, t, faults",
    [
        (3, 1, ()),
        (5, 1, [Crash(4)]),
        (5, 2, [Crash(0), Crash(3, round=1, phase=1, after=2)]),
        (7, 3, 3),
        (9, 4, [Crash(1, after=5), Crash(2, phase=2, after=3), Crash(8)]),
    ],
)
def test_trivial_case_decides_in_round_one_crash(n, t, faults, scheduler, v):
    for seed in range(3):
        r = run(n, t, [v] * n, scheduler=scheduler, faults=faults, seed=seed)
        assert r.status == "decided", r.summary()
        assert r.rounds == 1
        assert all(r.decisions[p] == v for p in r.correct)
        assert not r.events(COIN)  # the trivial case can never reach a coin flip


@pytest.mark.parametrize("scheduler", SCHEDULERS)
@pytest.mark.parametrize("behaviour", ("silent", "always", "equivocate", "adaptive"))
def test_trivial_case_decides_in_round_one_byzantine(scheduler, behaviour):
    n, t = 11, 2
    for v in (0, 1):
        faults = [Byzantine(3, behaviour, value=1 - v), Byzantine(7, behaviour, value=1 - v)]
        r = run(n, t, [v] * n, variant="byzantine", scheduler=scheduler, faults=faults, seed=v)
        assert r.status == "decided", r.summary()
        assert r.rounds == 1
        assert {r.decisions[p] for p in r.correct} == {v}
        assert not r.violations


def test_same_seed_same_trace_and_different_seed_differs():
    a = run(5, 1, "random", seed=42, scheduler="random_order")
    b = run(5, 1, "random", seed=42, scheduler="random_order")
    c = run(5, 1, "random", seed=43, scheduler="random_order")
    assert a.trace == b.trace and a.decisions == b.decisions
    assert a.trace != c.trace


def test_seed_accepts_a_generator():
    r1 = run(5, 1, "random", seed=np.random.default_rng(5))
    r2 = run(5, 1, "random", seed=np.random.default_rng(5))
    assert r1.trace == r2.trace


def test_halt_at_once_with_a_crash_blocks():
    blocked = []
    # p4 crashes while sending its round-1 proposal, so the others' views differ: some
    # decide in round 1 and halt, and the rest wait for reports that never come
    crash = Crash(4, round=1, phase=2, after=2)
    for seed in range(40):
        r = run(5, 1, "random", faults=[crash], decided_policy="halt", seed=seed)
        assert r.status in ("decided", "blocked")
        if r.status == "blocked":
            blocked.append(r)
            assert [v.kind for v in r.violations] == ["termination"]
            assert "waits for" in r.reason
    assert blocked, "halting at once with a crash should leave someone waiting in some run"


def test_halt_after_next_is_safe():
    for seed in range(40):
        r = run(5, 1, "random", faults=[Crash(4)], decided_policy="halt_after_next", seed=seed)
        assert r.status == "decided" and not r.violations


def test_uniform_scheduler_hears_own_message_first_and_exactly_quorum():
    r = run(7, 2, "random", seed=3)
    for e in r.events(PROPOSE):
        assert e.senders[0] == e.pid and len(e.senders) == 5 == len(set(e.senders))


def test_uniform_subsets_are_uniform():
    # p0's phase-1 view in round 1: own + 3 of the 4 others; each other is left out 1/4 of runs
    left_out = np.zeros(5)
    runs = 2000
    for seed in range(runs):
        r = run(5, 1, [0, 0, 0, 1, 1], seed=seed)
        ev = next(e for e in r.events(PROPOSE) if e.pid == 0)
        missing = set(range(5)) - set(ev.senders)
        left_out[list(missing)] += 1
    share = left_out[1:] / runs
    tol = 4 * np.sqrt(0.25 * 0.75 / runs)
    assert np.all(np.abs(share - 0.25) < tol), share
    assert left_out[0] == 0


def test_split_adversary_prevents_d_messages_when_it_can():
    # n = 2t + 1: a view of t + 1 reports always mixes both values if both exist
    for seed in range(10):
        r = run(7, 3, [0, 1, 0, 1, 0, 1, 1], scheduler="split", seed=seed, max_rounds=3)
        round1 = [e for e in r.events(PROPOSE) if e.round == 1]
        assert round1 and all(e.value is None for e in round1)


def test_split_shows_fewest_d_messages():
    # n=5, t=1: the adversary shows each process as few D-messages as it can (own included)
    for seed in range(10):
        r = run(5, 1, [1, 1, 1, 1, 0], scheduler="split", seed=seed)
        props = {e.pid: e.value for e in r.events(PROPOSE) if e.round == 1}
        d = sum(v is not None for v in props.values())
        concluded = [e for e in r.trace if e.kind in ("adopt", "decide", "coin") and e.round == 1]
        assert len(concluded) == 5
        for e in concluded:
            heard_d = sum(v is not None for v in e.heard)
            if props[e.pid] is not None:
                expected = 1 + max(0, 3 - (5 - d))
            else:
                expected = max(0, 3 - (4 - d))
            assert heard_d == expected


def test_mid_broadcast_crash_reaches_only_the_first_receivers():
    r = run(5, 1, [1, 1, 1, 1, 0], faults=[Crash(4, round=1, phase=1, after=2)], seed=1)
    (send,) = [e for e in r.events(SEND) if e.pid == 4]
    assert send.receivers == (0, 1) and send.cut_short
    assert any(e.kind == CRASH and e.pid == 4 for e in r.trace)
    receivers = {e.pid for e in r.events(DELIVER) if e.sender == 4}
    assert receivers <= {0, 1}
    assert "crashed" in r.faulty[4]


def test_every_delivery_was_sent_and_none_twice():
    for scheduler in SCHEDULERS:
        r = run(6, 2, "random", scheduler=scheduler, seed=9, faults=[Crash(5, after=3)])
        sent = set()
        for e in r.trace:
            if e.kind == SEND:
                for rec in e.receivers:
                    sent.add((e.pid, rec, e.round, e.phase))
        delivered = [(e.sender, e.pid, e.round, e.phase) for e in r.events(DELIVER)]
        assert len(delivered) == len(set(delivered))
        assert set(delivered) <= sent


def test_scripted_scheduler_replays_and_stops_when_the_script_ends():
    ref = run(5, 1, "random", seed=11, scheduler="random_order")
    again = run(
        5,
        1,
        list(ref.inputs),
        scheduler=Scripted(ref.deliveries()),
        coin=ref.coin_flips(),
    )
    assert again.trace == ref.trace
    part = ref.replay(upto=7)
    assert part.status == "undecided" and part.end_reason == "script_ended"
    assert len(part.events(DELIVER)) == 7


def test_scripted_callback_and_fallback():
    calls = []

    def first_in_flight(view):
        calls.append(1)
        if len(calls) > 10:
            return None
        return min(view.inflight)

    r = run(5, 1, "random", seed=2, scheduler=Scripted(first_in_flight, then="fifo"))
    assert r.status == "decided" and len(calls) == 11


def test_scripted_rejects_a_message_not_in_flight():
    with pytest.raises(ValueError, match="not in flight"):
        run(3, 1, [0, 1, 1], scheduler=[(0, 1, 5, 1)])


def test_common_coin_is_shared_within_a_round():
    for seed in range(20):
        r = run(5, 2, "random", coin="common", scheduler="split", seed=seed, max_rounds=20)
        by_round = {}
        for e in r.events(COIN):
            by_round.setdefault(e.round, set()).add(e.value)
        assert all(len(v) == 1 for v in by_round.values())


def test_deterministic_coin_rules():
    r = run(3, 1, [0, 1, 1], coin="pid_parity", scheduler="split", max_rounds=6)
    for e in r.events(COIN):
        assert e.value == e.pid % 2
    r = run(3, 1, [0, 1, 1], coin="zero", scheduler="split", max_rounds=6)
    assert all(e.value == 0 for e in r.events(COIN))


def test_keep_rule_and_split_adversary_never_decide():
    # The FLP demonstration: with a deterministic coin the split adversary keeps n=3 split
    r = run(3, 1, [0, 1, 1], coin="keep", scheduler="split", max_rounds=50, seed=0)
    assert r.status == "undecided" and not r.decisions
    assert r.rounds == 50
    coin_r = run(3, 1, [0, 1, 1], coin="local", scheduler="split", max_rounds=500, seed=0)
    assert coin_r.status == "decided"


def test_decided_processes_keep_running_and_lag_is_one_round():
    for seed in range(30):
        r = run(5, 1, "random", seed=seed)
        first = min(r.decision_rounds.values())
        assert r.rounds - first <= 1


def test_narration_is_plain_sentences():
    r = run(5, 1, [0, 0, 1, 1, 1], seed=1)
    lines = r.narrate()
    assert lines[0] == "p0 starts with input x=0."
    assert any("so it sends D(1)" in line or "so it sends ?" in line for line in lines)
    assert any(("decides" in line) for line in lines)
    assert r.summary().startswith("All correct processes decided")
    full = r.narrate(deliveries=True)
    assert len(full) > len(lines)


def test_byzantine_equivocation_cannot_break_a_correct_configuration():
    for seed in range(30):
        r = run(
            11,
            2,
            "random",
            variant="byzantine",
            faults=[Byzantine(0, "equivocate"), Byzantine(1, "adaptive")],
            scheduler=SCHEDULERS[seed % 4],
            seed=seed,
            max_rounds=200,
        )
        assert not r.violations, r.summary()


def test_run_exports():
    assert set(bl.SCHEDULER_NAMES) == set(SCHEDULERS)
    assert "local" in bl.COIN_NAMES and "pid_parity" in bl.COIN_NAMES


def test_decide_event_has_the_heard_proposals():
    r = run(5, 1, [1, 1, 1, 1, 1], seed=0)
    for e in r.events(DECIDE):
        assert sum(v == 1 for v in e.heard) >= 2


@pytest.mark.parametrize("n,t", [(3, 1), (4, 1), (5, 2)])
def test_all_input_vectors_small_n(n, t):
    for inputs in itertools.product((0, 1), repeat=n):
        r = run(n, t, list(inputs), seed=sum(inputs), max_rounds=300)
        assert r.status == "decided" and not r.violations
        assert r.decided_value in inputs


# --- exact replays for every fault kind (issue 15) ------------------------------------

BEHAVIOURS = ("silent", "always", "equivocate", "adaptive", "scripted")


def _byzantine(pid: int, behaviour: str, value: int) -> Byzantine:
    if behaviour != "scripted":
        return Byzantine(pid, behaviour, value=value)
    return Byzantine(pid, "scripted", script=lambda r, rnd, phase, xs: (r + rnd + value) % 2)


def test_replay_of_a_silent_byzantine_run_is_exact():
    # the example: it decided in round 4 and its replay in round 3
    r = run(6, 1, "random", variant="byzantine", faults=[Byzantine(5, "silent")], seed=0)
    again = r.replay()
    assert again.trace == r.trace and again.rounds == r.rounds
    byz_coins = [e for e in r.events(COIN) if e.pid == 5]
    assert len(r.coin_flips()) == len(r.events(COIN)) - len(byz_coins)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    scheduler=st.sampled_from(SCHEDULERS),
    behaviour=st.sampled_from(BEHAVIOURS),
    value=st.integers(0, 1),
    n=st.integers(6, 8),
    pid=st.integers(0, 5),
)
def test_replay_is_exact_for_every_byzantine_behaviour(seed, scheduler, behaviour, value, n, pid):
    r = run(
        n,
        1,
        "random",
        variant="byzantine",
        scheduler=scheduler,
        faults=[_byzantine(pid, behaviour, value)],
        seed=seed,
        max_rounds=20,
    )
    again = r.replay()
    assert again.trace == r.trace
    assert (again.status, again.rounds, again.decisions) == (r.status, r.rounds, r.decisions)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    scheduler=st.sampled_from(SCHEDULERS),
    policy=st.sampled_from(("keep_running", "halt_after_next", "halt")),
    crash=st.tuples(st.integers(1, 4), st.integers(1, 2), st.integers(0, 5)),
    coin=st.sampled_from(("local", "common")),
)
def test_replay_is_exact_for_every_crash(seed, scheduler, policy, crash, coin):
    rnd, phase, after = crash
    r = run(
        5,
        2,
        "random",
        scheduler=scheduler,
        faults=[Crash(4, rnd, phase, after), Crash(0)],
        coin=coin,
        seed=seed,
        max_rounds=20,
        decided_policy=policy,
    )
    again = r.replay()
    assert again.trace == r.trace and again.status == r.status


def test_a_scripted_scheduler_reused_replays_its_script_again():
    ref = run(5, 1, "random", seed=3)
    sched = Scripted(ref.deliveries())
    first = run(5, 1, list(ref.inputs), scheduler=sched, coin=ref.coin_flips())
    second = run(5, 1, list(ref.inputs), scheduler=sched, coin=ref.coin_flips())
    assert first.trace == second.trace == ref.trace


def test_keep_trace_false_keeps_the_outcome_and_counts_the_events():
    full = run(7, 3, [0, 0, 0, 1, 1, 1, 1], scheduler="split", seed=2, max_rounds=40)
    lean = run(
        7, 3, [0, 0, 0, 1, 1, 1, 1], scheduler="split", seed=2, max_rounds=40, keep_trace=False
    )
    assert lean.trace == () and not lean.kept_trace
    assert (lean.status, lean.rounds, lean.decisions) == (full.status, full.rounds, full.decisions)
    assert lean.event_counts == full.event_counts
    assert lean.event_count == len(full.trace)
    with pytest.raises(ValueError, match="keep_trace=True"):
        lean.replay()


def test_an_unreached_crash_is_not_reported_as_a_crash():
    r = run(5, 1, "random", faults=[Crash(0, round=10**9)], seed=1)
    assert "did not crash" in r.faulty[0] and "crashed in round" not in r.faulty[0]
    assert not r.events(CRASH)
