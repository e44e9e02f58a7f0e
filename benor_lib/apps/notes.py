"""The note under a widget, which says the right thing in each face of the book.

A widget needs a running Python kernel. In the static HTML it shows its starting view only,
so the note there says where it comes alive. In JupyterLab (local, Binder or JupyterLite)
the same note invites the reader to try something instead.

One output carries both texts: a ``text/html`` note for the static page and a live
``ipywidgets.HTML`` view (``application/vnd.jupyter.widget-view+json``) for a live front
end. JupyterLab ranks the widget view first, so a live reader sees the invitation. The
book's HTML build ranks ``text/html`` before widget views (``nb_mime_priority_overrides``
in ``_config.yml``), so the static page shows the note; outputs of ordinary widgets have
no ``text/html`` and are not affected.

Given the widget it belongs to, the note's static side is also the widget's *fallback*: a
page whose widget JavaScript does not run (offline without the embedder, scripts blocked,
an ad-blocker) draws no widget at all, so the note then says what the widget does and
shows a picture of its starting view (:class:`WidgetPreview`, from the widget's
``preview()``). The book's stylesheet (``_static/book.css``) hides that part wherever the
widget itself was drawn in the same cell; the sentence on where the widget comes alive
stays.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from typing import Any, Protocol

import ipywidgets as widgets

from benor_lib.live import live_chapter_url

STATIC_NOTE = (
    "This widget needs a running Python kernel, so on this web page it shows only its "
    "starting view. To use it, open the chapter live: in JupyterLite (in your browser, no "
    "install), on Binder, or in your own JupyterLab."
)
"""What the static page says under every widget."""

_LITE_WORDS = "in JupyterLite (in your browser, no install)"

LIVE_PREFIX = "Live: this widget runs in your kernel."
"""How the live note starts, before the chapter's invitation."""

_NOTE_STYLE = "font-size:90%;color:#444;border-left:3px solid #0B4F8A;padding:2px 8px;margin:4px 0"


def _note_html(text: str, css_class: str) -> str:
    return f'<p class="{css_class}" style="{_NOTE_STYLE}">{html.escape(text)}</p>'


@dataclass(frozen=True)
class WidgetPreview:
    """What stands in for a widget where its JavaScript does not run.

    ``name`` names the widget ("The round stepper"), ``summary`` says in a sentence or two
    what it does, ``png`` is the picture it shows now (``b""``: none) and ``alt`` that
    picture's text alternative.
    """

    name: str
    summary: str
    png: bytes
    alt: str

    def __post_init__(self) -> None:
        needed = ("name", "summary", "alt") if self.png else ("name", "summary")
        for field in needed:
            value = getattr(self, field)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"a widget preview needs a non-empty {field}; got {value!r}")
        if not isinstance(self.png, bytes) or (self.png and not self.png.startswith(b"\x89PNG")):
            raise ValueError("a widget preview's png must be the bytes of a PNG picture, or b''")


class Previewable(Protocol):
    """A widget that can say what it is and show its current picture."""

    def preview(self) -> WidgetPreview: ...


def _static_html(static: str, chapter: str | None, preview: WidgetPreview | None) -> str:
    """The note for the static page, with a link to the live copy and the widget's fallback."""
    text = html.escape(static)
    if chapter is not None and _LITE_WORDS in static:
        link = html.escape(live_chapter_url(chapter), quote=True)
        text = text.replace(
            html.escape(_LITE_WORDS),
            f'<a href="{link}">in JupyterLite</a> (in your browser, no install)',
            1,
        )
    note = f'<p class="benor-static-note">{text}</p>'
    if preview is None:
        return f'<div class="benor-widget-fallback">{note}</div>'
    figure = ""
    if preview.png:
        data = base64.b64encode(preview.png).decode("ascii")
        alt = html.escape(preview.alt, quote=True)
        figure = (
            '<figure class="benor-fallback-figure">'
            f'<img class="benor-fallback-image" src="data:image/png;base64,{data}" alt="{alt}">'
            "<figcaption>What the widget shows when it starts, drawn when this chapter was "
            "built.</figcaption></figure>"
        )
    return (
        '<div class="benor-widget-fallback">'
        '<div class="benor-fallback-body">'
        f'<p class="benor-fallback-what"><strong>{html.escape(preview.name)}</strong> is an '
        "interactive widget, and your browser did not run it on this page. "
        f"{html.escape(preview.summary)}</p>"
        f"{figure}</div>"
        f"{note}</div>"
    )


class WidgetNote:
    """A note with one text for the static HTML page and another for a live kernel.

    Display it right after the widget it describes, in the same cell. With ``widget`` (a
    widget that has ``preview()``) the static side also says what the widget does and shows
    its starting picture, for pages whose widget JavaScript does not run; with ``chapter``
    (the notebook's name, such as ``"algorithm"``) it links to the chapter's live copy.
    """

    def __init__(
        self,
        try_this: str,
        *,
        static: str = STATIC_NOTE,
        widget: Previewable | None = None,
        chapter: str | None = None,
    ) -> None:
        if not isinstance(try_this, str) or not try_this.strip():
            raise ValueError("try_this must be a sentence inviting the reader to try something")
        if not isinstance(static, str) or not static.strip():
            raise ValueError("static must be the sentence shown on the static page")
        if widget is not None and not callable(getattr(widget, "preview", None)):
            raise ValueError(
                f"widget must be one of the book's widgets (it has preview()); got "
                f"{type(widget).__name__}"
            )
        self.static_text = " ".join(static.split())
        self.live_text = f"{LIVE_PREFIX} {' '.join(try_this.split())}"
        self.live_view = widgets.HTML(value=_note_html(self.live_text, "benor-live-note"))
        self.preview = widget.preview() if widget is not None else None
        self.chapter = chapter
        self.static_html = _static_html(self.static_text, chapter, self.preview)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle = dict(self.live_view._repr_mimebundle_())
        bundle["text/html"] = self.static_html
        if self.preview is None:
            bundle["text/plain"] = self.static_text
        else:
            bundle["text/plain"] = f"{self.preview.name}: {self.preview.summary} {self.static_text}"
        return bundle

    def __repr__(self) -> str:
        return f"WidgetNote(live={self.live_text!r})"


def widget_note(
    try_this: str,
    *,
    static: str = STATIC_NOTE,
    widget: Previewable | None = None,
    chapter: str | None = None,
) -> WidgetNote:
    """The note for a widget: ``static`` on the web page, ``try_this`` in a live kernel.

    Pass the ``widget`` (and the ``chapter`` it is in) to give the web page a fallback: what
    the widget does and its starting picture, where the widget's JavaScript does not run.
    """
    return WidgetNote(try_this, static=static, widget=widget, chapter=chapter)
