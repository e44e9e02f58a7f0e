"""One round with its Byzantine processes marked (chapters on Byzantine Ben-Or and on what
an impossibility result says)."""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure

from benor_lib.figures.spacetime import space_time_alt_text, space_time_figure

#: Background of the line of a Byzantine process in :func:`fault_space_time_figure`.
BYZANTINE_BAND = "#F2E4EC"


def byzantine_pids(run: Any) -> list[int]:
    """The Byzantine processes of ``run``, in order."""
    return list(run.byzantine)


def without_byzantine_inner_events(run: Any) -> Any:
    """``run`` without what its Byzantine processes "compute": their proposals, adoptions,
    coins and decisions are not what they send (their messages are the lies in their
    ``byzantine_send`` events), so a diagram or a narration should not show them."""
    from dataclasses import replace

    from benor_lib.protocol.events import ADOPT, COIN, DECIDE, PROPOSE

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
    fig: Figure | None = None,
) -> Figure:
    """:func:`space_time_figure` of one round, with Byzantine processes marked (drawn into
    ``fig`` when given, cleared first, so that a widget reuses its canvas).

    A Byzantine process's line is shaded and labelled "Byzantine"; its arrows carry the
    values it actually sent to each receiver, and what its own copy of the protocol would
    have done (its ``D``/``?`` and its conclusions) is left out: only its messages matter.
    Crashed processes are drawn as in :func:`space_time_figure` (a dotted line).
    """
    byz = byzantine_pids(run)
    shown = without_byzantine_inner_events(run)
    fig = space_time_figure(shown, round, title=title, figsize=figsize, fig=fig)
    if byz:
        ax = fig.axes[0]
        labels = [tick.get_text() for tick in ax.get_yticklabels()]
        for p in byz:
            ax.axhspan(p - 0.32, p + 0.32, color=BYZANTINE_BAND, zorder=0, linewidth=0)
            labels[p] = f"p{p} Byzantine"
        ax.set_yticks(range(run.n), labels)
    return fig
