"""benor_lib.analysis (the chapters' survival tally and break-it lab) and the threshold
formulas the algorithm chapter states."""

from __future__ import annotations

import pytest

import benor_lib as bl
from benor_lib import analysis


def test_the_formulas_in_the_algorithm_chapter_are_the_library_thresholds() -> None:
    checked = 0
    for n in range(1, 13):
        for t in range(n):
            if bl.bound_holds(n, t, "crash"):
                r = bl.standard_rules(n, t)
                assert (r.quorum, r.d_twice, r.adopt_min, r.decide_twice) == (n - t, n, 1, 2 * t)
                checked += 1
            if bl.bound_holds(n, t, "byzantine"):
                r = bl.standard_rules(n, t, "byzantine")
                assert (r.quorum, r.d_twice, r.adopt_min, r.decide_twice) == (
                    n - t,
                    n + t,
                    t + 1,
                    n + t,
                )
                checked += 1
    assert checked > 40


def test_survival_tally_counts_every_run_and_agrees_with_the_runs_themselves() -> None:
    tally = analysis.byzantine_survival([(6, 1)], behaviours=("equivocate",), seeds=3, cap=60)
    (row,) = tally.rows
    assert row.runs == 3 * len(analysis.SURVIVAL_SCHEDULERS) == tally.runs
    # recompute one cell of the table by hand
    liars = [bl.Byzantine(5, "equivocate", value=1)]
    again = [
        bl.run(
            6, 1, "random", variant="byzantine", scheduler=s, faults=liars, seed=seed, max_rounds=60
        )
        for s in analysis.SURVIVAL_SCHEDULERS
        for seed in range(3)
    ]
    decided = [r for r in again if r.status == "decided"]
    assert row.decided == len(decided)
    assert row.most_rounds == max(r.rounds for r in decided)
    assert row.mean_rounds == pytest.approx(sum(r.rounds for r in decided) / len(decided))
    assert tally.safety_violations == 0  # protocol B within its bound n > 5t
    assert tally.slowest is not None and tally.slowest[2].rounds == row.most_rounds
    assert str(tally.runs) in tally.summary()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(systems=[]), "systems"),
        (dict(systems=[(6, 1)], seeds=0), "seeds"),
        (dict(systems=[(6, 1)], cap=True), "cap"),
        (dict(systems=[(6, 1)], behaviours=("lying",)), "behaviours"),
        (dict(systems=[(6, 1)], schedulers=()), "schedulers"),
    ],
)
def test_survival_tally_rejects_bad_arguments(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        analysis.byzantine_survival(**kwargs)


def test_break_it_lab_finds_each_predicted_violation_and_nothing_in_sound_cases() -> None:
    broken = analysis.break_it_lab(analysis.BROKEN_CASES[:3], seed=0, budget_s=5)
    assert [r.result.kind for r in broken] == [c.expected for c in analysis.BROKEN_CASES[:3]]
    assert all(r.as_expected and r.elapsed >= 0 for r in broken)
    sound = analysis.break_it_lab(analysis.SOUND_CASES[:1], seed=0, budget_s=5, max_runs=40)
    assert not sound[0].result and sound[0].as_expected
    assert sound[0].result.tried <= 40


def test_break_it_lab_reports_a_wrong_prediction() -> None:
    # a sound configuration with a predicted violation: the search finds nothing
    wrong = analysis.LabCase("sound, but predicted broken", dict(n=3, t=1, crashes=1), "agreement")
    (result,) = analysis.break_it_lab([wrong], seed=0, budget_s=2)
    assert not result.as_expected


def test_break_it_lab_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="cases"):
        analysis.break_it_lab([])
    with pytest.raises(ValueError, match="budget_s"):
        analysis.break_it_lab(analysis.SOUND_CASES, budget_s=0)
    with pytest.raises(TypeError, match="LabCase"):
        analysis.break_it_lab([("label", {})])
