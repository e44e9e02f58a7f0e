"""benor_lib.simulation.faults: crashes and Byzantine behaviours, and their validation."""

from __future__ import annotations

import pytest

from benor_lib import Byzantine, Crash, run
from benor_lib.simulation.faults import normalise_faults


def test_a_number_crashes_the_last_processes_before_they_start() -> None:
    faults = normalise_faults(2, 5)
    assert sorted(faults) == [3, 4] and all(f == Crash(p) for p, f in faults.items())
    assert "before starting" in faults[3].describe()


@pytest.mark.parametrize(
    "faults, words",
    [
        ([Crash(0), Crash(0)], "twice"),
        ([Crash(9)], "pid"),
        ([Crash(0, after=7)], "after"),
        ([Byzantine(1, "bogus")], "behaviour"),
        ([Byzantine(1, "scripted")], "script"),
        ("two", "faults"),
        ([object()], "Crash or a Byzantine"),
        (5, "faults"),
    ],
)
def test_bad_faults_are_value_errors_that_say_what_is_wrong(faults: object, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        normalise_faults(faults, 5)


@pytest.mark.parametrize("behaviour", ["always", "equivocate", "adaptive"])
def test_byzantine_values_go_to_every_receiver(behaviour: str) -> None:
    f = Byzantine(4, behaviour, value=1)
    for phase in (1, 2):
        values = f.values(1, phase, 6, [0, 1, 1, 0, 1])
        assert len(values) == 6 and set(values) <= {0, 1, None}
    assert f.describe().startswith("byzantine")


def test_equivocation_tells_the_two_halves_different_things() -> None:
    values = Byzantine(5, "equivocate").values(1, 1, 6, [0] * 5)
    assert values[:3] == [0, 0, 0] and values[3:] == [1, 1, 1]


def test_a_crash_mid_broadcast_makes_the_process_faulty_and_leaves_the_run_safe() -> None:
    for seed in range(10):
        r = run(5, 1, [0, 1, 1, 0, 1], faults=[Crash(4, round=1, phase=1, after=2)], seed=seed)
        assert 4 in r.faulty and 4 not in r.correct and 4 not in r.decisions
        assert not r.violations and r.status == "decided"
