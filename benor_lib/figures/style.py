"""The book's one look: the colours, markers and hatches that stand for the values 0 and 1
(and for "no value yet", ``"?"``), the styles of other series, the matplotlib settings every
figure uses, and the functions that create a styled figure.

Figures are made without :mod:`matplotlib.pyplot`, so a notebook cell that ends with a
figure shows it exactly once and no figure stays open in pyplot's registry.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import matplotlib as mpl
import numpy as np
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

# The page geometry and the book's PNGs live in benor_lib.raster; re-exported here.
from benor_lib.raster import (
    COLUMN_PX as COLUMN_PX,
)
from benor_lib.raster import (
    FIGURE_DPI as FIGURE_DPI,
)
from benor_lib.raster import (
    PNG_MIN_FONT_KEY as PNG_MIN_FONT_KEY,
)
from benor_lib.raster import (
    figure_png as figure_png,
)
from benor_lib.raster import (
    fit_to_column as fit_to_column,
)
from benor_lib.raster import (
    png_min_font_px as png_min_font_px,
)
from benor_lib.raster import (
    record_min_font as record_min_font,
)
from benor_lib.raster import (
    smallest_font_pt as smallest_font_pt,
)

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


#: The book's type scale: every figure is made for the text column and shown at its own
#: size (the page geometry is :mod:`benor_lib.raster`'s), so that a point of text is always
#: ``FIGURE_DPI / 72`` CSS pixels.

#: Width (inches) of a figure that fills the text column.
COLUMN_WIDTH = COLUMN_PX / FIGURE_DPI

#: Font sizes (points) of the type scale: titles, labels and annotations, and the small
#: size (tick labels, legends) that is also the smallest text any figure may carry.
FONT_SIZES: dict[str, float] = {"title": 11.0, "text": 10.0, "small": 9.0}

#: The smallest font size (points) a figure may use, and what it is on the page (CSS px)
#: when the figure is shown at its own size: 9 pt at 100 dpi is 12.5 px.
MIN_FONT_PT = FONT_SIZES["small"]
MIN_FONT_PX = MIN_FONT_PT * FIGURE_DPI / 72

#: The one face of every figure (matplotlib ships it, so every machine draws the same).
FONT_FAMILY = "DejaVu Sans"

#: Default figure size in inches (width, height): the width of the text column.
FIGSIZE: tuple[float, float] = (COLUMN_WIDTH, 3.4)


#: The matplotlib settings behind every figure of the book.
BOOK_RC: dict[str, Any] = {
    # opaque white backgrounds, so that figures read in the theme's dark mode too
    "figure.facecolor": "white",
    "figure.edgecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.edgecolor": "white",
    "savefig.transparent": False,
    # size and resolution: one PNG pixel per CSS pixel (see COLUMN_PX)
    "figure.figsize": FIGSIZE,
    "figure.dpi": FIGURE_DPI,
    "savefig.dpi": FIGURE_DPI,
    "savefig.bbox": "tight",
    "figure.constrained_layout.use": True,
    # one face, one type scale (FONT_SIZES); no text smaller than MIN_FONT_PT
    "font.family": "sans-serif",
    "font.sans-serif": [FONT_FAMILY],
    "mathtext.fontset": "dejavusans",
    "font.size": FONT_SIZES["text"],
    "axes.titlesize": FONT_SIZES["title"],
    "axes.titleweight": "bold",
    "figure.titlesize": FONT_SIZES["title"],
    "figure.titleweight": "bold",
    "axes.labelsize": FONT_SIZES["text"],
    "xtick.labelsize": FONT_SIZES["small"],
    "ytick.labelsize": FONT_SIZES["small"],
    "legend.fontsize": FONT_SIZES["small"],
    "legend.title_fontsize": FONT_SIZES["small"],
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
    """Register a PNG display for figures in IPython (what ``%matplotlib inline`` would do):
    :func:`~benor_lib.raster.figure_png`, so a figure that ends a cell is sized and tagged
    like every other."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    png_formatter = shell.display_formatter.formatters["image/png"]
    if png_formatter.type_printers.get(Figure) is not _figure_png_base64:
        png_formatter.for_type(Figure, _figure_png_base64)


def _figure_png_base64(fig: Figure) -> str:
    import base64

    return base64.b64encode(figure_png(fig)).decode("ascii")


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


def reuse_figure(
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


def legend_below(ax: Axes, *, ncol: int = 2, gap: float = 0.55, **kwargs: Any) -> Any:
    """A legend under ``ax``'s x-axis label (``gap`` inches below the axes), off the data.

    The constrained layout makes room for it; ``kwargs`` go to ``Axes.legend``.
    """
    from matplotlib.transforms import ScaledTranslation

    anchor = ax.transAxes + ScaledTranslation(0, -gap, ax.figure.dpi_scale_trans)
    return ax.legend(
        loc="upper center", bbox_to_anchor=(0.5, 0.0), bbox_transform=anchor, ncol=ncol, **kwargs
    )


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
