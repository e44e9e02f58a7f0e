"""Chapters 5 (the algorithm) and 6 (correctness): their figure helpers, their checkers,
and the consistency of the notebooks' glue.

The checkers are also exercised by the generic tests of test_classroom.py; the tests here
pin down what these particular exercises are about.
"""

from __future__ import annotations

import re
from pathlib import Path

import chapter_source
import matplotlib
import nbformat
import numpy as np
import pytest
from matplotlib.figure import Figure

import benor_lib as bl
from benor_lib import analysis, figures, publish
from benor_lib.apps.stepper.model import StepperSession
from benor_lib.classroom import check
from benor_lib.classroom import ex_algorithm as ea
from benor_lib.classroom import ex_correctness as ec
from benor_lib.protocol.events import DECIDE, DELIVER

matplotlib.use("Agg")

REPO = Path(__file__).resolve().parents[2]
CHAPTERS = {
    "algorithm": REPO / "book" / "algorithm.ipynb",
    "correctness": REPO / "book" / "correctness.ipynb",
}


def _seed_run() -> bl.Run:
    """The run chapter 5 follows: n = 5, t = 1, inputs 00111, uniform scheduler, seed 3."""
    return bl.run(5, 1, [0, 0, 1, 1, 1], seed=3)


# --- figures with computed alt text ------------------------------------------------------


def test_figure_markdown_is_a_myst_figure_with_the_alt_text() -> None:
    fig = figures.space_time_figure(_seed_run(), round=1)
    md = publish.figure_markdown(
        fig, alt="Round 1:\n  five   processes", caption="A caption.", name="fig-test-1"
    )
    lines = md.splitlines()
    assert lines[0].startswith(":::{figure} data:image/png;base64,")
    assert ":alt: Round 1: five processes" in lines
    assert ":name: fig-test-1" in lines
    assert "A caption." in lines and lines[-1] == ":::"
    full = publish.figure_markdown(fig, alt="a", caption="c", name="f", colors=None)
    assert len(full) > len(md)  # the palette reduction makes the page smaller


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"alt": "  ", "caption": "c", "name": "fig-a"}, "alt"),
        ({"alt": "a", "caption": " ", "name": "fig-a"}, "caption"),
        ({"alt": "a", "caption": "c", "name": "has space"}, "name"),
        ({"alt": "a", "caption": "c", "name": "1fig"}, "name"),
    ],
)
def test_figure_markdown_refuses_bad_arguments(kwargs: dict, message: str) -> None:
    fig, _ = figures.new_figure()
    with pytest.raises(ValueError, match=message):
        publish.figure_markdown(fig, **kwargs)


def test_html_with_alt_labels_images_without_alt_only() -> None:
    html = '<div><img id="a"><img id="b" alt="kept"/><IMG id="c" /></div>'
    out = publish.html_with_alt(html, 'say "hi" & go')
    assert '<img id="a" alt="say &quot;hi&quot; &amp; go"' in out
    assert 'alt="kept"' in out and out.count("alt=") == 3
    assert 'aria-label="say &quot;hi&quot; &amp; go"' in out
    with pytest.raises(ValueError, match="alt"):
        publish.html_with_alt(html, " \n ")


def test_stepper_animation_gets_alt_text() -> None:
    html = figures.stepper_animation_html(StepperSession(n=3, t=1, seed=1), dpi=30)
    assert re.search(r"<img(?![^>]*alt=)", html)  # the animation's frame has no alt
    out = publish.html_with_alt(html, "Animation of round 1")
    assert not re.search(r"<img(?![^>]*alt=)[^>]*>", out)


def test_through_round_stops_after_the_round() -> None:
    full = _seed_run()
    state = figures.through_round(full, 1)
    delivered = [e for e in state.trace if e.kind == DELIVER]
    assert delivered and delivered[-1].round == 1
    assert len(delivered) == sum(e.kind == DELIVER and e.round == 1 for e in full.trace)
    assert all(m.round != 1 for m in state.pending)
    with pytest.raises(ValueError, match="round 9"):
        figures.through_round(full, 9)


