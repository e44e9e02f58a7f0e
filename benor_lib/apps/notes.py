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
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

STATIC_NOTE = (
    "This widget needs a running Python kernel, so on this web page it shows only its "
    "starting view. To use it, open the chapter live: in JupyterLite (in your browser, no "
    "install), on Binder, or in your own JupyterLab."
)
"""What the static page says under every widget."""

LIVE_PREFIX = "Live: this widget runs in your kernel."
"""How the live note starts, before the chapter's invitation."""

_NOTE_STYLE = "font-size:90%;color:#444;border-left:3px solid #0B4F8A;padding:2px 8px;margin:4px 0"


def _note_html(text: str, css_class: str) -> str:
    return f'<p class="{css_class}" style="{_NOTE_STYLE}">{html.escape(text)}</p>'


class WidgetNote:
    """A note with one text for the static HTML page and another for a live kernel.

    Display it right before or after the widget it describes (``display(note)``).
    """

    def __init__(self, try_this: str, *, static: str = STATIC_NOTE) -> None:
        if not isinstance(try_this, str) or not try_this.strip():
            raise ValueError("try_this must be a sentence inviting the reader to try something")
        if not isinstance(static, str) or not static.strip():
            raise ValueError("static must be the sentence shown on the static page")
        self.static_text = " ".join(static.split())
        self.live_text = f"{LIVE_PREFIX} {' '.join(try_this.split())}"
        self.live_view = widgets.HTML(value=_note_html(self.live_text, "benor-live-note"))

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle = dict(self.live_view._repr_mimebundle_())
        bundle["text/html"] = _note_html(self.static_text, "benor-static-note")
        bundle["text/plain"] = self.static_text
        return bundle

    def __repr__(self) -> str:
        return f"WidgetNote(live={self.live_text!r})"


def widget_note(try_this: str, *, static: str = STATIC_NOTE) -> WidgetNote:
    """The note for a widget: ``static`` on the web page, ``try_this`` in a live kernel."""
    return WidgetNote(try_this, static=static)
