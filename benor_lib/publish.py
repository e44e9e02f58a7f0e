"""Putting figures and tables on a page: Markdown tables, MyST figure snippets with alt
text, HTML with alt text, and embedded animations, with one PNG quantiser for all of them.

Every function here takes a finished matplotlib figure, animation or HTML text; nothing
here draws or simulates.
"""

from __future__ import annotations

import base64
import html
import io
import math
import re
import tempfile
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure
from PIL import Image

from benor_lib.raster import FIGURE_DPI, figure_png, smallest_font_pt


def quantize_png(png: bytes, colors: int = 64) -> bytes:
    """``png`` reduced to a palette of ``colors`` colours (median cut): a much smaller file.

    Its text chunks are kept."""
    from PIL import PngImagePlugin

    original = Image.open(io.BytesIO(png))
    info = PngImagePlugin.PngInfo()
    for key, value in original.info.items():  # text chunks (such as the smallest font size)
        if isinstance(value, str):
            info.add_text(key, value)
    small = original.convert("RGB").quantize(colors=int(colors), method=Image.Quantize.MEDIANCUT)
    out = io.BytesIO()
    small.save(out, format="png", optimize=True, pnginfo=info)
    return out.getvalue()


def _quantized_html_writer(colors: int = 64) -> Any:
    """An HTMLWriter whose PNG frames go through :func:`quantize_png`."""
    from matplotlib.animation import HTMLWriter

    class QuantizedHTMLWriter(HTMLWriter):
        def grab_frame(self, **savefig_kwargs: Any) -> None:
            buf = io.BytesIO()
            self.fig.savefig(buf, format="png", dpi=self.dpi, **savefig_kwargs)
            png = quantize_png(buf.getvalue(), colors)
            self._saved_frames.append(base64.encodebytes(png).decode("ascii"))

    return QuantizedHTMLWriter


def animation_html(anim: Any, *, fig: Figure, interval: float, colors: int = 64) -> str:
    """The HTML (like ``to_jshtml``) of a matplotlib animation, for a static page.

    ``fig`` is the animation's figure and ``interval`` the milliseconds between frames.
    Frames are palette PNGs (:func:`quantize_png`), played once by default; the frame slider
    is labelled (:data:`ANIMATION_SLIDER_LABEL`) and no stylesheet loads from another host.
    The frame image carries ``data-min-font-px``: the smallest font size of the figure in the
    image's own pixels. Show it with ``IPython.display.HTML``.
    """
    writer_class = _quantized_html_writer(colors)
    with (
        tempfile.TemporaryDirectory() as tmp,
        mpl.rc_context({"savefig.bbox": "standard", "animation.embed_limit": 5.0}),
    ):
        path = Path(tmp, "animation.html")
        writer = writer_class(fps=1000.0 / interval, embed_frames=True, default_mode="once")
        anim.save(str(path), writer=writer, dpi=fig.dpi)
        page = label_animation_slider(drop_remote_stylesheets(path.read_text()))
    smallest = smallest_font_pt(fig) * fig.dpi / 72
    page = re.sub(
        r'<img id="_anim_img', f'<img data-min-font-px="{smallest:.2f}" id="_anim_img', page
    )
    return f'<div class="benor-animation">{ANIMATION_STYLE}{page}</div>'


#: Style of an embedded animation (:func:`animation_html`), in the page so that JupyterLab
#: gets it too: centred like the figures, its frames scale down to the column, and its
#: buttons wrap on a narrow screen instead of running off it. On a phone the frames keep
#: their own size (their text stays at least 12 px) and scroll sideways in their box.
ANIMATION_STYLE = """<style>
.benor-animation { display: flex; justify-content: center; max-width: 100%; }
.benor-animation .animation { display: block; max-width: 100%; }
.benor-animation .animation img { display: block; max-width: 100%; height: auto;
  margin: 0 auto; }
.benor-animation input[type=range].anim-slider { width: 100%; max-width: 374px; }
.benor-animation .anim-buttons { display: flex; flex-wrap: wrap; justify-content: center;
  gap: 2px; }
@media (max-width: 600px) {
  .benor-animation .animation { overflow-x: auto; }
  .benor-animation .animation img { max-width: none; }
}
</style>
"""


