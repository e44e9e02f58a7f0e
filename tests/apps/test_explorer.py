"""The distribution explorer: its widget-free model, its figure, and the widget driven by code.

The widget is driven the way a reader drives it, by setting control values; every change
must change the figure or the statistics, bad combinations must give a message (never a
traceback) and leave the widget usable, and settings that would take long must be capped
with a visible note. Timing is measured generously here; benchmarks/bench_explorer.py
prints the real figures.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from matplotlib.figure import Figure

from benor_lib import analysis, exact_rounds, figures, sample_rounds
from benor_lib.apps import DistributionExplorer, distribution_explorer
from benor_lib.apps.explorer import model as em
from benor_lib.distributions.exact import ROUND_CAP
from benor_lib.distributions.phase_type import round_distribution


def _mean(p: np.ndarray) -> float:
    return float(np.arange(1, p.size + 1) @ p / p.sum())


# --- settings ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"n": 5, "t": 3}, "t=3 is too large for n=5"),
        ({"n": 5, "t": 2, "crashes": 3}, "more than t=2"),
        ({"n": 5, "t": 1, "crashes": 2}, "tolerates at most t crashes"),
        ({"n": 5, "inputs": "ones", "ones": 6}, "only 5 processes"),
        ({"n": 1}, "n must be between"),
        ({"n": 65}, "n must be between"),
        ({"t": -1}, "t must be 0 or more"),
        ({"seed": -3}, "seed must be"),
        ({"runs": 0}, "number of runs must be between"),
        ({"scheduler": "fifo"}, "scheduler must be one of"),
        ({"coin": "biased"}, "coin must be one of"),
        ({"inputs": "mixed"}, "inputs must be one of"),
        ({"scale": "loglog"}, "scale must be one of"),
        ({"n": 5.0}, "n must be a whole number"),
        ({"t": True}, "t must be a whole number"),
    ],
)
def test_bad_settings_say_what_is_wrong(kwargs, words):
    with pytest.raises(ValueError, match=words):
        em.ExplorerSettings(**kwargs)


def test_ones_out_of_range_is_fine_unless_the_ones_mode_uses_it():
    assert em.ExplorerSettings(n=5, ones=9).sampling_key.ones == 0
    assert em.ExplorerSettings(n=5, inputs="ones", ones=5).sample_inputs == 5
    assert em.ExplorerSettings(n=5, inputs="equal").sample_inputs == 5


# --- the cap rule ----------------------------------------------------------------------


def test_cheap_settings_are_not_capped():
    plan = em.plan_runs(em.ExplorerSettings(runs=10_000))
    assert not plan.capped and plan.runs == 10_000 and plan.estimate == "exact"
    assert plan.work <= plan.budget
    # n = 9, t = 4 under the split adversary (mean 256 rounds) still gets all its runs
    plan = em.plan_runs(em.ExplorerSettings(n=9, t=4, scheduler="split"))
    assert not plan.capped and plan.runs == 10_000


def test_costly_settings_run_fewer_runs_then_shorter_runs():
    fewer = em.plan_runs(em.ExplorerSettings(n=12, t=3, scheduler="split", runs=100_000))
    assert fewer.capped_runs and not fewer.capped_rounds
    assert em.MIN_RUNS <= fewer.runs < 100_000 and fewer.work <= fewer.budget
    shorter = em.plan_runs(em.ExplorerSettings(n=21, t=10, scheduler="split"))
    assert shorter.capped_runs and shorter.capped_rounds
    assert shorter.runs == em.MIN_RUNS and shorter.work <= shorter.budget
    assert shorter.expected_rounds == pytest.approx(2.0**20)  # the split adversary's 2^(n-1)


def test_the_cap_uses_a_trial_where_nothing_exact_is_known_and_is_deterministic():
    settings = em.ExplorerSettings(n=25, t=12, crashes=2)  # crashes: no exact law, no formula
    first, second = em.plan_runs(settings), em.plan_runs(settings)
    assert first == second and first.estimate == "trial" and first.capped
    exact = em.plan_runs(em.ExplorerSettings(n=25, t=12))  # no crashes: the chain, any n
    assert exact.estimate == "exact" and exact.capped
    assert exact.expected_rounds == pytest.approx(round_distribution(25, 12).mean)
    crashed = em.plan_runs(em.ExplorerSettings(n=5, t=1, crashes=1))
    assert crashed.estimate == "trial" and not crashed.capped
    assert math.isfinite(crashed.expected_rounds)


def test_plan_rejects_a_bad_budget():
    for budget in (0, -1, "big", True):
        with pytest.raises(ValueError, match="budget"):
            em.plan_runs(em.ExplorerSettings(), budget)


def test_capped_view_says_so_and_counts_censored_runs():
    view = em.compute_view(em.ExplorerSettings(n=17, t=8, scheduler="split"))
    note = view.cap_note()
    assert note.startswith("Capped to stay responsive")
    assert f"{view.plan.max_rounds:,} rounds" in note and "cut off undecided" in note
    assert view.censored_runs == int(view.sample.censored.sum()) > 0
    assert "lower bounds" in view.stats_text()
    assert view.counts.sum() + view.censored_runs == view.runs


# --- views -----------------------------------------------------------------------------


def test_view_adds_the_exact_distribution_where_covered():
    view = em.compute_view(em.ExplorerSettings())
    assert view.exact is not None and view.exact_note == ""
    np.testing.assert_allclose(view.exact, exact_rounds(5, 1))
    stats = view.stats()
    assert stats["exact_mean"] == pytest.approx(_mean(exact_rounds(5, 1)))
    assert stats["runs"] == 10_000 and stats["censored_share"] == 0
    assert stats["median"] == view.sample.median and stats["p99"] == view.sample.quantile(0.99)
    crashed = em.compute_view(em.ExplorerSettings(crashes=1))
    assert crashed.exact is None and "without crashes" in crashed.exact_note
    wide = em.compute_view(em.ExplorerSettings(n=13, t=2, runs=1_000))
    assert wide.exact is not None and wide.exact_note == ""  # the chain covers every n
    long = em.ExplorerSettings(n=15, t=7, scheduler="split", runs=1_000)
    assert not long.exact_covered  # mean 2^14: the tail runs past ROUND_CAP rounds
    note = em.compute_view(long).exact_note
    assert f"{ROUND_CAP:,}" in note and f"{2.0**14:.4g}" in note


def test_view_call_reproduces_the_sample():
    view = em.compute_view(em.ExplorerSettings(n=7, t=2, inputs="ones", ones=3, seed=9))
    again = eval(view.call(), {"sample_rounds": sample_rounds})  # noqa: S307 - our own string
    np.testing.assert_array_equal(again.rounds, view.sample.rounds)


def test_session_keeps_the_previous_setting_and_caches():
    session = em.ExplorerSession(em.ExplorerSettings())
    first = session.current
    assert session.previous is None
    session.update(em.ExplorerSettings(scheduler="split"))
    assert session.previous is first and session.current.settings.scheduler == "split"
    session.update(em.ExplorerSettings(scheduler="split", scale="log"))  # drawing only
    assert session.previous is first and session.current.settings.scale == "log"
    session.update(em.ExplorerSettings())  # back: served from the cache
    assert session.current.sample is first.sample
    assert session.previous.settings.scheduler == "split"


# --- the split adversary's closed form ------------------------------------------------


@pytest.mark.parametrize("n", range(2, 11))
def test_split_adversary_is_geometric_with_the_formula(n):
    for t in range(0, (n - 1) // 2 + 1):
        q = analysis.split_success_probability(n, t)
        p = exact_rounds(n, t, scheduler="split", max_rounds=60)
        np.testing.assert_allclose(p, q * (1 - q) ** np.arange(60), atol=1e-12)
    if n % 2:
        assert analysis.split_success_probability(n, (n - 1) // 2) == 2.0 ** (1 - n)


def test_formula_mean_matches_the_exact_chain_for_every_input_and_coin():
    from benor_lib.apps.explorer.plan import _split_formula_mean

    for n, t in [(5, 1), (5, 2), (8, 3), (9, 2)]:
        for coin in ("local", "common"):
            for inputs, ones in [("random", 0), ("equal", 0), *[("ones", k) for k in range(n + 1)]]:
                s = em.ExplorerSettings(
                    n=n, t=t, scheduler="split", coin=coin, inputs=inputs, ones=ones
                )
                exact = _mean(
                    exact_rounds(n, t, inputs=s.sample_inputs, scheduler="split", coin=coin)
                )
                assert _split_formula_mean(s) == pytest.approx(exact, rel=1e-8), s


# --- the chapter's analyses ---------------------------------------------------------


def test_decision_split_adds_up_to_the_exact_distribution():
    for kwargs in ({}, {"scheduler": "split"}, {"inputs": [0, 0, 1, 1, 1]}, {"coin": "common"}):
        together, lagged = analysis.decision_split(5, 1, rounds=80, **kwargs)
        np.testing.assert_allclose(together + lagged, exact_rounds(5, 1, max_rounds=80, **kwargs))
        assert lagged[0] == 0
    with pytest.raises(ValueError):
        analysis.decision_split(5, 1, inputs=[0, 1])


def test_event_rounds_collects_first_and_last_decisions():
    events = analysis.event_rounds(5, 1, 40, seed=3)
    assert events.rounds.shape == events.first.shape == (40,)
    assert np.all(events.first <= events.rounds) and np.all(events.rounds - events.first <= 1)
    assert events.violations == 0 and 0 <= events.lagged_share <= 1


def test_tables_by_n():
    exact = analysis.exact_by_n([3, 5, 7], lambda n: (n - 1) // 2, scheduler="split")
    np.testing.assert_allclose(exact["mean"], [4, 16, 64], rtol=1e-8)
    assert list(exact["t"]) == [1, 2, 3]
    sampled = analysis.sampled_by_n([5, 9], lambda n: 1, 500, seed=1)
    assert list(sampled["n"]) == [5, 9] and np.all(sampled["censored_share"] == 0)


# --- figures ----------------------------------------------------------------------------


def _bar_colours(fig: Figure) -> set[str]:
    from matplotlib.colors import to_hex

    return {to_hex(p.get_facecolor()) for ax in fig.axes for p in ax.patches}


def test_histogram_figure_single_overlay_and_side():
    session = em.ExplorerSession(em.ExplorerSettings(n=5, t=2))
    session.update(em.ExplorerSettings(n=5, t=2, scheduler="split", scale="log"))
    single = figures.rounds_histogram_figure(session.current)
    assert isinstance(single, Figure) and len(single.axes) == 1
    assert single.get_facecolor()[3] == 1 and single.axes[0].get_yscale() == "log"
    assert "bars of" in single.axes[0].get_xlabel()  # long tail: rounds are binned
    overlay = figures.rounds_histogram_figure(session.current, session.previous)
    assert len(overlay.axes) == 1 and len(_bar_colours(overlay)) == 2
    assert "previous" in overlay.axes[0].get_title(loc="left")
    side = figures.rounds_histogram_figure(session.current, session.previous, layout="side")
    assert len(side.axes) == 2 and side.axes[0].get_ylim() == side.axes[1].get_ylim()
    alt = figures.rounds_histogram_alt_text(session.current, session.previous, "side")
    assert session.previous.label in alt and "panel on the left" in alt
    with pytest.raises(ValueError, match="layout"):
        figures.rounds_histogram_figure(session.current, layout="diagonal")


def test_other_chapter_figures():
    together, lagged = analysis.decision_split(5, 1)
    assert isinstance(figures.decision_split_figure(together, lagged), Figure)
    panel = {"title": "x", "ylabel": "y", "series": [{"label": "a", "x": [1, 2], "y": [1, 4]}]}
    fig = figures.rounds_by_n_figure([panel, panel], stack=True)
    assert len(fig.axes) == 2 and fig.axes[0].get_position().y0 > fig.axes[1].get_position().y0
    bad = {**panel, "series": [{"label": "a", "x": [1], "y": [1], "draw": "dots"}]}
    with pytest.raises(ValueError, match="draw"):
        figures.rounds_by_n_figure([bad])


# --- the widget -----------------------------------------------------------------------


@pytest.fixture
def explorer() -> DistributionExplorer:
    return distribution_explorer()


def _snapshot(w: DistributionExplorer) -> tuple[bytes, str]:
    return w.figure_png, w.stats.value


def test_widget_starts_with_a_figure_and_statistics(explorer):
    assert explorer.figure_png.startswith(b"\x89PNG")
    assert "mean" in explorer.stats.value and "exact mean" in explorer.stats.value
    assert not explorer.message.has_error and explorer.note.text == ""
    assert "sample_rounds(5, 1, 10_000" in explorer.reproduce.value
    # the image's text alternative (its title in the page) describes the histogram shown
    assert explorer.figure.tooltip and explorer.figure.tooltip.strip()
    assert explorer.figure.tooltip == figures.rounds_histogram_alt_text(explorer.session.current)
    assert explorer.figure.get_state()["description"] == ""  # see DescribedImage


CONTROL_MOVES = [
    ("n_slider", 7),
    ("t_slider", 2),
    ("crashes_slider", 1),
    ("inputs_box", "equal"),
    ("scheduler_box", "split"),
    ("coin_box", "common"),
    ("runs_box", 1_000),
    ("seed_box", 2),
    ("scale_box", "log"),
]


@pytest.mark.parametrize("control, value", CONTROL_MOVES, ids=[c for c, _ in CONTROL_MOVES])
def test_every_control_changes_the_figure_or_the_statistics(explorer, control, value):
    before = _snapshot(explorer)
    getattr(explorer, control).value = value
    assert not explorer.message.has_error, explorer.message.text
    assert _snapshot(explorer) != before, f"{control} = {value!r} changed nothing"


def test_the_ones_slider_counts_in_the_ones_mode(explorer):
    assert explorer.ones_slider.disabled
    explorer.inputs_box.value = "ones"
    assert not explorer.ones_slider.disabled
    before = _snapshot(explorer)
    explorer.ones_slider.value = 3
    assert _snapshot(explorer) != before
    assert explorer.session.current.settings.sample_inputs == 3


def test_compare_mode_keeps_the_previous_histogram(explorer):
    assert explorer.layout_box.disabled
    explorer.compare_box.value = True
    assert "Compare: change a setting" in explorer.note.text  # nothing to compare yet
    first = explorer.session.current
    explorer.scheduler_box.value = "split"
    assert explorer.comparing and explorer.session.previous is first
    assert "<b>previous</b>" in explorer.stats.value and "<b>now</b>" in explorer.stats.value
    assert first.label in explorer.description.value
    assert first.label in explorer.figure.tooltip  # the image's description follows it
    side = explorer.figure_png
    explorer.layout_box.value = "overlay"
    assert explorer.figure_png != side
    explorer.scale_box.value = "log"  # drawing only: the previous setting stays
    assert explorer.session.previous is first
    explorer.n_slider.value = 7  # a new setting: the split n=5 run becomes the previous one
    assert explorer.session.previous.settings.scheduler == "split"
    assert explorer.session.previous.settings.n == 5
    explorer.compare_box.value = False
    assert "<b>previous</b>" not in explorer.stats.value


def test_large_n_with_the_split_adversary_is_capped_with_a_note(explorer):
    explorer.scheduler_box.value = "split"
    explorer.n_slider.value = 31
    explorer.t_slider.value = 15
    assert not explorer.message.has_error
    assert "Capped to stay responsive" in explorer.note.text
    assert "exact distribution is not shown" in explorer.note.text
    assert explorer.session.current.plan.capped
    assert "lower bounds" in explorer.stats.value
    # how long it takes is for benchmarks/bench_widgets.py and tests/book/test_responsiveness.py


@pytest.mark.parametrize(
    "moves, words",
    [
        ([("t_slider", 3)], "t=3 is too large for n=5"),
        ([("crashes_slider", 2)], "2 crashed processes are more than t=1"),
        ([("inputs_box", "ones"), ("ones_slider", 9)], "only 5 processes"),
        ([("seed_box", -1)], "seed must be"),
    ],
)
def test_bad_combinations_give_a_message_and_the_widget_stays_usable(explorer, moves, words):
    for control, value in moves[:-1]:  # valid moves that lead up to the bad one
        getattr(explorer, control).value = value
    shown = explorer.figure_png
    control, value = moves[-1]
    getattr(explorer, control).value = value
    assert explorer.message.has_error and words in explorer.message.text
    assert "last valid setting" in explorer.message.text
    assert "Traceback" not in explorer.message.value
    assert explorer.figure_png == shown  # the last good figure stays
    explorer.t_slider.value = 2  # n=5, t=2 repairs every one of these except the seed...
    explorer.crashes_slider.value = 0
    explorer.ones_slider.value = 2
    explorer.seed_box.value = 4  # ...and this repairs the seed
    assert not explorer.message.has_error, explorer.message.text
    assert explorer.figure_png != shown
    assert explorer.session.current.settings.t == 2


def test_bad_starting_arguments_fall_back_with_a_message():
    w = distribution_explorer(n=5, t=4, layout="diagonal")
    assert w.message.has_error and "t=4 is too large" in w.message.text
    assert w.session.current.settings.n == 5 and w.session.current.settings.t == 1
    assert w.layout_box.value == "side"


def test_unexpected_errors_become_a_message(explorer, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(explorer.session, "begin", broken)
    explorer.n_slider.value = 7
    assert explorer.message.has_error and "boom" in explorer.message.text
    monkeypatch.undo()
    explorer.n_slider.value = 9
    assert explorer.session.current.settings.n == 9


def test_a_slider_move_with_ten_thousand_runs_completes(explorer):
    explorer.n_slider.value = 6  # warm up caches and imports
    start = time.perf_counter()
    explorer.n_slider.value = 7
    elapsed = time.perf_counter() - start
    assert explorer.session.current.runs == 10_000
    print(f"slider move, n=7, t=1, 10,000 runs: {elapsed * 1000:.0f} ms")
    # no wall-clock assert here (load makes it flaky): the time budgets are checked in a
    # real JupyterLab by tests/book/test_responsiveness.py, and printed by the benchmark
    timing = explorer.timings[-1]
    assert timing.complete is not None and timing.first_answer <= timing.complete
