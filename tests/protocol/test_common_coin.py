"""The common coin: how many rounds it takes, and Aguilera and Toueg's attack on it."""

import itertools
import math

import numpy as np
import pytest

import benor_lib as bl
from benor_lib.impossibility.coin_attack import attack_survival, coin_attack
from benor_lib.protocol.events import ADOPT, COIN, REPORT, SEND

# --- how many rounds ------------------------------------------------------------------


def test_common_coin_can_take_three_rounds_under_the_uniform_scheduler():
    """Adopters and flippers agree only when the coin shows the D-value: P(3+ rounds) > 0."""
    p = bl.exact_rounds(5, 1, coin="common")
    assert p.size >= 3 and p[2:].sum() > 1e-3
    # a concrete event-simulator run that shows it
    seed = next(s for s in range(3000) if bl.run(5, 1, coin="common", seed=s).rounds >= 3)
    r = bl.run(5, 1, coin="common", seed=seed)
    assert r.status == "decided" and not r.violations
    first_round = [e for e in r.trace if e.kind in (ADOPT, COIN) and e.round == 1]
    kinds = {e.kind for e in first_round}
    assert kinds == {ADOPT, COIN}  # some adopted the D-value, the others took the coin
    assert len({e.value for e in first_round}) == 2  # and the coin showed the other value


def test_three_round_share_matches_the_event_simulator():
    p = bl.exact_rounds(5, 1, coin="common")
    runs = 3000
    late = sum(bl.run(5, 1, coin="common", seed=s).rounds >= 3 for s in range(runs))
    want = p[2:].sum()
    tol = 4 * math.sqrt(want * (1 - want) / runs)
    assert abs(late / runs - want) < tol


def test_common_coin_never_takes_more_than_two_rounds_under_split():
    p = bl.exact_rounds(5, 1, coin="common", scheduler="split")
    assert p.size == 2 and p.sum() == pytest.approx(1.0, abs=1e-12)
    rounds = [bl.run(5, 1, coin="common", scheduler="split", seed=s).rounds for s in range(300)]
    assert max(rounds) == 2 and min(rounds) == 1


# --- the coin-seeing adversary --------------------------------------------------------


@pytest.mark.parametrize("n,t", [(3, 1), (5, 1), (5, 2), (7, 3)])
def test_attack_survives_every_coin_sequence(n, t):
    """Once round 1's coin differs from the slow input, no coin sequence ends the run."""
    rounds = 6
    for tail in itertools.product((0, 1), repeat=rounds):
        coins = (1, *tail)  # the slow process's default input is 0
        a = coin_attack(n, t, coins=coins, rounds=rounds)
        assert a.undecided and a.run.status == "undecided", coins
        assert a.loop_holds(), coins
        assert not a.run.violations


def test_attack_run_replays_exactly_and_is_fair():
    a = coin_attack(5, 1, coins=[1, 0, 0, 1, 1, 0, 1, 0, 0, 1, 1], rounds=10)
    assert a.undecided and a.reproduces()
    again = a.run.replay()
    assert again.trace == a.run.trace and again.status == a.run.status
    # every message is delivered within two rounds: nothing older is still in flight
    assert a.run.pending and min(m.round for m in a.run.pending) >= a.run.rounds - 1
    # each completed round: one D-value, the opposite of the coin, and nobody decides
    for row in a.rounds_played[1:]:
        assert row.d_value == 1 - row.coin and not row.decided
        assert sorted(row.fast_after).count("0") == 2  # fast processes balanced again


def test_attack_loses_round_one_when_the_coin_matches_the_slow_input():
    a = coin_attack(5, 1, coins=[0, 1, 1], rounds=3)
    assert a.gave_up_in == 1
    assert a.run.status == "decided" and a.run.rounds == 2 and a.run.decided_value == 0


def test_coin_seeing_adversary_wins_half_the_runs_for_ever():
    runs, horizon = 200, 12
    counts, censored = attack_survival(5, 1, rounds=horizon, runs=runs, sees_coin=True, seed=1)
    share = censored.mean()
    assert abs(share - 0.5) < 4 * math.sqrt(0.25 / runs)
    assert set(counts[~censored]) == {2}  # the losers are exactly the round-1 losses


def test_blind_adversary_always_loses():
    runs, horizon = 300, 60
    counts, censored = attack_survival(5, 1, rounds=horizon, runs=runs, sees_coin=False, seed=2)
    assert not censored.any()
    # it survives each round with probability 1/2: rounds = 1 + Geometric(1/2), mean 3
    assert abs(counts.mean() - 3.0) < 4 * math.sqrt(2.0 / runs)
    a = coin_attack(5, 1, sees_coin=False, seed=3, rounds=horizon)
    assert a.run.status == "decided" and not a.run.violations and a.reproduces()


def test_blind_adversary_loses_exactly_when_the_coin_matches_its_guess():
    for seed in range(20):
        a = coin_attack(5, 1, sees_coin=False, seed=seed, rounds=40)
        r = a.gave_up_in
        slow_report = next(
            e.value
            for e in a.run.trace
            if e.kind == SEND and e.pid == 4 and e.round == r and e.phase == REPORT
        )
        assert a.rounds_played[r - 1].coin == slow_report  # the coin showed what it reported
        assert a.run.rounds == r + 1


@pytest.mark.parametrize(
    "kwargs,words",
    [
        ({"n": 4, "t": 1}, ["odd"]),
        ({"n": 5, "t": 0}, ["t"]),
        ({"n": 5, "t": 3}, ["t"]),
        ({"n": 5, "t": 1, "inputs": [0, 0, 0, 1, 0]}, ["balanced"]),
        ({"n": 5, "t": 1, "inputs": [0, 1, 0]}, ["one value per process"]),
        ({"n": 5, "t": 1, "sees_coin": "yes"}, ["sees_coin"]),
        ({"n": 5, "t": 1, "coins": [1, 2]}, ["coins[1]"]),
    ],
)
def test_attack_rejects_bad_arguments(kwargs, words):
    with pytest.raises(ValueError) as err:
        coin_attack(**kwargs)
    for w in words:
        assert w in str(err.value)


def test_attack_survival_counts_are_arrays():
    counts, censored = attack_survival(3, 1, rounds=5, runs=10, seed=0)
    assert isinstance(counts, np.ndarray) and counts.shape == censored.shape == (10,)
