"""Chapters 2 to 4 (consensus, FLP, model): their figure functions and exercise checkers."""

from __future__ import annotations

import math
from pathlib import Path

import nbformat
import numpy as np
import pytest
from matplotlib.figure import Figure

import benor_lib as bl
from benor_lib import analysis, figures, publish
from benor_lib.classroom import REGISTRY, check, ex_consensus, ex_flp, ex_model

CHAPTER_IDS = [f"{c}-{k}" for c in ("consensus", "flp", "model") for k in (1, 2, 3)]

# --- the checkers -----------------------------------------------------------------------


def test_every_exercise_is_registered_with_its_chapter_and_a_kind() -> None:
    for exercise_id in CHAPTER_IDS:
        ex = REGISTRY[exercise_id]
        assert ex.chapter == exercise_id.split("-")[0]
        assert ex.section and ex.has_example
    kinds = {REGISTRY[i].kind for i in CHAPTER_IDS}
    assert kinds == {"predict", "compute", "adversary"}
    for chapter in ("consensus", "flp", "model"):
        assert {e.kind for e in REGISTRY.values() if e.chapter == chapter} == kinds


def test_correct_answers_are_what_the_library_says() -> None:
    # consensus-1: with t = 1 any 4 reports of 00001 hold three 0s, so 1 never wins
    assert ex_consensus.ones_won() == 0
    assert ex_consensus.ones_won(t=2) > 0  # with t = 2 it sometimes does
    assert ex_consensus.quorum_overlap(9, 3) == 3
    assert ex_consensus.quorum_overlap(5, 2) == 1
    # consensus-3: two or three ones are exactly the inputs the split adversary can balance
    for v in [(0, 0, 0, 1, 1), (1, 0, 1, 0, 1), (1, 1, 0, 0, 0)]:
        assert ex_consensus.round_one_verdict(v) is True
    for v in [(0, 0, 0, 0, 0), (1, 1, 1, 1, 0)]:
        assert isinstance(ex_consensus.round_one_verdict(v), str)
    # flp-1: the split adversary cannot stop the rule "zero"
    assert ex_flp.predicted_run().status == "decided"
    assert ex_flp.first_bivalent_step() == 3
    # model: n = 2t + 1 under the split adversary, each round fails with 1 - 2^(1 - n)
    q = 1 - 2.0 ** (1 - 3)
    assert ex_model.undecided_after(3, 1, 4, inputs=[0, 1, 1]) == pytest.approx(q**3)
    assert ex_model.undecided_after(5, 2, 6) == pytest.approx((1 - 2.0**-4) ** 6)
    # model-1: n = 9, t = 2: a round ends the run when at least 7 of the 9 values agree
    q9 = 2 * sum(math.comb(9, s) for s in (7, 8, 9)) / 2**9
    assert ex_model.undecided_after(9, 2, 10) == pytest.approx((1 - q9) ** 10)
    assert ex_model.predicted_side() == "below"


def test_flp_strategy_script_delivers_every_message_and_repeats_the_configuration() -> None:
    answer = ex_flp.first_strategy()
    result = ex_flp.strategy_run(answer["reports"], answer["proposals"], rounds=6)
    assert not result.decisions and result.status == "undecided"
    values = analysis.round_values(result, 6)
    assert all((values[:, r] == values[:, 0]).all() for r in range(6))
    delivered = set(result.deliveries())
    rounds_1_to_5 = [m for m in delivered if m[2] <= 5]
    assert len(rounds_1_to_5) == 5 * 2 * 3 * 3  # every message of rounds 1-5 arrived


def test_flp_strategy_checker_explains_malformed_strategies() -> None:
    bad = [
        {"reports": [0, 2, 0], "proposals": [1, 2, 0]},  # p0 "hears" itself
        {"reports": [1, 2, 3], "proposals": [1, 2, 0]},  # no process 3
        {"reports": [1, 2], "proposals": [1, 2, 0]},
        {"reports": "120", "proposals": [1, 2, 0]},
        {"reports": [1, True, 0], "proposals": [1, 2, 0]},
        {"report": [1, 2, 0], "proposals": [1, 2, 0]},
    ]
    for answer in bad:
        feedback = check("flp-3", answer)
        assert feedback.status == "malformed", (answer, feedback)


# --- the figure functions --------------------------------------------------------------


