"""The exercises that ask for a reason, a proof or an adversary (issue 17, item 6).

Each checker: its correct answer passes, wrong answers are called wrong with a hint, and
malformed answers get a message that says what form is expected. The registry-wide tests in
test_classroom.py cover every exercise generically; these pin the specific messages.
"""

from __future__ import annotations

import copy

import pytest

from benor_lib.classroom import REGISTRY, check, ex_algorithm, ex_correctness, ex_preface, ex_rounds
from benor_lib.protocol.rules import standard_rules

# --- the misread "only one" rule (Rules.adopt_max) --------------------------------------


def test_adopt_max_caps_adoption_and_is_checked() -> None:
    protocol = standard_rules(5, 2)
    misread = protocol.with_changes(adopt_max=1)
    assert protocol.adopt_max is None and protocol.is_standard and not misread.is_standard
    assert [protocol.adopts(c) for c in range(4)] == [False, True, True, True]
    assert [misread.adopts(c) for c in range(4)] == [False, True, False, False]
    assert "adopt on <= 1" in misread.describe()
    for bad in (0, 6):
        with pytest.raises(ValueError, match="adopt_max"):
            protocol.with_changes(adopt_max=bad)


def test_misreading_matters_only_from_t_2() -> None:
    assert not ex_algorithm.misread_differs(5, 1)
    assert not ex_algorithm.misread_differs(3, 1)
    assert ex_algorithm.misread_differs(5, 2)
    assert ex_algorithm.step_three_action(ex_algorithm.misread_rules(5, 2), 2) == "flip"
    assert ex_algorithm.step_three_action(standard_rules(5, 2), 2) == "adopt"


def test_misread_counterexample_breaks_agreement_and_replays() -> None:
    assert ex_algorithm.misread_counterexample(5, 1) is None  # the rules act alike: no search
    found = ex_algorithm.misread_counterexample(5, 2)
    assert found is not None and found.kind == "agreement"
    run = found.run
    assert len(set(run.decisions.values())) == 2
    again = run.replay()
    assert again.decisions == run.decisions
    # somebody heard two D-messages (not enough to decide) and flipped: the misreading at work
    flips = [e for e in run.trace if e.kind == "coin" and sum(v is not None for v in e.heard) >= 2]
    assert flips
    assert any("more than the 1 this rule adopts on" in line for line in again.narrate())


def test_algorithm_2_checker() -> None:
    right = ex_algorithm.misread_answer()
    assert right == "only with t = 2"  # what the two tests above establish
    assert check("algorithm-2", right).ok
    assert check("algorithm-2", "  ONLY with T = 2 ").ok  # case and spaces are ignored
    for wrong in ("neither", "both", "only with t = 1"):
        feedback = check("algorithm-2", wrong)
        assert feedback.status == "wrong" and "Reread" in feedback.hint
    for junk in (2, "t = 2", None):
        feedback = check("algorithm-2", junk)
        assert feedback.status == "malformed" and "'only with t = 2'" in feedback.message


# --- preface-2 and correctness-2: predictions with a reason ------------------------------


def test_preface_2_compares_the_exact_means() -> None:
    small, large = ex_preface.growth_means()
    assert ex_preface.largest_t() == 4
    assert large > ex_preface.SAME_FACTOR * small  # tolerating 4 crashes costs rounds
    right = ex_preface.growth_answer()
    assert right == "more rounds"
    assert check("preface-2", right).ok
    for wrong in ("fewer rounds", "about the same"):
        feedback = check("preface-2", wrong)
        assert feedback.status == "wrong" and "n > 2t" in feedback.hint
    feedback = check("preface-2", 4)  # the old question's answer
    assert feedback.status == "malformed" and "'more rounds'" in feedback.message


def test_correctness_2_compares_the_exact_round_with_the_bound() -> None:
    exact, bound = ex_correctness.rounds_for_share(), ex_correctness.bound_rounds_for_share()
    assert exact <= bound  # the bound is a theorem for the split adversary too
    right = ex_correctness.tail_answer()
    assert right == ("under a quarter of it" if 4 * exact < bound else right)
    assert check("correctness-2", right).ok
    assert check("correctness-2", "more than it").status == "wrong"
    feedback = check("correctness-2", exact)  # the old question's answer, a number
    assert feedback.status == "malformed" and "Answer with one of" in feedback.message


# --- rounds-2: hold the run undecided for two rounds ------------------------------------


def test_rounds_2_example_replays_undecided() -> None:
    answer = ex_rounds.hold_out_answer()
    rounds = ex_rounds.parse_rounds(answer)
    assert not isinstance(rounds, str)
    result = ex_rounds.hold_out_run(rounds)
    assert not result.decisions
    assert max(e.round for e in result.trace if e.kind == "coin") == ex_rounds.HOLD_ROUNDS
    feedback = check("rounds-2", answer)
    assert feedback.ok and "Nobody decided" in feedback.message


def test_rounds_2_copying_round_one_lets_a_decision_through() -> None:
    answer = ex_rounds.hold_out_answer()
    lazy = [answer[0], copy.deepcopy(answer[0])]  # ignores what the coins did
    feedback = check("rounds-2", lazy)
    assert feedback.status == "wrong"
    assert "decides" in feedback.message and "After round 1 the values were" in feedback.message
    assert REGISTRY["rounds-2"].section in feedback.hint


def test_rounds_2_a_round_one_decision_is_reported() -> None:
    answer = ex_rounds.hold_out_answer()
    everyone = [[2, 3, 4, 0]] * 5  # three 1s for everybody: D(1) everywhere
    loud = [{"reports": everyone, "proposals": everyone}, answer[1]]
    feedback = check("rounds-2", loud)
    assert feedback.status == "wrong" and feedback.message.startswith("In round 1:")


@pytest.mark.parametrize(
    "mangle, words",
    [
        (lambda a: a[0], "list of 2 rounds"),  # one round, as a dict
        (lambda a: a[:1], "has 1 entries"),
        (lambda a: [a[0], {"reports": a[1]["reports"]}], "round 2 is"),
        (lambda a: [a[0], [a[1]["reports"], a[1]["proposals"]]], "round 2 is"),
        (lambda a: [a[0], {**a[1], "proposals": [[0, 1, 2]] * 5}], "Round 2, proposals"),
        (lambda a: [{**a[0], "reports": [[0, 1, 2, 9]] * 5}, a[1]], "Round 1, reports"),
        (lambda a: [{**a[0], "reports": [[0, 0, 1, 2]] * 5}, a[1]], "at most once"),
        (lambda a: "two rounds", "got 'two rounds'"),
    ],
)
def test_rounds_2_malformed_answers_say_what_form_is_expected(mangle, words) -> None:
    answer = copy.deepcopy(ex_rounds.hold_out_answer())
    feedback = REGISTRY["rounds-2"].checker(mangle(answer))  # the checker itself never raises
    assert feedback.status == "malformed" and words in feedback.message, feedback.message
