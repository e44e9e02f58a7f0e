"""The model explorer: its widget-free layer (model_explorer_model) and the widget.

The widget is driven programmatically, as a reader would drive it: every kind of result is
reachable, bad settings give a message and never a traceback, and the widget stays usable
after one.
"""

from __future__ import annotations

import html

import pytest
from matplotlib.figure import Figure

import benor_lib as bl
from benor_lib import figures
from benor_lib.analysis import breakit
from benor_lib.analysis.breakit import changed_thresholds, rules_from_answer, safe_find_violation
from benor_lib.analysis.key_rounds import key_round, key_sentences
from benor_lib.apps import ModelExplorer
from benor_lib.apps.model_explorer import model as mm
from benor_lib.apps.model_explorer.model import ModelSession, ModelSettings, explore_model
from benor_lib.apps.model_explorer.view import model_explorer
from benor_lib.impossibility import Counterexample, Lasso
from benor_lib.protocol.events import ADOPT, COIN, DECIDE, PROPOSE
from benor_lib.publish import duration_words

RESULTS = ("FLP", "Ben-Or", "bound violated", "no fault to tolerate")

# One setting per result, with the demonstration the worst case gives.
EXAMPLES = {
    "FLP": (dict(coin="keep", n=5, t=1), "endless run"),
    "Ben-Or": (dict(coin="local", n=5, t=1, faults=1), "decided run"),
    "bound violated": (
        dict(coin="local", variant="byzantine", n=6, t=1, faults=2),
        "counterexample",
    ),
    "no fault to tolerate": (dict(coin="zero", n=3, t=0), None),
}


# --- settings ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n=1), "n must be between"),
        (dict(n=13), "n must be between"),
        (dict(n=5.0), "n must be an integer"),
        (dict(n=True), "n must be an integer"),
        (dict(t=5), "t must be smaller than n"),
        (dict(t=-1), "t must be at least 0"),
        (dict(faults=5), "at most n - 1"),
        (dict(faults=-1), "faulty processes must be at least 0"),
        (dict(coin="dice"), "coin must be one of"),
        (dict(variant="omission"), "fault model must be one of"),
        (dict(scheduler="round_robin"), "scheduler must be one of"),
        (dict(behaviour="sneaky"), "Byzantine behaviour must be one of"),
        (dict(seed=-3), "seed must be at least 0"),
    ],
)
def test_bad_settings_raise_with_a_message_saying_what_is_allowed(kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        ModelSettings(**kwargs)


def test_settings_describe_themselves_and_the_library_call() -> None:
    s = ModelSettings(coin="keep", variant="byzantine", n=6, t=1, faults=1)
    assert "rule: keep" in s.describe() and "n=6" in s.describe()
    assert s.call() == "benor_lib.classify_model('keep', 'byzantine', 6, 1, 1)"
    assert s.deterministic and not ModelSettings().deterministic


# --- the views --------------------------------------------------------------------------


@pytest.mark.parametrize("result", RESULTS)
def test_every_result_is_reachable_with_its_demonstration(result: str) -> None:
    kwargs, kind = EXAMPLES[result]
    view = explore_model(**kwargs)
    assert view.result == result
    assert view.title[0].isupper() and view.why and view.text
    assert set(view.guarantees) == {"agreement", "validity", "termination"}
    if kind is not None:
        assert view.kind == kind
    assert view.run is not None and view.round is not None
    fig = view.figure()
    assert isinstance(fig, Figure) and fig.get_facecolor()[:3] == (1.0, 1.0, 1.0)
    assert view.alt_text() and view.sentences()
    assert view.figure_title().startswith(f"Round {view.round}")


def test_the_flp_demonstration_is_an_endless_run_that_never_decides() -> None:
    view = explore_model(coin="keep", n=5, t=1)
    assert isinstance(view.detail, Lasso)
    assert view.run.decisions == {}
    assert view.round == len(view.detail.prefix) + 1
    assert view.guarantees["termination"] == "not guaranteed"


def test_the_ben_or_demonstration_decides_and_keeps_its_promises() -> None:
    view = explore_model(coin="local", n=5, t=1, faults=1, seed=4)
    assert view.run.status == "decided" and not view.run.violations
    assert view.round == view.run.rounds
    assert view.guarantees == {
        "agreement": "always",
        "validity": "always",
        "termination": "with probability 1",
    }


def test_the_counterexample_is_drawn_in_the_round_it_breaks() -> None:
    view = explore_model(coin="local", variant="byzantine", n=6, t=1, faults=2)
    found = view.detail
    assert isinstance(found, Counterexample) and found.kind == "agreement"
    assert found.reproduces()
    first_decisions = {}
    for e in view.run.trace:
        if e.kind == DECIDE and e.pid in view.run.correct:
            first_decisions.setdefault(e.value, e.round)
    assert view.round == max(first_decisions.values())
    assert "Agreement fails" in view.text


def test_a_bound_violation_that_breaks_termination_for_every_run() -> None:
    view = explore_model(coin="local", n=4, t=2, faults=1)
    assert view.result == "bound violated" and view.kind == "counterexample"
    assert view.detail.kind == "termination"


@pytest.mark.parametrize(
    "kwargs, kind, note",
    [
        (dict(coin="keep", n=5, t=1, scheduler="uniform"), "decided run", "does not contradict"),
        (dict(coin="local", n=5, t=1, faults=2, scheduler="uniform"), "blocked run", ""),
        (dict(coin="keep", n=5, t=1, scheduler="split"), "undecided run", ""),
        (dict(coin="local", n=4, t=2, faults=1, scheduler="fifo"), None, "can ever decide"),
    ],
)
def test_named_schedulers_run_seeds_and_say_what_they_show(kwargs, kind, note) -> None:
    view = explore_model(**kwargs)
    assert view.outcomes["runs"] >= 1
    assert f"Under the {mm.SCHEDULER_LABELS[kwargs['scheduler']]} scheduler" in view.text
    if kind is not None:
        assert view.kind == kind
    assert note in view.note
    assert view.figure() is not None


def test_byzantine_named_scheduler_uses_the_chosen_behaviour() -> None:
    view = explore_model(
        coin="local",
        variant="byzantine",
        n=6,
        t=1,
        faults=1,
        scheduler="uniform",
        behaviour="equivocate",
    )
    assert view.run.faulty == {5: "byzantine (equivocate)"}
    assert view.outcomes["agreement"] == view.outcomes["validity"] == 0


def test_fallback_when_the_worst_case_search_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args, **kwargs):
        raise ValueError("the scripted coin has no value for (pid=2, round=1)")

    monkeypatch.setattr(mm, "demonstrate", broken)
    # n <= 3t: the thresholds alone show that nobody ever decides
    view = explore_model(coin="local", variant="byzantine", n=3, t=1, faults=1)
    assert view.result == "bound violated"
    assert view.kind in ("undecided run", "blocked run")
    assert "Termination fails in every run" in view.text and "exhaustive search" in view.note
    # otherwise the random search stands in
    view = explore_model(coin="local", variant="byzantine", n=6, t=1, faults=2, budget_s=2)
    assert view.kind in ("counterexample", "nothing found")
    assert "random search" in view.note
    # a failure outside a bound violation is reported, not disguised
    with pytest.raises(ValueError, match="demonstration of this setting failed"):
        explore_model(coin="keep", n=5, t=1)


