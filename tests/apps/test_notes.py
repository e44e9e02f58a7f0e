"""The note under each widget, and the fallback it carries for pages without widget JavaScript.

The note is one output with two sides: a live ipywidgets view (JupyterLab ranks it first) and
``text/html`` for the book's web page. Given its widget, the web side also says what the widget
does and shows the picture the widget drew, so a page whose widget JavaScript does not run
still shows something useful (tests/book/test_widget_fallback.py checks that in a browser).
"""

from __future__ import annotations

import base64
import html
import io
import re

import pytest

from benor_lib.apps import widget_note
from benor_lib.apps.notes import LIVE_PREFIX, STATIC_NOTE, WidgetPreview
from benor_lib.live import live_chapter_url

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
IMG = re.compile(
    r'<img class="benor-fallback-image" src="data:image/png;base64,([^"]+)" alt="([^"]*)"'
)


def _png() -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(1, 1))
    ax.plot([0, 1], [1, 0])
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


class _Fake:
    """Stands in for a widget: anything with preview() will do."""

    def __init__(self, preview: WidgetPreview) -> None:
        self._preview = preview

    def preview(self) -> WidgetPreview:
        return self._preview


def test_note_without_widget_keeps_both_sides() -> None:
    bundle = widget_note("Press Step.")._repr_mimebundle_()
    assert WIDGET_VIEW in bundle  # JupyterLab shows the live note
    assert html.escape(STATIC_NOTE) in bundle["text/html"]
    assert "benor-fallback-body" not in bundle["text/html"]  # no widget, nothing to stand in
    assert bundle["text/plain"] == STATIC_NOTE


def test_chapter_links_the_live_copy() -> None:
    page = widget_note("Try it.", chapter="rounds")._repr_mimebundle_()["text/html"]
    assert f'href="{html.escape(live_chapter_url("rounds"), quote=True)}"' in page
    with pytest.raises(ValueError, match="chapter"):
        widget_note("Try it.", chapter="../rounds")


def test_fallback_says_what_the_widget_does_and_shows_its_picture() -> None:
    png = _png()
    preview = WidgetPreview("The test widget", "It <draws> a line.", png, 'A "falling" line.')
    note = widget_note("Drag the slider.", widget=_Fake(preview), chapter="algorithm")
    bundle = note._repr_mimebundle_()
    page = bundle["text/html"]
    assert "<strong>The test widget</strong>" in page
    assert "It &lt;draws&gt; a line." in page  # escaped, not markup
    (data, alt), *more = IMG.findall(page)
    assert not more
    assert base64.b64decode(data) == png
    assert html.unescape(alt) == preview.alt
    # the note on where the widget comes alive follows the fallback, outside its body
    assert page.index("benor-fallback-body") < page.index("benor-static-note")
    assert page.rstrip().endswith("</p></div>")
    # a live kernel still gets only the invitation, not the fallback
    live = note.live_view.value
    assert LIVE_PREFIX in live and "Drag the slider." in live and "benor-fallback" not in live
    assert bundle["text/plain"].startswith("The test widget: It <draws> a line.")


def test_fallback_without_a_picture_has_no_img() -> None:
    preview = WidgetPreview("The test widget", "It waits.", b"", "")
    page = widget_note("Try.", widget=_Fake(preview))._repr_mimebundle_()["text/html"]
    assert "benor-fallback-body" in page and "<img" not in page


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (("", "It draws.", b"", ""), "name"),
        (("W", " ", b"", ""), "summary"),
        (("W", "It draws.", b"GIF89a", "alt"), "PNG"),
    ],
)
def test_bad_previews_are_refused(args: tuple, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        WidgetPreview(*args)


def test_a_picture_needs_its_text_alternative() -> None:
    with pytest.raises(ValueError, match="alt"):
        WidgetPreview("W", "It draws.", _png(), " ")


def test_widget_must_be_previewable() -> None:
    with pytest.raises(ValueError, match="preview"):
        widget_note("Try.", widget=object())  # type: ignore[arg-type]


def _stepper():
    from benor_lib.apps import round_stepper

    return round_stepper(seed=3), lambda w: (bytes(w.diagram.value), w.diagram.tooltip)


def _explorer():
    from benor_lib.apps import distribution_explorer

    return distribution_explorer(), lambda w: (w.figure_png, w.figure.tooltip)


def _model_explorer():
    from benor_lib.apps.model_explorer.view import model_explorer

    return model_explorer(), lambda w: (w.diagram_png, w.view.alt_text())


@pytest.mark.parametrize("make", [_stepper, _explorer, _model_explorer])
def test_each_app_previews_the_picture_it_shows(make) -> None:
    widget, shown = make()
    preview = widget.preview()
    png, alt = shown(widget)
    assert png.startswith(b"\x89PNG") and (preview.png, preview.alt) == (png, alt)
    assert preview.name.startswith("The ") and len(preview.summary.split()) >= 15
    page = widget_note("Try it.", widget=widget)._repr_mimebundle_()["text/html"]
    (data, _), *more = IMG.findall(page)
    assert not more and base64.b64decode(data) == png
