"""How many rounds: "still undecided after r rounds" curves, the termination bound, the
distribution explorer's histogram, round statistics against n and the decision split."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from benor_lib.analysis.rounds import undecided_tail
from benor_lib.figures.style import (
    COLUMN_WIDTH,
    FIGSIZE,
    INK,
    OTHER_COLORS,
    legend_below,
    new_figure,
    new_figure_grid,
    reuse_figure,
    series_style,
)


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
    fig, ax = new_figure(figsize or (COLUMN_WIDTH, 3.6))
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
    fig, axes = new_figure_grid(1, len(systems), figsize or (COLUMN_WIDTH, 3.4))
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


#: Colour, hatch and marker of the current sample and of the previous one (compare mode).
#: Neither blue nor vermillion: those stand for the values 0 and 1; and no hatching, which
#: stands for the value 1 alone. The previous sample is a pale tint.
ROUNDS_SAMPLE_STYLES: dict[str, dict[str, str]] = {
    "current": {"color": OTHER_COLORS[0], "hatch": "", "marker": "^"},
    "previous": {"color": "#E9C2D8", "hatch": "", "marker": "v"},
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
        ax.legend(loc="best")


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
    ax.legend(loc=legend_loc)
    ax.set_title(view.label, loc="left")
    return True


#: Characters per line of a panel's title in the side-by-side layout of
#: :func:`rounds_histogram_figure` (each panel is half the figure's width).
SIDE_PANEL_CHARS = 34


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
    (``layout="side"``: the same count scale, each panel's rounds axis fitted to its own
    sample unless ``last_round`` is given). When the two samples have different numbers of runs,
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
        fig, ax = reuse_figure(fig, 1, 1, figsize or FIGSIZE)
        ax = ax[0, 0]
        draw_rounds_histogram(ax, views, scale=scale, shares=shares, last_round=last)
        if title is None:
            title = view.label
            if previous is not None:
                title = f"now: {view.label}\nprevious: {previous.label}"
        ax.set_title(title, loc="left", fontsize=None if previous is None else 10)
        return fig
    # Two panels in the width of one figure (not one and a half), so that the page does not
    # scale the text down: the panels' titles and axis labels wrap to their width instead.
    fig, axes = reuse_figure(fig, 1, 2, figsize or (FIGSIZE[0], FIGSIZE[1] + 1.0))
    left, right = axes[0]
    right.sharey(left)
    for ax, v, kind in ((left, previous, "previous"), (right, view, "current")):
        own = last_round or max(v.counts.size, 1)  # each panel's axis fits its own sample
        draw_rounds_histogram(ax, [v], scale=scale, shares=shares, last_round=own, legend=False)
        style = ROUNDS_SAMPLE_STYLES[kind]
        for patch in ax.patches:
            patch.set_facecolor(style["color"])
            patch.set_hatch(style["hatch"] or None)
        prefix = "previous: " if kind == "previous" else "now: "
        ax.set_title(textwrap.fill(prefix + v.label, SIDE_PANEL_CHARS), loc="left", fontsize=10)
        ax.set_xlabel(
            "\n".join(
                textwrap.fill(line, SIDE_PANEL_CHARS + 4) for line in ax.get_xlabel().split("\n")
            )
        )
        if v.exact is not None:
            ax.legend(loc="best", handles=ax.get_lines()[:1])
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
        size = figsize or (COLUMN_WIDTH, 3.6 * len(panels))
    else:
        shape = (1, len(panels))
        size = figsize or (COLUMN_WIDTH, FIGSIZE[1] + 1.2)
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
        ax.set_title(panel["title"], loc="left")
        ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True))
        ax.grid(True, axis="both", which="major")
        legend_below(ax, ncol=1 if len(panels) > 1 and not stack else 2)
    return fig


def decision_split_figure(
    together: Any, lagged: Any, *, rounds: int | None = None, title: str | None = None
) -> Figure:
    """P(round count = r) as stacked bars: every process decides in round r (plain), or
    some process decided in round r - 1 and the others follow in round r (a pale tint on
    top: hatching stands for the value 1 alone)."""
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
        edgecolor=INK,
        linewidth=0.6,
        label="some decided in round r - 1, the others in round r",
    )
    ax.set_xticks(r)
    ax.set_xlabel("r: rounds until every process has decided")
    ax.set_ylabel("probability (exact)")
    ax.set_ylim(0, 1.05 * float((together + lagged)[:rounds].max()))
    legend_below(ax, ncol=1)
    if title:
        ax.set_title(title, loc="left")
    return fig
