"""Messages per round and rounds against n for the three variants, from real runs."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from benor_lib.analysis.variants import (
    message_counts,
    messages_per_round_formula,
    points_table,
    rounds_by_n,
)
from benor_lib.figures import style
from benor_lib.figures.variants import (
    message_count_alt_text,
    message_count_figure,
    variant_rounds_alt_text,
    variant_rounds_figure,
)


def test_formula():
    assert messages_per_round_formula(5, "crash") == 50
    assert messages_per_round_formula(5, "byzantine") == 50
    assert messages_per_round_formula(4, "bracha") == 3 * 4 * (4 + 32)
    with pytest.raises(ValueError, match="variant"):
        messages_per_round_formula(4, "paxos")


def test_measured_messages_follow_the_counts():
    pts = message_counts([4, 7], runs=3, seed=1)
    by = {(p.variant, p.n): p for p in pts}
    assert {v for v, _ in by} == {"crash", "byzantine", "bracha"}
    for p in pts:
        # at least one full round is sent per round; the run ends part-way into the next
        assert p.formula <= p.mean <= 2 * p.formula
    # Bracha's count grows like n^3, Ben-Or's like n^2: the ratio grows with n
    assert by["bracha", 7].mean / by["crash", 7].mean > by["bracha", 4].mean / by["crash", 4].mean
    assert len(points_table(pts)[0]) == 5


def test_rounds_by_n_leaves_out_configurations_outside_the_bound():
    pts = rounds_by_n([4, 6], runs=4, seed=2, t=1)
    assert {(p.variant, p.n) for p in pts} == {
        ("crash", 4),
        ("crash", 6),
        ("byzantine", 6),
        ("bracha", 4),
        ("bracha", 6),
    }
    assert all(p.mean >= 1 and p.runs == 4 for p in pts)
    assert all((p.exact is not None) == (p.variant == "crash") for p in pts)
    with pytest.raises(ValueError, match="ns"):
        rounds_by_n([], runs=2)


def test_figures_and_alt_text():
    pts = message_counts([4, 5], runs=2, variants=("crash", "bracha"))
    fig = message_count_figure(pts)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and ax.get_legend() is not None
    text = message_count_alt_text(pts)
    assert "n = 5" in text and f"{pts[-1].formula:,}" in text
    rpts = rounds_by_n([4], runs=3, variants=("crash", "bracha"))
    fig = variant_rounds_figure(rpts)
    assert fig.axes[0].get_ylim()[0] == 0
    assert "Bracha" in variant_rounds_alt_text(rpts)
    with pytest.raises(ValueError, match="VariantPoint"):
        message_count_figure([])


def test_figure_text_is_readable_at_column_width():
    """Made for the text column at the book's type scale: the PNG the page shows at its own
    size is at most the column wide, and its smallest text is at least 12 CSS px."""
    pts = message_counts([4], runs=2, variants=("crash", "bracha"))
    for fig in (message_count_figure(pts), variant_rounds_figure(rounds_by_n([4], runs=2))):
        png = style.figure_png(fig)
        assert Image.open(io.BytesIO(png)).width <= style.COLUMN_PX
        assert style.smallest_font_pt(fig) >= style.MIN_FONT_PT
        assert style.png_min_font_px(png) >= 12
