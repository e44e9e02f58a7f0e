"""Every figure the book draws, in one shared look.

The top of this module is the book's style: the colours, markers and hatches that stand
for the values 0 and 1 (and for "no value yet", ``"?"``), the matplotlib settings every
figure uses, and the functions that create a styled figure. Figure functions for the
chapters go further down, each returning a :class:`matplotlib.figure.Figure`.

Figures are made without :mod:`matplotlib.pyplot`, so a notebook cell that ends with a
figure shows it exactly once and no figure stays open in pyplot's registry.
"""

from __future__ import annotations

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


def _message_value_key(value: int | None) -> int | str:
    return "?" if value is None else int(value)


def _message_times(run: Any) -> tuple[dict, dict, int]:
    """Send and delivery times (in deliveries so far) of every message of ``run``."""
    from .trace import BYZANTINE_SEND, DELIVER, SEND

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


def draw_space_time(ax: Axes, run: Any, round: int | None = None, *, legend: bool = True) -> Axes:
    """Draw the space-time (message-sequence) diagram of one round of ``run`` on ``ax``.

    Processes are horizontal lines (p0 at the top), time runs to the right in deliveries.
    Every delivered message of the round is an arrow from its sender (when it was sent) to
    its receiver (when it arrived): reports solid, proposals dashed, coloured and marked by
    value (``?`` grey); messages the receiver ignored are faint; messages still in flight
    wait as faint markers on their receiver's line, right of "now". On each line: what it sent
    (D(v) or ?) and what it did in step 3 (adopt, coin, decide). ``round`` defaults to the
    round of the last delivery. ``run`` is a (possibly partial) :class:`~benor_lib.trace.Run`.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrowPatch

    from .trace import ADOPT, COIN, CRASH, DECIDE, DELIVER, HALT, PROPOSE, value_name

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
    ax.grid(False)
    for p in range(n):
        style = ":" if p in crashed else "-"
        ax.plot([x0, edge], [p, p], color="#BBBBBB", linewidth=1.0, linestyle=style, zorder=0)
    if pending:
        ax.axvline(now + 0.5, color=INK, linewidth=0.8, linestyle=":", zorder=0)
        ax.text(now + 0.6, -0.75, "now; in flight:", fontsize=8, color=INK, va="center")

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
            (td, r),
            arrowstyle="-|>",
            mutation_scale=7 if phase == 1 else 9,
            color=COLORS[v],
            linewidth=1.0 if phase == 1 else 1.5,
            linestyle=MESSAGE_LINESTYLES[phase],
            alpha=1.0 if used else IGNORED_ALPHA,
            shrinkA=0,
            shrinkB=3,
            connectionstyle="arc3,rad=-0.06" if s == r else "arc3,rad=0.0",
            zorder=2,
        )
        arrow.set_gid("delivered")
        ax.add_patch(arrow)
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
                fontsize=8,
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
                fontsize=8,
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
        handles = [
            Line2D(
                [],
                [],
                linestyle="-",
                linewidth=1.0,
                color=COLORS[0],
                marker=MARKERS[0],
                markersize=5,
                markeredgecolor=INK,
                label="report 0",
            ),
            Line2D(
                [],
                [],
                linestyle="-",
                linewidth=1.0,
                color=COLORS[1],
                marker=MARKERS[1],
                markersize=5,
                markeredgecolor=INK,
                label="report 1",
            ),
            Line2D(
                [],
                [],
                linestyle="--",
                linewidth=1.5,
                color=COLORS[0],
                marker=MARKERS[0],
                markersize=7,
                markeredgecolor=INK,
                label="D(0)",
            ),
            Line2D(
                [],
                [],
                linestyle="--",
                linewidth=1.5,
                color=COLORS[1],
                marker=MARKERS[1],
                markersize=7,
                markeredgecolor=INK,
                label="D(1)",
            ),
            Line2D(
                [],
                [],
                linestyle="--",
                linewidth=1.5,
                color=COLORS["?"],
                marker=MARKERS["?"],
                markersize=7,
                markeredgecolor=INK,
                label="?",
            ),
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
            fontsize=8,
            handlelength=2.4,
        )
    return ax


def space_time_alt_text(run: Any, round: int | None = None) -> str:
    """Alt text for :func:`space_time_figure`: what the diagram of ``round`` shows."""
    from .trace import ADOPT, COIN, DECIDE, DELIVER, PROPOSE, narrate_event

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
) -> Figure:
    """The space-time diagram of one round of ``run`` (see :func:`draw_space_time`)."""
    from .trace import DELIVER

    if round is None:
        last = [e for e in run.trace if e.kind == DELIVER]
        round = last[-1].round if last else 1
    fig, ax = new_figure(figsize or (8.0, 1.6 + 0.42 * run.n))
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
    dpi: float = 72,
    figsize: tuple[float, float] | None = None,
) -> mpl.animation.FuncAnimation:
    """A matplotlib animation of one round, one frame per protocol step (or per delivery).

    Each frame is the round stepper's space-time diagram (:func:`draw_space_time`) with a
    caption that narrates the step. ``inputs`` defaults to n // 2 zeros, then ones. For
    readers without a live kernel; see :func:`stepper_animation_html`.
    """
    import textwrap

    from matplotlib.animation import FuncAnimation

    from .stepper_model import StepperSession

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
    fig, ax = new_figure(figsize or (8.0, 2.6 + 0.42 * n))
    fig.set_dpi(dpi)
    fig.get_layout_engine().set(rect=(0.0, 0.13, 1.0, 0.87))
    caption = fig.text(0.02, 0.02, "", ha="left", va="bottom", fontsize=10, color=INK)

    def draw(i: int) -> list:
        ax.clear()
        draw_space_time(ax, states[i], round)
        ax.set_title(f"Round {round}: frame {i + 1} of {len(ks)}", loc="left")
        caption.set_text("\n".join(textwrap.wrap(captions[i], 105)[:3]))
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


def stepper_animation_html(*args: Any, colors: int = 64, **kwargs: Any) -> str:
    """The HTML (like ``to_jshtml``) of :func:`stepper_animation`, for a static page.

    Show it with ``IPython.display.HTML``. Frames are small palette PNGs, played once by
    default (about 15 to 25 KB per frame).
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
        return path.read_text()
