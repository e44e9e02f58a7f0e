"""A run made a slice at a time (run_sliced) is the run run() makes, however it is sliced."""

from __future__ import annotations

import pytest

from benor_lib.simulation.network import run, run_sliced

SETTINGS = [
    dict(n=5, t=1, seed=3),
    dict(n=7, t=3, inputs=3, scheduler="split", seed=2, max_rounds=60),
    dict(n=6, t=2, scheduler="fifo", faults=1, seed=0),
    dict(n=7, t=1, variant="bracha", seed=1),
    dict(n=5, t=2, scheduler="random_order", seed=4, max_rounds=3),  # may end undecided
]


@pytest.mark.parametrize("kw", SETTINGS, ids=lambda kw: f"n={kw['n']},{kw.get('scheduler', '')}")
@pytest.mark.parametrize("every", [1, 5])
def test_a_sliced_run_is_the_run(kw, every):
    whole = run(**kw)
    sliced = run_sliced(**kw)
    slices, seen = 0, []
    while not sliced.done:
        asked = [0]

        def over(asked=asked) -> bool:
            asked[0] += 1
            return asked[0] >= every

        sliced.advance(over)
        slices += 1
        seen.append(sliced.deliveries)
    r = sliced.result
    assert r.trace == whole.trace and r.status == whole.status and r.rounds == whole.rounds
    assert r.decisions == whole.decisions and r.reason == whole.reason
    assert seen == sorted(seen) and slices > 1  # it paused, and went forward each time


def test_run_sliced_checks_its_arguments_as_run_does():
    with pytest.raises(ValueError, match="run_sliced"):
        run_sliced(5, 1, sched="uniform")
    with pytest.raises(ValueError):
        run_sliced(5, 3)  # n <= 2t
