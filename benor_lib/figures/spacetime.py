"""The space-time diagram of one round (the round stepper's picture), and its animation.

:func:`stepper_animation` plays a round of a stepper session frame by frame; it takes the
session (any object with the :class:`StepperLike` methods, such as
:class:`benor_lib.apps.stepper.model.StepperSession`) so that figures never import an app.
"""

from __future__ import annotations

import math
import textwrap
from typing import Any, Protocol

import matplotlib as mpl
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from benor_lib import publish
from benor_lib.figures.style import (
    COLORS,
    COLUMN_WIDTH,
    FIGURE_DPI,
    FONT_SIZES,
    INK,
    MARKERS,
    legend_below,
    marker_style,
    new_figure,
    reuse_figure,
)
from benor_lib.protocol.events import REPORT

#: Line style of a report (step 1) and of a proposal (step 2) in the space-time diagram.
MESSAGE_LINESTYLES: dict[int, str] = {1: "-", 2: "--"}


#: Marker size at the arrival of a report and of a proposal.
MESSAGE_MARKERSIZES: dict[int, float] = {1: 4.5, 2: 6.5}


#: How faint a message the receiver ignores (it already had n - t, or the step was over).
IGNORED_ALPHA = 0.25


#: Font size (points) of the space-time diagram's annotations (D(v), ?, x:=v, coin v,
#: decides v), its "now" mark and its legend: the small size of the book's type scale.
SPACE_TIME_FONTSIZE = FONT_SIZES["small"]


#: Width (inches) of a space-time diagram: the width of the text column, so that the page
#: shows it at its own size, not scaled down.
SPACE_TIME_WIDTH = COLUMN_WIDTH


#: Background box of an annotation, so that a label stays readable where an arrow passes.
_LABEL_BOX = {
    "boxstyle": "round,pad=0.12",
    "facecolor": "white",
    "edgecolor": "none",
    "alpha": 0.85,
}


def _message_value_key(value: int | None) -> int | str:
    return "?" if value is None else int(value)


def _message_times(run: Any) -> tuple[dict, dict, int]:
    """Send and delivery times (in deliveries so far) of every message of ``run``."""
    from benor_lib.protocol.events import BYZANTINE_SEND, DELIVER, SEND

    sent: dict[tuple[int, int, int, int], tuple[float, int | None]] = {}
    delivered: dict[tuple[int, int, int, int], tuple[float, str]] = {}
    now = 0
    for e in run.trace:
        if e.kind == DELIVER:
            now += 1
            delivered[(e.sender, e.pid, e.round, e.phase)] = (now, e.delivery)
        elif e.kind == SEND:
            for r in e.receivers:
                sent[(e.pid, r, e.round, e.phase)] = (now, e.value)
        elif e.kind == BYZANTINE_SEND:
            for r, v in zip(e.receivers, e.sent, strict=True):
                sent[(e.pid, r, e.round, e.phase)] = (now, v)
    return sent, delivered, now


ARROW_GAP_POINTS = 3.0
"""Gap between a message arrow's tip and the point where it arrives."""


def _pull_back(
    start: tuple[float, float], end: tuple[float, float], per_inch: tuple[float, float], gap: float
) -> tuple[float, float]:
    """``end`` moved towards ``start`` by ``gap`` inches (data units per inch: ``per_inch``)."""
    dx = (end[0] - start[0]) / per_inch[0]
    dy = (end[1] - start[1]) / per_inch[1]
    length = math.hypot(dx, dy)
    if length <= 2 * gap:
        return end
    k = gap / length
    return end[0] - k * dx * per_inch[0], end[1] - k * dy * per_inch[1]


def space_time_extent(
    run: Any, round: int | None = None, *, static: bool = False
) -> tuple[float, float]:
    """The time axis (left, right) that :func:`draw_space_time` gives ``round`` of ``run``
    (with ``static``, leaving out the messages in flight)."""
    from benor_lib.protocol.events import DELIVER

    if round is None:
        last = [e for e in run.trace if e.kind == DELIVER]
        round = last[-1].round if last else 1
    sent, delivered, now = _message_times(run)
    x0, edge, _ = _time_axis(run, round, sent, delivered, now, static)
    return x0, edge


