"""Every figure the book draws, in one shared look.

The top of this module is the book's style: the colours, markers and hatches that stand
for the values 0 and 1 (and for "no value yet", ``"?"``), the matplotlib settings every
figure uses, and the functions that create a styled figure. Figure functions for the
chapters go further down, each returning a :class:`matplotlib.figure.Figure`.

Figures are made without :mod:`matplotlib.pyplot`, so a notebook cell that ends with a
figure shows it exactly once and no figure stays open in pyplot's registry.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import partial
from typing import Any

import matplotlib as mpl
import numpy as np
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

# ---------------------------------------------------------------------------------------
# The book's look
# ---------------------------------------------------------------------------------------

#: Colour of each value (Okabe-Ito palette, safe for the common colour-vision deficiencies):
#: blue for 0, vermillion for 1, neutral grey for ``"?"`` (no D-message, undecided, unknown).
COLORS: dict[int | str, str] = {0: "#0072B2", 1: "#D55E00", "?": "#999999"}

#: Marker of each value, so that colour is never the only carrier of meaning.
MARKERS: dict[int | str, str] = {0: "o", 1: "s", "?": "D"}

#: Hatch pattern of each value for filled areas such as bars and boxes.
#: 0 is plain, 1 is striped, ``"?"`` is dotted.
HATCHES: dict[int | str, str] = {0: "", 1: "//", "?": ".."}

#: Colour of outlines, hatches and annotations.
INK = "#222222"

#: The remaining Okabe-Ito colours, for series that are not the values 0 and 1.
OTHER_COLORS: tuple[str, ...] = ("#009E73", "#CC79A7", "#56B4E9", "#E69F00", "#F0E442", "#000000")

#: Default figure size in inches (width, height).
FIGSIZE: tuple[float, float] = (7.0, 3.5)

#: The matplotlib settings behind every figure of the book.
BOOK_RC: dict[str, Any] = {
    # opaque white backgrounds, so that figures read in the theme's dark mode too
    "figure.facecolor": "white",
    "figure.edgecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.edgecolor": "white",
    "savefig.transparent": False,
    # size and resolution
    "figure.figsize": FIGSIZE,
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
    "figure.constrained_layout.use": True,
    # readable text
    "font.family": "sans-serif",
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "legend.frameon": False,
    "text.color": INK,
    "axes.labelcolor": INK,
    "axes.edgecolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    # quiet frame: no top or right spine, a light grid behind the data
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "axes.axisbelow": True,
    "grid.color": "#DDDDDD",
    "grid.linewidth": 0.8,
    # lines, markers, patches, colour order
    "lines.linewidth": 2.0,
    "lines.markersize": 7,
    "hatch.linewidth": 1.0,
    "image.cmap": "cividis",
    "axes.prop_cycle": cycler(color=[COLORS[0], COLORS[1], *OTHER_COLORS]),
}


def use_book_style() -> None:
    """Apply the book's look to every matplotlib figure made from now on.

    In IPython or Jupyter it also makes a figure that ends a cell display as a PNG image.
    """
    mpl.rcParams.update(BOOK_RC)
    _enable_notebook_display()


def _enable_notebook_display() -> None:
    """Register a PNG display for figures in IPython (what ``%matplotlib inline`` would do)."""
    try:
        from IPython import get_ipython
        from IPython.core.pylabtools import print_figure
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    png_formatter = shell.display_formatter.formatters["image/png"]
    if Figure not in png_formatter.type_printers:
        png_formatter.for_type(
            Figure, partial(print_figure, fmt="png", base64=True, bbox_inches="tight")
        )


@contextmanager
def book_style() -> Iterator[None]:
    """Apply the book's look inside a ``with`` block only, restoring the settings after."""
    with mpl.rc_context(BOOK_RC):
        yield


def new_figure(
    figsize: tuple[float, float] | None = None, *, title: str | None = None
) -> tuple[Figure, Axes]:
    """A new figure with one set of axes, in the book's look.

    The figure is not registered with pyplot: end a notebook cell with it to show it.
    """
    use_book_style()
    fig = Figure(figsize=figsize or FIGSIZE)
    ax = fig.add_subplot()
    if title:
        ax.set_title(title)
    return fig, ax


def new_figure_grid(
    nrows: int,
    ncols: int,
    figsize: tuple[float, float] | None = None,
    **subplot_kw: Any,
) -> tuple[Figure, np.ndarray]:
    """A new figure with a grid of axes (a 2-D array, even for one row), in the book's look."""
    use_book_style()
    fig = Figure(figsize=figsize or FIGSIZE)
    axes = fig.subplots(nrows, ncols, squeeze=False, subplot_kw=subplot_kw or None)
    return fig, axes


def bar_style(value: int | str) -> dict[str, Any]:
    """Keyword arguments for a bar or patch that stands for ``value`` (colour, hatch, outline)."""
    return {
        "facecolor": COLORS[value],
        "hatch": HATCHES[value],
        "edgecolor": INK,
        "linewidth": 0.8,
    }


def marker_style(value: int | str) -> dict[str, Any]:
    """Keyword arguments for a plotted point that stands for ``value`` (colour and marker)."""
    return {
        "color": COLORS[value],
        "marker": MARKERS[value],
        "markeredgecolor": INK,
        "markeredgewidth": 0.8,
    }


_VALUE_WORDS: Mapping[int | str, str] = {
    0: "value 0",
    1: "value 1",
    "?": "? (no value)",
}


def value_key_figure() -> Figure:
    """A small key to the book's conventions: the colour, marker and hatch of 0, 1 and ``?``."""
    fig, ax = new_figure((6.0, 1.0))
    for i, value in enumerate((0, 1, "?")):
        x = i * 2.2
        ax.add_patch(Rectangle((x, 0.2), 0.55, 0.6, **bar_style(value)))
        ax.plot([x + 0.85], [0.5], linestyle="none", markersize=12, **marker_style(value))
        ax.text(x + 1.1, 0.5, _VALUE_WORDS[value], va="center", ha="left", fontsize=12)
    ax.set_xlim(-0.1, 6.4)
    ax.set_ylim(0.0, 1.0)
    ax.set_axis_off()
    return fig


# ---------------------------------------------------------------------------------------
# Figure functions for the chapters go below this line.
# ---------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------
# The round stepper: the space-time diagram of one round, and its animation
# ---------------------------------------------------------------------------------------

#: Line style of a report (step 1) and of a proposal (step 2) in the space-time diagram.
MESSAGE_LINESTYLES: dict[int, str] = {1: "-", 2: "--"}

#: Marker size at the arrival of a report and of a proposal.
MESSAGE_MARKERSIZES: dict[int, float] = {1: 4.5, 2: 6.5}

#: How faint a message the receiver ignores (it already had n - t, or the step was over).
IGNORED_ALPHA = 0.25

#: Font size (points) of the space-time diagram's annotations (D(v), ?, x:=v, coin v,
#: decides v), its "now" mark and its legend: as large as the tick labels, so that they
#: still read when the page shows the figure at its own width.
SPACE_TIME_FONTSIZE = 10

#: Width (inches) of a space-time diagram: about the width of the book's page at 100 dpi,
#: so that the page shows it at close to its own size, not scaled down.
SPACE_TIME_WIDTH = 7.0


def _message_value_key(value: int | None) -> int | str:
    return "?" if value is None else int(value)