def test_round_values_of_a_run() -> None:
    result = bl.run(5, 1, [0, 0, 1, 1, 1], scheduler="split", coin="keep", max_rounds=4, seed=0)
    values = analysis.round_values(result)
    assert values.shape == (5, 4)
    assert (values == np.array([[0], [0], [1], [1], [1]])).all()
    crashed = bl.run(5, 1, [0, 0, 0, 1, 1], faults=[bl.Crash(4, round=2)], seed=1, max_rounds=9)
    values = analysis.round_values(crashed)
    assert values[4, 0] == 1 and (values[4, 1:] == -1).all()


def test_round_values_figure() -> None:
    result = bl.run(5, 1, [0, 1, 0, 1, 1], seed=3)
    fig = figures.round_values_figure(result, title="a run")
    assert isinstance(fig, Figure)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert len(texts) == 5 and all(t.startswith("decided") for t in texts)
    stuck = bl.run(5, 1, [0, 0, 1, 1, 1], scheduler="split", coin="keep", max_rounds=20, seed=0)
    fig = figures.round_values_figure(stuck)
    assert [t.get_text() for t in fig.axes[0].texts] == ["undecided"] * 5
    assert fig.get_facecolor()[:3] == (1.0, 1.0, 1.0)


def test_outcomes_by_ones_and_its_figure() -> None:
    rows = analysis.outcomes_by_ones(5, 2, 20)
    assert [r["k"] for r in rows] == list(range(6))
    for r in rows:
        assert r["decided_0"] + r["decided_1"] + r["undecided"] == r["runs"] == 20
        assert r["violations"] == 0
    assert rows[0]["decided_1"] == 0 and rows[-1]["decided_0"] == 0  # validity
    fig = figures.outcome_bars_figure(rows, title="outcomes")
    hatches = {p.get_hatch() for p in fig.axes[0].patches}
    assert {figures.HATCHES[1]} <= hatches


def test_undecided_share() -> None:
    share = analysis.undecided_share([1, 2, 3, 5], [False, False, False, True], 4)
    assert share.tolist() == [1.0, 0.75, 0.5, 0.25, 0.25]
    with pytest.raises(ValueError, match="same"):
        analysis.undecided_share([1, 2], [False], 3)


def test_undecided_figure_linear_and_log() -> None:
    exact = 1 - np.concatenate(([0.0], np.cumsum(bl.exact_rounds(3, 1, scheduler="split"))))
    fig = figures.undecided_figure({"a": [1.0, 0.5, 0.2, 0.0], "b": [1.0, 1.0, 1.0, 1.0]})
    assert len(fig.axes[0].get_lines()) == 2
    fig = figures.undecided_figure({"n=3": [1.0, 0.7, 0.0]}, exact={"n=3": exact}, log=True)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["n=3 (exact)", "n=3 (simulated)"]


def test_series_styles_differ_in_more_than_colour() -> None:
    styles = [figures.series_style(i) for i in range(3)]
    assert len({s["marker"] for s in styles}) == 3
    assert len({s["linestyle"] for s in styles}) == 3
    assert not {s["marker"] for s in styles} & set(figures.MARKERS.values())


def test_markdown_table() -> None:
    text = publish.markdown_table(["k", "share", "name"], [[1, 0.5, "a|b"], [2, float("nan"), "c"]])
    lines = text.splitlines()
    assert lines[0] == "| k | share | name |"
    assert lines[1] == "| --: | --: | :-- |"
    assert lines[2] == "| 1 | 0.5 | a\\|b |" and "–" in lines[3]
    with pytest.raises(ValueError):
        publish.markdown_table(["a", "b"], [[1]])


@pytest.mark.parametrize("exercise_id", CHAPTER_IDS)
def test_hint_section_is_a_heading_of_the_chapter(exercise_id: str) -> None:
    ex = REGISTRY[exercise_id]
    path = Path(__file__).resolve().parents[2] / "book" / f"{ex.chapter}.ipynb"
    cells = nbformat.read(path, as_version=4).cells
    headings = {
        line.lstrip("#").strip()
        for cell in cells
        if cell.cell_type == "markdown"
        for line in cell.source.splitlines()
        if line.startswith("#")
    }
    assert ex.section in headings, f"{exercise_id}: no heading {ex.section!r} in {path.name}"
