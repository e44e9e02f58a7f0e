"""Bad input gets a ValueError that names the argument, the bad value and what is allowed."""

import pytest

from benor_lib import Byzantine, Crash, Scripted, run, standard_rules

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
    (dict(n=5, t=1, inputs="random", max_rounds=0), r"max_rounds must be at least 1, got 0"),
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
