"""Valence explorer, endless-run finder and break-it search (benor_lib.impossibility)."""

import itertools

import numpy as np
import pytest

from benor_lib import Scripted, run, standard_rules
from benor_lib.impossibility import (
    Config,
    adversary_success,
    classify,
    classify_model,
    demonstrate,
    explore_valence,
    find_endless_run,
    find_violation,
)
from benor_lib.protocol.events import DELIVER


# --- an independent brute force: every subset each process can hear, protocol A by hand ---
def _brute_valence(n, t, coin, hear_own=False):
    """Reachable decision values from every configuration reachable from the 2^n inputs."""
    q = n - t

    def flip(p, x):
        return {"keep": x, "zero": 0, "pid_parity": p % 2}[coin]

    def views(p):
        return [s for s in itertools.combinations(range(n), q) if not hear_own or p in s]

    def successors(xs, decs):
        opts = []
        for p in range(n):
            props = set()
            for s in views(p):
                ones = sum(xs[i] for i in s)
                props.add(1 if 2 * ones > n else (0 if 2 * (q - ones) > n else None))
            opts.append(sorted(props, key=lambda v: -1 if v is None else v))
        out = set()
        for props in itertools.product(*opts):
            outcomes = []
            for p in range(n):
                res = set()
                for s in views(p):
                    d1 = sum(1 for i in s if props[i] == 1)
                    d0 = sum(1 for i in s if props[i] == 0)
                    if decs[p] is not None:
                        res.add((decs[p], decs[p]))
                    elif d1 > t or d0 > t:
                        v = 1 if d1 > t else 0
                        res.add((v, v))
                    elif d1 or d0:
                        res.add((1 if d1 else 0, None))
                    else:
                        res.add((flip(p, xs[p]), None))
                outcomes.append(sorted(res, key=str))
            for combo in itertools.product(*outcomes):
                out.add((tuple(x for x, _ in combo), tuple(d for _, d in combo)))
        return out

    reach = {}

    def reachable(state):
        seen, stack = {state}, [state]
        while stack:
            s = stack.pop()
            if all(d is not None for d in s[1]):
                continue
            for nxt in successors(*s):
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return seen

    labels = {}
    for xs in itertools.product((0, 1), repeat=n):
        start = (xs, (None,) * n)
        reach[start] = reachable(start)
        for s in reach[start]:
            if s not in labels:
                vals = {d for s2 in reachable(s) for d in s2[1] if d is not None}
                labels[s] = {
                    frozenset(): "no decision",
                    frozenset({0}): "0-valent",
                    frozenset({1}): "1-valent",
                    frozenset({0, 1}): "bivalent",
                }[frozenset(vals)]
    return labels


@pytest.mark.parametrize(
    "n, coin, hear_own",
    [(3, "zero", False), (3, "pid_parity", False), (3, "keep", True), (4, "zero", True)],
)
def test_valence_matches_brute_force(n, coin, hear_own):
    report = explore_valence(n, 1, coin, hear_own=hear_own)
    brute = _brute_valence(n, 1, coin, hear_own=hear_own)
    assert report.exact
    for (xs, decs), label in brute.items():
        assert report.classify(Config(xs, decs)) == label, (xs, decs)
    for xs, label in report.initial.items():
        assert label == brute[(xs, (None,) * n)]


def test_bivalent_initial_configuration_and_adversary_move():
    report = explore_valence(3, 1, "zero")
    assert report.bivalent_initial == [(0, 1, 1), (1, 0, 1), (1, 1, 0)]
    assert report.always_bivalent_successor
    start = report.bivalent_initial[0]
    # bivalence shown by two replayable runs of benor_lib.run with the deterministic coin
    for value in (0, 1):
        r = report.deciding_run(start, value)
        assert r.coin == "zero" and value in r.decisions.values()
        assert r.replay().decisions == r.decisions
    assert report.deciding_run((0, 0, 1), 1) is None  # 0-valent: no schedule decides 1
    chain = report.bivalent_chain(rounds=3)
    assert len(chain) == 4 and all(report.classify(c) == "bivalent" for c in chain)
    assert classify(start, 3, 1, "zero") == "bivalent"
    assert classify(start, 3, 1, "zero", max_rounds=1) == "1-valent"  # 0 needs two rounds
    assert "bivalent" in report.summary() and len(report.table()) == 8