#: Accessible name of the frame slider of an embedded animation (matplotlib's to_jshtml
#: template labels its buttons, not its slider).
ANIMATION_SLIDER_LABEL = "Animation frame"


def label_animation_slider(html_text: str, label: str = ANIMATION_SLIDER_LABEL) -> str:
    """``html_text`` (matplotlib's to_jshtml) with an ``aria-label`` on each frame slider."""
    quoted = html.escape(label, quote=True)

    def add(match: re.Match[str]) -> str:
        tag = match.group(0)
        if re.search(r"\baria-label(?:ledby)?\s*=", tag, flags=re.IGNORECASE):
            return tag
        return tag[:-1] + f' aria-label="{quoted}">'

    return re.sub(r'<input\b[^>]*\bid="_anim_slider[^"]*"[^>]*>', add, html_text)


_REMOTE_STYLESHEET = re.compile(
    r"""<link\b[^>]*\brel=["']?stylesheet["']?[^>]*\bhref=["']?(?:https?:)?//[^>]*>\s*""",
    re.IGNORECASE,
)


def drop_remote_stylesheets(html_text: str) -> str:
    """``html_text`` without ``<link rel="stylesheet">`` tags that load from another host.

    matplotlib's to_jshtml template loads Font Awesome 4 from a CDN for its buttons' icons
    (``<i class="fa fa-play">``). The book's pages have Font Awesome already (the theme
    ships it), as has JupyterLab, so the page needs no request to another host.
    """
    return _REMOTE_STYLESHEET.sub("", html_text)


