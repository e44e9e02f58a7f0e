"""The round stepper: StepperSession (no widgets), the widget driven programmatically, and
the space-time diagram and animation in figures.spacetime."""

import re
import subprocess
import sys

import matplotlib.animation
import pytest

import benor_lib as bl
from benor_lib.apps import round_stepper
from benor_lib.apps.stepper.model import StepperSession, StepperSettings
from benor_lib.figures import (
    COLORS,
    MARKERS,
    space_time_alt_text,
    space_time_figure,
    stepper_animation,
    stepper_animation_html,
)
from benor_lib.protocol.events import ADOPT, COIN, DECIDE, DELIVER, PROPOSE, REPORT
from benor_lib.simulation.narrate import narrate_event

ANIMATION_BUDGET = 340_000  # characters of HTML: 11 frames 670 px wide (text >= 12.5 px)


def reference_run(s: StepperSettings) -> bl.Run:
    return bl.run(
        s.n,
        s.t,
        list(s.inputs),
        variant=s.variant,
        scheduler=s.scheduler,
        faults=[bl.Crash(p) for p in s.crashed],
        seed=s.seed,
        max_rounds=s.max_rounds,
    )


def same_outcome(state: bl.Run, ref: bl.Run) -> None:
    assert state.status == ref.status
    assert state.decisions == ref.decisions
    assert state.decision_rounds == ref.decision_rounds
    assert state.rounds == ref.rounds
    assert state.final == ref.final


def serve_until_decided(session: StepperSession, limit: int = 2000) -> None:
    """Choose for the slowest waiting process the first messages it still needs."""
    for _ in range(limit):
        if session.finished:
            return
        pid = session.next_to_serve()
        need = session.state.final[pid].waiting_for
        session.choose(pid, [m.sender for m in session.offers(pid)][:need])
    raise AssertionError("no decision")


# --- StepperSession, without widgets ---------------------------------------------------


@pytest.mark.parametrize(
    "changes, words",
    [
        ({"n": 2}, "between 3 and 9"),
        ({"n": 10}, "between 3 and 9"),
        ({"n": "5"}, "whole number"),
        ({"n": 4, "t": 2}, "t can be at most 1"),
        ({"t": -1}, "0 or more"),
        ({"seed": -3}, "seed"),
        ({"seed": "abc"}, "seed"),
        ({"crashed": (3, 4)}, "too many crashes"),
        ({"crashed": (7,)}, "does not exist"),
        ({"inputs": (0, 1)}, "one value per process"),
        ({"inputs": (0, 1, 2, 0, 1)}, "must be 0 or 1"),
        ({"scheduler": "fifo"}, "scheduler must be one of"),
    ],
)
def test_settings_refuse_impossible_values(changes, words):
    with pytest.raises(ValueError, match=words):
        StepperSession(**changes)


def test_settings_defaults_and_you_choose_alias():
    s = StepperSettings(n=7, t=3, scheduler="you choose")
    assert s.inputs == (0, 0, 0, 1, 1, 1, 1) and s.scheduler == "choose"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n": 5, "t": 1, "inputs": (0, 0, 1, 1, 1), "seed": 3},
        {"n": 5, "t": 1, "inputs": (0, 1, 0, 1, 0), "seed": 8, "scheduler": "split"},
        {"n": 7, "t": 3, "seed": 2, "crashed": (1, 5)},
        {"n": 4, "t": 1, "seed": 0, "scheduler": "split", "crashed": (0,)},
        {"n": 6, "t": 1, "seed": 5, "variant": "byzantine", "crashed": (2,)},
    ],
)
def test_run_to_decision_matches_benor_run(kwargs):
    session = StepperSession(**kwargs)
    ref = reference_run(session.settings)
    assert session.total == len(ref.deliveries())
    session.run_to_decision()
    assert session.finished and session.k == session.total
    same_outcome(session.state, ref)


