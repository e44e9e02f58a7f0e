"""Bad input gets a ValueError that names the argument, the bad value and what is allowed."""

import numpy as np
import pytest

from benor_lib import (
    Byzantine,
    Crash,
    Scripted,
    demonstrate,
    distribution_distance,
    find_violation,
    run,
    sample_rounds,
    standard_rules,
    sweep,
)
from benor_lib.apps.model_explorer.model import explore_model
from benor_lib.apps.stepper.model import StepperSession, StepperSettings

BAD_RUNS = [
    (dict(n=0, t=0, inputs=[]), r"n must be between 1 and \d+, got 0"),
    (dict(n=2.5, t=0, inputs="random"), r"n must be an integer, got 2.5"),
    (dict(n=True, t=0, inputs="random"), r"n must be an integer, got True"),
    (dict(n=5, t=-1, inputs="random"), r"t must be at least 0, got -1"),
    (dict(n=5, t=5, inputs="random"), r"t must be smaller than n"),
    (dict(n=4, t=2, inputs="random"), r"crash variant needs n > 2t, got n=4, t=2.*allow_unsafe"),
    (dict(n=5, t=1, inputs="random", variant="byzantine"), r"byzantine variant needs n > 5t"),
    (dict(n=5, t=1, inputs=[0, 1, 1]), r"inputs must have one value per process \(5\), got 3"),
    (dict(n=3, t=1, inputs=[0, 2, 1]), r"inputs\[1\] must be 0 or 1, got 2"),
    (dict(n=3, t=1, inputs="ones"), r"inputs must be 'random', a number of ones"),
    (dict(n=3, t=1, inputs=7), r"inputs \(number of ones\) must be between 0 and 3, got 7"),
    (dict(n=3, t=1, inputs=[0, "1", 1]), r"inputs\[1\] must be 0 or 1, got '1'"),
    (
        dict(n=5, t=1, inputs="random", scheduler="round_robin"),
        r"scheduler must be one of 'uniform'",
    ),
    (dict(n=5, t=1, inputs="random", scheduler=3.0), r"scheduler must be one of"),
    (dict(n=5, t=1, inputs="random", coin="fair"), r"coin must be one of 'local', 'common'"),
    (dict(n=5, t=1, inputs="random", coin=[0, 2]), r"coin\[1\] must be 0 or 1, got 2"),
    (dict(n=5, t=1, inputs="random", variant="omission"), r"variant must be one of 'crash'"),
    (dict(n=5, t=1, inputs="random", seed=-3), r"seed must be at least 0, got -3"),
    (dict(n=5, t=1, inputs="random", seed="abc"), r"seed must be an integer, got 'abc'"),
    (
        dict(n=5, t=1, inputs="random", max_rounds=0),
        r"max_rounds must be between 1 and 2147483647, got 0",
    ),
    (dict(n=5, t=1, inputs="random", decided_policy="stop"), r"decided_policy must be one of"),
    (
        dict(n=5, t=1, inputs="random", faults=2),
        r"2 faulty processes but the protocol tolerates t=1",
    ),
    (
        dict(n=5, t=1, inputs="random", faults=[Crash(7)]),
        r"fault pid must be between 0 and 4, got 7",
    ),
    (dict(n=5, t=2, inputs="random", faults=[Crash(1), Crash(1)]), r"p1 is listed as faulty twice"),
    (dict(n=5, t=1, inputs="random", faults=["p1"]), r"each fault must be a Crash or a Byzantine"),
    (
        dict(n=5, t=1, inputs="random", faults=[Crash(1, phase=3)]),
        r"Crash.phase must be between 1 and 2",
    ),
    (
        dict(n=6, t=1, inputs="random", variant="byzantine", faults=[Byzantine(1, "lying")]),
        r"Byzantine.behaviour must be one of 'silent'",
    ),
    (
        dict(n=5, t=1, inputs="random", faults=[Byzantine(1)]),
        r"Byzantine processes \[1\] in the crash variant",
    ),
    (dict(n=5, t=1, inputs="random", allow_unsafe="yes"), r"allow_unsafe must be True or False"),
    (dict(n=5, t=1, inputs="random", rules=standard_rules(3, 1)), r"rules were made for n=3, t=1"),
    (
        dict(n=5, t=1, inputs="random", scheduler=[(0, 1, 1)]),
        r"script\[0\] must be a \(sender, receiver",
    ),
]


@pytest.mark.parametrize("kwargs, message", BAD_RUNS, ids=[m[:40] for _, m in BAD_RUNS])
def test_bad_arguments_raise_clear_value_errors(kwargs, message):
    args = dict(kwargs)
    n, t, inputs = args.pop("n"), args.pop("t"), args.pop("inputs")
    with pytest.raises(ValueError, match=message):
        run(n, t, inputs, **args)


