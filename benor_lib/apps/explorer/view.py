"""The distribution explorer: how many rounds does Ben-Or's protocol take?

``distribution_explorer()`` returns the widget. Every change of a control samples the runs
of the new setting and redraws the histogram of their round counts, with the exact
distribution over it where it is known, the mean, median, 99th percentile and censored
share, and the ``sample_rounds`` call that reproduces the sample. The compare mode keeps
the previous setting's histogram beside the new one. Settings that would take long are
capped with a note; bad combinations give a message and leave the last figure in place.
All the logic is in :mod:`benor_lib.apps.explorer.model`; this module reads controls and draws.
"""

from __future__ import annotations

import html
import math
import time
from collections.abc import Iterator
from typing import Any

import ipywidgets as widgets

from benor_lib.apps.budget import FIRST_SLICE_S, REDRAW_S, SLICE_S, Slice, slowdown_note
from benor_lib.apps.common import DescribedImage, MessageArea, guarded, html_table
from benor_lib.apps.explorer.model import (
    COIN_LABELS,
    INPUT_LABELS,
    N_MAX,
    N_MIN,
    RUNS_CHOICES,
    SCHEDULER_LABELS,
    ExplorerSession,
    ExplorerSettings,
    ExplorerView,
)
from benor_lib.apps.notes import WidgetPreview
from benor_lib.apps.progress import ActionTiming, Canvas, Worker
from benor_lib.figures import (
    redraw_rounds_histogram,
    rounds_histogram_alt_text,
    rounds_histogram_figure,
)

_WIDE = {"description_width": "70px"}
_SLIDER = widgets.Layout(width="300px")
_LAYOUT_LABELS = {"side": "side by side", "overlay": "overlaid"}


def _toggle(options: dict[str, str], value: str, description: str, tips: list[str], width: str):
    return widgets.ToggleButtons(
        options=[(label, key) for key, label in options.items()],
        value=value,
        description=description,
        tooltips=tips,
        style={"button_width": width, "description_width": "70px"},
    )


def _fmt(value: object, digits: int = 3) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}"