def test_byzantine_settings_below_3t_do_not_fail() -> None:
    for n, t, f in [(3, 1, 1), (5, 2, 2), (4, 2, 3), (7, 3, 3)]:
        view = explore_model(coin="local", variant="byzantine", n=n, t=t, faults=f)
        assert view.result == "bound violated"
        assert view.kind in ("counterexample", "undecided run", "blocked run")


def test_explore_model_checks_its_own_arguments() -> None:
    with pytest.raises(ValueError, match="budget_s"):
        explore_model(budget_s=0)
    with pytest.raises(ValueError, match="either"):
        explore_model(ModelSettings(), n=5)
    with pytest.raises(ValueError, match="ModelSettings"):
        explore_model({"n": 5})


def test_session_caches_views() -> None:
    session = ModelSession(budget_s=1.0)
    s = ModelSettings(coin="local", variant="byzantine", n=6, t=1, faults=2)
    first = session.show(s)
    again = session.show(ModelSettings(coin="local", variant="byzantine", n=6, t=1, faults=2))
    assert again is first  # the same object: from the cache, not computed again
    with pytest.raises(ValueError, match="budget_s"):
        ModelSession(budget_s=-1)


# --- helpers shared with the chapters ---------------------------------------------------


def test_key_round_and_sentences_of_a_byzantine_counterexample() -> None:
    found = bl.find_violation(6, 1, variant="byzantine", byzantine=2, seed=0)
    rnd = key_round(found.run, "counterexample", found)
    lines = key_sentences(found.run, rnd, limit=None)
    liars = figures.byzantine_pids(found.run)
    assert liars and any("(Byzantine) sends" in line for line in lines)
    # what a liar's own copy of the protocol "decided" is not shown
    for p in liars:
        assert not any(line.startswith(f"p{p} heard") for line in lines)
    assert any("decides 0" in line for line in lines) and any("decides 1" in line for line in lines)