def test_at_least_fifteen_distinct_bad_inputs():
    assert len({m for _, m in BAD_RUNS}) >= 15


def test_unsafe_configurations_run_when_allowed():
    r = run(4, 2, [0, 0, 1, 1], allow_unsafe=True, max_rounds=5, seed=0)
    # n = 2t: a D-message needs 3 equal reports but each process hears only 2
    assert r.status == "undecided" and not r.decisions
    r = run(5, 1, "random", faults=2, allow_unsafe=True, seed=0)
    assert r.status in ("decided", "blocked", "undecided")


def test_scripted_coin_running_out_says_so():
    with pytest.raises(ValueError, match="the scripted coin ran out"):
        run(3, 1, [0, 1, 1], coin=[], scheduler="split")


def test_scripted_scheduler_rejects_non_sequences():
    with pytest.raises(ValueError, match="needs a list of"):
        Scripted(42)


# --- the issue-15 list: silent acceptance and unclear errors --------------------------


def _run5(**kw):
    return run(5, 1, "random", seed=0, **kw)


def _explorer_update():
    from benor_lib.apps.explorer.model import ExplorerSession, ExplorerSettings

    session = ExplorerSession(ExplorerSettings(runs=100))
    return session.update({"bogus": 1})


ISSUE_15_BAD = [
    (
        "coin mapping value 5",
        lambda: _run5(coin={(p, r): 5 for p in range(5) for r in range(9)}),
        r"coin\[\(0, 0\)\] must be 0 or 1, got 5",
    ),
    ("coin mapping value 'x'", lambda: _run5(coin={(0, 1): "x"}), r"coin\[\(0, 1\)\] must be 0"),
    (
        "coin mapping key",
        lambda: _run5(coin={0: 1}),
        r"keys of a coin mapping must be \(pid, round\)",
    ),
    (
        "float in a Scripted key",
        lambda: Scripted([(0, 1, 1.5, 1)]),
        r"script\[0\]\[2\] must be an integer",
    ),
    (
        "str in a Scripted key",
        lambda: Scripted([(0, 1, "a", 1)]),
        r"script\[0\]\[2\] must be an integer",
    ),
    (
        "Scripted callable returns 5",
        lambda: _run5(scheduler=Scripted(lambda net: 5)),
        r"script callable must return a \(sender, receiver, round, phase\)",
    ),
    (
        "Rules variant foo",
        lambda: standard_rules(5, 1).with_changes(variant="foo"),
        r"variant must be one of 'crash', 'byzantine'",
    ),
    (
        "Rules d_twice 1.5",
        lambda: standard_rules(5, 1).with_changes(d_twice=1.5),
        r"d_twice must be an integer, got 1.5",
    ),
    (
        "Rules d_twice '3'",
        lambda: standard_rules(5, 1).with_changes(d_twice="3"),
        r"d_twice must be an integer",
    ),
    (
        "with_changes bogus",
        lambda: standard_rules(5, 1).with_changes(bogus=1),
        r"unknown key\(s\) 'bogus'; allowed: adopt_max, adopt_min, d_twice, decide_twice",
    ),
    ("replay upto -1", lambda: _run5().replay(upto=-1), r"upto must be at least 0, got -1"),
    ("replay upto '3'", lambda: _run5().replay(upto="3"), r"upto must be an integer, got '3'"),
    ("replay upto 2.7", lambda: _run5().replay(upto=2.7), r"upto must be an integer, got 2.7"),
    ("replay upto True", lambda: _run5().replay(upto=True), r"upto must be an integer, got True"),
    ("replay upto 'abc'", lambda: _run5().replay(upto="abc"), r"upto must be an integer"),
    ("narrate limit -1", lambda: _run5().narrate(limit=-1), r"limit must be at least 0, got -1"),
    ("events bogus", lambda: _run5().events("bogus"), r"kinds must be event kinds .*'bogus'"),
    ("rows round 'x'", lambda: StepperSession().rows(round="x"), r"round must be an integer"),
    ("goto 'abc'", lambda: StepperSession().goto("abc"), r"k must be an integer, got 'abc'"),
    ("StepperSettings inputs=5", lambda: StepperSettings(inputs=5), r"inputs must be a list of"),
    (
        "StepperSettings crashed=None",
        lambda: StepperSettings(crashed=None),
        r"crashed must be a list",
    ),
    ("StepperSession bogus", lambda: StepperSession(bogus=1), r"unknown key\(s\) 'bogus'"),
    ("sweep(None)", lambda: sweep(None, 10), r"settings must be a list of mappings"),
    (
        "distance NaN",
        lambda: distribution_distance([1, 2, 3], [float("nan"), 0.5]),
        r"p must be .*finite probabilities \(no NaN\)",
    ),
    (
        "distance min_expected -1",
        lambda: distribution_distance([1, 2], [0.5, 0.5], min_expected=-1),
        r"min_expected must be a number greater than 0",
    ),
    (
        "explore_model bogus",
        lambda: explore_model(bogus=1),
        r"unknown key\(s\) 'bogus'; allowed: .*coin",
    ),
    (
        "explore_model nan",
        lambda: explore_model(budget_s=float("nan")),
        r"budget_s must be a positive, finite",
    ),
    (
        "explore_model -1",
        lambda: explore_model(budget_s=-1),
        r"budget_s must be a positive, finite",
    ),
    (
        "demonstrate nan",
        lambda: demonstrate("local", "crash", 5, 1, 0, budget_s=float("nan")),
        r"budget_s must be a positive, finite",
    ),
    (
        "find_violation inf",
        lambda: find_violation(5, 1, budget_s=float("inf"), seed=1),
        r"budget_s must be a positive, finite",
    ),
    (
        "find_violation nan",
        lambda: find_violation(5, 1, budget_s=float("nan"), seed=1),
        r"budget_s must be a positive, finite",
    ),
    (
        "ExplorerSession.update mapping",
        _explorer_update,
        r"unknown key\(s\) 'bogus'; allowed: .*coin",
    ),
    (
        "sample_rounds 10**9",
        lambda: sample_rounds(5, 1, 10**9),
        r"runs must be at most 20,000,000 .*GiB",
    ),
    (
        "quantile 1.5",
        lambda: sample_rounds(5, 1, 10, seed=0).quantile(1.5),
        r"q must be a number between 0 and 1",
    ),
]


