"""One figure system (issue 19): every figure of the book is made for the text column at one
type scale, static figures show only what they contain, legends list only what is drawn, and
hatching stands for the value 1 alone."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from PIL import Image

import benor_lib as bl
from benor_lib import analysis, figures, impossibility, publish
from benor_lib.analysis.flp import find_diamond
from benor_lib.apps.explorer import model as em
from benor_lib.apps.stepper.model import StepperSession
from benor_lib.figures import style


def _run() -> bl.Run:
    return bl.run(5, 1, [0, 0, 1, 1, 1], seed=3)


def _byzantine_round():
    run = bl.run(
        6,
        1,
        [0, 0, 0, 0, 0, 1],
        variant="byzantine",
        scheduler="split",
        faults=[bl.Byzantine(5, "equivocate")],
        seed=0,
    )
    return figures.through_round(run, 1)


def _builders():
    """(name, function making a figure) for every figure function the chapters use."""
    parity = impossibility.explore_valence(3, 1, "pid_parity")
    start = parity.bivalent_initial[0]
    session = em.ExplorerSession(em.ExplorerSettings(n=5, t=1, runs=200))
    session.update(em.ExplorerSettings(n=5, t=1, runs=200, scheduler="split", scale="log"))
    stuck = bl.run(5, 1, [0, 0, 1, 1, 1], scheduler="split", coin="keep", max_rounds=12, seed=0)
    panels = [
        {
            "title": "Mean round count (exact)",
            "ylabel": "mean rounds",
            "series": [
                {"label": f"series {i}", "x": np.arange(3, 20), "y": np.arange(3, 20) ** (i + 1)}
                for i in range(4)
            ],
        }
    ]
    return [
        ("value key", figures.value_key_figure),
        ("round values", lambda: figures.round_values_figure(_run())),
        ("round values, undecided", lambda: figures.round_values_figure(stuck)),
        ("outcome bars", lambda: figures.outcome_bars_figure(analysis.outcomes_by_ones(5, 2, 8))),
        ("space-time", lambda: figures.space_time_figure(figures.through_round(_run(), 1), 1)),
        ("byzantine space-time", lambda: figures.fault_space_time_figure(_byzantine_round(), 1)),
        ("undecided", lambda: figures.undecided_figure({"a": [1.0, 0.5, 0.2, 0.1]})),
        ("bound", lambda: figures.termination_bound_figure(((3, 1, 12), (5, 2, 20)))),
        ("rounds by n", lambda: figures.rounds_by_n_figure(panels * 2)),
        ("decision split", lambda: figures.decision_split_figure([0.6, 0.2, 0.01], [0, 0.2, 0.0])),
        ("histogram", lambda: figures.rounds_histogram_figure(session.current, session.previous)),
        (
            "histogram, side",
            lambda: figures.rounds_histogram_figure(
                session.current, session.previous, layout="side"
            ),
        ),
        ("diamond", lambda: figures.diamond_figure(find_diamond(parity))),
        (
            "successors",
            lambda: figures.successors_figure(
                impossibility.Config.initial(start),
                parity.classify(start),
                parity.successors(start),
            ),
        ),
    ]


@pytest.fixture(scope="module")
def book_figures() -> dict[str, Figure]:
    return {name: make() for name, make in _builders()}


def test_every_figure_fits_the_column_at_the_type_scale(book_figures):
    """The PNG the page shows is at most the column wide (shown at its own size), and its
    smallest text, recorded in the PNG, is at least the scale's minimum: >= 12 CSS px."""
    assert style.MIN_FONT_PX >= 12
    for name, fig in book_figures.items():
        png = style.figure_png(fig)
        width = Image.open(io.BytesIO(png)).width
        assert width <= style.COLUMN_PX, (name, width)
        assert style.smallest_font_pt(fig) >= style.MIN_FONT_PT, name
        assert style.png_min_font_px(png) >= style.MIN_FONT_PX, name
        families = {t.get_fontname() for t in fig.findobj(lambda a: hasattr(a, "get_fontname"))}
        assert families <= {"DejaVu Sans"}, (name, families)


