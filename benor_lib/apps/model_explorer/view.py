"""The model explorer: which result applies to a model, and a run that shows it.

``model_explorer()`` returns the widget. The reader chooses the coin (a real coin, or a
deterministic rule in its place), the fault model (crash or Byzantine), n, t, how many
processes are actually faulty, the seed and the scheduler. For every combination the
explorer names the result that applies (FLP, Ben-Or's theorem, the n > 2t or n > 5t bound,
or "no fault to tolerate"), says why in a sentence or two, lists what is guaranteed, and
runs a demonstration: FLP's endless run, a decided run and its round count, or the
counterexample the break-it search finds, with a space-time diagram of the key round.

All the logic is in :mod:`benor_lib.apps.model_explorer.model`; this module reads the controls
and draws the :class:`~benor_lib.apps.model_explorer.model.ModelView`. Bad settings give a
message and leave the last view in place; the widget never shows a traceback.
"""

from __future__ import annotations

import base64
import html
import time
from typing import Any

import ipywidgets as widgets

from benor_lib.apps.budget import REDRAW_S, SLICE_S, Slice
from benor_lib.apps.common import MessageArea, button, guarded, html_table
from benor_lib.apps.model_explorer.model import (
    BEHAVIOUR_LABELS,
    COIN_LABELS,
    FAULT_LABELS,
    N_MAX,
    N_MIN,
    PRESETS,
    SCHEDULER_LABELS,
    ModelJob,
    ModelSession,
    ModelSettings,
    ModelView,
)
from benor_lib.apps.notes import WidgetPreview
from benor_lib.apps.progress import ActionTiming, Canvas, Helper, Worker, threads_available

_SMALL = widgets.Layout(width="150px")
_WIDE = {"description_width": "80px"}

_RESULT_COLOURS = {
    "FLP": ("#FDECEA", "#8C1D18"),
    "Ben-Or": ("#EDF7EE", "#1E6B2F"),
    "bound violated": ("#FFF4E0", "#7A4A00"),
    "no fault to tolerate": ("#EEF4FB", "#0B4F8A"),
}

_GUARANTEE_MARKS = {"always": "✔ always", "with probability 1": "✔ with probability 1"}

_COIN_TIPS = [
    "each process flips its own fair coin (Ben-Or)",
    "one shared coin per round, the same for everyone (Rabin)",
    "deterministic: a process that heard no D-message keeps its value",
    "deterministic: a process that heard no D-message sets x := 0",
    "deterministic: a process that heard no D-message sets x := its number mod 2",
]
_SCHEDULER_TIPS = [
    "whatever the result needs: FLP's endless schedule, the break-it search, or the "
    "split adversary",
    "shows each process the most balanced reports and the fewest D-messages it can",
    "each process hears its own message and n-t-1 others chosen at random",
    "delivers the messages in flight in a uniformly random order",
    "delivers messages in the order they were sent",
]


def _toggle(
    options: dict[str, str], value: str, description: str, tips: list[str], width: str
) -> widgets.ToggleButtons:
    return widgets.ToggleButtons(
        options=[(label, key) for key, label in options.items()],
        value=value,
        description=description,
        tooltips=tips,
        style={"button_width": width, **_WIDE},
    )


def _guarantee_cell(value: str) -> str:
    text = _GUARANTEE_MARKS.get(value, "✘ " + value)
    colour = "#1E6B2F" if value in _GUARANTEE_MARKS else "#8C1D18"
    return f'<span style="color:{colour}">{html.escape(text)}</span>'