def markdown_table(
    headers: list[str], rows: list[list[Any]], align: str | None = None, digits: int = 3
) -> str:
    """A Markdown (MyST) table: ``headers``, then one line per row.

    Floats are written by :func:`format_number` with ``digits`` significant digits (no
    trailing zeros; tiny or huge ones as a power of ten); other values as they print.

    ``align`` has one letter per column: "l" (left), "r" (right) or "c" (centred); numbers
    are right-aligned and text left-aligned by default. Display the result with
    ``IPython.display.Markdown``.
    """

    def cell(value: Any) -> str:
        if isinstance(value, (float, np.floating)):
            return format_number(value, digits)
        return str(value).replace("|", "\\|")

    if align is None:
        first = rows[0] if rows else []
        align = "".join(
            "r" if isinstance(v, (int, float, np.integer, np.floating)) else "l" for v in first
        ) or "l" * len(headers)
    if len(align) != len(headers) or any(len(r) != len(headers) for r in rows):
        raise ValueError("every row and align must have one entry per header")
    marks = {"l": ":--", "r": "--:", "c": ":-:"}
    lines = [
        "| " + " | ".join(headers) + " |",
        "| " + " | ".join(marks[a] for a in align) + " |",
    ]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def format_number(value: float, digits: int = 3, *, math_markup: bool = True) -> str:
    """``value`` written for a reader.

    Integers (and floats with no fractional part below 10^15) in full, with thousands
    separators: "1,024". Other numbers with ``digits`` significant digits, never fewer than
    their integer part has, and no trailing zeros: "1.94", "0.207", "12,345.7". Numbers
    below 0.001 or from 10^15 on as a power of ten: with ``math_markup`` as Markdown math,
    ``$1.45 \\times 10^{-7}$`` (for tables and Markdown output), otherwise as text,
    "1.45 × 10⁻⁷" (for ``{eval}`` in prose, which shows text as it is). NaN is "–".
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, (int, float, np.integer, np.floating)
    ):
        raise ValueError(f"value must be a number, got {value!r}")
    if isinstance(digits, bool) or not isinstance(digits, (int, np.integer)) or digits < 1:
        raise ValueError(f"digits must be a whole number >= 1, got {digits!r}")
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    x = float(value)
    if math.isnan(x):
        return "–"
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    if x == 0:
        return "0"
    size = abs(x)
    if size < 1e15 and x == round(x):
        return f"{round(x):,}"
    if 1e-3 <= size < 1e15:
        decimals = max(0, digits - 1 - math.floor(math.log10(size)))
        text = f"{x:,.{decimals}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return text
    mantissa, exponent = f"{x:.{digits - 1}e}".split("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    power = int(exponent)
    if math_markup:
        return f"${mantissa} \\times 10^{{{power}}}$"
    return f"{mantissa} × 10{str(power).translate(_SUPERSCRIPTS)}"


def figure_markdown(
    fig: Figure,
    *,
    alt: str,
    caption: str,
    name: str,
    dpi: float | None = None,
    colors: int | None = 64,
) -> str:
    """A MyST ``figure`` directive that embeds ``fig`` as a PNG (a data URI) with ``alt`` text.

    By default the PNG is :func:`benor_lib.raster.figure_png`: at most the text
    column's width, shown at its own size, with its smallest font size recorded in it; a
    ``dpi`` other than the book's draws it at that resolution instead.

    Cell metadata can only hold alt text fixed in advance; use this for a figure whose alt
    text is computed when the book is built (such as
    :func:`benor_lib.figures.spacetime.space_time_alt_text`). Show the result as the
    Markdown output of a cell, ``IPython.display.Markdown(md)``. ``name`` is the label that
    ``{numref}`` refers to; whitespace in ``alt`` is collapsed to single spaces. With
    ``colors`` the PNG is reduced to that many colours (a much smaller page); None keeps all.
    """
    dpi = FIGURE_DPI if dpi is None else dpi
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", name):
        raise ValueError(f"name must be a label like 'fig-round-1', got {name!r}")
    alt_text = " ".join(str(alt).split())
    if not alt_text:
        raise ValueError("alt must describe the figure; got an empty text")
    caption_text = str(caption).strip()
    if not caption_text:
        raise ValueError("caption must not be empty")
    if dpi == FIGURE_DPI:
        png = figure_png(fig)
    else:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
        png = buf.getvalue()
    if colors is not None:
        png = quantize_png(png, colors)
    data = base64.b64encode(png).decode("ascii")
    return (
        f":::{{figure}} data:image/png;base64,{data}\n"
        f":alt: {alt_text}\n"
        f":name: {name}\n\n"
        f"{caption_text}\n"
        ":::\n"
    )


def html_with_alt(html_text: str, alt: str) -> str:
    """``html_text`` with ``alt`` (and a matching ``aria-label``) on every ``<img>`` lacking alt.

    :func:`stepper_animation_html` draws its frames into an ``<img>`` without alt text;
    this gives readers of the static page who cannot see it a description of the round.
    """
    alt_text = " ".join(str(alt).split())
    if not alt_text:
        raise ValueError("alt must describe the image; got an empty text")
    quoted = html.escape(alt_text, quote=True)

    def label(match: re.Match[str]) -> str:
        attrs = match.group(1)
        if re.search(r"\balt\s*=", attrs, flags=re.IGNORECASE):
            return match.group(0)
        return f'<img{attrs} alt="{quoted}" aria-label="{quoted}">'

    return re.sub(r"<img\b([^>]*?)\s*/?>", label, html_text, flags=re.IGNORECASE)


def duration_words(seconds: float) -> str:
    """A measured time as words that stay true on a similar machine: "in under a tenth of
    a second", "in under a second", "in under 3 seconds", "in about 12 seconds"."""
    s = float(seconds)
    if not math.isfinite(s) or s < 0:
        raise ValueError(f"seconds must be a finite number >= 0, got {seconds!r}")
    if s < 0.1:
        return "in under a tenth of a second"
    if s < 1:
        return "in under a second"
    if s < 10:
        return f"in under {math.ceil(s)} seconds" if math.ceil(s) > 1 else "in under a second"
    return f"in about {round(s)} seconds"