@pytest.mark.parametrize(
    "n, t, coin", [(3, 1, "zero"), (4, 1, "keep"), (5, 1, "pid_parity"), (5, 2, "zero")]
)
def test_endless_run_replays_without_decision_and_repeats(n, t, coin):
    lasso = find_endless_run(n, t, coin=coin)
    cycles = 3
    r = lasso.replay(cycles=cycles)
    assert r.coin == coin and r.decisions == {} and r.status == "undecided"
    assert r.deliveries() == lasso.script(cycles)
    assert not r.pending or all(m.round == r.final[0].round for m in r.pending)
    seen = lasso.configurations(cycles=cycles)
    k, c = len(lasso.prefix), len(lasso.cycle)
    assert seen[: k + c] == list(lasso.prefix + lasso.cycle)
    for j in range(cycles):
        assert seen[k + j * c : k + (j + 1) * c] == list(lasso.cycle)
    assert seen[-1] == lasso.cycle[0]
    assert all(d is None for cfg in seen for d in cfg.decisions)
    # the same script through benor_lib.run directly
    direct = run(n, t, list(lasso.inputs), scheduler=Scripted(lasso.script(1)), coin=coin)
    assert direct.decisions == {} and direct.final == lasso.replay(1).final


def test_adversary_success_shrinks_and_matches_simulation():
    exact = adversary_success(5, 1, 5)
    assert np.all(np.diff(exact) < 0) and 0 < exact[-1] < exact[0] < 1
    mc = adversary_success(5, 1, 3, method="monte_carlo", runs=400, seed=3)
    assert np.all(np.abs(mc - exact[:3]) < 0.08)


RULES_5_1 = standard_rules(5, 1)
BROKEN = {
    "n=2t": (dict(n=4, t=2), ("termination",)),
    "decide on one D": (
        dict(n=5, t=1, rules=RULES_5_1.with_changes(decide_twice=1)),
        ("agreement", "validity"),
    ),
    "smaller quorum": (
        dict(n=5, t=1, rules=RULES_5_1.with_changes(quorum=3)),
        ("agreement", "validity"),
    ),
    "D on a majority of those heard": (
        dict(n=5, t=2, rules=standard_rules(5, 2).with_changes(d_twice=3)),
        ("agreement", "validity"),
    ),
    "halt at once with a crash": (
        dict(n=5, t=1, crashes=1, decided_policy="halt"),
        ("termination",),
    ),
    "two Byzantine, t=1": (
        dict(n=6, t=1, variant="byzantine", byzantine=2),
        ("agreement", "validity"),
    ),
}


@pytest.mark.parametrize("name", list(BROKEN))
def test_broken_configurations_yield_replayable_violations(name):
    kwargs, kinds = BROKEN[name]
    found = find_violation(seed=7, budget_s=10.0, **kwargs)
    assert found, found.explain()
    assert found.kind in kinds and found.tried >= 1 and found.elapsed < 10
    again = found.run.replay()
    assert again.deliveries() == found.run.deliveries()
    if found.kind != "termination":
        assert found.kind in {v.kind for v in found.run.violations}
        assert found.kind in {v.kind for v in again.violations}
    elif found.dead_config is None:
        assert again.status == "blocked"
    else:
        assert "no choice of deliveries" in found.explain()
    assert found.reproduces()
    assert found.kind.capitalize() in found.explain()


def test_random_search_alone_breaks_the_byzantine_bound():
    found = find_violation(6, 1, variant="byzantine", byzantine=2, search="random", seed=2)
    assert found and found.kind in ("agreement", "validity", "termination")
    assert found.reproduces()


@pytest.mark.parametrize(
    "kwargs",
    [dict(n=5, t=1), dict(n=3, t=1), dict(n=6, t=1, variant="byzantine", byzantine=1)],
    ids=["crash 5,1", "crash 3,1", "byzantine 6,1"],
)
def test_correct_configurations_yield_nothing(kwargs):
    result = find_violation(seed=1, budget_s=60.0, max_runs=120, **kwargs)
    assert not result and result.tried == 120 and result.exhaustive
    assert "120 random runs" in result.explain()