def _message_times(run: Any) -> tuple[dict, dict, int]:
    """Send and delivery times (in deliveries so far) of every message of ``run``."""
    from benor_lib.simulation.trace import BYZANTINE_SEND, DELIVER, SEND

    sent: dict[tuple[int, int, int, int], tuple[float, int | None]] = {}
    delivered: dict[tuple[int, int, int, int], tuple[float, str]] = {}
    now = 0
    for e in run.trace:
        if e.kind == DELIVER:
            now += 1
            delivered[(e.sender, e.pid, e.round, e.phase)] = (now, e.status)
        elif e.kind == SEND:
            for r in e.senders:
                sent[(e.pid, r, e.round, e.phase)] = (now, e.value)
        elif e.kind == BYZANTINE_SEND:
            for r, v in zip(e.senders, e.heard, strict=True):
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


def draw_space_time(ax: Axes, run: Any, round: int | None = None, *, legend: bool = True) -> Axes:
    """Draw the space-time (message-sequence) diagram of one round of ``run`` on ``ax``.

    Processes are horizontal lines (p0 at the top), time runs to the right in deliveries.
    Every delivered message of the round is an arrow from its sender (when it was sent) to
    its receiver (when it arrived): reports solid, proposals dashed, coloured and marked by
    value (``?`` grey); messages the receiver ignored are faint; messages still in flight
    wait as faint markers on their receiver's line, right of "now". On each line: what it sent
    (D(v) or ?) and what it did in step 3 (adopt, coin, decide). ``round`` defaults to the
    round of the last delivery. ``run`` is a (possibly partial) :class:`~benor_lib.simulation.trace.Run`.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrowPatch

    from benor_lib.simulation.trace import (
        ADOPT,
        COIN,
        CRASH,
        DECIDE,
        DELIVER,
        HALT,
        PROPOSE,
        value_name,
    )

    n = run.n
    if round is None:
        last = [e for e in run.trace if e.kind == DELIVER]
        round = last[-1].round if last else 1
    sent, delivered, now = _message_times(run)
    keys = [k for k in sent if k[2] == round]
    pending = sorted(
        (m for m in run.pending if m.round == round), key=lambda m: (m.receiver, m.phase, m.sender)
    )
    queue: dict[int, int] = {}
    starts = [sent[k][0] for k in keys] or [now]
    ends = [delivered[k][0] for k in keys if k in delivered]
    for m in pending:
        queue[m.receiver] = queue.get(m.receiver, 0) + 1
    x0 = min(starts) - 0.5
    step = 0.5 + 0.02 * (now - x0)  # spacing of the in-flight markers waiting at the right
    edge = max([now + 1.0 + step * max(queue.values(), default=0), *ends, x0 + 2.0 * n]) + 0.5
    crashed = {e.pid for e in run.trace if e.kind == CRASH}

    ax.set_xlim(x0, edge)
    ax.set_ylim(n - 0.5, -0.9)
    box = ax.get_position()  # before the layout: close enough for a gap of a few points
    width, height = ax.figure.get_size_inches()
    per_inch = ((edge - x0) / (box.width * width), (n - 0.5 + 0.9) / (box.height * height))
    ax.grid(False)
    for p in range(n):
        style = ":" if p in crashed else "-"
        ax.plot([x0, edge], [p, p], color="#BBBBBB", linewidth=1.0, linestyle=style, zorder=0)
    if pending:
        ax.axvline(now + 0.5, color=INK, linewidth=0.8, linestyle=":", zorder=0)
        ax.text(
            now + 0.6,
            -0.75,
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
        xs, ys = heads.setdefault((phase, v, used), ([], []))
        xs.append(td)
        ys.append(r)
        arrow = FancyArrowPatch(
            (ts, s),
            _pull_back((ts, s), (td, r), per_inch, ARROW_GAP_POINTS / 72),
            arrowstyle="-|>",
            mutation_scale=7 if phase == 1 else 9,
            color=COLORS[v],
            linewidth=1.0 if phase == 1 else 1.5,
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
            gid=f"arrival-{'report' if phase == 1 else 'proposal'}-{v}",
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
                xytext=(0, 8),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=SPACE_TIME_FONTSIZE,
                fontweight="bold",
                color=INK,
                zorder=5,
            )
        elif e.kind in (ADOPT, COIN, DECIDE):
            v = int(e.value)
            label = {ADOPT: f"x:={v}", COIN: f"coin {v}", DECIDE: f"decides {v}"}[e.kind]
            big = e.kind == DECIDE
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
                fontweight="bold" if big else "normal",
                fontstyle="italic" if e.kind == COIN else "normal",
                color=INK,
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
            message_handle(0, "report 0", False),
            message_handle(1, "report 1", False),
            message_handle(0, "D(0)", True),
            message_handle(1, "D(1)", True),
            message_handle("?", "?", True),
            Line2D(
                [],
                [],
                linestyle="-",
                linewidth=1.0,
                color="#888888",
                alpha=IGNORED_ALPHA,
                label="ignored",
            ),
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
        ]
        ax.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.2),
            ncol=4,
            fontsize=SPACE_TIME_FONTSIZE,
            handlelength=2.4,
        )
    return ax


def space_time_alt_text(run: Any, round: int | None = None) -> str:
    """Alt text for :func:`space_time_figure`: what the diagram of ``round`` shows."""
    from benor_lib.simulation.trace import ADOPT, COIN, DECIDE, DELIVER, PROPOSE, narrate_event

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
        f"{got} messages delivered so far (arrows from sender to receiver), {flying} in flight."
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
) -> Figure:
    """The space-time diagram of one round of ``run`` (see :func:`draw_space_time`).

    With ``fig`` it is drawn into that figure (cleared first), so a widget reuses its canvas.
    """
    from benor_lib.simulation.trace import DELIVER

    if round is None:
        last = [e for e in run.trace if e.kind == DELIVER]
        round = last[-1].round if last else 1
    size = figsize or (SPACE_TIME_WIDTH, 1.9 + 0.45 * run.n)
    if fig is None:
        fig, ax = new_figure(size)
    else:
        fig, axes = _reuse(fig, 1, 1, size)
        ax = axes[0, 0]
    if dpi is not None:
        fig.set_dpi(dpi)
    draw_space_time(ax, run, round)
    ax.set_title(title if title is not None else f"Round {round}", loc="left")
    return fig


def stepper_animation(
    n: int = 5,
    t: int = 1,
    inputs: tuple[int, ...] | None = None,
    seed: int = 3,
    *,
    scheduler: str = "uniform",
    crashed: tuple[int, ...] = (),
    round: int = 1,
    granularity: str = "step",
    interval: int = 1800,
    dpi: float = 80,
    figsize: tuple[float, float] | None = None,
) -> mpl.animation.FuncAnimation:
    """A matplotlib animation of one round, one frame per protocol step (or per delivery).

    Each frame is the round stepper's space-time diagram (:func:`draw_space_time`) with a
    caption that narrates the step. ``inputs`` defaults to n // 2 zeros, then ones. For
    readers without a live kernel; see :func:`stepper_animation_html`.
    """
    from matplotlib.animation import FuncAnimation

    from benor_lib.apps.stepper.model import StepperSession

    session = StepperSession(
        n=n, t=t, inputs=inputs, seed=seed, scheduler=scheduler, crashed=crashed
    )
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
    fig, ax = new_figure(figsize or (SPACE_TIME_WIDTH, 3.0 + 0.45 * n))
    fig.set_dpi(dpi)
    fig.get_layout_engine().set(rect=(0.0, 0.13, 1.0, 0.87))
    caption = fig.text(0.02, 0.02, "", ha="left", va="bottom", fontsize=10, color=INK)

    def draw(i: int) -> list:
        ax.clear()
        draw_space_time(ax, states[i], round)
        ax.set_title(f"Round {round}: frame {i + 1} of {len(ks)}", loc="left")
        caption.set_text("\n".join(textwrap.wrap(captions[i], 92)[:3]))
        return []

    anim = FuncAnimation(fig, draw, frames=len(ks), interval=interval, blit=False, repeat=False)
    anim.captions = captions  # type: ignore[attr-defined]
    anim.book_figure = fig  # type: ignore[attr-defined]
    anim.book_interval = interval  # type: ignore[attr-defined]
    return anim


def _quantized_html_writer(colors: int = 64) -> Any:
    """An HTMLWriter whose PNG frames are reduced to a small palette (much smaller files)."""
    import base64
    import io

    from matplotlib.animation import HTMLWriter
    from PIL import Image

    class QuantizedHTMLWriter(HTMLWriter):
        def grab_frame(self, **savefig_kwargs: Any) -> None:
            buf = io.BytesIO()
            self.fig.savefig(buf, format="png", dpi=self.dpi, **savefig_kwargs)
            image = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
            small = image.quantize(colors=colors, method=Image.Quantize.MEDIANCUT)
            out = io.BytesIO()
            small.save(out, format="png", optimize=True)
            self._saved_frames.append(base64.encodebytes(out.getvalue()).decode("ascii"))

    return QuantizedHTMLWriter


#: Accessible name of the frame slider of an embedded animation (matplotlib's to_jshtml
#: template labels its buttons, not its slider).
ANIMATION_SLIDER_LABEL = "Animation frame"


def label_animation_slider(html_text: str, label: str = ANIMATION_SLIDER_LABEL) -> str:
    """``html_text`` (matplotlib's to_jshtml) with an ``aria-label`` on each frame slider."""
    import html
    import re

    quoted = html.escape(label, quote=True)

    def add(match: re.Match[str]) -> str:
        tag = match.group(0)
        if re.search(r"\baria-label(?:ledby)?\s*=", tag, flags=re.IGNORECASE):
            return tag
        return tag[:-1] + f' aria-label="{quoted}">'

    return re.sub(r'<input\b[^>]*\bid="_anim_slider[^"]*"[^>]*>', add, html_text)


_REMOTE_STYLESHEET = re.compile(
    r"""<link\b[^>]*\brel=["']?stylesheet["']?[^>]*\bhref=["']?(?:https?:)?//[^>]*>\s*""",
    re.IGNORECASE,
)


def drop_remote_stylesheets(html_text: str) -> str:
    """``html_text`` without ``<link rel="stylesheet">`` tags that load from another host.

    matplotlib's to_jshtml template loads Font Awesome 4 from a CDN for its buttons' icons
    (``<i class="fa fa-play">``). The book's pages have Font Awesome already (the theme
    ships it), as has JupyterLab, so the page needs no request to another host.
    """
    return _REMOTE_STYLESHEET.sub("", html_text)


def stepper_animation_html(*args: Any, colors: int = 64, **kwargs: Any) -> str:
    """The HTML (like ``to_jshtml``) of :func:`stepper_animation`, for a static page.

    Show it with ``IPython.display.HTML``. Frames are small palette PNGs, played once by
    default (about 15 to 25 KB per frame). The frame slider is labelled
    (:data:`ANIMATION_SLIDER_LABEL`); the buttons carry matplotlib's own labels.
    """
    import tempfile
    from pathlib import Path

    anim = stepper_animation(*args, **kwargs)
    fig = anim.book_figure
    writer_class = _quantized_html_writer(colors)
    fps = 1000.0 / anim.book_interval
    with (
        tempfile.TemporaryDirectory() as tmp,
        mpl.rc_context({"savefig.bbox": "standard", "animation.embed_limit": 5.0}),
    ):
        path = Path(tmp, "stepper.html")
        writer = writer_class(fps=fps, embed_frames=True, default_mode="once")
        anim.save(str(path), writer=writer, dpi=fig.dpi)
        return label_animation_slider(drop_remote_stylesheets(path.read_text()))


# ---------------------------------------------------------------------------------------
# Chapters 2 to 4 (the consensus problem, FLP, the model change): each process's value
# round by round, outcome tallies of many runs, and "still undecided after r rounds" curves
# ---------------------------------------------------------------------------------------

#: Markers and line styles of series that are not the values 0 and 1 (coin rules, system
#: sizes), so that no series is told apart by colour alone. The value markers (circle,
#: square, diamond) are left out so that a series is never mistaken for a value.
SERIES_MARKERS: tuple[str, ...] = ("^", "v", "P", "X", "h", "<", ">")
SERIES_LINESTYLES: tuple[str, ...] = ("-", "--", ":", "-.")


def series_style(i: int) -> dict[str, Any]:
    """Colour, marker and line style of the ``i``-th series of a figure (not a value 0/1)."""
    return {
        "color": OTHER_COLORS[i % len(OTHER_COLORS)],
        "marker": SERIES_MARKERS[i % len(SERIES_MARKERS)],
        "linestyle": SERIES_LINESTYLES[i % len(SERIES_LINESTYLES)],
        "markeredgecolor": INK,
        "markeredgewidth": 0.6,
    }


def round_values(run: Any, rounds: int | None = None) -> np.ndarray:
    """Each process's value at the start of every round of ``run``.

    Returns an int array of shape (n, rounds): entry ``[p, r - 1]`` is the report p sent in
    round r, which is its x at the start of that round, or -1 when p sent no report in
    round r (it had crashed or halted, or the run ended first). ``rounds`` defaults to the
    run's round count ``run.rounds``.
    """
    from benor_lib.simulation.trace import REPORT, SEND

    upto = int(run.rounds if rounds is None else rounds)
    values = np.full((run.n, max(upto, 0)), -1, dtype=np.int64)
    for e in run.trace:
        if e.kind == SEND and e.phase == REPORT and 1 <= e.round <= upto:
            values[e.pid, e.round - 1] = int(e.value)
    return values


def round_values_figure(
    run: Any,
    rounds: int | None = None,
    *,
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """A grid of every process's value at the start of each round of ``run``.

    Rows are processes (p0 at the top), columns are rounds. A cell is drawn in the value's
    colour and hatch (0 plain blue, 1 striped vermillion); a process that sent no report
    that round (crashed) is a pale cell with a cross. The cell of the round in which a
    process decided has a thick outline, and the text right of each row says how the
    process ended. ``rounds`` defaults to ``run.rounds``.
    """
    from matplotlib.patches import Patch

    values = round_values(run, rounds)
    n, upto = values.shape
    width = min(11.0, 3.2 + 0.42 * max(upto, 1))
    fig, ax = new_figure(figsize or (width, 1.1 + 0.42 * n))
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    decided_in = {p: r for p, r in run.decision_rounds.items() if r is not None}
    for p in range(n):
        for c in range(upto):
            v = int(values[p, c])
            if v < 0:
                ax.add_patch(
                    Rectangle(
                        (c + 0.06, p - 0.4), 0.88, 0.8, facecolor="#F2F2F2", edgecolor="#BBBBBB"
                    )
                )
                ax.plot([c + 0.5], [p], marker="x", color="#777777", markersize=6)
                continue
            ax.add_patch(Rectangle((c + 0.06, p - 0.4), 0.88, 0.8, **bar_style(v)))
        r = decided_in.get(p)
        if r is not None and r <= upto:
            ax.add_patch(
                Rectangle(
                    (r - 1 + 0.02, p - 0.46), 0.96, 0.92, fill=False, edgecolor=INK, linewidth=2.6
                )
            )
        if p in run.decisions:
            note = f"decided {run.decisions[p]} in round {run.decision_rounds[p]}"
        elif p in run.faulty:
            note = "crashed"
        else:
            note = "undecided"
        ax.text(upto + 0.25, p, note, va="center", ha="left", fontsize=10, color=INK)
    ax.set_xlim(0, upto + 3.4)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_yticks(range(n), [f"p{p}" for p in range(n)])
    step = 1 if upto <= 15 else 5
    ticks = [c for c in range(upto) if (c + 1) % step == 0 or c == 0]
    ax.set_xticks([c + 0.5 for c in ticks], [str(c + 1) for c in ticks])
    ax.tick_params(length=0)
    ax.set_xlabel("round (each cell: the value the process reports at the start of the round)")
    handles = [
        Patch(**bar_style(0), label="x = 0"),
        Patch(**bar_style(1), label="x = 1"),
        Patch(facecolor="white", edgecolor=INK, linewidth=2.6, label="decides in this round"),
    ]
    if (values < 0).any():
        handles.append(Patch(facecolor="#F2F2F2", edgecolor="#BBBBBB", label="no report (crashed)"))
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(0.0, -0.16 - 0.9 / max(n, 1)),
        ncol=len(handles),
        handlelength=1.6,
    )
    if title:
        ax.set_title(title, loc="left")
    return fig


def outcomes_by_ones(
    n: int, t: int, runs: int = 200, *, seed: int = 0, **run_options: Any
) -> list[dict[str, Any]]:
    """Tally the outcomes of ``runs`` runs for every number k = 0..n of processes starting with 1.

    The inputs are n - k zeros followed by k ones; run i uses ``seed + i``; ``run_options``
    go to :func:`benor_lib.run`. Each row has ``k``, ``inputs`` (as a string), ``runs``,
    ``decided_0``, ``decided_1``, ``undecided`` (undecided or blocked), ``mean_rounds`` and
    ``longest`` (over the decided runs; nan and 0 when none decided) and ``violations``
    (runs in which the checkers found a broken property).
    """
    from benor_lib.simulation.network import run as run_once

    rows = []
    for k in range(n + 1):
        inputs = [0] * (n - k) + [1] * k
        results = [run_once(n, t, inputs, seed=seed + i, **run_options) for i in range(runs)]
        decided = [r for r in results if r.status == "decided"]
        lengths = [r.rounds for r in decided]
        rows.append(
            {
                "k": k,
                "inputs": "".join(map(str, inputs)),
                "runs": runs,
                "decided_0": sum(1 for r in decided if r.decided_value == 0),
                "decided_1": sum(1 for r in decided if r.decided_value == 1),
                "undecided": runs - len(decided),
                "mean_rounds": float(np.mean(lengths)) if lengths else float("nan"),
                "longest": max(lengths, default=0),
                "violations": sum(1 for r in results if r.violations),
            }
        )
    return rows


def outcome_bars_figure(rows: list[Mapping[str, Any]], *, title: str | None = None) -> Figure:
    """Stacked bars of :func:`outcomes_by_ones`: for each k, the share of runs deciding 0 and 1.

    0 is a plain blue bar, 1 a striped vermillion bar on top of it, undecided runs a dotted
    grey bar at the top; each bar is labelled with its input vector.
    """
    from matplotlib.patches import Patch

    fig, ax = new_figure((7.0, 3.6))
    ks = [int(row["k"]) for row in rows]
    bottom = np.zeros(len(rows))
    for key, value in (("decided_0", 0), ("decided_1", 1), ("undecided", "?")):
        share = np.array([row[key] / row["runs"] for row in rows])
        if key == "undecided" and not share.any():
            continue
        ax.bar(ks, share, bottom=bottom, width=0.7, **bar_style(value))
        bottom += share
    ax.set_xticks(ks, [f"{row['inputs']}\nk = {row['k']}" for row in rows])
    ax.set_ylim(0, 1.0)
    ax.set_ylabel("share of runs")
    ax.set_xlabel("inputs (k = number of processes that start with 1)")
    handles = [Patch(**bar_style(0), label="decided 0"), Patch(**bar_style(1), label="decided 1")]
    if any(row["undecided"] for row in rows):
        handles.append(Patch(**bar_style("?"), label="undecided"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    if title:
        ax.set_title(title, loc="left")
    return fig


def undecided_share(rounds: Any, censored: Any, upto: int) -> np.ndarray:
    """The share of runs still undecided after r rounds, for r = 0, 1, ..., ``upto``.

    ``rounds[i]`` is run i's round count and ``censored[i]`` is True when run i never
    decided (it is counted as undecided after every r). Entry 0 is always 1.
    """
    rounds = np.asarray(rounds, dtype=np.int64)
    censored = np.asarray(censored, dtype=bool)
    if rounds.shape != censored.shape or rounds.ndim != 1 or rounds.size == 0:
        raise ValueError("rounds and censored must be 1-D arrays of the same, non-zero length")
    r = np.arange(int(upto) + 1)
    still = censored[None, :] | (rounds[None, :] > r[:, None])
    return still.mean(axis=1)


def undecided_figure(
    series: Mapping[str, Any],
    *,
    exact: Mapping[str, Any] | None = None,
    log: bool = False,
    stagger: bool = True,
    title: str | None = None,
    ylabel: str = "share of runs still undecided",
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Curves of "still undecided after r rounds" (r = 0, 1, ...), one per labelled series.

    ``series`` maps a label to measured shares (markers joined by a line; with ``log``,
    zeros are left out); ``exact`` maps a label to exact probabilities, drawn as a plain
    line in the colour of the measured series of the same label (or a colour of its own).
    Each label has its own colour, marker and line style (:func:`series_style`). With
    ``stagger`` the markers of different series fall on different rounds, so that curves
    that lie on top of each other stay visible.
    """
    exact = dict(exact or {})
    fig, ax = new_figure(figsize or (7.0, 3.8))
    labels = list(dict.fromkeys([*series, *exact]))
    count = max(len(series), 1)
    for i, label in enumerate(labels):
        style = series_style(i)
        if label in exact:
            y = np.asarray(exact[label], dtype=float)
            x = np.arange(y.size)
            keep = y > 0 if log else np.ones(y.size, dtype=bool)
            ax.plot(
                x[keep],
                y[keep],
                color=style["color"],
                linestyle="-",
                linewidth=1.4,
                alpha=0.9,
                label=f"{label} (exact)" if series else label,
                zorder=1,
            )
        if label in series:
            y = np.asarray(series[label], dtype=float)
            x = np.arange(y.size)
            keep = y > 0 if log else np.ones(y.size, dtype=bool)
            j = list(series).index(label)
            ax.plot(
                x[keep],
                y[keep],
                markevery=(j % count, count) if stagger and y.size > 2 * count else None,
                markersize=7,
                linewidth=1.4 if label not in exact else 0,
                label=f"{label} (simulated)" if label in exact else label,
                zorder=2,
                **style,
            )
    if log:
        ax.set_yscale("log")
    else:
        ax.set_ylim(-0.03, 1.05)
    ax.set_xlabel("rounds r")
    ax.set_ylabel(ylabel)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    if title:
        ax.set_title(title, loc="left")
    return fig


def markdown_table(headers: list[str], rows: list[list[Any]], align: str | None = None) -> str:
    """A Markdown (MyST) table: ``headers``, then one line per row; floats to 2 decimals.

    ``align`` has one letter per column: "l" (left), "r" (right) or "c" (centred); numbers
    are right-aligned and text left-aligned by default. Display the result with
    ``IPython.display.Markdown``.
    """

    def cell(value: Any) -> str:
        if isinstance(value, (float, np.floating)):
            return "–" if np.isnan(value) else f"{value:.2f}"
        return str(value).replace("|", "\\|")

    if align is None:
        first = rows[0] if rows else []
        align = "".join(
            "r" if isinstance(v, (int, float, np.integer, np.floating)) else "l" for v in first
        ) or "l" * len(headers)
    if len(align) != len(headers) or any(len(r) != len(headers) for r in rows):
        raise ValueError("every row and align must have one entry per header")
    marks = {"l": ":--", "r": "--:", "c": ":-:"}
    lines = [
        "| " + " | ".join(headers) + " |",
        "| " + " | ".join(marks[a] for a in align) + " |",
    ]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# Chapters 5 and 6: figures with computed alt text, and the termination bound
# ---------------------------------------------------------------------------------------


def figure_markdown(
    fig: Figure,
    *,
    alt: str,
    caption: str,
    name: str,
    dpi: float = 100,
    colors: int | None = 64,
) -> str:
    """A MyST ``figure`` directive that embeds ``fig`` as a PNG (a data URI) with ``alt`` text.

    Cell metadata can only hold alt text fixed in advance; use this for a figure whose alt
    text is computed when the book is built (such as :func:`space_time_alt_text`). Glue the
    result as Markdown, ``glue(key, Markdown(md), display=False)``, and place it in the text
    with a ``{glue:md}`` directive and ``:format: myst``. ``name`` is the label that
    ``{numref}`` refers to; whitespace in ``alt`` is collapsed to single spaces. With
    ``colors`` the PNG is reduced to that many colours (a much smaller page); None keeps all.
    """
    import base64
    import io
    import re

    from PIL import Image

    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", name):
        raise ValueError(f"name must be a label like 'fig-round-1', got {name!r}")
    alt_text = " ".join(str(alt).split())
    if not alt_text:
        raise ValueError("alt must describe the figure; got an empty text")
    caption_text = str(caption).strip()
    if not caption_text:
        raise ValueError("caption must not be empty")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
    png = buf.getvalue()
    if colors is not None:
        image = Image.open(io.BytesIO(png)).convert("RGB")
        small = image.quantize(colors=int(colors), method=Image.Quantize.MEDIANCUT)
        out = io.BytesIO()
        small.save(out, format="png", optimize=True)
        png = out.getvalue()
    data = base64.b64encode(png).decode("ascii")
    return (
        f":::{{figure}} data:image/png;base64,{data}\n"
        f":alt: {alt_text}\n"
        f":name: {name}\n\n"
        f"{caption_text}\n"
        ":::\n"
    )


def html_with_alt(html_text: str, alt: str) -> str:
    """``html_text`` with ``alt`` (and a matching ``aria-label``) on every ``<img>`` lacking alt.

    :func:`stepper_animation_html` draws its frames into an ``<img>`` without alt text;
    this gives readers of the static page who cannot see it a description of the round.
    """
    import html
    import re

    alt_text = " ".join(str(alt).split())
    if not alt_text:
        raise ValueError("alt must describe the image; got an empty text")
    quoted = html.escape(alt_text, quote=True)

    def label(match: re.Match[str]) -> str:
        attrs = match.group(1)
        if re.search(r"\balt\s*=", attrs, flags=re.IGNORECASE):
            return match.group(0)
        return f'<img{attrs} alt="{quoted}" aria-label="{quoted}">'

    return re.sub(r"<img\b([^>]*?)\s*/?>", label, html_text, flags=re.IGNORECASE)


def through_round(run: Any, round: int) -> Any:
    """``run`` as it stood right after the last delivery of a message of ``round``.

    A space-time diagram of that state shows the whole round and nothing later (the
    diagram of the complete run stretches its time axis to the run's last delivery).
    """
    from benor_lib.simulation.trace import DELIVER

    count, last = 0, None
    for e in run.trace:
        if e.kind == DELIVER:
            count += 1
            if e.round == round:
                last = count
    if last is None:
        raise ValueError(f"the run delivers no message of round {round}")
    return run.replay(upto=last)


def undecided_tail(p: Any, rounds: int) -> np.ndarray:
    """P(round count > r) for r = 1..``rounds`` from an exact distribution ``p``.

    ``p[r-1]`` is P(round count = r), as :func:`benor_lib.exact_rounds` returns it; the
    probability beyond the end of ``p`` (below its tolerance) counts as still undecided.
    """
    p = np.asarray(p, dtype=float)
    rest = max(0.0, 1.0 - float(p.sum()))
    tails = np.cumsum(p[::-1])[::-1]  # tails[k] = P(count >= k + 1), summed small to large
    out = np.full(int(rounds), rest)
    upto = min(int(rounds), p.size - 1)
    out[:upto] += tails[1 : upto + 1]
    return out


def termination_bound_figure(
    systems: Any = ((5, 1, 40), (7, 3, 300)),
    *,
    scheduler: str = "split",
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """The exact P(still undecided after r rounds) against the bound (1 - 2**-n)**(r - 1).

    One panel per system (n, t, rounds) of ``systems``: the exact probability under
    ``scheduler`` (from :func:`benor_lib.exact_rounds`, random inputs) as a solid line with
    markers, and the bound of the termination argument (which holds against any adversary
    that settles each round's D-value before the round's first coin) as a dashed line, for
    r = 1..rounds, on a log scale.
    """
    from benor_lib.distributions.exact import exact_rounds

    systems = [tuple(int(v) for v in s) for s in systems]
    if not systems or any(len(s) != 3 or s[2] < 2 for s in systems):
        raise ValueError("systems must be (n, t, rounds) triples with rounds >= 2")
    fig, axes = new_figure_grid(1, len(systems), figsize or (3.6 * len(systems), 3.4))
    exact_color, bound_color = OTHER_COLORS[0], OTHER_COLORS[1]
    for ax, (n, t, rounds) in zip(axes[0], systems, strict=True):
        r = np.arange(1, rounds + 1)
        tail = undecided_tail(exact_rounds(n, t, scheduler=scheduler), rounds)
        keep = tail > 0
        ax.plot(
            r[keep],
            tail[keep],
            color=exact_color,
            marker="o",
            markevery=max(1, rounds // 8),
            markeredgecolor=INK,
            markeredgewidth=0.6,
            linewidth=1.8,
            label=f"exact, {scheduler} adversary",
        )
        ax.plot(
            r,
            (1.0 - 2.0**-n) ** (r - 1),
            color=bound_color,
            linestyle="--",
            linewidth=1.8,
            label=f"bound $(1-2^{{-{n}}})^{{r-1}}$",
        )
        ax.set_yscale("log")
        ax.set_xlim(1, rounds)
        ax.set_title(f"n = {n}, t = {t}", loc="left")
        ax.set_xlabel("rounds r")
        ax.grid(True, axis="both", which="major")
        ax.legend(loc="lower left")
    axes[0][0].set_ylabel("P(undecided after r rounds)")
    return fig


def d_values_by_round(run: Any) -> dict[int, set[int]]:
    """The values carried by the D-messages of each round of ``run`` (rounds without any are
    left out). In the crash variant every set has one element: that is a lemma."""
    from benor_lib.simulation.trace import PROPOSE

    out: dict[int, set[int]] = {}
    for e in run.trace:
        if e.kind == PROPOSE and e.value is not None:
            out.setdefault(e.round, set()).add(int(e.value))
    return out


def first_decision_pull(run: Any) -> dict[str, Any] | None:
    """What followed the first decision of ``run``, or None if nobody decided.

    Keys: ``round`` and ``value`` of the first decision; ``all_hold`` (every process that
    completed that round ended it with x = value, and none flipped a coin); ``adopters``
    (how many only adopted in that round); ``next_round`` (every correct process decided
    by the following round; None when the run did not end decided).
    """
    from benor_lib.simulation.trace import ADOPT, COIN, DECIDE

    decides = [e for e in run.trace if e.kind == DECIDE]
    if not decides:
        return None
    first = min(e.round for e in decides)
    value = next(int(e.value) for e in decides if e.round == first)
    ends = [e for e in run.trace if e.kind in (ADOPT, COIN, DECIDE) and e.round == first]
    return {
        "round": first,
        "value": value,
        "all_hold": all(e.kind != COIN and e.value == value for e in ends),
        "adopters": sum(e.kind == ADOPT for e in ends),
        "next_round": (run.rounds <= first + 1) if run.status == "decided" else None,
    }


def reports_before_coins(run: Any) -> tuple[int, int]:
    """(rounds of ``run`` with a coin flip, and how many of them had every report of the
    round already sent, by every process not crashed by then, when the first coin fell)."""
    from benor_lib.simulation.trace import COIN, CRASH, REPORT, SEND

    sent: dict[int, set[int]] = {}
    crashed: set[int] = set()
    flipped: set[int] = set()
    settled = 0
    for e in run.trace:
        if e.kind == SEND and e.phase == REPORT:
            sent.setdefault(e.round, set()).add(e.pid)
        elif e.kind == CRASH:
            crashed.add(e.pid)
        elif e.kind == COIN and e.round not in flipped:
            flipped.add(e.round)
            live = set(range(run.n)) - crashed
            settled += live <= sent.get(e.round, set())
    return len(flipped), settled


def safety_sweep(
    runs: int = 2000,
    *,
    systems: Any = ((3, 1), (5, 1), (5, 2), (7, 2), (7, 3)),
    schedulers: Any = ("uniform", "split", "random_order", "fifo"),
    unanimous: bool = False,
    seed: int = 0,
    max_rounds: int = 40,
) -> list[dict[str, Any]]:
    """Simulate ``runs`` runs of the crash variant and tally, per scheduler, what the safety
    lemmas and the termination argument are about.

    Run i uses system ``systems[i % len(systems)]`` and scheduler ``schedulers[(i //
    len(systems)) % len(schedulers)]``, seed ``seed + i``, inputs that are random (or all
    equal to one random value, with ``unanimous``) and up to t crashes at random points.
    Each row: ``scheduler``, ``runs``, ``rounds`` (rounds that reached step 2), ``d_rounds``
    (rounds with a D-message), ``both`` (rounds with D(0) and D(1)), ``decided_runs`` (runs
    with a decision), ``pulled`` (of those, runs whose first decision left every process that
    finished the round holding its value, and every correct process decided a round later
    at the latest), ``coin_rounds``, ``settled`` (rounds with a coin whose reports were all
    sent before the first coin), ``first_round`` (runs decided in round 1), ``coins`` (coin
    flips in all) and ``violations`` (runs with a broken property).
    """
    from benor_lib.simulation.faults import Crash
    from benor_lib.simulation.network import run as simulate
    from benor_lib.simulation.trace import COIN, PROPOSE

    systems = [tuple(s) for s in systems]
    schedulers = list(schedulers)
    rng = np.random.default_rng(seed)
    rows = {
        s: dict.fromkeys(
            (
                "runs",
                "rounds",
                "d_rounds",
                "both",
                "decided_runs",
                "pulled",
                "coin_rounds",
                "settled",
                "first_round",
                "coins",
                "violations",
            ),
            0,
        )
        for s in schedulers
    }
    for i in range(int(runs)):
        n, t = systems[i % len(systems)]
        sched = schedulers[(i // len(systems)) % len(schedulers)]
        crashes = int(rng.integers(0, t + 1))
        faults = [
            Crash(
                int(p),
                round=int(rng.integers(1, 4)),
                phase=int(rng.integers(1, 3)),
                after=int(rng.integers(0, n + 1)),
            )
            for p in rng.choice(n, size=crashes, replace=False)
        ]
        inputs: Any = [int(rng.integers(0, 2))] * n if unanimous else "random"
        r = simulate(
            n, t, inputs, scheduler=sched, faults=faults, seed=seed + i, max_rounds=max_rounds
        )
        row = rows[sched]
        row["runs"] += 1
        row["rounds"] += max((e.round for e in r.trace if e.kind == PROPOSE), default=0)
        dvals = d_values_by_round(r)
        row["d_rounds"] += len(dvals)
        row["both"] += sum(len(v) > 1 for v in dvals.values())
        pull = first_decision_pull(r)
        if pull is not None:
            row["decided_runs"] += 1
            row["pulled"] += pull["all_hold"] and pull["next_round"] is not False
        with_coin, settled = reports_before_coins(r)
        row["coin_rounds"] += with_coin
        row["settled"] += settled
        row["first_round"] += r.status == "decided" and r.rounds == 1
        row["coins"] += sum(e.kind == COIN for e in r.trace)
        row["violations"] += bool(r.violations)
    return [{"scheduler": s, **rows[s]} for s in schedulers]


# ---------------------------------------------------------------------------------------
# How many rounds: the distribution explorer's histogram and the rounds chapter's figures
# ---------------------------------------------------------------------------------------

#: Colour, hatch and marker of the current sample and of the previous one (compare mode).
#: Neither blue nor vermillion: those stand for the values 0 and 1.
ROUNDS_SAMPLE_STYLES: dict[str, dict[str, str]] = {
    "current": {"color": OTHER_COLORS[0], "hatch": "", "marker": "^"},
    "previous": {"color": OTHER_COLORS[1], "hatch": "\\\\", "marker": "v"},
}

#: Line styles of the series in the rounds chapter's plots against n (colour, marker, dash).
SERIES_STYLES: tuple[dict[str, str], ...] = (
    {"color": OTHER_COLORS[0], "marker": "^", "linestyle": "-"},
    {"color": OTHER_COLORS[1], "marker": "v", "linestyle": "--"},
    {"color": OTHER_COLORS[3], "marker": "P", "linestyle": "-."},
    {"color": OTHER_COLORS[2], "marker": "X", "linestyle": ":"},
    {"color": INK, "marker": "*", "linestyle": "-"},
)

#: At most this many bars in a round histogram; longer ranges are binned.
ROUNDS_MAX_BARS = 40


def _round_bin_width(last_round: int, max_bars: int = ROUNDS_MAX_BARS) -> int:
    """Width (in rounds) of the bins when rounds 1..last_round must fit in max_bars bars."""
    return max(1, -(-int(last_round) // max_bars))


def _binned(values: np.ndarray, width: int, bins: int) -> np.ndarray:
    """Sum ``values[r-1]`` over bins of ``width`` rounds (the first bin starts at round 1)."""
    padded = np.zeros(width * bins)
    take = min(values.size, padded.size)
    padded[:take] = values[:take]
    return padded.reshape(bins, width).sum(axis=1)


def draw_rounds_histogram(
    ax: Axes,
    views: Any,
    *,
    scale: str = "linear",
    shares: bool = False,
    last_round: int | None = None,
    labels: Any = None,
    legend: bool = True,
) -> Axes:
    """Draw one or two round-count histograms on ``ax``, each with its exact law if known.

    ``views`` is a list of explorer views (``benor_lib.apps.explorer.model.ExplorerView``): the
    first is drawn as the current sample, a second one as the previous sample, side by side
    in every bin. Bars count runs per round (or, with ``shares``, the share of runs); rounds
    are grouped into equal bins when there are more than ``ROUNDS_MAX_BARS``. The exact
    distribution, scaled the same way, is drawn as a black line with white markers. Runs cut
    off undecided are not in the bars: a note in the corner counts them. ``scale`` is
    ``"linear"`` or ``"log"`` (the count axis).
    """
    if scale not in ("linear", "log"):
        raise ValueError(f"scale must be 'linear' or 'log', got {scale!r}")
    views = list(views)
    kinds = ["current", "previous"][: len(views)]
    if last_round is None:
        last_round = max(max(v.counts.size for v in views), 1)
    width = _round_bin_width(last_round)
    bins = -(-last_round // width)
    starts = 1 + width * np.arange(bins)
    centres = starts + (width - 1) / 2
    slot = 0.8 * width / len(views)
    notes = []
    for i, (view, kind) in enumerate(zip(views, kinds, strict=False)):
        style = ROUNDS_SAMPLE_STYLES[kind]
        norm = view.runs if shares else 1
        x = centres - 0.4 * width + slot * (i + 0.5)
        heights = _binned(view.counts.astype(float), width, bins) / norm
        if labels:
            name = labels[i]
        else:
            name = {"current": "sample" if len(views) == 1 else "now", "previous": "previous"}[kind]
        ax.bar(
            x,
            heights,
            width=slot,
            facecolor=style["color"],
            hatch=style["hatch"],
            edgecolor=INK,
            linewidth=0.6,
            label=f"{name} ({view.runs:,} runs)",
            zorder=2,
        )
        if view.exact is not None:
            ax.plot(
                *_exact_points(view, x, width, bins, scale, shares),
                color=INK,
                linewidth=1.2,
                linestyle="-" if kind == "current" else "--",
                marker="o" if kind == "current" else "s",
                markersize=4.5,
                markerfacecolor="white",
                markeredgecolor=INK,
                label="exact" + (" (previous)" if kind == "previous" else ""),
                zorder=3,
            )
        if view.censored_runs:
            who = "" if len(views) == 1 else ("previous: " if kind == "previous" else "current: ")
            notes.append(who + view.hidden_note())
    _finish_rounds_axes(ax, views, scale, shares, width, starts, notes, legend)
    return ax


def _finish_rounds_axes(
    ax: Axes,
    views: list[Any],
    scale: str,
    shares: bool,
    width: int,
    starts: np.ndarray,
    notes: list[str],
    legend: bool,
) -> None:
    """Limits, labels and legend of a rounds histogram (after its bars and lines)."""
    top = max(float(np.max(p.get_height())) for p in ax.patches) if ax.patches else 1.0
    top = max([top, *(float(np.max(line.get_ydata(), initial=0)) for line in ax.get_lines())])
    if scale == "log":
        ax.set_yscale("log")
        bottom = 0.5 / max(v.runs for v in views) if shares else 0.5
        ax.set_ylim(bottom, max(top, bottom * 2) * 4)
        ax.yaxis.set_major_locator(mpl.ticker.LogLocator(base=10))
        ax.yaxis.set_minor_locator(mpl.ticker.NullLocator())
        ax.yaxis.set_major_formatter(mpl.ticker.FuncFormatter(lambda y, _: f"{y:,.10g}"))
    else:
        ax.set_ylim(0, 1.25 * top if top > 0 else 1.0)
    ax.set_xlim(0.5 - 0.05 * width, starts[-1] + width - 0.5 + 0.05 * width)
    xlabel = "rounds until every process has decided"
    if width == 1:
        ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True, min_n_ticks=1))
    else:
        xlabel += f" (bars of {width:,} rounds)"
    ax.set_xlabel("\n".join([xlabel, *notes]))
    ax.set_ylabel("share of runs" if shares else "runs")
    if legend:
        ax.legend(loc="best", fontsize=9)


def _exact_points(
    view: Any, x: np.ndarray, width: int, bins: int, scale: str, shares: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Where the exact distribution's markers go, scaled like the bars."""
    scale_to = 1.0 if shares else view.runs
    expected = _binned(np.asarray(view.exact), width, bins) * scale_to
    keep = expected > (0 if scale == "linear" else 0.5 / (view.runs if shares else 1))
    return x[keep], expected[keep]


def redraw_rounds_histogram(
    fig: Figure, view: Any, *, scale: str, last_round: int, legend_loc: str = "best"
) -> bool:
    """Draw ``view`` into the single panel of a figure from :func:`rounds_histogram_figure`,
    replacing its bars, lines, legend and title but keeping the axes and the layout.

    Far cheaper than a new figure, for pictures of work in progress (where a fixed
    ``legend_loc`` such as "upper right" saves the search for the best place, and keeps the
    legend from jumping). Returns False (and draws nothing) when the figure has more than
    one panel.
    """
    if len(fig.axes) != 1:
        return False
    ax = fig.axes[0]
    for container in list(ax.containers):
        container.remove()
    for line in list(ax.get_lines()):
        line.remove()
    if ax.get_legend() is not None:
        ax.get_legend().remove()
    ax.set_yscale(scale)
    ax.xaxis.set_major_locator(mpl.ticker.AutoLocator())
    draw_rounds_histogram(ax, [view], scale=scale, last_round=last_round, legend=False)
    ax.legend(loc=legend_loc, fontsize=9)
    ax.set_title(view.label, loc="left", fontsize=11)
    return True


#: Characters per line of a panel's title in the side-by-side layout of
#: :func:`rounds_histogram_figure` (each panel is half the figure's width).
SIDE_PANEL_CHARS = 34


def _reuse(
    fig: Figure | None, nrows: int, ncols: int, figsize: tuple[float, float]
) -> tuple[Figure, np.ndarray]:
    """A grid of axes in ``fig`` (cleared first, keeping its canvas), or in a new figure."""
    if fig is None:
        return new_figure_grid(nrows, ncols, figsize)
    use_book_style()
    fig.clear()
    fig.set_size_inches(*figsize)
    fig.set_layout_engine("constrained")
    return fig, fig.subplots(nrows, ncols, squeeze=False)


def rounds_histogram_figure(
    view: Any,
    previous: Any = None,
    *,
    layout: str = "overlay",
    scale: str | None = None,
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
    fig: Figure | None = None,
    last_round: int | None = None,
) -> Figure:
    """The distribution explorer's figure: the histogram of round counts of ``view``.

    With ``previous`` (compare mode) the previous setting's histogram is drawn too, in the
    same axes (``layout="overlay"``: two bars per round) or in a second panel on the left
    (``layout="side"``, same scales). When the two samples have different numbers of runs,
    both are drawn as shares of runs. ``scale`` defaults to the view's setting. With
    ``fig`` the figure is drawn into that one (cleared first), so a widget reuses its canvas.
    ``last_round`` sets the rounds axis (by default the longest finished run).
    """
    if layout not in ("overlay", "side"):
        raise ValueError(f"layout must be 'overlay' or 'side', got {layout!r}")
    scale = scale or view.settings.scale
    views = [view] if previous is None else [view, previous]
    shares = len({v.runs for v in views}) > 1
    last = last_round or max(max(v.counts.size for v in views), 1)
    if previous is None or layout == "overlay":
        fig, ax = _reuse(fig, 1, 1, figsize or FIGSIZE)
        ax = ax[0, 0]
        draw_rounds_histogram(ax, views, scale=scale, shares=shares, last_round=last)
        if title is None:
            title = view.label
            if previous is not None:
                title = f"now: {view.label}\nprevious: {previous.label}"
        ax.set_title(title, loc="left", fontsize=11 if previous is None else 10)
        return fig
    # Two panels in the width of one figure (not one and a half), so that the page does not
    # scale the text down: the panels' titles and axis labels wrap to their width instead.
    fig, axes = _reuse(fig, 1, 2, figsize or (FIGSIZE[0], FIGSIZE[1] + 1.0))
    left, right = axes[0]
    right.sharey(left)
    for ax, v, kind in ((left, previous, "previous"), (right, view, "current")):
        draw_rounds_histogram(ax, [v], scale=scale, shares=shares, last_round=last, legend=False)
        style = ROUNDS_SAMPLE_STYLES[kind]
        for patch in ax.patches:
            patch.set_facecolor(style["color"])
            patch.set_hatch(style["hatch"])
        prefix = "previous: " if kind == "previous" else "now: "
        ax.set_title(textwrap.fill(prefix + v.label, SIDE_PANEL_CHARS), loc="left", fontsize=10)
        ax.set_xlabel(
            "\n".join(
                textwrap.fill(line, SIDE_PANEL_CHARS + 4) for line in ax.get_xlabel().split("\n")
            )
        )
        if v.exact is not None:
            ax.legend(loc="best", fontsize=9, handles=ax.get_lines()[:1])
    if title:
        fig.suptitle(title, x=0.01, ha="left", fontweight="bold")
    return fig


def rounds_histogram_alt_text(view: Any, previous: Any = None, layout: str = "overlay") -> str:
    """Alt text for :func:`rounds_histogram_figure`."""
    text = view.alt_text()
    if previous is not None:
        where = "in a panel on the left" if layout == "side" else "beside it in every round"
        text += f" For comparison, the previous setting is drawn {where}: {previous.alt_text()}"
    return text


def rounds_by_n_figure(
    panels: Any,
    *,
    log: bool = True,
    stack: bool = False,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Curves of a round statistic against n, one panel per entry of ``panels``.

    Panels sit side by side, or one above the other with ``stack=True``.

    Each panel is a mapping with ``title``, ``ylabel`` and ``series``: a list of mappings
    with ``label``, ``x`` and ``y``, and optionally ``style`` (an index into
    ``SERIES_STYLES``; by default the series' position), ``draw`` (``"both"``: line and
    markers, the default; ``"line"``; ``"markers"``, for sampled values beside a computed
    line of the same style) or ``reference=True`` (a thin grey dashed curve such as
    2^(n-1)). Series without a label stay out of the legend. The y axis is logarithmic
    unless ``log=False``; ``ylim`` in a panel sets its limits.
    """
    panels = list(panels)
    if stack:
        shape = (len(panels), 1)
        size = figsize or (FIGSIZE[0] + 0.5, 3.6 * len(panels))
    else:
        shape = (1, len(panels))
        size = figsize or (min(11.0, 4.8 * len(panels)), FIGSIZE[1] + 0.4)
    fig, axes = new_figure_grid(*shape, size)
    for ax, panel in zip(axes.ravel(), panels, strict=True):
        for i, series in enumerate(panel["series"]):
            x, y = np.asarray(series["x"], float), np.asarray(series["y"], float)
            if series.get("reference"):
                ax.plot(
                    x,
                    y,
                    color="#777777",
                    linewidth=1.2,
                    linestyle=(0, (4, 2)),
                    label=series["label"],
                    zorder=1,
                )
                continue
            style = SERIES_STYLES[series.get("style", i) % len(SERIES_STYLES)]
            draw = series.get("draw", "both")
            if draw not in ("both", "line", "markers"):
                raise ValueError(f"draw must be 'both', 'line' or 'markers', got {draw!r}")
            ax.plot(
                x,
                y,
                color=style["color"],
                marker=None if draw == "line" else style["marker"],
                linestyle="none" if draw == "markers" else style["linestyle"],
                linewidth=1.6,
                markersize=7.5 if draw == "markers" else 6.5,
                markeredgecolor=INK,
                markeredgewidth=0.6,
                label=series.get("label") or "_nolegend_",
                zorder=3 if draw == "markers" else 2,
            )
        if log:
            ax.set_yscale("log")
        if panel.get("ylim"):
            ax.set_ylim(*panel["ylim"])
        ax.set_xlabel("n (number of processes)")
        ax.set_ylabel(panel["ylabel"])
        ax.set_title(panel["title"], loc="left", fontsize=11)
        ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True))
        ax.grid(True, axis="both", which="major")
        ax.legend(loc="upper left", fontsize=8.5)
    return fig


def decision_split_figure(
    together: Any, lagged: Any, *, rounds: int | None = None, title: str | None = None
) -> Figure:
    """P(round count = r) as stacked bars: every process decides in round r (plain), or
    some process decided in round r - 1 and the others follow in round r (hatched)."""
    together, lagged = np.asarray(together, float), np.asarray(lagged, float)
    if rounds is None:
        total = together + lagged
        rounds = int(np.flatnonzero(np.cumsum(total) < 1 - 1e-3).size + 1)
    r = np.arange(1, rounds + 1)
    fig, ax = new_figure()
    ax.bar(
        r,
        together[:rounds],
        width=0.7,
        facecolor=ROUNDS_SAMPLE_STYLES["current"]["color"],
        edgecolor=INK,
        linewidth=0.6,
        label="every process decides in round r",
    )
    ax.bar(
        r,
        lagged[:rounds],
        bottom=together[:rounds],
        width=0.7,
        facecolor=ROUNDS_SAMPLE_STYLES["previous"]["color"],
        hatch=ROUNDS_SAMPLE_STYLES["previous"]["hatch"],
        edgecolor=INK,
        linewidth=0.6,
        label="some decided in round r - 1, the others in round r",
    )
    ax.set_xticks(r)
    ax.set_xlabel("r: rounds until every process has decided")
    ax.set_ylabel("probability (exact)")
    ax.set_ylim(0, 1.05 * float((together + lagged)[:rounds].max()))
    ax.legend(loc="upper right")
    if title:
        ax.set_title(title, loc="left")
    return fig


# ---------------------------------------------------------------------------------------
# Chapters 8 and 9 (Byzantine Ben-Or, what an impossibility result says): one round with
# its faulty processes marked
# ---------------------------------------------------------------------------------------

#: Background of the line of a Byzantine process in :func:`fault_space_time_figure`.
BYZANTINE_BAND = "#F2E4EC"


def byzantine_pids(run: Any) -> list[int]:
    """The Byzantine processes of ``run``, in order."""
    return sorted(p for p, what in run.faulty.items() if what.startswith("byzantine"))


def without_byzantine_inner_events(run: Any) -> Any:
    """``run`` without what its Byzantine processes "compute": their proposals, adoptions,
    coins and decisions are not what they send (their messages are the lies in their
    ``byzantine_send`` events), so a diagram or a narration should not show them."""
    from dataclasses import replace

    from benor_lib.simulation.trace import ADOPT, COIN, DECIDE, PROPOSE

    byz = set(byzantine_pids(run))
    if not byz:
        return run
    inner = (PROPOSE, ADOPT, COIN, DECIDE)
    return replace(run, trace=tuple(e for e in run.trace if not (e.pid in byz and e.kind in inner)))


def fault_space_time_alt_text(run: Any, round: int | None = None) -> str:
    """Alt text for :func:`fault_space_time_figure`: :func:`space_time_alt_text` of the
    round, saying first which processes are Byzantine."""
    byz = byzantine_pids(run)
    text = space_time_alt_text(without_byzantine_inner_events(run), round)
    if not byz:
        return text
    names = ", ".join(f"p{p}" for p in byz)
    verb = "is" if len(byz) == 1 else "are"
    return f"{names} {verb} Byzantine (shaded lines): what they send is shown, nothing else. {text}"


def fault_space_time_figure(
    run: Any,
    round: int | None = None,
    *,
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """:func:`space_time_figure` of one round, with Byzantine processes marked.

    A Byzantine process's line is shaded and labelled "Byzantine"; its arrows carry the
    values it actually sent to each receiver, and what its own copy of the protocol would
    have done (its ``D``/``?`` and its conclusions) is left out: only its messages matter.
    Crashed processes are drawn as in :func:`space_time_figure` (a dotted line).
    """
    byz = byzantine_pids(run)
    shown = without_byzantine_inner_events(run)
    fig = space_time_figure(shown, round, title=title, figsize=figsize)
    if byz:
        ax = fig.axes[0]
        labels = [tick.get_text() for tick in ax.get_yticklabels()]
        for p in byz:
            ax.axhspan(p - 0.32, p + 0.32, color=BYZANTINE_BAND, zorder=0, linewidth=0)
            labels[p] = f"p{p} Byzantine"
        ax.set_yticks(range(run.n), labels)
    return fig