# --- figures: the termination bound -------------------------------------------------------


def test_undecided_tail_matches_the_distribution() -> None:
    p = bl.exact_rounds(5, 1, scheduler="split")
    tail = analysis.undecided_tail(p, 12)
    np.testing.assert_allclose(tail, 1 - np.cumsum(p)[:12], atol=1e-12)
    short = analysis.undecided_tail(np.array([0.5, 0.25]), 4)
    np.testing.assert_allclose(short, [0.5, 0.25, 0.25, 0.25])


def test_exact_tail_lies_below_the_bound() -> None:
    for n, t in ((3, 1), (5, 1), (5, 2), (7, 3)):
        tail = analysis.undecided_tail(bl.exact_rounds(n, t, scheduler="split"), 60)
        bound = (1 - 2.0**-n) ** np.arange(60)
        assert np.all(tail <= bound + 1e-12), (n, t)


def test_termination_bound_figure() -> None:
    fig = figures.termination_bound_figure(((5, 1, 20), (3, 1, 30)))
    assert isinstance(fig, Figure)
    axes = fig.axes
    assert len(axes) == 2 and all(ax.get_yscale() == "log" for ax in axes)
    exact, bound = axes[0].get_lines()[:2]
    assert np.all(exact.get_ydata() <= bound.get_ydata()[: len(exact.get_ydata())] + 1e-12)
    with pytest.raises(ValueError, match="triples"):
        figures.termination_bound_figure(((5, 1),))


# --- analysis: what the lemmas are about, measured on runs -----------------------------------


def test_d_values_by_round_single_value_and_broken_threshold() -> None:
    for s in range(40):
        assert all(
            len(v) == 1 for v in analysis.d_values_by_round(bl.run(5, 2, "random", seed=s)).values()
        )
    weak = bl.standard_rules(5, 2).with_changes(d_twice=3)
    both = [
        s
        for s in range(60)
        if any(
            len(v) > 1
            for v in analysis.d_values_by_round(bl.run(5, 2, "random", rules=weak, seed=s)).values()
        )
    ]
    assert both, "a majority of what one heard lets both values have D-messages"


def test_first_decision_pull() -> None:
    assert analysis.first_decision_pull(bl.run(5, 1, [0, 0, 1, 1, 1], seed=3, max_rounds=1)) is None
    pull = analysis.first_decision_pull(bl.run(5, 1, [0, 0, 1, 1, 1], seed=1))
    assert pull == {"round": 1, "value": 1, "all_hold": True, "adopters": 3, "next_round": True}


def test_reports_before_coins() -> None:
    coins, settled = analysis.reports_before_coins(_seed_run())
    assert coins == settled == 1
    assert analysis.reports_before_coins(bl.run(5, 1, [1] * 5, seed=0)) == (0, 0)


def test_safety_sweep_small() -> None:
    rows = analysis.safety_sweep(40, seed=5)
    assert [r["scheduler"] for r in rows] == ["uniform", "split", "random_order", "fifo"]
    assert sum(r["runs"] for r in rows) == 40
    assert all(r["both"] == 0 and r["violations"] == 0 for r in rows)
    assert all(r["pulled"] == r["decided_runs"] for r in rows)
    for r in rows:
        if r["scheduler"] in ("uniform", "split"):
            assert r["settled"] == r["coin_rounds"]
    same = analysis.safety_sweep(20, unanimous=True, seed=7)
    assert sum(r["coins"] for r in same) == 0
    assert sum(r["first_round"] for r in same) == 20


# --- the checkers ------------------------------------------------------------------------


def test_algorithm_1_reads_several_spellings_of_a_proposal() -> None:
    truth = ea.cyclic_proposals()
    assert truth == [None, None, 1, None, 1]
    spelled = ["?" if v is None else f"D({v})" for v in truth]
    assert check("algorithm-1", spelled).ok
    assert check("algorithm-1", tuple(truth)).ok
    assert check("algorithm-1", ["maybe"] * 5).status == "malformed"