def test_hatching_stands_for_the_value_1_alone(book_figures):
    """Stripes only on the value 1's vermillion; dots only on the grey of "?"."""
    own = {style.HATCHES[1]: to_rgb(style.COLORS[1]), style.HATCHES["?"]: to_rgb(style.COLORS["?"])}
    striped = 0
    for name, fig in book_figures.items():
        for patch in fig.findobj(lambda a: hasattr(a, "get_hatch")):
            hatch = patch.get_hatch()
            if hatch:
                assert hatch in own and to_rgb(patch.get_facecolor()) == own[hatch], (name, hatch)
                striped += hatch == style.HATCHES[1]
    assert striped  # the test sees the value 1's stripes somewhere


def _legend_labels(fig: Figure) -> list[str]:
    return [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().texts]


def test_static_space_time_shows_no_now_line_and_nothing_in_flight():
    state = StepperSession(n=5, t=1, inputs=(0, 0, 1, 1, 1), seed=3).state_at(20)
    assert any(m.round == 1 for m in state.pending)  # there is something in flight
    static = figures.space_time_figure(state, round=1)
    gids = {a.get_gid() for a in static.findobj() if a.get_gid()}
    assert not gids & {"now", "in_flight"}
    texts = [t.get_text() for t in static.axes[0].texts]
    assert not [t for t in texts if "now" in t]
    assert not [label for label in _legend_labels(static) if "flight" in label]
    assert "in flight" not in figures.space_time_alt_text(state, 1)
    live = figures.space_time_figure(state, round=1, static=False)
    assert {"now", "in_flight"} <= {a.get_gid() for a in live.findobj() if a.get_gid()}
    assert any("flight" in label for label in _legend_labels(live))
    # while stepping, the legend stays put: it lists what the round can show, decisions too
    start = figures.space_time_figure(
        StepperSession(n=5, t=1, inputs=(0, 0, 1, 1, 1), seed=3).state_at(0), 1, static=False
    )
    assert _legend_labels(start) == _legend_labels(live)
    assert any("decides" in label for label in _legend_labels(live))


def test_legends_list_only_what_is_drawn(book_figures):
    state = StepperSession(n=5, t=1, inputs=(0, 0, 1, 1, 1), seed=3).state_at(20)
    labels = _legend_labels(figures.space_time_figure(state, round=1))
    assert not [label for label in labels if "decides" in label]  # nobody decided yet
    decided = book_figures["byzantine space-time"]
    assert any("decides" in label for label in _legend_labels(decided))
    assert "decides in this round" not in _legend_labels(book_figures["round values, undecided"])
    assert "decides in this round" in _legend_labels(book_figures["round values"])


def test_side_by_side_panels_fit_their_own_samples(book_figures):
    left, right = book_figures["histogram, side"].axes
    for ax in (left, right):
        bars = [p for p in ax.patches if p.get_height() > 0]
        right_edge = max(p.get_x() + p.get_width() for p in bars)
        lo, hi = ax.get_xlim()
        assert (right_edge - lo) / (hi - lo) > 0.6


def test_animation_keeps_its_axes_and_is_sized_for_the_column():
    session = StepperSession(n=3, t=1, seed=1)
    anim = figures.stepper_animation(session)
    fig = anim.book_figure
    limits = []
    for i in (0, len(anim.captions) - 1):
        anim._func(i)
        limits.append(fig.axes[0].get_xlim())
    assert limits[0] == limits[1]
    assert fig.get_size_inches()[0] * fig.dpi <= style.COLUMN_PX
    assert style.smallest_font_pt(fig) >= style.MIN_FONT_PT


def test_animation_html_is_centred_scales_and_records_its_text_size():
    html = figures.stepper_animation_html(StepperSession(n=3, t=1, seed=1), dpi=30)
    assert html.startswith('<div class="benor-animation">')
    assert "max-width: 100%" in html and "flex-wrap: wrap" in html
    size = float(re.search(r'data-min-font-px="([0-9.]+)"', html).group(1))
    assert size == pytest.approx(style.MIN_FONT_PT * 30 / 72, abs=0.01)


def test_figure_markdown_keeps_the_recorded_text_size():
    md = publish.figure_markdown(
        figures.value_key_figure(), alt="key", caption="Key.", name="fig-key"
    )
    data = re.search(r"data:image/png;base64,(\S+)", md).group(1)
    import base64

    assert style.png_min_font_px(base64.b64decode(data)) >= style.MIN_FONT_PX