def test_classify_model_and_demonstrate():
    assert classify_model("keep", "crash", 5, 1, 0).result == "FLP"
    assert classify_model("local", "crash", 5, 1, 1).result == "Ben-Or"
    assert classify_model("local", "byzantine", 6, 1, 1).result == "Ben-Or"
    assert classify_model("local", "crash", 4, 2, 0).result == "bound violated"
    assert classify_model("local", "byzantine", 6, 1, 2).result == "bound violated"
    d = demonstrate("zero", "crash", 5, 1, 0)
    assert d.kind == "endless run" and d.run.decisions == {}
    d = demonstrate("local", "crash", 5, 1, 1, seed=4)
    assert d.kind == "decided run" and d.run.status == "decided"
    d = demonstrate("local", "byzantine", 6, 1, 2)
    assert d.kind == "counterexample" and d.detail.kind in ("agreement", "validity")


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: explore_valence(3, 1, "local"), "deterministic rule"),
        (lambda: explore_valence(13, 1, "keep"), "n must be between"),
        (lambda: explore_valence(3, 3, "keep"), "t must be smaller"),
        (lambda: classify((0, 1), 3, 1, "zero"), "one value per process"),
        (lambda: classify((0, 1, 2), 3, 1, "zero"), r"config\[2\] must be 0 or 1"),
        (lambda: find_endless_run(3, 1, coin="zero", inputs=(0, 0, 0)), "reaches a decision"),
        (lambda: find_endless_run(3, 1, coin="zero").replay(cycles=-1), "cycles must be"),
        (lambda: find_violation(5, 1, variant="raft"), "variant must be one of"),
        (lambda: find_violation(5, 1, crashes=3, byzantine=2), "must leave a correct"),
        (lambda: find_violation(5, 1, budget_s=0), "budget_s must be a positive"),
        (lambda: find_violation(5, 1, max_runs=-1), "max_runs must be"),
        (lambda: find_violation(5, 1, decided_policy="nap"), "decided_policy must be"),
        (lambda: find_violation(5, 1, rules=standard_rules(4, 1)), "rules were made for"),
        (lambda: find_violation(5, 1, search="exhaustive", decided_policy="halt"), "exhaustive"),
        (lambda: adversary_success(4, 2, 3), "n > 2t"),
        (lambda: adversary_success(5, 1, 0), "rounds must be"),
        (lambda: classify_model("loaded", "crash", 5, 1, 0), "coin must be one of"),
        (lambda: classify_model("local", "crash", 5, 1, 5), "faults must be"),
    ],
)
def test_bad_arguments_raise_clear_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_counterexample_is_short_and_counts_deliveries():
    found = find_violation(
        5, 1, rules=RULES_5_1.with_changes(decide_twice=1), seed=0, budget_s=10.0
    )
    assert found.deliveries == sum(1 for e in found.run.trace if e.kind == DELIVER)
    # shrinking removed the deliveries the violation does not need
    assert found.deliveries < 2 * 2 * 5 * 4


# --- issue 15: replayable Byzantine counterexamples, honest labels, finite budgets ------


def test_a_byzantine_counterexample_reproduces():
    from benor_lib import find_violation

    # max_runs bounds the work; the time budget is only a backstop, so load cannot change
    # which runs are tried
    found = find_violation(
        7, 2, variant="byzantine", byzantine=2, seed=3, budget_s=120, search="random", max_runs=400
    )
    assert found, found.explain()
    assert found.reproduces()
    again = found.run.replay()
    assert again.trace == found.run.trace


def test_demonstrate_labels_an_undecided_run_undecided():
    from benor_lib import demonstrate

    demo = demonstrate("local", "crash", 63, 31, 0, budget_s=0.5)
    assert demo.run is not None
    assert demo.kind == ("decided run" if demo.run.status == "decided" else "undecided run")
    assert demo.run.status == "undecided"  # 2^62 expected rounds: it cannot decide in budget
    assert "not a violation" in demo.text
    # the run is bounded by the budget: at most budget_s * DEMO_DELIVERIES_PER_S deliveries
    from benor_lib.impossibility import DEMO_DELIVERIES_PER_S

    assert sum(1 for e in demo.run.trace if e.kind == DELIVER) <= 0.5 * DEMO_DELIVERIES_PER_S


@pytest.mark.parametrize("budget", [float("inf"), float("nan"), 0, -1, "2"])
def test_searches_refuse_budgets_that_are_not_finite_and_positive(budget):
    from benor_lib import demonstrate, find_violation

    with pytest.raises(ValueError, match="budget_s must be a positive"):
        find_violation(5, 1, budget_s=budget, seed=1)
    with pytest.raises(ValueError, match="budget_s must be a positive"):
        demonstrate("local", "crash", 5, 1, 0, budget_s=budget)


def test_find_violation_falls_back_when_the_exhaustive_search_cannot_replay():
    # a crash and a Byzantine process in the crash variant: the round-by-round script
    # cannot always be replayed as a concrete run (found by tests/boundary/test_fuzz.py)
    from benor_lib import find_violation

    # generous budgets: a loaded machine must not stop the search before it reaches the script
    # it cannot replay (max_runs bounds the random search)
    found = find_violation(4, 1, crashes=1, byzantine=1, budget_s=60, seed=0, max_runs=30)
    assert found.tried >= 1
    if found:
        assert found.reproduces()
    with pytest.raises(ValueError, match="search='exhaustive' cannot replay this setting"):
        find_violation(4, 1, crashes=1, byzantine=1, budget_s=60, seed=0, search="exhaustive")