class DistributionExplorer(widgets.VBox):
    """The distribution explorer widget. Its controls are attributes, so tests can drive it.

    ``session`` (an :class:`~benor_lib.apps.explorer.model.ExplorerSession`) holds the current and
    the previous view; ``last_seconds`` is how long the last update took.
    """

    def __init__(
        self,
        n: int = 5,
        t: int = 1,
        inputs: str = "random",
        ones: int = 0,
        scheduler: str = "uniform",
        crashes: int = 0,
        coin: str = "local",
        runs: int = 10_000,
        seed: int = 1,
        scale: str = "linear",
        compare: bool = False,
        layout: str = "side",
    ) -> None:
        self.message = MessageArea()
        self.note = MessageArea()
        try:
            settings = ExplorerSettings(
                n=n,
                t=t,
                inputs=inputs,
                ones=ones,
                scheduler=scheduler,
                crashes=crashes,
                coin=coin,
                runs=runs,
                seed=seed,
                scale=scale,
            )
        except ValueError as exc:
            settings = ExplorerSettings()
            self.message.error(f"{exc}; starting with n=5, t=1 instead.")
        if layout not in _LAYOUT_LABELS:
            layout = "side"
        self.session = ExplorerSession(settings)
        self.last_seconds = 0.0
        self.timings: list[ActionTiming] = []
        """One entry per control change: when it answered, was drawn and was complete."""
        self.canvas = Canvas(dpi=90)
        self._frame: tuple | None = None  # what the canvas shows while work is in progress
        self.worker = Worker(self._failed)
        self._quiet = True

        slider = {"continuous_update": False, "layout": _SLIDER, "style": _WIDE}
        self.n_slider = widgets.IntSlider(
            value=settings.n, min=N_MIN, max=N_MAX, description="n", **slider
        )
        self.t_slider = widgets.IntSlider(
            value=settings.t, min=0, max=N_MAX // 2, description="t", **slider
        )
        self.crashes_slider = widgets.IntSlider(
            value=settings.crashes, min=0, max=N_MAX // 2, description="crashed", **slider
        )
        self.inputs_box = _toggle(
            INPUT_LABELS,
            settings.inputs,
            "inputs",
            [
                "every process starts with a fair coin, fresh in every run",
                "every process starts with 1 (all 0 gives the same round counts)",
                "the last k processes start with 1, the others with 0",
            ],
            "90px",  # short labels: the row keeps the "ones (k)" slider beside them
        )
        self.ones_slider = widgets.IntSlider(
            value=settings.ones, min=0, max=N_MAX, description="ones (k)", **slider
        )
        self.scheduler_box = _toggle(
            SCHEDULER_LABELS,
            settings.scheduler,
            "scheduler",
            [
                "each process hears its own message and n-t-1 others chosen at random",
                "the adversary shows balanced reports and as few D-messages as it can",
            ],
            "120px",
        )
        self.coin_box = _toggle(
            COIN_LABELS,
            settings.coin,
            "coin",
            [
                "every process flips its own coin",
                "one shared coin per round, which the scheduler cannot see in advance",
            ],
            "120px",
        )
        choices = sorted({*RUNS_CHOICES, settings.runs})
        self.runs_box = widgets.Dropdown(
            options=[(f"{r:,}", r) for r in choices],
            value=settings.runs,
            description="runs",
            style=_WIDE,
            layout=widgets.Layout(width="200px"),
        )
        self.seed_box = widgets.IntText(
            value=settings.seed,
            description="seed",
            style=_WIDE,
            layout=widgets.Layout(width="170px"),
        )
        self.scale_box = _toggle(
            {"linear": "linear", "log": "log"},
            settings.scale,
            "scale",
            ["count axis from 0", "count axis logarithmic: shows the tail"],
            "70px",
        )
        self.compare_box = widgets.Checkbox(
            value=bool(compare),
            description="compare with the previous setting",
            indent=False,
            layout=widgets.Layout(width="260px"),
        )
        self.layout_box = widgets.ToggleButtons(
            options=[(label, key) for key, label in _LAYOUT_LABELS.items()],
            value=layout,
            tooltips=["two panels, same scales", "both in one panel, two bars per round"],
            style={"button_width": "110px"},
        )

        self.stats = widgets.HTML()
        self.figure = DescribedImage(format="png", layout=widgets.Layout(max_width="100%"))
        self.description = widgets.HTML()
        self.reproduce = widgets.HTML()

        self.controls = [
            self.n_slider,
            self.t_slider,
            self.crashes_slider,
            self.inputs_box,
            self.ones_slider,
            self.scheduler_box,
            self.coin_box,
            self.runs_box,
            self.seed_box,
            self.scale_box,
            self.compare_box,
            self.layout_box,
        ]
        for control in self.controls:
            control.observe(self._on_change, names="value")
        self._refresh = guarded(self.message, clear=False)(self._refresh_unguarded)

        super().__init__(
            [
                widgets.HTML(
                    "<b>Distribution explorer</b>: how many rounds do runs of Ben-Or's protocol "
                    "(crash variant) take? Change a setting and the histogram is redrawn."
                ),
                widgets.HBox([self.n_slider, self.t_slider, self.crashes_slider]),
                widgets.HBox([self.inputs_box, self.ones_slider]),
                widgets.HBox([self.scheduler_box, self.coin_box]),
                widgets.HBox([self.runs_box, self.seed_box, self.scale_box]),
                widgets.HBox([self.compare_box, self.layout_box]),
                self.message,
                self.note,
                self.stats,
                self.figure,
                self.description,
                self.reproduce,
            ]
        )
        self._quiet = False
        self._sync_enabled()
        self._draw()

    # --- reading and applying settings ---------------------------------------------------
    def read_settings(self) -> ExplorerSettings:
        """The settings the controls show; ``ValueError`` says what is wrong with them."""
        return ExplorerSettings(
            n=self.n_slider.value,
            t=self.t_slider.value,
            inputs=self.inputs_box.value,
            ones=self.ones_slider.value,
            scheduler=self.scheduler_box.value,
            crashes=self.crashes_slider.value,
            coin=self.coin_box.value,
            runs=self.runs_box.value,
            seed=self.seed_box.value,
            scale=self.scale_box.value,
        )

    def _sync_enabled(self) -> None:
        self.ones_slider.disabled = self.inputs_box.value != "ones"
        self.layout_box.disabled = not self.compare_box.value

    def _on_change(self, change: dict[str, Any]) -> None:
        if not self._quiet:
            self._refresh()

    def _failed(self, exc: BaseException) -> None:
        """Progressive work failed: say so as any callback would, and keep the widget usable."""
        guarded(self.message, clear=False)(_reraise)(exc)

    def _refresh_unguarded(self) -> None:
        self._sync_enabled()
        try:
            settings = self.read_settings()
        except ValueError as exc:
            self.worker.cancel()
            shown = self.session.current.label
            self.message.error(
                f"{exc}. The figure still shows the last valid setting ({shown}); "
                "change a control to continue."
            )
            return
        self.message.clear()
        clicked = time.perf_counter()
        self._show_notes(None, f"Computing {settings.label()}…")  # the first answer
        self.worker.start(self._progress(settings, clicked))

    def _progress(self, settings: ExplorerSettings, clicked: float) -> Iterator[None]:
        """Show ``job``'s views as it advances, one slice per step; then make it current.

        The first visible answer is the note saying what is being computed (at once), then
        the first picture: the exact distribution with the first runs in, after a short
        first slice. Later pictures come at most every ``REDRAW_S``; each slice of
        sampling takes at most ``SLICE_S`` of compute, as the budget counts time.
        """
        timing = ActionTiming(clicked)
        self.timings.append(timing)
        timing.answered()  # the note, shown by the click's handler
        if self.worker.live:
            yield  # the note goes out first; a newer change cancels what follows
        job = self.session.begin(settings)  # the exact law and the plan (or the trial)
        if self.worker.live:
            yield
        if not self.worker.live:  # no event loop (a script, a test): no slices needed
            job.advance()
        seconds = FIRST_SLICE_S
        last_draw = None
        while not job.done:
            part = Slice(seconds)
            job.advance(part.over)
            timing.compute += part.end()
            timing.slices += 1
            seconds = SLICE_S
            # redraw every REDRAW_S, and at most a quarter of the time: pictures cost too
            gap = max(REDRAW_S, 3 * timing.last_draw)
            due = last_draw is None or time.perf_counter() - last_draw >= gap
            view = job.view() if due and not job.done else None
            if view is not None:
                self._draw(view, timing)
                last_draw = time.perf_counter()
            yield
        self.session.finish(job)
        self._draw(None, timing)
        timing.completed(self.session.current.runs)
        self.last_seconds = timing.complete

    # --- drawing ---------------------------------------------------------------------------
    # --- drawing ---------------------------------------------------------------------------
    @property
    def comparing(self) -> bool:
        """True when the compare mode is on and there is a previous setting to show."""
        return bool(self.compare_box.value) and self.session.previous is not None

    def _draw(self, partial: ExplorerView | None = None, timing: ActionTiming | None = None):
        """Draw ``partial`` (a view of work in progress) or the session's current view."""
        view = partial or self.session.current
        previous = self.session.previous if self.comparing else None
        if partial is not None and self.compare_box.value:
            previous = self.session.current  # the last finished setting, beside the new one
            if previous.settings.sampling_key == view.settings.sampling_key:
                previous = self.session.previous
        layout = self.layout_box.value
        draw = Slice(1.0)  # in the slow-kernel mode, drawing is slowed down as well
        fig, scale = self.canvas.figure, view.settings.scale
        if partial is None:  # the final picture: laid out to fit
            self._frame = None
            if not (
                previous is None
                and redraw_rounds_histogram(fig, view, scale=scale, last_round=view.last_round)
            ):
                rounds_histogram_figure(view, previous, layout=layout, scale=scale, fig=fig)
            fig.set_layout_engine("constrained")
        else:  # work in progress: a fixed rounds axis, drawn into the axes already there
            horizon = _horizon(view, self._frame[1] if self._frame else 0)
            if not (
                previous is None
                and redraw_rounds_histogram(
                    fig, view, scale=scale, last_round=horizon, legend_loc="upper right"
                )
            ):
                rounds_histogram_figure(
                    view, previous, layout=layout, scale=scale, fig=fig, last_round=horizon
                )
            self._frame = (view.settings, horizon)
        png = self.canvas.png()
        fig.set_layout_engine("none")  # later pictures keep this layout
        seconds = draw.end()  # (the slow-kernel mode waits here, before the picture shows)
        self.figure.value = png
        if timing is not None:
            timing.draw += seconds
            timing.last_draw = seconds
            timing.pictured()
        alt = rounds_histogram_alt_text(view, previous, layout)
        self.figure.tooltip = alt  # the image's text alternative (its title)
        self.description.value = (
            '<details style="font-size:90%;color:#444"><summary>Describe the figure</summary>'
            f"{html.escape(alt)}</details>"
        )
        self.stats.value = self._stats_html(view, previous)
        self._show_notes(view, None, previous)
        # the code's colours are set, not the theme's: its dark-mode code colour is a light
        # pink, unreadable on the widget area's light background
        self.reproduce.value = (
            '<p style="font-size:90%;color:#444">The same sample in code: '
            '<code style="color:#222222;background:#F2F2F2">'
            f"{html.escape(view.call())}</code></p>"
        )

    def _show_notes(
        self, view: ExplorerView | None, status: str | None, previous: ExplorerView | None = None
    ) -> None:
        if view is None:
            notes = [status or ""]
        elif not view.complete:
            notes = [view.progress_note(), view.exact_note]
        else:
            notes = [view.cap_note(), view.exact_note]
        if previous is not None and previous.cap_note():
            notes.append("Previous setting: " + previous.cap_note())
        if self.compare_box.value and self.session.previous is None:
            notes.append(
                "Compare: change a setting, and this histogram will stay beside the new one."
            )
        notes.append(slowdown_note())
        text = " ".join(n for n in notes if n)
        if text:
            self.note.info(text)
        else:
            self.note.clear()

    @staticmethod
    def _stats_html(view: ExplorerView, previous: ExplorerView | None) -> str:
        header = [
            "",
            "runs",
            "mean",
            "median",
            "99th percentile",
            "censored",
            "exact mean",
            "exact 99th pct.",
        ]
        rows = []
        for name, v in (("now", view), ("previous", previous)):
            if v is None:
                continue
            st = v.stats()
            rows.append(
                [
                    f"<b>{name}</b>",
                    _fmt(st["runs"]),
                    _fmt(st["mean"]),
                    _fmt(st["median"]),
                    _fmt(st["p99"]),
                    f"{100 * st['censored_share']:.1f}%",
                    _fmt(st["exact_mean"]),
                    _fmt(st["exact_p99"]),
                ]
            )
        caption = "Rounds until every process has decided"
        if any(v is not None and v.censored_runs for v in (view, previous)):
            caption += " (cut-off runs count as the cut-off: the statistics are lower bounds)"
        return html_table(header, rows, caption=html.escape(caption))

    @property
    def figure_png(self) -> bytes:
        """The PNG bytes of the figure shown."""
        return bytes(self.figure.value)

    SUMMARY = (
        "It samples many runs of Ben-Or's protocol (crash variant) for the setting you choose "
        "(n, t, the inputs, the scheduler, crashes, the coin, the number of runs and the "
        "seed) and draws the histogram of their round counts, with the exact distribution "
        "over it where it is known, and the mean, median and 99th percentile. It can keep "
        "the previous setting beside the new one for comparison."
    )
    """What the widget does, for pages where it cannot run."""

    def preview(self) -> WidgetPreview:
        """The explorer as it stands: its name, what it does, and the histogram it shows."""
        return WidgetPreview(
            "The distribution explorer", self.SUMMARY, self.figure_png, self.figure.tooltip
        )


def _horizon(view: ExplorerView, current: int) -> int:
    """The rounds axis of a picture of work in progress: about the longest run expected
    (seven times the mean, as the round counts have geometric tails), doubled when a run
    takes longer, and never beyond the cut-off."""
    cut = view.plan.max_rounds
    mean = view.plan.expected_rounds
    horizon = max(current, 8, min(cut, math.ceil(7 * mean)) if math.isfinite(mean) else cut)
    while horizon < view.counts.size:
        horizon *= 2
    return min(horizon, max(cut, view.counts.size))


def _reraise(exc: BaseException) -> None:
    raise exc


def distribution_explorer(**settings: Any) -> DistributionExplorer:
    """The distribution explorer widget (needs a live kernel: Binder or local Jupyter).

    Keyword arguments set the starting controls: ``n``, ``t``, ``inputs`` ("random",
    "equal", "ones"), ``ones``, ``scheduler`` ("uniform", "split"), ``crashes``, ``coin``
    ("local", "common"), ``runs``, ``seed``, ``scale`` ("linear", "log"), ``compare``
    (bool) and ``layout`` ("side", "overlay"). Bad settings do not raise: the widget starts
    with n=5, t=1 and says what was wrong.
    """
    return DistributionExplorer(**settings)