@pytest.mark.parametrize(
    "call, message", [c[1:] for c in ISSUE_15_BAD], ids=[c[0] for c in ISSUE_15_BAD]
)
def test_issue_15_bad_inputs_get_a_clear_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_numpy_scalars_are_accepted_where_python_numbers_are():
    r = run(np.int64(5), np.int32(1), np.int64(2), faults=np.int64(1), seed=np.int64(0))
    assert r.status == "decided" and len(r.faulty) == 1
    sample = sample_rounds(5, 1, 50, seed=0)
    assert sample.quantile(np.float32(0.5)) == sample.quantile(0.5)
    rules = standard_rules(5, 1).with_changes(d_twice=np.int64(6))
    assert rules.d_twice == 6 and type(rules.d_twice) is int
    assert len(run(5, 1, "random", seed=0).narrate(limit=np.int64(2))) == 2


def test_narrate_limit_keeps_exactly_that_many_lines():
    lines = run(5, 1, "random", seed=0).narrate()
    assert run(5, 1, "random", seed=0).narrate(limit=len(lines) - 1) == lines[:-1]
    assert run(5, 1, "random", seed=0).narrate(limit=0) == []


def test_round_stepper_does_not_raise_for_bad_inputs():
    from benor_lib.apps.stepper.view import round_stepper

    for kwargs in ({"inputs": 5}, {"crashed": None}, {"seed": "x"}):
        widget = round_stepper(**kwargs)
        assert widget.session.settings.n == 5


@pytest.mark.parametrize(
    "call",
    [
        lambda: run(5, 1, "random", seed=0),
        lambda: run(6, 1, "random", variant="byzantine", seed=0),
        lambda: sample_rounds(5, 1, 10, seed=0),
    ],
    ids=["run", "run byzantine", "sample_rounds"],
)
def test_n_and_t_are_checked_once_per_public_call(call, monkeypatch):
    from benor_lib.protocol import rules as rules_module

    seen = []
    original = rules_module.check_int

    def counting(name, value, *args):
        seen.append(name)
        return original(name, value, *args)

    monkeypatch.setattr(rules_module, "check_int", counting)
    call()
    assert seen.count("n") == 1 and seen.count("t") == 1, seen


def test_the_explorer_never_passes_sample_rounds_an_impossible_max_rounds():
    # the split adversary at n=64, t=31 averages 2^63 rounds; 40 x that used to reach
    # sample_rounds as max_rounds=368934881474191032320, an argument the user never passed
    from benor_lib.apps.explorer.model import ExplorerSettings, plan_runs

    settings = ExplorerSettings(n=64, t=31, scheduler="split", runs=10)
    for budget in (3e7, 1e9, 1e11):
        plan = plan_runs(settings, budget)
        assert 1 <= plan.max_rounds <= 2**31 - 1
    with pytest.raises(ValueError, match="budget must be a number at most"):
        plan_runs(settings, 1e30)
