"""Helpers every widget of the book shares: a message area, safe callbacks, parsing, HTML.

A widget must never show a traceback: callbacks are wrapped with :func:`guarded`, which turns
a ``ValueError`` into a plain message in a :class:`MessageArea` (and any other error into a
short apology), and the widget stays usable.
"""

from __future__ import annotations

import functools
import html
import io
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import ipywidgets as widgets
from traitlets import Unicode

from benor_lib.figures import COLORS, INK, MARKERS
from benor_lib.raster import record_min_font

F = TypeVar("F", bound=Callable[..., Any])

KERNEL_NOTE = (
    "This is an interactive widget: it comes alive on Binder or in local Jupyter. "
    "In the static HTML page it does nothing; use the animation or the figures instead."
)
"""The sentence a widget cell shows so that readers of the static HTML know what to expect."""

_GLYPHS = {"o": "●", "s": "■", "D": "◆", "^": "▲", "v": "▼", "*": "★", "P": "✚", "X": "✖"}

_STYLES = {
    "error": ("#FDECEA", "#B3261E", "⚠ "),
    "info": ("#EEF4FB", "#0B4F8A", ""),
    "ok": ("#EDF7EE", "#1E6B2F", ""),
}


class MessageArea(widgets.HTML):
    """A line of text for errors and notes; empty when there is nothing to say."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.kind = ""
        self.text = ""

    def show(self, text: str, kind: str = "info") -> None:
        """Show ``text`` as "error", "info" or "ok"."""
        background, color, prefix = _STYLES.get(kind, _STYLES["info"])
        self.kind, self.text = kind, text
        self.value = (
            f'<div role="{"alert" if kind == "error" else "status"}" '
            f'style="background:{background};color:{color};padding:4px 8px;'
            f'border-radius:4px;margin:2px 0">{prefix}{html.escape(text)}</div>'
        )

    def error(self, text: str) -> None:
        """Show an error: what was wrong and what is allowed."""
        self.show(text, "error")

    def info(self, text: str) -> None:
        """Show a note."""
        self.show(text, "info")

    def clear(self) -> None:
        """Show nothing."""
        self.kind, self.text, self.value = "", "", ""

    @property
    def has_error(self) -> bool:
        """True when an error is shown."""
        return self.kind == "error"


def guarded(area: MessageArea, *, clear: bool = True) -> Callable[[F], F]:
    """Decorate a widget callback so that errors become messages in ``area``.

    A ``ValueError`` shows its own text (it says what was wrong); anything else shows a short
    apology with the error's type. With ``clear`` a successful call clears the area first.
    """

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                if clear:
                    area.clear()
                return func(*args, **kwargs)
            except ValueError as exc:
                area.error(_sentence(str(exc)))
            except Exception as exc:  # never a traceback in a widget
                area.error(
                    f"Something went wrong ({type(exc).__name__}: {exc}). "
                    "The widget is still usable: try other settings or reset."
                )
            return None

        return wrapper  # type: ignore[return-value]

    return decorate


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return "That did not work."
    return text if text.endswith((".", "!", "?")) else text + "."


def parse_int(text: object, name: str, low: int | None = None, high: int | None = None) -> int:
    """A whole number from a text box (or an int); ValueError says what is allowed."""
    if isinstance(text, bool):
        raise ValueError(f"{name} must be a whole number, got {text!r}")
    if isinstance(text, int):
        value = text
    else:
        raw = str(text).strip()
        try:
            value = int(raw)
        except ValueError:
            raise ValueError(f"{name} must be a whole number, got {raw!r}") from None
    if low is not None and high is not None and not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}, got {value}")
    if low is not None and value < low:
        raise ValueError(f"{name} must be at least {low}, got {value}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be at most {high}, got {value}")
    return value


def value_html(value: int | str | None, text: str | None = None) -> str:
    """A value as HTML in the book's style: its colour and its marker glyph, then its text.

    ``value`` is 0, 1, or None / "?" for ``?``. The glyph carries the value without colour.
    """
    key: int | str = "?" if value is None or value == "?" else int(value)
    glyph = _GLYPHS.get(MARKERS[key], "•")
    label = html.escape(str(key) if text is None else text)
    return (
        f'<span style="color:{COLORS[key]};font-weight:600;white-space:nowrap">'
        f'<span aria-hidden="true">{glyph}</span>&#8239;{label}</span>'
    )


def html_table(
    header: Sequence[str], rows: Sequence[Sequence[str]], *, caption: str | None = None
) -> str:
    """A compact HTML table. Cells are HTML already (escape plain text with html.escape)."""
    cell = f"padding:2px 8px;border-bottom:1px solid #DDD;text-align:left;color:{INK}"
    head = "".join(f'<th scope="col" style="{cell}">{h}</th>' for h in header)
    body = "".join(
        "<tr>" + "".join(f'<td style="{cell}">{c}</td>' for c in row) + "</tr>" for row in rows
    )
    # the caption's colour is set, not inherited: the theme's muted caption grey is
    # unreadable on the table's white background in dark mode
    cap = (
        f'<caption style="text-align:left;color:{INK};background:white;padding:2px 8px">'
        f"{caption}</caption>"
        if caption
        else ""
    )
    return (
        '<table style="border-collapse:collapse;font-size:90%;background:white">'
        f"{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


class DescribedImage(widgets.Image):
    """An ``ipywidgets.Image`` whose ``tooltip`` is its text alternative (the img's title).

    Set ``tooltip`` to what the image shows, and update it with the image. Why a subclass:
    the ipywidgets 8.1 front end (also html-manager, which draws the static pages) shows a
    tooltip only on a widget whose ``description`` is empty, and reads
    ``description.length`` without checking that the widget has one. An ``Image`` has none,
    so with a tooltip its view fails to render at all (TypeError "reading 'length'"; see
    jupyter-widgets/ipywidgets#3921). This image syncs an empty ``description``, and the
    front end then writes the tooltip as the img's ``title``, which assistive technology
    reads as its name.
    """

    description = Unicode("", help="Always empty: lets the front end show the tooltip.").tag(
        sync=True
    )


def figure_png(fig: Any, dpi: float = 90) -> bytes:
    """A matplotlib figure as PNG bytes (for an ``ipywidgets.Image``), recording its smallest
    text as the book's figures do (:func:`benor_lib.raster.record_min_font`)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return record_min_font(buf.getvalue(), fig, dpi)


def button(description: str, tooltip: str, *, width: str = "auto", **kwargs: Any) -> widgets.Button:
    """A button with a tooltip (its accessible description)."""
    return widgets.Button(
        description=description,
        tooltip=tooltip,
        layout=widgets.Layout(width=width),
        **kwargs,
    )


def kernel_note() -> widgets.HTML:
    """The note that the widget needs a live kernel (Binder or local Jupyter)."""
    return widgets.HTML(f'<p style="font-size:90%;color:#555">{html.escape(KERNEL_NOTE)}</p>')