def test_coin_sentences_say_why_the_coin_was_flipped() -> None:
    found = bl.find_violation(5, 1, variant="byzantine", byzantine=1, seed=0)
    lines = key_sentences(found.run, 1, limit=None)
    flips = [line for line in lines if "flips a coin" in line]
    assert flips and all("fewer than the 2 needed to adopt" in line for line in flips)
    r = bl.run(5, 1, "random", seed=3)
    coins = [e for e in r.trace if e.kind == COIN and not any(v is not None for v in e.heard)]
    assert coins
    assert any("no D-message, so it flips" in line for line in key_sentences(r, coins[0].round))


def test_key_round_of_a_decided_run_is_its_last_round() -> None:
    r = bl.run(5, 1, "random", seed=7)
    assert key_round(r, "decided run") == r.rounds


@pytest.mark.parametrize(
    "seconds, text",
    [
        (0.0, "in under a tenth of a second"),
        (0.09, "in under a tenth of a second"),
        (0.5, "in under a second"),
        (1.2, "in under 2 seconds"),
        (9.5, "in under 10 seconds"),
        (12.4, "in about 12 seconds"),
    ],
)
def test_duration_words(seconds: float, text: str) -> None:
    assert duration_words(seconds) == text


def test_duration_words_refuses_nonsense() -> None:
    for bad in (-1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            duration_words(bad)


def test_rules_from_answer_accepts_rules_and_dicts() -> None:
    std = bl.standard_rules(6, 1, "byzantine")
    assert rules_from_answer(std.with_changes(decide_twice=2), 6, 1, "byzantine").decide_twice == 2
    assert rules_from_answer({"d_twice": 5}, 6, 1, "byzantine").d_twice == 5
    assert changed_thresholds(std.with_changes(quorum=4)) == {"quorum": (5, 4)}


@pytest.mark.parametrize(
    "answer, match",
    [
        ("decide_twice=2", "should be Rules"),
        ({}, "empty"),
        ({"deicde_twice": 2}, "no threshold called"),
        ({"quorum": 2.5}, "whole number"),
        ({"quorum": True}, "whole number"),
        ({"quorum": 7}, "quorum must be between 1 and 6"),
        ({"d_twice": -1}, "d_twice must be between"),
        (bl.standard_rules(5, 1, "crash"), "the exercise is about the byzantine variant"),
        (bl.standard_rules(6, 1, "byzantine").with_changes(n=7), "n=7"),
    ],
)
def test_rules_from_answer_explains_bad_answers(answer: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        rules_from_answer(answer, 6, 1, "byzantine")


def test_safe_find_violation_falls_back_to_the_random_search(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = []
    real = breakit.find_violation

    def flaky(n, t, **kwargs):
        calls.append(kwargs.get("search", "auto"))
        if kwargs.get("search", "auto") != "random":
            raise ValueError("the scripted coin has no value")
        return real(n, t, **kwargs)

    monkeypatch.setattr(breakit, "find_violation", flaky)
    found = safe_find_violation(6, 1, variant="byzantine", byzantine=2, seed=2, budget_s=5)
    assert calls == ["auto", "random"] and found and found.run.violations
    # a caller's own mistake (or a crash-only search) is not retried
    with pytest.raises(ValueError):
        safe_find_violation(5, 1, crashes=1, seed=0)


# --- the widget -------------------------------------------------------------------------


def _no_traceback(w: ModelExplorer) -> None:
    for part in (w.message, w.result_html, w.demo_html, w.diagram_text, w.status):
        assert "Traceback" not in part.value


def test_widget_starts_with_a_view() -> None:
    w = model_explorer()
    assert isinstance(w, ModelExplorer)
    assert w.result == "Ben-Or" and w.view.kind == "decided run"
    assert w.diagram_png[:8] == b"\x89PNG\r\n\x1a\n"
    assert w.diagram.value.startswith('<img src="data:image/png;base64,')
    assert f'alt="{html.escape(w.view.alt_text(), quote=True)}"' in w.diagram.value
    assert "Ben-Or" in w.result_html.value and "benor_lib.classify_model" in w.status.value
    assert not w.message.has_error
    _no_traceback(w)


@pytest.mark.parametrize("result", RESULTS)
def test_every_result_is_reachable_in_the_widget(result: str) -> None:
    w = model_explorer()
    view = w.set(**EXAMPLES[result][0])
    assert view is not None and w.result == result and view.result == result
    assert html.escape(view.title) in w.result_html.value
    _no_traceback(w)


@pytest.mark.parametrize("preset", list(mm.PRESETS))
def test_presets(preset: str) -> None:
    w = model_explorer()
    w.preset_buttons[preset].click()
    expected = {"FLP": "FLP", "Ben-Or": "Ben-Or", "bound broken": "bound violated"}[preset]
    assert w.result == expected and not w.message.has_error


@pytest.mark.parametrize(
    "changes, match",
    [
        (dict(n=0), "n must be between"),
        (dict(n=40), "n must be between"),
        (dict(t=9), "t must be smaller than n"),
        (dict(faults=5), "at most n - 1"),
        (dict(t=-2), "t must be at least 0"),
        (dict(seed=-1), "seed must be at least 0"),
        (dict(coin="dice"), "coin must be one of"),
        (dict(n="five"), "whole number"),
        (dict(colour="red"), "unknown setting"),
    ],
)
def test_bad_settings_show_a_message_and_keep_the_last_view(changes, match) -> None:
    w = model_explorer(coin="keep")
    before = w.view
    assert w.set(**changes) is None
    assert w.message.has_error and match in w.message.text
    assert "Nothing changed" in w.message.text
    assert w.view is before and w.result == "FLP"
    _no_traceback(w)
    # still usable
    view = w.set(n=5, t=1, faults=0, seed=0, coin="local")
    assert view is not None and w.result == "Ben-Or" and not w.message.has_error


def test_typing_a_bad_value_into_a_box_shows_a_message() -> None:
    w = model_explorer()
    w.t_box.value = 5
    assert w.message.has_error and "t must be smaller than n" in w.message.text
    assert w.result == "Ben-Or"
    w.t_box.value = 1
    assert not w.message.has_error
    w.n_box.value = 3
    w.faults_box.value = 2
    assert w.result == "bound violated" and not w.message.has_error


def test_bad_first_settings_start_from_the_defaults_with_a_message() -> None:
    w = model_explorer(n=99)
    assert w.message.has_error and "n must be between" in w.message.text
    assert "defaults" in w.message.text
    assert w.n_box.value == ModelSettings().n and w.result == "Ben-Or"


def test_behaviour_control_shows_only_for_byzantine_faults() -> None:
    w = model_explorer()
    assert w.behaviour_box.layout.display == "none"
    w.set(variant="byzantine", n=6, t=1, faults=1)
    assert w.behaviour_box.layout.display == "" and w.behaviour_box.disabled
    assert "worst case" in w.behaviour_note.value
    w.set(scheduler="uniform", behaviour="silent")
    assert not w.behaviour_box.disabled and w.view.run.faulty == {5: "byzantine (silent)"}


def test_widget_answers_large_settings_without_a_traceback() -> None:
    w = model_explorer(budget_s=1.0)
    settings = [
        dict(coin="local", variant="byzantine", n=12, t=3, faults=0),
        dict(coin="keep", variant="crash", n=12, t=5, faults=5),
        dict(coin="local", variant="byzantine", n=11, t=2, faults=2, scheduler="split"),
    ]
    for s in settings:
        # how fast it answers is checked in JupyterLab (tests/book/test_responsiveness.py)
        # and printed by benchmarks/bench_widgets.py; no wall-clock assert here
        assert w.set(**s) is not None, s
    _no_traceback(w)


def test_a_view_without_a_run_hides_the_diagram(monkeypatch: pytest.MonkeyPatch) -> None:
    w = model_explorer()
    nothing = mm.ModelView(
        settings=ModelSettings(),
        result="bound violated",
        title="Outside the n > 2t bound",
        why="why",
        guarantees={"agreement": "not guaranteed"},
        kind="nothing found",
        text="No violation found.",
        run=None,
        round=None,
        elapsed=0.0,
    )
    w._draw(nothing)
    assert w.diagram.layout.display == "none" and w.diagram_text.value == ""
    assert w.diagram.value == "" and w.diagram_png == b""
    assert nothing.figure() is None and nothing.alt_text() == "" and nothing.sentences() == []


@pytest.mark.parametrize("kind", [PROPOSE, ADOPT])
def test_fault_figure_hides_what_liars_compute(kind: str) -> None:
    found = bl.find_violation(6, 1, variant="byzantine", byzantine=2, seed=0)
    liars = set(figures.byzantine_pids(found.run))
    shown = figures.without_byzantine_inner_events(found.run)
    assert not [e for e in shown.trace if e.pid in liars and e.kind == kind]
    fig = figures.fault_space_time_figure(figures.through_round(found.run, 1), 1)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert [label for label in labels if label.endswith("Byzantine")] == [
        f"p{p} Byzantine" for p in sorted(liars)
    ]
    assert figures.fault_space_time_alt_text(found.run, 1).startswith("p4, p5 are Byzantine")
    # without liars the figure is the ordinary one
    r = bl.run(5, 1, "random", seed=1)
    assert figures.without_byzantine_inner_events(r) is r


def test_an_undecided_demonstration_is_never_titled_decided() -> None:
    # issue 15: the split adversary at n=12, t=5 needs about 2^11 rounds on average
    view = explore_model(coin="local", variant="crash", n=12, t=5, faults=0, budget_s=0.5)
    assert view.run is not None
    decided = view.run.status == "decided"
    assert (view.kind == "decided run") == decided
    if not decided:
        assert "deciding round" not in view.figure_title()
        assert view.kind == "undecided run"
