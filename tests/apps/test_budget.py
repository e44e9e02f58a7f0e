"""Time budgets (issue 18): slices, the slow-kernel mode, resumable sampling, progressive
widgets. No wall-clock asserts here: a fake clock drives the slices, and the real timings
are printed by ``benchmarks/bench_widgets.py`` and checked by the browser test."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from benor_lib.apps import budget, distribution_explorer
from benor_lib.apps.explorer import model as em
from benor_lib.apps.progress import Worker
from benor_lib.distributions.sample import RoundSampler, sample_rounds


class FakeClock:
    """A clock that moves ``step`` seconds every time it is read."""

    def __init__(self, step: float = 0.001) -> None:
        self.now, self.step, self.slept = 0.0, step, 0.0

    def __call__(self) -> float:
        self.now += self.step
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept += seconds
        self.now += seconds


@pytest.fixture
def fake_clock(monkeypatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(budget, "clock", fake)
    monkeypatch.setattr(budget, "sleep", fake.sleep)
    return fake


# --- the budget -----------------------------------------------------------------------


def test_slowdown_is_read_from_the_environment(monkeypatch):
    monkeypatch.delenv(budget.SLOWDOWN_ENV, raising=False)
    assert budget.slowdown() == 1 and budget.slowdown_note() == ""
    monkeypatch.setenv(budget.SLOWDOWN_ENV, "4")
    assert budget.slowdown() == 4
    assert "4 times slower" in budget.slowdown_note()
    for bad in ("fast", "0.5", "nan", "-2"):
        monkeypatch.setenv(budget.SLOWDOWN_ENV, bad)
        with pytest.raises(ValueError, match="BENOR_SLOWDOWN must be a number of 1 or more"):
            budget.slowdown()


def test_a_slice_ends_when_its_budget_is_used(fake_clock):
    part = budget.Slice(0.010, factor=1)
    steps = 0
    while not part.over():
        steps += 1
    assert 0.010 <= part.used() < 0.010 + 3 * fake_clock.step
    assert fake_clock.slept == 0
    slow = budget.Slice(0.010, factor=4)
    slow_steps = 0
    while not slow.over():
        slow_steps += 1
    # four times slower: a quarter of the work fits, and the slice waits out the rest
    assert slow_steps <= steps / 4 + 1
    used = slow.end()  # as the budget counts it: four times the real time
    assert used >= 0.010
    assert fake_clock.slept == pytest.approx(3 * used / 4)


def test_bad_slice_lengths_are_refused():
    for bad in (0, -1, True):
        with pytest.raises(ValueError, match="seconds must be a positive number"):
            budget.Slice(bad)


# --- resumable sampling -----------------------------------------------------------------

SETTINGS = [
    dict(n=5, t=1, runs=3_000, seed=3),
    dict(n=9, t=4, runs=500, scheduler="split", seed=1, max_rounds=400),
    dict(n=7, t=2, runs=2_000, inputs=3, coin="common", seed=2, chunk_size=300),
    dict(n=6, t=2, runs=200, faults=1, seed=5, chunk_size=64),
]


@pytest.mark.parametrize("kw", SETTINGS, ids=lambda kw: f"n={kw['n']},t={kw['t']}")
@pytest.mark.parametrize("rounds_per_slice", [1, 7])
def test_sliced_sampling_gives_the_same_runs(kw, rounds_per_slice):
    kw = dict(kw)
    n, t, runs = kw.pop("n"), kw.pop("t"), kw.pop("runs")
    whole = sample_rounds(n, t, runs, **kw)
    sampler = RoundSampler(n, t, runs, **kw)
    slices = 0
    while not sampler.done:
        count = [0]

        def over(count=count) -> bool:
            count[0] += 1
            return count[0] >= rounds_per_slice

        sampler.advance(over)
        slices += 1
        part = sampler.partial()
        if part is not None and not sampler.done:
            assert part.runs == sampler.started <= runs
            # finished runs agree with the whole sample; the others are still running
            done = ~part.censored
            np.testing.assert_array_equal(part.rounds[done], whole.rounds[: part.runs][done])
    result = sampler.result()
    assert slices > 1 or rounds_per_slice > 1
    np.testing.assert_array_equal(result.rounds, whole.rounds)
    np.testing.assert_array_equal(result.censored, whole.censored)


def test_an_unfinished_sampler_has_no_result():
    sampler = RoundSampler(5, 1, 100, seed=0)
    with pytest.raises(ValueError, match="not finished"):
        sampler.result()


@pytest.mark.parametrize(
    "settings",
    [
        em.ExplorerSettings(),  # exact
        em.ExplorerSettings(n=9, t=4, scheduler="split", runs=1_000),  # exact, long runs
        em.ExplorerSettings(n=5, t=1, crashes=1, runs=1_000),  # a trial estimate first
    ],
    ids=["canonical", "split", "trial"],
)
def test_a_sliced_explorer_job_ends_with_the_view_compute_view_gives(settings, fake_clock):
    job = em.ExplorerJob(settings)
    if settings.exact_covered:
        assert job.exact is not None  # the exact law is there before any run
    views = []
    while not job.done:
        part = budget.Slice(0.0015, factor=1)  # one round (or trial round) per slice
        job.advance(part.over)
        view = job.view()
        if view is not None:
            views.append(view)
    final = job.view()
    whole = em.compute_view(settings)
    np.testing.assert_array_equal(final.sample.rounds, whole.sample.rounds)
    assert final.plan == whole.plan and final.complete and final.progress_note() == ""
    partial = [v for v in views if not v.complete]
    assert partial, "the work was done in one slice: the test shows nothing"
    assert all("Sampling:" in v.progress_note() for v in partial)
    assert [v.sample.runs for v in views] == sorted(v.sample.runs for v in views)


def test_the_slow_kernel_mode_does_less_work_per_slice(fake_clock, monkeypatch):
    settings = em.ExplorerSettings(n=9, t=4, scheduler="split", runs=1_000)

    def slices(factor: str) -> int:
        monkeypatch.setenv(budget.SLOWDOWN_ENV, factor)
        job, count = em.ExplorerJob(settings), 0
        while not job.done:
            part = budget.Slice(0.020)
            job.advance(part.over)
            part.end()
            count += 1
        return count

    normal, slow = slices("1"), slices("4")
    assert slow >= 3 * normal  # a quarter of the work per slice (runs per slice: 1/4)


def test_the_session_shows_a_job_when_it_is_finished():
    session = em.ExplorerSession(em.ExplorerSettings())
    first = session.current
    job = session.begin(em.ExplorerSettings(n=7, t=2))
    with pytest.raises(ValueError, match="not finished"):
        session.finish(job)
    assert session.current is first  # nothing changes until the job is done
    job.advance()
    view = session.finish(job)
    assert session.current is view and session.previous is first
    again = session.begin(em.ExplorerSettings(n=7, t=2, scale="log"))
    assert again.done  # cached: the same sample, drawn on another scale
    assert session.finish(again).settings.scale == "log" and session.previous is first


# --- the worker and the widget on an event loop ------------------------------------


def test_without_an_event_loop_work_runs_at_once():
    done = []

    def work():
        for i in range(3):
            done.append(i)
            yield

    worker = Worker()
    worker.start(work())
    assert done == [0, 1, 2] and not worker.busy and not worker.live


def test_on_an_event_loop_new_work_cancels_the_old_and_events_run_between_slices():
    log: list[str] = []

    def work(name: str, slices: int):
        for i in range(slices):
            log.append(f"{name}{i}")
            yield

    async def main() -> None:
        worker = Worker()
        worker.start(work("a", 50))
        assert worker.live
        await asyncio.sleep(0.02)  # an event between slices: the loop is not blocked
        log.append("event")
        worker.start(work("b", 3))  # a newer request
        while worker.busy:
            await asyncio.sleep(0.005)

    asyncio.run(main())
    event = log.index("event")
    assert 0 < event < 50 and "a49" not in log  # "a" was interleaved, then cancelled
    assert log[event + 1 :] == ["b0", "b1", "b2"]


def test_the_explorer_answers_the_last_request_progressively(monkeypatch):
    monkeypatch.setenv(budget.SLOWDOWN_ENV, "4")
    notes: list[str] = []

    async def main():
        w = distribution_explorer()
        w.note.observe(lambda change: notes.append(change["new"]), names="value")
        w.scheduler_box.value = "split"
        w.n_slider.value = 9  # t=1 for an instant: superseded at once
        w.t_slider.value = 4
        while w.worker.busy:
            await asyncio.sleep(0.005)
        return w

    w = asyncio.run(main())
    s = w.session.current.settings
    assert (s.n, s.t, s.scheduler) == (9, 4, "split")
    assert w.session.current.complete and w.session.current.runs == 10_000
    timing = w.timings[-1]
    assert timing.first_answer is not None and timing.first_answer <= timing.first_picture
    assert timing.slices > 1 and timing.complete >= timing.first_picture
    assert any("Computing n=9, t=4" in n for n in notes)
    assert any("Sampling:" in n for n in notes)  # progress shown on screen
    assert "Slow-kernel mode" in w.note.text and "4 times slower" in w.note.text
    # a superseded request never reached the screen as finished
    assert (
        w.session.previous is None
        or w.session.previous.settings.t != 1
        or (w.session.previous.settings.n == 5)
    )


# --- the stepper and the model explorer ---------------------------------------------


@pytest.mark.parametrize("kw", [{}, {"n": 7, "t": 3, "crashed": (6,)}, {"seed": 7}])
def test_to_decision_shows_the_whole_run_without_replaying_it(kw):
    from benor_lib.apps.stepper.model import StepperSession

    session = StepperSession(**kw)
    session.run_to_decision()
    assert session.state is session.reference
    replayed = session.reference.replay(upto=session.total)
    assert replayed.trace == session.state.trace and replayed.reason == session.state.reason


def test_the_stepper_answers_with_words_first_and_draws_the_last_move_only():
    from benor_lib.apps import round_stepper

    async def main():
        w = round_stepper()
        first = w.diagram.value
        w.delivery_button.click()
        w.step_button.click()  # before the first move's diagram was drawn
        assert w.diagram.value == first and "Step" in w.narration.value  # words at once
        drawn = []
        w.diagram.observe(lambda change: drawn.append(w.session.k), names="value")
        while w.worker.busy:
            await asyncio.sleep(0.005)
        return w, drawn

    w, drawn = asyncio.run(main())
    assert drawn == [w.session.k]  # one diagram, of the last move
    assert w.timings[-1].first_answer <= w.timings[-1].complete
    assert w.timings[0].complete is None  # the superseded move's diagram was never drawn


def test_the_model_explorer_says_what_it_looks_for_before_searching():
    from benor_lib.apps.model_explorer.view import model_explorer

    async def main():
        w = model_explorer(n=4, t=1)
        w.set(n=5)
        assert "looking for a demonstration" in w.status.value  # the first answer
        while w.worker.busy:
            await asyncio.sleep(0.005)
        return w

    w = asyncio.run(main())
    assert "looking for" not in w.status.value and "n=5" in w.status.value
    assert w.view.settings.n == 5 and w.timings[-1].complete is not None


def test_a_move_after_a_pending_to_decision_cancels_it():
    from benor_lib.apps import round_stepper

    async def main():
        w = round_stepper()
        w.delivery_button.click()
        w.decision_button.click()  # waits for the next turn of the event loop
        assert "Running to the decision" in w.narration.value
        w.reset_button.click()  # answered at once: the pending move is now stale
        while w.worker.busy:
            await asyncio.sleep(0.005)
        return w

    w = asyncio.run(main())
    assert w.session.k == 0 and not w.session.finished


# --- the stepper's long runs, the model explorer's searches (issue 18, item 2) ----------


def _stepper_slices(settings, seconds: float = 0.020) -> tuple[int, int]:
    """Slices and deliveries of a StepperJob with slices of ``seconds`` (as budgets count)."""
    from benor_lib.apps.stepper.model import StepperJob

    job, count = StepperJob(settings), 0
    while not job.done:
        part = budget.Slice(seconds)
        job.advance(part.over)
        part.end()
        count += 1
    return count, job.deliveries


def test_a_sliced_stepper_job_makes_the_session_a_whole_run_makes(fake_clock):
    from benor_lib.apps.stepper.model import StepperJob, StepperSession, StepperSettings

    settings = StepperSettings(n=9, t=4, scheduler="split", seed=3)
    job, notes = StepperJob(settings), []
    while not job.done:
        job.advance(budget.Slice(0.010, factor=1).over)
        notes.append(job.progress_note())
    session, whole = job.session(), StepperSession(settings)
    assert session.reference.trace == whole.reference.trace and session.total == whole.total
    assert len(notes) > 1 and "Simulating the run:" in notes[0] and notes[-1] == ""
    with pytest.raises(ValueError, match="reference must be the run of these settings"):
        StepperSession(
            StepperSettings(n=9, t=4, scheduler="split", seed=4), reference=whole.reference
        )


def test_the_slow_kernel_mode_simulates_fewer_deliveries_per_slice(fake_clock, monkeypatch):
    from benor_lib.apps.stepper.model import StepperSettings

    settings = StepperSettings(n=9, t=4, scheduler="split", seed=3)
    monkeypatch.setenv(budget.SLOWDOWN_ENV, "1")
    normal, deliveries = _stepper_slices(settings)
    monkeypatch.setenv(budget.SLOWDOWN_ENV, "4")
    slow, same = _stepper_slices(settings)
    assert same == deliveries  # the same run, however it is sliced
    assert slow >= 3 * normal  # a quarter of the deliveries per slice


def test_the_stepper_simulates_new_settings_progressively_and_answers_the_last(monkeypatch):
    from benor_lib.apps import round_stepper

    monkeypatch.setenv(budget.SLOWDOWN_ENV, "4")
    said: list[str] = []

    async def main():
        w = round_stepper(n=9, t=4)
        w.narration.observe(lambda change: said.append(change["new"]), names="value")
        w.seed_box.value = "5"  # superseded before its run is complete
        w.scheduler_box.value = "split"
        assert "simulating the run" in w.narration.value  # the first answer, at once
        assert all(b.disabled for b in w._moves)  # no move on a run not there yet
        while w.worker.busy:
            await asyncio.sleep(0.005)
        return w

    w = asyncio.run(main())
    s = w.session.settings
    assert (s.n, s.t, s.seed, s.scheduler) == (9, 4, 5, "split")
    assert not w.delivery_button.disabled and not w.decision_button.disabled
    timing = w.timings[-1]
    assert timing.slices > 1 and timing.runs == w.session.total  # in slices, every delivery
    assert any("Simulating the run:" in text for text in said)  # progress on screen
    assert "Slow-kernel mode" in w.position.value and "4 times slower" in w.position.value
    assert w.timings[-2].complete is None  # the superseded setting never reached the screen


def test_a_model_job_makes_named_runs_in_slices_and_ends_with_explore_model(fake_clock):
    from benor_lib.apps.model_explorer.model import (
        NAMED_RUNS,
        ModelJob,
        ModelSettings,
        explore_model,
    )

    settings = ModelSettings(n=5, t=1, scheduler="uniform")
    job, notes = ModelJob(settings, budget_s=60), []
    while not job.done:
        count = [0]

        def over(count=count) -> bool:
            count[0] += 1
            return count[0] >= 3  # three runs per slice

        job.advance(over)
        notes.append(job.progress_note())
    assert job.sliced and len(notes) == -(-NAMED_RUNS // 3)
    assert notes[0] == f"Running the uniform scheduler: 3 of {NAMED_RUNS} runs so far…"
    whole = explore_model(settings, budget_s=60)
    assert job.view.text == whole.text and job.view.outcomes == whole.outcomes
    assert not ModelJob(ModelSettings(), 1.0).sliced  # the worst case is one piece


def test_the_model_explorer_searches_apart_and_answers_the_last_request():
    from benor_lib.apps.model_explorer.view import model_explorer

    async def main():
        w = model_explorer(n=4, t=1)
        w.set(coin="local", variant="byzantine", n=7, t=1, faults=2)  # a long search
        for _ in range(3):
            await asyncio.sleep(0.01)  # the search runs on its helper thread meanwhile
        assert w.worker.busy
        w.set(variant="crash", n=5, t=1, faults=0)  # newer: the old answer is dropped
        while w.worker.busy:
            await asyncio.sleep(0.005)
        return w

    w = asyncio.run(main())
    assert w.view.settings.n == 5 and w.view.settings.variant == "crash"
    assert w.timings[-2].complete is None and w.timings[-1].complete is not None
    assert w.diagram_png.startswith(b"\x89PNG")
