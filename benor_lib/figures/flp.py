"""Pictures for FLP's proof: configurations coloured by valence.

- :func:`diamond_figure`: Lemma 2's commuting diamond, from a
  :class:`~benor_lib.analysis.flp.Diamond` (a real configuration and two real deliveries);
- :func:`successors_figure`: a configuration and every configuration one round later, as
  the valence explorer classifies them.

Valence is drawn with the book's value styles: a 0-valent box is blue, a 1-valent box
vermillion and hatched (hatching means the value 1 and nothing else), a bivalent box half
of each, and a box from which no decision is reachable grey.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, Rectangle

from benor_lib.figures.style import COLORS, COLUMN_WIDTH, FONT_SIZES, HATCHES, INK, new_figure

VALENCES: tuple[str, ...] = ("0-valent", "1-valent", "bivalent", "no decision")
"""The valences a box can show, in the order of the key."""

_FONT = FONT_SIZES["text"]  # the book's text size (the boxes are drawn to fit it)
_TINT = 0.35  # how strongly a box is filled with its value's colour


def _fill(ax: Axes, x: float, y: float, w: float, h: float, value: int | str) -> None:
    ax.add_patch(
        Rectangle(
            (x, y),
            w,
            h,
            facecolor=COLORS[value],
            alpha=_TINT,
            hatch=HATCHES[value],
            edgecolor="none",
            linewidth=0,
        )
    )


def valence_box(
    ax: Axes, x: float, y: float, w: float, h: float, valence: str, *, thick: bool = False
) -> None:
    """A box at (x, y) (lower left) of size w x h, filled in the style of ``valence``."""
    if valence not in VALENCES:
        raise ValueError(f"valence must be one of {', '.join(VALENCES)}; got {valence!r}")
    if valence == "bivalent":
        _fill(ax, x, y, w / 2, h, 0)
        _fill(ax, x + w / 2, y, w / 2, h, 1)
    else:
        _fill(ax, x, y, w, h, {"0-valent": 0, "1-valent": 1}.get(valence, "?"))
    ax.add_patch(
        Rectangle((x, y), w, h, facecolor="none", edgecolor=INK, linewidth=2.4 if thick else 1.0)
    )


def _label(ax: Axes, x: float, y: float, text: str, **kw: Any) -> None:
    box = {"boxstyle": "round,pad=0.25", "facecolor": "white", "edgecolor": "none", "alpha": 0.9}
    ax.text(x, y, text, fontsize=_FONT, color=INK, bbox=box, **kw)


def _arrow(ax: Axes, a: tuple[float, float], b: tuple[float, float], **kw: Any) -> None:
    ax.add_patch(FancyArrowPatch(a, b, arrowstyle="-|>", mutation_scale=18, color=INK, **kw))


def valence_key(ax: Axes, x: float, y: float, valences: Sequence[str], step: float) -> None:
    """A row of small boxes naming each of ``valences``, starting at (x, y)."""
    for i, v in enumerate(valences):
        valence_box(ax, x + i * step, y, 0.5, 0.35, v)
        ax.text(x + i * step + 0.6, y + 0.17, v, fontsize=_FONT, va="center", color=INK)


def _delivery_words(key: Sequence[int], inputs: Sequence[int]) -> str:
    s, p = key[0], key[1]
    return f"p{s}'s report ({inputs[s]}) reaches p{p}"


def _process_lines(state: tuple, n: int) -> list[str]:
    states, received, inflight = state
    lines = []
    for p in range(n):
        x = states[p][0]
        got = sorted((s, v) for s, r, rnd, ph, v in received if r == p and ph == 1)
        heard = ", ".join(f"{v} from p{s}" for s, v in got) or "nothing yet"
        line = f"p{p}: x={x}, heard {heard}"
        sent = [v for s, r, rnd, ph, v in (*received, *inflight) if s == p and ph == 2]
        if sent:
            line += " \u2192 ?" if sent[0] is None else f" \u2192 D({sent[0]})"
        lines.append(line)
    return lines


def diamond_figure(diamond: Any) -> Figure:
    """Lemma 2's commuting diamond: C at the top, e(C) and e'(C) beside each other, and the
    one configuration that both orders reach at the bottom, each box coloured by valence."""
    n = len(diamond.inputs)
    fig, ax = new_figure((COLUMN_WIDTH, 7.4 * COLUMN_WIDTH / 8.0))
    w, h = 5.0, 1.9
    places = {"C": (2.6, 7.6), "e": (0.0, 4.2), "e2": (5.3, 4.2), "both": (2.6, 0.8)}
    titles = {
        "C": "C",
        "e": "e(C)",
        "e2": "e\u2032(C)",
        "both": "e\u2032(e(C)) = e(e\u2032(C))",
    }
    for corner, (x, y) in places.items():
        valence = diamond.valence[corner]
        valence_box(ax, x, y, w, h, valence, thick=corner in ("C", "both"))
        _label(ax, x + 0.12, y + h - 0.4, f"{titles[corner]}: {valence}", fontweight="bold")
        for i, line in enumerate(_process_lines(diamond.states[corner], n)):
            _label(ax, x + 0.12, y + h - 0.85 - 0.42 * i, line)
    top, left, right, bottom = (places[k] for k in ("C", "e", "e2", "both"))
    _arrow(ax, (top[0] + 0.8, top[1]), (left[0] + 1.8, left[1] + h))
    _arrow(ax, (top[0] + w - 0.8, top[1]), (right[0] + w - 1.8, right[1] + h))
    _arrow(ax, (left[0] + 1.8, left[1]), (bottom[0] + 0.8, bottom[1] + h))
    _arrow(ax, (right[0] + w - 1.8, right[1]), (bottom[0] + w - 0.8, bottom[1] + h))
    _label(ax, 2.3, 6.8, "e", fontstyle="italic", ha="center")
    _label(ax, 8.0, 6.8, "e\u2032", fontstyle="italic", ha="center")
    _label(ax, 2.3, 3.4, "e\u2032", fontstyle="italic", ha="center")
    _label(ax, 8.0, 3.4, "e", fontstyle="italic", ha="center")
    inputs = diamond.inputs
    ax.text(
        0.0,
        0.25,
        f"e: {_delivery_words(diamond.e, inputs)};   "
        f"e\u2032: {_delivery_words(diamond.e2, inputs)};   \u2192 ?: the proposal sent",
        fontsize=_FONT,
        color=INK,
    )
    valence_key(ax, 0.0, -0.45, [v for v in VALENCES if v != "no decision"], 3.3)
    ax.set_xlim(-0.1, 10.4)
    ax.set_ylim(-0.6, 9.6)
    ax.set_axis_off()
    return fig


def diamond_alt_text(diamond: Any) -> str:
    """Alt text for :func:`diamond_figure`."""
    inputs = diamond.inputs
    v = diamond.valence
    same = "the same configuration" if diamond.same else "different configurations"
    return (
        f"Commuting diamond from inputs {''.join(map(str, inputs))}. Configuration C, "
        f"{v['C']}, at the top. Step e ({_delivery_words(diamond.e, inputs)}) leads to a "
        f"{v['e']} configuration on the left; step e-prime "
        f"({_delivery_words(diamond.e2, inputs)}) leads to a {v['e2']} configuration on the "
        f"right. Taking the other step next, both orders reach {same} at the bottom, which "
        f"is {v['both']}."
    )


def _config_words(config: Any) -> str:
    bits = "".join(map(str, config.xs))
    decided = [f"p{p}" for p, d in enumerate(config.decisions) if d is not None]
    return f"x = {bits}" + (f", decided {' '.join(decided)}" if decided else "")


def successors_figure(start: Any, start_valence: str, successors: Sequence[tuple]) -> Figure:
    """``start`` (a configuration) on the left and each of ``successors`` ((configuration,
    valence) pairs, one round later) on the right, coloured by valence; arrows to the
    bivalent successors, the adversary's moves, are drawn thick."""
    if not successors:
        raise ValueError("successors must list at least one configuration")
    k = len(successors)
    row = 1.05
    height = max(3.2, k * row + 1.4)
    fig, ax = new_figure((COLUMN_WIDTH, (0.62 * height + 0.3) * COLUMN_WIDTH / 7.6))
    top = height - 0.4
    sx, sw, sh = 0.0, 2.9, 1.3
    sy = top - (k * row) / 2 - sh / 2
    valence_box(ax, sx, sy, sw, sh, start_valence, thick=True)
    _label(ax, sx + 0.12, sy + sh - 0.45, _config_words(start))
    _label(ax, sx + 0.12, sy + 0.25, start_valence, fontweight="bold")
    bx, bw, bh = 4.6, 5.4, 0.8
    for i, (config, valence) in enumerate(successors):
        y = top - (i + 1) * row
        move = valence == "bivalent"
        valence_box(ax, bx, y, bw, bh, valence, thick=move)
        _label(ax, bx + 0.3, y + 0.22, f"{_config_words(config)}: {valence}")
        _arrow(ax, (sx + sw, sy + sh / 2), (bx, y + bh / 2), linewidth=2.4 if move else 0.9)
    used = [v for v in VALENCES if v in {v for _, v in successors} | {start_valence}]
    valence_key(ax, 0.0, -0.2, used, 2.5)
    ax.set_xlim(-0.1, 10.1)
    ax.set_ylim(-0.4, height)
    ax.set_axis_off()
    return fig


def successors_alt_text(start: Any, start_valence: str, successors: Sequence[tuple]) -> str:
    """Alt text for :func:`successors_figure`."""
    parts = "; ".join(f"{_config_words(c)}, {v}" for c, v in successors)
    moves = sum(1 for _, v in successors if v == "bivalent")
    return (
        f"The configuration {_config_words(start)}, {start_valence}, on the left, with "
        f"arrows to its {len(successors)} possible configurations one round later, each "
        f"coloured by its valence: {parts}. {moves} of them "
        f"{'is' if moves == 1 else 'are'} bivalent (thick arrow): the adversary's move."
    )