def test_state_at_k_is_the_reference_replay():
    session = StepperSession(n=5, t=1, seed=4, scheduler="split")
    ref = session.reference
    for k in (0, 1, 7, 30, session.total // 2):
        state = session.state_at(k)
        assert state.final == ref.replay(upto=k).final
        assert len(state.deliveries()) == k


def test_granularities_move_to_the_right_boundaries():
    session = StepperSession(n=5, t=1, inputs=(0, 0, 1, 1, 1), seed=3)
    assert session.step_delivery() and session.k == 1
    session.reset()
    ks = [0]
    while not session.finished:
        session.step_protocol()
        ks.append(session.k)
        kinds = {e.kind for e in session.caused()[1:]}
        assert kinds, "a protocol step ends with a delivery that made a process act"
        # no delivery in between made anyone act
        for k in range(ks[-2] + 1, ks[-1]):
            assert len(session.caused(k)) == 1
    n_steps = len(session.state.events(PROPOSE, ADOPT, COIN, DECIDE))
    assert len(ks) - 1 == n_steps  # no event-free conclusions here: one per protocol event

    session.reset()
    previous = 1
    while not session.finished:
        session.step_round()
        live = [s for s in session.state.final if s.pid in session.correct]
        if not session.finished:
            assert min(s.round for s in live) == previous + 1
            previous += 1
    assert previous == session.state.rounds


def test_back_and_forward_again_is_consistent():
    session = StepperSession(n=5, t=2, seed=11, crashed=(2,))
    seen = []
    for move in ("step", "delivery", "round", "step", "step", "round"):
        session.forward(move)
        seen.append((session.k, session.state.final, session.last_message))
    for k, final, _ in reversed(seen):
        assert session.k == k and session.state.final == final
        session.back()
    assert session.k == 0
    assert "Already at the start" in session.back()
    again = []
    for move in ("step", "delivery", "round", "step", "step", "round"):
        session.forward(move)
        again.append((session.k, session.state.final, session.last_message))
    assert again == seen


def test_narration_uses_the_trace_sentences():
    session = StepperSession(n=5, t=1, inputs=(0, 0, 1, 1, 1), seed=3)
    assert session.narration().startswith("Step 1: every process broadcasts")
    text = session.step_protocol()
    event = [e for e in session.caused() if e.kind == PROPOSE][0]
    assert text == "Step 2. " + narrate_event(event, session.rules)
    assert "heard" in text and ("D(" in text or "?" in text)
    session.reset()
    assert "reaches" in session.step_delivery()
    session.step_round()
    assert "Step 3. p4 heard" in session.last_message
    assert "Steps 4 and 1: p4 moves on to round 2" in session.last_message


def test_rows_show_what_each_process_heard_and_sent():
    session = StepperSession(n=5, t=1, inputs=(0, 0, 1, 1, 1), seed=3)
    session.step_round()
    rows = session.rows(round=1)
    q = session.rules.quorum
    for row in rows:
        assert row.report == row.input
        assert len(row.heard_reports) == q and len(row.heard_proposals) == q
        assert row.proposed and row.outcome in ("adopt", "coin", "decide")
        assert row.round == 2 and row.step == 2
    coin_rows = [r for r in rows if r.outcome == "coin"]
    assert all(r.coins == ((1, r.outcome_value),) for r in coin_rows)


def test_rows_mark_crashed_processes():
    session = StepperSession(n=5, t=2, seed=1, crashed=(0, 3))
    rows = session.rows()
    assert [r.status for r in rows] == ["crashed", "", "", "crashed", ""]
    session.step_round()
    assert all(r.proposed for r in session.rows(round=1) if not r.status)


def test_you_choose_reaches_a_decision_and_is_deterministic():
    a = StepperSession(n=5, t=1, inputs=(0, 1, 0, 1, 1), seed=5, scheduler="choose")
    assert a.total == 0 and not a.finished
    assert "You choose" in a.step_delivery()
    serve_until_decided(a)
    state = a.state
    assert state.status == "decided" and not state.violations
    assert len(set(state.decisions.values())) == 1
    b = StepperSession(n=5, t=1, inputs=(0, 1, 0, 1, 1), seed=5, scheduler="choose")
    serve_until_decided(b)
    assert b.state.trace == state.trace


def test_you_choose_refuses_bad_choices():
    s = StepperSession(n=5, t=1, seed=5, scheduler="choose")
    with pytest.raises(ValueError, match="needs only 4"):
        s.choose(0, [0, 1, 2, 3, 4])
    with pytest.raises(ValueError, match="at least one"):
        s.choose(0, [])
    with pytest.raises(ValueError, match="not a message in flight"):
        s.choose(0, [(1, 2, 1, 1)])
    with pytest.raises(ValueError, match="no process p9"):
        s.choose(9, [0])
    with pytest.raises(ValueError, match="'you choose'"):
        StepperSession(seed=5).choose(0, [0])
    s.choose(0, [0, 1])  # fewer than needed is fine: it keeps waiting
    assert s.state.final[0].waiting_for == 2
    assert [m.sender for m in s.offers(0)] == [2, 3, 4]
    assert s.next_to_serve() == 0  # the slowest first, ties by pid
    s.choose(0, [2, 3])
    assert s.next_to_serve() == 1  # p0 is a step ahead now: the others come first
    assert s.servable()[-1] == 0 and [m.sender for m in s.offers(0)] == [0]


def test_you_choose_back_redo_and_a_different_choice():
    s = StepperSession(n=3, t=1, inputs=(0, 1, 1), seed=2, scheduler="choose")
    s.choose(0, [0, 1])
    s.choose(1, [1, 2])
    s.choose(2, [2, 0])
    assert s.total == 6
    s.back()
    s.back()
    assert s.k == 2 and s.total == 6
    s.step_delivery()
    assert s.k == 3  # redo the chosen future, one delivery at a time
    s.back()
    s.choose(1, [0, 1])  # a different choice forgets the old future
    assert s.total == 4 and s.k == 4
    assert s.script[2:] == [(0, 1, 1, 1), (1, 1, 1, 1)]


def test_you_choose_to_decision_lets_the_uniform_scheduler_finish():
    s = StepperSession(n=5, t=1, seed=6, scheduler="choose")
    s.choose(0, [0, 1, 2, 3])
    text = s.run_to_decision()
    assert s.finished and s.state.status == "decided"
    assert "uniform scheduler" in text
    assert s.script[:4] == [(0, 0, 1, 1), (1, 0, 1, 1), (2, 0, 1, 1), (3, 0, 1, 1)]


def test_frames_cover_one_round():
    s = StepperSession(n=5, t=1, inputs=(0, 0, 1, 1, 1), seed=3)
    ks = s.frames(1)
    assert ks[0] == 0 and ks == sorted(set(ks))
    assert len(ks) == 1 + 2 * 5  # the start, then each process's step 2 and step 3
    assert s.k == 0  # frames() does not move the session
    assert s.frames(2)[0] == ks[-1]


# --- the widget --------------------------------------------------------------------------


def test_widget_run_to_decision_matches_benor_run():
    w = round_stepper()
    w.seed_box.value = "3"
    w.n_box.value = 6
    w.t_box.value = 2
    w.input_buttons[0].value = True
    assert not w.message.has_error
    s = w.session.settings
    assert (s.n, s.t, s.seed, s.inputs) == (6, 2, 3, (1, 0, 1, 1, 1, 1))
    for _ in range(200):
        if w.decision_button.disabled:
            break
        w.round_button.click()
    assert w.session.finished
    same_outcome(w.session.state, reference_run(s))
    assert "decided" in w.narration.value and w.diagram.value[:4] == b"\x89PNG"
    # the image's text alternative (its title in the page) describes the diagram shown
    alt = space_time_alt_text(w.session.state, w.session.focus_round)
    assert w.diagram.tooltip.strip() and w.diagram.tooltip == alt
    assert "Space-time diagram of round" in w.diagram.tooltip
    # the front end shows a tooltip only beside an empty description, which Image lacks
    # (without one its view fails to render); see benor_lib.apps.common.DescribedImage
    state = w.diagram.get_state()
    assert state["description"] == "" and state["tooltip"] == alt


def test_widget_steps_back_and_forward_consistently():
    w = round_stepper(seed=4)
    pictures = []
    for b in (w.step_button, w.delivery_button, w.step_button, w.round_button):
        b.click()
        pictures.append((w.session.k, w.table.value, w.narration.value))
    for k, table, _ in reversed(pictures):
        assert (w.session.k, w.table.value) == (k, table)
        w.back_button.click()
    assert w.session.k == 0 and w.back_button.disabled
    again = []
    for b in (w.step_button, w.delivery_button, w.step_button, w.round_button):
        b.click()
        again.append((w.session.k, w.table.value, w.narration.value))
    assert again == pictures
    w.reset_button.click()
    assert w.session.k == 0 and "Step 1" in w.narration.value


@pytest.mark.parametrize(
    "control, value, words",
    [
        ("n_box", 12, "between 3 and 9"),
        ("n_box", 2, "between 3 and 9"),
        ("t_box", 3, "t can be at most 2"),
        ("t_box", -1, "at least 0"),
        ("seed_box", "abc", "whole number"),
        ("seed_box", "-1", "at least 0"),
    ],
)
def test_widget_refuses_bad_settings_and_stays_usable(control, value, words):
    w = round_stepper(seed=2)
    before = w.session
    getattr(w, control).value = value
    assert w.message.has_error and words in w.message.text
    assert w.session is before
    w.step_button.click()  # still usable with the last valid settings
    assert w.session.k > 0
    assert w.message.has_error  # the refusal stays until the settings are valid again
    w.n_box.value = 7
    w.t_box.value = 3
    w.seed_box.value = "9"
    assert not w.message.has_error, w.message.text
    assert (w.session.settings.n, w.session.settings.t) == (7, 3)
    assert len(w.input_buttons) == len(w.crash_buttons) == 7
    w.decision_button.click()
    assert w.session.finished


def test_widget_refuses_too_many_crashes():
    w = round_stepper(n=5, t=1, seed=1)
    w.crash_buttons[4].value = True
    assert not w.message.has_error and w.session.settings.crashed == (4,)
    w.crash_buttons[2].value = True
    assert "too many crashes" in w.message.text
    assert w.session.settings.crashed == (4,)
    w.crash_buttons[2].value = False
    assert not w.message.has_error
    w.decision_button.click()
    assert "crashed" in w.table.value and w.session.state.status == "decided"


def test_round_stepper_with_bad_arguments_does_not_raise():
    w = round_stepper(n=20)
    assert w.message.has_error and "between 3 and 9" in w.message.text
    assert w.session.settings.n == 5


@pytest.mark.parametrize("scheduler", ["uniform", "split", "choose"])
def test_widget_every_scheduler_reaches_a_decision(scheduler):
    w = round_stepper(n=4, t=1, seed=7)
    w.scheduler_box.value = scheduler
    assert w.session.settings.scheduler == scheduler
    if scheduler != "choose":
        assert w.choose_panel.layout.display == "none"
        w.decision_button.click()
        same_outcome(w.session.state, reference_run(w.session.settings))
    else:
        assert w.choose_panel.layout.display == ""
        for _ in range(500):
            if w.session.finished:
                break
            need = w.session.state.final[w.serve_box.value].waiting_for
            for box in w.offer_checks[:need]:
                box.value = True
            w.deliver_button.click()
            assert not w.message.has_error, w.message.text
        assert w.session.state.status == "decided"
        assert w.deliver_button.disabled and w.decision_button.disabled
    assert "decided" in w.position.value


def test_widget_you_choose_messages_and_hints():
    w = round_stepper(n=5, t=1, seed=7, scheduler="choose")
    assert "You choose" in w.choose_hint.value and w.serve_box.value == 0
    assert [c.sender for c in w.offer_checks] == [0, 1, 2, 3, 4]
    w.deliver_button.click()
    assert "tick at least one" in w.message.text
    for box in w.offer_checks:
        box.value = True
    w.deliver_button.click()
    assert "needs only 4" in w.message.text
    w.offer_checks[0].value = False
    w.deliver_button.click()
    assert not w.message.has_error and "p0 hears p1, p2, p3, p4" in w.narration.value
    assert "The diagram in words" in w.diagram_text.value
    w.step_button.click()  # nothing chosen beyond here: a hint, not an error
    assert "You choose" in w.narration.value
    w.decision_button.click()
    assert w.session.finished and "uniform scheduler" in w.narration.value


# --- figures -----------------------------------------------------------------------------


def test_space_time_draws_an_arrow_per_delivery_and_distinct_markers():
    session = StepperSession(n=5, t=1, inputs=(0, 0, 1, 1, 1), seed=3)
    session.step_round()
    state = session.state
    fig = space_time_figure(state, round=1)
    ax = fig.axes[0]
    arrows = [p for p in ax.patches if p.get_gid() == "delivered"]
    assert len(arrows) == sum(1 for e in state.trace if e.kind == DELIVER and e.round == 1)
    lines = {line.get_gid(): line for line in ax.get_lines() if line.get_gid()}
    r0, r1 = lines["arrival-report-0"], lines["arrival-report-1"]
    assert r0.get_marker() == MARKERS[0] and r1.get_marker() == MARKERS[1]
    assert r0.get_marker() != r1.get_marker() and r0.get_color() != r1.get_color()
    assert r0.get_color() == COLORS[0] and r1.get_color() == COLORS[1]
    proposals = [g for g in lines if g.startswith(("propose-", "adopt-", "coin-", "decide-"))]
    assert len(proposals) >= 2
    styles = {p.get_linestyle() for p in arrows}
    assert len(styles) == 2  # reports and proposals look different
    assert "round 1" in space_time_alt_text(state, 1)


def test_space_time_shows_messages_in_flight():
    session = StepperSession(n=5, t=1, seed=3)
    ax = space_time_figure(session.state, static=False).axes[0]
    waiting = [line for line in ax.get_lines() if line.get_gid() == "in_flight"]
    assert len(waiting) == 25 and not [p for p in ax.patches if p.get_gid() == "delivered"]


def test_animation_renders_under_budget():
    anim = stepper_animation(StepperSession(n=5, t=1, inputs=(0, 0, 1, 1, 1), seed=3))
    assert isinstance(anim, matplotlib.animation.FuncAnimation)
    assert len(anim.captions) == 11 and "heard" in anim.captions[1]
    anim._init_draw()  # draws the first frame without rendering them all
    html = stepper_animation_html(StepperSession(n=5, t=1, inputs=(0, 0, 1, 1, 1), seed=3))
    assert html.count("data:image/png;base64") == 11
    assert len(html) < ANIMATION_BUDGET, len(html)
    # the frame slider has an accessible name (matplotlib labels only the buttons)
    slider = re.search(r'<input\b[^>]*id="_anim_slider[^>]*>', html)
    assert slider and 'aria-label="Animation frame"' in slider.group(0)


def test_core_modules_do_not_import_widgets():
    code = (
        "import sys, benor_lib, benor_lib.figures, benor_lib.analysis, benor_lib.publish\n"
        "import benor_lib.apps.stepper.model, benor_lib.apps.explorer.model\n"
        "import benor_lib.apps.model_explorer.model\n"
        "assert not [m for m in sys.modules if m.endswith('.view') or m == 'ipywidgets']\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_stepper_shows_step_numbers():
    session = StepperSession(n=3, t=1, seed=1)
    assert {r.step for r in session.rows()} == {2}
    session.step_protocol()
    steps = {r.pid: r.step for r in session.rows()}
    assert sorted(steps.values()) == [2, 2, 3]
    assert session.state.final[0].phase != REPORT or steps[0] == 2