class ModelExplorer(widgets.VBox):
    """The model explorer widget. Its controls are attributes, so tests can drive it.

    ``session`` holds the current :class:`~benor_lib.apps.model_explorer.model.ModelView`
    (``view``) and a cache of earlier ones; :meth:`set` changes several controls at once
    and shows the result; ``message`` shows what was wrong with a bad setting.
    """

    def __init__(
        self,
        coin: str = "local",
        variant: str = "crash",
        n: int = 5,
        t: int = 1,
        faults: int = 0,
        scheduler: str = "adversary",
        behaviour: str = "adaptive",
        seed: int = 0,
        *,
        budget_s: float = 1.5,
    ) -> None:
        self.message = MessageArea()
        first_error = ""
        try:
            settings = ModelSettings(coin, variant, n, t, faults, scheduler, behaviour, seed)
        except ValueError as exc:
            settings = ModelSettings()
            first_error = f"{str(exc).rstrip('.')}; starting with the defaults instead."
        self.session = ModelSession(budget_s)
        self.worker = Worker(self._failed)
        self.canvas = Canvas(dpi=80)
        self.timings: list[ActionTiming] = []
        """One entry per change: when it answered, and when the demonstration was shown."""
        self._quiet = False
        self._settings_error = False
        self._shown: ModelSettings | None = None

        self.coin_box = _toggle(COIN_LABELS, settings.coin, "coin", _COIN_TIPS, "118px")
        self.fault_box = _toggle(
            FAULT_LABELS,
            settings.variant,
            "faults",
            ["a faulty process stops", "a faulty process may send anything"],
            "118px",
        )
        self.n_box = widgets.IntText(value=settings.n, description="n", layout=_SMALL)
        self.t_box = widgets.IntText(value=settings.t, description="t", layout=_SMALL)
        self.faults_box = widgets.IntText(
            value=settings.faults,
            description="faulty",
            layout=widgets.Layout(width="170px"),
            style={"description_width": "60px"},
        )
        self.seed_box = widgets.IntText(value=settings.seed, description="seed", layout=_SMALL)
        self.scheduler_box = _toggle(
            SCHEDULER_LABELS, settings.scheduler, "scheduler", _SCHEDULER_TIPS, "118px"
        )
        self.behaviour_box = widgets.Dropdown(
            options=[(label, key) for key, label in BEHAVIOUR_LABELS.items()],
            value=settings.behaviour,
            description="Byzantine",
            style=_WIDE,
            layout=widgets.Layout(width="260px"),
        )
        self.behaviour_note = widgets.HTML()
        self.preset_buttons = {
            name: button(name, f"show the {name} example", width="auto") for name in PRESETS
        }
        for name, b in self.preset_buttons.items():
            b.on_click(self._make_preset(name))

        self.result_html = widgets.HTML()
        self.guarantees_html = widgets.HTML()
        self.demo_html = widgets.HTML()
        # an <img> in an HTML widget rather than widgets.Image: it carries alt text, which
        # widgets.Image cannot (its tooltip breaks the image in the static pages' embedder)
        self.diagram = widgets.HTML(layout=widgets.Layout(max_width="100%"))
        self.diagram_png = b""
        self.diagram_text = widgets.HTML()
        self.status = widgets.HTML()

        self.controls = (
            self.coin_box,
            self.fault_box,
            self.n_box,
            self.t_box,
            self.faults_box,
            self.seed_box,
            self.scheduler_box,
            self.behaviour_box,
        )
        for w in self.controls:
            w.observe(self._on_change, names="value")

        super().__init__(
            [
                widgets.HTML(
                    "<b>Model explorer</b>: choose a model; see which result applies, and a "
                    "run that shows it."
                ),
                widgets.HBox([widgets.Label("Try:"), *self.preset_buttons.values()]),
                self.coin_box,
                self.fault_box,
                widgets.HBox([self.n_box, self.t_box, self.faults_box, self.seed_box]),
                self.scheduler_box,
                widgets.HBox([self.behaviour_box, self.behaviour_note]),
                self.message,
                self.result_html,
                self.guarantees_html,
                self.demo_html,
                self.diagram,
                self.diagram_text,
                self.status,
            ]
        )
        self._sync_enabled(settings)
        guarded(self.message, clear=False)(self._show_settings)(settings, now=True)
        if first_error:
            self.message.error(first_error)

    # --- reading and changing the settings ----------------------------------------------
    def read_settings(self) -> ModelSettings:
        """The settings the controls show (ValueError when they make no sense)."""
        return ModelSettings(
            coin=self.coin_box.value,
            variant=self.fault_box.value,
            n=self.n_box.value,
            t=self.t_box.value,
            faults=self.faults_box.value,
            scheduler=self.scheduler_box.value,
            behaviour=self.behaviour_box.value,
            seed=self.seed_box.value,
        )

    def set(self, **changes: Any) -> ModelView | None:
        """Set several controls at once (coin, variant, n, t, faults, scheduler,
        behaviour, seed) and show the result; returns the view, or None when the settings
        were refused (``message`` says why)."""
        boxes = {
            "coin": self.coin_box,
            "variant": self.fault_box,
            "n": self.n_box,
            "t": self.t_box,
            "faults": self.faults_box,
            "scheduler": self.scheduler_box,
            "behaviour": self.behaviour_box,
            "seed": self.seed_box,
        }
        unknown = sorted(set(changes) - set(boxes))
        if unknown:
            self._refuse(f"unknown setting {unknown[0]!r}; the settings are {', '.join(boxes)}")
            return None

        for name, value in changes.items():
            box = boxes[name]
            if isinstance(box, (widgets.ToggleButtons, widgets.Dropdown)):
                allowed = [key for _, key in box.options]
                if value not in allowed:
                    options = ", ".join(repr(a) for a in allowed)
                    self._refuse(f"{name} must be one of {options}, got {value!r}")
                    return None
            elif isinstance(value, bool) or not isinstance(value, int):
                self._refuse(f"{name} must be a whole number, got {value!r}")
                return None

        @guarded(self.message, clear=False)
        def apply() -> None:
            self._quiet = True
            try:
                for name, value in changes.items():
                    boxes[name].value = value
            finally:
                self._quiet = False
            self._refresh()

        apply()
        return None if self._settings_error else self.view

    @property
    def view(self) -> ModelView | None:
        """The view on screen."""
        return self.session.view

    @property
    def result(self) -> str | None:
        """The result on screen ("FLP", "Ben-Or", "bound violated", "no fault to
        tolerate"), or None before the first view."""
        return None if self.view is None else self.view.result

    def _on_change(self, change: dict[str, Any]) -> None:
        if not self._quiet:
            guarded(self.message, clear=False)(self._refresh)()

    def _make_preset(self, name: str) -> Any:
        def on_click(_: widgets.Button) -> None:
            self.set(**PRESETS[name])

        return on_click

    def _refresh(self) -> None:
        try:
            settings = self.read_settings()
        except ValueError as exc:
            self._refuse(str(exc))
            return
        self._sync_enabled(settings)
        self._show_settings(settings)

    def _refuse(self, text: str) -> None:
        self._settings_error = True
        shown = self._shown
        still = (
            f" Nothing changed: the explorer still shows n={shown.n}, t={shown.t}, "
            f"{shown.faults} faulty."
            if shown is not None
            else ""
        )
        self.message.error(f"{text.rstrip('.')}.{still}")

    def _sync_enabled(self, settings: ModelSettings) -> None:
        byzantine = settings.variant == "byzantine"
        self.behaviour_box.layout.display = "" if byzantine else "none"
        self.behaviour_note.layout.display = "" if byzantine else "none"
        adversary = settings.scheduler == "adversary"
        self.behaviour_box.disabled = adversary or settings.faults == 0
        if adversary:
            note = "the worst case chooses the Byzantine messages itself"
        elif settings.faults == 0:
            note = "no process is faulty"
        else:
            note = "what the faulty processes send"
        self.behaviour_note.value = f'<span style="color:#555;font-size:90%">{note}</span>'

    # --- showing a view -------------------------------------------------------------------
    def _show_settings(self, settings: ModelSettings, *, now: bool = False) -> None:
        """Say at once what is being looked for, then search and draw in the next turn of
        the event loop: a newer change replaces a search that has not started yet."""
        self.message.clear()
        self._settings_error = False
        timing = ActionTiming(time.perf_counter())
        self.timings.append(timing)
        if now:
            self.worker.cancel()
            for _ in self._search(settings, timing, wait=False):
                pass
            return
        what = html.escape(settings.describe())
        self.status.value = (
            f'<div role="status" style="color:#555;font-size:85%">{what}: looking for a '
            f"demonstration (at most {self.session.budget_s:g} s)…</div>"
        )
        timing.answered()
        self.worker.start(self._search(settings, timing))

    def _search(self, settings: ModelSettings, timing: ActionTiming, wait: bool = True):
        """Find the demonstration in slices, then draw it in two more (the figure, then its
        picture): a newer change cancels whatever is still pending.

        Runs of a named scheduler are made a few per slice, with their count on screen. The
        worst-case search is one piece of work: on a kernel with threads it runs on a helper
        thread while the event loop stays free (a newer change drops its answer); without
        threads (Pyodide) it runs as one slice, bounded by the search budget."""
        live = wait and self.worker.live
        if live:
            yield  # the note is on screen first; newer changes are handled before searching
        job = self.session.begin(settings)
        shown = time.perf_counter()
        if not job.done and live and not job.sliced and threads_available():
            began = time.perf_counter()
            helper = Helper(job.advance)
            while not helper.finished:
                if time.perf_counter() - shown >= REDRAW_S:
                    self._progress(settings, job, time.perf_counter() - began)
                    shown = time.perf_counter()
                yield
            helper.result()  # re-raises what the search raised
            timing.compute += time.perf_counter() - began
        while not job.done:
            part = Slice(SLICE_S if live else 1.0)
            job.advance(part.over if live and job.sliced else None)
            timing.compute += part.end()
            timing.slices += 1
            if live and not job.done:
                if time.perf_counter() - shown >= REDRAW_S:
                    self._progress(settings, job)
                    shown = time.perf_counter()
                yield
        view = self.session.finish(job)
        self._shown = settings
        if live:
            yield  # the kernel answers other messages between the search and the drawing
        part = Slice(1.0)
        fig = view.figure(fig=self.canvas.figure)
        timing.draw += part.end()
        if live and fig is not None:
            yield  # and between building the figure and drawing its picture
        part = Slice(1.0)
        self._draw(view, fig)
        timing.draw += part.end()
        timing.completed()

    def _progress(self, settings: ModelSettings, job: ModelJob, seconds: float = 0.0) -> None:
        what = html.escape(settings.describe())
        note = job.progress_note()
        if not job.sliced:
            note = (
                f"Searching the worst case: {seconds:.1f} s so far, at most "
                f"{self.session.budget_s:g} s…"
            )
        self.status.value = (
            f'<div role="status" style="color:#555;font-size:85%">{what}: {html.escape(note)}</div>'
        )

    def _failed(self, exc: BaseException) -> None:
        """The search failed: say so as any callback would, and keep the widget usable."""
        guarded(self.message, clear=False)(_reraise)(exc)

    def _draw(self, view: ModelView, fig: Any = None) -> None:
        """Show ``view``, with ``fig`` (its figure, drawn into the widget's canvas)."""
        background, colour = _RESULT_COLOURS[view.result]
        self.result_html.value = (
            f'<div role="status" style="background:{background};color:{colour};'
            'padding:6px 10px;border-radius:4px;margin:4px 0">'
            f"<b>{html.escape(view.title)}</b><br>{html.escape(view.why)}</div>"
        )
        self.guarantees_html.value = html_table(
            ["property", "guaranteed?"],
            [[html.escape(k), _guarantee_cell(v)] for k, v in view.guarantees.items()],
            caption="What this model guarantees",
        )
        note = f"<br><i>{html.escape(view.note)}</i>" if view.note else ""
        self.demo_html.value = (
            '<div aria-live="polite" style="padding:4px 0">'
            f"<b>Demonstration: {html.escape(view.kind)}.</b> {html.escape(view.text)}{note}"
            "</div>"
        )
        if fig is None:
            self.diagram_png = b""
            self.diagram.value = ""
            self.diagram.layout.display = "none"
            self.diagram_text.value = ""
        else:
            self.diagram_png = self.canvas.png()
            alt = view.alt_text()
            data = base64.b64encode(self.diagram_png).decode("ascii")
            self.diagram.value = (
                f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt, quote=True)}" '
                'style="max-width:100%;height:auto;background:white">'
            )
            self.diagram.layout.display = ""
            words = html.escape(alt)
            steps = "".join(f"<li>{html.escape(s)}</li>" for s in view.sentences())
            self.diagram_text.value = (
                '<details style="font-size:90%"><summary>The diagram in words</summary>'
                f"{words}</details>"
                '<details style="font-size:90%"><summary>Round '
                f"{view.round}, step by step</summary><ul>{steps}</ul></details>"
            )
        self.status.value = (
            f'<div style="color:#555;font-size:85%">{html.escape(view.settings.describe())}. '
            f"Demonstration computed in {view.elapsed:.2f} s. The classification: "
            f"<code>{html.escape(view.settings.call())}</code></div>"
        )

    SUMMARY = (
        "You choose a model: a fair coin or a deterministic rule in its place, crash or "
        "Byzantine faults, n, t, how many processes are faulty, and the scheduler. It names "
        "the result that applies (FLP, Ben-Or's theorem, or outside the bound), says why, "
        "and runs a demonstration: an endless run, a decided run, or a counterexample."
    )
    """What the widget does, for pages where it cannot run."""

    def preview(self) -> WidgetPreview:
        """The explorer as it stands: its name, what it does, and its demonstration's picture."""
        view = self.view
        alt = view.alt_text() if view is not None and self.diagram_png else ""
        return WidgetPreview("The model explorer", self.SUMMARY, self.diagram_png, alt)


def _reraise(exc: BaseException) -> None:
    raise exc


def model_explorer(**settings: Any) -> ModelExplorer:
    """The model explorer widget (needs a live kernel: Binder or local Jupyter).

    Keywords set the first view: ``coin`` ("local", "common", "keep", "zero",
    "pid_parity"), ``variant`` ("crash", "byzantine"), ``n`` (between
    ``N_MIN`` and ``N_MAX``), ``t``, ``faults`` (how many processes are actually faulty),
    ``scheduler`` ("adversary", "split", "uniform", "random_order", "fifo"), ``behaviour``
    (of Byzantine processes under a named scheduler), ``seed`` and ``budget_s`` (seconds
    the worst-case search may take).
    """
    return ModelExplorer(**settings)


__all__ = ["N_MAX", "N_MIN", "ModelExplorer", "model_explorer"]
