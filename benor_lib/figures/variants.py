"""The three variants side by side: messages per round, and rounds against n.

The points come from :mod:`benor_lib.analysis.variants` (real runs); each figure function
returns a :class:`matplotlib.figure.Figure` and has an ``..._alt_text`` twin that says in
words what the figure shows, with its numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure

from benor_lib.analysis.variants import VARIANT_LABELS, VariantPoint, messages_per_round_formula
from benor_lib.figures.style import INK, new_figure, series_style

_ORDER = ("crash", "byzantine", "bracha")


def _by_variant(points: Sequence[VariantPoint]) -> dict[str, list[VariantPoint]]:
    points = list(points)
    if not points or not all(isinstance(p, VariantPoint) for p in points):
        raise ValueError("points must be a non-empty list of VariantPoint (analysis.variants)")
    out: dict[str, list[VariantPoint]] = {}
    for p in sorted(points, key=lambda p: (_ORDER.index(p.variant), p.n)):
        out.setdefault(p.variant, []).append(p)
    return out


def _errorbars(ax, i: int, label: str, pts: list[VariantPoint]) -> None:
    style = series_style(i)
    ax.errorbar(
        [p.n for p in pts],
        [p.mean for p in pts],
        yerr=[p.sem for p in pts],
        color=style["color"],
        marker=style["marker"],
        markeredgecolor=INK,
        markeredgewidth=0.6,
        markersize=7,
        linestyle="none",
        capsize=3,
        elinewidth=1.2,
        label=label,
        zorder=3,
    )


def message_count_figure(
    points: Sequence[VariantPoint], *, figsize: tuple[float, float] | None = None
) -> Figure:
    """Messages per round against n, one series per variant, on a log scale: the measured
    means (markers, with standard-error bars) and one full round counted from the protocol
    (2n^2 for Ben-Or, 3n(2n^2 + n) for Bracha) as lines."""
    groups = _by_variant(points)
    fig, ax = new_figure(figsize or (6.5, 4.8))
    ns_all = sorted({p.n for p in points})
    grid = np.arange(min(ns_all), max(ns_all) + 1)
    drawn_benor = False
    for variant, pts in groups.items():
        i = _ORDER.index(variant)
        style = series_style(i)
        if variant != "bracha" and drawn_benor:  # Ben-Or's two variants share 2n^2
            _errorbars(ax, i, VARIANT_LABELS[variant] + ", measured", pts)
            continue
        drawn_benor = drawn_benor or variant != "bracha"
        ax.plot(
            grid,
            [messages_per_round_formula(int(n), variant) for n in grid],
            color=style["color"],
            linestyle=style["linestyle"],
            linewidth=1.4,
            label=f"{'3n(2n² + n)' if variant == 'bracha' else '2n²'}: one full round"
            + (" (Bracha)" if variant == "bracha" else " (Ben-Or)"),
            zorder=2,
        )
        _errorbars(ax, i, VARIANT_LABELS[variant] + ", measured", pts)
    ax.set_yscale("log")
    ax.set_xlabel("n (number of processes)")
    ax.set_ylabel("messages per round")
    ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True))
    ax.grid(True, which="major")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2)
    return fig


def message_count_alt_text(points: Sequence[VariantPoint]) -> str:
    """What :func:`message_count_figure` shows, in words and numbers."""
    groups = _by_variant(points)
    parts = []
    for variant, pts in groups.items():
        last = pts[-1]
        parts.append(
            f"{VARIANT_LABELS[variant]}: about {last.mean:,.0f} messages per round at "
            f"n = {last.n} (one full round is {last.formula:,})"
        )
    return (
        "Messages per round against the number of processes n, on a logarithmic scale, "
        "measured from runs (markers with error bars) beside the count of one full round "
        "(lines). Ben-Or's two variants grow like n squared and lie on top of each other; "
        "Bracha's grows like n cubed, one to two orders of magnitude higher. "
        + "; ".join(parts)
        + "."
    )


def variant_rounds_figure(
    points: Sequence[VariantPoint], *, figsize: tuple[float, float] | None = None
) -> Figure:
    """Mean round count against n, one series per variant (markers with standard-error
    bars), and the exact mean of the crash variant as a line where it is known."""
    groups = _by_variant(points)
    fig, ax = new_figure(figsize or (6.5, 4.6))
    for variant, pts in groups.items():
        i = _ORDER.index(variant)
        exact = [p for p in pts if p.exact is not None]
        if exact:
            style = series_style(i)
            ax.plot(
                [p.n for p in exact],
                [p.exact for p in exact],
                color=style["color"],
                linestyle=style["linestyle"],
                linewidth=1.4,
                label=f"{VARIANT_LABELS[variant]}, exact mean",
                zorder=2,
            )
        _errorbars(ax, i, VARIANT_LABELS[variant] + ", measured", pts)
    ts = sorted({p.t for p in points})
    ax.set_xlabel("n (number of processes)")
    ax.set_ylabel("mean rounds to decide")
    ax.set_ylim(bottom=0)
    ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True))
    ax.grid(True, which="major")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2)
    if len(ts) == 1:
        ax.set_title(f"t = {ts[0]}", loc="left")
    return fig


def variant_rounds_alt_text(points: Sequence[VariantPoint]) -> str:
    """What :func:`variant_rounds_figure` shows, in words and numbers."""
    groups = _by_variant(points)
    parts = []
    for variant, pts in groups.items():
        span = ", ".join(f"{p.mean:.2f} at n = {p.n}" for p in pts)
        parts.append(f"{VARIANT_LABELS[variant]}: {span}")
    note = ""
    if "bracha" in groups:
        note = (
            " Bracha's runs deliver its many messages in uniformly random order, Ben-Or's "
            "follow the scheduler named with the figure."
        )
    return (
        "Mean number of rounds until every correct process decided, against the number of "
        "processes n, for each variant, measured from runs with standard-error bars. "
        + "; ".join(parts)
        + "."
        + note
    )
