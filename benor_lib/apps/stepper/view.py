"""The round stepper: the four steps of Ben-Or's protocol, one round at a time.

``round_stepper()`` returns the widget. The reader chooses n, t, the inputs, the scheduler
(uniform, split adversary, or "you choose": the reader picks the messages each process
hears), crashes and the seed, then steps through a run by one delivery, one protocol step,
one round or to the decision, and back. All the logic is in
:class:`benor_lib.apps.stepper.model.StepperSession`; this module only draws it.
"""

from __future__ import annotations

import html
import time
from collections.abc import Iterator
from typing import Any

import ipywidgets as widgets

from benor_lib.apps.budget import REDRAW_S, SLICE_S, Slice, slowdown_note
from benor_lib.apps.common import (
    DescribedImage,
    MessageArea,
    button,
    guarded,
    html_table,
    parse_int,
    value_html,
)
from benor_lib.apps.notes import WidgetPreview
from benor_lib.apps.progress import ActionTiming, Canvas, Worker, event_loop
from benor_lib.apps.stepper.model import (
    N_MAX,
    N_MIN,
    SCHEDULER_LABELS,
    ProcessRow,
    StepperJob,
    StepperSession,
    StepperSettings,
    default_inputs,
)
from benor_lib.figures import space_time_alt_text
from benor_lib.protocol.events import PROPOSAL, REPORT
from benor_lib.simulation.narrate import value_name

_SMALL = widgets.Layout(width="150px")
_TOGGLE = widgets.Layout(width="64px")


def _heard_html(pairs: tuple[tuple[int, int | None], ...], phase: int) -> str:
    if not pairs:
        return "—"
    return " ".join(f"p{s}&nbsp;{value_html(v, value_name(phase, v))}" for s, v in pairs)


def _row_html(row: ProcessRow, quorum: int) -> list[str]:
    if row.status:
        where = html.escape(row.status)
    else:
        what = "reports" if row.step == 2 else "proposals"
        where = f"round {row.round}, step {row.step}: {row.heard_count}/{quorum} {what}"
    report = "—" if row.report is None else value_html(row.report)
    sent = report
    if row.proposed:
        sent += " then " + value_html(row.proposal, value_name(2, row.proposal))
    outcome = "—"
    if row.outcome == "adopt":
        outcome = "adopts x=" + value_html(row.outcome_value)
    elif row.outcome == "coin":
        outcome = "coin: x=" + value_html(row.outcome_value)
    elif row.outcome == "decide":
        outcome = "<b>decides</b> " + value_html(row.outcome_value)
    coins = ", ".join(f"r{r}:&nbsp;{value_html(v)}" for r, v in row.coins) or "—"
    decision = "—"
    if row.decision is not None:
        decision = f"{value_html(row.decision)} (round {row.decision_round})"
    return [
        f"<b>p{row.pid}</b>",
        value_html(row.input),
        where,
        value_html(row.x),
        sent,
        _heard_html(row.heard_reports, REPORT),
        _heard_html(row.heard_proposals, PROPOSAL),
        outcome,
        coins,
        decision,
    ]


