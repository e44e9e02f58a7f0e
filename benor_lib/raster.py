"""The book's page geometry and its figure PNGs: a figure is made for the text column and
shown at its own size, one PNG pixel per CSS pixel, and each PNG records the smallest text
it carries, so that a page (or a test) can tell how large that text is shown.

A leaf below :mod:`benor_lib.publish` and :mod:`benor_lib.figures`, which both use it.
"""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure

__all__ = [
    "COLUMN_PX",
    "FIGURE_DPI",
    "PNG_MIN_FONT_KEY",
    "figure_png",
    "fit_to_column",
    "png_min_font_px",
    "record_min_font",
    "smallest_font_pt",
]

#: Width (CSS px) of a figure in the text column at a 1280 px window (sphinx-book-theme
#: shows figure images at most 672 px wide there).
COLUMN_PX = 672

#: Resolution of the book's figures: PNG pixels per inch, shown as CSS pixels.
FIGURE_DPI = 100


#: PNG text chunks that :func:`figure_png` writes: the smallest font size of the figure in
#: the PNG's own pixels, and the figure's width in CSS px. A page that shows the image
#: ``w`` CSS px wide renders that text at ``min_font_px * w / naturalWidth`` CSS px.
PNG_MIN_FONT_KEY = "benor:min-font-px"


def _visible_texts(fig: Figure, *, draw: bool = True) -> list[Any]:
    from matplotlib.text import Text

    if draw:
        fig.draw_without_rendering()
    return [
        t
        for t in fig.findobj(Text)
        if t.get_visible() and t.get_text().strip() and _shown(t) and t.get_alpha() != 0
    ]


def _shown(artist: Any) -> bool:
    """Whether ``artist`` and every artist it belongs to are visible."""
    while artist is not None:
        if not artist.get_visible():
            return False
        parent = getattr(artist, "axes", None)
        artist = parent if parent is not artist else None
    return True


def smallest_font_pt(fig: Figure, *, draw: bool = True) -> float:
    """The smallest font size (points) of the text ``fig`` shows (tick labels included).

    ``draw=False`` skips drawing ``fig`` first (its tick labels are those of its last draw).
    """
    sizes = [t.get_fontsize() for t in _visible_texts(fig, draw=draw)]
    return float(min(sizes)) if sizes else float("inf")


def fit_to_column(fig: Figure, column_px: float = COLUMN_PX) -> Figure:
    """``fig`` narrowed (its text keeps its size) until its tight PNG is at most
    ``column_px`` pixels wide at :data:`FIGURE_DPI`, so the page shows it at its own size."""
    _render_in_column(fig, column_px)
    return fig


def _render(fig: Figure) -> bytes:
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=FIGURE_DPI, bbox_inches="tight", facecolor="white")
    return buf.getvalue()


def _render_in_column(fig: Figure, column_px: float = COLUMN_PX) -> bytes:
    """The tight PNG of ``fig``, narrowed first if it is wider than ``column_px``."""
    import io

    from PIL import Image

    png = _render(fig)
    for _ in range(4):
        excess = Image.open(io.BytesIO(png)).width - column_px
        if excess <= 0:
            break
        width, height = fig.get_size_inches()
        fig.set_size_inches(width - (excess + 2) / FIGURE_DPI, height)
        png = _render(fig)
    return png


def _with_text_chunk(png: bytes, key: str, value: str) -> bytes:
    """``png`` with a tEXt chunk ``key`` = ``value`` right after its header chunk."""
    import struct
    import zlib

    body = key.encode("latin-1") + b"\0" + value.encode("latin-1")
    chunk = struct.pack(">I", len(body)) + b"tEXt" + body
    chunk += struct.pack(">I", zlib.crc32(b"tEXt" + body) & 0xFFFFFFFF)
    end_of_header = 8 + 4 + 4 + 13 + 4  # signature, then IHDR: length, type, data, CRC
    return png[:end_of_header] + chunk + png[end_of_header:]


def figure_png(fig: Figure) -> bytes:
    """``fig`` as the book shows it: a PNG at :data:`FIGURE_DPI` (tight, white, at most
    :data:`COLUMN_PX` wide) that records its smallest text under :data:`PNG_MIN_FONT_KEY`."""
    return record_min_font(_render_in_column(fig), fig, FIGURE_DPI)


def record_min_font(png: bytes, fig: Figure, dpi: float) -> bytes:
    """``png`` (just drawn from ``fig`` at ``dpi``) with ``fig``'s smallest font size recorded
    under :data:`PNG_MIN_FONT_KEY`, as :func:`figure_png` does: for a widget's picture."""
    smallest = smallest_font_pt(fig, draw=False)
    return _with_text_chunk(png, PNG_MIN_FONT_KEY, f"{smallest * dpi / 72:.2f}")


def png_min_font_px(png: bytes) -> float | None:
    """The smallest font size a :func:`figure_png` image records, in its own pixels."""
    import io

    from PIL import Image

    value = Image.open(io.BytesIO(png)).info.get(PNG_MIN_FONT_KEY)
    return None if value is None else float(value)