def _time_axis(
    run: Any, round: int, sent: dict, delivered: dict, now: int, static: bool
) -> tuple[float, float, float]:
    """Left and right end of the time axis, and the spacing of the in-flight markers."""
    keys = [k for k in sent if k[2] == round]
    queue: dict[int, int] = {}
    if not static:
        for m in run.pending:
            if m.round == round:
                queue[m.receiver] = queue.get(m.receiver, 0) + 1
    starts = [sent[k][0] for k in keys] or [now]
    ends = [delivered[k][0] for k in keys if k in delivered]
    x0 = min(starts) - 0.5
    step = 0.5 + 0.02 * (now - x0)
    last = max([*ends, x0 + 2.0 * run.n])
    margin = 1.0 + 0.05 * (last - x0)  # room for a "decides v" label under the last arrival
    if queue:
        edge = max(now + 1.0 + step * max(queue.values()) + 0.5, last + margin)
    else:
        edge = last + margin
    return x0, edge, step


def draw_space_time(
    ax: Axes,
    run: Any,
    round: int | None = None,
    *,
    legend: bool = True,
    static: bool = False,
    xlim: tuple[float, float] | None = None,
) -> Axes:
    """Draw the space-time (message-sequence) diagram of one round of ``run`` on ``ax``.

    Processes are horizontal lines (p0 at the top), time runs to the right in deliveries.
    Every delivered message of the round is an arrow from its sender (when it was sent) to
    its receiver (when it arrived): reports solid, proposals dashed, coloured and marked by
    value (``?`` grey); messages the receiver ignored are faint; messages still in flight
    wait as faint markers on their receiver's line, right of "now". On each line: what it sent
    (D(v) or ?) and what it did in step 3 (adopt, coin, decide). ``round`` defaults to the
    round of the last delivery. ``run`` is a (possibly partial)
    :class:`~benor_lib.simulation.result.Run`.

    ``static`` draws a finished picture for the page: no "now" line and no messages in
    flight, and a legend of only what the diagram shows (otherwise the legend lists all
    that a round can show, so that it stays put while stepping). ``xlim`` fixes the time
    axis (frames of one animation share it).
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrowPatch

    from benor_lib.protocol.events import ADOPT, COIN, CRASH, DECIDE, DELIVER, HALT, PROPOSE
    from benor_lib.simulation.narrate import value_name

    n = run.n
    if round is None:
        last = [e for e in run.trace if e.kind == DELIVER]
        round = last[-1].round if last else 1
    sent, delivered, now = _message_times(run)
    keys = [k for k in sent if k[2] == round]
    pending = sorted(
        (m for m in run.pending if m.round == round and not static),
        key=lambda m: (m.receiver, m.phase, m.sender),
    )
    # step: spacing of the in-flight markers waiting right of "now"
    x0, edge, step = _time_axis(run, round, sent, delivered, now, static)
    if xlim is not None:
        x0, edge = float(xlim[0]), max(float(xlim[1]), edge)
    crashed = {e.pid for e in run.trace if e.kind == CRASH}
    shown: set[str] = set()  # what the legend may list

    ax.set_xlim(x0, edge)
    top = -1.15 if pending or xlim is not None else -0.85  # room for "now; in flight:"
    ax.set_ylim(n - 0.5, top)
    box = ax.get_position()  # before the layout: close enough for a gap of a few points
    width, height = ax.figure.get_size_inches()
    per_inch = ((edge - x0) / (box.width * width), (n - 0.5 - top) / (box.height * height))
    ax.grid(False)
    for p in range(n):
        style = ":" if p in crashed else "-"
        ax.plot([x0, edge], [p, p], color="#BBBBBB", linewidth=1.0, linestyle=style, zorder=0)
    if pending:
        shown.add("in flight")
        ax.axvline(now + 0.5, color=INK, linewidth=0.8, linestyle=":", zorder=0, gid="now")
        ax.text(
            now + 0.6,
            -0.8,
            "now; in flight:",
            fontsize=SPACE_TIME_FONTSIZE,
            color=INK,
            va="center",
        )

    heads: dict[tuple[int, int | str, bool], tuple[list[float], list[float]]] = {}
    for key in sorted(k for k in keys if k in delivered):
        s, r, _, phase = key
        ts, value = sent[key]
        v = _message_value_key(value)
        td, status = delivered[key]
        used = status in ("counted", "buffered")
        shown.add(f"{'report' if phase == REPORT else 'proposal'} {v}" if used else "ignored")
        xs, ys = heads.setdefault((phase, v, used), ([], []))
        xs.append(td)
        ys.append(r)
        arrow = FancyArrowPatch(
            (ts, s),
            _pull_back((ts, s), (td, r), per_inch, ARROW_GAP_POINTS / 72),
            arrowstyle="-|>",
            mutation_scale=7 if phase == REPORT else 9,
            color=COLORS[v],
            linewidth=1.0 if phase == REPORT else 1.5,
            linestyle=MESSAGE_LINESTYLES[phase],
            alpha=1.0 if used else IGNORED_ALPHA,
            shrinkA=0,
            shrinkB=0,  # the gap is made by _pull_back: matplotlib's shrink is slow
            connectionstyle="arc3,rad=-0.06" if s == r else "arc3,rad=0.0",
            zorder=2,
        )
        arrow.set_gid("delivered")
        arrow.set_in_layout(False)  # inside the axes: the layout need not measure it
        ax.add_artist(arrow)  # not add_patch: the limits are set, and data limits are slow
    for (phase, v, used), (xs, ys) in heads.items():
        ax.plot(
            xs,
            ys,
            linestyle="none",
            marker=MARKERS[v],
            color=COLORS[v],
            markersize=MESSAGE_MARKERSIZES[phase],
            markeredgecolor=INK,
            markeredgewidth=0.5,
            alpha=1.0 if used else IGNORED_ALPHA,
            zorder=3,
            gid=f"arrival-{'report' if phase == REPORT else 'proposal'}-{v}",
        )
    slots: dict[int, int] = {}
    for m in pending:  # in flight: queued at the receiver, right of "now", by sender
        i = slots[m.receiver] = slots.get(m.receiver, 0) + 1
        v = _message_value_key(m.value)
        ax.plot(
            [now + 0.5 + step * i],
            [m.receiver],
            linestyle="none",
            marker=MARKERS[v],
            color=COLORS[v],
            markersize=MESSAGE_MARKERSIZES[m.phase],
            markeredgecolor=INK,
            markeredgewidth=0.5,
            alpha=0.55,
            zorder=3,
            gid="in_flight",
        )

    # what each process did in the round, at the time it did it
    when: dict[int, float] = {}
    count = 0
    for e in run.trace:
        if e.kind == DELIVER:
            count += 1
            continue
        if e.round != round or e.kind not in (PROPOSE, ADOPT, COIN, DECIDE, HALT, CRASH):
            continue
        x, y = count, e.pid
        when[e.pid] = x
        if e.kind == PROPOSE:
            v = _message_value_key(e.value)
            shown.add(f"proposal {v}")
            ax.plot(
                [x],
                [y],
                linestyle="none",
                markersize=10,
                zorder=4,
                gid=f"propose-{v}",
                **marker_style(v),
            )
            ax.annotate(
                value_name(2, e.value),
                (x, y),
                xytext=(0, 7),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=SPACE_TIME_FONTSIZE,
                color=INK,
                bbox=_LABEL_BOX,
                zorder=5,
            )
        elif e.kind in (ADOPT, COIN, DECIDE):
            v = int(e.value)
            label = {ADOPT: f"x:={v}", COIN: f"coin {v}", DECIDE: f"decides {v}"}[e.kind]
            big = e.kind == DECIDE
            if big:
                shown.add("decides")
            ax.plot(
                [x],
                [y],
                linestyle="none",
                zorder=4,
                gid=f"{e.kind}-{v}",
                markersize=13 if big else 8,
                color=COLORS[v],
                marker=MARKERS[v],
                markeredgecolor=INK,
                markeredgewidth=2.2 if big else 0.8,
            )
            ax.annotate(
                label,
                (x, y),
                xytext=(0, -9),
                textcoords="offset points",
                ha="center",
                va="top",
                fontsize=SPACE_TIME_FONTSIZE,
                fontstyle="italic" if e.kind == COIN else "normal",
                color=INK,
                bbox=_LABEL_BOX,
                zorder=5,
            )
        elif e.kind == CRASH:
            ax.plot([x], [y], linestyle="none", marker="X", color=INK, markersize=9, zorder=4)

    labels = []
    for p in range(n):
        report = next((sent[k][1] for k in sent if k[0] == p and k[2] == round and k[3] == 1), None)
        if p in crashed and report is None:
            labels.append(f"p{p} (crashed)")
        elif report is None:
            labels.append(f"p{p}")
        else:
            labels.append(f"p{p}  x={report}" + (" †" if p in crashed else ""))
    ax.set_yticks(range(n), labels)
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)
    ax.set_xlabel("time (deliveries so far)")
    ax.xaxis.get_major_locator().set_params(integer=True)

    if legend:

        def message_handle(value: int | str, label: str, proposal: bool) -> Line2D:
            return Line2D(
                [],
                [],
                linestyle="--" if proposal else "-",
                linewidth=1.5 if proposal else 1.0,
                color=COLORS[value],
                marker=MARKERS[value],
                markersize=7 if proposal else 5,
                markeredgecolor=INK,
                label=label,
            )

        handles = [
            ("report 0", message_handle(0, "report 0", False)),
            ("report 1", message_handle(1, "report 1", False)),
            ("proposal 0", message_handle(0, "D(0)", True)),
            ("proposal 1", message_handle(1, "D(1)", True)),
            ("proposal ?", message_handle("?", "?", True)),
            (
                "ignored",
                Line2D(
                    [],
                    [],
                    linestyle="-",
                    linewidth=1.0,
                    color="#888888",
                    alpha=IGNORED_ALPHA,
                    label="ignored",
                ),
            ),
            (
                "in flight",
                Line2D(
                    [],
                    [],
                    linestyle="none",
                    marker=MARKERS["?"],
                    color=COLORS["?"],
                    alpha=0.55,
                    markeredgecolor=INK,
                    label="in flight (right of now)",
                ),
            ),
            (
                "decides",
                Line2D(
                    [],
                    [],
                    linestyle="none",
                    marker="o",
                    markersize=10,
                    color="white",
                    markeredgecolor=INK,
                    markeredgewidth=2.2,
                    label="decides (thick outline)",
                ),
            ),
        ]
        # a page's figure lists what it shows; the stepper and the animation list everything
        # the round can show, so that the legend (and the layout) stays put while stepping
        drawn = [handle for key, handle in handles if key in shown or not static]
        legend_below(
            ax,
            handles=drawn,
            ncol=min(4, max(len(drawn), 1)),
            fontsize=SPACE_TIME_FONTSIZE,
            handlelength=2.4,
        )
    return ax


def space_time_alt_text(run: Any, round: int | None = None, *, static: bool = True) -> str:
    """Alt text for :func:`space_time_figure`: what the diagram of ``round`` shows (with
    ``static=False``, as the stepper draws it, also how many messages are in flight)."""
    from benor_lib.protocol.events import ADOPT, COIN, DECIDE, DELIVER, PROPOSE
    from benor_lib.simulation.narrate import narrate_event

    if round is None:
        last = [e for e in run.trace if e.kind == DELIVER]
        round = last[-1].round if last else 1
    got = sum(1 for e in run.trace if e.kind == DELIVER and e.round == round)
    flying = sum(1 for m in run.pending if m.round == round)
    acts = [
        narrate_event(e, run.rules)
        for e in run.trace
        if e.round == round and e.kind in (PROPOSE, ADOPT, COIN, DECIDE)
    ]
    text = (
        f"Space-time diagram of round {round} with {run.n} processes as horizontal lines: "
        f"{got} messages delivered (arrows from sender to receiver)"
        + ("." if static else f" so far, {flying} in flight.")
    )
    return " ".join([text, *acts])


def space_time_figure(
    run: Any,
    round: int | None = None,
    *,
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
    dpi: float | None = None,
    fig: Figure | None = None,
    static: bool = True,
) -> Figure:
    """The space-time diagram of one round of ``run`` (see :func:`draw_space_time`).

    With ``fig`` it is drawn into that figure (cleared first), so a widget reuses its canvas.
    A page's figure is ``static`` (no "now" line, no messages in flight); the stepper passes
    ``static=False`` to show where the run stands.
    """
    from benor_lib.protocol.events import DELIVER

    if round is None:
        last = [e for e in run.trace if e.kind == DELIVER]
        round = last[-1].round if last else 1
    size = figsize or (SPACE_TIME_WIDTH, 1.9 + 0.45 * run.n)
    if fig is None:
        fig, ax = new_figure(size)
    else:
        fig, axes = reuse_figure(fig, 1, 1, size)
        ax = axes[0, 0]
    if dpi is not None:
        fig.set_dpi(dpi)
    draw_space_time(ax, run, round, static=static)
    ax.set_title(title if title is not None else f"Round {round}", loc="left")
    return fig


def through_round(run: Any, round: int) -> Any:
    """``run`` as it stood right after the last delivery of a message of ``round``.

    A space-time diagram of that state shows the whole round and nothing later (the
    diagram of the complete run stretches its time axis to the run's last delivery).
    """
    from benor_lib.protocol.events import DELIVER

    count, last = 0, None
    for e in run.trace:
        if e.kind == DELIVER:
            count += 1
            if e.round == round:
                last = count
    if last is None:
        raise ValueError(f"the run delivers no message of round {round}")
    return run.replay(upto=last)


class StepperLike(Protocol):
    """What :func:`stepper_animation` needs of a stepper session (such as
    :class:`benor_lib.apps.stepper.model.StepperSession`)."""

    @property
    def choosing(self) -> bool: ...

    def frames(self, round: int = 1, granularity: str = "step") -> list[int]: ...

    def state_at(self, k: int) -> Any: ...

    def narration(self, k: int | None = None) -> str: ...


def stepper_animation(
    session: StepperLike,
    *,
    round: int = 1,
    granularity: str = "step",
    interval: int = 1800,
    dpi: float = FIGURE_DPI,
    figsize: tuple[float, float] | None = None,
) -> mpl.animation.FuncAnimation:
    """A matplotlib animation of one round of ``session``, one frame per protocol step (or
    per delivery).

    Each frame is the round stepper's space-time diagram (:func:`draw_space_time`) with a
    caption that narrates the step; every frame has the same time axis, the whole round's.
    The session must follow the "uniform" or "split" scheduler. For readers without a live
    kernel; see :func:`stepper_animation_html`.
    """
    from matplotlib.animation import FuncAnimation

    if session.choosing:
        raise ValueError("the animation needs the 'uniform' or 'split' scheduler")
    ks = session.frames(round, granularity)
    states = [session.state_at(k) for k in ks]
    captions = [session.narration(k) if i else "" for i, k in enumerate(ks)]
    captions[0] = (
        f"Round {round} begins: every process broadcasts its report (step 1)."
        if round > 1
        else session.narration(0)
    )
    n = states[0].n
    extents = [space_time_extent(state, round) for state in states]
    xlim = (min(e[0] for e in extents), max(e[1] for e in extents))
    fig, ax = new_figure(figsize or (SPACE_TIME_WIDTH, 3.0 + 0.45 * n))
    fig.set_dpi(dpi)
    fig.get_layout_engine().set(rect=(0.0, 0.14, 1.0, 0.86))
    caption = fig.text(
        0.02, 0.02, "", ha="left", va="bottom", fontsize=FONT_SIZES["text"], color=INK
    )

    def draw(i: int) -> list:
        ax.clear()
        draw_space_time(ax, states[i], round, xlim=xlim)
        ax.set_title(f"Round {round}: frame {i + 1} of {len(ks)}", loc="left")
        caption.set_text("\n".join(textwrap.wrap(captions[i], 84)[:3]))
        return []

    anim = FuncAnimation(fig, draw, frames=len(ks), interval=interval, blit=False, repeat=False)
    anim.captions = captions  # type: ignore[attr-defined]
    anim.book_figure = fig  # type: ignore[attr-defined]
    anim.book_interval = interval  # type: ignore[attr-defined]
    return anim


def stepper_animation_html(session: StepperLike, *, colors: int = 32, **kwargs: Any) -> str:
    """The HTML (like ``to_jshtml``) of :func:`stepper_animation`, for a static page.

    Show it with ``IPython.display.HTML``. Frames are 32-colour palette PNGs (the figure
    uses fewer hues; more colours only add size), played once by default (about 15 to 25 KB
    per frame); see :func:`benor_lib.publish.animation_html`.
    ``kwargs`` go to :func:`stepper_animation`.
    """
    anim = stepper_animation(session, **kwargs)
    return publish.animation_html(
        anim, fig=anim.book_figure, interval=anim.book_interval, colors=colors
    )
