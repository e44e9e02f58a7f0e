"""What single runs and many runs ended with: each process's value round by round, and
the outcome tallies of many runs by how many processes start with 1 (chapters 2 to 4)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from benor_lib.analysis.outcomes import round_values
from benor_lib.figures.style import COLUMN_WIDTH, INK, bar_style, legend_below, new_figure


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
    width = min(COLUMN_WIDTH, 3.2 + 0.42 * max(upto, 1))
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
        ax.text(upto + 0.25, p, note, va="center", ha="left", color=INK)
    ax.set_xlim(0, upto + 3.4)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_yticks(range(n), [f"p{p}" for p in range(n)])
    step = 1 if upto <= 15 else 5
    ticks = [c for c in range(upto) if (c + 1) % step == 0 or c == 0]
    ax.set_xticks([c + 0.5 for c in ticks], [str(c + 1) for c in ticks])
    ax.tick_params(length=0)
    ax.set_xlabel("round (each cell: the value the process reports at the start of the round)")
    handles = [Patch(**bar_style(v), label=f"x = {v}") for v in (0, 1) if (values == v).any()]
    if any(r <= upto for r in decided_in.values()):
        handles.append(
            Patch(facecolor="white", edgecolor=INK, linewidth=2.6, label="decides in this round")
        )
    if (values < 0).any():
        handles.append(Patch(facecolor="#F2F2F2", edgecolor="#BBBBBB", label="no report (crashed)"))
    legend_below(ax, handles=handles, ncol=len(handles), handlelength=1.6)
    if title:
        ax.set_title(title, loc="left")
    return fig


def outcome_bars_figure(rows: list[Mapping[str, Any]], *, title: str | None = None) -> Figure:
    """Stacked bars of :func:`outcomes_by_ones`: for each k, the share of runs deciding 0 and 1.

    0 is a plain blue bar, 1 a striped vermillion bar on top of it, undecided runs a dotted
    grey bar at the top; each bar is labelled with its input vector.
    """
    from matplotlib.patches import Patch

    fig, ax = new_figure((COLUMN_WIDTH, 3.6))
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