class RoundStepper(widgets.VBox):
    """The round stepper widget. Its controls are attributes, so tests can drive it."""

    def __init__(
        self,
        n: int = 5,
        t: int = 1,
        inputs: tuple[int, ...] | None = None,
        scheduler: str = "uniform",
        crashed: tuple[int, ...] = (),
        seed: int = 1,
    ) -> None:
        self.message = MessageArea()
        try:
            settings = StepperSettings(
                n=n, t=t, inputs=inputs, scheduler=scheduler, crashed=crashed, seed=seed
            )
        except ValueError as exc:
            settings = StepperSettings()
            self.message.error(f"{exc}; starting with n=5, t=1 instead.")
        self.session = StepperSession(settings)
        self.canvas = Canvas(dpi=80)
        self.worker = Worker(self._failed)
        self.timings: list[ActionTiming] = []
        """One entry per move: when it answered (the text), and when the diagram was drawn."""
        self._quiet = False
        self._settings_error = self.message.has_error

        # settings
        self.n_box = widgets.IntText(value=settings.n, description="n", layout=_SMALL)
        self.t_box = widgets.IntText(value=settings.t, description="t", layout=_SMALL)
        self.seed_box = widgets.Text(
            value=str(settings.seed),
            description="seed",
            continuous_update=False,
            layout=widgets.Layout(width="170px"),
        )
        self.scheduler_box = widgets.ToggleButtons(
            options=[(label, key) for key, label in SCHEDULER_LABELS.items()],
            value=settings.scheduler,
            description="scheduler",
            tooltips=[
                "each process hears its own message and n-t-1 others chosen at random",
                "the adversary shows balanced reports and as few D-messages as it can",
                "you pick the messages each process hears",
            ],
            style={"button_width": "120px"},
        )
        self.input_buttons: list[widgets.ToggleButton] = []
        self.crash_buttons: list[widgets.ToggleButton] = []
        self.inputs_row = widgets.HBox()
        self.crash_row = widgets.HBox()
        self._build_process_buttons(settings.n, settings.inputs, settings.crashed)

        # moves
        self.back_button = button("◀ back", "undo the last move")
        self.delivery_button = button("▶ 1 delivery", "deliver one message")
        self.step_button = button("▶ 1 step", "until some process completes a protocol step")
        self.round_button = button("▶ 1 round", "until every process has finished this round")
        self.decision_button = button("▶▶ to decision", "run until every process has decided")
        self.reset_button = button("⟲ reset", "start again with the same seed")
        moves = [
            (self.back_button, "back"),
            (self.delivery_button, "step_delivery"),
            (self.step_button, "step_protocol"),
            (self.round_button, "step_round"),
            (self.decision_button, "run_to_decision"),
            (self.reset_button, "reset"),
        ]
        for b, name in moves:
            b.on_click(self._make_move(name))
        self._moves = [b for b, _ in moves]
        self._building: StepperSettings | None = None
        """Settings whose run is being simulated (None: the session shows the settings)."""

        # "you choose"
        self.serve_box = widgets.Dropdown(description="serve", layout=widgets.Layout(width="420px"))
        self.offer_checks: list[widgets.Checkbox] = []
        self.offers_box = widgets.VBox()
        self.deliver_button = button(
            "deliver chosen", "deliver the ticked messages to this process", button_style="primary"
        )
        self.choose_hint = widgets.HTML()
        self.choose_panel = widgets.VBox(
            [self.choose_hint, self.serve_box, self.offers_box, self.deliver_button],
            layout=widgets.Layout(border="1px solid #CCC", padding="4px", margin="4px 0"),
        )

        # what to show
        self.position = widgets.HTML()
        self.narration = widgets.HTML()
        self.table = widgets.HTML()
        self.diagram = DescribedImage(format="png", layout=widgets.Layout(max_width="100%"))
        self.diagram_text = widgets.HTML()

        for w in (self.n_box, self.t_box, self.seed_box, self.scheduler_box):
            w.observe(self._on_setting, names="value")
        self.serve_box.observe(self._on_serve, names="value")
        self.deliver_button.on_click(self._on_deliver)

        settings_box = widgets.VBox(
            [
                widgets.HBox([self.n_box, self.t_box, self.seed_box]),
                self.scheduler_box,
                widgets.HBox(
                    [widgets.Label("inputs", layout=widgets.Layout(width="90px")), self.inputs_row]
                ),
                widgets.HBox(
                    [
                        widgets.Label("crash at start", layout=widgets.Layout(width="90px")),
                        self.crash_row,
                    ]
                ),
            ]
        )
        super().__init__(
            [
                widgets.HTML("<b>Ben-Or round stepper</b>: the four steps, one round at a time."),
                settings_box,
                self.message,
                widgets.HBox([b for b, _ in moves]),
                self.position,
                self.narration,
                self.choose_panel,
                self.table,
                self.diagram,
                self.diagram_text,
            ]
        )
        self._show(self.session.last_message, now=True)

    # --- settings --------------------------------------------------------------------
    def _build_process_buttons(
        self, n: int, inputs: tuple[int, ...], crashed: tuple[int, ...]
    ) -> None:
        for b in self.input_buttons + self.crash_buttons:
            b.unobserve_all()
        self.input_buttons = [
            widgets.ToggleButton(
                value=bool(inputs[p]),
                description=f"p{p}: {inputs[p]}",
                tooltip=f"input of p{p} (click to switch between 0 and 1)",
                layout=_TOGGLE,
            )
            for p in range(n)
        ]
        self.crash_buttons = [
            widgets.ToggleButton(
                value=p in crashed,
                description=f"p{p}",
                icon="times" if p in crashed else "",
                tooltip=f"p{p} crashes before it starts",
                layout=_TOGGLE,
            )
            for p in range(n)
        ]
        for b in self.input_buttons + self.crash_buttons:
            b.observe(self._on_setting, names="value")
        self.inputs_row.children = tuple(self.input_buttons)
        self.crash_row.children = tuple(self.crash_buttons)

    def _read_settings(self) -> StepperSettings:
        n = parse_int(self.n_box.value, "n", N_MIN, N_MAX)
        t = parse_int(self.t_box.value, "t", 0)
        seed = parse_int(self.seed_box.value, "the seed", 0)
        inputs = tuple(int(b.value) for b in self.input_buttons)
        crashed = tuple(p for p, b in enumerate(self.crash_buttons) if b.value)
        return StepperSettings(
            n=n,
            t=t,
            inputs=inputs,
            scheduler=self.scheduler_box.value,
            crashed=crashed,
            seed=seed,
        )

    def _on_setting(self, change: dict[str, Any]) -> None:
        if not self._quiet:
            guarded(self.message, clear=False)(self._setting_changed)(change)

    def _setting_changed(self, change: dict[str, Any]) -> None:
        try:
            if change.get("owner") is self.n_box:
                n = parse_int(self.n_box.value, "n", N_MIN, N_MAX)
                if n != len(self.input_buttons):
                    old = tuple(int(b.value) for b in self.input_buttons)
                    inputs = old[:n] + default_inputs(n)[len(old) :]
                    crashed = tuple(
                        p for p, b in enumerate(self.crash_buttons) if b.value and p < n
                    )
                    self._build_process_buttons(n, inputs, crashed)
            for p, b in enumerate(self.input_buttons):
                b.description = f"p{p}: {int(b.value)}"
            for b in self.crash_buttons:
                b.icon = "times" if b.value else ""
            settings = self._read_settings()
        except ValueError as exc:
            self._refuse(str(exc))
            return
        self._apply(settings)

    def _clear_action_message(self) -> None:
        """Clear the last move's message, but keep a refusal of the settings on screen."""
        if not self._settings_error:
            self.message.clear()

    def _refuse(self, text: str) -> None:
        s = self.session.settings
        self._settings_error = True
        self.message.error(
            f"{text.rstrip('.')}. Nothing changed: the stepper still shows "
            f"n={s.n}, t={s.t}, seed={s.seed}."
        )

    def _apply(self, settings: StepperSettings) -> None:
        self.message.clear()
        self._settings_error = False
        if settings == self.session.settings:
            if self._building is not None:  # back to the settings shown: drop the new run
                self._building = None
                self._show(self.session.last_message)
            return
        try:
            job = StepperJob(settings)
        except ValueError as exc:
            self._refuse(str(exc))
            return
        timing = ActionTiming(time.perf_counter())
        self.timings.append(timing)
        if job.done or event_loop() is None:  # nothing to simulate, or no event loop
            job.advance()
            self._building = None
            self.session = job.session()
            self._show("New settings. " + self.session.last_message, timing)
            return
        self._building = settings
        for b in self._moves:
            b.disabled = True
        self._say(f"New settings (n={settings.n}, t={settings.t}): simulating the run…")
        timing.answered()
        self.worker.start(self._simulate(job, timing))

    def _simulate(self, job: StepperJob, timing: ActionTiming) -> Iterator[None]:
        """Simulate the new settings' run in slices, saying how far it has come; then show
        it. A newer change cancels it (the last request is answered, not a queue)."""
        yield  # the first answer is on screen; a newer change is handled before any work
        shown = time.perf_counter()
        while not job.done:
            part = Slice(SLICE_S)  # fewer deliveries per slice on a slower kernel
            job.advance(part.over)
            timing.compute += part.end()
            timing.slices += 1
            if not job.done and time.perf_counter() - shown >= REDRAW_S:
                self._say(" ".join(x for x in (job.progress_note(), slowdown_note()) if x))
                shown = time.perf_counter()
            yield
        timing.runs = job.deliveries
        part = Slice(1.0)
        session = job.session()  # the run's timeline: a slice of its own on a long run
        timing.compute += part.end()
        yield
        self._building = None
        self.session = session
        self._show("New settings. " + self.session.last_message, timing)

    def _say(self, text: str) -> None:
        self.narration.value = (
            '<div aria-live="polite" style="font-size:105%;padding:4px 0">'
            f"{html.escape(text)}</div>"
        )

    # --- moves -----------------------------------------------------------------------
    def _make_move(self, name: str) -> Any:
        """A click handler that makes the session move ``name`` and shows the result."""

        @guarded(self.message, clear=False)
        def on_click(_: widgets.Button) -> None:
            timing = ActionTiming(time.perf_counter())
            self.timings.append(timing)
            self._clear_action_message()
            if name == "run_to_decision" and event_loop() is not None:  # may be a long run
                self.narration.value = (
                    '<div aria-live="polite" style="font-size:105%;padding:4px 0">'
                    "Running to the decision…</div>"
                )
                timing.answered()
                self.worker.start(self._move(name, timing))
                return
            self.worker.cancel()  # a move still pending (to decision) is now stale
            for _ in self._move(name, timing):
                pass

        return on_click

    def _move(self, name: str, timing: ActionTiming) -> Iterator[None]:
        if self.worker.live:
            yield  # the note is on screen first; a newer click cancels the move
        part = Slice(1.0)  # in the slow-kernel mode, the move is slowed down as well
        text = getattr(self.session, name)()
        timing.compute += part.end()
        self._show(text, timing)

    def _failed(self, exc: BaseException) -> None:
        """Drawing failed: say so as any callback would, and keep the widget usable."""
        guarded(self.message, clear=False)(_reraise)(exc)

    def _on_serve(self, change: dict[str, Any]) -> None:
        if not self._quiet:
            guarded(self.message, clear=False)(self._show_offers)()

    def _on_deliver(self, _: widgets.Button) -> None:
        @guarded(self.message, clear=False)
        def deliver() -> None:
            self._clear_action_message()
            pid = self.serve_box.value
            if pid is None:
                raise ValueError("no process is waiting for messages")
            chosen = [c.sender for c in self.offer_checks if c.value]  # type: ignore[attr-defined]
            if not chosen:
                raise ValueError(f"tick at least one message for p{pid} first")
            self._show(self.session.choose(pid, chosen))

        deliver()

    # --- display ---------------------------------------------------------------------
    def _show(self, text: str, timing: ActionTiming | None = None, *, now: bool = False) -> None:
        """Show the move's words and table at once, then draw the diagram in the next turn
        of the event loop (a newer move replaces a diagram not drawn yet)."""
        session = self.session
        position = " ".join(x for x in (session.position(), slowdown_note()) if x)
        self.position.value = f'<div style="color:#555">{html.escape(position)}</div>'
        self._say(text)
        rows = session.rows()
        header = [
            "process",
            "input",
            "now at",
            "x",
            "sent",
            f"reports heard (round {session.focus_round})",
            "proposals heard",
            "then",
            "coins",
            "decided",
        ]
        self.table.value = html_table(
            header,
            [_row_html(r, session.rules.quorum) for r in rows],
            caption=f"Round {session.focus_round} in detail; 'now at' is where each process is.",
        )
        at_start = session.k == 0 and not session._history
        self.back_button.disabled = at_start
        end = session.k == session.total
        for b in (self.delivery_button, self.step_button, self.round_button):
            b.disabled = end and (session.finished or not session.choosing)
        self.decision_button.disabled = session.finished
        self.choose_panel.layout.display = "" if session.choosing else "none"
        if session.choosing:
            self._update_serve()
        if timing is not None:
            timing.answered()
        if now:  # the first picture, when the cell runs: part of the cell's output
            self.worker.cancel()
            for _ in self._draw_diagram(timing, wait=False):
                pass
        else:
            self.worker.start(self._draw_diagram(timing))

    def _draw_diagram(self, timing: ActionTiming | None, wait: bool = True) -> Iterator[None]:
        if wait and self.worker.live:
            yield  # the words are on screen first; newer clicks are handled before drawing
        session = self.session
        part = Slice(1.0)  # in the slow-kernel mode, drawing is slowed down as well
        session.figure(fig=self.canvas.figure)
        drawn = part.end()
        if wait and self.worker.live:
            yield  # newer clicks are handled between building the figure and its picture
        part = Slice(1.0)
        png = self.canvas.png()
        drawn += part.end()  # (the slow-kernel mode waits here, before the picture shows)
        self.diagram.value = png
        alt = space_time_alt_text(session.state, session.focus_round)
        self.diagram.tooltip = alt  # the image's text alternative (its title)
        self.diagram_text.value = (
            '<details style="font-size:90%"><summary>The diagram in words</summary>'
            f"{html.escape(alt)}</details>"
        )
        if timing is not None:
            timing.draw += drawn
            timing.completed(timing.runs)

    def _update_serve(self) -> None:
        session = self.session
        waiting = session.servable()
        options = []
        for p in waiting:
            s = session.state.final[p]
            what = "reports" if s.phase == REPORT else "proposals"
            options.append((f"p{p}: round {s.round}, needs {s.waiting_for} more {what}", p))
        old = self.serve_box.value
        self._quiet = True
        try:
            self.serve_box.options = options
            if options:
                self.serve_box.value = old if old in waiting else session.next_to_serve()
        finally:
            self._quiet = False
        self._show_offers()

    def _show_offers(self) -> None:
        session = self.session
        pid = self.serve_box.value
        if session.finished:
            self.choose_hint.value = "The run is over: every correct process has decided."
            self.offers_box.children = ()
            self.offer_checks = []
            self.deliver_button.disabled = True
            return
        if pid is None:
            self.choose_hint.value = "No process is waiting for messages."
            self.offers_box.children = ()
            self.offer_checks = []
            self.deliver_button.disabled = True
            return
        s = session.state.final[pid]
        what = "reports" if s.phase == REPORT else "proposals"
        self.choose_hint.value = (
            f"<b>You choose.</b> p{pid} waits for {s.waiting_for} more {what} of round "
            f"{s.round}. Tick the in-flight messages it hears, then press "
            "<i>deliver chosen</i>. (<i>To decision</i> lets the uniform scheduler finish.)"
        )
        checks = []
        for m in session.offers(pid):
            label = value_html(m.value, value_name(m.phase, m.value))
            c = widgets.Checkbox(
                value=False,
                description=f"from p{m.sender}: {label}",
                description_allow_html=True,
                indent=False,
            )
            c.sender = m.sender  # type: ignore[attr-defined]
            checks.append(c)
        self.offer_checks = checks
        self.offers_box.children = tuple(checks)
        self.deliver_button.disabled = not checks

    SUMMARY = (
        "It runs Ben-Or's protocol one round at a time: each click goes as far as you choose "
        "(one delivery, one protocol step, a whole round, or to the decision), and you can go "
        "back, change the inputs, crash a process, swap the uniform scheduler for the split "
        "adversary, or pick every delivery yourself. It redraws the space-time diagram and "
        "the table of what each process heard after every move."
    )
    """What the widget does, for pages where it cannot run."""

    def preview(self) -> WidgetPreview:
        """The stepper as it stands: its name, what it does, and the diagram it shows."""
        return WidgetPreview(
            "The round stepper", self.SUMMARY, bytes(self.diagram.value), self.diagram.tooltip
        )


def _reraise(exc: BaseException) -> None:
    raise exc


def round_stepper(
    n: int = 5,
    t: int = 1,
    inputs: tuple[int, ...] | None = None,
    scheduler: str = "uniform",
    crashed: tuple[int, ...] = (),
    seed: int = 1,
) -> RoundStepper:
    """The round stepper widget (needs a live kernel: Binder or local Jupyter).

    Bad arguments do not raise: the widget starts with n=5, t=1 and says what was wrong.
    """
    return RoundStepper(n=n, t=t, inputs=inputs, scheduler=scheduler, crashed=crashed, seed=seed)
