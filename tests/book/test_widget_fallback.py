"""No blank widget cells: where the widget JavaScript does not run, each widget cell says what
the widget does, shows its starting picture and says where it comes alive.

The pages of the session's single book build (conftest's ``book_build``), read in the module's
headless Chromium, three ways: with JavaScript off; with JavaScript on but the widget embedder
(``html-manager``) blocked, as an ad-blocker or a failed download leaves it; and as usual,
where the embedder draws the widget and the fallback must get out of the way. The note on
where the widget comes alive shows in all three. (The fallback comes from
``benor_lib.apps.notes.widget_note``; the JupyterLab face, where only the live note may show,
is checked in test_jupyterlab.py.)
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urljoin

import browser_support as bs
import pytest

from benor_lib.live import live_chapter_url

pytestmark = pytest.mark.browser

WITHOUT = ("javascript-off", "embedder-blocked")
MATHJAX = "**/_static/mathjax/**"

# One entry per widget view of the page: its cell's widget, fallback and note, as shown.
CELLS = """
() => Array.from(document.querySelectorAll(
    'script[type="application/vnd.jupyter.widget-view+json"]')).map((view) => {
  const cell = view.closest('.cell_output');
  const shown = (el) => !!el && el.getClientRects().length > 0
      && getComputedStyle(el).visibility !== 'hidden'
      && el.getBoundingClientRect().width > 0 && el.getBoundingClientRect().height > 0;
  const pick = (selector) => cell ? cell.querySelector(selector) : null;
  const body = pick('.benor-fallback-body');
  const img = pick('img.benor-fallback-image');
  const note = pick('.benor-static-note');
  const link = note ? note.querySelector('a') : null;
  return {
    inCell: !!cell,
    widget: shown(pick('.widget-subarea .jupyter-widgets')),
    body: shown(body),
    bodyText: body ? body.innerText : '',
    img: shown(img) && img.complete && img.naturalWidth > 0,
    alt: img ? img.alt : '',
    note: shown(note),
    noteText: note ? note.innerText : '',
    link: link ? link.href : '',
  };
})
"""


def _widget_pages(book_in_browser: bs.BookInBrowser) -> list[str]:
    pages = bs.pages_containing(book_in_browser.html_dir, bs.WIDGET_VIEW_MIME)
    assert pages, "no page of the book shows a widget; the three widget chapters should"
    return pages


DRAWN = """
() => Array.from(document.querySelectorAll(
    'script[type="application/vnd.jupyter.widget-view+json"]')).every((view) => {
  const cell = view.closest('.cell_output');
  return !!cell && !!cell.querySelector('.widget-subarea .jupyter-widgets');
})
"""


@contextmanager
def _visit(book_in_browser: bs.BookInBrowser, document: str, how: str):
    """The page, once its widgets are drawn (``how="drawn"``) or its HTML is in (otherwise).

    Cheaper than ``book_in_browser.open``: it waits for no figure and loads no MathJax,
    which these checks do not look at.
    """
    context = book_in_browser.browser.new_context(
        viewport=bs.VIEWPORT, java_script_enabled=how != "javascript-off"
    )
    routes = bs.OfflineRoutes()
    context.route("**/*", routes.handle)
    # routes registered later are asked first. MathJax is not needed here, and typesetting
    # a long chapter is most of a page's load time.
    context.route(MATHJAX, lambda route: route.abort("blockedbyclient"))
    if how == "embedder-blocked":
        context.route(f"**{bs.WIDGET_EMBEDDER}**", lambda route: route.abort("blockedbyclient"))
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(book_in_browser.url(document), wait_until="domcontentloaded")
        if how == "drawn":
            page.wait_for_function(DRAWN, timeout=bs.WIDGET_TIMEOUT_MS)
        page.wait_for_timeout(bs.SETTLE_MS)
        yield page
    finally:
        context.close()


def _live_link(book_in_browser: bs.BookInBrowser, document: str) -> str:
    return urljoin(book_in_browser.url(document), live_chapter_url(Path(document).name))


@pytest.mark.parametrize("how", WITHOUT)
def test_without_widget_javascript_every_widget_cell_shows_its_fallback(
    book_in_browser: bs.BookInBrowser, how: str
) -> None:
    problems = []
    for document in _widget_pages(book_in_browser):
        with _visit(book_in_browser, document, how) as page:
            cells = page.evaluate(CELLS)
            for k, cell in enumerate(cells):
                where = f"{document}.html, widget {k + 1} ({how})"
                if cell["widget"]:
                    problems.append(f"{where}: a widget was drawn, so this test tests nothing")
                if not cell["body"] or "interactive widget" not in cell["bodyText"]:
                    problems.append(f"{where}: no fallback text ({cell['bodyText'][:80]!r})")
                if not cell["img"]:
                    problems.append(f"{where}: the fallback's picture does not show")
                if len(cell["alt"].split()) < 5:
                    problems.append(f"{where}: the picture's alt text is {cell['alt']!r}")
                if not cell["note"] or "Binder" not in cell["noteText"]:
                    problems.append(f"{where}: no note on where the widget comes alive")
                if cell["link"] != _live_link(book_in_browser, document):
                    problems.append(f"{where}: the live link is {cell['link']!r}")
            if cells:
                first = page.locator(".cell_output:has(.benor-widget-fallback)").first
                first.scroll_into_view_if_needed()
                first.screenshot(
                    path=str(bs.SCREENSHOTS / f"fallback-{how}-{bs.safe_name(document)}.png")
                )
    assert not problems, "\n".join(problems)


def test_where_the_widget_is_drawn_its_fallback_is_hidden(
    book_in_browser: bs.BookInBrowser,
) -> None:
    problems = []
    for document in _widget_pages(book_in_browser):
        with _visit(book_in_browser, document, "drawn") as page:
            for k, cell in enumerate(page.evaluate(CELLS)):
                where = f"{document}.html, widget {k + 1}"
                if not cell["inCell"]:
                    problems.append(f"{where}: the widget view is not in a cell output")
                if not cell["widget"]:
                    problems.append(f"{where}: the embedder did not draw the widget")
                if cell["body"] or cell["img"]:
                    problems.append(f"{where}: the fallback shows beside the drawn widget")
                if not cell["note"]:
                    problems.append(f"{where}: the note on where it comes alive is missing")
    assert not problems, "\n".join(problems)
