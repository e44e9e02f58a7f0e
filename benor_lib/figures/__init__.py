"""Every figure the book draws, in one shared look.

One module per job:

- :mod:`~benor_lib.figures.style`: the look (colours, markers, hatches, matplotlib
  settings) and the functions that create a styled figure;
- :mod:`~benor_lib.figures.spacetime`: the space-time diagram of a round, and its animation;
- :mod:`~benor_lib.figures.outcomes`: values round by round, outcome tallies;
- :mod:`~benor_lib.figures.rounds`: round counts (undecided curves, histograms, against n);
- :mod:`~benor_lib.figures.byzantine`: a round with its Byzantine processes marked;
- :mod:`~benor_lib.figures.flp`: FLP's proof pictured: configurations coloured by valence.

Every figure function returns a :class:`matplotlib.figure.Figure`. The computations behind
the figures live in :mod:`benor_lib.analysis`; putting figures and tables on a page
(Markdown, alt text, PNG size) in :mod:`benor_lib.publish`. This package re-exports the
figure functions and style names the chapters and apps use.
"""

from benor_lib.figures.byzantine import (
    byzantine_pids,
    fault_space_time_alt_text,
    fault_space_time_figure,
    without_byzantine_inner_events,
)
from benor_lib.figures.flp import (
    diamond_alt_text,
    diamond_figure,
    successors_alt_text,
    successors_figure,
)
from benor_lib.figures.outcomes import outcome_bars_figure, round_values_figure
from benor_lib.figures.rounds import (
    decision_split_figure,
    draw_rounds_histogram,
    redraw_rounds_histogram,
    rounds_by_n_figure,
    rounds_histogram_alt_text,
    rounds_histogram_figure,
    termination_bound_figure,
    undecided_figure,
)
from benor_lib.figures.spacetime import (
    draw_space_time,
    space_time_alt_text,
    space_time_figure,
    stepper_animation,
    stepper_animation_html,
    through_round,
)
from benor_lib.figures.style import (
    COLORS,
    HATCHES,
    INK,
    MARKERS,
    OTHER_COLORS,
    bar_style,
    book_style,
    marker_style,
    new_figure,
    new_figure_grid,
    series_style,
    use_book_style,
    value_key_figure,
)

__all__ = [
    "COLORS",
    "HATCHES",
    "INK",
    "MARKERS",
    "OTHER_COLORS",
    "bar_style",
    "book_style",
    "byzantine_pids",
    "decision_split_figure",
    "diamond_alt_text",
    "diamond_figure",
    "draw_rounds_histogram",
    "draw_space_time",
    "fault_space_time_alt_text",
    "fault_space_time_figure",
    "marker_style",
    "new_figure",
    "new_figure_grid",
    "outcome_bars_figure",
    "redraw_rounds_histogram",
    "round_values_figure",
    "rounds_by_n_figure",
    "rounds_histogram_alt_text",
    "rounds_histogram_figure",
    "series_style",
    "space_time_alt_text",
    "space_time_figure",
    "stepper_animation",
    "stepper_animation_html",
    "successors_alt_text",
    "successors_figure",
    "termination_bound_figure",
    "through_round",
    "undecided_figure",
    "use_book_style",
    "value_key_figure",
    "without_byzantine_inner_events",
]