def test_algorithm_2_is_t_plus_one() -> None:
    assert ea.decide_count(7, 3) == 4 and ea.decide_count(5, 1) == 2


def test_parse_hearing_forms() -> None:
    rows = [[0, 1, 2, 3]] * 5
    assert ea.parse_hearing(rows, 5, 4) == dict.fromkeys(range(5), (0, 1, 2, 3))
    assert ea.parse_hearing(dict(enumerate(rows)), 5, 4) == ea.parse_hearing(rows, 5, 4)
    assert ea.parse_hearing(np.array(rows), 5, 4) == ea.parse_hearing(rows, 5, 4)
    assert ea.parse_hearing([{0, 1, 2, 3}] * 5, 5, 4) == ea.parse_hearing(rows, 5, 4)
    for bad, words in [
        ([[0, 1, 2]] * 5, "exactly n - t = 4"),
        ([[0, 0, 1, 2]] * 5, "at most once"),
        ([[0, 1, 2, 7]] * 5, "0..4"),
        ([[0, 1, 2, 3]] * 4, "4 entries"),
        ({0: [0, 1, 2, 3]}, "keys"),
        ("all of them", "got 'all of them'"),
    ]:
        text = ea.parse_hearing(bad, 5, 4)
        assert isinstance(text, str) and words in text, text


def test_algorithm_3_example_silences_round_one_and_inputs_matter() -> None:
    answer = ea.quiet_hearing()
    result = ea.scripted_round_one(5, 1, ea.QUIET_INPUTS, dict(enumerate(answer)))
    assert set(ea.round_one_proposals(result).values()) == {None}
    assert ea.quiet_hearing(inputs=(0, 1, 1, 1, 1)) is None  # no adversary can do it


def test_correctness_1_adopter_decides_one_round_later() -> None:
    s = ec.staggered_run()
    assert s.round >= 2 and s.run.decision_rounds[s.decider] == s.round
    assert ec.adopter_decision_round() == s.round + 1


def test_correctness_2_against_the_exact_tail_and_the_bound() -> None:
    r = ec.rounds_for_share()
    assert ec.undecided_after(r) <= 0.01 < ec.undecided_after(r - 1)
    b = ec.bound_rounds_for_share()
    assert (1 - 2**-5) ** (b - 1) <= 0.01 < (1 - 2**-5) ** (b - 2)
    assert r < b


def test_correctness_3_setup_and_example() -> None:
    assert len(ec.one_decider_senders()) == ec.ONE_T + 1
    result = ec.step_three(ec.one_decider_hearing())
    assert not isinstance(result, str)
    deciders = [e.pid for e in result.trace if e.kind == DECIDE]
    assert deciders == [ec.ONE_TARGET]
    assert "coin" not in {e.kind for e in result.trace}  # lemma: nobody can be made to flip


# --- the notebooks -----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CHAPTERS))
def test_every_computed_number_is_assigned_before_the_text_uses_it(name: str) -> None:
    nb = nbformat.read(CHAPTERS[name], as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert chapter_source.eval_names(text), "the chapter computes its numbers"
    assert not chapter_source.undefined_evals(nb), "used before a code cell assigns it"
    assert "{glue" not in text


@pytest.mark.parametrize("name", sorted(CHAPTERS))
def test_exercise_cells_check_their_own_chapter(name: str) -> None:
    nb = nbformat.read(CHAPTERS[name], as_version=4)
    labels = re.findall(
        r":label: (\S+)", "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    )
    exercises = [label for label in labels if label.startswith(f"{name}-")]
    assert len(exercises) >= 3
    called = re.findall(
        r'check\("([^"]+)"', "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    )
    assert sorted(called) == sorted(exercises)
    for cell in nb.cells:
        if "{solution}" in cell.source:
            assert cell.cell_type == "markdown" and "solution" in cell.metadata.get("tags", [])
            assert cell.source.count("{solution}") == 1


def test_chapter_5_says_at_least_one_plainly() -> None:
    nb = nbformat.read(CHAPTERS["algorithm"], as_version=4)
    text = " ".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "only one" in text and "misstatement" in text and "**at least one**" in text
